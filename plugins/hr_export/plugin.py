"""The HR-export plugin: a return exported from an HR or planning system as one ZIP of coded CSV
files (submission, departments, technical staff, registrations, measures, initiatives, actions)
plus the narrative answers in Markdown. ``README.md`` in this folder describes the layout.

Registered through the ``techbench.plugins`` entry point like any third-party plugin.
"""

from __future__ import annotations

import io
import logging
import zipfile
from pathlib import Path

from pipeline.kit import WHOLE_FILE, Issue, ParseContext, ParseResult, PluginInfo, SourceFile, hookimpl
from pipeline.schema import CanonicalReturn
from plugins.hr_export import codes, members, reader, writer

log = logging.getLogger(__name__)

SAMPLE = Path(__file__).resolve().parent / "samples" / "synthetic_hr_export_stage1.zip"

INFO = PluginInfo(
    name="hr_export",
    version="1.0.0",
    description="An export from an HR or planning system: one .zip of coded CSV files (submission, "
    "departments, technical_staff, registrations, measures, initiatives, actions) and narrative.md.",
    formats=[codes.FORMAT],
    signatories=None,
    samples=[str(SAMPLE)],
)

#: Parts that make a zip an Office or OpenDocument file rather than an export.
_OFFICE = ("[Content_Types].xml", "mimetype", "word/", "xl/", "ppt/")


@hookimpl
def techbench_plugin_info() -> PluginInfo:
    return INFO


@hookimpl
def techbench_detect(source: SourceFile) -> float:
    """From the zip's list of names only: how many of the export's files it holds."""
    try:
        if not source.data.startswith(reader.ZIP_MAGIC):
            return 0.0
        with zipfile.ZipFile(io.BytesIO(source.data)) as zf:
            names = zf.namelist()
    except Exception:
        return 0.0
    if any(n == m or (m.endswith("/") and n.startswith(m)) for n in names for m in _OFFICE):
        return 0.0
    found = members.member_names(names)
    if not found:
        return 0.0
    if len(found) >= 6 or {codes.SUBMISSION, codes.ACTIONS} <= found and len(found) >= 4:
        return 0.95
    # Part of an export: still ours to read, so the lead is told which files are missing.
    return 0.3 + 0.05 * len(found)


@hookimpl
def techbench_parse(source: SourceFile, context: ParseContext) -> ParseResult:
    try:
        return reader.read(source, INFO, context)
    except Exception:  # the contract: never raise; say so plainly and log the detail
        log.exception("hr_export failed to read %s", source.name)
        return ParseResult(None, [Issue(
            rule="plugin.failed", severity="error", location=WHOLE_FILE,
            message="The HR export could not be read. Check that it is the export zip and not damaged; "
                    "if it is, report this to the techbench team.")])


@hookimpl
def techbench_write(ret: CanonicalReturn, directory: Path, stem: str, fmt: str | None) -> Path:
    if fmt not in (None, codes.FORMAT):
        raise ValueError(f"the hr_export plugin writes zip, not {fmt}")
    return writer.write(ret, Path(directory) / f"{stem}.{codes.FORMAT}")
