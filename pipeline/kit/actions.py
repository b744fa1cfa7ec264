"""Reading action-plan tables as signatories really write them, for every reader of such tables.

A column fills an action's theme, action, owner, due date, evidence or status only when its heading
says so: the heading, without remarks in brackets, is one of the names below (``HEADINGS``), never
merely contains one ("Date raised" is not the due date). Every other column ("#", "Rationale", ...)
is kept on the action under its own heading (``Action.extra``), as is a text of a theme, owner,
date or status column that is no value of its field ("lead staff to be identified", "Green",
"Survey run in March"), so that nothing a plan says is dropped. A plan may have several status
columns ("Progress" and "RAG"): the first that states a status gives it.

When a plan has no theme column (and no theme heading row above the action), the theme is suggested
from the action's wording by the Appendix A rules (``pipeline.appendix_a_wording``); when it has no
date column, the projected dates are taken from the evidence text, else the progress text. Both are
marked in ``Action.inferred`` and said in the report; benchmarks never count them as the
institution's own statement.

Readers call ``map_headers(header texts)`` once per table and then, per row, ``PlanRows.add``
(which records values, places and issues in a ``ReturnBuilder``); ``action_fields`` gives an
action's fields from a row's texts without a builder.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline.appendix_a_wording import themes_in
from pipeline.kit import normalise
from pipeline.schema import Theme

#: What a column heading must be (lower case letters, single spaces, remarks in brackets removed)
#: to fill a field. Order matters only for documentation.
HEADINGS: dict[str, tuple[str, ...]] = {
    "theme": ("theme", "themes", "commitment theme", "tc theme", "technician commitment theme", "pillar"),
    "action": ("action", "actions", "activity", "activities", "what we will do", "objective", "objectives",
               "planned action", "planned actions", "proposed action", "action required", "actions required",
               "action to be taken", "actions to be taken", "specific action", "specific actions"),
    "owner": ("owner", "owners", "lead", "leads", "action owner", "action lead", "responsible", "responsibility",
              "who", "person responsible", "responsible person", "lead person", "accountable", "led by"),
    "due": ("due", "due date", "date", "target date", "deadline", "by when", "completion date", "timescale",
            "timescales", "timeframe", "time frame", "timeline", "when", "target", "target completion date",
            "date for completion", "date due", "milestone", "milestones"),
    "evidence": ("how impact will be evidenced", "evidence", "evidence of success", "evidence of impact", "impact",
                 "success measure", "success measures", "measure of success", "measures of success",
                 "success criteria", "kpi", "kpis", "outcome", "outcomes", "intended outcome", "intended outcomes",
                 "expected outcome", "expected outcomes", "how will we know", "success indicator",
                 "success indicators", "indicator of success", "indicators of success"),
    "status": ("status", "progress", "rag", "rag status", "rag rating", "progress update", "progress to date",
               "current status", "progress status", "update"),
}
_BY_HEADING = {h: name for name, hs in HEADINGS.items() for h in hs}
#: Headings of a column that numbers the rows ("#", "No.", "Ref"): kept as extra, and a row with
#: nothing else in it is no action.
NUMBER_HEADINGS = frozenset({"", "no", "number", "ref", "reference", "item", "id"})


def heading_key(text: object) -> str:
    """A heading as compared: remarks in brackets and punctuation dropped, lower case, single spaces."""
    return normalise.match_key(re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", str(text or "")))


@dataclass(frozen=True)
class ColumnMap:
    """What each column of an action-plan table holds. Indexes are 0-based positions in the row."""

    headers: tuple[str, ...]
    fields: dict[str, int]  # theme/action/owner/due/evidence -> column
    status: tuple[int, ...] = ()  # status columns, in order
    extra: tuple[int, ...] = ()  # the plan's own columns, kept under their headings
    numbers: frozenset[int] = frozenset()  # of the extra columns, those that number the rows

    def heading(self, col: int) -> str:
        text = self.headers[col].strip() if col < len(self.headers) else ""
        return text or f"column {col + 1}"

    @property
    def is_plan(self) -> bool:
        """Whether the headings are an action plan's: an action column and one other known field."""
        return "action" in self.fields and len(self.fields) + bool(self.status) >= 2


def map_headers(headers: Sequence[object]) -> ColumnMap:
    """The column map of a table from its heading texts (blank headings of empty columns are ignored
    by the callers' row texts; a blank heading over values is kept as 'column N')."""
    texts = tuple("" if h is None else str(h) for h in headers)
    fields: dict[str, int] = {}
    status, extra, numbers = [], [], set()
    for col, text in enumerate(texts):
        key = heading_key(text)
        name = _BY_HEADING.get(key)
        if name == "status":
            status.append(col)
        elif name is not None and name not in fields:
            fields[name] = col
        else:
            extra.append(col)
            if key in NUMBER_HEADINGS:
                numbers.add(col)
    return ColumnMap(texts, fields, tuple(status), tuple(extra), frozenset(numbers))


def from_fields(headers: Sequence[object], fields: dict[str, int]) -> ColumnMap:
    """A column map whose fields are named elsewhere (a mapping file): ``fields`` maps theme, action,
    owner, due, evidence and status to columns; every other column with a heading is extra."""
    texts = tuple("" if h is None else str(h) for h in headers)
    named = {k: v for k, v in fields.items() if k != "status"}
    used = set(fields.values())
    extra = tuple(c for c, t in enumerate(texts) if c not in used and t.strip())
    numbers = frozenset(c for c in extra if heading_key(texts[c]) in NUMBER_HEADINGS)
    return ColumnMap(texts, named, (fields["status"],) if "status" in fields else (), extra, numbers)


@dataclass
class Note:
    """An issue about one value: its rule, severity, field (relative to the action) and column."""

    rule: str
    severity: str
    field: str
    col: int | None
    message: str


@dataclass
class ActionFields:
    """An action's values (as the canonical model takes them), where each came from (column, or
    None for the row), and what to report."""

    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, int | None] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    inferred_from: dict[str, int | None] = field(default_factory=dict)


def _text(value: Any) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float):
        return repr(int(value)) if value.is_integer() else repr(value)
    return "" if value is None else str(value).strip()


def _theme(raw: Any) -> Theme | None:
    found = normalise.parse_theme(raw)
    if found is None and isinstance(raw, str) and (heading := normalise.theme_heading(raw)):
        found = heading[0]
    return found


def suggest_theme(text: str | None) -> Theme | None:
    """The theme an action's wording points to: the theme named in it, else the theme of most
    Appendix A activities it mentions (the first mentioned on a tie); None when it points to none."""
    if not text:
        return None
    named = [(m.start(), normalise.THEME_WORDS[m[1]]) for m in _THEME_WORDS.finditer(text.lower())]
    if named:
        return min(named)[1]
    found = themes_in(text)
    return Theme(found[0][0]) if found else None


_THEME_WORDS = re.compile(r"\b(" + "|".join(sorted(normalise.THEME_WORDS, key=len, reverse=True)) + r")\b")
THEME_CHOICES = ", ".join(t.value for t in Theme)
STATUS_CHOICES = "Planned, In progress, Done, Dropped (or Red, Amber, Green)"
#: Status columns meant to hold a code, where an unreadable text is worth a warning ("Progress" columns
#: hold narratives: their text is kept without one).
STATUS_CODE_HEADINGS = frozenset({"status", "rag", "rag status", "rag rating", "current status", "progress status"})


def action_fields(cmap: ColumnMap, row: Sequence[Any], *, heading_theme: Theme | None = None,
                  parse_theme: Callable[[Any], Any] = _theme, parse_status: Callable[[Any], Any] | None = None,
                  theme_choices: str = THEME_CHOICES, plan_start: dt.date | None = None) -> ActionFields:
    """An action's fields from one row's values (``row[col]``; dates may be date values).

    ``heading_theme`` is the theme of a heading row above the action; ``parse_theme`` and
    ``parse_status`` read the plan's own codes (a mapping file's ``values:``)."""
    get = lambda col: row[col] if col is not None and col < len(row) else None  # noqa: E731
    out = ActionFields()
    v, src = out.values, out.sources
    extra: list[tuple[int, str]] = []

    def keep(col: int) -> None:
        if text := _text(get(col)):
            extra.append((col, text))

    for name in ("action", "evidence"):
        if (text := _text(get(cmap.fields.get(name)))):
            v[name], src[name] = text, cmap.fields[name]
    if "owner" in cmap.fields and (text := _text(get(cmap.fields["owner"]))):
        if owner := normalise.parse_owner(text):
            v["owner"], src["owner"] = owner, cmap.fields["owner"]
        else:
            keep(cmap.fields["owner"])  # "to be identified": nobody yet, said as written
    if "theme" in cmap.fields and not normalise.blank(raw := get(cmap.fields["theme"])):
        if (found := parse_theme(raw)) is not None:
            v["theme"], src["theme"] = found.value, cmap.fields["theme"]
        else:
            keep(cmap.fields["theme"])
            out.notes.append(Note("parse.theme", "warning", "theme", cmap.fields["theme"],
                                  f"'{_text(raw)}' is not a Technician Commitment theme; use one of: {theme_choices}. "
                                  "The text is kept under its heading."))
    if "theme" not in v and heading_theme is not None and "theme" not in cmap.fields:
        v["theme"], src["theme"] = heading_theme.value, None
    for col in cmap.status:
        raw = get(col)
        if normalise.blank(raw):
            continue
        found = (parse_status or normalise.parse_status_text)(raw)
        if parse_status is not None and found is None:
            found = normalise.parse_status_text(raw)
        if found is not None and "status" not in v:
            v["status"], src["status"] = found.value, col
        exact = normalise.parse_status(raw) is not None or (parse_status is not None and parse_status(raw) is not None)
        if not exact:
            keep(col)  # "Green", "carried forward", free progress text: kept as written
        if found is None and heading_key(cmap.heading(col)) in STATUS_CODE_HEADINGS:  # not a progress narrative
            out.notes.append(Note("parse.status", "warning", "status", col,
                                  f"'{_text(raw)}' is not a status techbench can read; use one of: {STATUS_CHOICES}. "
                                  "The text is kept under its heading."))
    if "due" in cmap.fields and not normalise.blank(raw := get(cmap.fields["due"])):
        if (due := normalise.parse_due(raw, plan_start)) is not None:
            v["due"], src["due"] = due.model_dump(mode="json"), cmap.fields["due"]
        else:
            keep(cmap.fields["due"])
            out.notes.append(Note(
                "parse.date", "warning", "due", cmap.fields["due"],
                f"'{_text(raw)}' is not a date techbench can read. Use a day (14/11/2019, UK order), a month "
                "(Sep 2019), a quarter (Q2 2020), a year (2020) or 'Ongoing'. The text is kept under its heading."))
    for col in cmap.extra:
        keep(col)
    inferred = []
    if "theme" not in v and "theme" not in cmap.fields:
        text = v.get("action") or " ".join(t for _, t in extra)
        if theme := suggest_theme(text) or suggest_theme(" ".join(filter(None, (text, v.get("evidence"))))):
            v["theme"], src["theme"] = theme.value, cmap.fields.get("action")
            inferred.append("theme")
            out.inferred_from["theme"] = cmap.fields.get("action")
    if "due" not in cmap.fields:
        for col in (cmap.fields.get("evidence"), *cmap.status):
            if col is not None and (due := normalise.dates_in_text(_text(get(col)), plan_start)):
                v["due"], src["due"] = due.model_dump(mode="json"), col
                inferred.append("due")
                out.inferred_from["due"] = col
                break
    v["inferred"] = inferred
    if extra:
        v["extra"] = [{"header": cmap.heading(col), "text": text} for col, text in sorted(extra)]
        src.update({f"extra/{i}": col for i, (col, _) in enumerate(sorted(extra))})
    return out


def is_number_only(cmap: ColumnMap, row: Sequence[Any]) -> bool:
    """Whether a row holds nothing but its number ('#' column): a numbered blank line, no action."""
    filled = [c for c, value in enumerate(row) if not normalise.blank(value)]
    return bool(filled) and all(c in cmap.numbers for c in filled)


def heading_theme(row: Sequence[Any]) -> Theme | None:
    """The theme of a heading row (one text, often a merged cell across the table: 'VISIBILITY',
    'Theme: Recognition'); None for any other row."""
    texts = {_text(value) for value in row} - {""}
    if len(texts) == 1 and (found := normalise.theme_heading(texts.pop())) and not found[1]:
        return found[0]
    return None


class PlanRows:
    """Adds the rows of one action-plan table to a ``ReturnBuilder``, numbering actions from
    ``first`` and keeping the theme of heading rows for the actions under them."""

    def __init__(self, b, cmap: ColumnMap, *, first: int = 0, theme: Theme | None = None, **options: Any) -> None:
        self.b, self.cmap, self.next, self.theme, self.options = b, cmap, first, theme, options

    def add(self, row: Sequence[Any], cell: Callable[[int], str], place: str) -> bool:
        """Read one row (values in column order); ``cell(col)`` names a cell, ``place`` the row.
        Returns whether it was an action (not blank, a number alone or a theme heading)."""
        if all(normalise.blank(value) for value in row):
            return False
        # A heading row first: merged across the table, its text may sit in a '#' or unnamed column.
        if "theme" not in self.cmap.fields and (theme := heading_theme(row)) is not None:
            self.theme = theme
            return False
        if is_number_only(self.cmap, row):
            return False
        got = action_fields(self.cmap, row, heading_theme=self.theme, **self.options)
        prefix, b = f"/action_plan/{self.next}", self.b
        self.next += 1
        b.set(prefix, {}, place)  # every row is an action, however bare
        for name in ("theme", "action", "owner", "due", "evidence", "status"):
            col = self.cmap.status[0] if name == "status" and self.cmap.status else self.cmap.fields.get(name)
            b.at(f"{prefix}/{name}", cell(col) if col is not None else place)
        for key, value in got.values.items():
            if key == "inferred" and not value:
                continue
            if key == "extra":
                for i, item in enumerate(value):
                    b.set(f"{prefix}/extra/{i}", item, cell(got.sources[f"extra/{i}"]))
                continue
            col = got.sources.get(key)
            where = cell(col) if col is not None else place
            if key in got.inferred_from:
                where = f"{where} (inferred from {'its text' if col is not None else 'the row'})"
            elif key == "theme" and col is None:
                where = f"{place} (theme from the heading above)"
            b.set(f"{prefix}/{key}", value, where)
        for note in got.notes:
            b.issue(note.rule, note.severity, f"{prefix}/{note.field}", cell(note.col) if note.col is not None
                    else place, note.message)
        return True
