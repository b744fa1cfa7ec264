"""Submission tracker: for each signatory and stage, whether its return is not yet due, due,
overdue, submitted or rejected. The steering group sees every signatory; reviewers see the
signatories assigned to them, institutions their own, with the sector's totals rounded."""

import polars as pl
import streamlit as st

from dashboards import data, ui
from dashboards.session import open_view

frame = open_view("tracker")
viewer, snap = frame.viewer, frame.snap

summary = data.tracker_summary(snap, viewer)
ui.status_counts(summary, "Signatories")
if viewer.role != "steering":
    st.caption("Sector counts are rounded to the nearest 5; counts under 5 are shown as “<5” in the figures "
               "(and drawn as 0).")

rows = data.tracker(snap, viewer)
if viewer.role != "steering":
    st.subheader("Your signatories" if viewer.role == "reviewer" else "Your institution")
c1, c2, c3 = st.columns([2, 2, 3])
statuses = sorted(rows["status"].unique().to_list())
stages = sorted(rows["stage"].unique().to_list())
chosen_status = c1.multiselect("Status", statuses, default=[s for s in ("overdue", "due") if s in statuses]
                               if viewer.role == "steering" else statuses, key="tracker_status")
chosen_stage = c2.multiselect("Stage", stages, default=stages, key="tracker_stage")
search = c3.text_input("Signatory name contains", key="tracker_search")
shown = rows.filter(pl.col("status").is_in(chosen_status) & pl.col("stage").is_in(chosen_stage))
if search:
    shown = shown.filter(pl.col("signatory_name").str.to_lowercase().str.contains(search.lower(), literal=True))
st.caption(f"{shown.height} of {rows.height} signatory-stages shown.")
st.dataframe(
    shown.drop("signatory", "submission_id"), hide_index=True, width="stretch", placeholder=ui.MISSING,
    column_config={
        "signatory_name": "Signatory", "stage": "Stage", "status": "Status",
        "window_opens": st.column_config.DateColumn("Window opens", format="D MMM YYYY"),
        "due": st.column_config.DateColumn("Due", format="D MMM YYYY"),
        "submitted_at": st.column_config.DateColumn("Submitted", format="D MMM YYYY"),
        "days_late": st.column_config.NumberColumn("Days late", help="Days after the due date (0: on time)."),
    })
