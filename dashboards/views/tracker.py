"""Submission tracker: for each signatory and stage, its deadline (a submission window, 31 January or
31 July; published by the programme or computed by techbench, as each row says) and whether its
return is not yet due, due, overdue, submitted or rejected. The steering group sees every
signatory, each submission's peer review state, and grants extensions here; reviewers see the signatories assigned to them, institutions
their own, with the sector's totals rounded."""

import polars as pl
import streamlit as st

from dashboards import data, ui
from dashboards.review_session import review_store
from dashboards.session import open_view, stop_if_denied
from pipeline.ids import STAGES

frame = open_view("tracker")
viewer, snap = frame.viewer, frame.snap
GRANTED_KEY = "tracker_extension_granted"  # the message of a grant, shown after the rerun it triggers

summary = data.tracker_summary(snap, viewer)
ui.status_counts(summary, "Signatories")
if viewer.role != "steering":
    st.caption("Sector counts are rounded to the nearest 5; counts under 5 are shown as “<5” in the figures "
               "(and drawn as 0).")

try:
    rows = data.tracker(snap, viewer)
except data.Denied as exc:
    stop_if_denied(exc)
if viewer.role != "steering":
    st.subheader("Your signatories" if viewer.role == "reviewer" else "Your institution")
else:  # where each submission stands in peer review (the Review rounds page has the detail)
    review = review_store().review_states(viewer.user)
    rows = rows.with_columns(review=pl.struct("signatory", "stage").map_elements(
        lambda r: review.get((r["signatory"], r["stage"])), return_dtype=pl.String))
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
st.caption(f"{shown.height} of {rows.height} signatory-stages shown. The deadline is the submission window "
           "(31 January or 31 July) on or after the month the stage falls due; “Basis” says whether the programme "
           "published that month (Stage 3, by signing phase) or techbench computed it (see Methodology).")
pending = rows.filter(pl.col("extension") == data.EXTENSION_PENDING)
if pending.height:
    st.info(f"{pending.height} extension(s) granted since these figures were published are shown in the table; the "
            "counts above include them from the next pipeline run.", icon=":material/schedule:")
st.dataframe(
    shown.select("signatory_name", "stage", "due", "due_basis", "falls_due", "status", "extended_from", "extension",
                 "window_opens", "submitted_at", "days_late", *(["review"] if "review" in shown.columns else [])),
    hide_index=True, width="stretch", placeholder=ui.MISSING,
    column_config={
        "signatory_name": "Signatory", "stage": "Stage", "status": "Status",
        "due": st.column_config.DateColumn("Deadline", format="D MMM YYYY",
                                           help="The submission window the return is due at."),
        "due_basis": st.column_config.TextColumn("Basis", help="“published phase N”: the programme's Stage 3 "
                                                 "date for the signing phase; “computed”: techbench's rule."),
        "falls_due": st.column_config.DateColumn("Falls due", format="MMM YYYY",
                                                 help="The month the stage falls due, before rounding to a window."),
        "extended_from": st.column_config.DateColumn("Extended from", format="D MMM YYYY",
                                                     help="The deadline before the institution's extension."),
        "extension": "Extension",
        "window_opens": st.column_config.DateColumn("Due from", format="D MMM YYYY",
                                                    help="The day after the window before the deadline."),
        "submitted_at": st.column_config.DateColumn("Submitted", format="D MMM YYYY"),
        "days_late": st.column_config.NumberColumn("Days late", help="Days after the deadline (0: on time)."),
        "review": st.column_config.TextColumn("Peer review", help="Its submission's state in the latest review "
                                              "round: unassigned, assigned, in review, consensus, released."),
    })

if viewer.role == "steering":
    st.subheader("Grant an extension")
    if message := st.session_state.pop(GRANTED_KEY, None):
        st.success(message, icon=":material/task_alt:")
    st.caption("The programme grants one extension per institution, ever: the stage's deadline moves to the next "
               "window. It is recorded in the audit trail in your name, with the reason.")
    names = dict(rows.select("signatory", "signatory_name").unique().sort("signatory_name").iter_rows())
    with st.form("tracker_extension", clear_on_submit=True):
        slug = st.selectbox("Signatory", list(names), format_func=names.get, key="extension_signatory")
        stage = st.selectbox("Stage", list(STAGES), key="extension_stage")
        reason = st.text_area("Reason", key="extension_reason")
        if st.form_submit_button("Grant the extension", type="primary"):
            try:
                entry = data.grant_extension(snap, viewer, slug, stage, reason)
            except data.ExtensionRefused as exc:
                st.error(ui.plain(exc), icon=":material/block:")
            except data.Denied as exc:
                stop_if_denied(exc)
            else:
                st.session_state[GRANTED_KEY] = (
                    f"Extension granted to {ui.plain(names[slug])} for Stage {stage}: the deadline moves from "
                    f"{entry.details['from']} to {entry.details['to']}.")
                st.rerun()
    with st.expander("Extensions granted"):
        st.dataframe(data.recorded_extensions(snap, viewer), hide_index=True, width="stretch",
                     placeholder=ui.MISSING)
