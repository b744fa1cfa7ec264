"""Institution profile: one signatory against each of its peer groups, its history across stages,
its action plan by theme, its validation report and its HESA reconciliation.

Steering may open any signatory; an institution only its own; a reviewer only a signatory with a
submission assigned to them. Each part built from a submission is shown only if the viewer may
open that submission (``data.submission`` checks)."""

import polars as pl
import streamlit as st

from dashboards import charts, data, ui
from dashboards.data.sector import hesa_reading
from dashboards.session import open_view, stop_if_denied
from pipeline.benchmarks.catalogue import HESA_METRICS
from pipeline.benchmarks.hesa_reconciliation import ATTRIBUTION as HESA_ATTRIBUTION

frame = open_view("profile")
viewer, snap = frame.viewer, frame.snap

choices = data.visible_signatories(snap, viewer)
requested = st.query_params.get("signatory")
if requested and not viewer.can_see_signatory(requested):
    stop_if_denied(data.Denied("You do not have access to this signatory's profile."))
if choices.is_empty():
    st.info("No signatory is open to you yet: reviewers see the signatories whose submissions are assigned to them.")
    st.stop()
names = dict(zip(choices["slug"], choices["name"], strict=True))
slugs = list(names)
with_benchmarks = data.benchmarked_signatories(snap)  # open on one with benchmarks, unless a link names one
default = requested if requested in names else next((s for s in slugs if s in with_benchmarks), slugs[0])
slug = st.selectbox("Signatory", slugs, index=slugs.index(default),
                    format_func=names.get, key="profile_signatory")
if slug != requested:
    st.query_params["signatory"] = slug
info = choices.filter(pl.col("slug") == slug).to_dicts()[0]
st.markdown(" · ".join(ui.plain(x) for x in (info["type"], info["nation"], f"signed {info['signed']}",
                                              info["cohort"] and f"cohort {info['cohort']}", info["mission_group"]) if x))

subs = data.submissions(snap, viewer, slug)
latest = subs.filter(pl.col("is_latest_valid")).sort("stage")
tabs = st.tabs(["Benchmarks", "History", "Action plan", "Validation", "HESA reconciliation"])

with tabs[0]:
    try:
        positions = data.signatory_positions(snap, viewer, slug)
    except data.Denied as exc:
        stop_if_denied(exc)
    benchmarked = data.benchmarked_submission(snap, viewer, slug)
    if positions.is_empty() or benchmarked is None:
        st.info("No benchmarks to show: they come from the latest accepted return"
                + (", which is not one of the submissions open to you." if viewer.role == "reviewer" else "."))
    else:
        st.caption(f"From the accepted return for stage {benchmarked['stage']}. Each group's median comes with a 95% "
                   "interval; a value outside it is “materially” above or below.")
        catalogue = data.headline_metrics(snap)
        metric_names = dict(zip(positions["metric"], positions["metric_name"], strict=False))
        headline = sorted((m for m in catalogue["metric"] if m in metric_names),
                          key=lambda m: m != "registrations_per_100")  # the Commitment's flagship measure first
        metric = st.selectbox("Metric", list(metric_names), format_func=metric_names.get,
                              index=list(metric_names).index(headline[0]) if headline else 0, key="profile_metric")
        one = positions.filter(pl.col("metric") == metric)
        st.altair_chart(charts.positions(one.drop_nulls("median"), one["unit"][0]), width="stretch")
        st.dataframe(ui.positions_table(positions), hide_index=True, width="stretch")
        if positions["metric"].is_in(sorted(HESA_METRICS)).any():
            st.caption(ui.plain(HESA_ATTRIBUTION))

with tabs[1]:
    values = data.signatory_history(snap, viewer, slug)
    if values.is_empty():
        st.info("No accepted returns open to you for this signatory.")
    else:
        metric_names = dict(zip(values["metric"], values["metric_name"], strict=False))
        metric = st.selectbox("Metric", list(metric_names), format_func=metric_names.get, key="history_metric")
        series = values.filter(pl.col("metric") == metric)
        st.altair_chart(charts.history(series, series["unit"][0]), width="stretch")
        st.dataframe(values.pivot("stage", index="metric_name", values="value", sort_columns=True)
                     .rename(lambda c: c if c == "metric_name" else f"Stage {c}").rename({"metric_name": "Metric"}),
                     hide_index=True, width="stretch")
        if values["metric"].is_in(sorted(HESA_METRICS)).any():
            st.caption(ui.plain(HESA_ATTRIBUTION))

with tabs[2]:
    if subs.is_empty():
        st.info("No submissions open to you for this signatory.")
    else:
        ids = subs["submission_id"].to_list()
        default = latest["submission_id"][-1] if latest.height else ids[0]
        chosen = st.selectbox("Submission", ids, index=ids.index(default), key="plan_submission",
                              format_func=data.submission_labels(subs).get)
        try:
            detail = data.submission(snap, viewer, chosen)
        except data.Denied as exc:
            stop_if_denied(exc)
        ui.contact(detail)
        ui.action_plan(detail.actions)

with tabs[3]:
    if subs.is_empty():
        st.info("No submissions open to you for this signatory.")
    found = data.issues(snap, viewer, slug)
    for row in subs.iter_rows(named=True):
        with st.expander(f"{ui.plain(data.submission_label(row))} — {row['errors']} errors, {row['warnings']} warnings",
                         expanded=row["status"] == "rejected"):
            ui.issues_table(found.filter(pl.col("submission_id") == row["submission_id"]))

with tabs[4]:
    hesa = data.hesa_rows(snap, viewer, slug)
    if hesa.is_empty():
        st.info("No HESA comparison: no accepted return of this signatory is open to you.")
    else:
        latest_hesa = hesa.row(-1, named=True)
        st.markdown(f"**Stage {latest_hesa['stage']}** · {ui.plain(hesa_reading(latest_hesa))}")
        if latest_hesa["note"]:
            st.caption(ui.plain(latest_hesa["note"]))
        st.dataframe(hesa, hide_index=True, width="stretch", column_config={
            "stage": "Stage", "academic_year": "HESA year", "declared": "Technicians declared",
            "hesa_proxy": "HESA technician proxy", "total_staff": "HESA total staff",
            "per_100_staff": st.column_config.NumberColumn("Technicians per 100 staff", format="%.1f"),
            "ratio": st.column_config.NumberColumn("Ratio", format="%.2f"), "flag": "Reading", "note": "Note"})
        st.caption("The HESA proxy counts non-academic staff in associate professional (and technical) occupations "
                   "in the provider's HESA staff return (DT025 Table 1) for the academic year of the submission, or "
                   "the latest year HESA has published; a ratio far from 1 suggests a different definition of "
                   "technician. \"Not reported\" means the provider opted out of HESA's non-academic staff return "
                   "that year: there is no HESA figure, not a zero.")
    st.caption(ui.plain(HESA_ATTRIBUTION))
