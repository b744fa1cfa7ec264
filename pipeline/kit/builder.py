"""Building a canonical return field by field, remembering where each value came from.

Plugins read their format and call ``set``/``text``/``integer``/``due``... with a JSON pointer, the
raw value and its place in the source. The builder normalises values (``pipeline.kit.normalise``),
reports what it cannot read as issues at that place, and finally validates the whole against the
pydantic model, dropping (and reporting) any value the model refuses so that one bad cell never
costs the rest of the return.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

from pydantic import ValidationError

from pipeline.kit import normalise
from pipeline.kit.hooks import WHOLE_FILE, Issue, ParseContext, ParseResult, PluginInfo, Severity, SourceFile, locate
from pipeline.schema import CanonicalReturn, DueDate, Provenance

MAX_REPAIRS = 50
MAX_ITEMS = 5_000  # rows in any list of a return (areas, actions, ...): far above any real return


def pointer_parts(pointer: str) -> list[str | int]:
    parts: list[str | int] = []
    for raw in pointer.split("/")[1:]:
        token = raw.replace("~1", "/").replace("~0", "~")
        parts.append(int(token) if token.isdigit() else token)
    return parts


def to_pointer(parts: tuple | list) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _assign(data: dict, parts: list[str | int], value: Any) -> None:
    node: Any = data
    for part, following in zip(parts, parts[1:]):
        blank = [] if isinstance(following, int) else {}
        if isinstance(part, int):
            while len(node) <= part:
                node.append({})
            if not isinstance(node[part], type(blank)):
                node[part] = blank
        elif not isinstance(node.get(part), type(blank)):
            node[part] = blank
        node = node[part]
    last = parts[-1]
    if isinstance(last, int):
        while len(node) <= last:
            node.append(None)
    node[last] = value


def _remove(data: Any, parts: tuple) -> bool:
    """Delete the value at ``parts``; a list item is removed as a whole."""
    node = data
    try:
        for part in parts[:-1]:
            node = node[part]
        del node[parts[-1]]
        return True
    except (KeyError, IndexError, TypeError):
        return False


class ReturnBuilder:
    def __init__(self, source: SourceFile, info: PluginInfo) -> None:
        self.source = source
        self.info = info
        self.data: dict[str, Any] = {}
        self.where: dict[str, str] = {}
        self.issues: list[Issue] = []
        #: True when the source is itself canonical JSON: a field's place is its own pointer
        #: (as it was in the file, before any refused list item was removed).
        self.pointer_locations = False
        self._removals: list[dict[str, list[int]]] = []

    # --- recording ---------------------------------------------------------------------------
    def at(self, pointer: str, location: str) -> None:
        """Record where a field is (or should be) in the source, even when it is empty."""
        self.where.setdefault(pointer, location)

    def set(self, pointer: str, value: Any, location: str) -> None:
        parts = pointer_parts(pointer)
        if any(isinstance(p, int) and p >= MAX_ITEMS for p in parts):
            self.issue("file.too_many_rows", "error", pointer, location,
                       f"A return has at most {MAX_ITEMS} items in a list; this one is ignored.")
            return
        self.where[pointer] = location
        _assign(self.data, parts, value)

    def issue(self, rule: str, severity: Severity, pointer: str | None, location: str, message: str) -> None:
        self.issues.append(Issue(rule=rule, severity=severity, field=pointer, location=location, message=message))

    # --- typed setters: each reports an unreadable value at its location ----------------------
    def text(self, pointer: str, raw: Any, location: str) -> str | None:
        self.at(pointer, location)
        value = None if normalise.blank(raw) else str(raw).strip()
        if value is not None:
            self.set(pointer, value, location)
        return value

    def parsed(self, pointer: str, raw: Any, location: str, parse: Callable[[Any], Any], complaint: str,
               *, rule: str, severity: Severity = "error", store: Callable[[Any], Any] = lambda v: v) -> Any:
        """Set ``parse(raw)``; if it cannot be read, report ``complaint`` ('{raw}' is replaced by the
        value as written) at ``location``. Blank values are left unset: rules judge what is missing."""
        self.at(pointer, location)
        if normalise.blank(raw):
            return None
        value = parse(raw)
        if value is None:
            self.issue(rule, severity, pointer, location, complaint.replace("{raw}", str(raw).strip()))
        else:
            self.set(pointer, store(value), location)
        return value

    def integer(self, pointer: str, raw: Any, location: str, what: str) -> int | None:
        return self.parsed(pointer, raw, location, normalise.parse_int,
                           f"{what} must be a whole number; found '{{raw}}'.", rule="parse.number")

    def number(self, pointer: str, raw: Any, location: str, what: str) -> float | None:
        return self.parsed(pointer, raw, location, normalise.parse_float,
                           f"{what} must be a number; found '{{raw}}'.", rule="parse.number")

    def due(self, pointer: str, raw: Any, location: str) -> DueDate | None:
        return self.parsed(
            pointer, raw, location, normalise.parse_due,
            "'{raw}' is not a date techbench can read. Use a day (14/11/2019, UK order), a month "
            "(Sep 2019), a quarter (Q2 2020), a year (2020) or 'Ongoing'.",
            rule="parse.date", severity="warning", store=lambda d: d.model_dump(mode="json"))

    def day(self, pointer: str, raw: Any, location: str, what: str) -> dt.date | None:
        return self.parsed(pointer, raw, location, normalise.parse_day_value,
                           f"{what} must be a day, e.g. 14/11/2018; found '{{raw}}'.",
                           rule="parse.date", store=dt.date.isoformat)

    def enum(self, pointer: str, raw: Any, location: str, parser: Callable[[Any], Any], what: str,
             choices: str, severity: Severity = "warning") -> Any:
        return self.parsed(pointer, raw, location, parser,
                           f"'{{raw}}' is not a known {what}; use one of: {choices}.",
                           rule=f"parse.{pointer_parts(pointer)[-1]}", severity=severity,
                           store=lambda v: v.value)

    def _repair(self, data: dict, exc: ValidationError, reported: set[str]) -> dict:
        """Report each value the model refuses and remove it; an object lacking a required part
        (a due date without its precision, a registration without its count) goes as a whole."""
        targets = set()
        for err in exc.errors():
            loc = tuple(err["loc"])
            target = loc[:-1] if err["type"] == "missing" and len(loc) > 1 else loc
            pointer = to_pointer(loc)
            if not any(prefix in reported for prefix in _prefixes(pointer)):
                found = f" (found {err['input']!r})" if err["type"] != "missing" and not isinstance(
                    err.get("input"), dict | list) else ""
                self.issue("schema", "error", pointer, self.locate(pointer),
                           f"{pointer or 'The return'}: {err['msg']}{found}.")
            reported.add(to_pointer(target))
            targets.add(target)
        for target in sorted(targets, key=_order, reverse=True):  # later list items first
            if not target or not _remove(data, target):
                return {}
        self._forget(targets)
        return data

    def _forget(self, removed: set[tuple]) -> None:
        """Drop the locations of removed values. After removed list items, later items move up,
        and their locations and issues move with them; issues about a removed item then name
        its list. One pass over locations and issues, however many values went."""
        gone = {to_pointer(t) for t in removed}
        shifts: dict[str, list[int]] = {}
        for t in removed:
            if isinstance(t[-1], int):
                shifts.setdefault(to_pointer(t[:-1]), []).append(t[-1])
        for indices in shifts.values():
            indices.sort()
        if shifts:
            self._removals.append(shifts)

        def moved(key: str) -> str | None:
            if any(prefix in gone for prefix in _prefixes(key)):
                return None
            parts = key.split("/")
            for depth in range(1, len(parts) - 1):
                parent, head = "/".join(parts[:depth + 1]), parts[depth + 1]
                if parent in shifts and head.isdigit():
                    parts[depth + 1] = str(int(head) - bisect.bisect_left(shifts[parent], int(head)))
            return "/".join(parts)

        self.where = {new: v for k, v in self.where.items() if (new := moved(k)) is not None}
        if shifts:
            fixed = []
            for issue in self.issues:
                if issue.field:
                    new = moved(issue.field)
                    if new != issue.field:
                        parent = next((p for p in _prefixes(issue.field) if p in shifts), issue.field)
                        issue = issue.model_copy(update={"field": new or parent})
                fixed.append(issue)
            self.issues = fixed

    def _as_in_file(self, pointer: str) -> str:
        """Undo the shifts of removed list items: where a value of the return was in the file."""
        parts = pointer.split("/")
        for shifts in reversed(self._removals):
            for depth in range(1, len(parts) - 1):
                parent, head = "/".join(parts[:depth + 1]), parts[depth + 1]
                if parent in shifts and head.isdigit():
                    index = int(head)
                    for removed in shifts[parent]:
                        if removed <= index:
                            index += 1
                    parts[depth + 1] = str(index)
        return "/".join(parts)

    def locate(self, pointer: str) -> str:
        """Where a field is in the source: its JSON pointer itself for JSON, else its recorded place."""
        return pointer or "/" if self.pointer_locations else locate(self.where, pointer)

    # --- finishing --------------------------------------------------------------------------
    def build(self, context: ParseContext, defaults_location: str = WHOLE_FILE) -> ParseResult:
        """Validate against the model; drop and report values it refuses; fill the provenance."""
        data = self.data
        if context.stage is not None:
            data["stage"] = context.stage
            self.where["/stage"] = "given when the file was handed in"
        reported = {i.field for i in self.issues if i.field}  # already said by a typed setter
        for _ in range(MAX_REPAIRS):
            try:
                ret = CanonicalReturn.model_validate(data)
                break
            except ValidationError as exc:
                data = self._repair(data, exc, reported)
        else:  # pragma: no cover - each repair removes a value, so this needs > MAX_REPAIRS faults
            return ParseResult(None, self.issues)
        if ret.submission_date is None:
            dates = [d for d in (ret.sign_off.lead.date, ret.sign_off.head.date) if d]
            ret.submission_date = max(dates) if dates else context.received
            self.where["/submission_date"] = (
                "the later sign-off date" if dates else "the day the file was handed in")
        for i, action in enumerate(ret.action_plan):  # "Year 2": a year of the plan, from its start
            if action.due is not None and action.due.plan_year is not None and action.due.end is None \
                    and ret.submission_date is not None:
                action.due = normalise.resolve_plan_year(action.due, ret.submission_date)
        ret.provenance = Provenance(
            source_sha256=self.source.sha256,
            source_name=self.source.name,
            plugin=self.info.name,
            plugin_version=self.info.version,
            fields=dict(sorted(self.where.items())) if not self.pointer_locations else {
                p: self._as_in_file(p) or "/" for p in leaf_pointers(
                    ret.model_dump(mode="json", exclude={"provenance"}), containers=True)},
        )
        return ParseResult(ret, self.issues)



def leaf_pointers(node: Any, pointer: str = "", containers: bool = False) -> Iterator[str]:
    """JSON pointers of the non-empty leaves of a JSON-like value (and of its objects and lists
    too, with ``containers``)."""
    if isinstance(node, dict | list):
        if containers:
            yield pointer
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            yield from leaf_pointers(value, f"{pointer}/{key}", containers)
    elif node not in (None, "", False):
        yield pointer


def _prefixes(pointer: str) -> list[str]:
    """'/a/0/b' -> ['/a/0/b', '/a/0', '/a', '']."""
    out = [pointer]
    while pointer:
        pointer = pointer.rsplit("/", 1)[0]
        out.append(pointer)
    return out


def _order(loc: tuple) -> tuple:
    return tuple((0, p, "") if isinstance(p, int) else (1, 0, p) for p in loc)
