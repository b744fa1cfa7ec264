"""A loaded mapping: the layout of one kind of workbook, as the reader and the writer ask about it."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple

from plugins.mapped_workbook.problems import MappingProblem
from plugins.mapped_workbook.spec import FieldSpec, MappingSpec, alias
from plugins.mapped_workbook.targets import CODED, SINGLE_FIELDS, TABLES, TableKind, Target, canonical_value, key


@dataclass(eq=False)
class Mapping:
    """A valid mapping file: the layout of one kind of workbook."""

    path: Path
    spec: MappingSpec
    #: path in the file -> (line, column), for the order of the file and for messages
    lines: dict[tuple, tuple[int, int]] = field(repr=False, default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def signatories(self) -> list[str]:
        return list(self.spec.signatories)

    def _line(self, *path: Any) -> tuple[int, int]:
        return self.lines.get(tuple(path), (0, 0))

    @cached_property
    def fields(self) -> list[tuple[str, FieldSpec, Target]]:
        """The single-value fields it maps, in the order of the file."""
        found = [(name, getattr(self.spec.fields, alias(name)), target) for name, target in SINGLE_FIELDS.items()]
        found = [f for f in found if f[1] is not None]
        return sorted(found, key=lambda f: self._line("fields", f[0]))

    @cached_property
    def tables(self) -> list[tuple[str, Any, TableKind]]:
        """The tables it maps, in the order of the file."""
        found = [(name, getattr(self.spec.tables, alias(name)), kind) for name, kind in TABLES.items()]
        found = [t for t in found if t[1] is not None]
        return sorted(found, key=lambda t: self._line("tables", t[0]))

    def columns(self, table: str) -> list[tuple[str, list[str]]]:
        """A table's mapped columns (name, headings), in the order of the file."""
        spec = getattr(self.spec.tables, alias(table))
        cols = [(c, getattr(spec.columns, c)) for c in TABLES[table].columns if getattr(spec.columns, c)]
        return sorted(cols, key=lambda c: self._line("tables", table, "columns", c[0]))

    @cached_property
    def sheets(self) -> list[str]:
        """Every sheet it reads, in the order it first mentions them."""
        mentions = [(self._line("fields", n, "sheet"), s.sheet) for n, s, _ in self.fields]
        mentions += [(self._line("tables", n, "sheet"), s.sheet) for n, s, _ in self.tables]
        seen: dict[str, str] = {}
        for _, sheet in sorted(mentions, key=lambda m: m[0]):
            seen.setdefault(key(sheet), sheet)
        return list(seen.values())

    @cached_property
    def mapped(self) -> set[str]:
        """Canonical pointers this layout has a place for."""
        found = {t.pointer for _, _, t in self.fields}
        for name, spec, kind in self.tables:
            found.add(kind.pointer)
            if name == "technicians.areas" and spec.total_label:
                found.add("/technicians/headcount")
                if spec.columns.fte:
                    found.add("/technicians/fte")
        return found

    def unmapped(self) -> list[str]:
        """Canonical fields and tables this layout has no place for (always empty when read)."""
        missing = [n for n, t in SINGLE_FIELDS.items() if t.pointer not in self.mapped]
        return missing + [n for n, k in TABLES.items() if k.pointer not in self.mapped]

    def written_codes(self, coded: str) -> dict[str, str]:
        """The codes of a coded column as the file writes them: code -> canonical text."""
        return getattr(self.spec.values, alias(coded)) or {}

    def codes(self, coded: str) -> dict[str, str]:
        """The codes of a coded column: key(code) -> canonical text."""
        return {key(code): target for code, target in self.written_codes(coded).items()}

    def code_for(self, coded: str, value: Any) -> str | None:
        """The first code the file gives for a canonical value (for writing)."""
        kind = CODED[coded]
        for code, target in self.written_codes(coded).items():
            if canonical_value(kind, target) == value:
                return code
        return None


class MappingSet(NamedTuple):
    """The mappings that loaded, and the problems of those that did not."""

    mappings: list[Mapping]
    problems: list[MappingProblem]

    def for_signatory(self, slug: str | None) -> Mapping | None:
        return next((m for m in self.mappings if slug in m.spec.signatories), None) if slug else None

    @property
    def signatories(self) -> list[str]:
        return sorted({s for m in self.mappings for s in m.spec.signatories})
