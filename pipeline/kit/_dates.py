"""Reading dates as people write them: a day, month, quarter, year or academic year, "Ongoing",
"Year 2" of a plan, several milestones in one cell, or dates inside a sentence.

Part of the plugin kit's value parsing: plugins import these names from ``pipeline.kit.normalise``.
Each function returns None for text it cannot read; callers report that as an issue at the place
the text came from. Days are read the UK way (14/11/2019 is 14 November).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from pipeline.schema import DatePrecision, DueDate

MONTHS = {
    name.lower(): i
    for i in range(1, 13)
    for name in (calendar.month_name[i], calendar.month_abbr[i])
}
MONTHS["sept"] = 9

_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
_ONGOING = {"ongoing", "on-going", "on going", "continuous", "continuing", "rolling", "annual", "annually"}


def squash(text: str) -> str:
    """Runs of whitespace as one space, and none at either end."""
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
    t = squash(text).lower().rstrip(".")
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


def parse_due(value: object, plan_start: dt.date | None = None) -> DueDate | None:
    """A target date with its precision; None when the text is not a date we can read.

    Besides one date: "From Oct 2022" is a start (ongoing from its first day, no deadline); several
    dates in one cell ("Aug 2022; Aug 2023", "August 2022 / from September 2022") are milestones,
    the deadline being the last that is not a start; "Year 2" is a year of the plan, resolved
    against ``plan_start`` when given, else kept relative (``plan_year`` without ``end``)."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return DueDate(precision=DatePrecision.DAY, end=value, text=value.strftime("%d/%m/%Y"))
    if value is None:
        return None
    text = squash(str(value))
    if not text.rstrip("."):
        return None
    found = _one_due(text, plan_start)
    if found is not None:
        return found
    parts = [p for p in _MILESTONE_SPLIT.split(text) if p.strip()]
    if len(parts) < 2:
        return None
    milestones = [_one_due(p.strip(), plan_start) for p in parts]
    if any(m is None for m in milestones):
        return None
    return _combine(text, milestones)  # type: ignore[arg-type]


_MILESTONE_SPLIT = re.compile(r"\s*(?:;|\s/\s|\s&\s|,?\s+and\s+|,\s+(?=\D))\s*", re.I)
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_PLAN_YEAR = re.compile(r"(?:in |by |end of )?(?:the )?year (\d|one|two|three|four|five|six)(?: of the plan)?")


def _combine(text: str, milestones: list[DueDate]) -> DueDate:
    """One date standing for several: the deadline is the last that is not a start."""
    deadlines = [m for m in milestones if m.end is not None]
    if deadlines:
        last = max(deadlines, key=lambda m: m.end)
        return DueDate(precision=last.precision, end=last.end, text=text, milestones=milestones)
    relative = [m for m in milestones if m.plan_year is not None]
    if relative:
        return DueDate(precision=DatePrecision.PLAN_YEAR, plan_year=max(m.plan_year for m in relative),
                       text=text, milestones=milestones)
    start = next((m.start for m in milestones if m.start), None)
    return DueDate(precision=DatePrecision.ONGOING, text=text, start=start, milestones=milestones)


def _one_due(text: str, plan_start: dt.date | None) -> DueDate | None:
    t = text.lower().rstrip(".").strip()
    if m := re.fullmatch(r"(?:from|starting|starting from|commencing|beginning) (.+)", t):
        first = _plain_due(m[1], m[1])
        if first is None or first.end is None:
            return None
        return DueDate(precision=DatePrecision.ONGOING, text=text, start=first_day(first))
    if m := _PLAN_YEAR.fullmatch(t):
        n = _NUMBER_WORDS.get(m[1]) or int(m[1])
        if not 1 <= n <= 6:
            return None
        due = DueDate(precision=DatePrecision.PLAN_YEAR, plan_year=n, text=text)
        return resolve_plan_year(due, plan_start) if plan_start else due
    return _plain_due(t, text)


def first_day(due: DueDate) -> dt.date | None:
    """The first day a dated target covers: 1 Sep 2019 for "Sep 2019", 1 Aug 2020 for "2020/21"."""
    end = due.end
    if end is None:
        return due.start
    if due.precision is DatePrecision.MONTH:
        return end.replace(day=1)
    if due.precision is DatePrecision.QUARTER:
        return end.replace(month=end.month - 2, day=1)
    if due.precision is DatePrecision.YEAR:
        return dt.date(end.year - 1, 8, 1) if end.month == 7 else dt.date(end.year, 1, 1)
    return end


def resolve_plan_year(due: DueDate, plan_start: dt.date) -> DueDate:
    """'Year N' of a plan starting ``plan_start``: it ends the day before N years from the start."""
    milestones = [resolve_plan_year(m, plan_start) for m in due.milestones]
    if due.plan_year is None:
        return due.model_copy(update={"milestones": milestones}) if milestones else due
    end = add_months(plan_start, 12 * due.plan_year) - dt.timedelta(days=1)
    if milestones:
        return _combine(due.text, milestones)
    return due.model_copy(update={"end": end})


def _plain_due(t: str, text: str) -> DueDate | None:
    """One date as in the form: a day, month, quarter, year, academic year, or 'ongoing'."""
    if not t:
        return None
    if t in _ONGOING or t.startswith(("ongoing", "on-going")):
        return DueDate(precision=DatePrecision.ONGOING, end=None, text=text)
    if day := parse_day(t):
        return DueDate(precision=DatePrecision.DAY, end=day, text=text)
    month = year = None
    if m := re.fullmatch(rf"(?:end of |by (?:the end of )?|before )?({_MONTH_RE})\.?,? (\d{{4}})", t):
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
    if m := re.fullmatch(r"(?:end of |by (?:the end of )?|in |during |before )?(\d{4})", t):
        if _valid_year(int(m[1])):
            return DueDate(precision=DatePrecision.YEAR, end=dt.date(int(m[1]), 12, 31), text=text)
        return None
    if m := re.fullmatch(r"(?:ay )?(\d{4})[/\-](\d{2})", t):
        # An academic year such as "2020/21" ends on 31 July of its second calendar year.
        first, second = int(m[1]), int(m[2])
        if _valid_year(first) and second == (first + 1) % 100:
            return DueDate(precision=DatePrecision.YEAR, end=dt.date(first + 1, 7, 31), text=text)
    return None


# Dates written inside a sentence ("... registered by July 2021", "projected date: Sep 2020"): each
# alternative is one date as ``parse_due`` reads it; a bare year needs a preposition before it.
_DATE_IN_TEXT = re.compile(
    r"(?<![\w/.\-])(?:(?:from|starting) )?(?:"
    r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.]\d{1,2}[/.](?:\d{4}|\d{2})"
    rf"|\d{{1,2}}(?:st|nd|rd|th)? (?:of )?(?:{_MONTH_RE}),? \d{{4}}"
    rf"|(?:end of |by (?:the end of )?)?(?:{_MONTH_RE})\.?,? \d{{4}}"
    r"|q[1-4] ?\d{4}|\d{4}/\d{2}(?!\d)"
    r"|(?:in |by |end of )?(?:the )?year (?:\d|one|two|three|four|five|six)\b"
    r"|(?:by (?:the end of )?|end of |in |during |before |until )\d{4}(?![/\-]?\d)"
    r")(?![\w/])", re.I)


def dates_in_text(text: str | None, plan_start: dt.date | None = None) -> DueDate | None:
    """The projected date(s) written inside a text, as one date (several become milestones, the
    deadline the last); None when it names none. ``text`` of the result is the date(s) as written."""
    if not text:
        return None
    found: list[DueDate] = []
    for m in _DATE_IN_TEXT.finditer(squash(text)):
        raw = re.sub(r"^(?:in|during|until) ", "by ", m[0], flags=re.I) if m[0][:1].isalpha() else m[0]
        due = _one_due(raw, plan_start)
        if due is not None and due.precision is not DatePrecision.ONGOING or (due is not None and due.start):
            found.append(due.model_copy(update={"text": m[0]}))
    if not found:
        return None
    if len(found) == 1:
        return found[0]
    return _combine("; ".join(d.text for d in found), found)
