"""What the peer review pages share: the review store of this home (one per home, like
``session.store()``), the rubric's source line, and a feedback report drawn on a page.

Every store method checks the acting account's role itself; these helpers only draw. Every text
from a review, a return or the rubric file goes through ``ui.plain``.
"""

from __future__ import annotations

import streamlit as st

from dashboards import ui
from dashboards.accounts import store_path
from dashboards.review import ReviewStore
from dashboards.session import paths
from pipeline.review.feedback import FeedbackReport
from pipeline.review.rubric import Rubric
from pipeline.store.snapshot import published


@st.cache_resource(show_spinner=False)
def _review_store(path: str) -> ReviewStore:
    return ReviewStore(path)


def review_store() -> ReviewStore:
    """The peer review part of this home's application store (``<home>/app.sqlite3``)."""
    return _review_store(str(store_path(paths())))


def is_default(rubric: Rubric) -> bool:
    """Whether the rubric in use is techbench's own default (its ``source`` says so), not the programme's."""
    return "techbench" in rubric.source.lower()


def rubric_note(rubric: Rubric) -> None:
    """The rubric's source line, shown wherever the rubric is used."""
    st.caption(f"Rubric: {ui.plain(rubric.source)}", help="Themes, levels, their words and the outcomes come from "
               "the rubric file (pipeline/config/rubric.yaml or TECHBENCH_RUBRIC).")


def outcome_label(rubric: Rubric) -> str:
    """The label of an outcome chooser: says when the outcome words are techbench's default."""
    return "Outcome (techbench's default outcome words; the programme publishes none)" if is_default(rubric) \
        else "Outcome"


def synthetic_data() -> bool:
    """Whether the published snapshot is synthetic (a report made from it is marked so)."""
    current = published(paths())
    return current is not None and current.info.synthetic


def show_report(report: FeedbackReport) -> None:
    """A feedback report as the institution reads it: outcome, summary, per theme the agreed level with
    the rubric's words, strengths, areas to develop and the comments anchored to the plan. A report has
    no field naming a reviewer, and nothing is added here."""
    if report.synthetic:
        st.warning("**SYNTHETIC** — made from returns generated for demonstration.", icon=":material/science:")
    when = f"{report.released_on:%d %b %Y}" if report.released_on else "not yet released (preview)"
    st.markdown(f"**{ui.plain(report.institution)}**, stage {int(report.stage)} · review round "
                f"{ui.plain(report.round_name)} · released {when}")
    st.markdown(f"**Outcome:** {ui.plain(report.outcome)}")
    st.caption(f"Levels, themes and outcome words: {ui.plain(report.rubric_source)}")
    st.markdown("##### Summary")
    st.markdown(ui.plain(report.summary) or "*None recorded.*")
    for theme in report.themes:
        st.markdown(f"##### {ui.plain(theme.label)}")
        level = "No agreed level" if theme.level is None else f"{int(theme.level)} — {ui.plain(theme.level_label)}"
        st.markdown(f"**Agreed level:** {level}")
        if theme.level_descriptor:
            st.caption(ui.plain(theme.level_descriptor))
        st.markdown(f"**Strengths**  \n{ui.plain(theme.strengths) or '*None recorded.*'}")
        st.markdown(f"**Areas to develop**  \n{ui.plain(theme.areas_to_develop) or '*None recorded.*'}")
        for comment in theme.comments:
            st.markdown(f"- *{ui.plain(comment.anchor)}:* {ui.plain(comment.text)}")
