"""Turning what people write into canonical values: dates, themes, statuses, registers, numbers.

Shared by every plugin, so "Q2 2020", "CAREER DEVELOPMENT" or "1,204" mean the same whichever
format they arrive in. Each function returns None for text it cannot read; callers report that as
an issue at the place the text came from. Dates are read in ``pipeline.kit._dates``; their names
are importable from here too.
"""

from __future__ import annotations

import math
import re

from pipeline.ids import MAX_STAGE, STAGE_CHOICES  # noqa: F401 - STAGE_CHOICES for readers' messages
from pipeline.kit._dates import (  # noqa: F401 - the kit's date parsing, importable from here
    MONTHS,
    add_months,
    dates_in_text,
    first_day,
    parse_day,
    parse_day_value,
    parse_due,
    resolve_plan_year,
    squash,
)
from pipeline.schema import ActionStatus, Register, Theme


def match_key(text: str) -> str:
    return re.sub(r"[^a-z]+", " ", text.lower()).strip()


#: How a theme is named (lower case, letters and single spaces), and the theme it names.
THEME_WORDS = {
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
    key = match_key(str(text))
    key = re.sub(r"^(?:theme|themes)\s+", "", key)
    key = re.sub(r"^\d+\s*", "", key)
    return THEME_WORDS.get(key)


def theme_heading(text: str) -> tuple[Theme, str] | None:
    """A line that opens a theme: 'VISIBILITY', 'Theme: Recognition', 'Visibility: text...'.

    Returns the theme and whatever text follows the heading on the same line (may be empty)."""
    t = squash(text)
    body = re.sub(r"^theme\s*\d*\s*[:.\-–]\s*", "", t, flags=re.I)
    lowered = body.lower()
    for alias in sorted(THEME_WORDS, key=len, reverse=True):
        if not lowered.startswith(alias):
            continue
        rest = body[len(alias):]
        if not rest.strip():
            return THEME_WORDS[alias], ""
        if m := re.match(r"^\s*(?:[:\-–]|\s[-–])\s*(.*)$", rest):
            return THEME_WORDS[alias], m[1].strip()
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
    return _STATUS_BY_TEXT.get(match_key(str(text)))


#: How progress reports and RAG columns say a status: carried forward into the next plan; red /
#: amber / green as the usual key of published plans (red: not started, amber: in progress, green:
#: complete; blue, of BRAG keys, complete).
_STATUS_WORDS = {
    "carried forward": ActionStatus.IN_PROGRESS, "carried over": ActionStatus.IN_PROGRESS,
    "rolled forward": ActionStatus.IN_PROGRESS, "continuing": ActionStatus.IN_PROGRESS,
    "red": ActionStatus.PLANNED, "amber": ActionStatus.IN_PROGRESS, "green": ActionStatus.DONE,
    "blue": ActionStatus.DONE, "not yet started": ActionStatus.PLANNED,
}


def parse_status_text(text: object) -> ActionStatus | None:
    """A status as progress reports write it: 'Done', 'completed (Year One progress)', 'planned (Oct
    2019 update)', 'carried forward', 'Amber', 'Complete - report published'. Only a status word
    standing alone, before a remark in brackets or before punctuation counts: free progress text
    ('Network launched; first forum held') is no status."""
    if text is None:
        return None
    t = squash(str(text))
    if found := parse_status(t):
        return found
    head = re.split(r"\s*(?:[(\[;:,–—]|\s-\s|\.\s)", re.sub(r"^(?:rag|status)\s*[:\-–]?\s*", "", t, flags=re.I), maxsplit=1)[0]
    key = match_key(head)
    return parse_status(key) or _STATUS_WORDS.get(key)


#: An owner cell that names nobody yet.
_NO_OWNER = re.compile(r"\b(?:to be (?:identified|confirmed|determined|agreed|appointed|decided|named)|tbc|tbd|tba"
                       r"|not yet (?:identified|known|assigned)|unassigned)\b|^\s*(?:n/?a|none|unknown|-+)\s*$", re.I)


def parse_owner(text: object) -> str | None:
    """The owner as written; None for a placeholder ('lead staff to be identified', 'TBC', 'TBD')."""
    if blank(text):
        return None
    value = str(text).strip()
    return None if _NO_OWNER.search(value) else value


_REGISTERS = {match_key(r.value): r for r in Register} | {"other": Register.OTHER}


def parse_register(text: object) -> Register | None:
    if text is None:
        return None
    return _REGISTERS.get(match_key(str(text)).replace(" ", ""))


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
    key = match_key(text)
    if not key:
        return None
    for column, words in synonyms.items():
        if any(key == w or key.startswith(w + " ") for w in words):
            return column
    for column, words in synonyms.items():
        if any(w in key for w in words if len(w) > 3):
            return column
    return None
