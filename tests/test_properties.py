"""Properties of validation over any input: whatever bytes are handed in, techbench answers with a
report (never an exception), every issue says where in the file it is, and a refused file says
why. Inputs: arbitrary bytes under several names, the valid sample form damaged byte by byte or
edited cell by cell with python-docx, and arbitrary or mutated JSON."""

from __future__ import annotations

import copy
import io
import json
import os
import re
import zipfile
from pathlib import Path

import docx
import openpyxl
from openpyxl.cell.cell import MergedCell
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.kit.intake import Limits
from pipeline.kit.hooks import ParseContext, SourceFile
from pipeline.registry import Registry
from pipeline.validation.validate import FileReport, validate_source

SAMPLE = Path(__file__).resolve().parents[1] / "plugins" / "official_form" / "samples" / \
    "example_return_northgate_stage1.docx"
SAMPLE_BYTES = SAMPLE.read_bytes()
REGISTRY = Registry.from_entry_points()
STAGE1 = ParseContext(stage=1)
LIMITS = Limits()

# Fields a reader or a rule fills in only when something raised inside it: never expected.
CAUGHT_CRASHES = {"plugin.failed", "internal.error"}

NAMES = st.sampled_from(["return.docx", "return.xlsx", "return.json", "return.bin", "return", "RETURN.DOCX"])
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SCALE = float(os.environ.get("TECHBENCH_PROPERTY_SCALE", "1"))  # e.g. 20 for a long search


def examples(n: int) -> int:
    return max(1, int(n * SCALE))


DATES = st.dates()
# Inputs that hit a bug already known (see "Known failures" at the end) are left out of the
# strategies until it is fixed, so that a failure here is always news: an infinite or NaN FTE in
# JSON is accepted. Once fixed, use st.floats() here.
FINITE = st.floats(allow_nan=False, allow_infinity=False)


def check(name: str, data: bytes, context: ParseContext | None = STAGE1) -> FileReport:
    report = validate_source(SourceFile(name, data), REGISTRY, context=context, limits=LIMITS)
    assert_structured(report)
    return report


def assert_structured(report: FileReport) -> None:
    assert isinstance(report, FileReport)
    for issue in report.issues:
        assert issue.severity in ("error", "warning"), issue
        assert issue.location.strip(), issue
        assert issue.message.strip() and issue.rule.strip(), issue
        assert issue.rule not in CAUGHT_CRASHES, issue
    if report.ok:
        assert report.return_ is not None
    else:
        assert report.errors, "refused without saying why"
    json.loads(json.dumps(report.to_json(), allow_nan=False))  # the --json report is valid JSON


def sample_report() -> FileReport:
    report = validate_source(SourceFile(SAMPLE.name, SAMPLE_BYTES), REGISTRY, context=STAGE1, limits=LIMITS)
    assert report.ok, report.issues
    return report


CANONICAL = sample_report().return_.model_dump(mode="json", exclude={"provenance"})


# --- (1) arbitrary bytes ------------------------------------------------------------------------

MAGIC = st.sampled_from([b"", b"PK\x03\x04", b"PK\x05\x06", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"{",
                         b"\xef\xbb\xbf{", b'{"schema_version": "1.0", ', b" \n\t", b"\xef\xbb\xbf"])


@settings(max_examples=examples(300), **SETTINGS)
@given(name=NAMES, prefix=MAGIC, body=st.binary(max_size=3000))
def test_any_bytes_get_a_structured_report(name, prefix, body):
    check(name, prefix + body)


ZIP_PART_NAMES = st.sampled_from(["[Content_Types].xml", "_rels/.rels", "word/document.xml",
                                  "word/_rels/document.xml.rels", "xl/workbook.xml", "docProps/core.xml",
                                  "word/styles.xml", "../../evil.xml", "word/media/image1.png"])


@pytest.mark.filterwarnings("ignore:Duplicate name")
@settings(max_examples=examples(100), **SETTINGS)
@given(name=NAMES, parts=st.lists(st.tuples(ZIP_PART_NAMES, st.one_of(st.binary(max_size=300),
                                                                      st.sampled_from([b"", b"<a/>", b"<?xml"]))),
                                  max_size=6),
       method=st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))
def test_any_zip_of_office_like_parts_gets_a_structured_report(name, parts, method):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for part, content in parts:
            zf.writestr(part, content)
    check(name, buf.getvalue())


# --- (2) the sample form, damaged byte by byte ----------------------------------------------------

def edits(size: int):
    """Byte edits of a ``size``-byte file: overwrite one byte, cut the rest off, insert bytes."""
    return st.lists(st.one_of(
        st.tuples(st.just("flip"), st.integers(0, size - 1), st.integers(0, 255)),
        st.tuples(st.just("cut"), st.integers(0, size - 1), st.just(0)),
        st.tuples(st.just("insert"), st.integers(0, size - 1), st.binary(min_size=1, max_size=64)),
    ), min_size=1, max_size=5)


def apply_edits(data: bytes, edits) -> bytes:
    out = bytearray(data)
    for kind, pos, value in edits:
        pos = min(pos, len(out))
        if kind == "flip" and pos < len(out):
            out[pos] = value
        elif kind == "cut":
            del out[pos:]
        elif kind == "insert":
            out[pos:pos] = value
    return bytes(out)


@settings(max_examples=examples(150), **SETTINGS)
@given(name=NAMES, changes=edits(len(SAMPLE_BYTES)))
def test_the_sample_damaged_byte_by_byte_gets_a_structured_report(name, changes):
    check(name, apply_edits(SAMPLE_BYTES, changes))


with zipfile.ZipFile(io.BytesIO(SAMPLE_BYTES)) as _zf:
    SAMPLE_PARTS = [(info.filename, _zf.read(info)) for info in _zf.infolist()]
DOCUMENT_XML = dict(SAMPLE_PARTS)["word/document.xml"]


@settings(max_examples=examples(100), **SETTINGS)
@given(changes=edits(len(DOCUMENT_XML)))
def test_the_sample_with_its_word_xml_damaged_gets_a_structured_report(changes):
    """Damage inside the zip, to the XML itself, so that the Word reader (not the zip check) meets it."""
    xml = apply_edits(DOCUMENT_XML, changes)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for part, content in SAMPLE_PARTS:
            zf.writestr(part, xml if part == "word/document.xml" else content)
    check("return.docx", buf.getvalue())


# --- (2) the sample form, edited with python-docx -------------------------------------------------

XML_TEXT = st.characters(blacklist_categories=("Cs", "Cc", "Cn"))
CELL_VALUES = st.sampled_from([
    "", " ", "0", "-1", "-0", "412", "1,204", "1 204", "12.5", "0.5", "1e3", "9" * 400, "12345678901234567890",
    "-" + "9" * 30, "NaN", "inf", "Total", "TOTAL", "Grand total", "31/02/2020", "29/02/2019", "2020-13-45",
    "00/00/0000", "1/1/1", "Q5 2020", "Q2 2020", "2020/21", "Ongoing", "Sep 2019", "Sept 2019", "14th November 2018",
    "9999", "0001-01-01", "٤١٢", "𝟜𝟙𝟚", "½", "²", "Ⅻ", "Visibility", "CAREER DEVELOPMENT", "Theme: Recognition - x",
    "Done", "RAG", "n/a", "TBC", "a@b", "not an email", "https://", "www.", "Stage 2", "stage 9", "\n\n", "\t",
    "€£¥", "🙂" * 20, "x" * 5000, "Organisation:", "E-mail:", "Signed", "Date", "Number of technicians",
])
CELL_TEXT = st.one_of(
    CELL_VALUES,
    st.text(XML_TEXT, max_size=40),
    st.lists(st.text(XML_TEXT, max_size=20), max_size=3).map("\n".join),
    st.integers().map(str),
    st.floats().map(str),
    DATES.map(lambda d: d.strftime("%d/%m/%Y")),
    DATES.map(lambda d: d.isoformat()),
)


NUMBER_TEXT = st.one_of(
    st.sampled_from(["0", "-0", "-1", "1.5", "0.001", "1,000,000", "1e400", ".5", "5.", "+3", "--1",
                     "12345678901234567890", "9" * 400, "-" + "9" * 400, "9" * 400 + ".0"]),
    st.integers().map(str),
    st.integers(min_value=-(10 ** 400), max_value=10 ** 400).map(str),
    st.floats(allow_nan=False).map(str),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
)
DATE_TEXT = st.one_of(
    st.sampled_from(["31/12/9999", "01/01/0001", "29/02/2100", "31/12/2100", "1/1/1990", "Q4 2100", "Dec 2100",
                     "2100", "2100/01", "2099/00", "00/2020", "13/2020", "0/0/0"]),
    DATES.map(lambda d: d.strftime("%d/%m/%Y")),
    DATES.map(lambda d: d.isoformat()),
    DATES.map(lambda d: d.strftime("%b %Y")),
    DATES.map(lambda d: f"Q{(d.month + 2) // 3} {d.year}"),
)


def _find_table(document, words: str) -> int:
    return next(i for i, t in enumerate(document.tables) if words in " ".join(c.text for c in t.rows[0].cells))


_SAMPLE_DOCUMENT = docx.Document(io.BytesIO(SAMPLE_BYTES))
AREAS_TABLE = _find_table(_SAMPLE_DOCUMENT, "FTE")
ACTIONS_TABLE = _find_table(_SAMPLE_DOCUMENT, "Target date")
SIGN_OFF_TABLE = _find_table(_SAMPLE_DOCUMENT, "Signed")
VALUE_TABLES = [i for i, t in enumerate(_SAMPLE_DOCUMENT.tables) if len(t.columns) > 1]


ANY_TABLE = st.integers(0, 40)  # taken modulo the number of tables left, as are rows and columns
FORM_EDITS = st.one_of(
    st.tuples(st.just("set"), st.one_of(ANY_TABLE, st.sampled_from(VALUE_TABLES)), st.integers(0, 40),
              st.integers(0, 10), CELL_TEXT),
    st.tuples(st.just("set"), st.just(AREAS_TABLE), st.integers(1, 40), st.sampled_from([1, 2]), NUMBER_TEXT),
    st.tuples(st.just("set"), st.just(ACTIONS_TABLE), st.integers(1, 40), st.just(3), DATE_TEXT),
    st.tuples(st.just("set"), st.just(SIGN_OFF_TABLE), st.integers(0, 40), st.just(1), DATE_TEXT),
    st.tuples(st.just("delete row"), ANY_TABLE, st.integers(0, 40)),
    st.tuples(st.just("add row"), ANY_TABLE, st.lists(CELL_TEXT, max_size=6)),
    st.tuples(st.just("delete table"), ANY_TABLE),
    st.tuples(st.just("first paragraph"), CELL_TEXT),
)


def edit_form(edits) -> bytes:
    """The sample form with ``edits`` applied in python-docx, saved as a .docx."""
    document = docx.Document(io.BytesIO(SAMPLE_BYTES))
    for kind, *args in edits:
        tables = document.tables
        if kind == "first paragraph":
            document.paragraphs[0].insert_paragraph_before(args[0])
            continue
        if not tables:
            continue
        table = tables[args[0] % len(tables)]
        if kind == "delete table":
            table._element.getparent().remove(table._element)
        elif kind == "add row" and table.rows:
            new = table.add_row()
            for cell, text in zip(new.cells, args[1]):
                cell.text = text
        elif kind in ("set", "delete row") and table.rows:
            row = table.rows[args[1] % len(table.rows)]
            if kind == "delete row":
                table._tbl.remove(row._tr)
            elif cells := row.cells:
                cells[args[2] % len(cells)].text = args[3]
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


@settings(max_examples=examples(150), **SETTINGS)
@given(edits=st.lists(FORM_EDITS, min_size=1, max_size=8), stage=st.sampled_from([None, 1, 2, 3]))
def test_the_sample_form_edited_cell_by_cell_gets_a_located_report(edits, stage):
    report = check("return.docx", edit_form(edits), ParseContext(stage=stage))
    assert report.plugin == "official_form"  # still a Word file: the form reader answers, not intake


# --- (2) every plugin's own valid samples, damaged ------------------------------------------------

PLUGIN_SAMPLES = sorted({(Path(path).name, Path(path).read_bytes()) for plugin in REGISTRY
                         for path in plugin.info.samples})
PACKAGED_SAMPLES = [(name, data) for name, data in PLUGIN_SAMPLES if data.startswith(b"PK\x03\x04")]
# Known failure (see the end): the faculty workbook reader raises on a cleared heading, so its
# sample is left out of the cell-by-cell edits until that is fixed.
WORKBOOK_SAMPLES = [(name, data) for name, data in PACKAGED_SAMPLES
                    if name.endswith(".xlsx") and not name.startswith("faculty_workbook")]


def test_every_plugin_sample_is_accepted():
    """The samples the properties below damage are valid to begin with."""
    assert SAMPLE.name in {name for name, _ in PLUGIN_SAMPLES}
    for name, data in PLUGIN_SAMPLES:
        report = check(name, data, None)
        assert report.ok, (name, report.issues)


@settings(max_examples=examples(100), **SETTINGS)
@given(sample=st.sampled_from(PLUGIN_SAMPLES), changes=st.data())
def test_every_plugin_sample_damaged_byte_by_byte_gets_a_structured_report(sample, changes):
    name, data = sample
    check(name, apply_edits(data, changes.draw(edits(len(data)), label="edits")), None)


@settings(max_examples=examples(100), **SETTINGS)
@given(sample=st.sampled_from(PACKAGED_SAMPLES), choice=st.data())
def test_every_packaged_sample_with_one_part_damaged_gets_a_structured_report(sample, choice):
    """One part of a Word/Excel/zip sample (its XML, CSV or text) damaged, the package intact."""
    name, data = sample
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        parts = [(info.filename, zf.read(info)) for info in zf.infolist()]
    target = choice.draw(st.sampled_from([n for n, content in parts if content]), label="part")
    content = dict(parts)[target]
    damaged = apply_edits(content, choice.draw(edits(len(content)), label="edits"))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for part, old in parts:
            zf.writestr(part, damaged if part == target else old)
    check(name, buf.getvalue(), None)


SHEET_VALUES = st.one_of(st.none(), st.booleans(), st.integers(), FINITE, DATES, st.datetimes(), CELL_TEXT,
                         NUMBER_TEXT, DATE_TEXT)
WORKBOOK_EDITS = st.one_of(
    st.tuples(st.just("set"), st.integers(0, 20), st.integers(1, 60), st.integers(1, 12), SHEET_VALUES),
    st.tuples(st.just("delete row"), st.integers(0, 20), st.integers(1, 60)),
    st.tuples(st.just("delete sheet"), st.integers(0, 20)),
    st.tuples(st.just("rename sheet"), st.integers(0, 20),
              st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cn"), blacklist_characters="[]:*?/\\'"),
                      min_size=1, max_size=31)),
)


@settings(max_examples=examples(80), **SETTINGS)
@given(sample=st.sampled_from(WORKBOOK_SAMPLES), changes=st.lists(WORKBOOK_EDITS, min_size=1, max_size=8))
def test_every_workbook_sample_edited_cell_by_cell_gets_a_located_report(sample, changes):
    name, data = sample
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    for kind, sheet_no, *args in changes:
        sheet = workbook.worksheets[sheet_no % len(workbook.worksheets)]
        if kind == "set":
            cell = sheet.cell(row=args[0], column=args[1])
            if not isinstance(cell, MergedCell):  # inside a merged range: Excel cannot type there either
                cell.value = args[2]
        elif kind == "delete row":
            sheet.delete_rows(args[0])
        elif kind == "delete sheet" and len(workbook.worksheets) > 1:
            workbook.remove(sheet)
        elif kind == "rename sheet" and args[0] not in workbook.sheetnames:
            sheet.title = args[0]
    buf = io.BytesIO()
    workbook.save(buf)
    check(name, buf.getvalue(), None)


# --- (3) JSON -----------------------------------------------------------------------------------

JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), FINITE, st.text(max_size=30),
                         st.sampled_from(["", "1.0", "2018-11-20", "31/02/2020", "Visibility", "9" * 400]))
JSON_VALUES = st.recursive(JSON_SCALARS,
                           lambda inner: st.one_of(st.lists(inner, max_size=5),
                                                   st.dictionaries(st.text(max_size=12), inner, max_size=5)),
                           max_leaves=30)


@settings(max_examples=examples(200), **SETTINGS)
@given(value=JSON_VALUES, with_version=st.booleans())
def test_any_json_value_gets_a_structured_report(value, with_version):
    if with_version and isinstance(value, dict):
        value = {"schema_version": "1.0", **value}
    check("return.json", json.dumps(value).encode())


def _places(node, path=()):
    """Every (path, value) in a JSON value, containers included."""
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _places(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _places(value, path + (i,))


CANONICAL_PLACES = [path for path, _ in _places(CANONICAL) if path]


NUMBER_PLACES = [path for path, value in _places(CANONICAL)
                 if isinstance(value, int | float) and not isinstance(value, bool)]
DATE_PLACES = [path for path, value in _places(CANONICAL)
               if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)]
EXTREME_NUMBERS = st.one_of(
    st.sampled_from([0, -1, -0.0, 0.1, 1e-300, 1e308, -1e308, 10 ** 20, 2 ** 63, 10 ** 400, True, "412", ""]),
    FINITE, st.integers(),
)
EXTREME_DATES = st.one_of(
    st.sampled_from(["0001-01-01", "1990-01-01", "2100-12-31", "9999-12-31", "2019-02-29", "2018-11-20T00:00",
                     "20/11/2018", "", "2018-11-20T10:00:00+05:00"]),
    DATES.map(str),
)


@st.composite
def mutated_returns(draw):
    value = copy.deepcopy(CANONICAL)
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["delete", "replace", "number", "date"]))
        path = draw(st.sampled_from({"number": NUMBER_PLACES, "date": DATE_PLACES}.get(kind, CANONICAL_PLACES)))
        node = value
        try:
            for part in path[:-1]:
                node = node[part]
            if kind == "delete":
                del node[path[-1]]
            else:
                node[path[-1]] = draw({"number": EXTREME_NUMBERS, "date": EXTREME_DATES}.get(kind, JSON_VALUES))
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced this place
    if draw(st.booleans()):
        value[draw(st.text(max_size=12))] = draw(JSON_VALUES)
    return value


@settings(max_examples=examples(200), **SETTINGS)
@given(value=mutated_returns(), stage=st.sampled_from([None, 1, 2]))
def test_the_canonical_return_mutated_gets_a_structured_report(value, stage):
    report = check("return.json", json.dumps(value).encode(), ParseContext(stage=stage))
    assert report.plugin is not None  # a JSON object with schema_version is read, not refused unseen


def test_the_unmutated_canonical_return_is_accepted():
    """The mutations above start from a return that is itself valid."""
    report = check("return.json", json.dumps(CANONICAL).encode())
    assert report.ok, report.issues


# --- Found by the properties above: pinned as plain examples ---------------------------------------

AREAS_ROW_2 = f"table {AREAS_TABLE + 1}, row 2"


def test_a_headcount_with_hundreds_of_digits_is_reported_at_its_cell():
    report = check("return.docx", edit_form([("set", AREAS_TABLE, 1, 1, "9" * 400)]))
    assert not report.ok
    assert any(i.location.startswith(f"{AREAS_ROW_2}, column 2") for i in report.errors), report.issues


def test_an_fte_too_large_for_a_number_is_refused_at_its_cell():
    report = check("return.docx", edit_form([("set", AREAS_TABLE, 1, 2, "9" * 400)]))
    assert not report.ok
    assert any(i.location.startswith(f"{AREAS_ROW_2}, column 3") for i in report.errors), report.issues


def test_a_submission_date_near_the_end_of_the_calendar_is_checked():
    value = copy.deepcopy(CANONICAL)
    value["submission_date"] = "9999-12-31"
    check("return.json", json.dumps(value).encode())


# Known failure: left out of the strategies above (FINITE) until fixed.
@pytest.mark.parametrize("fte", ["Infinity", "-Infinity", "NaN"])
def test_a_json_return_with_a_non_finite_fte_is_refused(fte):
    text = json.dumps(CANONICAL).replace('"fte": 393.9', f'"fte": {fte}')
    assert fte in text
    report = check("return.json", text.encode())
    assert not report.ok
    assert "/technicians/fte" in {i.field for i in report.errors}


def test_the_faculty_workbook_with_a_cleared_heading_gets_a_located_report():
    name, data = next((n, d) for n, d in PLUGIN_SAMPLES if n.startswith("faculty_workbook"))
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    workbook["Professional Recognition"]["A1"].value = None  # was 'Registration / award'
    buf = io.BytesIO()
    workbook.save(buf)
    check(name, buf.getvalue(), None)
