"""Writing a canonical return in the layout a mapping describes (templates, synthetic sector, tests).

The layout of each sheet follows from the mapping alone, in the order of the mapping file:

* row 1: the layout's description as a title, or the synthetic-data banner;
* from row 3: one row per labelled field (label, then the value to its right), and the fixed
  cells where they say;
* two rows below: the heading row of the sheet's table(s), then one row per item (an areas table
  ends with its total row; tables sharing a sheet are told apart by their ``where`` column).

Every field is written as it is (a blank stays blank), so reading the file back gives the same
return: text is always stored as text (never a formula, even when it starts with "="), days are
dates with a day number format. Laying a mapping out is done once; openpyxl writes the package.
The bytes differ from one write to the next (openpyxl stamps the time in the document
properties); ``pipeline.kit.samples.stable_bytes`` makes them the same for the same content.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from pipeline.schema import CanonicalReturn, Register
from plugins.mapped_workbook.layout import Mapping
from plugins.mapped_workbook.targets import key
from plugins.mapped_workbook.reader import SYNTHETIC_MARK, column_number, parse_cell

FIRST_ROW = 3
WIDTHS = {"text": 48, "day": 14, "whole": 14, "decimal": 14, "stage": 12, "due": 16, "theme": 20,
          "status": 16, "register": 20}

# Cell styles: (font, fill, alignment, number format); None leaves openpyxl's default.
NORMAL = (None, None, None, None)
DATE = (None, None, None, "dd/mm/yyyy")
HEADING = (Font(name="Calibri", sz=11, b=True), PatternFill("solid", fgColor="FFD9E1F2"), None, None)
BANNER = (Font(name="Calibri", sz=12, b=True, color="FFC00000"), None, None, None)
TITLE = (Font(name="Calibri", sz=13, b=True), None, None, None)
WRAP = (None, None, Alignment(vertical="top", wrap_text=True), None)

#: characters XML 1.0 cannot hold (openpyxl refuses them): dropped from text
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass
class _Single:
    row: int
    col: int
    label: str | None  # written left of the value; None for a fixed cell
    get: Any
    kind: str
    name: str


@dataclass
class _Table:
    name: str
    spec: Any
    cols: dict[str, int]
    where: tuple[int, str] | None


@dataclass
class _SheetPlan:
    title: str
    singles: list[_Single] = field(default_factory=list)
    header: int | None = None
    headings: list[tuple[int, str]] = field(default_factory=list)
    tables: list[_Table] = field(default_factory=list)
    widths: dict[int, float] = field(default_factory=dict)


@lru_cache(maxsize=64)
def plan(mapping: Mapping) -> list[_SheetPlan]:
    """Where everything goes, sheet by sheet (computed once per mapping)."""
    plans = {key(title): _SheetPlan(title) for title in mapping.sheets}
    default_label = mapping.spec.label_column
    fixed_rows: dict[str, set[int]] = {k: set() for k in plans}
    for name, spec, target in mapping.fields:
        if spec.cell:
            row, col = parse_cell(spec.cell)
            fixed_rows[key(spec.sheet)].add(row)
            plans[key(spec.sheet)].singles.append(_Single(row, col, None, attrgetter(name), target.kind, name))
    next_row = {k: FIRST_ROW for k in plans}
    for name, spec, target in mapping.fields:
        if spec.cell:
            continue
        k = key(spec.sheet)
        while next_row[k] in fixed_rows[k]:
            next_row[k] += 1
        label_col = column_number(spec.label_column or default_label)
        p = plans[k]
        p.singles.append(_Single(next_row[k], label_col + 1, spec.label[0], attrgetter(name), target.kind, name))
        p.widths[label_col] = max(p.widths.get(label_col, 0), 36)
        p.widths[label_col + 1] = max(p.widths.get(label_col + 1, 0), 70 if target.kind == "text" else 16)
        next_row[k] += 1
    for name, spec, kind in mapping.tables:
        p = plans[key(spec.sheet)]
        if p.header is None:
            p.header = max([1, *(s.row for s in p.singles)]) + 2
        columns = {key(text): c for c, text in p.headings}

        def column(text: str, width: float) -> int:
            if key(text) not in columns:
                columns[key(text)] = len(p.headings) + 1
                p.headings.append((columns[key(text)], text))
            c = columns[key(text)]
            p.widths[c] = max(p.widths.get(c, 0), width)
            return c

        where = None
        if spec.where:
            (heading, value), = spec.where.items()
            where = (column(heading, 18), value)
        cols = {col: column(labels[0], WIDTHS[kind.columns[col].kind]) for col, labels in mapping.columns(name)}
        p.tables.append(_Table(name, spec, cols, where))
    return [plans[key(title)] for title in mapping.sheets]


def _single_value(mapping: Mapping, s: _Single, ret: CanonicalReturn) -> Any:
    value = s.get(ret)
    if value is not None and s.kind == "stage":
        return mapping.code_for("stage", value) or value
    return value


def _theme(mapping: Mapping, coded: str, theme) -> str | None:
    return None if theme is None else (mapping.code_for(coded, theme) or theme.value)


def _rows(mapping: Mapping, t: _Table, ret: CanonicalReturn) -> list[dict[str, Any]]:
    if t.name == "technicians.areas":
        rows = [{"name": a.name, "headcount": a.headcount, "fte": a.fte} for a in ret.technicians.areas]
        if t.spec.total_label:
            rows.append({"name": t.spec.total_label[0], "headcount": ret.technicians.headcount,
                         "fte": ret.technicians.fte})
        return rows
    if t.name == "registrations":
        with_label = "label" in t.cols
        rows = []
        for reg in ret.registrations:
            name = mapping.code_for("registrations.name", reg.name) or reg.name.value
            if reg.name is Register.OTHER and not with_label and reg.label:
                name = reg.label  # read back as 'other' with this label
            rows.append({"name": name, "count": reg.count, "label": reg.label})
        return rows
    if t.name == "other_metrics":
        return [{"name": m.name, "count": m.count} for m in ret.other_metrics]
    if t.name in ("initiatives_before", "initiatives_since"):
        return [{"text": i.text, "theme": _theme(mapping, f"{t.name}.theme", i.theme)} for i in getattr(ret, t.name)]
    return [{"theme": _theme(mapping, "action_plan.theme", a.theme), "action": a.action, "owner": a.owner,
             "due": a.due.text if a.due else None, "evidence": a.evidence,
             "status": None if a.status is None else (
                 mapping.code_for("action_plan.status", a.status) or a.status.value.capitalize())}
            for a in ret.action_plan]


def _put(ws, row: int, col: int, value: Any, style: tuple = NORMAL) -> None:
    """Write ``value`` at (row, col) as the reader expects it back: numbers, booleans and dates as
    such (days with a day number format; non-finite numbers as their text), anything else as text.
    A blank (None) leaves the cell empty."""
    if value is None:
        return
    font, fill, alignment, number_format = style
    if isinstance(value, float) and not math.isfinite(value):
        value = repr(value)
    if isinstance(value, dt.date):  # and datetime
        number_format = number_format or DATE[3]
    elif not isinstance(value, (bool, int, float)):
        value = _ILLEGAL.sub("", str(value))
    cell = ws.cell(row, col)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # text even if it starts with "=" (not a formula) or reads "#N/A" (not an error)
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if alignment is not None:
        cell.alignment = alignment
    if number_format is not None:
        cell.number_format = number_format


def _style(value: Any) -> tuple:
    return WRAP if isinstance(value, str) else NORMAL


def write(ret: CanonicalReturn, path: Path, mapping: Mapping) -> Path:
    """Write ``ret`` to ``path`` (.xlsx) in the layout of ``mapping``."""
    wb = Workbook()
    wb.remove(wb.active)
    for p in plan(mapping):
        ws = wb.create_sheet(p.title)
        for c, width in sorted(p.widths.items()):
            ws.column_dimensions[get_column_letter(c)].width = width
        if ret.synthetic:
            _put(ws, 1, 1, SYNTHETIC_MARK, BANNER)
        else:
            _put(ws, 1, 1, mapping.spec.description or "Technician Commitment return", TITLE)
        for s in p.singles:
            if s.label is not None:
                _put(ws, s.row, s.col - 1, s.label, HEADING)
            value = _single_value(mapping, s, ret)
            _put(ws, s.row, s.col, value, _style(value))
        if p.header is not None:
            for c, text in p.headings:
                _put(ws, p.header, c, text, HEADING)
            if not p.singles:
                ws.freeze_panes = f"A{p.header + 1}"
            row = p.header + 1
            for t in p.tables:
                for item in _rows(mapping, t, ret):
                    if t.where:
                        _put(ws, row, t.where[0], t.where[1])
                    for col, c in t.cols.items():
                        value = item.get(col)
                        _put(ws, row, c, value, _style(value))
                    row += 1
    wb.properties.title = mapping.spec.description
    wb.properties.creator = "techbench"
    wb.properties.keywords = "techbench; synthetic data" if ret.synthetic else "techbench"
    wb.save(path)
    return Path(path)
