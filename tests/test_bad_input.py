"""Bad files handed in: each ends rejected with a plain reason that names its place in the file.

The standard: every file a user hands in ends either accepted or rejected with reasons that name
the place in the file, never a traceback; limits on size and decompression come before parsing;
peak memory stays small. Each kind of bad input is checked through ``validate_path`` and the
common kinds again through the ``techbench validate`` command line.
"""

from __future__ import annotations

import io
import json
import os
import re
import struct
import subprocess
import sys
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import docx
import openpyxl
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.kit.intake import Limits
from pipeline.kit.hooks import WHOLE_FILE, ParseContext
from pipeline.registry import Registry
from pipeline.validation.validate import FileReport, validate_path

SAMPLES = Path(__file__).resolve().parents[1] / "plugins" / "official_form" / "samples"
SAMPLE = SAMPLES / "example_return_northgate_stage1.docx"
BLANK_FORM = SAMPLES / "self_assessment_form_stage1_blank.docx"
STAGE1 = ParseContext(stage=1)
MB = 1024 * 1024
TECHBENCH = Path(sys.executable).with_name("techbench")

# What a lead must never be shown: Python's own words for what went wrong.
TECHNICAL = re.compile(r"Traceback|File \"|\b[A-Z]\w*(?:Error|Exception)\b|\[Errno|\bb'|\\x[0-9a-f]{2}|<\w+ object")


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.from_entry_points()


@pytest.fixture(scope="module")
def sample() -> bytes:
    return SAMPLE.read_bytes()


# --- helpers ---------------------------------------------------------------------------------

def assert_plain(message: str) -> None:
    """A message a non-technical lead can act on: a sentence, no exception names or raw bytes."""
    assert len(message.split()) >= 4, message
    assert message[0].isupper() or message[0] in "'\"", message
    assert not TECHNICAL.search(message), message


def assert_rejected(report: FileReport, rule: str) -> None:
    assert isinstance(report, FileReport)
    assert not report.ok
    assert rule in [i.rule for i in report.errors], report.issues
    for issue in report.issues:
        assert issue.severity in ("error", "warning")
        assert issue.location.strip(), issue
        assert_plain(issue.message)
    json.dumps(report.to_json(), allow_nan=False)  # the --json report can always be written


def assert_refused_before_parsing(report: FileReport, rule: str) -> None:
    """Refused by intake: one whole-file error, and no reader was ever given the file."""
    assert_rejected(report, rule)
    assert report.plugin is None and report.return_ is None
    assert [(i.rule, i.location) for i in report.issues] == [(rule, WHOLE_FILE)]


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def docx_parts(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(info.filename, zf.read(info)) for info in zf.infolist()]


def rezip(parts: list[tuple[str, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, content in parts:
            zf.writestr(name, content)
    return buf.getvalue()


def deflated(content: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    return packer.compress(content) + packer.flush()


def deflated_zeros(size: int, chunk: int = MB) -> bytes:
    """``size`` zero bytes deflated at level 9, built a megabyte at a time (200 MB -> ~200 KB)."""
    packer, zeros, out = zlib.compressobj(9, zlib.DEFLATED, -15), bytes(chunk), []
    for _ in range(size // chunk):
        out.append(packer.compress(zeros))
    out.append(packer.flush())
    return b"".join(out)


def raw_zip(members: list[tuple[str, bytes, int, int, int, int]]) -> bytes:
    """A zip written by hand so its headers can say anything.

    Each member: (name, stored data, declared size, declared CRC, method, flag bits)."""
    local, central = bytearray(), bytearray()
    for name, stored, size, crc, method, flags in members:
        encoded, offset = name.encode(), len(local)
        local += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, flags, method, 0, 0, crc, len(stored), size,
                             len(encoded), 0) + encoded + stored
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, flags, method, 0, 0, crc, len(stored), size,
                               len(encoded), 0, 0, 0, 0, 0, offset) + encoded
    n = len(members)
    return bytes(local + central + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, n, n, len(central), len(local), 0))


def sample_with(sample: bytes, name: str, stored: bytes, size: int, crc: int, method: int = 8,
                flags: int = 0) -> bytes:
    """The sample return with part ``name`` replaced (or added) as given, every other part intact."""
    members = [(n, deflated(c), len(c), zlib.crc32(c), 8, 0) for n, c in docx_parts(sample) if n != name]
    return raw_zip([*members, (name, stored, size, crc, method, flags)])


def minimal_ole() -> bytes:
    """A minimal OLE compound file as Office writes for a password-protected .docx/.xlsx: a header,
    one FAT sector and a directory naming the EncryptionInfo and EncryptedPackage streams."""
    free, end, fat_sector = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    header = struct.pack("<8s16s6H6s9L", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", bytes(16), 0x3E, 3, 0xFFFE, 9, 6, 0,
                         bytes(6), 0, 1, 1, 0, 0x1000, end, 0, end, 0)
    header += struct.pack("<109L", 0, *[free] * 108)
    fat = struct.pack("<128L", fat_sector, end, *[free] * 126)

    def entry(name: str, kind: int, child: int = free, right: int = free) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return struct.pack("<64sHBB3L16sL4QLQ", encoded, len(encoded), kind, 1, free, right, child,
                           bytes(16), 0, 0, 0, 0, 0, end if kind == 5 else 0, 0)

    directory = entry("Root Entry", 5, child=1) + entry("EncryptionInfo", 2, right=2) + entry("EncryptedPackage", 2)
    directory += entry("", 0)
    return header + fat + directory


def peak_python_memory(fn):
    """Run ``fn`` and return its result and the peak of Python's allocations while it ran, in MB."""
    tracemalloc.start()
    try:
        result = fn()
        return result, tracemalloc.get_traced_memory()[1] / MB
    finally:
        tracemalloc.stop()


# --- the good file, so that every rejection below means something -----------------------------

def test_the_sample_return_is_accepted(registry):
    report = validate_path(SAMPLE, registry, context=STAGE1)
    assert report.ok, report.issues
    assert report.return_.technicians.headcount == 412
    assert len(report.return_.technicians.areas) == 4


# --- empty ----------------------------------------------------------------------------------

@pytest.mark.parametrize("content", [b"", b" ", b"\n", b"\r\n\r\n", b" \t \n\t", b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n "],
                         ids=["zero-bytes", "space", "newline", "crlf", "mixed-whitespace", "utf8-bom", "bom-whitespace"])
@pytest.mark.parametrize("name", ["return.docx", "return.xlsx", "return.json", "return"])
def test_empty_and_whitespace_only_files_are_empty(registry, tmp_path, content, name):
    report = validate_path(write(tmp_path, name, content), registry)
    assert_refused_before_parsing(report, "file.empty")
    assert "empty" in report.issues[0].message


# --- damaged: truncated or corrupt ------------------------------------------------------------

CUTS = [1, 3, 4, 30, 100, 1000, 0.25, 0.5, 0.9, -200, -22, -1]


@pytest.mark.parametrize("cut", CUTS)
def test_the_sample_cut_short_is_damaged(registry, tmp_path, sample, cut):
    n = int(len(sample) * cut) if isinstance(cut, float) else cut % len(sample)
    report = validate_path(write(tmp_path, "return.docx", sample[:n]), registry, context=STAGE1)
    assert_refused_before_parsing(report, "file.corrupt")
    if n >= 4:  # it still starts like a zip: say it was cut short, the likely cause
        assert "damaged or incomplete" in report.issues[0].message


def plugin_samples() -> list[Path]:
    return sorted({Path(path) for plugin in Registry.from_entry_points() for path in plugin.info.samples})


@pytest.mark.parametrize("path", plugin_samples(), ids=lambda p: p.name)
def test_every_plugin_sample_cut_short_is_damaged(registry, tmp_path, path):
    """Whatever the format (Word, Excel, zip of CSVs, JSON), a file cut short says so."""
    data = path.read_bytes()
    report = validate_path(write(tmp_path, path.name, data[: len(data) // 2]), registry)
    assert_rejected(report, "file.corrupt")
    assert report.return_ is None and report.issues[0].location == WHOLE_FILE
    if path.suffix == ".json":
        assert re.search(r"line \d+, column \d+", report.issues[0].message)


@pytest.mark.parametrize("name", ["return", "return.txt", "return.xlsx"])
def test_a_cut_short_docx_under_another_name_is_damaged_too(registry, tmp_path, sample, name):
    report = validate_path(write(tmp_path, name, sample[: len(sample) // 2]), registry)
    assert_refused_before_parsing(report, "file.corrupt")


@pytest.mark.parametrize("name", ["return.docx", "return.xlsx"])
def test_random_bytes_named_as_office_file_are_not_what_the_name_says(registry, tmp_path, name):
    garbage = bytes(range(256)) * 40
    report = validate_path(write(tmp_path, name, garbage), registry)
    assert_refused_before_parsing(report, "file.corrupt")
    assert "Word/Excel" in report.issues[0].message


def test_damaged_compressed_data_inside_the_docx_is_corrupt(registry, tmp_path, sample):
    xml = dict(docx_parts(sample))["word/document.xml"]
    stored = bytearray(deflated(xml))
    stored[len(stored) // 3: len(stored) // 3 + 40] = b"\xff" * 40  # the middle of the text is lost
    data = sample_with(sample, "word/document.xml", bytes(stored), len(xml), zlib.crc32(xml))
    report = validate_path(write(tmp_path, "return.docx", data), registry, context=STAGE1)
    assert_rejected(report, "file.corrupt")
    assert report.return_ is None and report.issues[0].location == WHOLE_FILE


def test_a_docx_whose_document_is_not_xml_is_corrupt(registry, tmp_path, sample):
    parts = [(n, b"<w:document>this is not XML" if n == "word/document.xml" else c) for n, c in docx_parts(sample)]
    report = validate_path(write(tmp_path, "return.docx", rezip(parts)), registry, context=STAGE1)
    assert_rejected(report, "file.corrupt")
    assert report.plugin == "official_form" and report.return_ is None
    assert report.issues[0].location == WHOLE_FILE
    assert "Word" in report.issues[0].message


def test_a_docx_compressed_in_a_way_office_never_uses_is_refused(registry, tmp_path, sample):
    data = rezip(docx_parts(sample), zipfile.ZIP_BZIP2)
    report = validate_path(write(tmp_path, "return.docx", data), registry, context=STAGE1)
    assert_refused_before_parsing(report, "file.corrupt")


def test_a_zip_without_word_or_excel_parts_is_an_unknown_format(registry, tmp_path):
    data = rezip([("notes.txt", b"Some notes about the technicians\n" * 20)])
    report = validate_path(write(tmp_path, "return.docx", data), registry)
    assert_rejected(report, "file.unknown_format")
    assert report.plugin is None and report.issues[0].location == WHOLE_FILE


PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.mark.parametrize("name, content", [
    ("return", b"\x00\x01\x02 binary junk \xfe\xff" * 50),
    ("return.png", b"\x89PNG\r\n\x1a\n" + bytes(200)),
])
def test_files_no_reader_recognises_are_an_unknown_format(registry, tmp_path, name, content):
    report = validate_path(write(tmp_path, name, content), registry)
    assert_rejected(report, "file.unknown_format")
    assert report.issues[0].location == WHOLE_FILE
    assert "docx" in report.issues[0].message  # says what techbench does read


def test_a_pdf_without_text_is_refused_as_a_scan_saying_what_to_send(registry, tmp_path):
    report = validate_path(write(tmp_path, "scan.pdf", PDF), registry)
    assert_rejected(report, "file.no_text")
    assert report.issues[0].location == WHOLE_FILE and "Save as PDF" in report.issues[0].message


def assert_not_a_return(report: FileReport) -> None:
    """Refused as 'not a return', by a reader (form.not_a_return) or by none (file.unknown_format)."""
    assert not report.ok and report.return_ is None
    assert {i.rule for i in report.errors} & {"form.not_a_return", "file.unknown_format"}, report.issues
    for issue in report.issues:
        assert issue.location.strip()
        assert_plain(issue.message)


def test_a_json_list_is_not_taken_for_a_return(registry, tmp_path):
    assert_not_a_return(validate_path(write(tmp_path, "return.json", b"[1, 2, 3]"), registry))


# --- readable but not a return ---------------------------------------------------------------

def unrelated_word_document() -> bytes:
    document = docx.Document()
    document.add_heading("Minutes of the Estates Committee", 1)
    document.add_paragraph("Present: the chair, the director of estates and two student representatives.")
    document.add_paragraph("The committee discussed car parking, the new library roof and catering contracts.")
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate([("Item", "Owner", "Cost"), ("Roof repair", "Estates", "£120,000"),
                             ("Bike shelters", "Sustainability office", "£8,500")]):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("name", ["minutes.docx", "minutes"])
def test_a_word_document_that_is_not_a_return_is_named_as_such(registry, tmp_path, name):
    report = validate_path(write(tmp_path, name, unrelated_word_document()), registry, context=STAGE1)
    assert_rejected(report, "form.not_a_return")
    assert report.plugin == "official_form" and report.return_ is None
    assert "Technician Commitment" in report.errors[0].message


def test_the_blank_form_is_rejected_with_every_missing_answer_located(registry):
    report = validate_path(BLANK_FORM, registry, context=STAGE1)
    assert_rejected(report, "required")
    located = {i.field: i.location for i in report.errors}
    # each missing answer points at the cell where it belongs, not at the file as a whole
    assert re.fullmatch(r"table \d+, row \d+, column \d+", located["/signatory_name"])
    assert re.fullmatch(r"table \d+, row \d+", located["/profile"])
    assert all(loc != WHOLE_FILE for loc in located.values()), located


def test_an_excel_workbook_that_is_not_a_return_is_named_as_such(registry, tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Budget"
    for row in [("Item", "Cost"), ("Roof repair", 120000), ("Bike shelters", 8500)]:
        sheet.append(row)
    path = tmp_path / "budget.xlsx"
    workbook.save(path)
    assert_not_a_return(validate_path(path, registry, context=STAGE1))


def test_the_blank_workbook_is_rejected_with_every_missing_answer_at_its_cell(registry, tmp_path):
    blank = tmp_path / "blank.xlsx"
    assert run_cli("template", "--format", "xlsx", "--out", str(blank)).exit_code == 0
    report = validate_path(blank, registry)
    assert_rejected(report, "required")
    cell = re.compile(r"^(?:'[^']+'|[A-Za-z][\w ]*)!\$?[A-Z]{1,3}\$?\d+")  # Organisation!B2, 'Action plan'!A2
    missing = [i for i in report.errors if i.rule == "required"]
    assert len(missing) >= 5
    assert all(cell.match(i.location) for i in missing), [i.location for i in missing]


def test_a_json_object_that_is_not_a_return_is_named_as_such(registry, tmp_path):
    report = validate_path(write(tmp_path, "return.json", b'{"name": "Northgate", "technicians": 412}'), registry)
    assert_rejected(report, "form.not_a_return")
    assert report.issues[0].location == "/"


def test_malformed_json_names_the_line_and_column(registry, tmp_path):
    report = validate_path(write(tmp_path, "return.json", b'{\n  "schema_version": "1.0",\n  "stage": 1,,\n}'),
                           registry)
    assert_rejected(report, "file.corrupt")
    assert "line 3, column" in report.issues[0].message


def test_json_that_is_not_utf8_names_the_byte(registry, tmp_path):
    report = validate_path(write(tmp_path, "return.json", '{"signatory_name": "Université"}'.encode("latin-1")),
                           registry)
    assert_rejected(report, "file.corrupt")
    assert "UTF-8" in report.issues[0].message and "byte" in report.issues[0].message


def test_json_nested_too_deeply_is_refused_in_plain_words(registry, tmp_path):
    data = b'{"schema_version": "1.0", "lead": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    report = validate_path(write(tmp_path, "return.json", data), registry)
    assert_rejected(report, "file.corrupt")
    assert "nested too deeply" in report.issues[0].message


def assert_refused_and_located(report: FileReport) -> None:
    assert not report.ok and report.errors
    assert all(i.location.strip() for i in report.issues)


def test_a_json_return_with_thousands_of_bad_list_items_is_refused_item_by_item(registry, tmp_path):
    # Regression: repairing the return once took time growing with the square of the bad items
    # (2,000 took ~25 s); it is now one pass per round. bench-free: this test simply stays fast.
    data = b'{"schema_version": "1.0", "other_metrics": [' + b",".join([b"0"] * 2000) + b"]}"
    path = write(tmp_path, "return.json", data)  # 4 KB
    report = validate_path(path, registry)
    assert_refused_and_located(report)
    schema = [i for i in report.issues if i.rule == "schema"]
    assert len(schema) == 2000 and {i.location for i in schema} == {f"/other_metrics/{n}" for n in range(2000)}


def test_a_large_json_file_is_read_in_little_memory(registry, tmp_path):
    data = b'{"schema_version": "1.0", "notes": [' + b",".join([b"0"] * 50_000) + b"]}"
    path = write(tmp_path, "return.json", data)  # 100 KB
    report, peak = peak_python_memory(lambda: validate_path(path, registry))
    assert_refused_and_located(report)
    assert peak < 3, f"{peak:.1f} MB to read a {len(data) // 1024} KB JSON file"


# --- wrong or missing extension ---------------------------------------------------------------

@pytest.mark.parametrize("name", ["return.txt", "return.xlsx", "return.json", "return.doc", "return", "RETURN.DOCX"])
def test_the_sample_under_a_wrong_or_missing_extension_is_read_by_its_content(registry, tmp_path, sample, name):
    """Leads rename files by accident; the content says what the file is, so it is read as the
    Word return it is rather than refused over its name."""
    report = validate_path(write(tmp_path, name, sample), registry, context=STAGE1)
    assert report.ok, report.issues
    assert report.plugin == "official_form"
    assert report.return_.technicians.headcount == 412


# --- password-protected or legacy Office files -------------------------------------------------

@pytest.mark.parametrize("name", ["return.docx", "return.xlsx", "return.doc", "return"])
def test_a_password_protected_office_file_is_refused_with_how_to_fix_it(registry, tmp_path, name):
    report = validate_path(write(tmp_path, name, minimal_ole()), registry)
    assert_refused_before_parsing(report, "file.encrypted_or_legacy")
    message = report.issues[0].message
    assert "password" in message and ".docx" in message


def test_a_zip_with_encrypted_parts_is_refused_as_password_protected(registry, tmp_path, sample):
    xml = dict(docx_parts(sample))["word/document.xml"]
    data = sample_with(sample, "word/document.xml", deflated(xml), len(xml), zlib.crc32(xml), flags=0x1)
    report = validate_path(write(tmp_path, "return.docx", data), registry)
    assert_refused_before_parsing(report, "file.encrypted_or_legacy")
    assert "password" in report.issues[0].message


# --- not a file at all -----------------------------------------------------------------------

def test_a_missing_path_is_unreadable(registry, tmp_path):
    report = validate_path(tmp_path / "no_such_return.docx", registry)
    assert_refused_before_parsing(report, "file.unreadable")
    assert "no file" in report.issues[0].message.lower()


def test_a_directory_is_unreadable(registry, tmp_path):
    folder = tmp_path / "returns.docx"
    folder.mkdir()
    report = validate_path(folder, registry)
    assert_refused_before_parsing(report, "file.unreadable")
    assert "folder" in report.issues[0].message


def test_a_broken_link_is_unreadable(registry, tmp_path):
    link = tmp_path / "return.docx"
    link.symlink_to(tmp_path / "gone.docx")
    report = validate_path(link, registry)
    assert_refused_before_parsing(report, "file.unreadable")


def test_a_file_without_read_permission_is_unreadable(registry, tmp_path, sample, monkeypatch):
    path = write(tmp_path, "return.docx", sample)
    real_open = Path.open

    def denied(self, *args, **kwargs):  # chmod 0 would not stop root, who runs CI
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", denied)
    report = validate_path(path, registry)
    assert_refused_before_parsing(report, "file.unreadable")
    assert "Permission denied" in report.issues[0].message


# --- size limit: checked before the file is read ------------------------------------------------

def test_a_file_over_the_default_limit_is_refused_without_being_read(registry, tmp_path):
    path = tmp_path / "huge.docx"
    with path.open("wb") as fh:
        fh.write(b"PK\x03\x04")
        fh.truncate(21 * MB)  # sparse: cheap to make, 21 MB to anyone who reads it
    report, peak = peak_python_memory(lambda: validate_path(path, registry))
    assert_refused_before_parsing(report, "file.too_large")
    assert "21.0 MB" in report.issues[0].message and "20.0 MB" in report.issues[0].message
    assert peak < 2, f"{peak:.1f} MB allocated for a file that should not have been read"


def test_the_size_limit_can_be_lowered_by_environment(registry, monkeypatch):
    monkeypatch.setenv("TECHBENCH_MAX_FILE_MB", "0.01")
    report = validate_path(SAMPLE, registry, context=STAGE1)
    assert_refused_before_parsing(report, "file.too_large")
    assert "limit" in report.issues[0].message


def test_the_size_limit_can_be_given_to_validate(registry):
    report = validate_path(SAMPLE, registry, context=STAGE1, limits=Limits(max_file_bytes=1000))
    assert_refused_before_parsing(report, "file.too_large")
    assert "1000 bytes" in report.issues[0].message


def test_reading_a_small_file_sets_aside_little_memory(registry, tmp_path, sample):
    path = write(tmp_path, "cut.docx", sample[:5000])
    report, peak = peak_python_memory(lambda: validate_path(path, registry))
    assert_refused_before_parsing(report, "file.corrupt")
    assert peak < 2, f"{peak:.1f} MB to read a 5 KB file"


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_file_that_grows_past_the_limit_while_read_is_refused(registry):
    """/dev/zero says it is 0 bytes long and never ends: the read itself stops at the limit."""
    report = validate_path(Path("/dev/zero"), registry, limits=Limits(max_file_bytes=1000))
    assert_refused_before_parsing(report, "file.too_large")


# --- zip bombs: refused from the zip's directory, or while inflating in small steps --------------

@pytest.fixture(scope="module")
def zeros_200mb() -> bytes:
    return deflated_zeros(200 * MB)


def test_a_docx_that_would_inflate_to_200mb_is_refused_without_inflating(registry, tmp_path, sample, zeros_200mb):
    data = sample_with(sample, "word/document.xml", zeros_200mb, 200 * MB, 0)
    assert len(data) < MB
    path = write(tmp_path, "bomb.docx", data)
    report, peak = peak_python_memory(lambda: validate_path(path, registry, context=STAGE1))
    assert_refused_before_parsing(report, "file.zip_limits")
    assert re.search(r"expand to 20\d\.\d MB.*the limit is 100\.0 MB", report.issues[0].message)
    assert peak < 10, f"peak Python memory {peak:.0f} MB: the bomb was inflated"


def test_a_zip_whose_directory_lies_about_sizes_is_refused_without_inflating(registry, tmp_path, sample,
                                                                             zeros_200mb):
    """The directory says word/document.xml holds 5000 bytes (with the CRC of 5000 zero bytes, so
    it checks out), but its data inflates to 200 MB. zipfile inflates all of it before cutting it
    to the declared size, so declared sizes alone do not protect memory."""
    data = sample_with(sample, "word/document.xml", zeros_200mb, 5000, zlib.crc32(bytes(5000)))
    path = write(tmp_path, "liar.docx", data)
    report, peak = peak_python_memory(lambda: validate_path(path, registry, context=STAGE1))
    assert_refused_before_parsing(report, "file.zip_limits")
    assert "word/document.xml" in report.issues[0].message
    assert peak < 10, f"peak Python memory {peak:.0f} MB: the lying part was inflated"


def test_a_lying_image_part_is_refused_too(registry, tmp_path, sample, zeros_200mb):
    data = sample_with(sample, "word/media/image1.png", zeros_200mb, 5000, zlib.crc32(bytes(5000)))
    report, peak = peak_python_memory(lambda: validate_path(write(tmp_path, "liar.docx", data), registry))
    assert_refused_before_parsing(report, "file.zip_limits")
    assert peak < 10


def test_a_part_compressed_far_beyond_any_real_document_is_refused(registry, tmp_path, sample):
    data = sample_with(sample, "word/media/image1.png", deflated_zeros(5 * MB), 5 * MB, 0)
    report = validate_path(write(tmp_path, "return.docx", data), registry)
    assert_refused_before_parsing(report, "file.zip_limits")
    assert "to 1" in report.issues[0].message


def test_the_unzipped_limit_can_be_lowered(registry, monkeypatch):
    monkeypatch.setenv("TECHBENCH_MAX_UNZIPPED_MB", "0.05")
    report = validate_path(SAMPLE, registry, context=STAGE1)
    assert_refused_before_parsing(report, "file.zip_limits")
    assert "expand" in report.issues[0].message


def test_a_zip_with_thousands_of_parts_is_refused(registry, tmp_path):
    members = [(f"word/part{i}.xml", b"", 0, 0, 0, 0) for i in range(5000)]
    report, peak = peak_python_memory(lambda: validate_path(write(tmp_path, "many.docx", raw_zip(members)), registry))
    assert_refused_before_parsing(report, "file.zip_limits")
    assert "2000" in report.issues[0].message
    assert peak < 5, f"{peak:.1f} MB to count the parts"


def run_measured(*args: str) -> tuple[int, bytes, bytes, float]:
    """Run a command; its exit status, output, error output and peak resident memory in MB."""
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        out, err = proc.stdout.read(), proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, out, err, usage.ru_maxrss / 1024  # ru_maxrss is in KB on Linux


@pytest.mark.skipif(not TECHBENCH.exists() or not sys.platform.startswith("linux"), reason="needs Linux and "
                    "the installed techbench command")
def test_the_bomb_through_the_real_command_keeps_its_memory_small(tmp_path, sample, zeros_200mb):
    """The whole process, C libraries included: the lying bomb costs no more than the sample does
    (before the fix it peaked at ~450 MB)."""
    liar = write(tmp_path, "liar.docx", sample_with(sample, "word/document.xml", zeros_200mb, 5000,
                                                    zlib.crc32(bytes(5000))))
    *_, baseline = run_measured(str(TECHBENCH), "validate", "--json", str(SAMPLE))
    code, out, err, peak = run_measured(str(TECHBENCH), "validate", "--json", str(liar))
    assert peak < baseline + 50, f"techbench peaked at {peak:.0f} MB on the bomb, {baseline:.0f} MB on the sample"
    assert code == 1, err
    assert json.loads(out)[0]["issues"][0]["rule"] == "file.zip_limits"


# --- the command line -------------------------------------------------------------------------

BAD_FILES = {
    "empty": ("empty.docx", lambda sample: b"", "file.empty"),
    "truncated": ("cut.docx", lambda sample: sample[:5000], "file.corrupt"),
    "not-a-return": ("minutes.docx", lambda sample: unrelated_word_document(), "form.not_a_return"),
    "password": ("locked.docx", lambda sample: minimal_ole(), "file.encrypted_or_legacy"),
    "bomb": ("bomb.docx", lambda sample: sample_with(sample, "word/media/x.bin", deflated_zeros(120 * MB),
                                                     120 * MB, 0), "file.zip_limits"),
    "unknown": ("notes.png", lambda sample: b"\x89PNG\r\n\x1a\n" + bytes(200), "file.unknown_format"),
    "scan": ("scan.pdf", lambda sample: PDF, "file.no_text"),
}


def run_cli(*args: str, **env: str):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "250", **env})


def assert_report_json(text: str, count: int) -> list[dict]:
    reports = json.loads(text)  # the whole of stdout is one JSON document
    assert isinstance(reports, list) and len(reports) == count
    for report in reports:
        assert set(report) == {"path", "plugin", "ok", "issues", "return"}
        assert isinstance(report["ok"], bool)
        for issue in report["issues"]:
            assert set(issue) == {"rule", "severity", "field", "location", "message"}
            assert issue["severity"] in ("error", "warning") and issue["location"]
    return reports


@pytest.mark.parametrize("kind", BAD_FILES)
def test_cli_rejects_each_bad_file_with_exit_1_and_its_reason(tmp_path, sample, kind):
    name, make, rule = BAD_FILES[kind]
    path = write(tmp_path, name, make(sample))

    human = run_cli("validate", str(path))
    assert human.exit_code == 1, human.output
    assert "Traceback" not in human.output
    assert isinstance(human.exception, SystemExit)  # a clean exit, not an escaped error
    assert "NOT ACCEPTED" in human.stdout and rule in human.stdout

    as_json = run_cli("validate", "--json", str(path))
    assert as_json.exit_code == 1
    [report] = assert_report_json(as_json.stdout, 1)
    assert report["path"] == str(path) and report["ok"] is False and report["return"] is None
    assert rule in [i["rule"] for i in report["issues"] if i["severity"] == "error"]
    for issue in report["issues"]:
        assert_plain(issue["message"])


@pytest.mark.parametrize("make", [lambda tmp: tmp / "missing.docx", lambda tmp: tmp])
def test_cli_reports_missing_paths_and_folders_as_unreadable(tmp_path, make):
    result = run_cli("validate", "--json", str(make(tmp_path)))
    assert result.exit_code == 1
    [report] = assert_report_json(result.stdout, 1)
    assert report["issues"][0]["rule"] == "file.unreadable"


def test_cli_one_good_one_bad_exits_1_and_reports_both(tmp_path, sample):
    bad = write(tmp_path, "cut.docx", sample[:5000])
    result = run_cli("validate", "--stage", "1", "--json", str(SAMPLE), str(bad))
    assert result.exit_code == 1
    good_report, bad_report = assert_report_json(result.stdout, 2)
    assert good_report["path"] == str(SAMPLE) and good_report["ok"] is True
    assert good_report["return"]["technicians"]["headcount"] == 412
    assert bad_report["path"] == str(bad) and bad_report["ok"] is False
    assert bad_report["issues"][0]["rule"] == "file.corrupt"

    human = run_cli("validate", "--stage", "1", str(SAMPLE), str(bad))
    assert human.exit_code == 1
    assert "VALID" in human.stdout and "NOT ACCEPTED" in human.stdout
    assert SAMPLE.name in human.stdout and bad.name in human.stdout


def test_cli_accepts_the_sample_with_exit_0():
    result = run_cli("validate", "--stage", "1", "--json", str(SAMPLE))
    assert result.exit_code == 0, result.output
    [report] = assert_report_json(result.stdout, 1)
    assert report["ok"] is True and report["plugin"] == "official_form"


def test_cli_size_limit_from_environment(tmp_path):
    result = run_cli("validate", "--json", str(SAMPLE), TECHBENCH_MAX_FILE_MB="0.01")
    assert result.exit_code == 1
    [report] = assert_report_json(result.stdout, 1)
    assert report["issues"][0]["rule"] == "file.too_large"


@pytest.mark.parametrize("args", [
    ["validate", "--stage", "99", str(SAMPLE)],
    ["validate", "--stage", "0", str(SAMPLE)],
    ["validate", "--stage", "two", str(SAMPLE)],
    ["validate", "--plugin", "no_such_plugin", str(SAMPLE)],
    ["validate"],
], ids=["stage-99", "stage-0", "stage-word", "unknown-plugin", "no-paths"])
def test_cli_usage_errors_exit_2_without_a_traceback(args):
    result = run_cli(*args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    assert "VALID" not in result.stdout and "ACCEPTED" not in result.stdout  # refused before any file was read


def test_cli_unknown_plugin_says_which_are_installed():
    result = run_cli("validate", "--plugin", "no_such_plugin", str(SAMPLE))
    assert result.exit_code == 2
    assert "no plugin named 'no_such_plugin'" in result.stderr and "official_form" in result.stderr


def test_the_installed_command_reports_good_and_bad_files_as_json(tmp_path, sample):
    bad = write(tmp_path, "locked.xlsx", minimal_ole())
    proc = subprocess.run([str(TECHBENCH), "validate", "--stage", "1", "--json", str(SAMPLE), str(bad)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    good_report, bad_report = assert_report_json(proc.stdout, 2)
    assert good_report["ok"] is True
    assert [i["rule"] for i in bad_report["issues"]] == ["file.encrypted_or_legacy"]
