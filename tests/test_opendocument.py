"""OpenDocument returns: workbooks saved as .ods read like their .xlsx, the form saved as .odt read
into the document model, and bad OpenDocument files refused plainly before any reader.

The .ods/.odt files are the repository's samples converted by LibreOffice (tests/office.py)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

import office
from office import key_fields, reads_like_the_word_form
from pipeline.kit import odt
from pipeline.kit.intake import Limits, Rejected, screen
from pipeline.kit.hooks import SourceFile
from pipeline.kit.hooks import ParseContext
from pipeline.registry import Registry
from pipeline.validation.validate import validate_path

ROOT = Path(__file__).resolve().parents[1]
FORM = ROOT / "plugins" / "official_form" / "samples"
WORKBOOKS = [FORM / "synthetic_hartmoor_stage1.xlsx",
             *sorted((ROOT / "plugins" / "mapped_workbook" / "samples").glob("*.xlsx")),
             ROOT / "plugins" / "faculty_workbook" / "samples" / "faculty_workbook_synthetic_stage1.xlsx"]
DOCUMENTS = sorted(FORM.glob("*.docx"))
STAGE1 = ParseContext(stage=1)


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.from_entry_points()


@pytest.fixture(scope="module")
def ods() -> dict[Path, Path]:
    return office.converted(WORKBOOKS, "ods")


@pytest.fixture(scope="module")
def odts() -> dict[Path, Path]:
    return office.converted(DOCUMENTS, "odt")


# --- .ods workbooks ------------------------------------------------------------------------------

@pytest.mark.parametrize("original", WORKBOOKS, ids=lambda p: p.name)
def test_a_workbook_saved_as_ods_reads_as_its_xlsx(registry, ods, original):
    want = validate_path(original, registry, context=STAGE1)
    got = validate_path(ods[original], registry, context=STAGE1)
    assert got.plugin == want.plugin, got.issues
    assert got.ok == want.ok, got.issues
    assert key_fields(got) == key_fields(want)
    assert [(i.rule, i.location) for i in got.issues] == [(i.rule, i.location) for i in want.issues]
    # every value is located as in the .xlsx ('Action plan'!D5)
    assert got.return_.provenance.fields == want.return_.provenance.fields


@pytest.mark.parametrize("original", WORKBOOKS, ids=lambda p: p.name)
def test_a_workbook_resaved_as_xlsx_by_libreoffice_still_reads(registry, original):
    want = validate_path(original, registry, context=STAGE1)
    got = validate_path(office.one(original, "xlsx"), registry, context=STAGE1)
    assert got.plugin == want.plugin and got.ok == want.ok, got.issues
    assert key_fields(got) == key_fields(want)


def test_each_workbook_plugin_claims_its_ods_and_no_other(registry, ods):
    for original, converted in ods.items():
        want = validate_path(original, registry, context=STAGE1).plugin
        assert validate_path(converted, registry, context=STAGE1).plugin == want


def test_a_damaged_ods_is_refused_plainly(registry, ods, tmp_path):
    data = ods[WORKBOOKS[0]].read_bytes()
    bad = tmp_path / "cut.ods"
    bad.write_bytes(data[: len(data) // 2])
    report = validate_path(bad, registry, context=STAGE1)
    assert not report.ok and report.return_ is None
    assert report.errors[0].rule == "file.corrupt"


# --- .odt documents ------------------------------------------------------------------------------

def test_the_odt_form_reads_into_the_document_model_with_words_placed_as_in_word(odts):
    doc = odt.read(odts[FORM / "example_return_northgate_stage1.docx"].read_bytes())
    assert doc.kind == "OpenDocument" and not doc.notes
    tables = doc.tables
    assert len(tables) == 12
    assert tables[0].rows[0][1].text == "University of Northgate"
    plan = tables[8]  # the action plan is table 9, as in Word
    assert [c.text for c in plan.rows[0]][:4] == ["Theme", "Action", "Lead", "Target date"]
    assert plan.where(4, 3) == "table 9, row 4, column 3"
    assert plan.rows[3][0].text == "Recognition"
    areas = tables[4]
    assert [c.text for c in areas.rows[-1]] == ["Total", "412", "393.9"]


def test_libreoffice_joins_adjacent_tables_and_the_odt_keeps_their_grid(odts):
    """The Word form's technicians, registrations and other-measures tables touch; LibreOffice makes
    them one table with four grid columns (spans kept), as it shows them to the lead."""
    doc = odt.read(odts[FORM / "synthetic_hartmoor_stage1.docx"].read_bytes())
    joined = doc.tables[4]
    assert [(c.column, c.span) for c in joined.rows[0]] == [(1, 1), (2, 2), (4, 1)]
    assert [(c.column, c.span, c.text) for c in joined.rows[8]][:1] == [(1, 2, "Professional register")]


def _odt(body: str, extra: bytes = b"") -> bytes:
    """A minimal .odt with ``body`` inside office:text."""
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.3">'
               f'<office:body><office:text>{body}</office:text></office:body></office:document-content>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        zf.writestr("META-INF/manifest.xml", extra or b'<manifest:manifest xmlns:manifest='
                    b'"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>', zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def test_tracked_changes_are_read_as_accepted_with_a_note():
    body = ('<text:tracked-changes><text:changed-region text:id="c1"><text:deletion><office:change-info>'
            '<dc:creator>A</dc:creator></office:change-info><text:p>old words</text:p></text:deletion>'
            '</text:changed-region><text:changed-region text:id="c2"><text:insertion/></text:changed-region>'
            '</text:tracked-changes>'
            '<text:p>Before</text:p><table:table><table:table-row><table:table-cell><text:p>We employ '
            '<text:change text:change-id="c1"/><text:change-start text:change-id="c2"/>412'
            '<text:change-end text:change-id="c2"/> technicians</text:p></table:table-cell></table:table-row>'
            '</table:table>')
    doc = odt.read(_odt(body))
    assert doc.tables[0].rows[0][0].text == "We employ 412 technicians"
    assert "old words" not in doc.text
    [note] = doc.notes
    assert note.rule == "document.tracked_changes" and note.location == "table 1, row 1, column 1"


def test_merged_cells_give_grid_columns_spans_and_merged_from():
    def cell(attrs: str, text: str) -> str:
        return f"<table:table-cell {attrs}><text:p>{text}</text:p></table:table-cell>"

    covered = "<table:covered-table-cell/>"
    across, down = 'table:number-columns-spanned="2"', 'table:number-rows-spanned="2"'
    body = ("<table:table>"
            f"<table:table-row>{cell(across, 'A')}{covered}{cell(down, 'B')}</table:table-row>"
            f"<table:table-row>{cell('', 'C')}{cell('', 'D')}{covered}</table:table-row>"
            '<table:table-row><table:table-cell table:number-columns-repeated="3"><text:p>x</text:p>'
            "</table:table-cell></table:table-row></table:table>")
    rows = odt.read(_odt(body)).tables[0].rows
    assert [(c.column, c.span, c.merged_from, c.text) for c in rows[0]] == [(1, 2, None, "A"), (3, 1, 1, "B")]
    assert [(c.column, c.span, c.merged_from, c.text) for c in rows[1]] == [
        (1, 1, None, "C"), (2, 1, None, "D"), (3, 1, 1, "B")]
    assert [c.column for c in rows[2]] == [1, 2, 3]


def test_nested_tables_follow_their_table_and_say_where_they_are():
    body = ('<table:table><table:table-row><table:table-cell><text:p>outer</text:p><table:table>'
            '<table:table-row><table:table-cell><text:p>inner</text:p></table:table-cell></table:table-row>'
            '</table:table></table:table-cell></table:table-row></table:table>')
    outer, inner = odt.read(_odt(body)).tables
    assert outer.rows[0][0].text == "outer"
    assert inner.label == "table 1, row 1, column 1, table 1" and inner.rows[0][0].text == "inner"


def test_spaces_tabs_and_line_breaks_are_kept():
    doc = odt.read(_odt('<text:p>a<text:s text:c="2"/>b<text:tab/>c<text:line-break/>d '
                        '<text:span>e</text:span><text:note><text:note-body><text:p>foot</text:p>'
                        '</text:note-body></text:note></text:p>'))
    assert doc.blocks[0].text == "a  b\tc\nd e"


def test_repeated_rows_cannot_make_a_table_explode():
    body = ('<table:table><table:table-row table:number-rows-repeated="100000000"><table:table-cell '
            'table:number-columns-repeated="100000000"><text:p>x</text:p></table:table-cell>'
            '</table:table-row></table:table>')
    table = odt.read(_odt(body)).tables[0]
    assert len(table.rows) == odt.MAX_ROWS and len(table.rows[0]) == odt.MAX_COLUMNS


@pytest.mark.parametrize("content", [b"<office:document-content", b"not xml at all", b""])
def test_broken_xml_in_an_odt_is_refused_plainly(content):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        zf.writestr("content.xml", content)
    with pytest.raises(Rejected) as refused:
        odt.read(buf.getvalue())
    assert refused.value.issue.rule == "file.corrupt"
    assert "LibreOffice" in refused.value.issue.message


# --- intake --------------------------------------------------------------------------------------

def test_a_password_protected_odt_is_refused_before_any_reader():
    manifest = (b'<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
                b'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">'
                b'<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="x">'
                b'<manifest:algorithm manifest:algorithm-name="Blowfish CFB" manifest:initialisation-vector="x"/>'
                b'</manifest:encryption-data></manifest:file-entry></manifest:manifest>')
    for name in ("return.odt", "return.ods", "return"):
        with pytest.raises(Rejected) as refused:
            screen(SourceFile(name=name, data=_odt("<text:p>x</text:p>", manifest)), Limits())
        assert refused.value.issue.rule == "file.encrypted_or_legacy"
        assert "password" in refused.value.issue.message


def test_an_odt_zip_bomb_is_refused_by_the_zip_checks():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        zf.writestr("content.xml", b"<a>" + b" " * (150 * 1024 * 1024) + b"</a>", zipfile.ZIP_DEFLATED)
    with pytest.raises(Rejected) as refused:
        screen(SourceFile(name="bomb.odt", data=buf.getvalue()), Limits())
    assert refused.value.issue.rule == "file.zip_limits"


def test_an_odt_declaring_entities_is_refused():
    data = _odt("<text:p>x</text:p>")
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w") as zf:
        for info in src.infolist():
            part = src.read(info)
            if info.filename == "content.xml":
                part = part.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY a "aaaa">]>', 1)
            zf.writestr(info, part)
    with pytest.raises(Rejected) as refused:
        screen(SourceFile(name="x.odt", data=buf.getvalue()), Limits())
    assert refused.value.issue.rule == "file.xml_entities"


def test_the_converted_samples_pass_intake(ods, odts):
    for path in [*ods.values(), *odts.values()]:
        screen(SourceFile(name=path.name, data=path.read_bytes()), Limits())


# --- through the official form plugin -----------------------------------------------------------

def test_the_odt_form_validates_like_the_word_form(odts):
    original = FORM / "example_return_northgate_stage1.docx"
    reads_like_the_word_form(original, odts[original])


@pytest.fixture(scope="module")
def resaved() -> dict[Path, Path]:
    return office.converted(DOCUMENTS, "docx")


@pytest.mark.parametrize("saved_as", ["odt", "docx"])
def test_the_form_with_touching_tables_saved_by_libreoffice_validates_like_the_word_form(saved_as, odts, resaved):
    """LibreOffice joins Hartmoor's technicians, registrations and other-measures tables into one
    (in .odt and when it re-saves the .docx); the reader reads each part from its own heading row."""
    original = FORM / "synthetic_hartmoor_stage1.docx"
    got = reads_like_the_word_form(original, (odts if saved_as == "odt" else resaved)[original])
    assert key_fields(got)["registrations"] and key_fields(got)["metrics"]
    # places are the joined table's own rows, as the lead sees them
    places = got.return_.provenance.fields
    assert places["/technicians/areas/0/headcount"] == "table 5, row 2, column 2"
    assert places["/registrations/0/count"] == "table 5, row 10, column 3"
    assert places["/other_metrics/1/name"] == "table 5, row 14, column 1"


def test_the_libreoffice_resaved_northgate_form_validates_like_the_word_form(resaved):
    original = FORM / "example_return_northgate_stage1.docx"
    reads_like_the_word_form(original, resaved[original])
