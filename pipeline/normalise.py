"""Turning what people write into canonical values: dates, themes, statuses, registers, numbers.

Shared by every plugin, so "Q2 2020", "CAREER DEVELOPMENT" or "1,204" mean the same whichever
format they arrive in. Each function returns None for text it cannot read; callers report that as
an issue at the place the text came from.
"""

from __future__ import annotations

import calendar
import math
import datetime as dt
import re

from pipeline.schema import MAX_STAGE, ActionStatus, DatePrecision, DueDate, Register, Theme

MONTHS = {
    name.lower(): i
    for i in range(1, 13)
    for name in (calendar.month_name[i], calendar.month_abbr[i])
}
MONTHS["sept"] = 9

_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
_ONGOING = {"ongoing", "on-going", "on going", "continuous", "continuing", "rolling", "annual", "annually"}


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, clipped to the month's end (31 Aug + 6 -> 28/29 Feb)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        return dt.date.max if months > 0 else dt.date.min
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _valid_year(year: int) -> bool:
    return 1990 <= year <= 2100


def parse_day(text: str) -> dt.date | None:
    """A calendar day written UK style: 14/11/2018, 14-11-18, 28 June 2018, 28th June 2018, 2018-06-28."""
    t = _squash(text).lower().rstrip(".")
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ t]00:00(?::00)?)?", t):
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    elif m := re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})", t):
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
        y = y + 2000 if y < 100 else y
    elif m := re.fullmatch(rf"(\d{{1,2}})(?:st|nd|rd|th)? (?:of )?({_MONTH_RE}),? (\d{{4}})", t):
        d, mo, y = int(m[1]), MONTHS[m[2]], int(m[3])
    elif m := re.fullmatch(rf"({_MONTH_RE}) (\d{{1,2}})(?:st|nd|rd|th)?,? (\d{{4}})", t):
        mo, d, y = MONTHS[m[1]], int(m[2]), int(m[3])
    else:
        return None
    if not _valid_year(y):
        return None
    try:
        return dt.date(y, mo, d)
    except ValueError:
        return None


def parse_day_value(value: object) -> dt.date | None:
    """A day from a cell: a date/datetime value, or text as ``parse_day`` reads it."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return parse_day(str(value)) if value is not None else None


def parse_due(value: object) -> DueDate | None:
    """A target date with its precision; None when the text is not a date we can read."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return DueDate(precision=DatePrecision.DAY, end=value, text=value.strftime("%d/%m/%Y"))
    if value is None:
        return None
    text = _squash(str(value))
    t = text.lower().rstrip(".")
    if not t:
        return None
    if t in _ONGOING or t.startswith(("ongoing", "on-going")):
        return DueDate(precision=DatePrecision.ONGOING, end=None, text=text)
    if day := parse_day(t):
        return DueDate(precision=DatePrecision.DAY, end=day, text=text)
    month = year = None
    if m := re.fullmatch(rf"(?:end of |by )?({_MONTH_RE})\.?,? (\d{{4}})", t):
        month, year = MONTHS[m[1]], int(m[2])
    elif m := re.fullmatch(r"(\d{1,2})[/.\-](\d{4})", t):
        month, year = int(m[1]), int(m[2])
    elif m := re.fullmatch(r"(\d{4})-(\d{1,2})", t):
        month, year = int(m[2]), int(m[1])
    if month is not None:
        if 1 <= month <= 12 and _valid_year(year):
            return DueDate(precision=DatePrecision.MONTH, end=_month_end(year, month), text=text)
        return None
    if (m := re.fullmatch(r"q([1-4])[ /\-]?(\d{4})", t)) or (m := re.fullmatch(r"(\d{4})[ /\-]?q([1-4])", t)):
        q, year = (int(m[1]), int(m[2])) if t.startswith("q") else (int(m[2]), int(m[1]))
        if _valid_year(year):
            return DueDate(precision=DatePrecision.QUARTER, end=_month_end(year, 3 * q), text=text)
        return None
    if m := re.fullmatch(r"(?:end of |by )?(\d{4})", t):
        if _valid_year(int(m[1])):
            return DueDate(precision=DatePrecision.YEAR, end=dt.date(int(m[1]), 12, 31), text=text)
        return None
    if m := re.fullmatch(r"(?:ay )?(\d{4})[/\-](\d{2})", t):
        # An academic year such as "2020/21" ends on 31 July of its second calendar year.
        first, second = int(m[1]), int(m[2])
        if _valid_year(first) and second == (first + 1) % 100:
            return DueDate(precision=DatePrecision.YEAR, end=dt.date(first + 1, 7, 31), text=text)
    return None


def _key(text: str) -> str:
    return re.sub(r"[^a-z]+", " ", text.lower()).strip()


_THEMES = {
    "visibility": Theme.VISIBILITY,
    "recognition": Theme.RECOGNITION,
    "career development": Theme.CAREER_DEVELOPMENT,
    "careers development": Theme.CAREER_DEVELOPMENT,
    "career progression": Theme.CAREER_DEVELOPMENT,
    "sustainability": Theme.SUSTAINABILITY,
    "evaluating impact": Theme.EVALUATING_IMPACT,
    "evaluation of impact": Theme.EVALUATING_IMPACT,
    "evaluation": Theme.EVALUATING_IMPACT,
}


def parse_theme(text: object) -> Theme | None:
    """'Career Development', 'CAREER DEVELOPMENT', 'Theme: career development' -> the theme."""
    if text is None:
        return None
    key = _key(str(text))
    key = re.sub(r"^(?:theme|themes)\s+", "", key)
    key = re.sub(r"^\d+\s*", "", key)
    return _THEMES.get(key)


def theme_heading(text: str) -> tuple[Theme, str] | None:
    """A line that opens a theme: 'VISIBILITY', 'Theme: Recognition', 'Visibility: text...'.

    Returns the theme and whatever text follows the heading on the same line (may be empty)."""
    t = _squash(text)
    body = re.sub(r"^theme\s*\d*\s*[:.\-–]\s*", "", t, flags=re.I)
    lowered = body.lower()
    for alias in sorted(_THEMES, key=len, reverse=True):
        if not lowered.startswith(alias):
            continue
        rest = body[len(alias):]
        if not rest.strip():
            return _THEMES[alias], ""
        if m := re.match(r"^\s*(?:[:\-–]|\s[-–])\s*(.*)$", rest):
            return _THEMES[alias], m[1].strip()
    return None


_STATUSES = {
    ActionStatus.PLANNED: {"planned", "not started", "to do", "todo", "proposed", "not yet started", "future", "pending"},
    ActionStatus.IN_PROGRESS: {"in progress", "ongoing", "on going", "underway", "under way", "started", "in hand", "on track"},
    ActionStatus.DONE: {"done", "complete", "completed", "achieved", "delivered", "met", "finished"},
    ActionStatus.DROPPED: {"dropped", "cancelled", "canceled", "withdrawn", "discontinued", "abandoned", "not pursued"},
}
_STATUS_BY_TEXT = {text: status for status, texts in _STATUSES.items() for text in texts}


def parse_status(text: object) -> ActionStatus | None:
    if text is None:
        return None
    return _STATUS_BY_TEXT.get(_key(str(text)))


_REGISTERS = {_key(r.value): r for r in Register} | {"other": Register.OTHER}


def parse_register(text: object) -> Register | None:
    if text is None:
        return None
    return _REGISTERS.get(_key(str(text)).replace(" ", ""))


#: How a stage is written, for messages.
STAGE_CHOICES = "1, 2 or 3 (4 and later for the submissions after Stage 3)"


def parse_stage(value: object) -> int | None:
    """'2', 'Stage 2', 2, 2.0 -> 2; anything outside 1..MAX_STAGE -> None."""
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(?:stage\s*)?(\d{1,2})(?:\.0+)?\s*", value, re.I)
        number = int(m[1]) if m else None
    else:
        number = parse_int(value)
    return number if number is not None and 1 <= number <= MAX_STAGE else None


#: Whole numbers are read up to 15 digits, as Excel keeps them exactly; a cell beyond that (a
#: hand-made file can hold hundreds of digits) is a typing error, not a count the warehouse could hold.
MAX_INT_DIGITS = 15


def parse_int(value: object) -> int | None:
    """'412', '1,204', 412.0 -> an integer; '412.5', 'about 400', more than 15 digits -> None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        value = int(value) if value.is_integer() else None
    if isinstance(value, int):
        return value if abs(value) < 10 ** MAX_INT_DIGITS else None
    if value is None:
        return None
    t = str(value).strip().replace(",", "").replace(" ", "")
    if m := re.fullmatch(rf"([+-]?\d{{1,{MAX_INT_DIGITS}}})(?:\.0+)?", t):
        return int(m[1])
    return None


def parse_float(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:  # an int of hundreds of digits
            return None
    elif value is None:
        return None
    else:
        t = str(value).strip().replace(",", "")
        if not re.fullmatch(r"[+-]?(?:\d{1,15}\.?\d*|\.\d+)", t):
            return None
        number = float(t)
    return number if math.isfinite(number) else None


def blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def match_header(text: str, synonyms: dict[str, tuple[str, ...]]) -> str | None:
    """Which canonical column a heading means: the first key whose synonyms start the heading."""
    key = _key(text)
    if not key:
        return None
    for column, words in synonyms.items():
        if any(key == w or key.startswith(w + " ") for w in words):
            return column
    for column, words in synonyms.items():
        if any(w in key for w in words if len(w) > 3):
            return column
    return None
