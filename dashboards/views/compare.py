"""Compare submissions: two to four side by side — headline figures, theme coverage, the action
plans by theme, and the text answers aligned question by question. Only submissions the viewer may
open can be chosen, and a link naming another one is refused."""

import polars as pl
import streamlit as st

from dashboards import charts, data, ui
from dashboards.charts import THEME_ORDER
from dashboards.session import open_view, stop_if_denied

QUESTIONS = (("profile", "Institutional profile"), ("technician_definition", "Who counts as a technician"),
             ("technicians_narrative", "About the technical staff"), ("technician_voice", "How technicians had a voice"))

frame = open_view("compare")
viewer, snap = frame.viewer, frame.snap

available = data.submissions(snap, viewer)
labels = data.submission_labels(available)
requested = [s for s in st.query_params.get("submissions", "").split(",") if s]
for sid in requested:
    if sid not in labels:
        signatory, _, stage = sid.partition("|")  # from the link: shown as text
        stop_if_denied(data.Denied(f"You do not have access to submission {ui.plain(signatory)} stage "
                                   f"{ui.plain(stage.split('|')[0]) if stage else '?'}: reviewers see the "
                                   "submissions assigned to them, institutions their own."))
if len(labels) < 2:
    st.info("Comparing needs at least two submissions open to you.")
    st.stop()
default = requested or available.filter(pl.col("is_latest_valid"))["submission_id"].head(2).to_list()
chosen = st.multiselect("Submissions (2 to 4)", list(labels), default=default[:4], format_func=labels.get,
                        max_selections=4, key="compare_ids")
if len(chosen) < 2:
    st.info("Choose at least two submissions.")
    st.stop()
st.query_params["submissions"] = ",".join(chosen)
try:
    details = [data.submission(snap, viewer, sid) for sid in chosen]
except data.Denied as exc:
    stop_if_denied(exc)
short = {}
for d in details:  # column labels; two versions of one stage are told apart by their file
    label = f"{d.meta['signatory_name'] or d.meta['signatory']} · stage {d.meta['stage']}"
    short[d.submission_id] = label if label not in short.values() else f"{label} (file {d.meta['sha256'][:8]})"

st.subheader("Headline figures")
FIGURES = ["Status", "Technicians (headcount)", "Technicians (FTE)", "Professional registrations",
           "Actions in the plan", "Initiatives since signing", "Errors / warnings"]


def figures(d: data.SubmissionDetail) -> list[str]:
    a = d.answers or {}
    values = [d.meta["status"], a.get("headcount"), a.get("fte"), d.registrations["count"].sum(), d.actions.height,
              d.initiatives.filter(pl.col("phase") == "since").height, f"{d.meta['errors']} / {d.meta['warnings']}"]
    return [ui.MISSING if v is None else str(v) for v in values]


figures = pl.DataFrame({"Figure": FIGURES, **{short[d.submission_id]: figures(d) for d in details}})
st.dataframe(figures, hide_index=True, width="stretch")
metrics = pl.concat([d.metrics.filter(pl.col("headline")).select(
    pl.col("metric").alias("Metric"), pl.col("unit").alias("Unit"), pl.col("value").alias(short[d.submission_id]))
    for d in details if d.metrics.height], how="align") if any(d.metrics.height for d in details) else None
if metrics is not None:
    st.dataframe(metrics, hide_index=True, width="stretch")
    st.caption("Benchmark metrics exist for accepted returns that are their signatory's latest for the stage.")

st.subheader("Theme coverage")
coverage = pl.concat([
    pl.DataFrame({"theme": THEME_ORDER, "submission": short[d.submission_id]}).join(
        d.actions.filter(~pl.col("theme_inferred")).group_by("theme").len("actions"), on="theme", how="left")
    .with_columns(pl.col("actions").fill_null(0))
    for d in details])
st.altair_chart(charts.grouped_bars(coverage, "theme", "submission", "actions", "Actions in the plan"), width="stretch")
if any(d.actions["theme_inferred"].any() for d in details):
    st.caption("Coverage counts the themes plans state; themes techbench suggested from an action's wording "
               "are marked (theme inferred) below and not counted.")

st.subheader("Action plans by theme")
for theme in THEME_ORDER:
    with st.expander(theme, expanded=theme == THEME_ORDER[0]):
        for col, d in zip(st.columns(len(details)), details, strict=True):
            with col:
                st.markdown(f"**{ui.plain(short[d.submission_id])}**")
                rows = d.actions.filter(pl.col("theme") == theme)
                if rows.is_empty():
                    st.caption("No actions on this theme.")
                for a in rows.iter_rows(named=True):
                    own = "".join(f"  \n  {ui.plain(line)}" for line in (a["details"] or "").split("\n") if line)
                    st.markdown(f"- {ui.plain(a['action'])}{' *(theme inferred)*' if a['theme_inferred'] else ''}"
                                f"  \n  *{ui.plain(a['owner'] or 'no owner')} · due {ui.plain(a['due'] or ui.MISSING)}*"
                                + own)

st.subheader("Answers, question by question")
for key, question in QUESTIONS:
    st.markdown(f"##### {question}")
    for col, d in zip(st.columns(len(details)), details, strict=True):
        with col:
            st.caption(ui.plain(short[d.submission_id]))
            text = (d.answers or {}).get(key)
            st.markdown(ui.plain(text) if text else "*(not answered)*")
st.markdown("##### Initiatives since signing, by theme")
for col, d in zip(st.columns(len(details)), details, strict=True):
    with col:
        st.caption(ui.plain(short[d.submission_id]))
        for theme in THEME_ORDER:
            items = d.initiatives.filter((pl.col("phase") == "since") & (pl.col("theme") == theme))["text"].to_list()
            st.markdown(f"**{theme}**" + "".join(f"\n- {ui.plain(t)}" for t in items) if items
                        else f"**{theme}**: none given")
for d in details:
    ui.contact(d, short[d.submission_id])
