"""The official-form plugin: the self-assessment form as Word, the techbench workbook, or JSON.

Registered through the ``techbench.plugins`` entry point like any third-party plugin.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from pipeline.kit import (WHOLE_FILE, Issue, ParseContext, ParseResult, PluginInfo, Rejected, SourceFile, hookimpl,
                          odf_kind, odt, pdf)
from pipeline.schema import CanonicalReturn
from plugins.official_form import docx_reader, form_words, json_reader, xlsx_reader

INFO = PluginInfo(
    name="official_form",
    version="1.0.0",
    description="The Technician Commitment self-assessment form (.docx), the techbench workbook "
    "(.xlsx, from `techbench template`) and canonical JSON; also read: the form saved as .odt or PDF, "
    "the workbook saved as .ods.",
    formats=["docx", "xlsx", "json"],
    signatories=None,
    samples=[str(Path(__file__).parent / "samples" / name) for name in (
        "example_return_northgate_stage1.docx",  # the shared example (fictional, hand-made)
        "synthetic_hartmoor_stage1.docx", "synthetic_hartmoor_stage1.xlsx", "synthetic_hartmoor_stage1.json")],
)


def _zip_names(data: bytes) -> set[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return set(zf.namelist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return set()


def kind(source: SourceFile) -> str | None:
    """'docx', 'odt', 'pdf', 'xlsx' (or .ods) or 'json' by content (the extension is only a tie-breaker)."""
    data = source.data
    if data.startswith(b"PK\x03\x04"):
        odf = odf_kind(data)
        if odf:  # an .ods is read by the workbook reader, which opens .ods as well
            return "xlsx" if odf == "ods" else odf
        names = _zip_names(data)
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        return None
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return "json"
    return None


@hookimpl
def techbench_plugin_info() -> PluginInfo:
    return INFO


@hookimpl
def techbench_detect(source: SourceFile) -> float:
    found = kind(source)
    if found == "json":
        return 0.9 if b'"schema_version"' in source.data[:4096] or b'"schema_version"' in source.data else 0.2
    if found == "xlsx":
        return xlsx_reader.template_score(source.data) or 0.1
    if found == "docx":
        return 0.8 if form_words.looks_like_form(source.data) else 0.3
    if found == "odt":
        return 0.8 if form_words.looks_like_form(source.data, "content.xml") else 0.3
    if found == "pdf":
        return 0.5  # its text is compressed: the form is recognised when read
    return 0.0


def _read_document(read, source: SourceFile, context: ParseContext) -> ParseResult:
    """The form from an .odt or PDF: the file's ``Document`` (``read``), or the reason it has none."""
    try:
        document = read(source.data)
    except Rejected as rejected:
        return ParseResult(None, [rejected.issue])
    return docx_reader.read_form(document, source, INFO, context)


@hookimpl
def techbench_write(ret: CanonicalReturn, directory: Path, stem: str, fmt: str | None) -> Path:
    fmt = fmt or "docx"
    path = directory / f"{stem}.{fmt}"
    if fmt == "docx":
        from plugins.official_form import docx_writer  # python-docx only when writing

        docx_writer.write(ret, path)
    elif fmt == "xlsx":
        from plugins.official_form import xlsx_template

        xlsx_template.write(path, ret)
    else:
        data = ret.model_dump(mode="json", exclude={"provenance"}, exclude_defaults=False)
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


@hookimpl
def techbench_parse(source: SourceFile, context: ParseContext) -> ParseResult:
    found = kind(source)
    if found == "docx":
        return docx_reader.read(source, INFO, context)
    if found == "odt":
        return _read_document(odt.read, source, context)
    if found == "pdf":
        return _read_document(pdf.read, source, context)
    if found == "xlsx":
        return xlsx_reader.read(source, INFO, context)
    if found == "json":
        return json_reader.read(source, INFO, context)
    return ParseResult(None, [Issue(
        rule="file.unknown_format", severity="error", location=WHOLE_FILE,
        message="This is not a Word (.docx), Excel (.xlsx) or JSON file. Send the return as the "
        "Word form, the techbench workbook or JSON.")])


@hookimpl
def techbench_register_commands(cli) -> None:
    """`techbench template` (imported only when the command line asks for contributed commands)."""
    from plugins.official_form import commands

    commands.techbench_register_commands(cli)
