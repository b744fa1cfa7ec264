"""Validating files: intake checks, plugin choice, parsing and the rules, as one structured report.

The same function serves the CLI, the pipeline and the dashboard's upload, so a lead sees the
same findings wherever the file is handed in.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.validation import rules
from pipeline.kit.builder import pointer_parts
from pipeline.kit.intake import Limits, Rejected, read_source, screen
from pipeline.kit.hooks import WHOLE_FILE, Issue, ParseContext, SourceFile
from pipeline.registry import PluginError, Registry
from pipeline.schema import CanonicalReturn

if TYPE_CHECKING:
    from pipeline.handin.landing import Landed

log = logging.getLogger(__name__)


@dataclass
class FileReport:
    path: str
    plugin: str | None = None
    issues: list[Issue] = field(default_factory=list)
    return_: CanonicalReturn | None = None

    @property
    def ok(self) -> bool:
        return self.return_ is not None and not self.errors

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "plugin": self.plugin,
            "ok": self.ok,
            "issues": [i.model_dump(mode="json") for i in self.issues],
            "return": self.return_.model_dump(mode="json") if self.return_ else None,
        }


@dataclass
class Processed:
    """A landed file and its report: parsed, then validated. (Here, not in the warehouse module, so
    the processes that parse files do not import DuckDB for it.)"""

    landed: Landed
    report: FileReport


def validate_source(
    source: SourceFile,
    registry: Registry,
    *,
    plugin: str | None = None,
    context: ParseContext | None = None,
    limits: Limits | None = None,
    path: str | None = None,
) -> FileReport:
    """Intake checks, the plugin's reading, then the rules: the whole report for one file."""
    context = context or ParseContext()
    report = parse_source(source, registry, plugin=plugin, context=context, limits=limits, path=path)
    return apply_rules(report, context)


def parse_source(
    source: SourceFile,
    registry: Registry,
    *,
    plugin: str | None = None,
    context: ParseContext | None = None,
    limits: Limits | None = None,
    path: str | None = None,
) -> FileReport:
    """Intake checks and the plugin's reading only: what the file says, before any rule."""
    context = context or ParseContext()
    report = FileReport(path=path or source.name)
    try:
        screen(source, limits or Limits.from_env())
    except Rejected as rejected:
        report.issues.append(rejected.issue)
        return report
    try:
        chosen = registry.get(plugin) if plugin else registry.choose(source, context.signatory)
    except PluginError as exc:
        report.issues.append(Issue(rule="plugin.unknown", severity="error", location=WHOLE_FILE, message=str(exc)))
        return report
    if chosen is not None and not chosen.reads_returns:
        report.issues.append(Issue(rule="plugin.unknown", severity="error", location=WHOLE_FILE,
                                   message=f"The '{chosen.name}' plugin does not read returns."))
        return report
    if chosen is None:
        formats = sorted({f for p in registry for f in p.info.formats})
        report.issues.append(Issue(
            rule="file.unknown_format", severity="error", location=WHOLE_FILE,
            message="No installed reader recognises this file. techbench reads: "
            f"{', '.join(formats) or 'nothing (no plugins installed)'}; "
            "check that this is the return and not another document."))
        return report
    report.plugin = chosen.name
    result = chosen.parse(source, context)
    report.issues.extend(result.issues)
    report.return_ = result.return_
    return report


def apply_rules(report: FileReport, context: ParseContext) -> FileReport:
    """Add the rules' findings to a parsed report."""
    if report.return_ is not None:
        # A value the reader already reported as unreadable is not reported again as missing.
        reported = {i.field for i in report.issues if i.field}
        dump = report.return_.model_dump(mode="json")
        try:
            report.issues.extend(i for i in rules.check(report.return_, context)
                                 if i.field not in reported or _value_at(dump, i.field) is not None)
        except Exception:  # a bug in a rule must not cost the lead their report
            log.exception("validation rules failed on %s", report.path)
            report.issues.append(Issue(rule="internal.error", severity="error", location=WHOLE_FILE,
                                       message="techbench could not finish checking this file; "
                                       "please report it to the techbench team."))
    return report


def _value_at(data: Any, pointer: str) -> Any:
    for part in pointer_parts(pointer):
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return None if data in ("", []) else data


def validate_path(
    path: Path,
    registry: Registry,
    *,
    plugin: str | None = None,
    context: ParseContext | None = None,
    limits: Limits | None = None,
) -> FileReport:
    limits = limits or Limits.from_env()
    try:
        source = read_source(path, limits)
    except Rejected as rejected:
        return FileReport(path=str(path), issues=[rejected.issue])
    return validate_source(source, registry, plugin=plugin, context=context, limits=limits, path=str(path))
