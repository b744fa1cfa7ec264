"""Splitting a table into the logical tables it holds, for the official form reader.

Word keeps the form's technicians, registrations and other-measures tables apart, but they touch, so
LibreOffice joins them into one table when it saves the form as .odt or PDF or re-saves it as .docx;
people also put a title row ("Action plan 2024-26") above a table's heading. A ``Part`` starts at a
heading row of another kind of table than the one above it, so each table is read as its own, while
its locations stay those of the table the lead sees ("table 5, row 9"), not renumbered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pipeline.kit import normalise
from pipeline.kit.document import Cell, Table

Row = tuple[Cell, ...]
#: A kind of table: its name, its heading synonyms, and whether a row's column map makes a heading.
Kind = tuple[str, dict[str, tuple[str, ...]], Callable[[dict[str, int], Row], bool]]

MAX_HEADING_WORDS = 8  # a cell with more words is prose, not a column heading
TITLE_ROWS = 2  # title rows a table's heading may sit under


@dataclass(frozen=True)
class Part(Table):
    """Rows of ``table``-numbered table starting at its row ``first`` (1-based); ``where`` gives the
    whole table's row numbers, so row 1 of a part that starts at row 9 is "table 5, row 9"."""

    first: int = 1

    def where(self, row: int | None = None, column: int | None = None, paragraph: int | None = None) -> str:
        return super().where(None if row is None else row + self.first - 1, column, paragraph)


def header_map(row: Row, columns: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Column name -> the grid column (1-based) of the heading that names it."""
    mapping: dict[str, int] = {}
    for cell in row:
        column = normalise.match_header(cell.text, columns)
        if column and column not in mapping:
            mapping[column] = cell.column
    return mapping


def heading(row: Row, kinds: Sequence[Kind], strict: bool = False) -> tuple[str, dict[str, int]] | None:
    """The first of ``kinds`` whose heading ``row`` is, with its column map. ``strict`` also asks
    that the row look like nothing else: each filled cell a short heading of that kind (no figures,
    no sentences), as a heading found further down a table must."""
    filled = [c for c in row if c.text.strip()]
    for name, columns, fits in kinds:
        mapping = header_map(row, columns)
        if not mapping or not fits(mapping, row):
            continue
        if strict and any(len(c.text.split()) > MAX_HEADING_WORDS or not normalise.match_header(c.text, columns)
                          for c in filled):
            continue
        return name, mapping
    return None


def _title(row: Row) -> bool:
    """A row saying one thing at most, such as a title merged across the table."""
    return len({c.text.strip() for c in row if c.text.strip()}) <= 1


def _filled(row: Row) -> int:
    return sum(1 for c in row if c.text.strip())


def parts(table: Table, kinds: Sequence[Kind]) -> list[Table]:
    """``table`` cut before each row that is a heading of another kind than the part above; the
    table itself when there is no such row. Below a table's first row, only a strict heading counts
    (see ``heading``), but one under title rows within the first ``TITLE_ROWS`` + 1 counts as it
    would in the first row. A part above the first heading (title rows, or a table of another sort)
    is kept, to be read as whatever it is."""
    rows = table.rows
    if len(rows) < 2:
        return [table]
    current = (heading(rows[0], kinds) or (None,))[0] if _filled(rows[0]) >= 2 else None
    starts = [0]
    for i in range(1, len(rows)):
        under_titles = len(starts) == 1 and current is None and i <= TITLE_ROWS and all(map(_title, rows[:i]))
        found = heading(rows[i], kinds, strict=not under_titles) if _filled(rows[i]) >= 2 else None
        if found and found[0] != current:
            starts.append(i)
            current = found[0]
    if len(starts) == 1:
        return [table]
    ends = [*starts[1:], len(rows)]
    return [Part(number=table.number, rows=rows[s:e], page=table.page, inside=table.inside, first=s + 1)
            for s, e in zip(starts, ends)]
