"""The Word form: the shared example reads exactly, and survives what people do to Word forms."""

from __future__ import annotations

import datetime as dt

from returns import BLANK, CONTEXT, NORTHGATE, check, edited_form, rules_of, set_cell

from pipeline.schema import ActionStatus, DatePrecision, Theme


def test_example_return_reads_completely():
    report = check(NORTHGATE.read_bytes())
    assert report.ok and report.plugin == "official_form"
    assert report.issues == []
    r = report.return_
    assert r.signatory_name == "University of Northgate"
    assert (r.lead.name, r.lead.email, r.lead.phone) == (
        "Dr Priya Ramanathan", "p.ramanathan@northgate.example.ac.uk", "+44 1632 960 118")
    assert r.technicians.headcount == 412 and r.technicians.fte == 393.9
    assert [(a.name, a.headcount, a.fte) for a in r.technicians.areas] == [
        ("Faculty of Science", 168, 160.4), ("Faculty of Engineering", 121, 118.0),
        ("Faculty of Medicine and Health", 87, 80.5), ("Central Technical Services", 36, 35.0)]
    assert [i.theme for i in r.initiatives_since] == [
        Theme.VISIBILITY, Theme.RECOGNITION, Theme.CAREER_DEVELOPMENT, Theme.SUSTAINABILITY]
    assert len(r.initiatives_before) == 2
    assert len(r.action_plan) == 6
    first = r.action_plan[0]
    assert first.theme is Theme.VISIBILITY and first.owner == "Head of Technical Services"
    assert first.due.precision is DatePrecision.MONTH and first.due.end == dt.date(2019, 3, 31)
    assert r.action_plan[2].status is ActionStatus.IN_PROGRESS
    assert r.published_url == "https://www.northgate.example.ac.uk/technicians/commitment"
    assert r.sign_off.lead.date == dt.date(2018, 11, 14) and r.sign_off.head.date == dt.date(2018, 11, 20)
    assert r.submission_date == dt.date(2018, 11, 20)  # the later sign-off
    assert r.stage == 1 and r.plan_horizon_months == 24


def test_provenance_names_source_plugin_and_every_field():
    r = check(NORTHGATE.read_bytes()).return_
    p = r.provenance
    assert p.plugin == "official_form" and p.plugin_version
    assert len(p.source_sha256) == 64
    assert p.fields["/lead/email"] == "table 1, row 3, column 2"
    assert p.fields["/technicians/headcount"] == "table 5, row 6, column 2"
    assert p.fields["/action_plan/2/owner"] == "table 9, row 4, column 3"
    assert p.fields["/profile"].startswith("table 2, row 2")


def test_blank_form_reports_every_missing_answer_where_it_belongs():
    report = check(BLANK.read_bytes())
    assert not report.ok
    missing = {i.field: i.location for i in report.issues if i.rule == "required"}
    assert missing["/lead/email"] == "table 1, row 3, column 2"
    assert missing["/technician_voice"] == "table 10, row 2"
    assert missing["/technicians/headcount"].startswith("table 5")
    signoffs = {i.field for i in report.issues if i.rule == "signoff.missing"}
    assert signoffs == {"/sign_off/lead/name", "/sign_off/lead/date", "/sign_off/head/name", "/sign_off/head/date"}


def test_synonym_headings_and_date_forms():
    def edit(d):
        set_cell(d, 9, 1, 3, "Owner")
        set_cell(d, 9, 1, 4, "Timescale")
        set_cell(d, 9, 1, 5, "Success measure")
        set_cell(d, 5, 1, 1, "Faculty")
        set_cell(d, 9, 2, 4, "Q2 2019")
        set_cell(d, 9, 3, 4, "2020")
        set_cell(d, 9, 4, 4, "28 June 2019")
        set_cell(d, 9, 5, 4, "14/11/2019")
        set_cell(d, 12, 2, 2, "14 November 2018")

    report = check(edited_form(edit))
    assert report.ok, report.issues
    due = [a.due for a in report.return_.action_plan]
    assert (due[0].precision, due[0].end) == (DatePrecision.QUARTER, dt.date(2019, 6, 30))
    assert (due[1].precision, due[1].end) == (DatePrecision.YEAR, dt.date(2020, 12, 31))
    assert (due[2].precision, due[2].end) == (DatePrecision.DAY, dt.date(2019, 6, 28))
    assert due[3].end == dt.date(2019, 11, 14)  # UK day-first
    assert report.return_.action_plan[0].owner == "Head of Technical Services"
    assert report.return_.action_plan[0].evidence.startswith("Directory live")


def test_no_total_row_and_empty_fte_cells():
    def edit(d):
        table = d.tables[4]
        table._tbl.remove(table.rows[5]._tr)  # the Total row
        set_cell(d, 5, 2, 3, "")

    r = check(edited_form(edit)).return_
    assert r.technicians.headcount == 412  # the sum of the areas
    assert r.technicians.areas[0].fte is None
    assert r.technicians.fte is None  # not every area has an FTE, so no total FTE is invented


def test_total_row_in_capitals_that_disagrees_is_an_error_at_the_total():
    def edit(d):
        set_cell(d, 5, 6, 1, "TOTAL")
        set_cell(d, 5, 6, 2, "420")

    report = check(edited_form(edit))
    assert not report.ok
    [issue] = [i for i in report.issues if i.rule == "areas.sum"]
    assert issue.location == "table 5, row 6, column 2"
    assert "412" in issue.message and "420" in issue.message


def test_theme_headings_in_capitals_and_theme_colon_text():
    def edit(d):
        cell = d.tables[6].rows[1].cells[0]
        cell.text = "VISIBILITY"
        cell.add_paragraph("Technician profiles on the website.")
        cell.add_paragraph("")
        cell.add_paragraph("Named on research outputs.")
        cell.add_paragraph("Theme: Recognition")
        cell.add_paragraph("Technician of the Year award.")
        cell.add_paragraph("CAREER DEVELOPMENT: pathways framework drafted.")

    r = check(edited_form(edit)).return_
    assert [(i.theme, i.text) for i in r.initiatives_since] == [
        (Theme.VISIBILITY, "Technician profiles on the website."),
        (Theme.VISIBILITY, "Named on research outputs."),
        (Theme.RECOGNITION, "Technician of the Year award."),
        (Theme.CAREER_DEVELOPMENT, "pathways framework drafted."),
    ]
    assert r.provenance.fields["/initiatives_since/2/text"] == "table 7, row 2, paragraph 6"


def test_action_plan_with_theme_heading_rows_instead_of_a_theme_column():
    def edit(d):
        table = d.tables[8]
        for row in table.rows:
            row.cells[0].text = ""
        set_cell(d, 9, 1, 1, "")
        heading = table.rows[1]._tr
        new = table.add_row()
        new.cells[0].merge(new.cells[5]).text = "RECOGNITION"
        heading.addprevious(new._tr)  # a merged heading row before the first action

    report = check(edited_form(edit))
    themes = [a.theme for a in report.return_.action_plan]
    assert themes == [Theme.RECOGNITION] * 6


def test_answer_over_many_paragraphs_is_kept_whole():
    def edit(d):
        cell = d.tables[1].rows[1].cells[0]
        cell.add_paragraph("")
        cell.add_paragraph("A second paragraph about our campuses.")

    r = check(edited_form(edit)).return_
    assert r.profile.endswith("A second paragraph about our campuses.")
    assert r.profile.count("\n") == 2


def test_unreadable_values_are_reported_at_their_cell_once():
    def edit(d):
        set_cell(d, 5, 2, 2, "about 170")
        set_cell(d, 9, 2, 4, "next spring")
        set_cell(d, 9, 3, 6, "Waiting")

    report = check(edited_form(edit))
    by_rule = {i.rule: i for i in report.issues}
    assert by_rule["parse.number"].location == "table 5, row 2, column 2"
    assert by_rule["parse.date"].location == "table 9, row 2, column 4"
    assert by_rule["parse.status"].location == "table 9, row 3, column 6"
    # the unreadable date is not reported a second time as a missing one
    assert not [i for i in report.issues if i.rule == "action.incomplete" and i.field == "/action_plan/0/due"]


def test_stage_comes_from_context_or_is_assumed_with_a_warning():
    from pipeline.kit.hooks import ParseContext

    given = check(NORTHGATE.read_bytes(), context=ParseContext(stage=2, received=CONTEXT.received))
    assert given.return_.stage == 2 and "stage.assumed" not in rules_of(given)
    assumed = check(NORTHGATE.read_bytes(), context=ParseContext(received=CONTEXT.received))
    assert assumed.return_.stage == 1 and "stage.assumed" in rules_of(assumed)
    assert assumed.ok  # a warning only

