"""The signatory register (steering group): the register in use, its problems, a form to add a
signatory and one to correct a signatory, each refusing a value with the reason next to its field,
and the register's audit trail. Changes are written to the home's register.csv; the pipeline reads
it at its next run."""

import streamlit as st

from dashboards import data, ui
from dashboards.session import open_view, paths, stop_if_denied
from pipeline.programme.changes import CORRECTABLE, ROW, ChangeRejected
from pipeline.programme.signatories import COLUMNS, REGIONS, Nation, SignatoryType

frame = open_view("register")
viewer, home = frame.viewer, paths()
LABELS = {"ukprn": "UKPRN", "signed": "Signed (YYYY-MM-DD, YYYY-MM or YYYY; blank: not stated)",
          "signed_as_stated": "Signed, as the source states it", "peer_groups": "Peer groups (';'-separated)",
          "source_url": "Source URL (the public page)", "source": "Source (in words)"}
CHOICES = {"type": [t.value for t in SignatoryType], "nation": [n.value for n in Nation],
           "region": ["", *(r for regions in REGIONS.values() for r in regions)], "synthetic": ["false", "true"]}

try:
    rows = data.register_rows(home, viewer)
    problems = data.register_problems(home, viewer)
    trail = data.register_trail(home, viewer)
except data.Denied as exc:
    stop_if_denied(exc)

st.markdown("Add a signatory or correct one. Each change is checked as the register file is (every column, "
            "the UKPRN against the DfE list of providers), saved to this installation's `register.csv` and "
            "recorded below. **The pipeline uses the changed register from its next run**: until then the other "
            "pages show the register as it was.")
for problem in problems:
    st.error(ui.plain(problem), icon=":material/error:")
if (done := st.session_state.pop("register_done", None)) is not None:
    st.success(ui.plain(done), icon=":material/task_alt:")

st.dataframe(rows, hide_index=True, width="stretch", placeholder=ui.MISSING)


def field(column: str, current: str, key: str, errors: dict[str, str]) -> None:
    """One column's input, with the reason it was refused underneath."""
    label = LABELS.get(column, column.replace("_", " ").capitalize())
    if column in CHOICES:
        options = CHOICES[column]
        st.selectbox(label, options, index=options.index(current) if current in options else 0, key=key)
    else:
        st.text_input(label, value=current, key=key)
    if column in errors:
        st.error(ui.plain(errors[column]), icon=":material/error:")


def save(action, form: str, message: str) -> None:
    """Run the change; on success say so, else keep each problem for its field, then redraw."""
    try:
        signatory = action()
    except ChangeRejected as exc:
        st.session_state[f"{form}_errors"] = exc.problems
    except data.Denied as exc:
        stop_if_denied(exc)
    else:
        st.session_state[f"{form}_errors"] = {}
        st.session_state["register_done"] = message.format(slug=signatory.slug)
    st.rerun()


correct_tab, add_tab, trail_tab = st.tabs(["Correct a signatory", "Add a signatory", "Changes made"])
with correct_tab:
    slugs = rows["slug"].to_list()
    slug = st.selectbox("Signatory", slugs, key="register_correct_slug",
                        format_func=lambda s: f"{s} · {rows.filter(rows['slug'] == s)['name'].item()}")
    if slug is not None:
        current = rows.filter(rows["slug"] == slug).row(0, named=True)
        errors = st.session_state.get("register_correct_errors", {})
        with st.form("register_correct"):
            for column in CORRECTABLE:
                field(column, current[column], f"register_correct_{slug}_{column}", errors)
            reason = st.text_input("Why (for the audit trail)", key=f"register_correct_{slug}_reason")
            if ROW in errors:
                st.error(ui.plain(errors[ROW]), icon=":material/error:")
            if st.form_submit_button("Save the correction", type="primary"):
                changes = {c: st.session_state[f"register_correct_{slug}_{c}"] for c in CORRECTABLE}
                save(lambda: data.correct_signatory(home, viewer, slug, changes, reason), "register_correct",
                     "{slug} corrected; the pipeline uses the change from its next run.")
with add_tab:
    errors = st.session_state.get("register_add_errors", {})
    with st.form("register_add"):
        defaults = {"plugin": "official_form", "synthetic": "false"}
        for column in COLUMNS:
            field(column, defaults.get(column, ""), f"register_add_{column}", errors)
        if ROW in errors:
            st.error(ui.plain(errors[ROW]), icon=":material/error:")
        if st.form_submit_button("Add the signatory", type="primary"):
            values = {c: st.session_state[f"register_add_{c}"] for c in COLUMNS}
            save(lambda: data.add_signatory(home, viewer, values), "register_add",
                 "{slug} added; the pipeline uses it from its next run.")
with trail_tab:
    if trail.is_empty():
        st.caption("No change has been made to the register from techbench yet.")
    else:
        st.dataframe(trail, hide_index=True, width="stretch", placeholder=ui.MISSING)
