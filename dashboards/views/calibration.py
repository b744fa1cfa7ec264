"""Review calibration (steering group): Krippendorff's alpha per round and per theme with what it
rests on, each reviewer's distance from consensus, and the calibration exercise on one sample
submission. For calibrating the panel, never for an outcome."""

import streamlit as st

from dashboards.review import ReviewError
from dashboards.review_pages import calibration
from dashboards.review_pages.common import choose_round, done_message
from dashboards.review_session import review_store
from dashboards.session import open_view, stop_if_denied

frame = open_view("calibration")
actor = frame.viewer.user
reviews = review_store()
ROUND_KEY = "calibration_round"

try:
    reviews.audit_entries(actor)  # the store's own role check, before anything is drawn
except ReviewError as exc:
    stop_if_denied(exc)

st.warning("For calibrating the panel only: these figures say how far the reviewers agree, never what a "
           "submission's outcome is.", icon=":material/balance:")
done_message()
current = choose_round(reviews, ROUND_KEY)
if current is None:
    st.info("No round has been opened yet: open one on the Review rounds page, or a calibration exercise below.")
else:
    try:
        calibration.figures(reviews, actor, current)
    except ReviewError as exc:
        st.error(str(exc), icon=":material/block:")
st.subheader("Calibration exercise")
calibration.exercise(reviews, actor, ROUND_KEY)
