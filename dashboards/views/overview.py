"""Sector overview: who has signed and returned, the sector's totals, how the headline metrics are
spread, which themes plans cover, and how the sector moves across stages."""

import polars as pl
import streamlit as st

from dashboards import charts, data, ui
from dashboards.session import open_view

frame = open_view("overview")
viewer, snap = frame.viewer, frame.snap

totals = data.sector_totals(snap, viewer)
cols = st.columns(5)
cols[0].metric("Signatories", totals["signatories"])
cols[1].metric("Reporting", totals["reporting"], help="Signatories with at least one accepted return.")
cols[2].metric("Returns accepted", totals["accepted"])
cols[3].metric("Returns rejected", totals["rejected"])
cols[4].metric("Technicians", totals["technicians"],
               help=f"Headcount in each signatory's latest accepted return ({totals['fte']} FTE).")
if viewer.role != "steering":
    st.caption("Counts are rounded to the nearest 5 and counts under 5 shown as “<5” (disclosure control).")

left, right = st.columns(2)
with left:
    st.subheader("Returns by stage and status")
    ui.status_counts(data.returns_by_stage(snap, viewer), "Returns")
with right:
    st.subheader("Theme coverage")
    coverage = data.theme_coverage(snap, viewer)
    st.altair_chart(charts.heatmap(coverage, "stage", "theme", "share", "% of plans with an action on the theme"),
                    width="stretch")
    st.caption("Share of accepted plans, per stage, with at least one action on each core theme.")

st.subheader("Headline metrics across the sector")
metrics = data.headline_metrics(snap)
if viewer.role == "steering":
    values = data.headline_values(snap, viewer)
    grid = st.columns(3)
    for i, m in enumerate(metrics.iter_rows(named=True)):
        shown = values.filter(pl.col("metric") == m["metric"])
        with grid[i % 3]:
            st.markdown(f"**{m['name']}**")
            if shown.is_empty():
                st.caption("No accepted returns yet.")
            elif shown["value"].n_unique() == 1:  # one bar says less than the sentence
                st.caption(f"Every one of the {shown.height} signatories: {shown['value'][0]:g} {m['unit']}.")
            else:
                st.altair_chart(charts.histogram(shown, m["unit"]), width="stretch")
else:
    stats = data.sector_table(snap, viewer, "group_stats").filter(pl.col("group_id") == data.ALL_GROUP)
    own = None
    if viewer.role == "institution":
        mine = data.sector_table(snap, viewer, "metric_values").filter(pl.col("signatory") == viewer.signatory)
        own = mine.filter(pl.col("stage") == mine["stage"].max()) if mine.height else None
    grid = st.columns(3)
    for i, m in enumerate(metrics.iter_rows(named=True)):
        row = stats.filter(pl.col("metric") == m["metric"]).select("q1", "median", "q3").with_columns(group=pl.lit("Sector"))
        if own is not None and (value := own.filter(pl.col("metric") == m["metric"])).height:
            row = row.with_columns(own=pl.lit(value["value"].cast(pl.Float64)[0]))  # its own value: exact text
        with grid[i % 3]:
            st.markdown(f"**{m['name']}**")
            if row.height and row["median"][0] is not None:
                st.altair_chart(charts.quartile_box(row, m["unit"]), width="stretch")
            else:
                st.caption("Withheld (fewer than 5 signatories).")
    st.caption("Bars: the middle half of signatories; black tick: the median"
               + ("; red point: your latest return." if viewer.role == "institution" else "."))

st.subheader("Trends across stages")
trends = data.sector_table(snap, viewer, "sector_trends")
grid = st.columns(3)
for i, m in enumerate(metrics.iter_rows(named=True)):
    series = trends.filter(pl.col("metric") == m["metric"]).drop_nulls("median")
    with grid[i % 3]:
        st.markdown(f"**{m['name']}**")
        st.altair_chart(charts.trend(series, m["unit"]), width="stretch")
st.caption("Line: the sector median at each stage (latest accepted returns); band: lower to upper quartile.")
