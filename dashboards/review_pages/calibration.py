"""Do the reviewers agree? Krippendorff's alpha and each reviewer's distance from consensus for a
round, and the calibration exercise: one sample submission scored by every reviewer."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from dashboards import ui
from dashboards.review import ReviewStore
from dashboards.review.windows import window_submissions, windows
from dashboards.review_pages.common import act, problem, select
from dashboards.session import paths
from pipeline.review.calibration import MIN_ITEMS, RELIABLE_ALPHA, TENTATIVE_ALPHA
from pipeline.review.panel import Submission, TeamSettings, exclusion
from pipeline.store.snapshot import published


def _alpha(value: float | None) -> str:
    return "not computed" if value is None else f"{value:.3f}"


def figures(store: ReviewStore, actor, rnd) -> None:
    """Alpha overall and per theme, with what each rests on; each reviewer's distance from consensus."""
    agreement, distances = store.calibration(actor, rnd.id)
    overall = agreement.overall
    st.caption(f"Krippendorff's alpha (ordinal) over the submitted reviews, one item per theme of each "
               f"submission scored by two reviewers or more. Krippendorff's reading: reliable at "
               f"{RELIABLE_ALPHA:.3f} or above, tentative from {TENTATIVE_ALPHA:.3f}, too low below that; "
               f"techbench computes it from {MIN_ITEMS} items.")
    a, reading, items, pairable = st.columns(4)
    a.metric("Alpha, all themes", _alpha(overall.alpha))
    reading.metric("Reading", overall.reading)
    items.metric("Items", overall.items)
    pairable.metric("Pairable values", overall.pairable)
    if overall.alpha is None:
        st.info(ui.plain(f"Not computed: {overall.reason}."), icon=":material/info:")
    labels = {t.id: t.label for t in store.rubric.themes}
    if agreement.by_theme:
        st.markdown("**By theme**")
        st.dataframe(pl.DataFrame([{
            "Theme": labels.get(theme, theme), "Alpha": _alpha(x.alpha), "Reading": x.reading, "Items": x.items,
            "Pairable values": x.pairable, "Why not computed": x.reason} for theme, x in agreement.by_theme.items()]),
            hide_index=True, width="stretch", key="calibration_themes")
    st.markdown("**Each reviewer's distance from the consensus**")
    if not distances:
        st.caption("No submitted review yet.")
        return
    st.caption("Mean absolute distance: how far, in levels, a reviewer's scores were from the agreed ones; "
               "signed: above (+) or below (−) them on average. Over the themes with an agreed level.")
    st.dataframe(pl.DataFrame([{
        "Reviewer": d.reviewer, "Themes compared": d.compared,
        "Mean absolute distance": None if d.mean_absolute is None else round(d.mean_absolute, 2),
        "Mean signed distance": None if d.mean_signed is None else round(d.mean_signed, 2)} for d in distances]),
        hide_index=True, width="stretch", placeholder=ui.MISSING, key="calibration_distances")


def eligible(store: ReviewStore, sub: Submission, today: dt.date) -> list[str]:
    """The reviewers who may score ``sub``: trained, available, not from it or conflicted with it."""
    settings = TeamSettings(as_of=today)
    return [r.username for r in store.panel() if exclusion(r, sub, settings) is None]


def exercise(store: ReviewStore, actor, round_key: str) -> None:
    """Open a calibration round on one sample submission for every eligible reviewer, teams confirmed."""
    home = paths()
    if published(home) is None:
        st.info("No data has been published yet: the sample is an accepted submission of the published snapshot.")
        return
    subs = {s.submission_id: (window, s) for window, _ in windows(home) for s in window_submissions(home, window)}
    if not subs:
        st.info("The published snapshot has no accepted submission to use as a sample.")
        return
    st.caption("Every trained, available reviewer not from the sample's institution (nor conflicted with it) "
               "scores the same submission, before a round, to compare how they read the rubric. The figures "
               "above then show for it like any round. A calibration exercise never gives an outcome.")
    sid = st.selectbox("Sample submission", list(subs), key="calibration_sample",
                       format_func=lambda i: f"{subs[i][1].label} · window {subs[i][0]:%d %b %Y}")
    window, sample = subs[sid]
    today = dt.date.today()
    who = eligible(store, sample.as_submission(), today)
    st.markdown(f"**{len(who)}** reviewer(s) would score it" + (f": {ui.plain(', '.join(who))}" if who else "."))
    with st.form("calibration_open"):
        review_due = st.date_input("Reviews due", value=today + dt.timedelta(weeks=2), key="calibration_review_due")
        consensus_due = st.date_input("Consensus due", value=today + dt.timedelta(weeks=3),
                                      key="calibration_consensus_due")
        problem("calibration_open")
        if st.form_submit_button("Open the calibration exercise", type="primary", disabled=not who):
            def run():
                round_id = f"calibration-{today.isoformat()}-{sample.signatory}-stage{sample.stage}"
                opened = store.open_round(actor, window, review_due, consensus_due, [sample], team_size=len(who),
                                          kind="calibration", round_id=round_id)
                store.propose_teams(actor, opened.id)
                confirmed = store.confirm_teams(actor, opened.id)
                select(round_key, opened.id)
                return opened, confirmed
            act("calibration_open", run, lambda r: f"Calibration exercise {r[0].id} opened: {r[1]} reviewer(s) "
                                                   "confirmed on the sample.")
