"""Review feedback: the released peer review reports this account may read, with Word and PDF
downloads. An institution reads its own; a reviewer those of institutions whose later submission
they review; the steering group every released report and a preview of agreed, unreleased ones
(released on the Review rounds page). The report carries no reviewer's name, and this page adds none.

Which reports are listed is the store's rule (``released``, ``can_read_report``), not this page's.
"""

import streamlit as st

from dashboards import ui
from dashboards.review import ReviewError
from dashboards.review_session import review_store, rubric_note, show_report, synthetic_data
from dashboards.session import download_link, open_view

INTRO = {"institution": "Your institution's peer review feedback, once the steering group has released it.",
         "reviewer": "Released feedback on the earlier stages of institutions whose submission you are reviewing.",
         "steering": "Every released report, and a preview of each agreed consensus not yet released (release it on "
                     "the Review rounds page)."}

frame = open_view("feedback")
user = frame.viewer.user
store = review_store()
st.caption(INTRO[user.role])
rubric_note(store.rubric)

try:
    reports = {(r.round_id, r.submission_id): f"{r.signatory_name}, stage {r.stage} (round {r.round_id}, released "
               f"{r.released_at[:10]})" for r in store.released(user)}
    if user.role == "steering":
        for rnd in store.rounds():
            for sub in store.round_submissions(rnd.id):
                key = (rnd.id, sub.submission_id)
                if key not in reports and store.can_read_report(user, *key):
                    reports[key] = f"{sub.label} (round {rnd.id}) — PREVIEW, agreed but not released"
except ReviewError as exc:
    st.error(ui.plain(exc))
    st.stop()

if not reports:
    st.info("No feedback has been released to you yet.")
    st.stop()
chosen = st.selectbox("Report", list(reports), format_func=reports.get, key="feedback_report")
round_id, submission_id = chosen
try:
    report = store.report(user, round_id, submission_id, synthetic=synthetic_data())
except ReviewError as exc:
    st.error(ui.plain(exc))
    st.stop()
if report.released_on is None:
    st.warning("Preview: this report is agreed but not released; the institution cannot see it yet.",
               icon=":material/visibility:")
word, pdf = st.columns(2)
with word:
    download_link("Download (Word)", "feedback", round_id=round_id, submission_id=submission_id, fmt="docx")
with pdf:
    download_link("Download (PDF)", "feedback", round_id=round_id, submission_id=submission_id, fmt="pdf")
show_report(report)
