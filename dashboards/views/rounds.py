"""Review rounds (steering group): open a round on a submission window, keep the panel's profiles
and conflicts, propose, adjust and confirm teams, replace members, follow each submission's state,
preview and release the feedback, send reminders, export the scores, read the audit trail and close
the round. Every action goes through ``dashboards.review.ReviewStore``, which checks the role itself."""

import streamlit as st

from dashboards import ui
from dashboards.review import ReviewError
from dashboards.review_pages import progress, setup, teams
from dashboards.review_pages.common import choose_round, done_message, open_steering_page
from dashboards.session import paths, store
from pipeline.store.snapshot import published

actor, reviews = open_steering_page("rounds")
ROUND_KEY = "rounds_round"

done_message()
with st.expander("Open a round", icon=":material/add_circle:", expanded=not reviews.rounds()):
    setup.open_round_form(reviews, actor, ROUND_KEY)
with st.expander("Reviewers", icon=":material/badge:"):
    setup.reviewers_panel(reviews, actor, store())

current = choose_round(reviews, ROUND_KEY)
if current is None:
    st.info("No round has been opened yet.")
    st.stop()
st.caption(f"Reviews due {current.review_due:%d %b %Y} · consensus due {current.consensus_due:%d %b %Y} · "
           f"teams of {current.team_size} · {current.status}")
snapshot = published(paths())
synthetic = bool(snapshot and snapshot.info.synthetic)
tabs = st.tabs(["Teams", "Tracking", "Preview & release", "Reminders & outbox", "Export", "Audit trail", "Close"])
sections = (lambda: teams.teams_section(reviews, actor, current),
            lambda: progress.tracking_section(reviews, actor, current),
            lambda: progress.release_section(reviews, actor, current, synthetic),
            lambda: progress.reminders_section(reviews, actor),
            lambda: progress.export_section(current),
            lambda: progress.audit_section(reviews, actor),
            lambda: progress.close_section(reviews, actor, current))
for tab, section in zip(tabs, sections, strict=True):
    with tab:
        try:
            section()
        except ReviewError as exc:
            st.error(ui.plain(exc), icon=":material/block:")
