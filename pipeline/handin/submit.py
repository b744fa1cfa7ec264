"""Handing a return in, the one way: check it, land it, and say where it has got to.

The upload page, `techbench ingest` and the landing-zone watcher (the Dagster sensor and
`techbench serve`) all come through here, so a file is checked with the same limits, the same
parse context and the same rules wherever it is handed in, and its status reads the same
everywhere: checked (and refused), landed and waiting for the pipeline, then accepted or rejected
in the published snapshot.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from pipeline.handin.landing import Landed, LandingError, land_source, scan
from pipeline.ids import submission_id
from pipeline.kit.hooks import SourceFile
from pipeline.kit.intake import Limits, Rejected, read_source
from pipeline.handin.context import parse_context, signatory_names
from pipeline.settings import Paths

WAITING = "waiting for the pipeline"


@dataclass(frozen=True)
class HandIn:
    """The outcome of handing one file in: the check's report (None when not checked), the landed
    file (None when refused), and why it was refused."""

    report: object | None  # pipeline.validation.validate.FileReport
    landed: Landed | None
    refused: str | None = None

    @property
    def state(self) -> str:
        if self.landed is None:
            return "refused"
        return WAITING if self.landed.new else "already handed in (the same bytes): one submission"


def hand_in(source: SourceFile, signatory: str, stage: int, sender: str, paths: Paths, registry=None, *,
            check: bool = True, received: dt.datetime | None = None, limits: Limits | None = None) -> HandIn:
    """Check ``source`` for ``signatory``'s ``stage`` and land it if it is accepted.

    With ``check=False`` (operators loading records in bulk) the file is landed after the intake
    limits alone, and the pipeline records it as accepted or rejected. ``registry`` is the plugin
    registry the check reads with (loaded from the entry points when not given)."""
    from pipeline.kit.intake import screen
    from pipeline.validation.validate import validate_source

    limits = limits or Limits.from_env()
    report = None
    if check:
        if registry is None:
            from pipeline.registry import Registry

            registry = Registry.from_entry_points()
        context = parse_context(signatory, stage, signatory_names(paths.register),
                                (received.date() if received else None))
        report = validate_source(source, registry, context=context, limits=limits, path=source.name)
        if not report.ok:
            return HandIn(report, None, "the check found errors: fix them and hand the file in again")
    else:
        try:
            screen(source, limits)
        except Rejected as rejected:
            return HandIn(None, None, rejected.issue.message)
    try:
        landed = land_source(source, signatory, stage, paths.landing, sender, now=received)
    except LandingError as exc:
        return HandIn(report, None, str(exc))
    return HandIn(report, landed)


def hand_in_file(path: Path, signatory: str, stage: int, sender: str, paths: Paths, registry=None, *,
                 check: bool = True, received: dt.datetime | None = None) -> HandIn:
    """``hand_in`` for a file on disk: its size is checked before it is read."""
    limits = Limits.from_env()
    try:
        source = read_source(path, limits)
    except Rejected as rejected:
        return HandIn(None, None, rejected.issue.message)
    return hand_in(source, signatory, stage, sender, paths, registry, check=check, received=received, limits=limits)


@dataclass(frozen=True)
class Status:
    """Where one handed-in file has got to."""

    submission_id: str
    signatory: str
    stage: int
    original_name: str
    received_at: str
    state: str  # WAITING, or the pipeline's verdict: "accepted" / "rejected"
    processed_at: str | None = None
    errors: int | None = None
    warnings: int | None = None


def statuses(paths: Paths, signatory: str | None = None) -> list[Status]:
    """Every landed file (only ``signatory``'s if given), oldest first, with what the published
    snapshot made of it: its verdict, or waiting for the pipeline."""
    files = scan(paths.landing, signatory)
    verdicts = _verdicts(paths, signatory)
    out = []
    for f in files:
        sid = submission_id(f.signatory, f.stage, f.sha256)
        status, processed_at, errors, warnings = verdicts.get(sid, (WAITING, None, None, None))
        out.append(Status(sid, f.signatory, f.stage, f.original_name, f.received_at, status, processed_at,
                          errors, warnings))
    return out


def pending(paths: Paths) -> list[str]:
    """Landed submissions the published snapshot does not hold yet: what the next run will process.
    Reads only the snapshot, never the warehouse, which a run may be writing."""
    return sorted(s.submission_id for s in statuses(paths) if s.state == WAITING)


def _verdicts(paths: Paths, signatory: str | None) -> dict[str, tuple]:
    from pipeline.store.snapshot import open_snapshot

    sql = ("SELECT submission_id, status, strftime(processed_at, '%Y-%m-%d %H:%M'), errors, warnings "
           "FROM submissions" + (" WHERE signatory = ?" if signatory else ""))
    try:
        with open_snapshot(paths) as con:
            return {r[0]: r[1:] for r in con.execute(sql, [signatory] if signatory else []).fetchall()}
    except FileNotFoundError:
        return {}
