"""Upload a return (institutions): checked at once, with each problem's place in the file; a valid
file is handed in to the landing zone, and the page follows it until the pipeline has processed it.

Files over the size limit are refused by Streamlit before they reach this page
(``server.maxUploadSize`` in ``.streamlit/config.toml``) and again by ``pipeline.kit.intake`` before
any parsing, with the zip limits."""

import streamlit as st

from dashboards import data, ui
from dashboards.session import current_viewer, open_view, paths
from pipeline.ids import STAGE_CHOICES, STAGES

frame = open_view("upload")
viewer, snap = frame.viewer, frame.snap
own = viewer.signatory

st.markdown(f"Hand in a return for **{ui.plain(data.signatory_name(snap, own))}**: the official Word form, the techbench "
            "workbook, JSON, or your institution's own format if a plugin reads it. It is checked as soon as it "
            "arrives; a file with errors is not handed in, so nothing is lost — correct it and upload again.")
stages = list(STAGES)
stage = st.selectbox("Stage", stages, index=stages.index(data.next_stage(snap, viewer)), key="upload_stage",
                     help=f"The stage this return is for: {STAGE_CHOICES}.",
                     format_func=lambda s: f"Stage {s}" + {1: " (one year after signing)", 2: " (action plan review)",
                                                           3: " (three-year review)"}.get(s, ""))
generation = st.session_state.setdefault("upload_generation", 0)
uploaded = st.file_uploader("Return file", key=f"upload_file_{generation}",
                            help="Word (.docx), Excel (.xlsx), JSON, or a zip of CSV files, as your plugin expects.")
if uploaded is not None:
    with st.spinner("Checking the file…"):
        result = data.check_upload(viewer, uploaded.name, uploaded.getvalue(), stage)
    report = result.report
    if result.landed is not None:
        st.success(f"**{ui.plain(uploaded.name)} is valid** and has been handed in for stage {stage} "
                   f"(read by the “{ui.plain(report.plugin)}” plugin"
                   + (f"; {len(report.warnings)} warning(s) to look at" if report.warnings else "") + ").",
                   icon=":material/task_alt:")
        if not result.landed.new:
            st.info("This exact file was handed in before for this stage: it is the same submission.")
    elif report.errors:
        st.error(f"**{ui.plain(uploaded.name)} was not handed in**: {len(report.errors)} error(s) to correct "
                 "(each with its place in the file below), then upload it again.", icon=":material/error:")
    else:
        st.error(f"**{ui.plain(uploaded.name)} was not handed in**: {ui.plain(result.refused)}",
                 icon=":material/error:")
    if report.return_ is not None:
        r = report.return_
        st.caption(f"What was read: {ui.plain(r.signatory_name or 'no institution name')}; "
                   f"{r.technicians.headcount if r.technicians.headcount is not None else 'no'} technicians in "
                   f"{len(r.technicians.areas)} areas; {len(r.registrations)} registers; {len(r.initiatives_since)} "
                   f"initiatives since signing; {len(r.action_plan)} actions in the plan.")
    ui.issues_table(data.issues_frame(report.issues))
    if result.landed is not None and st.button("Upload another file"):
        st.session_state["upload_generation"] = generation + 1
        st.rerun()

st.subheader("Your submissions")


@st.fragment(run_every="5s")
def submissions_status() -> None:
    # The account is checked again on every refresh: a session that ended (signed out, timed out,
    # disabled) gets nothing more, though the page stays open.
    current = current_viewer()
    if current is None:
        st.warning("Your session has ended: reload the page to sign in again.")
        return
    status = data.upload_status(paths(), current)
    if status.is_empty():
        st.caption("Nothing handed in yet.")
        return
    st.dataframe(status, hide_index=True, width="stretch", placeholder=ui.MISSING, column_config={
        "original_name": "File", "stage": "Stage", "received_at": "Handed in", "state": "State",
        "processed_at": "Processed", "errors": "Errors", "warnings": "Warnings"})
    st.caption("“Waiting for the pipeline” changes to accepted or rejected once the pipeline has processed the "
               "file and published the results (this list refreshes itself every few seconds).")


submissions_status()
