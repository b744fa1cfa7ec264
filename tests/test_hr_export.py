"""The HR-export plugin: a return handed in as one zip of coded CSV files and a Markdown narrative.

What a signatory's data team relies on: an export written by techbench reads back as the same
return; the shipped sample is accepted as it is; every code or value that cannot be read is
reported at its file, line and column with the codes that would be valid; damaged or hostile zips
end in a plain rejection, never a traceback and never a file written to disk.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import zipfile
from pathlib import Path

import pytest
from returns import CONTEXT, NORTHGATE, northgate, registry

from pipeline.kit.hooks import ParseContext, SourceFile
from pipeline.schema import (
    Action,
    Area,
    DatePrecision,
    DueDate,
    Initiative,
    Metric,
    Register,
    Registration,
    Theme,
)
from pipeline.validation.validate import FileReport, validate_path, validate_source
from plugins.hr_export import codes, reader, writer
from plugins.hr_export.plugin import INFO, techbench_detect
from plugins.hr_export.sample import RECEIVED, sample_return

SAMPLE = Path(INFO.samples[0])
AT_RECEIPT = ParseContext(received=RECEIVED)


# --- helpers ------------------------------------------------------------------------------------

def members(data: bytes | None = None) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data or SAMPLE.read_bytes())) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def rezip(parts: dict[str, bytes] | list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in (parts.items() if isinstance(parts, dict) else parts):
            zf.writestr(name, data)
    return buf.getvalue()


def edited(member: str, old: str, new: str) -> bytes:
    """The sample export with one text replaced in one member (which must contain it)."""
    parts = members()
    text = parts[member].decode("utf-8-sig")
    assert old in text, (member, old)
    parts[member] = text.replace(old, new, 1).encode("utf-8-sig")
    return rezip(parts)


# What a lead must never be shown: Python's own words for what went wrong.
TECHNICAL = re.compile(r"Traceback|File \"|\b[A-Z]\w*(?:Error|Exception)\b|\[Errno|\bb'|\\x[0-9a-f]{2}|<\w+ object")


def check(data: bytes, name: str = "export.zip", context: ParseContext = AT_RECEIPT, **kw) -> FileReport:
    """Validate as techbench does, and hold every issue to the standard: a place, and a plain sentence."""
    report = validate_source(SourceFile(name=name, data=data), registry(), context=context, **kw)
    for issue in report.issues:
        assert issue.location.strip(), issue
        assert issue.message[0].isupper() or issue.message[0] in "'\"", issue
        assert not TECHNICAL.search(issue.message), issue
    return report


def at(report: FileReport, location: str):
    found = [i for i in report.issues if i.location == location]
    assert found, f"no issue at {location!r}: {report.issues}"
    return found


def rich_return():
    ret = northgate()
    ret.synthetic = True
    ret.registrations = [Registration(name=Register.RSCITECH, count=12),
                         Registration(name=Register.CENG, count=3),
                         Registration(name=Register.RENVTECH, count=1),
                         Registration(name=Register.OTHER, count=2, label="Institute of Science & Technology")]
    ret.other_metrics = [Metric(name="apprentices", count=4), Metric(name="mentors", count=17.0),
                         Metric(name="CPD hours per technician", count=31.5)]
    dues = [DueDate(precision=DatePrecision.DAY, end=dt.date(2019, 3, 29), text="29/03/2019"),
            DueDate(precision=DatePrecision.QUARTER, end=dt.date(2019, 9, 30), text="Q3 2019"),
            DueDate(precision=DatePrecision.YEAR, end=dt.date(2019, 12, 31), text="2019"),
            DueDate(precision=DatePrecision.YEAR, end=dt.date(2020, 7, 31), text="2019/20")]
    for action, due in zip(ret.action_plan, dues):
        action.due = due
    ret.provenance = None
    return ret


def dump(ret) -> dict:
    return ret.model_dump(exclude={"provenance"})


# --- writing and reading back -------------------------------------------------------------------

def test_a_rich_return_reads_back_as_written(tmp_path):
    original = rich_return()
    path = registry().get("hr_export").write(original, tmp_path, "northgate", None)
    assert path == tmp_path / "northgate.zip"
    report = validate_path(path, registry(), context=ParseContext(received=CONTEXT.received))
    assert report.plugin == "hr_export"
    assert report.ok and report.issues == []
    assert dump(report.return_) == dump(original)
    assert report.return_.provenance.fields["/registrations/3/label"] == "registrations.csv, line 5, column 'label'"


def test_the_export_uses_codes_and_iso_dates_and_carries_the_total(tmp_path):
    path = registry().get("hr_export").write(rich_return(), tmp_path, "x", "zip")
    parts = {name: data.decode("utf-8-sig") for name, data in members(path.read_bytes()).items()}
    assert set(codes.MEMBERS) <= set(parts)
    assert "SC-RSCITECH,,12" in parts["registrations.csv"] and "OTHER,Institute of Science & Technology,2" in \
        parts["registrations.csv"]
    assert "TOTAL,412,393.9" in parts["technical_staff.csv"]
    assert "FACSCI,Faculty of Science" in parts["departments.csv"]
    assert ",VIS,Publish a directory" in parts["actions.csv"]
    assert ",2019-Q3,Q3 2019," in parts["actions.csv"] and ",2019/20,," in parts["actions.csv"]
    assert "head_signoff_date,2018-11-20" in parts["submission.csv"]
    assert "\n## Technician voice\n" in parts["narrative.md"]


def test_blank_values_survive_the_round_trip_as_blanks(tmp_path):
    ret = rich_return()
    ret.lead.email = None
    ret.action_plan[0].owner = None
    ret.sign_off.head.date = None
    ret.technician_voice = None
    ret.submission_date = dt.date(2018, 11, 14)  # the remaining sign-off
    path = registry().get("hr_export").write(ret, tmp_path, "x", None)
    report = validate_path(path, registry(), context=CONTEXT)
    assert dump(report.return_) == dump(ret)
    assert {(i.rule, i.field, i.location) for i in report.issues} == {
        ("required", "/lead/email", "submission.csv, line 10, column 'value'"),
        ("action.incomplete", "/action_plan/0/owner", "actions.csv, line 2, column 'owner'"),
        ("signoff.missing", "/sign_off/head/date", "submission.csv, line 16, column 'value'"),
        ("required", "/technician_voice", "narrative.md, line 18 (the section is empty)"),
    }


def test_awkward_values_survive_the_round_trip(tmp_path):
    ret = rich_return()
    ret.profile = "## Not a heading: our profile starts with hashes\n\n# nor this\n\\## nor this, escaped already"
    ret.technicians.areas = [Area(name="Département de Génie, \"Nord\"", headcount=200, fte=190.5),
                             Area(name="Département de Génie, \"Nord\"", headcount=100),
                             Area(name="Total Sciences", headcount=112, fte=None)]
    ret.technicians.fte = None
    ret.initiatives_before = [Initiative(text="Line one, with a comma\nline two with \"quotes\" and £500")]
    ret.action_plan.append(Action())  # a row with nothing filled in is still a row
    ret.action_plan.append(Action(theme=Theme.RECOGNITION, action="Review", owner="Lead",
                                  due=DueDate(precision=DatePrecision.ONGOING, text="Ongoing"), evidence="Minutes"))
    ret.registrations.append(Registration(name=Register.CSCI, count=1, label="CSci via the RSC"))
    path = registry().get("hr_export").write(ret, tmp_path, "x", None)
    report = validate_path(path, registry(), context=CONTEXT)
    assert report.ok, report.errors
    assert dump(report.return_) == dump(ret)


def test_the_synthetic_mark_is_visible_and_a_real_export_is_not_synthetic():
    parts = members()
    assert parts["README.txt"].decode().startswith("SYNTHETIC DATA: generated by techbench")
    assert b"synthetic,SYNTHETIC DATA: generated by techbench" in parts["submission.csv"]
    real = {name: data for name, data in parts.items() if name != "README.txt"}
    real["submission.csv"] = b"\n".join(line for line in parts["submission.csv"].split(b"\n")
                                        if not line.startswith(b"synthetic,"))
    report = check(rezip(real))
    assert report.ok and report.return_.synthetic is False


def test_the_writer_is_deterministic(tmp_path):
    ret, plugin = rich_return(), registry().get("hr_export")
    first, second = plugin.write(ret, tmp_path, "a", None), plugin.write(ret, tmp_path, "b", None)
    assert first.read_bytes() == second.read_bytes()


# --- the shipped sample -------------------------------------------------------------------------

def test_the_shipped_sample_is_accepted_without_issues_and_chosen_by_detection():
    report = validate_path(SAMPLE, registry(), context=AT_RECEIPT)
    assert report.plugin == "hr_export"
    assert report.ok and report.issues == []
    assert report.return_.synthetic is True
    assert dump(report.return_) == dump(sample_return())


def test_the_shipped_sample_is_what_the_writer_makes_of_the_sample_return():
    """Regenerate with `.venv/bin/python -m plugins.hr_export.sample` after changing the writer."""
    assert members(writer.to_bytes(sample_return())) == members()


@pytest.mark.parametrize("data, expected", [
    (SAMPLE.read_bytes(), "high"),
    (rezip({f"hr_export_2019/{n}": d for n, d in members().items()}), "high"),  # zipped as a folder
    (NORTHGATE.read_bytes(), 0.0),  # a .docx is a zip too
    (rezip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>",
            "xl/worksheets/actions.csv": b"x"}), 0.0),  # so is an .xlsx
    (rezip({"notes.txt": b"technicians", "photo.jpg": b"\xff\xd8"}), 0.0),
    (b"key,value\ninstitution_name,Northgate\n", 0.0),
    (b"PK\x03\x04 cut short", 0.0),
    (b"", 0.0),
])
def test_detection_looks_at_the_zip_names_only(data, expected):
    score = techbench_detect(SourceFile("export.zip", data))
    assert score >= 0.9 if expected == "high" else score == expected


def test_an_export_zipped_as_a_folder_is_read_with_its_paths_in_the_locations():
    data = edited("actions.csv", "A03,REC", "A03,XYZ")
    data = rezip({f"export/{name}": content for name, content in members(data).items()})
    report = check(data)
    assert report.plugin == "hr_export" and report.ok
    at(report, "export/actions.csv, line 4, column 'theme_code'")


# --- codes and lookups --------------------------------------------------------------------------

def test_an_unknown_theme_code_is_reported_at_its_line_and_column_with_the_valid_codes():
    report = check(edited("actions.csv", "A03,REC", "A03,RECOG"))
    [issue] = at(report, "actions.csv, line 4, column 'theme_code'")
    assert issue.rule == "parse.theme" and issue.field == "/action_plan/2/theme"
    assert "'RECOG'" in issue.message and all(code in issue.message for code in codes.THEMES)
    assert report.return_.action_plan[2].theme is None
    assert [i.field for i in report.issues].count("/action_plan/2/theme") == 1  # not repeated by the rules


def test_codes_are_read_whatever_their_case_and_padding():
    report = check(edited("actions.csv", "A03,REC,", "A03, rec ,"))
    assert report.issues == [] and report.return_.action_plan[2].theme is Theme.RECOGNITION


def test_a_department_code_missing_from_the_lookup_is_an_error_at_its_line():
    report = check(edited("technical_staff.csv", "ITDIGSER,37", "ITDIGSE,37"))
    assert not report.ok
    [issue] = at(report, "technical_staff.csv, line 3, column 'dept_code'")
    assert issue.severity == "error" and "'ITDIGSE'" in issue.message and "departments.csv" in issue.message
    assert report.return_.technicians.areas[1].headcount == 37  # the row still counts towards the total


@pytest.mark.parametrize("member, old, new, location, rule, severity", [
    ("registrations.csv", "SC-RSCI,", "SC-RSCIENTIST,", "registrations.csv, line 3, column 'reg_code'",
     "export.code", "error"),
    ("actions.csv", ",DRP", ",CANCELLED", "actions.csv, line 8, column 'status_code'", "parse.status", "warning"),
    ("initiatives.csv", "S,VIS,", "X,VIS,", "initiatives.csv, line 10, column 'phase'", "export.code", "error"),
    ("initiatives.csv", "S,REC,", "S,RCG,", "initiatives.csv, line 5, column 'theme_code'", "parse.theme", "warning"),
    ("measures.csv", "APPR,apprentices,0", "APPR,apprentices,none", "measures.csv, line 2, column 'value'",
     "parse.number", "error"),
    ("technical_staff.csv", "FACARTHUM,34,", "FACARTHUM,34 people,", "technical_staff.csv, line 2, column 'headcount'",
     "parse.number", "error"),
    ("submission.csv", "lead_signoff_date,2019-06-15", "lead_signoff_date,21st of Juin",
     "submission.csv, line 14, column 'value'", "parse.date", "error"),
    ("submission.csv", "stage,1", "stage,12", "submission.csv, line 7, column 'value'", "parse.stage", "error"),
    ("actions.csv", "2020-03,Mar 2020", "2020-13,", "actions.csv, line 2, column 'due'", "parse.date", "warning"),
])
def test_unreadable_values_are_reported_where_they_are(member, old, new, location, rule, severity):
    report = check(edited(member, old, new))
    issues = at(report, location)
    assert (issues[0].rule, issues[0].severity) == (rule, severity), issues
    assert report.return_ is not None  # the rest of the return is still read


def test_an_unknown_register_code_lists_the_codes_and_is_not_counted():
    report = check(edited("registrations.csv", "SC-RSCI,", "SC-RSCIENTIST,"))
    [issue] = at(report, "registrations.csv, line 3, column 'reg_code'")
    assert all(code in issue.message for code in codes.REGISTERS)
    assert Register.RSCI not in [r.name for r in report.return_.registrations]


def test_a_due_code_and_its_text_that_disagree_are_pointed_out():
    report = check(edited("actions.csv", "2020-Q1,Q1 2020", "2020-Q1,Q2 2020"))
    [issue] = at(report, "actions.csv, line 5, column 'due_text'")
    assert issue.rule == "export.due_mismatch" and report.ok
    assert report.return_.action_plan[3].due.end == dt.date(2020, 3, 31)  # the code wins


def test_a_due_date_written_as_people_write_it_is_still_read():
    report = check(edited("actions.csv", "2020-03,Mar 2020", "March 2020,"))
    assert report.issues == []
    assert report.return_.action_plan[0].due.end == dt.date(2020, 3, 31)


# --- missing parts --------------------------------------------------------------------------------

def test_a_missing_actions_file_is_a_required_error_naming_the_file():
    parts = members()
    del parts["actions.csv"]
    report = check(rezip(parts))
    assert report.plugin == "hr_export" and not report.ok
    [issue] = at(report, "actions.csv")
    assert issue.rule == "required" and issue.severity == "error" and "actions.csv" in issue.message
    assert [i.field for i in report.issues].count("/action_plan") == 1


def test_a_missing_total_row_is_an_error_not_a_silent_sum():
    report = check(edited("technical_staff.csv", "TOTAL,106,101.2\r\n", ""))
    [issue] = at(report, "technical_staff.csv")
    assert issue.rule == "required" and "TOTAL" in issue.message and "106" in issue.message
    assert report.return_.technicians.headcount is None


def test_a_missing_column_is_named_at_the_header_line():
    report = check(edited("actions.csv", ",owner,", ",responsible_person,"))
    [issue] = at(report, "actions.csv, line 1")
    assert issue.rule == "export.columns" and "'owner'" in issue.message
    assert report.return_.action_plan[0].owner is None


def test_a_missing_narrative_section_is_located_in_the_narrative():
    report = check(edited("narrative.md", "## Technician voice", "## Staff consultation"))
    assert not report.ok
    at(report, "narrative.md, line 17")  # the heading that is not one techbench reads
    [missing] = [i for i in report.issues if i.field == "/technician_voice"]
    assert missing.rule == "required" and missing.location == "narrative.md (no '## Technician voice' section)"


# --- how the files arrive -------------------------------------------------------------------------

def test_windows_1252_csv_files_are_read():
    parts = members()
    parts["departments.csv"] = ("dept_code,dept_name\r\nFACARTHUM,Faculty of Arts and Humanities\r\n"
                                "ITDIGSER,Département des Services Numériques\r\n"
                                "RESCORFAC,Research Core Facilities\r\n").encode("cp1252")
    text = parts["initiatives.csv"].decode("utf-8-sig")
    assert "An annual technical staff conference" in text
    text = text.replace("An annual technical staff conference", "An annual technical staff conference (up to £500 a year)")
    parts["initiatives.csv"] = text.encode("cp1252")
    report = check(rezip(parts))
    assert report.ok and report.issues == []
    assert report.return_.technicians.areas[1].name == "Département des Services Numériques"
    assert "(up to £500 a year)" in report.return_.initiatives_before[1].text


@pytest.mark.parametrize("encoding, separator", [("utf-8", ","), ("utf-8-sig", ";"), ("utf-16", "\t")])
def test_csv_files_are_read_in_the_encodings_and_separators_excel_saves(encoding, separator):
    parts = members()
    parts["departments.csv"] = (f"dept_code{separator}dept_name\r\nFACARTHUM{separator}École des Beaux-Arts\r\n"
                                f"ITDIGSER{separator}IT Services\r\n"
                                f"RESCORFAC{separator}Core Facilities\r\n").encode(encoding)
    report = check(rezip(parts))
    assert report.ok and report.issues == []
    assert [a.name for a in report.return_.technicians.areas] == [
        "École des Beaux-Arts", "IT Services", "Core Facilities"]


def test_columns_are_found_by_name_in_any_order_case_and_line_ending():
    parts = members()
    rows = [line.split(",") for line in parts["technical_staff.csv"].decode("utf-8-sig").splitlines()]
    rows = [[r[2], r[0], r[1]] for r in rows]
    rows[0] = ["FTE", "Dept Code", "Headcount"]
    parts["technical_staff.csv"] = "\n".join(",".join(r) for r in rows).encode("utf-8")  # no BOM, LF
    parts["departments.csv"] = parts["departments.csv"].replace(b",", b";")  # Excel in a comma-decimal locale
    report = check(rezip(parts))
    assert report.ok and report.issues == []
    assert dump(report.return_) == dump(check(SAMPLE.read_bytes()).return_)


def test_an_unclosed_quote_is_pointed_at_instead_of_silently_swallowing_the_rest():
    report = check(edited("actions.csv", "A08,EVI,Review and extend", 'A08,EVI,"Review and extend'))
    assert not report.ok
    [issue] = at(report, "actions.csv, line 9")
    assert issue.rule == "export.quotes" and "never closed" in issue.message


# --- bad and hostile input ------------------------------------------------------------------------

@pytest.mark.parametrize("data", [
    bytes(random.Random(1).randrange(256) for _ in range(3000)),
    b"PK\x03\x04" + bytes(range(256)) * 4,
    SAMPLE.read_bytes()[:700],
])
def test_garbage_is_rejected_without_an_exception(data):
    for plugin in (None, "hr_export"):
        report = check(data, plugin=plugin)
        assert not report.ok and report.issues
        assert all(i.rule != "plugin.failed" for i in report.issues)


def test_a_zip_of_unrelated_files_is_not_taken_for_an_export():
    data = rezip({"notes.txt": b"Technician Commitment notes\n", "budget.csv": b"item,cost\nlab,100\n"})
    report = check(data)
    assert not report.ok and report.plugin is None
    assert [i.rule for i in report.issues] == ["file.unknown_format"]
    forced = check(data, plugin="hr_export")
    assert not forced.ok and forced.return_ is None and [i.rule for i in forced.issues] == ["form.not_a_return"]


def test_members_with_paths_outside_the_export_are_ignored_and_never_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    parts = list(members().items()) + [("../actions.csv", b"action_id,theme_code\r\nZ,NOPE\r\n"),
                                       ("/etc/evil.csv", b"x"), ("..\\..\\evil.txt", b"x")]
    report = check(rezip(parts))
    assert report.ok, report.errors
    assert {i.rule for i in report.issues} == {"export.unsafe_path"}
    assert len(report.return_.action_plan) == len(sample_return().action_plan)  # the real actions.csv, not the one outside
    assert not (tmp_path.parent / "actions.csv").exists() and not list(tmp_path.iterdir())


def test_an_export_whose_only_actions_file_lies_outside_it_misses_its_actions():
    parts = members()
    parts["../actions.csv"] = parts.pop("actions.csv")
    report = check(rezip(parts))
    assert not report.ok
    assert at(report, "actions.csv")[0].rule == "required"
    assert at(report, "zip member '../actions.csv'")[0].rule == "export.unsafe_path"


def test_a_member_over_20mb_is_refused_by_its_declared_size_without_inflating_it():
    parts = members()
    parts["narrative.md"] = bytes(21 * 1024 * 1024)
    data = rezip(parts)
    # intake refuses this as a zip bomb first; the plugin must refuse it too when given it directly
    result = registry().get("hr_export").parse(SourceFile("export.zip", data), AT_RECEIPT)
    [issue] = [i for i in result.issues if i.location == "narrative.md"]
    assert issue.rule == "file.too_large" and "20 MB" in issue.message


def test_damaged_exports_never_raise():
    """Bytes of the sample flipped at random: whatever the reader makes of it, it answers."""
    rng = random.Random(7)
    original = SAMPLE.read_bytes()
    for _ in range(300):
        data = bytearray(original)
        for _ in range(rng.randint(1, 12)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        result = reader.read(SourceFile("export.zip", bytes(data)), INFO, AT_RECEIPT)  # raises on a bug
        assert result.return_ is not None or result.issues


def test_the_readme_documents_every_file_and_code():
    text = (Path(reader.__file__).parent / "README.md").read_text()
    for word in [*codes.MEMBERS, *codes.THEMES, *codes.STATUSES, *codes.REGISTERS, *codes.MEASURE_CODES,
                 *codes.PHASES, codes.TOTAL, codes.ONGOING, *codes.TEXT_KEYS, *codes.DATE_KEYS,
                 *codes.NARRATIVE_SECTIONS.values(), codes.SYNTHETIC_MARK]:
        assert f"`{word}`" in text or f"## {word}" in text or word in {line.strip() for line in text.splitlines()}, word
    for columns in codes.COLUMNS.values():
        for column in columns:
            assert f"`{column.name}`" in text, column.name
