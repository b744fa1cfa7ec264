"""PDF returns: the official form saved as PDF by LibreOffice reads into the document model with
pages, tables and cells where the lead sees them; PDFs that cannot or should not be read (encrypted,
bombs, scans, not PDFs at all) are refused plainly, before pdfplumber parses them where that matters."""

from __future__ import annotations

import io
import tracemalloc
import zlib
from pathlib import Path

import pytest

import office
from office import reads_like_the_word_form
from pipeline.kit import pdf
from pipeline.kit.intake import Limits, Rejected, screen
from pipeline.kit.hooks import ParseContext, SourceFile
from pipeline.registry import Registry
from pipeline.validation.validate import validate_path

FORM = Path(__file__).resolve().parents[1] / "plugins" / "official_form" / "samples"
NORTHGATE = FORM / "example_return_northgate_stage1.docx"
HARTMOOR = FORM / "synthetic_hartmoor_stage1.docx"
MB = 1024 * 1024


@pytest.fixture(scope="module")
def pdfs() -> dict[Path, Path]:
    return office.converted([NORTHGATE, HARTMOOR], "pdf")


def refused(data: bytes, name: str = "return.pdf") -> Rejected:
    with pytest.raises(Rejected) as caught:
        screen(SourceFile(name=name, data=data), Limits())
        pdf.read(data)
    issue = caught.value.issue
    assert issue.severity == "error" and issue.message[0].isupper() and len(issue.message.split()) > 6
    assert "Error" not in issue.message and "Traceback" not in issue.message
    return caught.value


def minimal_pdf(objects: list[bytes], trailer: bytes = b"") -> bytes:
    """A PDF written by hand: objects 1..n, a cross-reference table and a trailer."""
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer, xref)
    return bytes(out)


def page_pdf(content: bytes = b"", count: int = 1, trailer: bytes = b"") -> bytes:
    return minimal_pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                        b"<< /Type /Pages /Kids [3 0 R] /Count %d >>" % count,
                        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
                        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"], trailer)


# --- the form as PDF ----------------------------------------------------------------------------

def test_the_pdf_form_reads_into_the_document_model_with_pages(pdfs):
    doc = pdf.read(pdfs[NORTHGATE].read_bytes())
    assert doc.kind == "PDF"
    first = doc.tables[0]
    assert first.page == 1 and first.number == 1
    assert [c.text for c in first.rows[0]] == ["Organisation:", "University of Northgate"]
    areas = next(t for t in doc.tables if t.rows[0][0].text.startswith("Department"))
    assert [c.text for c in areas.rows[-1]] == ["Total", "412", "393.9"]
    plan = next(t for t in doc.tables if t.rows[0][0].text == "Theme")
    assert [c.text for c in plan.rows[0]] == ["Theme", "Action", "Lead", "Target date",
                                             "How impact will be evidenced", "Status"]
    assert [r[0].text for r in plan.rows[1:]] == ["Visibility", "Visibility", "Recognition", "Career Development",
                                                  "Sustainability", "Evaluating Impact"]
    assert [r[3].text for r in plan.rows[1:]] == ["Mar 2019", "Sep 2019", "Dec 2019", "Jun 2020", "Sep 2020",
                                                  "Jun 2020"]
    assert plan.where(4, 3) == f"page {plan.page}, table {plan.number}, row 4, column 3"


def test_a_table_running_over_pages_is_one_table_with_its_cut_rows_rejoined(pdfs):
    doc = pdf.read(pdfs[HARTMOOR].read_bytes())
    plan = next(t for t in doc.tables if t.rows[0][0].text == "Theme")
    assert len(plan.rows) == 8  # the heading and 7 actions over pages 3 to 5
    assert [r[0].text for r in plan.rows[1:]] == ["Visibility", "Recognition", "Recognition", "Recognition",
                                                  "Career Development", "Career Development", "Sustainability"]
    assert [r[3].text for r in plan.rows[1:]] == ["Oct 2019", "Mar 2020", "Q4 2019", "2020", "Mar 2021",
                                                  "08/07/2020", "Oct 2019"]
    areas = next(t for t in doc.tables if t.rows[0][0].text.startswith("Department"))
    assert areas.rows[0][0].text == "Department / Faculty / Area"  # its heading row was cut by page 1's end
    assert [c.text for c in areas.rows[7]][:2] == ["Total", "125"]


# --- refused ------------------------------------------------------------------------------------

def test_a_scanned_pdf_without_text_is_refused_with_what_to_send():
    data = page_pdf(b"0 0 1 rg 10 10 100 100 re f")
    assert refused(data).issue.rule == "file.no_text"
    assert ".docx" in refused(data).issue.message


def test_an_encrypted_pdf_is_refused_before_parsing():
    data = page_pdf(b"BT /F1 12 Tf 72 700 Td (x) Tj ET", trailer=b"/Encrypt << /Filter /Standard /V 2 >> ")
    assert refused(data).issue.rule == "file.encrypted_or_legacy"


def test_a_pdf_claiming_a_huge_page_count_is_refused():
    assert refused(page_pdf(count=10_000_000)).issue.rule == "file.too_many_pages"


def test_a_pdf_with_hundreds_of_real_pages_is_refused():
    kids = b" ".join(b"%d 0 R" % (3 + i) for i in range(300))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count 1 >>" % kids]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"] * 300
    assert refused(minimal_pdf(objects)).issue.rule == "file.too_many_pages"


def test_a_pdf_nested_absurdly_deep_is_refused():
    data = page_pdf().replace(b"/MediaBox", b"/X " + b"[" * 50_000 + b"]" * 50_000 + b" /MediaBox")
    assert refused(data).issue.rule == "file.corrupt"


def test_a_pdf_bomb_is_refused_in_little_memory_and_time():
    packer, zeros = zlib.compressobj(9), bytes(MB)
    bomb = b"".join(packer.compress(zeros) for _ in range(300)) + packer.flush()  # 300 MB in ~300 KB
    data = minimal_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
                        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(bomb) + bomb + b"\nendstream"])
    tracemalloc.start()
    try:
        assert refused(data).issue.rule == "file.zip_limits"
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * MB, peak


@pytest.mark.parametrize("data", [b"%PDF-1.7\n garbage", b"%PDF-", b"%PDF-1.4\n" + bytes(range(256)) * 10])
def test_a_damaged_pdf_is_refused_plainly(data):
    assert refused(data).issue.rule in {"file.corrupt", "file.no_text"}


def test_a_file_named_pdf_that_is_not_one_is_refused():
    assert refused(b"hello, this is not a pdf", name="return.pdf").issue.rule == "file.corrupt"


def test_a_pdf_through_validate_never_gives_a_traceback(tmp_path, pdfs):
    registry = Registry.from_entry_points()
    for data in (pdfs[NORTHGATE].read_bytes(), page_pdf(b""), b"%PDF-1.4 nothing"):
        path = tmp_path / "r.pdf"
        path.write_bytes(data)
        report = validate_path(path, registry, context=ParseContext(stage=1))
        for issue in report.issues:
            assert "Traceback" not in issue.message and "Error" not in issue.message


# --- through the official form plugin -----------------------------------------------------------

def test_the_pdf_form_validates_like_the_word_form(pdfs):
    original = FORM / "example_return_northgate_stage1.docx"
    reads_like_the_word_form(original, pdfs[original])


def test_the_pdf_form_with_touching_tables_validates_like_the_word_form(pdfs):
    """LibreOffice joins Hartmoor's technicians, registrations and other-measures tables into one;
    the reader reads each part from its own heading row, at the joined table's own rows."""
    original = FORM / "synthetic_hartmoor_stage1.docx"
    got = reads_like_the_word_form(original, pdfs[original])
    assert got.return_.provenance.fields["/registrations/1/name"] == "page 1, table 5, row 11, column 1"
