"""Reading a faculty workbook into the canonical return.

Sheets are found by name, values by their labels (Cover, About) and tables and blocks by their
column headings, never by fixed rows, so inserted rows, blank rows and reordered blocks do not
matter. Every value is located as Excel names a cell (``Cover!B5``,
``'Technical Staff by Faculty'!B7``), and so is every place where a value was expected but is
blank. The theme of an initiative or action is the theme of the sheet it is on.

Workbooks are opened read-only with the saved values of formulas; size and zip limits were
checked (``pipeline.kit.intake``) before a plugin sees the file. Nothing here raises on bad input.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any

from pipeline.kit import WHOLE_FILE, ParseContext, ParseResult, PluginInfo, ReturnBuilder, SourceFile, normalise, workbook
from pipeline.kit.cells import cell_text, sheet_ref
from pipeline.kit.workbook import (Table, add_registration, incomplete, ods_outline, open_workbook, read_metrics, read_sheet,
                                   read_stage, read_technician_areas, row_number)
from pipeline.schema import Register, Theme
from plugins.faculty_workbook import layout as L

#: Largest ``xl/workbook.xml`` detect() will read (a real one is a few kB).
MAX_WORKBOOK_XML = 20 * 1024 * 1024
MAX_COLUMNS = 12
#: Columns searched for a label (a column may have been inserted before it).
LABEL_COLUMNS = 3
#: Rows of the Cover sheet searched for the synthetic banner.
BANNER_ROWS = 6

REF_NUMBER_RE = re.compile(r"^\s*[A-Za-z]*\s*[-.]?\s*(\d{1,6})\s*$")
_SHEET_NAME_RE = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"')


# --- detection ---------------------------------------------------------------------------------

def sheet_names(data: bytes) -> tuple[list[str], bool] | None:
    """The workbook's sheet names and whether it carries the marker name, reading only
    ``xl/workbook.xml`` (or an .ods's ``content.xml``); None if it is not a workbook. Never raises."""
    ods = ods_outline(data)
    if ods is not None:
        return ods[0], L.MARKER_NAME in ods[1]
    try:
        if not data.startswith(b"PK\x03\x04"):
            return None
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            info = zf.getinfo("xl/workbook.xml")
            if info.file_size >= MAX_WORKBOOK_XML:
                return None
            xml = zf.read(info)
        names = [html.unescape(n.decode("utf-8", "replace")) for n in _SHEET_NAME_RE.findall(xml)]
        return names, f'name="{L.MARKER_NAME}"'.encode() in xml
    except Exception:
        return None


def sheet_role(title: str) -> tuple[str, Theme | None] | None:
    """('cover'|'about'|'staff'|'recognition'|'theme', theme) for a sheet name, or None."""
    k = L.key(title)
    for role, name in (("cover", L.COVER), ("about", L.ABOUT), ("staff", L.STAFF),
                       ("recognition", L.RECOGNITION_SHEET)):
        if k in L.SHEET_KEYS[name]:
            return role, None
    if k in L.SHEET_KEYS[L.CROSS_CUTTING]:
        return "theme", None
    theme = normalise.parse_theme(title)
    return ("theme", theme) if theme is not None else None


def confidence(data: bytes) -> float:
    """How sure we are that ``data`` is a faculty workbook; 0.0 for anything else."""
    found = sheet_names(data)
    if found is None:
        return 0.0
    names, marked = found
    roles = [sheet_role(n) for n in names]
    themes = {r[1] for r in roles if r and r[0] == "theme" and r[1] is not None}
    has = {r[0] for r in roles if r}
    if marked and ("staff" in has or themes):
        return 0.98
    if "staff" in has and len(themes) >= 3:
        return 0.95
    if "staff" in has and ({"cover", "recognition"} & has):
        return 0.7
    if len(themes) >= 3 and "cover" in has:
        return 0.6
    return 0.0


# --- cells -------------------------------------------------------------------------------------


blank = normalise.blank


class Sheet(workbook.Sheet):
    """A worksheet that knows its place in the workbook and reads its labels as keys."""

    def __init__(self, title: str, grid: workbook.Grid, order: int) -> None:
        super().__init__(title, grid)
        self.order = order  # position in the workbook

    def row_key(self, row: int, col: int) -> str:
        value = self.get(row, col)
        return L.key(str(value)) if isinstance(value, str) else ""


def _header(sheet: Sheet, row: int, columns: tuple[L.Column, ...]) -> dict[str, int]:
    """Which of ``columns`` row ``row`` heads, by exact (normalised) heading text."""
    mapping: dict[str, int] = {}
    for c in range(1, MAX_COLUMNS + 1):
        k = sheet.row_key(row, c)
        if not k:
            continue
        for column in columns:
            if k in column.keys and column.name not in mapping:
                mapping[column.name] = c
                break
    return mapping


@dataclass
class Item:
    """A row of a theme sheet's block, before it is numbered."""

    sheet: Sheet
    row: int
    ref: int | None
    theme: Theme | None
    cols: dict[str, int]


# --- the reader --------------------------------------------------------------------------------

class FacultyWorkbookReader:
    def __init__(self, source: SourceFile, info: PluginInfo, context: ParseContext) -> None:
        self.source, self.context = source, context
        self.b = ReturnBuilder(source, info)
        self.sheets: dict[str, Sheet] = {}  # role -> sheet (the first of each role)
        self.theme_sheets: list[tuple[Sheet, Theme | None]] = []

    def read(self) -> ParseResult:
        wb = open_workbook(self.b, self.source.data)
        if wb is None:
            return ParseResult(None, self.b.issues)
        try:
            self._open_sheets(wb)
        except Exception:  # a package damaged past its first look
            self.b.issue("file.corrupt", "error", None, WHOLE_FILE,
                         "This Excel file could not be read; it may be damaged. Open it in Excel, save it "
                         "again and send it again.")
        finally:
            try:
                wb.close()
            except Exception:
                pass
        if not self.sheets and not self.theme_sheets:
            if self.b.issues:  # the sheets were there but could not be read
                return ParseResult(None, self.b.issues)
            self.b.issue("form.not_a_return", "error", None, WHOLE_FILE,
                         "This workbook is not a faculty workbook: none of its sheets (" + ", ".join(
                             (L.COVER, L.ABOUT, L.STAFF, L.RECOGNITION_SHEET, *(t for t, _ in L.THEME_SHEETS)))
                         + ") was found. Keep the sheet names of the faculty workbook.")
            return ParseResult(None, self.b.issues)
        self._synthetic()
        self._labels("cover", L.COVER, L.COVER_LABELS)
        self._labels("cover", L.COVER, L.SIGN_OFF_LABELS)
        self._labels("about", L.ABOUT, L.ABOUT_LABELS)
        self._staff()
        self._recognition()
        self._theme_blocks()
        return self.b.build(self.context)

    def _open_sheets(self, wb) -> None:
        for order, ws in enumerate(wb.worksheets):
            role = sheet_role(ws.title)
            if role is None or (role[0] != "theme" and role[0] in self.sheets):
                continue
            if role[0] == "theme" and any(t is role[1] for _, t in self.theme_sheets):
                self.b.issue("sheet.duplicate", "warning", None, f"sheet '{ws.title}'",
                             f"A second sheet for {role[1].value if role[1] else 'cross-cutting work'} "
                             f"('{ws.title}') is also read; keep one sheet per theme.")
            grid = read_sheet(self.b, ws, MAX_COLUMNS)
            if grid is None:
                continue
            sheet = Sheet(ws.title, grid, order)
            if role[0] == "theme":
                self.theme_sheets.append((sheet, role[1]))
            else:
                self.sheets[role[0]] = sheet

    # --- Cover and About -------------------------------------------------------------------------
    def _synthetic(self) -> None:
        sheet = self.sheets.get("cover")
        if sheet is None:
            return
        for r in range(1, min(sheet.rows, BANNER_ROWS) + 1):
            for c in range(1, LABEL_COLUMNS + 1):
                if sheet.row_key(r, c).startswith(L.SYNTHETIC_PREFIX):
                    self.b.set("/synthetic", True, sheet.ref(r, c))
                    return

    def _find(self, sheet: Sheet, label: L.Label) -> tuple[int, int] | None:
        for r in range(1, sheet.rows + 1):
            for c in range(1, LABEL_COLUMNS + 1):
                if sheet.row_key(r, c) in label.keys:
                    return r, c + 1
        return None

    def _labels(self, role: str, title: str, labels: tuple[L.Label, ...]) -> None:
        sheet = self.sheets.get(role)
        for label in labels:
            if sheet is None:
                raw, where = None, f"sheet '{title}' not found (expected '{label.text}' there)"
            elif (found := self._find(sheet, label)) is None:
                raw, where = None, f"{sheet_ref(sheet.title)}: no row labelled '{label.text}' in column A"
            else:
                raw, where = sheet.get(*found), sheet.ref(*found)
            if label.kind == "stage":
                self._stage(raw, where)
            elif label.kind == "day":
                what = "The date submitted" if label.pointer == "/submission_date" else "A sign-off date"
                self.b.day(label.pointer, raw, where, what)
            else:
                self.b.text(label.pointer, cell_text(raw), where)

    def _stage(self, raw: Any, where: str) -> None:
        read_stage(self.b, raw, where, self.context.stage, says="The Cover sheet says")

    # --- tables --------------------------------------------------------------------------------
    @staticmethod
    def _table(sheet: Sheet, columns: tuple[L.Column, ...], needs: tuple[str, ...],
               start: int = 1) -> tuple[int, dict[str, int]] | None:
        for r in range(start, sheet.rows + 1):
            mapping = _header(sheet, r, columns)
            if all(n in mapping for n in needs):
                return r, mapping
        return None

    def _missing_sheet(self, title: str) -> str:
        return f"sheet '{title}' not found"

    def _staff(self) -> None:
        sheet = self.sheets.get("staff")
        if sheet is None:
            self.b.at("/technicians", self._missing_sheet(L.STAFF))
            return
        found = self._table(sheet, L.STAFF_COLUMNS, ("name", "headcount"))
        if found is None:
            self.b.at("/technicians", f"{sheet_ref(sheet.title)}: headings ("
                      + ", ".join(c.heading for c in L.STAFF_COLUMNS) + ") not found")
            return
        header, col = found
        self.b.at("/technicians", sheet.ref(header, col["name"]))
        rows = [r for r in range(header + 1, sheet.rows + 1) if sheet.filled(r, col.values())]
        read_technician_areas(self.b, Table(sheet, header, col, rows), lambda name: L.key(name) in L.TOTAL_KEYS,
                              noun=("faculty", "faculties"))

    def _recognition(self) -> None:
        sheet = self.sheets.get("recognition")
        if sheet is None:
            return  # registrations and other measures are optional
        regs = self._table(sheet, L.REGISTRATION_COLUMNS, ("name", "count"))
        metrics = self._table(sheet, L.METRIC_COLUMNS, ("name", "count"))
        headers = sorted(found[0] for found in (regs, metrics) if found)

        def table(header: int, cols: dict[str, int]) -> Table:
            end = min([h for h in headers if h > header], default=sheet.rows + 1)
            return Table(sheet, header, cols, [r for r in range(header + 1, end) if sheet.filled(r, cols.values())])

        if regs:
            self._registrations(table(*regs))
        if metrics:
            read_metrics(self.b, table(*metrics))

    def _registrations(self, t: Table) -> None:
        i = 0
        for r in t.rows:
            raw_name, raw_label = cell_text(t.get(r, "name")), cell_text(t.get(r, "label"))
            name = "" if blank(raw_name) else str(raw_name).strip()
            label = None if blank(raw_label) else str(raw_label).strip()
            shown = name or label or "this registration"
            if L.key(name) in L.TOTAL_KEYS:
                continue
            count = row_number(self.b, t.get(r, "count"), t.ref(r, "count"),
                               f"The number of technicians with {shown}", normalise.parse_int, "a whole number")
            if count is None:
                continue
            register = normalise.parse_register(name) if name else None
            if register is None:
                if not name and label is None:
                    incomplete(self.b, t.ref(r, "name"), "This row does not say which registration it counts.")
                    continue
                # A registration beyond the known registers counts as 'other', under its own name.
                register, label = Register.OTHER, label or name
            add_registration(self.b, i, t, r, register.value, label, count)
            i += 1

    # --- theme sheets ------------------------------------------------------------------------------
    def _blocks(self, sheet: Sheet) -> dict[str, tuple[int, dict[str, int]]]:
        """Each block's heading row and columns on a theme sheet."""
        found: dict[str, tuple[int, dict[str, int]]] = {}
        for r in range(1, sheet.rows + 1):
            for kind, _, columns in L.BLOCKS:
                if kind in found:
                    continue
                mapping = _header(sheet, r, columns)
                if L.BLOCK_TEXT_COLUMN[kind] in mapping:
                    found[kind] = (r, mapping)
                    break
        return found

    def _theme_blocks(self) -> None:
        items: dict[str, list[Item]] = {"before": [], "since": [], "plan": []}
        first_place: dict[str, str] = {}
        columns_of = {kind: columns for kind, _, columns in L.BLOCKS}
        for sheet, theme in self.theme_sheets:
            blocks = self._blocks(sheet)
            starts = sorted(h for h, _ in blocks.values())
            for kind, (header, col) in blocks.items():
                end = min([h for h in starts if h > header], default=sheet.rows + 1)
                content = [c for name, c in col.items() if name != "ref"]
                first_place.setdefault(kind, sheet.ref(header + 1, col[L.BLOCK_TEXT_COLUMN[kind]]))
                for r in range(header + 1, end):
                    if not sheet.filled(r, content):
                        continue  # blank, or a Ref written ahead with nothing else
                    if sheet.row_key(r, 1) in L.BLOCK_HEADINGS and not sheet.filled(r, list(range(2, MAX_COLUMNS + 1))):
                        continue  # the next block's heading
                    if _header(sheet, r, columns_of[kind]).get(L.BLOCK_TEXT_COLUMN[kind]) == \
                            col[L.BLOCK_TEXT_COLUMN[kind]]:
                        continue  # the headings repeated
                    raw_ref = sheet.get(r, col["ref"]) if "ref" in col else None
                    m = REF_NUMBER_RE.match(str(raw_ref)) if not blank(raw_ref) else None
                    items[kind].append(Item(sheet, r, int(m[1]) if m else None, theme, col))
        sheets = ", ".join(t for t, _ in L.THEME_SHEETS)
        for kind, pointer in (("before", "/initiatives_before"), ("since", "/initiatives_since"),
                              ("plan", "/action_plan")):
            heading = dict((k, h) for k, h, _ in L.BLOCKS)[kind]
            self.b.at(pointer, first_place.get(kind, f"not found: expected a '{heading}' block on the theme "
                                                     f"sheets ({sheets})"))
            ordered = _in_order(items[kind])
            if kind == "plan":
                for i, item in enumerate(ordered):
                    self._action(i, item)
            else:
                for i, item in enumerate(ordered):
                    self._initiative(pointer, i, item)

    @staticmethod
    def _theme_place(item: Item) -> str:
        return f"sheet '{item.sheet.title}' (the theme of the sheet)"

    def _initiative(self, pointer: str, i: int, item: Item) -> None:
        sheet, r, col = item.sheet, item.row, item.cols
        self.b.text(f"{pointer}/{i}/text", cell_text(sheet.get(r, col["text"])), sheet.ref(r, col["text"]))
        if item.theme is not None:
            self.b.set(f"{pointer}/{i}/theme", item.theme.value, self._theme_place(item))

    def _action(self, i: int, item: Item) -> None:
        sheet, r, col = item.sheet, item.row, item.cols
        prefix = f"/action_plan/{i}"
        whole_row = sheet.range_ref(r, min(col.values()), r, max(col.values()))
        self.b.set(prefix, {}, whole_row)
        if item.theme is not None:
            self.b.set(f"{prefix}/theme", item.theme.value, self._theme_place(item))
        get = lambda name: sheet.get(r, col[name]) if name in col else None  # noqa: E731
        cell = lambda name: sheet.ref(r, col[name]) if name in col else whole_row  # noqa: E731
        for name in ("action", "owner", "evidence"):
            self.b.text(f"{prefix}/{name}", cell_text(get(name)), cell(name))
        self.b.due(f"{prefix}/due", get("due"), cell("due"))
        if "status" in col:
            self.b.enum(f"{prefix}/status", get("status"), cell("status"), normalise.parse_status,
                        "progress", ", ".join(L.STATUSES))


def _in_order(items: list[Item]) -> list[Item]:
    """Items in Ref order when every item has its own Ref number (the order of the plan across
    sheets), else in sheet and row order."""
    refs = [item.ref for item in items]
    if items and None not in refs and len(set(refs)) == len(refs):
        return sorted(items, key=lambda item: item.ref)
    return sorted(items, key=lambda item: (item.sheet.order, item.row))


def read(source: SourceFile, info: PluginInfo, context: ParseContext) -> ParseResult:
    return FacultyWorkbookReader(source, info, context).read()
