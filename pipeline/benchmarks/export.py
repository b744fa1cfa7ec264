"""CSV and XLSX exports that a spreadsheet can never run as formulas.

**In plain English.** A return can contain text such as ``=HYPERLINK("http://…")`` or ``+44 20
7946 0000``. Opened in Excel, a cell that starts with ``=``, ``+``, ``-`` or ``@`` can be taken
for a formula and run — a known way to attack whoever opens an export ("CSV injection"). Every
export from techbench is made safe: in a CSV file such a text gets an apostrophe in front
(``'=HYPERLINK(…)``), which spreadsheets read as "this is text"; in an Excel file every text is
stored as text, never as a formula, and numbers are stored as numbers. Dates are written the
international way (2024-03-31). The header row is bold.

**Technically.**

- CSV (``to_csv``, ``to_bytes_csv``): OWASP's CSV-injection guidance — any string cell (and
  header) whose first character is ``=``, ``+``, ``-``, ``@``, tab, carriage return, line feed,
  NUL or a full-width ``＝ ＋ － ＠`` gets a leading apostrophe ``'``; RFC 4180 quoting (polars'
  writer) does the rest. Only String columns are touched: numeric columns stay numbers (``-3``
  stays ``-3``), so a string "-3" and a number -3 read back differently, as they should. Dates
  ``YYYY-MM-DD``, datetimes ``YYYY-MM-DDTHH:MM:SS`` (ISO 8601; time-zone-aware ones with their
  offset), lists joined with "; ", structs as JSON, nulls empty. UTF-8, optionally with a BOM
  (``bom=True``) so that Excel shows accented letters and "£" correctly.
- XLSX (``to_xlsx``, ``to_bytes_xlsx``; openpyxl, write-only mode): each string is a cell with
  ``data_type = "s"`` set explicitly (openpyxl would otherwise store a string starting with ``=``
  as a formula and "#N/A" as an error); strings that look like formulas also get Excel's
  ``quotePrefix`` style, so that they stay text even if someone edits the cell. Characters XML
  cannot hold (control characters) are removed; strings are cut at Excel's 32,767-character limit.
  Integers and floats are numbers (integers beyond 15 significant digits, which Excel would round,
  are written as text; NaN and infinity as empty cells); booleans are booleans; dates are date
  cells formatted ``yyyy-mm-dd``, datetimes ``yyyy-mm-dd hh:mm:ss`` (aware ones converted to UTC,
  since Excel has no time zones). Header row bold and frozen; column widths from the longest value
  (capped). ``to_xlsx`` takes one frame or ``{sheet name: frame}``.
- HESA attribution: a frame holding HESA figures (a column of ``HESA_COLUMNS``, or rows of a
  metric computed from them, ``catalogue.HESA_METRICS``) carries HESA's attribution
  (``hesa_reconciliation.ATTRIBUTION``, required by its CC BY 4.0 licence): in CSV as a last line
  ``# Contains HESA Data: …`` after the rows, so that the header stays the first line every CSV
  reader expects (read the file back with ``comment_prefix="#"``, or skip the row whose first
  cell starts with "#"); in XLSX as a last sheet, "Attribution". Nothing is added to other
  exports.
- Files are written to ``<path>.part`` and renamed into place, so that a watcher never sees half a
  file. Apply ``disclosure.disclose`` *before* exporting for anyone but the steering group.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO

import polars as pl

from pipeline.benchmarks.catalogue import HESA_METRICS
from pipeline.benchmarks.hesa_reconciliation import ATTRIBUTION

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\0", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_FORMULA_RE = r"^[=+\-@\t\r\n\x00\uff1d\uff0b\uff0d\uff20]"  # the same characters, for polars
EXCEL_MAX_CHARS = 32_767
EXCEL_MAX_DIGITS = 15
MAX_COLUMN_WIDTH = 60
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
#: Columns that hold HESA's published figures; a frame with any of them carries the attribution.
HESA_COLUMNS = frozenset({"hesa_proxy", "technician_proxy", "total_non_academic", "total_staff"})
ATTRIBUTION_SHEET = "Attribution"


def neutralise(value: str) -> str:
    """``value`` with a leading apostrophe if a spreadsheet could read it as a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


def hesa_attribution(frame: pl.DataFrame) -> str | None:
    """HESA's attribution if ``frame`` holds a HESA figure (see the module notes), else None."""
    if HESA_COLUMNS & set(frame.columns):
        return ATTRIBUTION
    if "metric" in frame.columns and frame["metric"].cast(pl.String).is_in(sorted(HESA_METRICS)).any():
        return ATTRIBUTION
    return None


def _flatten(frame: pl.DataFrame) -> pl.DataFrame:
    """Nested and temporal columns as strings or plain values the writers understand."""
    exprs = []
    for name, dtype in frame.schema.items():
        c = pl.col(name)
        if isinstance(dtype, (pl.List, pl.Array)):
            exprs.append(c.cast(pl.List(pl.String)).list.join("; ").alias(name))
        elif isinstance(dtype, pl.Struct):
            exprs.append(c.struct.json_encode().alias(name))
        elif isinstance(dtype, (pl.Categorical, pl.Enum)):
            exprs.append(c.cast(pl.String))
        elif dtype == pl.Binary:
            exprs.append(c.bin.encode("hex").alias(name))
        elif isinstance(dtype, (pl.Duration, pl.Time)) or dtype == pl.Object or dtype == pl.Null:
            exprs.append(c.cast(pl.String, strict=False).alias(name) if dtype != pl.Object
                         else c.map_elements(str, return_dtype=pl.String).alias(name))
    return frame.with_columns(exprs) if exprs else frame


def _safe_csv_frame(frame: pl.DataFrame) -> pl.DataFrame:
    frame = _flatten(frame)
    exprs = []
    for name, dtype in frame.schema.items():
        if dtype == pl.String:
            c = pl.col(name)
            exprs.append(pl.when(c.str.contains(_FORMULA_RE)).then(pl.lit("'") + c).otherwise(c).alias(name))
        elif isinstance(dtype, pl.Datetime):
            fmt = "%Y-%m-%dT%H:%M:%S%.f" + ("%:z" if dtype.time_zone else "")
            exprs.append(pl.col(name).dt.strftime(fmt).alias(name))
    frame = frame.with_columns(exprs) if exprs else frame
    return frame.rename({c: neutralise(c) for c in frame.columns if neutralise(c) != c})


def _notes(frames: Iterable[pl.DataFrame], notes: Sequence[str]) -> list[tuple[str, str]]:
    """(source, note) pairs a file must carry: the caller's (e.g. that the data are synthetic), then
    HESA's attribution when a frame holds HESA figures."""
    out = [("techbench", n) for n in notes]
    if any(hesa_attribution(f) is not None for f in frames):
        out.append(("HESA open data, DT025 Table 1", ATTRIBUTION))
    return out


def to_bytes_csv(frame: pl.DataFrame, *, bom: bool = False, notes: Sequence[str] = ()) -> bytes:
    """The frame as safe CSV (UTF-8), for downloads; each note as a last ``# …`` line (the header
    stays the first line every CSV reader expects)."""
    data = _safe_csv_frame(frame).write_csv(date_format="%Y-%m-%d", null_value="").encode("utf-8")
    lines = [f"# {note}" for _, note in _notes([frame], notes)]
    if lines:
        data += pl.DataFrame({"#": lines}).write_csv(include_header=False).encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if bom else data


def _write(path: str | os.PathLike | IO[bytes], data: bytes) -> None:
    if hasattr(path, "write"):
        path.write(data)
        return
    target = Path(path)
    part = target.with_name(target.name + ".part")
    part.write_bytes(data)
    os.replace(part, target)


def to_csv(frame: pl.DataFrame, path: str | os.PathLike | IO[bytes], *, bom: bool = False) -> None:
    """Write ``frame`` as CSV that cannot run as spreadsheet formulas (see the module notes)."""
    _write(path, to_bytes_csv(frame, bom=bom))


# --- XLSX ---------------------------------------------------------------------------------------
def _sheet_names(names: list[str]) -> list[str]:
    out: list[str] = []
    for name in names:
        base = _SHEET_BAD.sub("_", str(name)).strip("'") or "Sheet"
        base = base[:31]
        candidate, i = base, 1
        while candidate.lower() in {o.lower() for o in out}:
            i += 1
            suffix = f" ({i})"
            candidate = base[:31 - len(suffix)] + suffix
        out.append(candidate)
    return out


def _widths(frame: pl.DataFrame) -> list[float]:
    widths = []
    for name in frame.columns:
        longest = frame.select(pl.col(name).cast(pl.String, strict=False).str.len_chars().max()).item() or 0
        widths.append(min(MAX_COLUMN_WIDTH, max(len(name), longest, 6) + 2))
    return widths


def _write_sheet(wb, title: str, frame: pl.DataFrame) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title=title)
    frame = _flatten(frame)
    for i, width in enumerate(_widths(frame), 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)

    def text(value: str, font=None) -> WriteOnlyCell:
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if len(value) > EXCEL_MAX_CHARS:
            value = value[:EXCEL_MAX_CHARS - 1] + "\u2026"
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"  # never a formula ("=…") or an error code ("#N/A")
        if value.startswith(FORMULA_START):
            cell.quotePrefix = True  # Excel keeps it text even when the cell is edited
        if font is not None:
            cell.font = font
        return cell

    def convert(value):
        if value is None:
            return None
        if isinstance(value, str):
            return text(value)
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return value if abs(value) < 10 ** EXCEL_MAX_DIGITS else text(str(value))
        if isinstance(value, float):
            return None if math.isnan(value) or math.isinf(value) else value
        if isinstance(value, Decimal):
            return None if not value.is_finite() else value
        if isinstance(value, dt.datetime):
            if value.tzinfo is not None:
                value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
            cell = WriteOnlyCell(ws, value=value)
            cell.number_format = "yyyy-mm-dd hh:mm:ss"
            return cell
        if isinstance(value, dt.date):
            cell = WriteOnlyCell(ws, value=value)
            cell.number_format = "yyyy-mm-dd"
            return cell
        if isinstance(value, (dict, list, tuple)):
            return text(json.dumps(value, default=str, ensure_ascii=False))
        if isinstance(value, bytes):
            return text(value.hex())
        return text(str(value))

    ws.append([text(str(name), bold) for name in frame.columns])
    for row in frame.iter_rows():
        ws.append([convert(v) for v in row])


def to_bytes_xlsx(frame: pl.DataFrame | Mapping[str, pl.DataFrame], *, sheet: str = "data",
                  notes: Sequence[str] = ()) -> bytes:
    """The frame (or ``{sheet name: frame}``) as an XLSX workbook, for downloads; notes (and HESA's
    attribution where due) on a last sheet."""
    from openpyxl import Workbook

    frames = dict(frame) if isinstance(frame, Mapping) else {sheet: frame}
    wb = Workbook(write_only=True)
    for title, f in zip(_sheet_names(list(frames)), frames.values()):
        _write_sheet(wb, title, f)
    carried = _notes(frames.values(), notes)
    if carried:
        title = _sheet_names([*frames, ATTRIBUTION_SHEET])[-1]
        _write_sheet(wb, title, pl.DataFrame({"source": [s for s, _ in carried],
                                              "attribution": [n for _, n in carried]}))
    if not frames:
        wb.create_sheet(title=sheet)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def to_xlsx(frame: pl.DataFrame | Mapping[str, pl.DataFrame], path: str | os.PathLike | IO[bytes], *,
            sheet: str = "data") -> None:
    """Write ``frame`` (or several, one per sheet) as XLSX whose cells can never run as formulas."""
    _write(path, to_bytes_xlsx(frame, sheet=sheet))
