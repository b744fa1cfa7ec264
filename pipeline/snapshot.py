"""The published snapshot: a read-only copy of the warehouse that readers use.

DuckDB allows one writer or several readers per file, so the dashboard and CLI readers never open
the pipeline's file. After each successful run the warehouse is checkpointed, copied to
``snapshot/techbench.duckdb.part`` and renamed over the published copy in one step: a reader sees
the old snapshot or the new one, never half a run, and a reader holding the old file open keeps
reading it undisturbed.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from dataclasses import dataclass

import duckdb

from pipeline.settings import Paths
from pipeline.warehouse import transaction


@dataclass(frozen=True)
class SnapshotInfo:
    version: str
    published_at: dt.datetime
    run_id: str
    synthetic: bool


def publish(con: duckdb.DuckDBPyConnection, paths: Paths, run_id: str) -> SnapshotInfo:
    """Stamp the warehouse with a new snapshot version, then copy it into place atomically."""
    info = SnapshotInfo(uuid.uuid4().hex[:12], dt.datetime.now(dt.UTC), run_id,
                        bool(con.execute("SELECT coalesce(bool_or(synthetic), false) FROM signatories").fetchone()[0]))
    con.execute("CREATE TABLE IF NOT EXISTS snapshot_meta (version VARCHAR, published_at TIMESTAMPTZ, "
                "run_id VARCHAR, synthetic BOOLEAN)")
    with transaction(con):
        con.execute("DELETE FROM snapshot_meta")
        con.execute("INSERT INTO snapshot_meta VALUES (?, ?, ?, ?)",
                    [info.version, info.published_at, info.run_id, info.synthetic])
    con.execute("CHECKPOINT")
    paths.snapshot_dir.mkdir(parents=True, exist_ok=True)
    part = paths.snapshot.with_name(paths.snapshot.name + ".part")
    shutil.copyfile(paths.warehouse, part)
    with part.open("rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(part, paths.snapshot)
    return info


def open_snapshot(paths: Paths) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published snapshot (FileNotFoundError if none yet)."""
    if not paths.snapshot.is_file():
        raise FileNotFoundError(f"no published snapshot at {paths.snapshot}: run the pipeline first")
    return duckdb.connect(str(paths.snapshot), read_only=True)


def current(paths: Paths) -> SnapshotInfo | None:
    try:
        with open_snapshot(paths) as con:
            row = con.execute("SELECT version, published_at, run_id, synthetic FROM snapshot_meta").fetchone()
    except (FileNotFoundError, duckdb.Error):
        return None
    return SnapshotInfo(*row) if row else None
