"""Data quality: the validation checks on each submission (all roles, for the submissions open to
them) and the Great Expectations suite run on every published snapshot (steering group: its results
may quote values from any return)."""

import polars as pl
import streamlit as st

from dashboards import charts, data, ui
from dashboards.session import download_link, open_view, paths

frame = open_view("quality")
viewer, snap = frame.viewer, frame.snap

subs = data.submissions(snap, viewer)
st.subheader("Checks on each submission")
if subs.is_empty():
    st.info("No submissions are open to you yet.")
else:
    c1, c2, c3 = st.columns(3)
    c1.metric("Submissions", subs.height)
    c2.metric("Rejected", subs.filter(pl.col("status") == "rejected").height)
    c3.metric("With warnings", subs.filter(pl.col("warnings") > 0).height)
    found = data.issues(snap, viewer)
    if found.height:
        by_rule = found.group_by("rule", "severity").len("findings").sort("findings", descending=True)
        st.altair_chart(charts.bar_counts(by_rule.with_columns(rule=pl.col("rule") + " (" + pl.col("severity") + ")"),
                                          "rule", "findings", "Findings"), width="stretch")
    only_problems = st.toggle("Only submissions with errors or warnings", value=subs.height > 20, key="quality_problems")
    shown = subs.filter((pl.col("errors") > 0) | (pl.col("warnings") > 0)) if only_problems else subs
    st.dataframe(shown.select("signatory_name", "stage", "status", "errors", "warnings", "original_name",
                              pl.col("received_at").dt.strftime("%Y-%m-%d %H:%M"), "plugin"), hide_index=True, width="stretch",
                 placeholder=ui.MISSING,
                 column_config={"signatory_name": "Signatory", "stage": "Stage", "status": "Status", "errors": "Errors",
                                "warnings": "Warnings", "original_name": "File", "received_at": "Received",
                                "plugin": "Read by"})
    ids = shown["submission_id"].to_list()
    if ids:
        chosen = st.selectbox("Findings for", ids, format_func=data.submission_labels(shown).get,
                              key="quality_submission")
        ui.issues_table(found.filter(pl.col("submission_id") == chosen))

if viewer.role == "steering":
    st.subheader("Great Expectations on the published snapshot")
    report = data.quality_report(paths(), viewer)
    if report is None:
        st.info("No Great Expectations results yet: they are written after each pipeline run.")
    else:
        verdict = "passed" if report["success"] else "failed"
        st.markdown(f"Suite **{verdict}** — run {report['ran_at']}, Great Expectations {report['gx_version']}, "
                    f"{report['seconds']:.1f} s.")
        tables = pl.DataFrame([{"table": t["table"], "rows": t["rows"], "expectations": len(t["expectations"]),
                                "failed": sum(not e["success"] for e in t["expectations"]), "result":
                                "passed" if t["success"] else "failed"} for t in report["tables"]])
        st.dataframe(tables, hide_index=True, width="stretch")
        table = st.selectbox("Expectations of table", tables["table"].to_list(), key="quality_table")
        rows = next(t for t in report["tables"] if t["table"] == table)["expectations"]
        st.dataframe(pl.DataFrame([{"expectation": e["expectation"], "column": e["column"],
                                    "result": "passed" if e["success"] else "FAILED",
                                    "unexpected": e["unexpected_count"],
                                    "examples": "; ".join(map(str, e["examples"][:3])), "error": e["error"]}
                                   for e in rows]), hide_index=True, width="stretch", placeholder=ui.MISSING)
        download_link("Download the Data Docs site (zip, open index.html)", "data_docs")
