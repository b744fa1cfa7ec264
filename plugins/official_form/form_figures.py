"""The form's tables of rows: technicians by area, professional registrations, other measures and
the action plan, each recognised by its heading row (``form_words.KINDS``) and read row by row."""

from __future__ import annotations

import dataclasses
import re

from pipeline.kit import ReturnBuilder, actions, normalise
from pipeline.kit.document import Cell, Table, cell_at
from pipeline.schema import Register, Theme

TOTAL_RE = re.compile(r"^\s*(grand\s+)?total\b", re.I)


def _value(row: tuple[Cell, ...], column: int) -> str:
    """The text of the cell covering grid ``column`` of ``row`` ("" if the row has none there)."""
    cell = cell_at(row, column)
    return cell.text.strip() if cell else ""


def _texts(row: tuple[Cell, ...], width: int) -> list[str]:
    """A row's texts by grid column (0-based), a merged cell's text in its first column only."""
    texts = [""] * width
    for cell in row:
        texts[cell.column - 1] = cell.text.strip()
    return texts


def _plan_columns(headers: list[str], mapping: dict[str, int]) -> actions.ColumnMap:
    """The plan's columns by their headings (``actions.map_headers``). A heading that only contains
    the word ("Actions to develop our technicians") still names the action column, which the table
    was recognised by: without it every action would be blank."""
    cmap = actions.map_headers(headers)
    if "action" in cmap.fields or "action" not in mapping:
        return cmap
    col = mapping["action"] - 1
    return dataclasses.replace(cmap, fields={**cmap.fields, "action": col},
                               extra=tuple(c for c in cmap.extra if c != col), numbers=cmap.numbers - {col})



def read_areas(b: ReturnBuilder, table: Table, mapping: dict[str, int]) -> None:
    """Technicians by area; the totals from a total row, else summed from the areas."""
    b.at("/technicians/headcount", f"{table.where(row=2)} (no rows filled in)")
    name_col = mapping.get("name", table.rows[0][0].column)
    total_row = None
    i = 0
    fte_values: list[float | None] = []
    for r_no, row in enumerate(table.rows[1:], start=2):
        get = lambda col: _value(row, mapping[col]) if col in mapping else ""  # noqa: E731
        at = lambda col: table.where(r_no, mapping[col])  # noqa: E731
        name = _value(row, name_col)
        if not any(c.text.strip() for c in row):
            continue
        if TOTAL_RE.match(name):
            total_row = r_no
            b.integer("/technicians/headcount", get("headcount"), at("headcount"), "The total number of technicians")
            if "fte" in mapping:
                b.number("/technicians/fte", get("fte"), at("fte"), "The total FTE")
            continue
        b.text(f"/technicians/areas/{i}/name", name or f"({table.where(r_no)})", table.where(r_no, name_col))
        b.integer(f"/technicians/areas/{i}/headcount", get("headcount"), at("headcount"), f"The headcount for '{name}'")
        if "fte" in mapping:
            fte_values.append(b.number(f"/technicians/areas/{i}/fte", get("fte"), at("fte"), f"The FTE for '{name}'"))
        i += 1
    if total_row is None and i:
        counts = [b.data["technicians"]["areas"][k].get("headcount") for k in range(i)]
        if None not in counts:
            b.set("/technicians/headcount", sum(counts), f"{table.label} (sum of the area rows, no total row)")
        if fte_values and None not in fte_values:
            b.set("/technicians/fte", round(sum(fte_values), 2), f"{table.label} (sum of the area rows)")


def read_registrations(b: ReturnBuilder, table: Table, mapping: dict[str, int]) -> None:
    i = 0
    for r_no, row in enumerate(table.rows[1:], start=2):
        name, count = _value(row, mapping["name"]), _value(row, mapping["count"])
        if not name and not count or TOTAL_RE.match(name):
            continue
        where = table.where(r_no, mapping["name"])
        register = normalise.parse_register(name)
        # Registers beyond the list (a society's own) count as 'other', under their own name.
        b.set(f"/registrations/{i}/name", (register or Register.OTHER).value, where)
        if register is None:
            b.text(f"/registrations/{i}/label", name, where)
        b.integer(f"/registrations/{i}/count", count, table.where(r_no, mapping["count"]),
                  f"The number registered as {name}")
        i += 1


def read_metrics(b: ReturnBuilder, table: Table, mapping: dict[str, int]) -> None:
    i = 0
    for r_no, row in enumerate(table.rows[1:], start=2):
        cells = [c.text.strip() for c in row]
        if len(cells) < 2 or not any(cells):
            continue
        b.text(f"/other_metrics/{i}/name", cells[0], table.where(r_no, row[0].column))
        b.number(f"/other_metrics/{i}/count", cells[1], table.where(r_no, row[1].column),
                 f"The number for '{cells[0]}'")
        i += 1


def read_plan(b: ReturnBuilder, table: Table, mapping: dict[str, int], first: int, theme: Theme | None) -> int:
    """The plan's rows through ``pipeline.kit.actions``: fields only from columns whose heading says
    so, the plan's own columns kept under their headings, inferred themes and dates marked. Its
    actions are numbered from ``first`` (a plan may run over several tables); returns the next."""
    b.at("/action_plan", table.label)
    width = max(c.column + c.span - 1 for row in table.rows for c in row)
    plan = actions.PlanRows(b, _plan_columns(_texts(table.rows[0], width), mapping), first=first, theme=theme)
    for r_no, row in enumerate(table.rows[1:], start=2):
        plan.add(_texts(row, width), lambda col, r=r_no: table.where(r, col + 1), table.where(r_no))
    return plan.next
