"""The mapped-workbook plugin: institutions' own spreadsheets, each described by a YAML mapping.

Supporting a new spreadsheet layout needs no code: a mapping file in ``mappings/`` (or in a folder
named by ``$TECHBENCH_MAPPINGS``) says where each canonical field is. Mapping files are checked
when they are loaded; a broken one is left out and reported (``mapping_problems()``), and the
others keep working.
"""

from __future__ import annotations

import html
import io
import logging
import re
import zipfile
from functools import cache
from pathlib import Path

from pipeline.kit import WHOLE_FILE, Issue, ParseContext, ParseResult, PluginInfo, SourceFile, hookimpl
from pipeline.schema import CanonicalReturn
from pipeline.kit.workbook import ods_outline
from plugins.mapped_workbook import reader
from plugins.mapped_workbook.layout import Mapping, MappingSet
from plugins.mapped_workbook.loading import load_mappings
from plugins.mapped_workbook.problems import MappingProblem
from plugins.mapped_workbook.targets import key

log = logging.getLogger(__name__)

NAME = "mapped_workbook"
VERSION = "1.0.0"
SAMPLES = Path(__file__).parent / "samples"
#: detect() reads only xl/workbook.xml, and only if it is smaller than this.
MAX_WORKBOOK_XML = 2 * 1024 * 1024
#: The official techbench workbook names itself with this defined name; it is never ours.
OFFICIAL_MARKER = b"techbench_workbook"
ALL_SHEETS = 0.95
_SHEET_NAME = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"')


@cache
def default_mappings() -> MappingSet:
    """The shipped mappings and those in ``$TECHBENCH_MAPPINGS``, loaded once."""
    found = load_mappings()
    for problem in found.problems:
        log.warning("mapping file problem: %s", problem)
    return found


def mapping_problems() -> list[MappingProblem]:
    """What is wrong with the mapping files this plugin was given (for `techbench plugins` and
    the like to print): each problem names the file, the line and column, and what is wrong."""
    return list(default_mappings().problems)


def info(mappings: MappingSet | None = None) -> PluginInfo:
    mappings = mappings or default_mappings()
    return PluginInfo(
        name=NAME,
        version=VERSION,
        description="Institutions' own spreadsheets, each layout described by a YAML mapping file "
        f"({len(mappings.mappings)} loaded" + (f", {len(mappings.problems)} problem(s) in mapping files"
                                               if mappings.problems else "") + ").",
        formats=["xlsx"],
        signatories=mappings.signatories,
        samples=[str(p) for p in sorted(SAMPLES.glob("*.xlsx"))],
    )


def _workbook_xml(data: bytes) -> bytes | None:
    """``xl/workbook.xml`` of an .xlsx within MAX_WORKBOOK_XML, else None. Never raises."""
    try:
        if not data.startswith(b"PK\x03\x04"):
            return None
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            part = zf.getinfo("xl/workbook.xml")
            return zf.read(part) if part.file_size <= MAX_WORKBOOK_XML else None
    except Exception:
        return None


def sheet_names(data: bytes) -> list[str] | None:
    """The workbook's sheet names, read from ``xl/workbook.xml`` alone (None if ``data`` is not an
    .xlsx), or from an .ods's ``content.xml``. Never raises."""
    ods = ods_outline(data)
    if ods is not None:
        return ods[0]
    xml = _workbook_xml(data)
    if xml is None:
        return None
    try:
        return [html.unescape(n.decode("utf-8", "replace")) for n in _SHEET_NAME.findall(xml)]
    except Exception:
        return None


def is_official_workbook(data: bytes) -> bool:
    ods = ods_outline(data)
    if ods is not None:
        return OFFICIAL_MARKER.decode() in ods[1]
    xml = _workbook_xml(data)
    return xml is not None and OFFICIAL_MARKER in xml


def score(mapping: Mapping, names: list[str]) -> float:
    """How well a workbook's sheets fit a mapping: ALL_SHEETS when every mapped sheet is there;
    less (and never 0.9 or more) when at least two and half of them are; else 0."""
    have = {key(n) for n in names}
    wanted = [key(s) for s in mapping.sheets]
    if not wanted:
        return 0.0
    present = sum(1 for s in wanted if s in have)
    if present == len(wanted):
        return ALL_SHEETS
    if present >= 2 and present * 2 >= len(wanted):
        return 0.3 + 0.5 * present / len(wanted)
    return 0.0


def choose(mappings: MappingSet, names: list[str], signatory: str | None) -> tuple[Mapping | None, float]:
    """The mapping for a workbook: the best-fitting one serving ``signatory`` if any fits, else the
    best-fitting one; ties go to the first in file order."""
    scored = [(score(m, names), i, m) for i, m in enumerate(mappings.mappings)]
    scored = [s for s in scored if s[0] > 0]
    if signatory:
        own = [s for s in scored if signatory in s[2].spec.signatories]
        scored = own or scored
    if not scored:
        return None, 0.0
    best = max(scored, key=lambda s: (s[0], -s[1]))
    return best[2], best[0]


@hookimpl
def techbench_plugin_info() -> PluginInfo:
    return info()


@hookimpl
def techbench_detect(source: SourceFile) -> float:
    try:
        names = sheet_names(source.data)
        if not names or is_official_workbook(source.data):
            return 0.0
        return choose(default_mappings(), names, None)[1]
    except Exception:  # detect must never raise
        return 0.0


def parse(source: SourceFile, context: ParseContext, mappings: MappingSet | None = None) -> ParseResult:
    """Read ``source`` with the best mapping of ``mappings`` (default: the plugin's)."""
    mappings = mappings or default_mappings()
    names = sheet_names(source.data)
    if names is None:
        return ParseResult(None, [Issue(
            rule="file.unknown_format", severity="error", location=WHOLE_FILE,
            message="This is not an Excel workbook (.xlsx) this reader knows. Save the return as an .xlsx "
            "(Excel Workbook) in your institution's usual layout.")])
    if is_official_workbook(source.data):
        return ParseResult(None, [Issue(
            rule="form.not_a_return", severity="error", location=WHOLE_FILE,
            message="This is the techbench workbook (from `techbench template --format xlsx`), not an "
            "institution's own spreadsheet; it is read by the official_form plugin.")])
    mapping, _ = choose(mappings, names, context.signatory)
    if mapping is None:
        own = mappings.for_signatory(context.signatory)
        expected = (f"; the layout for {context.signatory} ({own.name}) has the sheets "
                    + ", ".join(own.sheets)) if own else ""
        return ParseResult(None, [Issue(
            rule="form.not_a_return", severity="error", location=WHOLE_FILE,
            message="This workbook's sheets (" + (", ".join(names) or "none") + ") do not match any known "
            f"spreadsheet layout{expected}. Check that this is the return, with its sheets named as usual.")])
    result = reader.read(source, mapping, info(mappings), context)
    if context.signatory and context.signatory not in mapping.spec.signatories:
        result.issues.insert(0, Issue(
            rule="layout.other_signatory", severity="warning", location=WHOLE_FILE,
            message=f"This workbook has the layout of {', '.join(mapping.spec.signatories)} ({mapping.name}), not "
            f"the one registered for {context.signatory}; it was read with that layout. Check that it is the "
            "right file."))
    return result


@hookimpl
def techbench_parse(source: SourceFile, context: ParseContext) -> ParseResult:
    return parse(source, context)


def mapping_for(signatory: str | None, mappings: MappingSet | None = None) -> Mapping:
    """The layout to write for ``signatory``: its mapping, else (None or unknown) the first."""
    mappings = mappings or default_mappings()
    if not mappings.mappings:
        raise ValueError("no valid mapping files are loaded: " + "; ".join(map(str, mappings.problems)))
    return mappings.for_signatory(signatory) or mappings.mappings[0]


@hookimpl
def techbench_write(ret: CanonicalReturn, directory: Path, stem: str, fmt: str | None,
                    signatory: str | None) -> Path:
    if fmt not in (None, "xlsx"):
        raise ValueError(f"the {NAME} plugin writes xlsx, not {fmt}")
    from plugins.mapped_workbook import writer  # openpyxl's writer only when writing

    return writer.write(ret, Path(directory) / f"{stem}.xlsx", mapping_for(signatory))


@hookimpl
def techbench_register_commands(cli) -> None:
    """`techbench mapping` (imported only when the command line asks for contributed commands)."""
    from plugins.mapped_workbook import commands

    commands.techbench_register_commands(cli)
