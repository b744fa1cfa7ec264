"""Extensions on the dashboard: granting one (steering group only, checked here, where it is written)
and the extensions recorded, laid over the published tracker until the next pipeline run.

The grant itself, with the programme's checks (a known signatory, once per institution), is
``pipeline.programme.calendar.grant_extension``, which the command line uses too; the audit trail is the
one record.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from dashboards.data.access import Denied, Viewer
from dashboards.data.snapshot import Snapshot
from pipeline.programme import audit, calendar
from pipeline.benchmarks.tracker import apply_extensions
from pipeline.programme.calendar import ExtensionRefused

EXTENSION_GRANTED = "granted"
EXTENSION_PENDING = "granted; in the published figures from the next pipeline run"


def grant_extension(snap: Snapshot, viewer: Viewer, slug: str, stage: int, reason: str) -> audit.Entry:
    """Record ``slug``'s extension for ``stage`` in the viewer's name. Raises :class:`Denied` for anyone
    but the steering group, :class:`ExtensionRefused` (with the programme's reason) otherwise."""
    viewer.require_unchanged()
    if viewer.role != "steering":
        raise Denied("Only the steering group grants extensions.")
    return calendar.grant_extension(snap.paths, slug, stage, reason, by=viewer.user.username)


def recorded_extensions(snap: Snapshot, viewer: Viewer) -> pl.DataFrame:
    """The extensions in the audit trail, with their reasons: steering only."""
    viewer.require_unchanged()
    if viewer.role != "steering":
        raise Denied("The list of extensions is shown to the steering group only.")
    return calendar.extensions(snap.paths)


def with_extensions(snap: Snapshot, rows: pl.DataFrame) -> pl.DataFrame:
    """Published tracker ``rows`` with every recorded extension shown: those granted since the snapshot
    are applied as of its date. Adds ``extension`` (null, :data:`EXTENSION_GRANTED` or
    :data:`EXTENSION_PENDING`)."""
    if "extended_from" not in rows.columns:  # a snapshot published before extensions existed
        return rows.with_columns(extension=pl.lit(None, pl.String))
    as_of = snap.info.published_at.astimezone(dt.UTC).date()
    out = apply_extensions(rows, calendar.extensions(snap.paths), as_of)
    return out.with_columns(
        extension=pl.when(pl.col("extension_pending")).then(pl.lit(EXTENSION_PENDING))
        .when(pl.col("extended_from").is_not_null()).then(pl.lit(EXTENSION_GRANTED))
    ).drop("extension_pending")


__all__ = ["EXTENSION_GRANTED", "EXTENSION_PENDING", "ExtensionRefused", "grant_extension", "recorded_extensions",
           "with_extensions"]
