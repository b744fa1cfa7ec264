"""The mapped-workbook plugin: institutions' own spreadsheets, each layout described by a YAML file."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from returns import rich_return as shared_rich_return

from pipeline.kit.hooks import ParseContext, SourceFile
from pipeline.registry import PluginError, Registry
from pipeline.schema import Register
from pipeline.synthetic import stable_bytes
from pipeline.validation.validate import validate_path, validate_source
from plugins.mapped_workbook import plugin, synthetic
from plugins.mapped_workbook.mapping import SHIPPED_MAPPINGS, load_mappings
from plugins.mapped_workbook.reader import SYNTHETIC_MARK

RECEIVED = dt.date(2024, 6, 30)
SAMPLES = Path(plugin.__file__).parent / "samples"
MAPPINGS = sorted(p.stem for p in SHIPPED_MAPPINGS.glob("*.yaml"))
#: 'Sheet'!C7 or Sheet!C7: an exact cell
CELL = re.compile(r"^(?:'(?:[^']|'')+'|[A-Za-z_][\w.]*)![A-Z]{1,3}[0-9]+$")


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.from_entry_points()


@pytest.fixture
def fresh_mappings():
    """Let a test point $TECHBENCH_MAPPINGS elsewhere; the plugin reloads its mappings."""
    plugin.default_mappings.cache_clear()
    yield
    plugin.default_mappings.cache_clear()


def rich_return():
    ret = shared_rich_return()
    ret.other_metrics[1].count = 17.5  # a count with a fraction
    return ret


def validate(path: Path, registry: Registry, **context):
    return validate_path(path, registry, context=ParseContext(received=context.pop("received", RECEIVED), **context))


def cell_contents(path: Path) -> dict[str, dict[str, tuple]]:
    """Each sheet's cells: value, type and number format (what a workbook holds, whatever its bytes)."""
    wb = openpyxl.load_workbook(path)
    return {ws.title: {c.coordinate: (c.value, c.data_type, c.number_format)
                       for row in ws.iter_rows() for c in row if c.value is not None}
            for ws in wb.worksheets}


def workbook_bytes(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def edited_sample(slug: str, edit) -> bytes:
    wb = openpyxl.load_workbook(SAMPLES / f"{slug}.xlsx")
    edit(wb)
    return workbook_bytes(wb)


def check_bytes(data: bytes, registry: Registry, **kw):
    return validate_source(SourceFile(name="return.xlsx", data=data), registry,
                           context=ParseContext(received=RECEIVED), **kw)


# --- writing and reading back ---------------------------------------------------------------------
@pytest.mark.parametrize("slug", MAPPINGS)
def test_round_trip_of_a_rich_return_in_each_layout(tmp_path, registry, slug):
    original = rich_return()
    path = registry.get("mapped_workbook").write(original, tmp_path, "northgate", "xlsx", slug)
    assert path == tmp_path / "northgate.xlsx"
    report = validate(path, registry, received=dt.date(2018, 12, 1), signatory=slug)
    assert report.plugin == "mapped_workbook"
    assert report.issues == []
    assert report.return_.model_dump(exclude={"provenance"}) == original.model_dump(exclude={"provenance"})


@pytest.mark.parametrize("slug", MAPPINGS)
def test_blank_values_are_written_blank_and_reported_at_their_cells(tmp_path, registry, slug):
    ret = rich_return()
    ret.lead.email = None
    ret.action_plan[0].owner = None
    ret.sign_off.head.date = None
    ret.technicians.fte = None
    ret.submission_date = dt.date(2018, 11, 14)
    path = registry.get("mapped_workbook").write(ret, tmp_path, "x", None, slug)
    report = validate(path, registry, received=dt.date(2018, 12, 1))
    assert report.return_.model_dump(exclude={"provenance"}) == ret.model_dump(exclude={"provenance"})
    found = {(i.rule, i.field) for i in report.issues}
    assert found == {("required", "/lead/email"), ("action.incomplete", "/action_plan/0/owner"),
                     ("signoff.missing", "/sign_off/head/date")}
    assert all(CELL.match(i.location) for i in report.issues), report.issues


def test_the_synthetic_mark_is_a_visible_banner_and_is_read_back(tmp_path, registry):
    write = registry.get("mapped_workbook").write
    synthetic_path = write(rich_return(), tmp_path, "synthetic", None, "northmoor-university")
    wb = openpyxl.load_workbook(synthetic_path)
    assert all(ws["A1"].value == SYNTHETIC_MARK for ws in wb.worksheets)
    real = rich_return()
    real.synthetic = False
    real_path = write(real, tmp_path, "real", None, "northmoor-university")
    assert not any(str(ws["A1"].value).startswith("SYNTHETIC") for ws in openpyxl.load_workbook(real_path))
    assert validate(real_path, registry, received=dt.date(2018, 12, 1)).return_.synthetic is False
    assert validate(synthetic_path, registry, received=dt.date(2018, 12, 1)).return_.synthetic is True


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+44 1632 960441", "-1", "@owner"])
def test_text_that_looks_like_a_formula_is_written_and_read_back_as_text(tmp_path, registry, text):
    ret = rich_return()
    ret.action_plan[0].action = text
    path = registry.get("mapped_workbook").write(ret, tmp_path, "formula", None, "northmoor-university")
    report = validate(path, registry, received=dt.date(2018, 12, 1))
    assert report.return_.action_plan[0].action == text
    assert report.return_.model_dump(exclude={"provenance"}) == ret.model_dump(exclude={"provenance"})
    written = [c for ws in openpyxl.load_workbook(path) for row in ws.iter_rows() for c in row if c.value == text]
    assert written and all(c.data_type == "s" for c in written)  # a string, not a formula
    with zipfile.ZipFile(path) as zf:
        sheets = [zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/")]
    assert sheets and not any(re.search(rb"<f[ >/]", xml) for xml in sheets)


def test_the_layout_for_an_unknown_or_no_signatory_is_the_first_mapping(tmp_path, registry):
    write = registry.get("mapped_workbook").write
    ret = rich_return()
    first = load_mappings().mappings[0]
    paths = [write(ret, tmp_path, "none", None, None), write(ret, tmp_path, "unknown", None, "no-such-uni"),
             write(ret, tmp_path, "first", None, first.spec.signatories[0])]
    assert cell_contents(paths[0]) == cell_contents(paths[1]) == cell_contents(paths[2])  # the same workbook
    for path in paths:
        stable_bytes(path)
    assert len({p.read_bytes() for p in paths}) == 1  # and, with the time stamps fixed, the same bytes
    with pytest.raises(PluginError):
        write(ret, tmp_path, "x", "docx", None)


# --- samples and detection ------------------------------------------------------------------------
def test_the_plugin_serves_the_signatories_of_its_mappings_and_ships_their_samples(registry):
    info = registry.get("mapped_workbook").info
    assert info.formats == ["xlsx"]
    assert info.signatories == ["fenwick-institute", "northmoor-university"]
    assert sorted(Path(s).name for s in info.samples) == ["fenwick-institute.xlsx", "northmoor-university.xlsx"]
    assert all(m.spec.synthetic for m in load_mappings().mappings)


@pytest.mark.parametrize("sample", sorted(SAMPLES.glob("*.xlsx")), ids=lambda p: p.stem)
def test_each_sample_is_a_valid_synthetic_return(registry, sample):
    report = validate(sample, registry)
    assert report.plugin == "mapped_workbook"
    assert report.ok and report.issues == []
    ret = report.return_
    assert ret.synthetic is True
    assert ret.registrations and any(r.name is Register.OTHER and r.label for r in ret.registrations)
    assert ret.other_metrics and ret.initiatives_before and ret.initiatives_since
    assert ret.technicians.headcount == sum(a.headcount for a in ret.technicians.areas)
    assert ret.model_dump(exclude={"provenance"}) == synthetic.example(sample.stem).model_dump(exclude={"provenance"})
    tables = {"/technicians/areas", "/registrations", "/other_metrics", "/initiatives_before",
              "/initiatives_since", "/action_plan"}
    values = {ptr: loc for ptr, loc in ret.provenance.fields.items()
              if ptr not in tables and not ptr.split("/")[-1].isdigit()}
    assert len(values) > 50 and all(CELL.match(loc) for loc in values.values()), values  # each value, its cell


def _zip(**parts: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return out.getvalue()


def test_detect_claims_only_workbooks_with_all_the_sheets_of_a_layout(tmp_path):
    detect = lambda data, name="x.xlsx": plugin.techbench_detect(SourceFile(name, data))  # noqa: E731
    sample = (SAMPLES / "northmoor-university.xlsx").read_bytes()
    assert detect(sample) >= 0.9

    def drop_plan(wb):
        del wb["Plan"]

    partial = detect(edited_sample("northmoor-university", drop_plan))
    assert 0 < partial < 0.9
    other = openpyxl.Workbook()
    other.active.title = "Budget"
    other.create_sheet("Contact")
    assert detect(workbook_bytes(other)) == 0.0
    docx = Path(__file__).parent.parent / "plugins" / "official_form" / "samples" / "example_return_northgate_stage1.docx"
    assert detect(docx.read_bytes(), "x.docx") == 0.0
    assert detect(b'{"schema_version": "1.0"}', "x.json") == 0.0
    assert detect(_zip(**{"a.txt": b"x"}), "x.zip") == 0.0
    assert detect(sample[: len(sample) // 2]) == 0.0  # cut short
    assert detect(b"") == 0.0
    assert detect(_zip(**{"xl/workbook.xml": b"<sheet name=\"Contact\"/>" + b" " * (3 * 1024 * 1024)})) == 0.0


def test_detect_leaves_the_official_workbook_alone(tmp_path):
    templates = pytest.importorskip("plugins.official_form.templates")
    try:
        templates.write_xlsx(tmp_path / "template.xlsx")
    except Exception as exc:  # pragma: no cover - another plugin's work in progress
        pytest.skip(f"the official workbook template cannot be written: {exc}")
    data = (tmp_path / "template.xlsx").read_bytes()
    assert plugin.techbench_detect(SourceFile("template.xlsx", data)) == 0.0


# --- mapping files: errors point at the line ------------------------------------------------------
GOOD = """\
signatories: [test-college]
description: Test College
synthetic: true
fields:
  signatory_name: {sheet: Contact, label: Institution}
  lead.email: {sheet: Contact, label: Email}
tables:
  action_plan: {sheet: Plan, columns: {action: Action, owner: Owner}}
"""


def load_one(tmp_path: Path, text: str, name: str = "test-college.yaml"):
    (tmp_path / name).write_text(text, encoding="utf-8")
    return load_mappings(tmp_path)


def test_the_example_in_the_readme_is_a_valid_mapping(tmp_path):
    readme = (Path(plugin.__file__).parent / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(.*?)```", readme, re.S)[1]
    found = load_one(tmp_path, example, "riverside-college.yaml")
    assert found.problems == []
    (mapping,) = found.mappings
    assert mapping.unmapped() == []  # it shows every canonical field


def test_a_good_mapping_loads(tmp_path):
    found = load_one(tmp_path, GOOD)
    assert found.problems == [] and [m.spec.signatories for m in found.mappings] == [["test-college"]]


def test_a_misspelt_field_is_reported_at_its_line_with_a_suggestion(tmp_path):
    found = load_one(tmp_path, GOOD.replace("lead.email:", "lead.emial:"))
    assert found.mappings == []
    (problem,) = found.problems
    assert (problem.file, problem.line, problem.column) == (str(tmp_path / "test-college.yaml"), 6, 3)
    assert "unknown canonical field 'lead.emial'" in problem.message
    assert "did you mean 'lead.email'?" in problem.message
    assert str(problem).startswith(f"{tmp_path / 'test-college.yaml'}, line 6, column 3: ")


def test_a_missing_sheet_is_reported_at_the_field_that_lacks_it(tmp_path):
    found = load_one(tmp_path, GOOD.replace("lead.email: {sheet: Contact, label: Email}", "lead.email: {label: Email}"))
    (problem,) = found.problems
    assert problem.line == 6
    assert problem.message == "'lead.email' has no 'sheet': say which sheet (tab) of the workbook holds it"


def test_a_missing_sheet_in_a_block_table_is_reported_at_the_table(tmp_path):
    text = GOOD.replace("  action_plan: {sheet: Plan, columns: {action: Action, owner: Owner}}",
                        "  action_plan:\n    columns: {action: Action, ownr: Owner}")
    problems = load_one(tmp_path, text).problems
    assert [(p.line, p.message.split(":")[0]) for p in problems] == [
        (8, "'action_plan' has no 'sheet'"), (9, "unknown column 'ownr' for action_plan — did you mean 'owner'? Its "
                                                "columns are")]


@pytest.mark.parametrize("broken, line, words", [
    ("fields:\n  lead.email: {sheet: Contact, label: Email\n", 3, "not closed"),
    ("fields:\n  lead.email: {sheet: Contact}\n   stage: {sheet: Contact, label: Stage}\n", 4, "indentation"),
    ("fields:\n\tlead.email: {sheet: Contact, label: Email}\n", 3, "tabs"),
])
def test_invalid_yaml_is_reported_at_its_line(tmp_path, broken, line, words):
    (problem,) = load_one(tmp_path, "signatories: [test-college]\n" + broken).problems  # line 1
    assert problem.line == line
    assert problem.message.startswith("this is not valid YAML") and words in problem.message


def test_values_and_shapes_are_checked_in_plain_words(tmp_path):
    text = """\
signatories: [Test College]
synthetic: perhaps
fields:
  stage: {sheet: Contact, label: Stage, cell: B4}
  lead.name: {sheet: 'Contact?', cell: B1x}
tables:
  technicians.areas: {sheet: Staff, columns: {name: School}}
  initiatives_before: {sheet: Staff, columns: {text: Initiative}}
values:
  action_plan.theme: {VIS: Visiblity}
"""
    problems = {(p.line, p.message) for p in load_one(tmp_path, text).problems}
    assert (1, "'Test College' is not a signatory slug: use lower-case letters, digits and hyphens, as in the "
               "signatory register (e.g. northmoor-university)") in problems
    assert (2, "'synthetic' should be true or false") in problems
    assert any(line == 4 and "either 'label'" in m for line, m in problems)
    assert any(line == 5 and "'Contact?' contains ?" in m for line, m in problems)
    assert any(line == 5 and "'B1X' is not a cell reference" in m for line, m in problems)
    assert any(line == 10 and "'Visiblity' is not a Technician Commitment theme" in m for line, m in problems)


def test_tables_sharing_a_sheet_need_a_where_column(tmp_path):
    text = GOOD + "  initiatives_since: {sheet: Plan, columns: {text: Initiative}}\n"
    problems = load_one(tmp_path, text).problems
    assert [p.line for p in problems] == [8, 9]  # each table on the shared sheet
    assert all("give each table on a shared sheet a 'where'" in p.message for p in problems)
    assert "initiatives_since also uses the sheet 'Plan'" in problems[0].message


def test_a_signatory_served_by_two_files_keeps_the_first(tmp_path):
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.yaml").write_text("# the same college again\n" + GOOD, encoding="utf-8")
    found = load_mappings(tmp_path)
    assert [m.name for m in found.mappings] == ["a.yaml"]
    (problem,) = found.problems
    assert problem.file == str(tmp_path / "b.yaml") and problem.line == 2
    assert "'test-college' is already served by" in problem.message and "a.yaml (line 1)" in problem.message


def test_a_broken_mapping_does_not_take_down_the_others(tmp_path, monkeypatch, fresh_mappings):
    for path in SHIPPED_MAPPINGS.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "broken.yaml").write_text("signatories: [broken-uni]\nfields:\n  lead.emial: {sheet: X, label: Y}\n")
    (tmp_path / "not-yaml.yaml").write_text("signatories: [x\n")
    found = load_mappings(tmp_path)
    assert sorted(m.name for m in found.mappings) == sorted(f"{s}.yaml" for s in MAPPINGS)
    assert sorted(Path(p.file).name for p in found.problems) == ["broken.yaml", "not-yaml.yaml"]
    # and through the installed plugin: an extra folder with a broken file next to the shipped ones
    extra = tmp_path / "extra"
    extra.mkdir()
    shutil.move(tmp_path / "broken.yaml", extra / "broken.yaml")
    monkeypatch.setenv("TECHBENCH_MAPPINGS", str(extra))
    plugin.default_mappings.cache_clear()
    assert [(Path(p.file).name, p.line) for p in plugin.mapping_problems()] == [("broken.yaml", 3)]
    registry = Registry.from_entry_points()
    assert registry.get("mapped_workbook").info.signatories == ["fenwick-institute", "northmoor-university"]
    for sample in SAMPLES.glob("*.xlsx"):
        report = validate(sample, registry)
        assert report.plugin == "mapped_workbook" and report.ok and report.issues == []


# --- reading workbooks that have drifted from their layout -----------------------------------------
def test_a_renamed_column_is_reported_by_the_name_the_mapping_expects(registry):
    def rename(wb):
        ws = wb["Plan"]
        for cell in ws[3]:
            if cell.value == "Owner":
                cell.value = "Lead person"

    report = check_bytes(edited_sample("northmoor-university", rename), registry)
    assert report.plugin == "mapped_workbook"
    (issue,) = [i for i in report.issues if i.rule == "layout.column_missing"]
    assert issue.severity == "error" and issue.location == "Plan!A3:F3"
    assert "The column 'Owner'" in issue.message and "Lead person" in issue.message
    owners = [i for i in report.issues if i.field and i.field.endswith("/owner")]
    assert owners and all(re.fullmatch(r"Plan!A\d+:F\d+", i.location) for i in owners)
    assert report.return_.action_plan[0].action  # the rest of the plan is still read


def test_a_renamed_sheet_is_reported_by_its_expected_name(registry):
    def rename(wb):
        wb["Since signing"].title = "Since we signed"

    report = check_bytes(edited_sample("northmoor-university", rename), registry, plugin="mapped_workbook")
    (issue,) = [i for i in report.issues if i.rule == "layout.sheet_missing"]
    assert "The sheet 'Since signing' was not found" in issue.message and "Since we signed" in issue.message
    (missing,) = [i for i in report.issues if i.field == "/initiatives_since"]
    assert missing.location == "sheet 'Since signing' (not in the workbook)"


def test_a_changed_label_is_reported_at_the_label_column(registry):
    def relabel(wb):
        wb["Contact"]["A7"] = "Mail"

    report = check_bytes(edited_sample("northmoor-university", relabel), registry)
    (issue,) = [i for i in report.issues if i.field == "/lead/email"]
    assert issue.rule == "layout.label_missing" and issue.location == "Contact!A:A"
    assert "'Email address'" in issue.message


def test_unreadable_values_are_reported_at_their_exact_cell(registry):
    def spoil(wb):
        wb["Contact"]["B4"] = "Stage four"
        wb["Staff"]["B5"] = "lots"
        wb["Plan"]["D4"] = "someday"
        wb["Plan"]["A5"] = "Happiness"
        wb["Sign-off"]["B4"] = "yesterday"

    report = check_bytes(edited_sample("northmoor-university", spoil), registry)
    by_rule = {(i.rule, i.location) for i in report.issues}
    assert ("parse.stage", "Contact!B4") in by_rule
    assert ("parse.number", "Staff!B5") in by_rule
    assert ("parse.date", "Plan!D4") in by_rule
    assert ("parse.theme", "Plan!A5") in by_rule
    assert ("parse.date", "'Sign-off'!B4") in by_rule
    assert all(CELL.match(i.location) for i in report.issues if i.rule.startswith("parse.")), report.issues


def test_rows_of_a_shared_sheet_are_told_apart_by_their_where_column(registry):
    def edit(wb):
        ws = wb["Initiatives"]
        ws["A4"] = "since signing"  # any case
        ws.append(["Planned", "Something not yet started", "VIS"])

    report = check_bytes(edited_sample("fenwick-institute", edit), registry)
    ret, shipped = report.return_, synthetic.fenwick()
    before, since = len(shipped.initiatives_before), len(shipped.initiatives_since)  # rows from 4, then the new one
    assert len(ret.initiatives_before) == before - 1 and len(ret.initiatives_since) == since + 1
    (issue,) = [i for i in report.issues if i.rule == "row.unclassified"]
    assert issue.location == f"Initiatives!A{4 + before + since}" and "'Planned'" in issue.message


def test_coded_values_are_read_through_the_mapping(registry):
    report = validate(SAMPLES / "fenwick-institute.xlsx", registry)
    ws = openpyxl.load_workbook(SAMPLES / "fenwick-institute.xlsx")["Actions 2023-25"]
    assert ws["A5"].value == "CD" and ws["F5"].value == "WIP"
    assert report.return_.action_plan[1] == synthetic.fenwick().action_plan[1]
    assert report.return_.action_plan[1].theme.value == "Career Development"
    assert report.return_.action_plan[1].status.value == "in progress"


# --- a new layout needs only a mapping file ---------------------------------------------------------
RIVERSIDE = """\
# A layout no code knows about: written by a data team, read with no code change.
signatories: [riverside-college]
description: Riverside College TC return
label_column: C
fields:
  signatory_name:        {sheet: Who we are, cell: D2}
  stage:                 {sheet: Who we are, label: Commitment stage}
  lead.name:             {sheet: Who we are, label: Lead}
  lead.email:            {sheet: Who we are, label: Lead e-mail}
  sign_off.lead.date:    {sheet: Who we are, label: Signed}
tables:
  technicians.areas:     {sheet: People, columns: {name: Team, headcount: Count}, total_label: [Total, Grand total]}
  action_plan:
    sheet: To do
    columns: {action: Task, theme: Strand, due: By, status: State}
values:
  action_plan.theme: {V: Visibility, R: Recognition}
  action_plan.status: {Open: planned, Closed: done}
  stage: {First: 1, Second: 2}
"""


def riverside_workbook() -> bytes:
    wb = openpyxl.Workbook()
    who = wb.active
    who.title = "Who we are"
    who["D2"] = "Riverside College"
    who["C4"], who["D4"] = "Commitment stage", "Second"
    who["C5"], who["D5"] = "Lead", "Jo Marsh"
    who["C6"], who["D6"] = "lead E-MAIL", "j.marsh@riverside.example.ac.uk"
    who["C7"], who["D7"] = "Signed", dt.datetime(2024, 2, 1)
    people = wb.create_sheet("People")
    people.append(["Our technical teams"])
    people.append([])
    people.append(["Team", "Count", "Notes"])
    people.append(["Labs", 30, "incl. 2 apprentices"])
    people.append(["Workshops", "12", None])
    people.append(["Grand total", 42])
    todo = wb.create_sheet("To do")
    todo.append(["Strand", "Task", "By", "State"])
    todo.append(["V", "Technician showcase", "Sep 2024", "Open"])
    todo.append(["R", "Awards", dt.datetime(2025, 3, 31), "Closed"])
    todo["C3"].number_format = "mmm yyyy"
    return workbook_bytes(wb)


def test_a_new_mapping_reads_a_new_layout_without_code(tmp_path, monkeypatch, fresh_mappings):
    (tmp_path / "riverside-college.yaml").write_text(RIVERSIDE, encoding="utf-8")
    found = load_mappings(tmp_path)
    assert found.problems == []
    source = SourceFile("riverside.xlsx", riverside_workbook())
    result = plugin.parse(source, ParseContext(received=RECEIVED), found)
    ret = result.return_
    assert ret.signatory_name == "Riverside College" and ret.stage == 2
    assert ret.lead.email == "j.marsh@riverside.example.ac.uk"
    assert ret.sign_off.lead.date == dt.date(2024, 2, 1)
    assert [(a.name, a.headcount) for a in ret.technicians.areas] == [("Labs", 30), ("Workshops", 12)]
    assert ret.technicians.headcount == 42
    assert [(a.theme.value, a.due.text, a.status.value) for a in ret.action_plan] == [
        ("Visibility", "Sep 2024", "planned"), ("Recognition", "Mar 2025", "done")]
    fields = ret.provenance.fields
    assert fields["/lead/email"] == "'Who we are'!D6"
    assert fields["/technicians/headcount"] == "People!B6"
    assert fields["/action_plan/1/due"] == "'To do'!C3"
    assert fields["/profile"].startswith("not in this layout")
    # installed next to the shipped mappings, the registry picks it for such workbooks
    monkeypatch.setenv("TECHBENCH_MAPPINGS", str(tmp_path))
    registry = Registry.from_entry_points()
    assert "riverside-college" in registry.get("mapped_workbook").info.signatories
    report = validate_source(source, registry, context=ParseContext(received=RECEIVED))
    assert report.plugin == "mapped_workbook"
    assert report.return_.lead.name == "Jo Marsh"
    missing = {i.field: i.location for i in report.issues if i.rule == "required"}
    assert missing["/profile"] == "not in this layout (riverside-college.yaml does not map 'profile')"
    # and a writer for it comes free
    written = registry.get("mapped_workbook").write(report.return_, tmp_path, "again", None, "riverside-college")
    again = validate_path(written, registry, context=ParseContext(received=RECEIVED))
    assert again.return_.model_dump(exclude={"provenance"}) == report.return_.model_dump(exclude={"provenance"})


def test_a_workbook_matching_no_layout_is_refused_plainly(registry):
    wb = openpyxl.Workbook()
    wb.active.title = "Budget"
    report = check_bytes(workbook_bytes(wb), registry, plugin="mapped_workbook")
    assert report.return_ is None
    (issue,) = report.issues
    assert issue.rule == "form.not_a_return" and "Budget" in issue.message


# --- `techbench mapping`: the checker a data team runs on its mapping file --------------------------


def mapping_command(*args: str):
    from typer.testing import CliRunner

    from pipeline.cli import app

    return CliRunner().invoke(app, ["mapping", *args], env={"COLUMNS": "200"})


def test_mapping_check_passes_a_shipped_mapping_and_shows_its_round_trip():
    result = mapping_command("check", str(SHIPPED_MAPPINGS / "northmoor-university.yaml"))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ok       ") and "serves northmoor-university" in result.stdout
    assert "round trip: a synthetic return written in this layout reads back the same" in result.stdout


def test_mapping_check_reports_a_mistake_at_its_line_and_exits_1(tmp_path):
    (tmp_path / "test-college.yaml").write_text(GOOD.replace("lead.email:", "lead.emial:"), encoding="utf-8")
    result = mapping_command("check", str(tmp_path))
    assert result.exit_code == 1
    assert f"PROBLEM  {tmp_path / 'test-college.yaml'}, line 6, column 3: unknown canonical field" in result.stdout
    assert "did you mean 'lead.email'?" in result.stdout and "Traceback" not in result.output


def test_mapping_example_writes_a_workbook_that_mapping_read_reads_back(tmp_path):
    import json

    mapping = str(SHIPPED_MAPPINGS / "fenwick-institute.yaml")
    out = tmp_path / "layout.xlsx"
    written = mapping_command("example", mapping, str(out))
    assert written.exit_code == 0 and out.is_file()
    read = mapping_command("read", mapping, str(out))
    assert read.exit_code == 0, read.output
    ret = json.loads(read.stdout[read.stdout.index("{"):])  # after any findings, the return as JSON
    assert ret["synthetic"] is True
    assert ret["signatory_name"] == synthetic.example("fenwick-institute").signatory_name
