"""Where a round stands: each submission's state and what is due; previewing and releasing the
agreed feedback; reminders and their outbox; the export, the audit trail and closing the round."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import polars as pl
import streamlit as st

from dashboards import ui
from dashboards.review import ReviewStore
from dashboards.review.tracking import STATES
from dashboards.review_pages.common import act, fmt_date, problem
from dashboards.review_session import show_report
from dashboards.session import download_link


def tracking_section(store: ReviewStore, actor, rnd) -> None:
    states = store.states(actor, rnd.id)
    counts = Counter(s.state for s in states)
    for column, state in zip(st.columns(len(STATES)), STATES, strict=True):
        column.metric(state.capitalize(), counts.get(state, 0))
    if not states:
        return
    overdue = sum(s.overdue for s in states)
    if overdue:
        st.warning(f"{overdue} submission(s) overdue.", icon=":material/schedule:")
    st.dataframe(pl.DataFrame([{
        "Submission": s.label, "State": s.state, "Lead": s.lead or "",
        "Reviews submitted": f"{s.reviews_submitted} of {len(s.team)}",
        "Next due": fmt_date(s.due), "Overdue": "OVERDUE" if s.overdue else ""} for s in states]),
        hide_index=True, width="stretch", key="rounds_states")
    st.markdown("**Reviews due and overdue**")
    tasks = store.tasks(rnd.id)
    today = dt.date.today()
    if not tasks:
        st.caption("Nothing is waiting on a reviewer in this round.")
    else:
        st.dataframe(pl.DataFrame([{
            "Who": t.recipient, "What": t.kind, "Submission": t.submission_label, "Due": fmt_date(t.due),
            "Overdue": "OVERDUE" if t.due < today else ""} for t in tasks]),
            hide_index=True, width="stretch", key="rounds_tasks")


def release_section(store: ReviewStore, actor, rnd, synthetic: bool) -> None:
    """Agreed consensuses: preview the report, send it back to the lead, or release it."""
    agreed = [s for s in store.round_submissions(rnd.id)
              if (c := store.consensus(actor, rnd.id, s.submission_id)) is not None and c.state == "agreed"]
    if not agreed:
        st.caption("No consensus is agreed and waiting for release.")
        return
    if rnd.status != "open":
        st.info("This round is closed.")
        return
    by_id = {s.submission_id: s for s in agreed}
    sid = st.selectbox("Agreed consensus", list(by_id), key="rounds_release_sub", format_func=lambda i: by_id[i].label)
    report = store.report(actor, rnd.id, sid, synthetic=synthetic)
    with st.container(border=True):
        show_report(report)
    for column, (label, fmt) in zip(st.columns(2), (("Word", "docx"), ("PDF", "pdf")), strict=True):
        with column:
            download_link(label, "feedback", round_id=rnd.id, submission_id=sid, fmt=fmt)
    reason = st.text_input("Why it goes back to the lead (kept in the audit trail)", key=f"rounds_return_reason_{sid}")
    back, out = st.columns(2)
    if back.button("Send back to the lead", key="rounds_return"):
        if not reason.strip():
            st.session_state["rounds_release_error"] = "say why the consensus goes back to the lead"
            st.rerun()
        act("rounds_release", lambda: store.return_consensus(actor, rnd.id, sid, reason),
            f"The consensus of {by_id[sid].label} is back with the lead.")
    if out.button("Release", key="rounds_release", type="primary"):
        act("rounds_release", lambda: store.release(actor, rnd.id, sid),
            f"Feedback of {by_id[sid].label} released: the institution can read it now.")
    problem("rounds_release")


def reminders_section(store: ReviewStore, actor) -> None:
    from pipeline.review.reminders import mail_settings

    try:
        settings = mail_settings()
    except ValueError as exc:
        st.error(ui.plain(f"The e-mail settings cannot be read: {exc}"), icon=":material/error:")
        settings = None
    if settings is not None and settings.enabled:
        st.success(ui.plain(f"E-mail is on: reminders go out through {settings.host}:{settings.port} "
                            f"from {settings.sender}."), icon=":material/mail:")
    else:
        st.info("E-mail is off: reminders are composed and kept in the outbox below with status “not sent”. "
                "To send them, set `TECHBENCH_SMTP_HOST` and `TECHBENCH_SMTP_SENDER` (and, as needed, "
                "`TECHBENCH_SMTP_PORT`, `TECHBENCH_SMTP_STARTTLS=1`, `TECHBENCH_SMTP_USER`, "
                "`TECHBENCH_SMTP_PASSWORD`) where the dashboard runs, then restart it.", icon=":material/mail_lock:")
    st.caption("A reminder goes to each person with a declaration, review or consensus overdue or due within "
               "7 days, in every open round.")
    if st.button("Send reminders now", key="rounds_remind", disabled=settings is None):
        act("rounds_remind", lambda: store.send_reminders(actor, settings=settings),
            lambda sent: f"{len(sent)} reminder(s) composed: " +
            (", ".join(f"{n} {s}" for s, n in Counter(e.status for e in sent).items()) or "nothing was due"))
    problem("rounds_remind")
    outbox = store.outbox(actor)
    if not outbox:
        st.caption("The outbox is empty.")
        return
    st.dataframe(pl.DataFrame([{
        "Composed": e.created_at, "To": e.recipient, "Address": e.address or "", "Subject": e.subject,
        "Status": e.status, "Detail": e.detail, "Message": e.body} for e in outbox]),
        hide_index=True, width="stretch", key="rounds_outbox")


def export_section(rnd) -> None:
    st.caption("Every score and narrative (each reviewer's and the consensus's) and every comment of the "
               "round, as CSV or Excel that cannot run as spreadsheet formulas.")
    columns = st.columns(3)
    with columns[0]:
        download_link("Scores (CSV)", "round_export", round_id=rnd.id, fmt="csv", what="scores")
    with columns[1]:
        download_link("Comments (CSV)", "round_export", round_id=rnd.id, fmt="csv", what="comments")
    with columns[2]:
        download_link("Scores and comments (Excel)", "round_export", round_id=rnd.id, fmt="xlsx", what="all")


def audit_section(store: ReviewStore, actor) -> None:
    entries = list(reversed(store.audit_entries(actor)))
    if not entries:
        st.caption("Nothing has been recorded yet.")
        return
    st.dataframe(pl.DataFrame([{
        "When (UTC)": e.at, "Who": e.actor, "Action": e.action, "About": e.subject,
        "Details": json.dumps(e.details, ensure_ascii=False, default=str)} for e in entries]),
        hide_index=True, width="stretch", key="rounds_audit")


def close_section(store: ReviewStore, actor, rnd) -> None:
    if rnd.status != "open":
        st.caption(f"Closed on {ui.plain(rnd.closed_at or '')}.")
        return
    st.caption("A round closes once every submission's feedback is released (it closes itself on the last "
               "release); a calibration exercise can be closed at any time.")
    if st.button("Close the round", key="rounds_close"):
        act("rounds_close", lambda: store.close_round(actor, rnd.id), f"Round {rnd.id} closed.")
    problem("rounds_close")
