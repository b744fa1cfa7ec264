"""Spreadsheet cells for workbook readers: Excel-style references and values as the builder wants them.

Shared by every plugin that reads .xlsx files, so a date Excel made from "Sep 2019", a whole
number stored as 412.0, or a sheet called 'Action plan' are handled the same everywhere.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any


_PLAIN_SHEET = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_CELL_LIKE = re.compile(r"[A-Za-z]{1,3}\d+|[RrCc]\d*", re.ASCII)


def sheet_ref(title: str) -> str:
    """A sheet name as Excel writes it in a reference: quoted when it holds spaces or punctuation."""
    if _PLAIN_SHEET.fullmatch(title) and not _CELL_LIKE.fullmatch(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def cell_ref(title: str, row: int, col: int) -> str:
    """``Organisation!B6``, ``'Action plan'!D5``."""
    from openpyxl.utils import get_column_letter  # openpyxl only once a workbook is read

    return f"{sheet_ref(title)}!{get_column_letter(col)}{row}"


def day_less(number_format: str) -> str | None:
    """'month' or 'year' for a date format without a day (Excel turns 'Sep 2019' into 1 Sep 2019)."""
    fmt = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", number_format or "").lower()
    if "d" in fmt or "h" in fmt or "s" in fmt:
        return None
    if "m" in fmt:
        return "month"
    if "y" in fmt:
        return "year"
    return None


def cell_value(cell: Any) -> Any:
    """A cell's value as the builder wants it: whole floats as int, a day-less date back as the
    text it shows ('Sep 2019', '2020'), midnight datetimes as dates."""
    value = getattr(cell, "value", None)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dt.datetime):
        shown = day_less(getattr(cell, "number_format", "") or "")
        if shown == "month":
            return f"{value:%b %Y}"
        if shown == "year":
            return str(value.year)
        if value.time() == dt.time(0):
            return value.date()
    return value


def cell_text(value: Any) -> Any:
    """A value for a text field: dates the UK way, numbers as written."""
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    return value
