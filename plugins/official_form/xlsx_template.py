"""Writing the techbench workbook: blank (`techbench template --format xlsx`) or filled in with a
canonical return (the official-form plugin's writer, for the synthetic sector and tests).

Everything about the layout comes from ``workbook_layout``; this module only styles it (bold
frozen headings, widths, wrapped answer cells, drop-down lists and number checks) and, given a
return, types its values where a lead would, so that ``xlsx_reader`` reads the same return back.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.kit import pointer_parts
from pipeline.schema import CanonicalReturn
from plugins.official_form import workbook_layout as L

BOLD = Font(bold=True)
HEADING_FILL = PatternFill("solid", fgColor="D9E1F2")
ANSWER_FILL = PatternFill("solid", fgColor="FFF9E5")
GUIDANCE_FONT = Font(italic=True, color="595959")
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
NUMBER_FORMATS = {"whole": "0", "decimal": "0.0#", "due": "@", "day": "dd/mm/yyyy"}
LONG_ROW_HEIGHT = 150


def _list(choices: tuple[str, ...], what: str) -> DataValidation:
    dv = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True)
    dv.error, dv.errorTitle = f"Choose {what} from the list.", "Not in the list"
    dv.prompt, dv.promptTitle = ", ".join(choices), what.capitalize()[:32]
    return dv


def _number_check(kind: str) -> DataValidation:
    whole = kind == "whole"
    dv = DataValidation(type="whole" if whole else "decimal", operator="greaterThanOrEqual", formula1="0",
                        allow_blank=True)
    dv.error = "Enter a whole number, 0 or more." if whole else "Enter a number, 0 or more (e.g. 35.5)."
    dv.errorTitle = "Not a number"
    return dv


def _heading_row(ws: Worksheet, headings: list[str]) -> None:
    for col, text in enumerate(headings, start=1):
        cell = ws.cell(row=L.HEADER_ROW, column=col, value=text)
        cell.font, cell.fill = BOLD, HEADING_FILL
    ws.freeze_panes = ws.cell(row=L.HEADER_ROW + 1, column=1).coordinate


def _instructions(ws: Worksheet) -> None:
    ws.title = L.INSTRUCTIONS.title
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 110
    ws["A1"] = "techbench workbook"
    ws["A1"].font = Font(bold=True, size=14)
    row = 2
    for line in L.INSTRUCTIONS_TEXT:
        if line:
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
            ws.cell(row=row, column=1, value=line).alignment = WRAP_TOP
            ws.row_dimensions[row].height = 32
        row += 1
    for col, text in enumerate(("Sheet", "What to fill in"), start=1):
        cell = ws.cell(row=row, column=col, value=text)
        cell.font, cell.fill = BOLD, HEADING_FILL
    for sheet in L.SHEETS:
        row += 1
        ws.cell(row=row, column=1, value=sheet.title)
        ws.cell(row=row, column=2, value=sheet.purpose).alignment = WRAP_TOP
    ws[L.MARKER_CELL] = L.MARKER_TEXT
    ws.column_dimensions[L.MARKER_CELL.rstrip("0123456789")].hidden = True


def _questions(ws: Worksheet, sheet: L.QuestionSheet) -> None:
    _heading_row(ws, list(L.QUESTION_HEADINGS))
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = sheet.answer_width
    ws.column_dimensions["C"].width = 60
    for row, q in enumerate(sheet.questions, start=L.FIRST_ROW):
        ws.cell(row=row, column=1, value=q.label).alignment = WRAP_TOP
        answer = ws.cell(row=row, column=2)
        answer.fill, answer.alignment = ANSWER_FILL, WRAP_TOP
        if q.pointer == "/lead/phone":
            answer.number_format = "@"  # keep the leading 0 of UK numbers
        elif q.kind in NUMBER_FORMATS:
            answer.number_format = NUMBER_FORMATS[q.kind]
        guidance = ws.cell(row=row, column=3, value=q.guidance)
        guidance.font, guidance.alignment = GUIDANCE_FONT, WRAP_TOP
        if q.kind == "long":
            ws.row_dimensions[row].height = LONG_ROW_HEIGHT
        if q.kind == "stage":
            dv = _list(L.STAGES, "the stage")
            ws.add_data_validation(dv)
            dv.add(answer.coordinate)


def _table(ws: Worksheet, sheet: L.TableSheet) -> None:
    _heading_row(ws, [c.heading for c in sheet.columns])
    first, last = L.FIRST_ROW, L.LAST_VALIDATED_ROW
    for col, column in enumerate(sheet.columns, start=1):
        letter = get_column_letter(col)
        dim = ws.column_dimensions[letter]
        dim.width = column.width
        dim.alignment = WRAP_TOP
        if column.kind in NUMBER_FORMATS:
            dim.number_format = NUMBER_FORMATS[column.kind]
        ws.cell(row=L.HEADER_ROW, column=col).comment = Comment(column.guidance, "techbench")
        dv = None
        if column.choices:
            dv = _list(column.choices, column.heading.lower())
        elif column.kind in ("whole", "decimal"):
            dv = _number_check(column.kind)
        if dv is not None:
            ws.add_data_validation(dv)
            dv.add(f"{letter}{first}:{letter}{last}")


def build(ret: CanonicalReturn | None = None) -> Workbook:
    """The workbook, blank or (given ``ret``) filled in."""
    wb = Workbook()
    _instructions(wb.active)
    for sheet in L.SHEETS:
        ws = wb.create_sheet(sheet.title)
        if isinstance(sheet, L.QuestionSheet):
            _questions(ws, sheet)
        else:
            _table(ws, sheet)
    wb.defined_names[L.MARKER_NAME] = DefinedName(L.MARKER_NAME, attr_text=f'"{L.MARKER_TEXT}"')
    wb.properties.title = "Technician Commitment self-assessment (techbench workbook)"
    wb.properties.creator = "techbench"
    wb.properties.keywords = L.MARKER_TEXT
    if ret is not None:
        _fill(wb, ret)
    wb.active = 0
    return wb


def write(path: Path, ret: CanonicalReturn | None = None) -> Path:
    """Write the workbook to ``path``: blank, or filled in with ``ret``."""
    build(ret).save(path)
    return path


# --- filling in a return ----------------------------------------------------------------------------

def _put(ws: Worksheet, row: int, col: int, value: Any) -> None:
    """Type a value into a cell: text stays text (even '=...' or '2020'), numbers and dates stay typed."""
    if value is None or value == "":
        return
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"  # never a formula
    else:
        cell.value = value
        if isinstance(value, dt.date):
            cell.number_format = NUMBER_FORMATS["day"]


def _get(data: dict, pointer: str) -> Any:
    node: Any = data
    for part in pointer_parts(pointer):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _number(value: float | int | None) -> float | int | None:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _rows(sheet: L.TableSheet, ret: CanonicalReturn) -> list[dict[str, Any]]:
    enum = lambda v: v.value if v is not None else None  # noqa: E731
    if sheet is L.TECHNICIANS:
        t = ret.technicians
        rows = [{"name": a.name, "headcount": a.headcount, "fte": _number(a.fte)} for a in t.areas]
        if t.areas or t.headcount is not None or t.fte is not None:
            # An explicit Total row keeps the totals as they are, even when they differ from the sum.
            rows.append({"name": "Total", "headcount": t.headcount, "fte": _number(t.fte)})
        return rows
    if sheet is L.REGISTRATIONS:
        return [{"register": r.name.value, "count": r.count, "label": r.label} for r in ret.registrations]
    if sheet is L.OTHER_METRICS:
        return [{"name": m.name, "count": _number(m.count)} for m in ret.other_metrics]
    if sheet is L.INITIATIVES:
        return [{"when": when, "theme": enum(i.theme), "text": i.text}
                for when, items in ((L.BEFORE_SIGNING, ret.initiatives_before), (L.SINCE_SIGNING, ret.initiatives_since))
                for i in items]
    if sheet is L.ACTION_PLAN:
        return [{"theme": enum(a.theme), "action": a.action, "owner": a.owner, "due": a.due.text if a.due else None,
                 "evidence": a.evidence, "status": a.status.value.capitalize() if a.status else None}
                for a in ret.action_plan]
    raise ValueError(f"no rows for sheet {sheet.title}")  # pragma: no cover - every table is listed above


def _fill(wb: Workbook, ret: CanonicalReturn) -> None:
    if ret.synthetic:
        cell = wb[L.INSTRUCTIONS.title][L.SYNTHETIC_CELL]
        cell.value, cell.font = L.SYNTHETIC_MARK, Font(bold=True, color="C00000")
    data = ret.model_dump(mode="python")
    for sheet in L.SHEETS:
        ws = wb[sheet.title]
        if isinstance(sheet, L.QuestionSheet):
            for row, q in enumerate(sheet.questions, start=L.FIRST_ROW):
                _put(ws, row, 2, _get(data, q.pointer))
            continue
        for row, values in enumerate(_rows(sheet, ret), start=L.FIRST_ROW):
            for col, column in enumerate(sheet.columns, start=1):
                _put(ws, row, col, values.get(column.name))
