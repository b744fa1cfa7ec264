"""The programme's calendar: the published Stage 3 phases, the two submission windows a year, and
extensions (once per institution, recorded in the audit trail).

The rules that turn these into each signatory's deadlines are the tracker's
(``pipeline/benchmarks/tracker.py``, whose docstring is the methodology); this module holds the
calendar's facts and the one way an extension is granted (the ``techbench extension grant`` command
and the dashboard's tracker page both call :func:`grant_extension`).
"""

from __future__ import annotations

import csv
import datetime as dt
import fcntl
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipeline.programme import audit
from pipeline import ids
from pipeline.settings import Paths

DEFAULT_PHASES = Path(__file__).resolve().parent.parent / "config" / "stage3_phases.csv"
WINDOW_MONTHS = (1, 7)  # the submission windows: 31 January and 31 July (the programme's)
EXTENSION_ACTION = "extension.grant"
EXTENSION_SCHEMA = {"signatory": pl.String, "stage": pl.Int64, "granted_at": pl.String, "granted_by": pl.String,
                    "reason": pl.String, "extended_from": pl.Date, "extended_to": pl.Date}
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class PhasesError(ValueError):
    """The phases table cannot be used; the message names the file and line."""


class ExtensionRefused(ValueError):
    """An extension cannot be granted; the message says why, for the person asking."""


# --- submission windows ---------------------------------------------------------------------------

def window_on_or_after(day: pl.Expr) -> pl.Expr:
    """The submission window (31 January or 31 July) on or after each date of ``day``: a date in
    January gives 31 January; February to July, 31 July; August to December, 31 January next year."""
    month, year = day.dt.month(), day.dt.year()
    return pl.date(year + (month >= 8).cast(pl.Int32), pl.when((month >= 2) & (month <= 7)).then(7).otherwise(1), 31)


def next_window(window: pl.Expr) -> pl.Expr:
    """The window after a window: six months on (31 Jan -> 31 Jul -> 31 Jan)."""
    return window_on_or_after(window.dt.offset_by("1d"))


def next_window_after(day: dt.date) -> dt.date:
    """:func:`next_window` for one date (the same expression, so the rule is written once)."""
    return pl.select(next_window(pl.lit(day, pl.Date))).item()


# --- the published phases -------------------------------------------------------------------------

@dataclass(frozen=True)
class Phase:
    number: int
    signed: dt.date      # the phase's signing month (its first day)
    stage3_due: dt.date  # the month its Stage 3 is due (its first day)
    source: str | None


def _month(text: str, path: Path, line: int, column: str) -> dt.date:
    match = _MONTH.match(text)
    if not match or not 1 <= int(match[2]) <= 12:
        raise PhasesError(f"{path}, line {line}: {column!r} is {text!r}; expected a month like 2024-01")
    return dt.date(int(match[1]), int(match[2]), 1)


def load_phases(path: Path | str = DEFAULT_PHASES) -> list[Phase]:
    """The published phases, by signing month. Raises :class:`PhasesError` for a missing column, a
    phase that is not a whole number, a month not written ``YYYY-MM``, or phases whose signing months
    are not in increasing order (the tracker's phase rule relies on it)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise PhasesError(f"{path}: cannot be read ({exc})") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("phase", "signed", "stage3_due") if c not in [h.strip() for h in reader.fieldnames or []]]
    if missing:
        raise PhasesError(f"{path}, line 1: missing column(s) {', '.join(map(repr, missing))}")
    phases: list[Phase] = []
    for row in reader:
        values = {(k or "").strip(): (v or "").strip() for k, v in row.items() if isinstance(v, str)}
        if not any(values.values()):
            continue
        line = reader.line_num
        if not values.get("phase", "").isdigit():
            raise PhasesError(f"{path}, line {line}: 'phase' is {values.get('phase')!r}; expected a whole number")
        phase = Phase(int(values["phase"]), _month(values.get("signed", ""), path, line, "signed"),
                      _month(values.get("stage3_due", ""), path, line, "stage3_due"),
                      values.get("source") or None)
        if phases and phase.signed <= phases[-1].signed:
            raise PhasesError(f"{path}, line {line}: phase {phase.number} signed {phase.signed:%Y-%m}, not after "
                              f"phase {phases[-1].number} ({phases[-1].signed:%Y-%m}); list phases in signing order")
        phases.append(phase)
    return phases


def phases_frame(phases: list[Phase]) -> pl.DataFrame:
    return pl.DataFrame({"phase": [p.number for p in phases], "phase_signed": [p.signed for p in phases],
                         "stage3_due": [p.stage3_due for p in phases]},
                        schema={"phase": pl.Int64, "phase_signed": pl.Date, "stage3_due": pl.Date})


# --- extensions -----------------------------------------------------------------------------------

def extensions(paths: Paths) -> pl.DataFrame:
    """The extensions recorded in the audit trail (:data:`EXTENSION_SCHEMA`), the first per institution
    only (the programme grants one; a second line in the trail, written around this module, is ignored)."""
    rows, seen = [], set()
    for entry in audit.entries(paths, action_prefix=EXTENSION_ACTION):
        if entry.action != EXTENSION_ACTION or entry.subject in seen:
            continue
        d = entry.details
        try:
            row = {"signatory": entry.subject, "stage": int(d["stage"]), "granted_at": entry.at,
                   "granted_by": entry.actor, "reason": str(d.get("reason", "")),
                   "extended_from": dt.date.fromisoformat(str(d["from"])),
                   "extended_to": dt.date.fromisoformat(str(d["to"]))}
        except (KeyError, TypeError, ValueError):
            continue  # not a grant this module wrote; the trail keeps it, the tracker cannot use it
        seen.add(entry.subject)
        rows.append(row)
    return pl.DataFrame(rows, schema=EXTENSION_SCHEMA)


@contextmanager
def _locked(paths: Paths) -> Iterator[None]:
    """One grant at a time (the command line and the dashboard may both try): check, then record."""
    paths.home.mkdir(parents=True, exist_ok=True)
    with open(paths.home / "extensions.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _published_deadline(paths: Paths, slug: str, stage: int) -> tuple[str, dict | None]:
    """The signatory's name and its tracker row for ``stage`` in the published snapshot."""
    import duckdb

    from pipeline.store.snapshot import open_snapshot

    try:
        with open_snapshot(paths) as con:
            names = con.execute("SELECT name FROM signatories WHERE slug = ?", [slug]).fetchall()
            rows = con.sql("SELECT * FROM bench_tracker WHERE signatory = ? AND stage = ?", params=[slug, stage])
            row = rows.pl().to_dicts()
    except FileNotFoundError:
        raise ExtensionRefused("Nothing has been published yet: run the pipeline first, so that deadlines are known.") \
            from None
    except duckdb.Error as exc:
        raise ExtensionRefused(f"The published data cannot be read ({exc}): run the pipeline again.") from None
    if not names:
        raise ExtensionRefused(f"{slug!r} is not a signatory in the published register.")
    return names[0][0], (row[0] if row else None)


def grant_extension(paths: Paths, slug: str, stage: int, reason: str, by: str,
                    today: dt.date | None = None) -> audit.Entry:
    """Record an extension for ``slug``'s Stage ``stage``: its deadline moves to the next window.

    Refused (:class:`ExtensionRefused`, with the reason) for an unknown signatory, an institution that
    has had its extension, a stage the published tracker does not list, a stage without a known
    deadline, one already submitted, a next window already past, or without a reason or a name."""
    reason, by = (reason or "").strip(), (by or "").strip()
    if not reason:
        raise ExtensionRefused("Give the reason for the extension: it goes into the audit trail.")
    if not by:
        raise ExtensionRefused("Say who grants the extension (--by NAME).")
    if stage not in ids.STAGES:
        raise ExtensionRefused(f"Stage {stage} does not exist: stages are {ids.STAGE_CHOICES}.")
    today = today or dt.date.today()
    with _locked(paths):
        name, row = _published_deadline(paths, slug, stage)
        earlier = extensions(paths).filter(pl.col("signatory") == slug).to_dicts()
        if earlier:
            e = earlier[0]
            raise ExtensionRefused(
                f"{name} has already had its extension (Stage {e['stage']}, granted {e['granted_at'][:10]} by "
                f"{e['granted_by']}): the programme grants one extension per institution.")
        if row is None:
            raise ExtensionRefused(f"The published tracker has no Stage {stage} for {name}.")
        if row["status"] == "submitted":
            raise ExtensionRefused(f"{name} has already submitted Stage {stage}: there is nothing to extend.")
        if row["due"] is None:
            why = row.get("due_basis") or "unknown"
            raise ExtensionRefused(f"Stage {stage} of {name} has no known deadline ({why}): an extension moves a "
                                   "deadline to the next window.")
        to = next_window_after(row["due"])
        if to < today:
            raise ExtensionRefused(f"The next window after Stage {stage}'s deadline ({row['due']:%d %b %Y}) is "
                                   f"{to:%d %b %Y}, which has passed: an extension cannot help.")
        details = {"stage": stage, "reason": reason, "from": row["due"].isoformat(), "to": to.isoformat()}
        return audit.record(paths, by, EXTENSION_ACTION, slug, details)
