"""Opening a round on a submission window, and the panel of reviewers (profiles and conflicts)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from dashboards.review import ReviewStore
from dashboards.review.windows import window_submissions, windows
from dashboards.review_pages.common import act, fmt_date, problem, select
from dashboards.session import paths
from pipeline.review.panel import DEFAULT_TEAM_SIZE
from pipeline.store.snapshot import published

REVIEW_WEEKS, CONSENSUS_WEEKS = 6, 8  # techbench's default due dates, after the window closes


def open_round_form(store: ReviewStore, actor, round_key: str) -> None:
    """Choose a window with accepted submissions, the due dates and the team size; open the round."""
    home = paths()
    if published(home) is None:
        st.info("No data has been published yet: a round reviews the accepted submissions of the published "
                "snapshot.")
        return
    found = windows(home)
    if not found:
        st.info("The published snapshot has no accepted submission yet.")
        return
    counts = dict(found)
    window = st.selectbox("Submission window (windows close on 31 January and 31 July)", list(counts),
                          key="rounds_open_window",
                          format_func=lambda w: f"closing {w:%d %b %Y} · {counts[w]} accepted submission(s)")
    subs = window_submissions(home, window)
    st.markdown(f"This round collects **{len(subs)}** accepted submission(s) of the window closing "
                f"{window:%d %b %Y} (the latest accepted file of each signatory and stage).")
    with st.form("rounds_open"):
        review_due = st.date_input("Reviews due", value=window + dt.timedelta(weeks=REVIEW_WEEKS),
                                   key="rounds_open_review_due")
        consensus_due = st.date_input("Consensus due", value=window + dt.timedelta(weeks=CONSENSUS_WEEKS),
                                      key="rounds_open_consensus_due")
        team_size = st.number_input("Reviewers per team (the lead included)", min_value=1, max_value=10,
                                    value=DEFAULT_TEAM_SIZE, step=1, key="rounds_open_team_size")
        problem("rounds_open")
        if st.form_submit_button("Open the round", type="primary"):
            def run():
                opened = store.open_round(actor, window, review_due, consensus_due, subs, team_size=int(team_size))
                select(round_key, opened.id)
                return opened
            act("rounds_open", run, lambda r: f"Round {r.id} opened with {len(subs)} submission(s): propose its "
                                              "teams next.")


def reviewers_panel(store: ReviewStore, actor, accounts) -> None:
    """The reviewers' profiles, a form to create or update one, and one to record a conflict."""
    st.caption("Only a **trained** reviewer (a training date on or before today), available and "
               "with a maximum load above 0, is ever proposed or accepted on a team: an untrained reviewer "
               "cannot be assigned.")
    profiles = store.profiles()
    if profiles:
        st.dataframe(pl.DataFrame({
            "Reviewer": [p.username for p in profiles], "Institution": [p.institution for p in profiles],
            "Type": [p.institution_type for p in profiles], "E-mail": [p.email or "" for p in profiles],
            "Trained on": [fmt_date(p.trained_on) if p.trained_on else "not trained" for p in profiles],
            "Available": ["yes" if p.available else "no" for p in profiles],
            "Max load": [p.max_load for p in profiles],
            "Conflicts": ["; ".join(f"{s} ({why})" for s, why in p.conflicts.items()) for p in profiles]}),
            hide_index=True, width="stretch", key="rounds_profiles")
    else:
        st.info("No reviewer has a profile yet: create one below for each reviewer account.")
    names = sorted(u.username for u in accounts.list_users() if u.role == "reviewer" and not u.disabled)
    if not names:
        st.info("There is no reviewer account: an administrator adds them (`techbench users add … reviewer`).")
        return
    by_name = {p.username: p for p in profiles}
    profile_tab, conflict_tab = st.tabs(["Create or update a profile", "Record a conflict"])
    with profile_tab:
        name = st.selectbox("Reviewer account", names, key="rounds_profile_user")
        current = by_name.get(name)
        with st.form("rounds_profile"):
            institution = st.text_input("Institution (signatory slug, e.g. york)", key=f"rounds_profile_inst_{name}",
                                        value=current.institution if current else "")
            kind = st.text_input("Institution type (e.g. university, research institute)",
                                 key=f"rounds_profile_type_{name}", value=current.institution_type if current else "")
            email = st.text_input("E-mail for reminders (optional)", key=f"rounds_profile_email_{name}",
                                  value=(current.email or "") if current else "")
            trained = st.date_input("Training completed on (blank: not trained, cannot be assigned)",
                                    value=current.trained_on if current else None, key=f"rounds_profile_trained_{name}")
            available = st.checkbox("Available for review", value=current.available if current else True,
                                    key=f"rounds_profile_available_{name}")
            max_load = st.number_input("Most submissions in a round", min_value=0, max_value=50, step=1,
                                       value=current.max_load if current else 3, key=f"rounds_profile_load_{name}")
            problem("rounds_profile")
            if st.form_submit_button("Save the profile", type="primary"):
                act("rounds_profile", lambda: store.set_profile(
                    actor, name, institution=institution.strip(), institution_type=kind, max_load=int(max_load),
                    email=email.strip() or None, trained_on=trained, available=available),
                    f"Profile of {name} saved.")
    with conflict_tab:
        with st.form("rounds_conflict"):
            who = st.selectbox("Reviewer", names, key="rounds_conflict_user")
            signatory = st.text_input("Institution they are conflicted with (signatory slug)", key="rounds_conflict_slug")
            reason = st.text_input("Reason (kept with the conflict)", key="rounds_conflict_reason")
            problem("rounds_conflict")
            if st.form_submit_button("Record the conflict"):
                act("rounds_conflict", lambda: store.declare_conflict(actor, who, signatory.strip(), reason),
                    f"Conflict of {who} with {signatory.strip()} recorded.")
