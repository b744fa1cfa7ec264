"""The faculty_workbook plugin: an institution's own Excel workbook, kept by faculty and by theme.

Registered through the ``techbench.plugins`` entry point (``pyproject.toml``). The register of
signatories says which signatories hand in this format; the plugin itself serves any.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.kit import ParseContext, ParseResult, PluginInfo, SourceFile, hookimpl
from pipeline.schema import CanonicalReturn
from plugins.faculty_workbook import reader

SAMPLES = Path(__file__).resolve().parent / "samples"
SAMPLE = SAMPLES / "faculty_workbook_synthetic_stage1.xlsx"

INFO = PluginInfo(
    name="faculty_workbook",
    version="1.0.0",
    description="A university's own Technician Commitment workbook (.xlsx): Cover, About, technical "
    "staff by faculty, professional recognition, and one sheet per theme with achievements since "
    "signing and the action plan.",
    formats=["xlsx"],
    signatories=None,
    samples=[str(SAMPLE)],
)


@hookimpl
def techbench_plugin_info() -> PluginInfo:
    return INFO


@hookimpl
def techbench_detect(source: SourceFile) -> float:
    """0.95+ for a faculty workbook (its sheet names, or its marker); 0.0 for anything else."""
    try:
        return reader.confidence(source.data)
    except Exception:  # detect must never raise
        return 0.0


@hookimpl
def techbench_parse(source: SourceFile, context: ParseContext) -> ParseResult:
    return reader.read(source, INFO, context)


@hookimpl
def techbench_write(ret: CanonicalReturn, directory: Path, stem: str, fmt: str | None) -> Path:
    if fmt not in (None, "xlsx"):
        raise ValueError(f"the faculty_workbook plugin writes xlsx, not {fmt}")
    path = Path(directory) / f"{stem}.xlsx"
    from plugins.faculty_workbook import writer  # openpyxl's writer only when writing

    return writer.write(ret, path)
