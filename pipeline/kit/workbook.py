"""What the .xlsx (and .ods) readers do alike: opening a workbook, reading its sheets into memory, naming
cells and ranges, and reading rows of registrations and other metrics.

Which sheets, headings and rows hold what stays with each reader; ``pipeline.kit.cells`` turns single
cells into references and values.
"""

from __future__ import annotations

import html
import io
import itertools
import re
import zipfile
from collections.abc import Callable, Iterable
from typing import Any


from pipeline.kit import normalise
from pipeline.kit.builder import ReturnBuilder
from pipeline.kit.intake import odf_kind
from pipeline.kit.cells import cell_ref, cell_text, cell_value, sheet_ref
from pipeline.kit.hooks import WHOLE_FILE

#: Rows read per sheet; a return needs far fewer.
MAX_ROWS = 5_000

Grid = list[tuple[Any, ...]]
blank = normalise.blank


class Sheet:
    """One worksheet's values, read once into memory."""

    def __init__(self, title: str, grid: Grid) -> None:
        self.title, self.grid = title, grid

    @property
    def rows(self) -> int:
        return len(self.grid)

    def get(self, row: int, col: int) -> Any:
        if 1 <= row <= len(self.grid) and 1 <= col <= len(self.grid[row - 1]):
            return self.grid[row - 1][col - 1]
        return None

    def ref(self, row: int, col: int) -> str:
        return cell_ref(self.title, row, col)

    def range_ref(self, top: int, left: int, bottom: int, right: int) -> str:
        """``'Action plan'!A5:F9``."""
        from openpyxl.utils import get_column_letter

        return f"{sheet_ref(self.title)}!{get_column_letter(left)}{top}:{get_column_letter(right)}{bottom}"

    def filled(self, row: int, cols: Iterable[int]) -> bool:
        """Whether ``row`` has a value in any of ``cols``."""
        return any(not blank(self.get(row, c)) for c in cols)


class Table:
    """A table found on its sheet: the heading row, each column's number, the rows to read."""

    def __init__(self, sheet: Sheet, header: int, cols: dict[str, int], rows: list[int]) -> None:
        self.sheet, self.header, self.cols, self.rows = sheet, header, cols, rows
        self.first, self.last = min(cols.values()), max(cols.values())

    def get(self, row: int, col: str) -> Any:
        return self.sheet.get(row, self.cols[col]) if col in self.cols else None

    def row_ref(self, row: int) -> str:
        return self.sheet.range_ref(row, self.first, row, self.last)

    def ref(self, row: int, col: str) -> str:
        """The cell of ``col`` in ``row``; the whole row when the column is not in the workbook."""
        return self.sheet.ref(row, self.cols[col]) if col in self.cols else self.row_ref(row)


def rows_place(sheet: Sheet, header: int, rows: list[int], cols: Iterable[int]) -> str:
    """Where a table's rows are: the range they fill across ``cols``, or the first cell under the
    headings when there are none."""
    left, right = min(cols), max(cols)
    if rows:
        return sheet.range_ref(rows[0], left, rows[-1], right)
    return sheet.ref(header + 1, left)


# --- opening -----------------------------------------------------------------------------------

def open_workbook(b: ReturnBuilder, data: bytes) -> Any | None:
    """The workbook, read-only with the saved values of formulas; None, after a file.corrupt error,
    when it cannot be opened. An OpenDocument spreadsheet (.ods) is opened through calamine behind
    the same few things readers use of openpyxl's (``worksheets``, ``title``, ``iter_rows``)."""
    if odf_kind(data) == "ods":
        try:
            return OdsWorkbook(data)
        except Exception:  # calamine raises its own kinds on damaged packages
            b.issue("file.corrupt", "error", None, WHOLE_FILE,
                    "This OpenDocument spreadsheet could not be opened; it may be damaged. Open it in "
                    "LibreOffice, save it again as .ods (or as Excel .xlsx) and resend it.")
            return None
    try:
        import openpyxl  # imported when a workbook is opened, not when a plugin loads

        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on damaged packages
        b.issue("file.corrupt", "error", None, WHOLE_FILE,
                "This Excel file could not be opened; it may be damaged or not an .xlsx. "
                "Open it in Excel, save it as .xlsx (Excel Workbook) and resend it.")
        return None


class _OdsCell:
    __slots__ = ("value",)
    number_format = ""  # calamine gives values, not formats: a day-less date reads as its first day

    def __init__(self, value: Any) -> None:
        self.value = None if value == "" else value


class OdsSheet:
    """One sheet of an .ods, read by calamine; rows and columns counted from A1 as in Excel."""

    def __init__(self, sheet) -> None:
        self._sheet, self.title = sheet, sheet.name

    def reset_dimensions(self) -> None:
        pass

    def iter_rows(self, min_row: int = 1, min_col: int = 1, max_col: int | None = None):
        top, left = self._sheet.start or (0, 0)  # calamine's rows start at the used range
        width = (max_col or left + self._sheet.width) - min_col + 1
        rows = itertools.chain(itertools.repeat((), top), self._sheet.iter_rows())
        for values in itertools.islice(rows, min_row - 1, None):
            row = ([None] * left + list(values))[min_col - 1:min_col - 1 + width]
            yield tuple(_OdsCell(v) for v in row + [None] * (width - len(row)))


class OdsWorkbook:
    def __init__(self, data: bytes) -> None:
        import python_calamine

        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        self.worksheets = [OdsSheet(book.get_sheet_by_name(name)) for name in book.sheet_names]

    def close(self) -> None:
        pass


_ODS_SHEET = re.compile(rb'<table:table\s[^>]*?\btable:name="([^"]*)"')
_ODS_NAME = re.compile(rb'<table:named-(?:range|expression)\s[^>]*?\btable:name="([^"]*)"')


def ods_outline(data: bytes, max_xml: int = 50 * 1024 * 1024) -> tuple[list[str], set[str]] | None:
    """An .ods's sheet names and defined names (where the workbooks keep their markers), read from
    ``content.xml`` without parsing it; None if ``data`` is not an .ods. For plugins' detect():
    never raises."""
    try:
        if odf_kind(data) != "ods":
            return None
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            info = zf.getinfo("content.xml")
            if info.file_size > max_xml:
                return None
            xml = zf.read(info)
        names = [html.unescape(n.decode("utf-8", "replace")) for n in _ODS_SHEET.findall(xml)]
        defined = {html.unescape(n.decode("utf-8", "replace")) for n in _ODS_NAME.findall(xml)}
        return names, defined
    except Exception:
        return None


def load(ws, max_cols: int, scan_beyond: int | None = None) -> tuple[Grid, bool]:
    """A sheet's values (at most MAX_ROWS x ``max_cols``); True as well when rows were cut.

    With ``scan_beyond``, rows count as cut only when one of that many further rows holds a value
    (formatting alone can leave many empty rows in a file)."""
    ws.reset_dimensions()  # some writers declare wrong dimensions; read what is there
    grid: Grid = []
    rows = ws.iter_rows(min_row=1, min_col=1, max_col=max_cols)
    for row in rows:
        if len(grid) == MAX_ROWS:
            if scan_beyond is None:
                return grid, True
            return grid, any(not blank(c.value) for _, more in zip(range(scan_beyond), rows) for c in more)
        grid.append(tuple(cell_value(cell) for cell in row))
    while grid and all(blank(v) for v in grid[-1]):
        grid.pop()
    return grid, False


def read_sheet(b: ReturnBuilder, ws, max_cols: int, scan_beyond: int | None = None) -> Grid | None:
    """``load(ws)``, reporting a sheet that could not be read (file.corrupt, and None) or was cut
    (file.too_many_rows)."""
    try:
        grid, cut = load(ws, max_cols, scan_beyond)
    except Exception:
        b.issue("file.corrupt", "error", None, f"sheet '{ws.title}'",
                f"The sheet '{ws.title}' could not be read; the file may be damaged. "
                "Open it in Excel, save it again and resend it.")
        return None
    if cut:
        b.issue("file.too_many_rows", "warning", None, f"sheet '{ws.title}'",
                f"Only the first {MAX_ROWS} rows of '{ws.title}' were read.")
    return grid


# --- rows --------------------------------------------------------------------------------------

def incomplete(b: ReturnBuilder, location: str, message: str) -> None:
    """A row left out because something it needs is missing."""
    b.issue("row.incomplete", "warning", None, location, message + " The row is left out.")


def row_number(b: ReturnBuilder, raw: Any, location: str, what: str, parse: Callable[[Any], Any],
               kind: str = "a number") -> Any:
    """``parse(raw)`` for a row's number; None when it is blank (row.incomplete) or unreadable
    (parse.number), and the row is then left out. ``what`` starts the message: "The number for 'X'"."""
    if blank(raw):
        incomplete(b, location, f"{what} is missing.")
        return None
    value = parse(raw)
    if value is None:
        b.issue("parse.number", "error", None, location,
                f"{what} must be {kind}; found '{str(raw).strip()}'. The row is left out.")
    return value


def read_metrics(b: ReturnBuilder, t: Table, parse: Callable[[Any], Any] = normalise.parse_float) -> None:
    """/other_metrics from the table's ``name`` and ``count`` columns."""
    i = 0
    for r in t.rows:
        name = cell_text(t.get(r, "name"))
        if blank(name):
            incomplete(b, t.ref(r, "name"), "This row gives a number but not what it counts.")
            continue
        name = str(name).strip()
        value = row_number(b, t.get(r, "count"), t.ref(r, "count"), f"The number for '{name}'", parse)
        if value is None:
            continue
        b.set(f"/other_metrics/{i}/name", name, t.ref(r, "name"))
        b.set(f"/other_metrics/{i}/count", value, t.ref(r, "count"))
        i += 1


def read_technician_areas(b: ReturnBuilder, t: Table, is_total: Callable[[str], bool],
                          summed: Iterable[str] = ("headcount", "fte"),
                          noun: tuple[str, str] = ("area", "areas")) -> int | None:
    """/technicians/areas from the table's ``name``, ``headcount`` and ``fte`` columns, and the totals
    from its total row (the first row whose name ``is_total``; a second is warned about and ignored).

    Returns the total row, or None when there is none: the totals in ``summed`` are then the sums of
    the areas, when every area gives its figure (a reader that takes a total from a cell of its own
    leaves it out of ``summed``). ``noun``: what the workbook calls a row, singular and plural."""
    counts: list[int | None] = []
    ftes: list[float | None] = []
    area_rows: list[int] = []
    total_row = None
    has_fte = "fte" in t.cols
    for r in t.rows:
        name = cell_text(t.get(r, "name"))
        name = "" if blank(name) else str(name).strip()
        if is_total(name):
            if total_row is None:
                total_row = r
                b.integer("/technicians/headcount", t.get(r, "headcount"), t.ref(r, "headcount"),
                          "The total number of technicians")
                if has_fte:
                    b.number("/technicians/fte", t.get(r, "fte"), t.ref(r, "fte"), "The total FTE")
            else:
                b.issue("row.duplicate_total", "warning", None, t.ref(r, "name"),
                        f"A second '{name}' row; only the first (row {total_row}) is read as the total.")
            continue
        i = len(area_rows)
        area_rows.append(r)
        if not name:
            name = f"(row {r})"
            b.issue("row.incomplete", "warning", f"/technicians/areas/{i}/name", t.ref(r, "name"),
                    f"This row of technicians has no {noun[0]} name; please name the {noun[0]}.")
        b.set(f"/technicians/areas/{i}/name", name, t.ref(r, "name"))
        counts.append(b.integer(f"/technicians/areas/{i}/headcount", t.get(r, "headcount"), t.ref(r, "headcount"),
                                f"The headcount for '{name}'"))
        if has_fte:
            ftes.append(b.number(f"/technicians/areas/{i}/fte", t.get(r, "fte"), t.ref(r, "fte"),
                                 f"The FTE for '{name}'"))
    b.at("/technicians/headcount", t.ref(t.rows[0] if t.rows else t.header + 1, "headcount"))
    if total_row is not None:
        return total_row  # a total row gives the totals, even when it leaves them blank

    def span(col: str) -> str:
        return f"{t.sheet.range_ref(area_rows[0], t.cols[col], area_rows[-1], t.cols[col])} (sum of the {noun[1]})"

    for pointer, col, values, total in (("/technicians/headcount", "headcount", counts, sum),
                                        ("/technicians/fte", "fte", ftes, lambda v: round(sum(v), 2))):
        if col in summed and col in t.cols and values and None not in values:
            b.set(pointer, total(values), span(col))
    return None


def add_registration(b: ReturnBuilder, i: int, t: Table, r: int, register: str, label: str | None, count: int,
                     name_col: str = "name") -> None:
    """/registrations/``i`` from row ``r``: the register at its cell, the label at its own cell (else
    the register's) and the count."""
    prefix = f"/registrations/{i}"
    b.set(f"{prefix}/name", register, t.ref(r, name_col))
    if label is not None:
        b.set(f"{prefix}/label", label, t.ref(r, "label" if "label" in t.cols else name_col))
    b.set(f"{prefix}/count", count, t.ref(r, "count"))


def read_stage(b: ReturnBuilder, raw: Any, location: str, given: int | None, *,
               parse: Callable[[Any], int | None] = normalise.parse_stage,
               choices: str = normalise.STAGE_CHOICES, says: str = "The workbook says") -> None:
    """The stage cell: set it, unless the stage was given when the file was handed in, which wins
    (a different stage in the cell is then a warning)."""
    b.at("/stage", location)
    if normalise.blank(raw):
        return
    stage = parse(raw)
    if stage is None:
        b.issue("parse.stage", "error", "/stage", location,
                f"The stage must be {choices}; found '{str(raw).strip()}'.")
    elif given is None:
        b.set("/stage", stage, location)
    elif given != stage:
        b.issue("stage.mismatch", "warning", "/stage", location,
                f"{says} Stage {stage} but it was handed in for Stage {given}; it is checked as "
                f"Stage {given}. Correct the Stage cell if that is wrong.")
