"""Action plans as signatories really publish them (issue 11, part 4).

Published plans often have no theme, owner or date column, put projected dates inside the evidence
text and add columns of their own ("#", "Rationale", "Progress", "RAG"). Every column is read into
its field only when its heading says so; every other column is kept under its own heading; themes
and dates techbench suggests are marked inferred and never counted as the institution's own
statement. The cell texts of real plans (``../shared/data/real_plans``) are each read into the
right field or deliberately kept as text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from pipeline.kit import actions, normalise
from pipeline.store import warehouse
from pipeline.benchmarks.frames import load_frames
from pipeline.benchmarks.metrics import metric_values
from pipeline.handin.landing import Landed
from pipeline.kit.hooks import ParseContext, SourceFile
from pipeline.registry import Registry
from pipeline.programme.signatories import DEFAULT_REGISTER
from pipeline.schema import (Action, ActionStatus, Area, CanonicalReturn, DatePrecision, Initiative, Person, SignOff, SignOffs,
                             Technicians, Theme)
from pipeline.validation.validate import validate_source
from plugins.official_form import xlsx_template

D = dt.date
REAL_PLANS = Path(__file__).resolve().parent / "data" / "real_plans" / "plan_cell_expressions.csv"  # see its README
RECEIVED = D(2019, 11, 20)

# --- 1. the cell texts of real plans, each with what it must be read as ------------------------------
# (column, text as published) -> (category, value). Categories: day / month / year: a deadline
# (value: its last day); milestones: several deadlines (value: the last); start: a "from ..." date,
# not a deadline (value: its first day); plan year: "Year N" of the plan (relative; value: N);
# owner: an owner (value: the text); no owner: a placeholder, kept as text (value: None);
# status: the status (value: its canonical value).
EXPECTED: dict[tuple[str, str], tuple[str, object]] = {
    ("due", "End of November 2020"): ("month", D(2020, 11, 30)),
    ("due", "2020-12-11"): ("day", D(2020, 12, 11)),
    ("due", "End of January 2021"): ("month", D(2021, 1, 31)),
    ("due", "End of December 2022"): ("month", D(2022, 12, 31)),
    ("due", "August 2022 / from September 2022"): ("milestones", D(2022, 8, 31)),
    ("due", "September 2022"): ("month", D(2022, 9, 30)),
    ("due", "From Oct 2022"): ("start", D(2022, 10, 1)),
    ("due", "Aug 2022; Aug 2023"): ("milestones", D(2023, 8, 31)),
    ("due", "from 2021"): ("start", D(2021, 1, 1)),
    ("due", "Year 2"): ("plan year", 2),
    ("owner", "Technician Commitment Working Group"): ("owner", "Technician Commitment Working Group"),
    ("owner", "Institutional Lead (CMH)"): ("owner", "Institutional Lead (CMH)"),
    ("owner", "OSD Manager/HR BP Operations"): ("owner", "OSD Manager/HR BP Operations"),
    ("owner", "HRBP Policy/Career Pathway Sub-Group"): ("owner", "HRBP Policy/Career Pathway Sub-Group"),
    ("owner", "working group"): ("owner", "working group"),
    ("owner", "lead staff to be identified"): ("no owner", None),
    ("status", "carried forward"): ("status", ActionStatus.IN_PROGRESS),
    ("status", "completed (Year One progress)"): ("status", ActionStatus.DONE),
    ("status", "planned (Oct 2019 update)"): ("status", ActionStatus.PLANNED),
}


def category(column: str, text: str) -> tuple[str, object]:
    """What the shared parsers make of one cell of a plan's column."""
    if column == "due":
        due = normalise.parse_due(text)
        if due is None:
            return "unread", None
        if due.milestones:
            return "milestones", due.end
        if due.start is not None:
            return "start", due.start
        if due.precision is DatePrecision.PLAN_YEAR:
            return "plan year", due.plan_year
        return due.precision.value, due.end
    if column == "owner":
        owner = normalise.parse_owner(text)
        return ("owner", owner) if owner else ("no owner", None)
    status = normalise.parse_status_text(text)
    return ("status", status) if status else ("unread", None)


@pytest.mark.parametrize(("column", "text"), list(EXPECTED))
def test_each_real_cell_text_is_read_into_its_category(column, text):
    assert category(column, text) == EXPECTED[(column, text)]


def test_the_table_covers_every_distinct_text_of_the_real_plans():
    with REAL_PLANS.open(encoding="utf-8") as f:
        seen = {(row["column"], row["text_as_published"]) for row in csv.DictReader(f)}
    assert seen <= set(EXPECTED), sorted(seen - set(EXPECTED))
    counts: dict[str, int] = {}
    for key in seen:
        counts[EXPECTED[key][0]] = counts.get(EXPECTED[key][0], 0) + 1
    assert "unread" not in counts


def test_milestones_keep_each_date_and_the_deadline_is_the_last():
    due = normalise.parse_due("Aug 2022; Aug 2023")
    assert [m.end for m in due.milestones] == [D(2022, 8, 31), D(2023, 8, 31)]
    assert due.precision is DatePrecision.MONTH and due.text == "Aug 2022; Aug 2023"
    mixed = normalise.parse_due("August 2022 / from September 2022")
    assert mixed.end == D(2022, 8, 31)  # a start is not a deadline
    assert [(m.end, m.start) for m in mixed.milestones] == [(D(2022, 8, 31), None), (None, D(2022, 9, 1))]


def test_a_from_date_is_a_start_not_a_deadline():
    due = normalise.parse_due("From Oct 2022")
    assert due.precision is DatePrecision.ONGOING and due.end is None and due.start == D(2022, 10, 1)


def test_a_plan_year_is_resolved_from_the_plan_start_or_kept_relative():
    relative = normalise.parse_due("Year 2")
    assert relative.end is None and relative.plan_year == 2
    resolved = normalise.parse_due("Year 2", plan_start=D(2020, 1, 15))
    assert resolved.plan_year == 2 and resolved.end == D(2022, 1, 14) and resolved.text == "Year 2"


@pytest.mark.parametrize("text", ["TBC", "tbd", "To be identified", "to be confirmed", "TBA"])
def test_placeholders_are_no_owner(text):
    assert normalise.parse_owner(text) is None


@pytest.mark.parametrize(("text", "status"), [("Red", ActionStatus.PLANNED), ("AMBER", ActionStatus.IN_PROGRESS),
                                              ("green", ActionStatus.DONE), ("Done", ActionStatus.DONE)])
def test_rag_colours_are_statuses(text, status):
    assert normalise.parse_status_text(text) is status


@pytest.mark.parametrize(("text", "day"), [("14/11/2019", D(2019, 11, 14)), ("Sep 2019", D(2019, 9, 30)),
                                           ("Q2 2020", D(2020, 6, 30)), ("2020/21", D(2021, 7, 31))])
def test_dates_read_before_are_read_as_before(text, day):
    assert normalise.parse_due(text).end == day and not normalise.parse_due(text).milestones


# --- 2. the headings of a table --------------------------------------------------------------------
REAL_HEADERS = ("#", "Action", "Rationale", "Progress", "RAG", "Evidence of success")
REAL_ROWS = [
    ("1", "Launch a Technicians' Network with termly forums and a newsletter",
     "Technicians told us they feel isolated", "Network launched; first forum held", "Green",
     "Attendance at the forums; projected date: September 2020"),
    ("2", "Fund professional registration (RSciTech, EngTech) for technicians", "Few technicians are registered",
     "carried forward", "Amber", "30 technicians registered by July 2021"),
    ("3", "Create a technician apprenticeship scheme", "An ageing workforce", "completed (Year One progress)", "",
     "Two apprentices recruited: Aug 2020; Aug 2021"),
    ("4", "Review job descriptions for technical roles", "Grading is inconsistent", "planned (Oct 2019 update)",
     "Red", "All job descriptions reviewed in Year 2"),
]


def test_headings_map_only_when_they_say_so():
    cmap = actions.map_headers(REAL_HEADERS)
    assert cmap.fields == {"action": 1, "evidence": 5}
    assert cmap.status == (3, 4)
    assert cmap.extra == (0, 2)
    # "contains" is not enough: "Date raised" is not the due date, "Who benefits" is not the owner
    other = actions.map_headers(["Action", "Date raised", "Who benefits", "Lead(s)", "Target date", "Theme"])
    assert other.fields == {"action": 0, "owner": 3, "due": 4, "theme": 5}
    assert other.extra == (1, 2)


def test_a_row_of_a_real_plan_keeps_every_column():
    cmap = actions.map_headers(REAL_HEADERS)
    row = actions.action_fields(cmap, REAL_ROWS[0])
    assert row.values["action"].startswith("Launch a Technicians' Network")
    assert row.values["status"] == "done"  # Progress says no status; RAG Green does
    assert row.values["theme"] == "Visibility" and row.values["due"]["end"] == "2020-09-30"
    assert row.values["inferred"] == ["theme", "due"]
    assert [(e["header"], e["text"]) for e in row.values["extra"]] == [
        ("#", "1"), ("Rationale", "Technicians told us they feel isolated"),
        ("Progress", "Network launched; first forum held"), ("RAG", "Green")]
    assert "owner" not in row.values


def test_stated_values_are_not_marked_inferred():
    cmap = actions.map_headers(["Theme", "Action", "Owner", "Target date", "Evidence", "Status"])
    row = actions.action_fields(cmap, ["Recognition", "Awards", "HR", "Sep 2020", "Awards by July 2021", "Planned"])
    assert row.values["inferred"] == [] and row.values["due"]["end"] == "2020-09-30"
    assert "extra" not in row.values or row.values["extra"] == []


def test_an_owner_placeholder_is_no_owner_and_its_text_is_kept():
    cmap = actions.map_headers(["Action", "Owner"])
    row = actions.action_fields(cmap, ["Survey technicians", "lead staff to be identified"])
    assert "owner" not in row.values
    assert row.values["extra"] == [{"header": "Owner", "text": "lead staff to be identified"}]


# --- 3. a workbook laid out like a real plan -------------------------------------------------------
def plain_return(with_plan: bool = False) -> CanonicalReturn:
    """A complete return without the Word form (whose reader another change may be editing)."""
    plan = [Action(theme=t, action=f"Do {t.value}", owner="HR", due=normalise.parse_due("Sep 2019"),
                   evidence="Survey", status=ActionStatus.PLANNED) for t in Theme] if with_plan else []
    return CanonicalReturn(
        synthetic=True, signatory_name="University of Northgate", stage=1, submission_date=D(2018, 11, 20),
        lead=Person(name="Dr Alex Morgan", email="a.morgan@northgate.ac.uk", phone="01632 960123"),
        profile="A university.", technician_definition="Technical job families.",
        technicians_narrative="412 technicians.", technicians=Technicians(headcount=412, areas=[Area(name="Science",
                                                                                                     headcount=412)]),
        technician_voice="A steering group wrote the plan.", published_url="https://www.northgate.ac.uk/tc",
        action_plan=plan, initiatives_since=[Initiative(text="A technician network", theme=Theme.VISIBILITY)],
        sign_off=SignOffs(lead=SignOff(name="Dr Alex Morgan", date=D(2018, 11, 19)),
                          head=SignOff(name="Prof Sam Lee", date=D(2018, 11, 20))))


def real_plan_workbook(headers=REAL_HEADERS, rows=REAL_ROWS) -> bytes:
    ret = plain_return()
    wb = xlsx_template.build(ret)
    ws = wb["Action plan"]
    ws.delete_rows(1, ws.max_row)
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.from_entry_points()


def read(data: bytes, registry: Registry, name: str = "plan.xlsx"):
    return validate_source(SourceFile(name=name, data=data), registry, context=ParseContext(received=RECEIVED))


def test_the_workbook_reader_keeps_extra_columns_and_marks_what_it_inferred(registry):
    report = read(real_plan_workbook(), registry)
    ret = report.return_
    assert ret is not None and report.plugin == "official_form", report.issues
    plan = ret.action_plan
    assert len(plan) == 4
    assert [a.theme for a in plan] == [Theme.VISIBILITY, Theme.RECOGNITION, Theme.SUSTAINABILITY, Theme.VISIBILITY]
    assert all("theme" in a.inferred and "due" in a.inferred for a in plan)
    assert [a.status for a in plan] == [ActionStatus.DONE, ActionStatus.IN_PROGRESS, ActionStatus.DONE,
                                       ActionStatus.PLANNED]
    assert [a.due.end for a in plan[:3]] == [D(2020, 9, 30), D(2021, 7, 31), D(2021, 8, 31)]
    assert [m.end for m in plan[2].due.milestones] == [D(2020, 8, 31), D(2021, 8, 31)]
    # "Year 2" of the plan: up to the day before its second anniversary
    start = ret.submission_date
    assert plan[3].due.plan_year == 2 and plan[3].due.end == start.replace(year=start.year + 2) - dt.timedelta(1)
    assert all(a.owner is None for a in plan)
    assert [(e.header, e.text) for e in plan[1].extra] == [
        ("#", "2"), ("Rationale", "Few technicians are registered"), ("Progress", "carried forward"),
        ("RAG", "Amber")]
    fields = ret.provenance.fields
    assert fields["/action_plan/0/extra/1"] == "'Action plan'!C2"
    assert "inferred" in fields["/action_plan/0/theme"] and "'Action plan'!F2" in fields["/action_plan/0/due"]
    said = {(i.rule, i.field) for i in report.issues}
    assert ("action.theme", "/action_plan/0/theme") in said  # the report says the theme was suggested
    assert ("action.incomplete", "/action_plan/0/due") in said
    message = next(i.message for i in report.issues if i.field == "/action_plan/0/due")
    assert "September 2020" in message and "inferred" in message


def test_the_template_workbook_is_read_as_before(registry):
    ret = plain_return(with_plan=True)
    wb = xlsx_template.build(ret)
    out = io.BytesIO()
    wb.save(out)
    back = read(out.getvalue(), registry).return_
    assert [a.model_dump(exclude={"extra", "inferred"}) for a in back.action_plan] == \
           [a.model_dump(exclude={"extra", "inferred"}) for a in ret.action_plan]
    assert all(not a.extra and not a.inferred for a in back.action_plan)


def test_the_mapped_workbook_keeps_columns_the_layout_does_not_name(registry):
    from plugins.mapped_workbook import plugin

    wb = openpyxl.load_workbook(Path(plugin.__file__).parent / "samples" / "northmoor-university.xlsx")
    ws = wb["Plan"]
    header = next(r for r in range(1, 10) if any(c.value == "Action" for c in ws[r]))
    col = ws.max_column + 1
    ws.cell(header, col, "Rationale")
    first = header + 1
    ws.cell(first, col, "Technicians asked for it")
    out = io.BytesIO()
    wb.save(out)
    ret = read(out.getvalue(), registry).return_
    assert ret.action_plan[0].extra[0].header == "Rationale"
    assert ret.action_plan[0].extra[0].text == "Technicians asked for it"
    assert not ret.action_plan[0].inferred  # the layout names a theme and a due date column


# --- 4. compliance metrics count stated values only; the warehouse keeps it all --------------------
def landed(slug: str, stage: int, sha: str) -> Landed:
    return Landed(sha256=sha, signatory=slug, stage=stage, path=Path(f"{sha}.xlsx"), original_name="plan.xlsx",
                  sender="test", received_at="2019-11-20T12:00:00+00:00", size=1)


def test_warehouse_keeps_extras_and_flags_and_metrics_count_only_stated_values(tmp_path, registry):
    with_owner = [("Lead", *r) for r in [("Technical Services Manager",)] * len(REAL_ROWS)]
    owned_rows = [(o[1], *r) for o, r in zip(with_owner, REAL_ROWS)]
    stated = real_plan_workbook(("Lead", *REAL_HEADERS[:-1], "Evidence of success", "Target date", "Theme"),
                                [(*r, "Sep 2020", "Visibility") for r in owned_rows])
    inferred = real_plan_workbook(("Lead", *REAL_HEADERS), owned_rows)
    items = [warehouse.Processed(landed("alpha", 1, "a" * 64), read(inferred, registry)),
             warehouse.Processed(landed("beta", 1, "b" * 64), read(stated, registry))]
    assert all(i.report.ok for i in items), [i.report.errors for i in items]
    con = warehouse.connect(tmp_path / "w.duckdb")
    warehouse.write_batch(con, items, "run")
    rows = con.sql("""SELECT theme, theme_inferred, due_inferred, due_milestones, due_plan_year
                      FROM return_actions WHERE submission_id LIKE 'alpha%' ORDER BY ordinal""").fetchall()
    assert [r[:3] for r in rows] == [("Visibility", True, True), ("Recognition", True, True),
                                     ("Sustainability", True, True), ("Visibility", True, True)]
    assert rows[2][3] == [D(2020, 8, 31), D(2021, 8, 31)] and rows[3][4] == 2
    extras = con.sql("""SELECT action_ordinal, position, header, text FROM return_action_extras
                        WHERE submission_id LIKE 'alpha%' ORDER BY action_ordinal, position""").fetchall()
    assert extras[:4] == [(0, 0, "#", "1"), (0, 1, "Rationale", "Technicians told us they feel isolated"),
                          (0, 2, "Progress", "Network launched; first forum held"), (0, 3, "RAG", "Green")]
    values = metric_values(load_frames(con))
    value = lambda s, m: values.filter((pl.col("signatory") == s) & (pl.col("metric") == m))["value"].item()  # noqa: E731
    assert value("alpha", "smart_share") == 0.0  # owner stated, dates only inferred from the evidence
    assert value("alpha", "themes_covered") == 0.0  # themes only inferred
    assert value("alpha", "actions_visibility") == 0.0
    assert value("beta", "smart_share") == 100.0
    assert value("beta", "actions_visibility") == 4.0
    con.close()


# --- 5. the comparison view and the profile show extras and what was inferred ----------------------
@pytest.fixture(scope="module")
def plan_home(tmp_path_factory, registry):
    from dashboards.accounts import AccountStore
    from pipeline.handin import landing
    from pipeline.run import run_pipeline
    from pipeline.settings import Paths

    root = tmp_path_factory.mktemp("real_plans")
    paths = Paths.from_env(root / "home")
    paths.home.mkdir(parents=True)
    shutil.copyfile(DEFAULT_REGISTER, paths.home / "register.csv")
    files = []
    for stage, rows in ((1, REAL_ROWS), (2, REAL_ROWS[:2])):
        path = root / f"stage{stage}.xlsx"
        path.write_bytes(real_plan_workbook(rows=rows))
        received = dt.datetime(2019 + stage, 11, 20, 12, tzinfo=dt.UTC)
        files.append(landing.land_file(path, "imperial", stage, paths.landing, "test", received=received))
    assert run_pipeline(paths, quality=False).success
    store = AccountStore.for_paths(paths)
    store.add_user("inst", "correct horse battery", "institution", "imperial")
    return paths, [f"imperial|{f.stage}|{f.sha256}" for f in files]


def test_the_comparison_view_shows_extra_columns_and_inferred_values(plan_home, monkeypatch):
    from test_dashboard import errors, open_page, texts

    paths, ids = plan_home
    monkeypatch.setenv("TECHBENCH_HOME", str(paths.home))
    monkeypatch.setenv("TECHBENCH_DISCLOSURE_SALT", "test salt")
    at = open_page("institution", "compare", {"submissions": ",".join(ids)}, user="inst")
    assert not errors(at) and not at.exception
    shown = texts(at)
    assert "Rationale" in shown and "Technicians told us they feel isolated" in shown
    assert "theme inferred" in shown and "inferred" in shown


def test_the_profile_action_plan_marks_inferred_values(plan_home, monkeypatch):
    paths, ids = plan_home
    monkeypatch.setenv("TECHBENCH_HOME", str(paths.home))
    monkeypatch.setenv("TECHBENCH_DISCLOSURE_SALT", "test salt")
    from test_dashboard import open_page, table_with

    at = open_page("institution", "profile", {"signatory": "imperial"}, user="inst")
    assert not at.exception
    table = table_with(at, "action")
    assert set(table["theme_inferred"]) <= {"inferred", "stated"}  # said in words, not as a flag
    assert (table["theme_inferred"] == "inferred").all()
    assert table["details"].str.contains("Rationale: ").any()
    assert table["due"].str.contains("(inferred)", regex=False).any()


def test_the_word_form_reads_a_plan_laid_out_as_published():
    """The Word form's plan table with the columns of a published plan: '#', 'Rationale', 'Date raised'
    (not a due date), 'RAG'; no theme, owner or due column."""
    from returns import check, edited_form, set_cell

    def edit(d):
        for col, heading in enumerate(["#", "Action", "Rationale", "Date raised", "Evidence of success", "RAG"], 1):
            set_cell(d, 9, 1, col, heading)
        set_cell(d, 9, 2, 1, "1")
        set_cell(d, 9, 2, 2, "Support technicians to gain professional registration (RSciTech, RSci)")
        set_cell(d, 9, 2, 5, "Directory live by End of November 2020; page views reported")
        set_cell(d, 9, 2, 6, "Amber")

    report = check(edited_form(edit))
    first = report.return_.action_plan[0]
    extra = {e.header: e.text for e in first.extra}
    assert extra["#"] == "1" and "Rationale" in extra and "Date raised" in extra and extra["RAG"] == "Amber"
    assert first.owner is None  # no column says owner: 'Rationale' is not one
    assert first.status.value == "in progress"  # Amber
    assert first.theme == Theme.RECOGNITION and "theme" in first.inferred  # suggested from the wording, marked
    assert "due" in first.inferred and first.due.end == dt.date(2020, 11, 30)  # from the evidence text
    assert report.ok, report.issues  # a plan laid out as published is a valid return
