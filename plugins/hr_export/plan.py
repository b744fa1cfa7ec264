"""The export's initiatives.csv and actions.csv: what was done and what is planned, by theme."""

from __future__ import annotations

from pipeline.kit import ReturnBuilder, normalise
from pipeline.schema import DueDate
from plugins.hr_export import codes as C
from plugins.hr_export.tables import Table


def read_initiatives(b: ReturnBuilder, table: Table) -> None:
    """Initiatives before and since signing, told apart by their phase code."""
    counters = dict.fromkeys(C.PHASES, 0)
    for line, cells in table.rows:
        raw_phase, raw_theme, text = (table.get(cells, c).strip() for c in ("phase", "theme_code", "text"))
        phase = raw_phase.upper()
        if phase not in C.PHASES:
            found = f"'{raw_phase}' is not a phase code" if raw_phase else "This initiative has no phase"
            b.issue("export.code", "error", None, table.place(line, "phase"),
                    f"{found}; use one of: {C.choices(C.PHASE_NAMES)}. The initiative is left out until it is "
                    "corrected.")
            continue
        if not text:
            b.issue("export.blank", "warning", None, table.place(line, "text"),
                    "This initiative has no text; the row is left out.")
            continue
        prefix = f"{C.PHASES[phase]}/{counters[phase]}"
        b.text(f"{prefix}/text", text, table.place(line, "text"))
        _theme(b, f"{prefix}/theme", raw_theme, table.place(line, "theme_code"))
        counters[phase] += 1
    for phase, pointer in C.PHASES.items():
        b.at(pointer, table.member if counters[phase] else f"{table.member} (no rows with phase {phase})")


def read_actions(b: ReturnBuilder, table: Table) -> None:
    """The action plan, one action a row."""
    b.at("/action_plan", table.member if table.rows else f"{table.member} (no actions listed)")
    ids: dict[str, int] = {}
    for i, (line, cells) in enumerate(table.rows):
        prefix = f"/action_plan/{i}"
        b.set(prefix, {}, table.place(line))
        action_id = table.get(cells, "action_id").strip()
        if action_id and action_id.upper() in ids:
            b.issue("export.duplicate_key", "warning", None, table.place(line, "action_id"),
                    f"The action_id '{action_id}' is used twice (lines {ids[action_id.upper()]} and {line}); "
                    "both actions are read.")
        ids.setdefault(action_id.upper(), line)
        _theme(b, f"{prefix}/theme", table.get(cells, "theme_code").strip(), table.place(line, "theme_code"))
        for column, attr in (("description", "action"), ("owner", "owner"), ("impact_evidence", "evidence")):
            b.text(f"{prefix}/{attr}", table.get(cells, column), table.place(line, column))
        _due(b, table, line, cells, f"{prefix}/due")
        b.enum(f"{prefix}/status", table.get(cells, "status_code"), table.place(line, "status_code"),
               lambda v: C.lookup(C.STATUSES, str(v)), "status code", C.choices(C.STATUSES))


def _theme(b: ReturnBuilder, pointer: str, raw: str, where: str) -> None:
    if not raw:
        b.at(pointer, where)
        return
    b.parsed(pointer, raw, where, lambda v: C.lookup(C.THEMES, v),
             f"'{{raw}}' is not a theme code; use one of: {C.choices(C.THEMES)}.",
             rule="parse.theme", severity="warning", store=lambda t: t.value)


def _due(b: ReturnBuilder, table: Table, line: int, cells: list[str], pointer: str) -> None:
    """The due date from its code (``due``), with the text as people wrote it (``due_text``) kept."""
    raw = table.get(cells, "due").strip()
    written = table.get(cells, "due_text").strip()
    if not raw:
        if written:  # only the date as people wrote it: read it the way every plugin does
            b.due(pointer, written, table.place(line, "due_text"))
        else:
            b.at(pointer, table.place(line, "due"))
        return

    def read(value: str) -> DueDate | None:
        due = C.parse_due_code(value) or normalise.parse_due(value)
        if due is not None and written:
            due = DueDate(precision=due.precision, end=due.end, text=written)
        return due

    due = b.parsed(pointer, raw, table.place(line, "due"), read,
                   f"'{{raw}}' is not a due date techbench can read; use {C.DUE_CODES}.",
                   rule="parse.date", severity="warning", store=lambda d: d.model_dump(mode="json"))
    if due is not None and written and (as_written := normalise.parse_due(written)) is not None \
            and (as_written.precision, as_written.end) != (due.precision, due.end):
        b.issue("export.due_mismatch", "warning", None, table.place(line, "due_text"),
                f"The due date '{raw}' and its text '{written}' disagree; techbench uses '{raw}'. "
                "Correct whichever is wrong.")
