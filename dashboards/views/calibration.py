"""Review calibration (steering group): Krippendorff's alpha per round and per theme with what it
rests on, each reviewer's distance from consensus, and the calibration exercise on one sample
submission. For calibrating the panel, never for an outcome."""

import streamlit as st

from dashboards import ui
from dashboards.review import ReviewError
from dashboards.review_pages import calibration
from dashboards.review_pages.common import choose_round, done_message, open_steering_page

actor, reviews = open_steering_page("calibration")
ROUND_KEY = "calibration_round"

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
        st.error(ui.plain(exc), icon=":material/block:")
st.subheader("Calibration exercise")
calibration.exercise(reviews, actor, ROUND_KEY)
