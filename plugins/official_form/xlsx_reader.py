"""Reading the techbench workbook (`techbench template --format xlsx`).

Sheets are found by name and answers by their labels and column headings (``workbook_layout``),
not by fixed rows, so inserted or blank rows do not matter. Every value is located as Excel
names a cell: ``Organisation!B6``, ``'Action plan'!D5``. Workbooks are opened read-only with the
cached values of formulas; the file's size and zip limits were checked before this is called.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from typing import Any

from pipeline.kit import WHOLE_FILE, ParseContext, ParseResult, PluginInfo, ReturnBuilder, SourceFile, actions, normalise
from pipeline.kit.cells import cell_text, sheet_ref
from pipeline.kit.workbook import (Sheet, ods_outline, Table, read_stage, add_registration, incomplete, open_workbook, read_metrics, read_sheet,
                               read_technician_areas, row_number, rows_place)
from plugins.official_form import workbook_layout as L

MAX_WORKBOOK_XML = 20 * 1024 * 1024
#: Columns read per sheet; a return needs far fewer.
MAX_COLUMNS = 16
#: Rows beyond the first MAX_ROWS searched for values, before calling a sheet cut.
MAX_SCAN_BEYOND = 50_000
#: How far down a table sheet its heading row may have moved (rows inserted above it).
HEADER_SEARCH_ROWS = 25
#: Columns searched for a question's label (a column may have been inserted before it).
LABEL_COLUMNS = 3
#: Sheet names of the template that identify it even without the marker (e.g. sheets copied
#: into a new workbook).

TOTAL_RE = re.compile(r"^\s*(grand\s+)?total\b", re.I)
_SHEET_NAME_RE = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"')


def is_template(data: bytes) -> bool:
    return template_score(data) >= 0.9


def template_score(data: bytes) -> float:
    """Cheap check for detect(): 0.9 with the workbook's marker name, 0.6 with most of the
    template's sheets (a copy rebuilt by hand), 0.0 otherwise; below the 0.9+ that other
    plugins give their own workbooks, which may share a few sheet names with ours.

    Reads only ``xl/workbook.xml`` (a few kB), or an .ods's sheet and defined names, and never raises."""
    ods = ods_outline(data)
    if ods is not None:
        names, defined = ods
        if L.MARKER_NAME in defined:
            return 0.9
        found = sum(1 for sheet in L.SHEETS if {normalise.match_key(n) for n in names} & set(sheet.keys))
        return 0.6 if found >= len(L.SHEETS) - 1 else 0.0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            info = zf.getinfo("xl/workbook.xml")
            if info.file_size >= MAX_WORKBOOK_XML:
                return 0.0
            xml = zf.read(info)
        if f'name="{L.MARKER_NAME}"'.encode() in xml:
            return 0.9
        names = {normalise.match_key(html.unescape(n.decode("utf-8", "replace"))) for n in _SHEET_NAME_RE.findall(xml)}
        found = sum(1 for sheet in L.SHEETS if names & set(sheet.keys))
        return 0.6 if found >= len(L.SHEETS) - 1 else 0.0
    except Exception:
        return 0.0


def _blank(value: Any) -> bool:
    return normalise.blank(value)


def _match_column(text: Any, columns: tuple[L.Column, ...]) -> L.Column | None:
    """Which column a heading means: an exact heading or synonym, else the longest synonym that
    starts it, else the longest (4+ letters) it contains."""
    if not isinstance(text, str):
        return None
    key = normalise.match_key(text)
    if not key:
        return None
    candidates = [(w, c) for c in columns for w in c.keys]
    for test in (lambda w: key == w,
                 lambda w: key.startswith(w + " "),
                 lambda w: len(w) > 3 and re.search(rf"\b{re.escape(w)}\b", key) is not None):
        found = [(len(w), c) for w, c in candidates if test(w)]
        if found:
            return max(found, key=lambda f: f[0])[1]
    return None


class WorkbookReader:
    def __init__(self, source: SourceFile, info: PluginInfo, context: ParseContext) -> None:
        self.source, self.context = source, context
        self.b = ReturnBuilder(source, info)
        self.sheets: dict[int, Sheet] = {}  # id(layout sheet) -> the workbook's sheet
        self.damaged: dict[int, str] = {}  # id(layout sheet) -> title of a sheet that could not be read

    # --- opening --------------------------------------------------------------------------------
    def read(self) -> ParseResult:
        wb = open_workbook(self.b, self.source.data)
        if wb is None:
            return ParseResult(None, self.b.issues)
        try:
            matched = self._match_sheets(wb)
            if not [layout for layout, _ in matched if layout is not L.INSTRUCTIONS]:
                self.b.issue("form.not_a_return", "error", None, WHOLE_FILE,
                             "This workbook is not the techbench workbook: none of its sheets ("
                             + ", ".join(s.title for s in L.SHEETS) + ") was found. Fill in the workbook from "
                             "`techbench template --format xlsx` and keep its sheet names.")
                return ParseResult(None, self.b.issues)
            for layout, ws in matched:
                grid = read_sheet(self.b, ws, MAX_COLUMNS, scan_beyond=MAX_SCAN_BEYOND)
                if grid is None:
                    self.damaged[id(layout)] = ws.title
                else:
                    self.sheets[id(layout)] = Sheet(ws.title, grid)
        finally:
            wb.close()
        self._synthetic()
        self._stage()
        self._questions(L.ORGANISATION, skip=frozenset({"/stage"}))
        self._questions(L.NARRATIVE)
        self._technicians()
        self._registrations()
        self._metrics()
        self._initiatives()
        self._actions()
        self._questions(L.SIGN_OFF)
        return self.b.build(self.context)

    def _synthetic(self) -> None:
        sheet = self.sheets.get(id(L.INSTRUCTIONS))
        if sheet is None:
            return
        for r in range(1, min(sheet.rows, 3) + 1):
            for c in range(1, MAX_COLUMNS + 1):
                value = sheet.get(r, c)
                if isinstance(value, str) and value.strip() == L.SYNTHETIC_MARK:
                    self.b.set("/synthetic", True, sheet.ref(r, c))
                    return

    @staticmethod
    def _match_sheets(wb) -> list[tuple[Any, Any]]:
        matched, used = [], set()
        worksheets = [(normalise.match_key(ws.title), ws) for ws in wb.worksheets]
        for layout in (L.INSTRUCTIONS, *L.SHEETS):
            for key, ws in worksheets:
                if key in layout.keys and id(ws) not in used:
                    used.add(id(ws))
                    matched.append((layout, ws))
                    break
        return matched

    def sheet(self, layout) -> Sheet | None:
        return self.sheets.get(id(layout))

    def absent(self, layout) -> str:
        """Where a field of a sheet that is missing or damaged would have been."""
        if id(layout) in self.damaged:
            return f"sheet '{self.damaged[id(layout)]}' (damaged, could not be read)"
        return f"sheet '{layout.title}' not found"

    # --- question sheets --------------------------------------------------------------------------
    def _find(self, sheet: Sheet, q: L.Question) -> tuple[int, int] | None:
        """Row and column of the answer to ``q``: the cell right of its label."""
        keys = set(q.keys)
        for r in range(1, sheet.rows + 1):
            for c in range(1, LABEL_COLUMNS + 1):
                value = sheet.get(r, c)
                if isinstance(value, str) and normalise.match_key(value) in keys:
                    return r, c + 1
        return None

    def _answer(self, layout: L.QuestionSheet, q: L.Question) -> tuple[Any, str]:
        """The raw answer and its cell; for a missing label or sheet, where it was expected."""
        sheet = self.sheet(layout)
        if sheet is None:
            return None, f"{self.absent(layout)}: expected '{q.label}' there"
        found = self._find(sheet, q)
        if found is None:
            return None, f"{sheet_ref(sheet.title)}: no row labelled '{q.label}' in column A"
        return sheet.get(*found), sheet.ref(*found)

    def _questions(self, layout: L.QuestionSheet, skip: frozenset[str] = frozenset()) -> None:
        for q in layout.questions:
            if q.pointer in skip:
                continue
            raw, location = self._answer(layout, q)
            if q.kind == "day":
                what = "The submission date" if q.pointer == "/submission_date" else "A sign-off date"
                self.b.day(q.pointer, raw, location, what)
            else:
                self.b.text(q.pointer, cell_text(raw), location)

    def _stage(self) -> None:
        question = next(q for q in L.ORGANISATION.questions if q.pointer == "/stage")
        raw, location = self._answer(L.ORGANISATION, question)
        read_stage(self.b, raw, location, self.context.stage)

    # --- table sheets ------------------------------------------------------------------------------
    def _table(self, layout: L.TableSheet) -> tuple[Sheet, int, dict[str, int]] | None:
        """The sheet, its heading row and the column number of each heading found."""
        sheet = self.sheet(layout)
        if sheet is None:
            return None
        for r in range(1, min(sheet.rows, HEADER_SEARCH_ROWS) + 1):
            mapping: dict[str, int] = {}
            for c in range(1, MAX_COLUMNS + 1):
                column = _match_column(sheet.get(r, c), layout.columns)
                if column is not None and column.name not in mapping:
                    mapping[column.name] = c
            if all(n in mapping for n in layout.needs) and len(mapping) >= min(2, len(layout.columns)):
                return sheet, r, mapping
        return None

    def _rows(self, layout: L.TableSheet, pointer: str) -> Table | None:
        """The table and its non-blank rows; records where ``pointer`` is (or would be) meanwhile."""
        table = self._table(layout)
        if table is None:
            sheet = self.sheet(layout)
            self.b.at(pointer, self.absent(layout) if sheet is None else
                      f"{sheet_ref(sheet.title)}: headings ({', '.join(c.heading for c in layout.columns)}) "
                      "not found")
            return None
        sheet, header, mapping = table
        rows = [r for r in range(header + 1, sheet.rows + 1) if sheet.filled(r, mapping.values())]
        self.b.at(pointer, rows_place(sheet, header, rows, mapping.values()))
        return Table(sheet, header, mapping, rows)

    def _technicians(self) -> None:
        t = self._rows(L.TECHNICIANS, "/technicians")
        if t is None:
            self.b.at("/technicians/headcount", self.b.where["/technicians"])
            return
        read_technician_areas(self.b, t, lambda name: bool(TOTAL_RE.match(name)))

    def _registrations(self) -> None:
        t = self._rows(L.REGISTRATIONS, "/registrations")
        if t is None:
            return
        i = 0
        for r in t.rows:
            raw_name, raw_label = t.get(r, "register"), cell_text(t.get(r, "label"))
            if TOTAL_RE.match(str(raw_name or "")):
                continue
            shown = str(raw_name).strip() if not _blank(raw_name) else str(raw_label or "").strip()
            count = row_number(self.b, t.get(r, "count"), t.ref(r, "count"),
                               f"The number registered as {shown or 'this register'}", normalise.parse_int,
                               "a whole number")
            if count is None:
                continue
            register = normalise.parse_register(raw_name) if not _blank(raw_name) else None
            label = None if _blank(raw_label) else str(raw_label).strip()
            if register is None:
                if not _blank(raw_name):
                    self.b.issue("parse.register", "warning", f"/registrations/{i}/name", t.ref(r, "register"),
                                 f"'{str(raw_name).strip()}' is not one of the registers in the list ("
                                 f"{', '.join(L.REGISTERS)}); it is counted as 'other'.")
                    label = label or str(raw_name).strip()
                elif label is None:
                    incomplete(self.b, t.ref(r, "register"), "This registration row does not say which register.")
                    continue
            name = "other" if register is None else register.value
            add_registration(self.b, i, t, r, name, label, count, name_col="register")
            i += 1

    def _metrics(self) -> None:
        t = self._rows(L.OTHER_METRICS, "/other_metrics")
        if t is not None:
            read_metrics(self.b, t)

    def _initiatives(self) -> None:
        t = self._rows(L.INITIATIVES, "/initiatives_since")
        self.b.at("/initiatives_before", self.b.where["/initiatives_since"])
        if t is None:
            return
        counters = {"/initiatives_before": 0, "/initiatives_since": 0}
        get = t.get
        cell = lambda r, name: t.sheet.ref(r, t.cols.get(name, t.cols["text"]))  # noqa: E731
        for r in t.rows:
            text = cell_text(get(r, "text"))
            if _blank(text):
                incomplete(self.b, cell(r, "text"), "This initiative has no description.")
                continue
            when = get(r, "when")
            key = normalise.match_key(str(when)) if not _blank(when) else ""
            if key.startswith(("before", "prior", "already")):
                pointer = "/initiatives_before"
            elif key.startswith(("since", "after")):
                pointer = "/initiatives_since"
            else:
                pointer = "/initiatives_since"
                self.b.issue("parse.when", "warning", None, cell(r, "when"),
                             (f"'{str(when).strip()}' is not" if key else "This initiative does not say")
                             + f" '{L.BEFORE_SIGNING}' or '{L.SINCE_SIGNING}'; it is counted as since signing.")
            i = counters[pointer]
            counters[pointer] += 1
            self.b.text(f"{pointer}/{i}/text", text, cell(r, "text"))
            if "theme" in t.cols:
                self.b.enum(f"{pointer}/{i}/theme", get(r, "theme"), cell(r, "theme"), _theme, "theme",
                            ", ".join(L.THEMES))

    def _actions(self) -> None:
        """The action plan, its columns read by ``pipeline.kit.actions``: fields only under headings that
        say so, every other column kept under its heading, themes and dates a plan lacks inferred."""
        sheet = self.sheet(L.ACTION_PLAN)
        if sheet is None:
            self.b.at("/action_plan", self.absent(L.ACTION_PLAN))
            return
        for header in range(1, min(sheet.rows, HEADER_SEARCH_ROWS) + 1):
            headers = [cell_text(sheet.get(header, c)) for c in range(1, MAX_COLUMNS + 1)]
            cmap = actions.map_headers([h if isinstance(h, str) else None for h in headers])
            if cmap.is_plan or (header == HEADER_SEARCH_ROWS and "action" in cmap.fields):
                break
        else:
            self.b.at("/action_plan", f"{sheet_ref(sheet.title)}: headings "
                      f"({', '.join(c.heading for c in L.ACTION_PLAN.columns)}) not found")
            return
        cols = [c for c in range(1, MAX_COLUMNS + 1) if not _blank(headers[c - 1])] or [1]
        rows = [r for r in range(header + 1, sheet.rows + 1) if sheet.filled(r, cols)]
        self.b.at("/action_plan", rows_place(sheet, header, rows, cols))
        plan = actions.PlanRows(self.b, cmap, parse_theme=_theme)
        for r in rows:
            values = [sheet.get(r, c) for c in range(1, max(cols) + 1)]
            plan.add(values, lambda col, r=r: sheet.ref(r, col + 1), sheet.range_ref(r, min(cols), r, max(cols)))


def _theme(raw: Any):
    found = normalise.parse_theme(raw)
    if found is None and isinstance(raw, str):
        heading = normalise.theme_heading(raw)
        found = heading[0] if heading else None
    return found


def read(source: SourceFile, info: PluginInfo, context: ParseContext) -> ParseResult:
    return WorkbookReader(source, info, context).read()
