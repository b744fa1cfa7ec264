"""The quality suite's report: each expectation's outcome per table, as a summary and as JSON.

Built from Great Expectations' validation results (``outcome``) without importing GX itself.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

#: How many unexpected rows the report keeps per expectation.
EXAMPLES = 5


@dataclass
class ExpectationOutcome:
    expectation: str
    column: str | None
    success: bool
    unexpected_count: int = 0
    examples: list[Any] = field(default_factory=list)
    description: str | None = None
    error: str | None = None

    def line(self, examples: int = 3) -> str:
        """One line: what was expected, how many rows broke it, and a few of them."""
        text = self.expectation + (f" [{self.column}]" if self.column else "")
        if self.description:
            text += f" ({self.description.rstrip('.')})"
        if self.error:
            return f"{text}: could not be checked: {self.error}"
        shown = "; ".join(_example_text(e) for e in self.examples[:examples])
        return f"{text}: {self.unexpected_count} unexpected" + (f", e.g. {shown}" if shown else "")


def _example_text(example: Any, width: int = 60) -> str:
    def short(value: Any) -> str:
        text = json.dumps(value, default=str, ensure_ascii=False)
        return text if len(text) <= width else text[: width - 3] + "..."

    if isinstance(example, dict):
        return ", ".join(f"{k}={short(v)}" for k, v in example.items())
    return short(example)


@dataclass
class TableOutcome:
    table: str
    suite: str
    rows: int
    success: bool
    expectations: list[ExpectationOutcome] = field(default_factory=list)

    @property
    def failures(self) -> list[ExpectationOutcome]:
        return [e for e in self.expectations if not e.success]


@dataclass
class QualityReport:
    success: bool
    tables: list[TableOutcome]
    data_docs_index: Path
    results_path: Path
    gx_version: str
    ran_at: str
    seconds: float
    gx_import_seconds: float = 0.0

    def table(self, name: str) -> TableOutcome:
        return next(t for t in self.tables if t.table == name)

    @property
    def failures(self) -> list[tuple[str, ExpectationOutcome]]:
        return [(t.table, e) for t in self.tables for e in t.failures]

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["data_docs_index"] = str(self.data_docs_index)
        out["results_path"] = str(self.results_path)
        return out

    def summary(self) -> str:
        checks = sum(len(t.expectations) for t in self.tables)
        lines = [f"Data quality: {'PASSED' if self.success else 'FAILED'} - {len(self.failures)} of {checks} "
                 f"expectations failed on {len(self.tables)} tables (Great Expectations {self.gx_version}, "
                 f"{self.seconds:.1f} s)"]
        for t in self.tables:
            state = "ok" if t.success else f"{len(t.failures)} failed"
            rows = f"{t.rows:>7} rows" if t.rows else "no rows".rjust(12)
            lines.append(f"  {t.table:<22} {rows}  {state}")
            lines.extend(f"      - {e.line()}" for e in t.failures)
        lines.append(f"Data Docs: {self.data_docs_index}")
        return "\n".join(lines)


def _plain(value: Any) -> Any:
    """A JSON-friendly copy of a value from a GX result (numpy scalars, timestamps, tuples)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (TypeError, ValueError):
            return str(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _exception_message(info: Any) -> str | None:
    """GX reports an exception flat, or per failing metric in a dict keyed by metric id."""
    if not isinstance(info, dict):
        return None
    if "raised_exception" in info:
        return str(info.get("exception_message") or "error") if info["raised_exception"] else None
    messages = [m for m in map(_exception_message, info.values()) if m]
    return "; ".join(messages) or None


def outcome(result) -> ExpectationOutcome:
    """One expectation's outcome from GX's ``ExpectationValidationResult``."""
    config = result.expectation_config
    kwargs = config.kwargs
    column = kwargs.get("column") or ", ".join(
        kwargs.get("column_list") or [c for c in (kwargs.get("column_A"), kwargs.get("column_B")) if c]) or None
    error = _exception_message(result.exception_info)
    details = result.result or {}
    examples = details.get("partial_unexpected_index_list") or details.get("partial_unexpected_list") or []
    return ExpectationOutcome(
        expectation=config.type, column=column, success=bool(result.success),
        unexpected_count=int(details.get("unexpected_count") or 0), examples=_plain(examples[:EXAMPLES]),
        description=config.description, error=error)
