"""The techbench workbook: the blank template, filled in as a lead would, read end to end."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from pipeline.kit.hooks import ParseContext, SourceFile
from pipeline.registry import Registry
from pipeline.schema import DatePrecision, Register, Theme
from pipeline.validation.validate import validate_path
from plugins.official_form import plugin, workbook_layout as L, xlsx_reader, xlsx_template

RECEIVED = dt.date(2019, 11, 20)
CELL_LOCATION = re.compile(r"^(?:'(?:[^']|'')+'|[A-Za-z_][\w.]*)![A-Z]{1,3}[0-9]+$")

AREAS = [
    ("Faculty of Science", 168, 160.4),
    ("Faculty of Engineering", 121, 118.0),
    ("Faculty of Medicine and Health", 87, 80.5),
    ("Central Technical Services", 36, 35.0),
]

ACTIONS = [
    # theme, action, owner, due (as typed or an Excel date), evidence, status
    ("Visibility", "Publish a technician profile every month on the staff intranet.",
     "Head of Communications", "Sep 2020", "Page views and number of profiles published.", "Planned"),
    ("Recognition", "Add technical staff to the university's excellence awards.",
     "Director of HR", dt.datetime(2021, 3, 31), "Awards made to technicians each year.", "In progress"),
    ("Career Development", "Fund professional registration fees for technicians.",
     "Technical Services Manager", "Q2 2020", "Number of technicians newly registered.", "Planned"),
    ("Sustainability", "Create four technical apprenticeships a year.",
     "Director of Technical Services", "14/11/2020", "Apprentices recruited and retained.", "Done"),
    ("Evaluating Impact", "Survey technicians on the Commitment every year.",
     "Institutional lead", "Q3 2021", "Survey response rate and results over time.", "Planned"),
]

ANSWERS = {
    "Organisation name": "University of Northgate",
    "Stage": 1,
    "Submission date": "14/11/2019",
    "Institutional lead name": "Dr Alex Morgan",
    "E-mail": "a.morgan@northgate.ac.uk",
    "Contact number": "01632 960123",
    "Published URL": "https://www.northgate.ac.uk/technician-commitment",
    "Organisation profile": "The University of Northgate is a research-intensive university of 24,000 students.",
    "Technician definition": "Technicians are staff in technical job families at grades 3 to 8.",
    "Where technicians are based": "412 technicians work across three faculties and central services.",
    "Technician voice": "A technician steering group of twelve wrote this plan with the lead.",
}

SIGN_OFF = {
    "Institutional lead name": "Dr Alex Morgan",
    "Institutional lead date signed": dt.datetime(2019, 11, 12),
    "Head of institution name": "Professor Sam Patel",
    "Head of institution date signed": dt.datetime(2019, 11, 13),
}


def answer_row(ws, label: str) -> int:
    for row in range(1, ws.max_row + 1):
        if ws.cell(row=row, column=1).value == label:
            return row
    raise AssertionError(f"no label {label!r} on {ws.title}")


def heading_column(ws, heading: str, header_row: int = 1) -> int:
    for col in range(1, ws.max_column + 1):
        if ws.cell(row=header_row, column=col).value == heading:
            return col
    raise AssertionError(f"no heading {heading!r} on {ws.title}")


def put_rows(ws, headings: list[str], rows: list[tuple], first_row: int = 2, header_row: int = 1) -> None:
    cols = [heading_column(ws, h, header_row) for h in headings]
    for r, values in enumerate(rows, start=first_row):
        for col, value in zip(cols, values):
            ws.cell(row=r, column=col, value=value)


def fill(wb, *, total: int | None = None) -> None:
    """Type a complete, valid return into the blank workbook, the way a lead would."""
    organisation_labels = {q.label for q in L.ORGANISATION.questions}
    for label, value in ANSWERS.items():
        ws = wb["Organisation"] if label in organisation_labels else wb["Narrative"]
        ws.cell(row=answer_row(ws, label), column=2, value=value)
    for label, value in SIGN_OFF.items():
        ws = wb["Sign-off"]
        ws.cell(row=answer_row(ws, label), column=2, value=value)
    rows = list(AREAS) + ([("TOTAL", total, None)] if total is not None else [])
    put_rows(wb["Technicians"], ["Area", "Headcount", "FTE"], rows)
    put_rows(wb["Registrations"], ["Register", "Number", "Register name if other"],
             [("RSciTech", 25, None), ("EngTech", 12, None), ("other", 3, "Registered Laboratory Technician")])
    put_rows(wb["Other metrics"], ["Metric", "Number"], [("Apprentices", 14), ("Technician mentors", 30)])
    put_rows(wb["Initiatives"], ["When", "Theme", "Description"], [
        ("Before signing", "Career Development", "Technician training fund, running since 2015."),
        ("Since signing", "Visibility", "A technician showcase at the annual research conference."),
        ("Since signing", "Recognition", "Technicians named as authors on outputs they contributed to."),
    ])
    put_rows(wb["Action plan"], ["Theme", "Action", "Owner", "Due date", "How impact will be evidenced", "Status"],
             ACTIONS)


def template(tmp_path: Path) -> Path:
    path = tmp_path / "blank.xlsx"
    xlsx_template.write(path)
    return path


def filled(tmp_path: Path, name: str = "northgate.xlsx", edit=None, **kwargs) -> Path:
    wb = openpyxl.load_workbook(template(tmp_path))
    fill(wb, **kwargs)
    if edit:
        edit(wb)
    path = tmp_path / name
    wb.save(path)
    return path


def validate(path: Path, stage: int | None = 1, plugin: str | None = None):
    return validate_path(path, Registry.from_entry_points(), plugin=plugin,
                         context=ParseContext(stage=stage, received=RECEIVED))


def issues(report, rule: str) -> list:
    return [i for i in report.issues if i.rule == rule]


# --- the template ---------------------------------------------------------------------------------

def test_template_has_a_sheet_per_part_and_identifies_itself(tmp_path):
    path = template(tmp_path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Instructions", "Organisation", "Narrative", "Technicians", "Registrations",
                             "Other metrics", "Initiatives", "Action plan", "Sign-off"]
    assert L.MARKER_TEXT in wb["Instructions"]["A2"].value
    assert xlsx_reader.is_template(path.read_bytes())
    for sheet in L.SHEETS:
        ws = wb[sheet.title]
        assert ws.freeze_panes == "A2"
        assert all(c.font.bold for c in ws[1] if c.value), sheet.title


def test_template_offers_drop_downs_for_theme_status_register_and_stage(tmp_path):
    wb = openpyxl.load_workbook(template(tmp_path))

    def choices(sheet: str, heading: str) -> list[str]:
        ws = wb[sheet]
        letter = openpyxl.utils.get_column_letter(heading_column(ws, heading))
        for dv in ws.data_validations.dataValidation:
            if dv.type == "list" and f"{letter}2:{letter}500" in str(dv.sqref):
                return dv.formula1.strip('"').split(",")
        raise AssertionError(f"no drop-down on {sheet} {heading}")

    themes = [t.value for t in Theme]
    assert choices("Action plan", "Theme") == themes
    assert choices("Initiatives", "Theme") == themes
    assert choices("Action plan", "Status") == ["Planned", "In progress", "Done", "Dropped"]
    assert choices("Registrations", "Register") == [r.value for r in Register]
    assert choices("Initiatives", "When") == ["Before signing", "Since signing"]
    org = wb["Organisation"]
    stage_cell = f"B{answer_row(org, 'Stage')}"
    assert any(dv.formula1 == '"1,2,3"' and stage_cell in str(dv.sqref) for dv in org.data_validations.dataValidation)


def test_blank_template_is_not_accepted_and_points_at_the_cells_to_fill(tmp_path):
    report = validate(template(tmp_path))
    assert report.plugin == "official_form"
    assert not report.ok
    required = issues(report, "required")
    assert {i.field for i in required} >= {"/signatory_name", "/lead/email", "/technicians/headcount",
                                           "/action_plan", "/profile", "/published_url"}
    for issue in required + issues(report, "signoff.missing"):
        assert CELL_LOCATION.match(issue.location), issue
    org = openpyxl.load_workbook(template(tmp_path))["Organisation"]
    email = next(i for i in required if i.field == "/lead/email")
    assert email.location == f"Organisation!B{answer_row(org, 'E-mail')}"
    assert next(i for i in required if i.field == "/action_plan").location == "'Action plan'!A2"


# --- a filled-in return ---------------------------------------------------------------------------

def test_filled_workbook_is_a_valid_return_with_every_value_in_place(tmp_path):
    report = validate(filled(tmp_path))
    assert report.plugin == "official_form"
    assert report.errors == [], report.errors
    assert report.ok
    ret = report.return_
    assert ret.signatory_name == "University of Northgate"
    assert ret.stage == 1
    assert ret.submission_date == dt.date(2019, 11, 14)
    assert ret.lead.phone == "01632 960123"
    assert ret.technicians.headcount == 412  # no Total row: the sum of the areas
    assert ret.technicians.fte == pytest.approx(393.9)
    assert [(a.name, a.headcount, a.fte) for a in ret.technicians.areas] == AREAS
    assert [(r.name, r.count, r.label) for r in ret.registrations] == [
        (Register.RSCITECH, 25, None), (Register.ENGTECH, 12, None),
        (Register.OTHER, 3, "Registered Laboratory Technician")]
    assert [(m.name, m.count) for m in ret.other_metrics] == [("Apprentices", 14), ("Technician mentors", 30)]
    assert len(ret.initiatives_before) == 1 and len(ret.initiatives_since) == 2
    assert ret.initiatives_since[1].theme is Theme.RECOGNITION
    assert {a.theme for a in ret.action_plan} == set(Theme)
    month, excel_date, quarter = (a.due for a in ret.action_plan[:3])
    assert (month.precision, month.end, month.text) == (DatePrecision.MONTH, dt.date(2020, 9, 30), "Sep 2020")
    assert (excel_date.precision, excel_date.end) == (DatePrecision.DAY, dt.date(2021, 3, 31))
    assert (quarter.precision, quarter.end) == (DatePrecision.QUARTER, dt.date(2020, 6, 30))
    assert ret.action_plan[1].status.value == "in progress"
    assert ret.sign_off.head.date == dt.date(2019, 11, 13)
    fields = ret.provenance.fields
    assert fields["/lead/email"] == "Organisation!B6"
    assert fields["/technicians/areas/1/headcount"] == "Technicians!B3"
    assert fields["/action_plan/0/due"] == "'Action plan'!D2"
    assert fields["/registrations/2/label"] == "Registrations!C4"
    assert fields["/sign_off/head/date"] == "'Sign-off'!B5"


def test_total_row_gives_the_headcount_and_a_wrong_total_is_reported_at_its_cell(tmp_path):
    good = validate(filled(tmp_path, "total.xlsx", total=412))
    assert good.ok, good.errors
    assert good.return_.technicians.headcount == 412
    assert len(good.return_.technicians.areas) == 4  # the Total row is not an area
    assert good.return_.provenance.fields["/technicians/headcount"] == "Technicians!B6"

    wrong = validate(filled(tmp_path, "wrong_total.xlsx", total=400))
    assert not wrong.ok
    [issue] = issues(wrong, "areas.sum")
    assert issue.location == "Technicians!B6"

    def blank_total(wb):
        wb["Technicians"]["A6"] = "Total"

    blank = validate(filled(tmp_path, "blank_total.xlsx", edit=blank_total))
    [missing] = [i for i in issues(blank, "required") if i.field == "/technicians/headcount"]
    assert missing.location == "Technicians!B6"


def test_a_numeric_cell_of_hundreds_of_digits_is_refused_at_its_cell(tmp_path):
    """Excel cannot write one, but a hand-made file can; it must not reach the warehouse as a count."""
    def marked(wb):
        wb["Technicians"]["B3"] = 123456789

    path = filled(tmp_path, "marked.xlsx", edit=marked)
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp_path / "huge.xlsx", "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename).replace(b"<v>123456789</v>", b"<v>" + b"9" * 400 + b"</v>"))
    report = validate(tmp_path / "huge.xlsx")
    assert not report.ok
    assert [i.location for i in issues(report, "parse.number")] == ["Technicians!B3"]


def test_a_second_total_row_is_warned_about_and_the_first_is_the_total(tmp_path):
    def second_total(wb):  # a subtotal pasted under the TOTAL row
        wb["Technicians"]["A7"], wb["Technicians"]["B7"] = "Total", 200

    report = validate(filled(tmp_path, "two_totals.xlsx", total=412, edit=second_total))
    assert report.ok, report.errors
    assert report.return_.technicians.headcount == 412
    assert len(report.return_.technicians.areas) == 4  # neither total row is an area
    [issue] = issues(report, "row.duplicate_total")
    assert issue.location == "Technicians!A7" and "row 6" in issue.message


def test_a_date_excel_made_of_a_typed_month_keeps_month_precision(tmp_path):
    def edit(wb):
        cell = wb["Action plan"]["D2"]
        cell.value, cell.number_format = dt.datetime(2020, 9, 1), "mmm-yy"  # Excel's reading of "Sep-20"

    due = validate(filled(tmp_path, edit=edit)).return_.action_plan[0].due
    assert (due.precision, due.end) == (DatePrecision.MONTH, dt.date(2020, 9, 30))


def test_stage_comes_from_the_workbook_unless_given_at_hand_in(tmp_path):
    def stage_two(wb):
        ws = wb["Organisation"]
        ws.cell(row=answer_row(ws, "Stage"), column=2, value=2)

    path = filled(tmp_path, edit=stage_two)
    assert validate(path, stage=None).return_.stage == 2
    given = validate(path, stage=1)
    assert given.return_.stage == 1
    [mismatch] = issues(given, "stage.mismatch")
    assert mismatch.location == "Organisation!B3"


# --- mistakes a lead makes ------------------------------------------------------------------------

def test_bad_email_is_reported_at_its_cell(tmp_path):
    def edit(wb):
        wb["Organisation"]["B6"] = "a.morgan at northgate"

    report = validate(filled(tmp_path, edit=edit))
    assert not report.ok
    [issue] = issues(report, "email.format")
    assert issue.location == "Organisation!B6"
    assert issue.field == "/lead/email"


def test_inserted_rows_do_not_break_reading(tmp_path):
    def edit(wb):
        plan = wb["Action plan"]
        plan.insert_rows(1)
        plan["A1"] = "Draft 3 - agreed by the steering group"
        plan.insert_rows(5)  # a blank row between actions
        org = wb["Organisation"]
        org.insert_rows(2)
        org["A2"] = "Part 1"

    report = validate(filled(tmp_path, edit=edit))
    assert report.ok, report.errors
    ret = report.return_
    assert len(ret.action_plan) == len(ACTIONS)
    assert [a.owner for a in ret.action_plan] == [a[2] for a in ACTIONS]
    assert ret.lead.email == "a.morgan@northgate.ac.uk"
    fields = ret.provenance.fields
    assert fields["/action_plan/0/due"] == "'Action plan'!D3"
    assert fields["/action_plan/3/due"] == "'Action plan'!D7"  # after the blank row
    assert fields["/lead/email"] == "Organisation!B7"


def test_unreadable_headcount_is_reported_at_its_cell(tmp_path):
    def edit(wb):
        wb["Technicians"]["B3"] = "about 400"

    report = validate(filled(tmp_path, edit=edit))
    assert not report.ok
    [issue] = issues(report, "parse.number")
    assert issue.location == "Technicians!B3"
    assert issue.severity == "error"
    assert "about 400" in issue.message


def test_missing_action_owner_is_reported_at_the_empty_cell(tmp_path):
    def edit(wb):
        wb["Action plan"]["C4"] = None

    report = validate(filled(tmp_path, edit=edit))
    [issue] = [i for i in issues(report, "action.incomplete") if i.field == "/action_plan/2/owner"]
    assert issue.location == "'Action plan'!C4"


def test_workbook_that_is_not_the_template_is_not_a_return(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Budget"
    for row in range(1, 20):
        ws.append([f"item {row}", row * 17, "misc"])
    path = tmp_path / "budget.xlsx"
    wb.save(path)
    assert not xlsx_reader.is_template(path.read_bytes())
    assert plugin.techbench_detect(SourceFile(name=path.name, data=path.read_bytes())) < 0.5
    report = validate(path, plugin="official_form")  # other installed plugins may claim any workbook
    assert report.return_ is None
    assert [i.rule for i in report.issues] == ["form.not_a_return"]
    assert report.issues[0].location == "whole file"


def test_damaged_workbook_is_reported_not_raised():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook><sheets><sheet name='Organisation'")
    source = SourceFile(name="damaged.xlsx", data=buf.getvalue())
    assert plugin.kind(source) == "xlsx"
    assert not xlsx_reader.is_template(source.data)
    result = xlsx_reader.read(source, plugin.INFO, ParseContext(stage=1, received=RECEIVED))
    assert result.return_ is None
    assert [i.rule for i in result.issues] == ["file.corrupt"]
    assert not xlsx_reader.is_template(b"PK\x03\x04 not really a zip")


def test_a_missing_or_damaged_sheet_costs_only_its_own_answers(tmp_path):
    def drop_metrics(wb):
        del wb["Other metrics"]

    without_optional = validate(filled(tmp_path, "no_metrics.xlsx", edit=drop_metrics))
    assert without_optional.ok, without_optional.errors
    assert without_optional.return_.other_metrics == []

    path = filled(tmp_path)
    sheet_part = f"xl/worksheets/sheet{openpyxl.load_workbook(path).sheetnames.index('Action plan') + 1}.xml"
    buf = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(buf, "w") as out:
        for name in src.namelist():
            data = src.read(name)
            out.writestr(name, data[: len(data) // 2] if name == sheet_part else data)
    damaged = tmp_path / "damaged_sheet.xlsx"
    damaged.write_bytes(buf.getvalue())
    report = validate(damaged)
    assert not report.ok
    [corrupt] = issues(report, "file.corrupt")
    assert "Action plan" in corrupt.location
    assert report.return_.signatory_name == "University of Northgate"  # the rest is still read
    assert report.return_.technicians.headcount == 412
    [missing] = [i for i in issues(report, "required") if i.field == "/action_plan"]
    assert "damaged" in missing.location


def test_a_written_return_is_marked_synthetic_and_keeps_text_as_text(tmp_path):
    ret = validate(filled(tmp_path)).return_.model_copy(deep=True)
    ret.provenance = None
    ret.synthetic = True
    ret.action_plan[0].action = "=HYPERLINK(\"x\") is how the intranet page is made"
    ret.action_plan[2].due = ret.action_plan[2].due.model_copy(update={"text": "2020"})
    path = xlsx_template.write(tmp_path / "synthetic.xlsx", ret)
    wb = openpyxl.load_workbook(path)
    assert wb["Instructions"][L.SYNTHETIC_CELL].value == L.SYNTHETIC_MARK
    assert wb["Action plan"]["B2"].data_type == "s"  # not a formula
    assert wb["Action plan"]["D4"].value == "2020"  # due dates are written as the lead wrote them
    back = validate(path).return_
    assert back.synthetic
    assert back.action_plan[0].action == ret.action_plan[0].action
    assert (back.action_plan[2].due.precision, back.action_plan[2].due.text) == (DatePrecision.YEAR, "2020")
