"""The published snapshot: a read-only copy of the warehouse that readers use.

DuckDB allows one writer or several readers per file, so the dashboard and CLI readers never open
the pipeline's file. After each successful run the warehouse is checkpointed, copied to
``snapshot/techbench.duckdb.part`` and renamed over the published copy in one step: a reader sees
the old snapshot or the new one, never half a run, and a reader holding the old file open keeps
reading it undisturbed.

Long-lived readers (the dashboard) must not keep a connection to ``techbench.duckdb`` itself:
DuckDB shares one database instance per path within a process, so a connection opened after the
rename would still read the old file while another is open. Each publication is therefore also
linked under its own immutable name, ``techbench-<version>.duckdb`` (a hard link: no extra copy),
and named in ``current.json``, written last; such readers follow the pointer (``published``).
The last ``KEEP_VERSIONS`` versioned names are kept.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipeline.handin.landing import write_atomically
from pipeline.settings import Paths
from pipeline.store.warehouse import transaction


POINTER = "current.json"
KEEP_VERSIONS = 3


@dataclass(frozen=True)
class SnapshotInfo:
    version: str
    published_at: dt.datetime
    run_id: str
    synthetic: bool


@dataclass(frozen=True)
class Published:
    """A publication: its stamp and its immutable file."""

    info: SnapshotInfo
    file: Path


def publish(con: duckdb.DuckDBPyConnection, paths: Paths, run_id: str) -> SnapshotInfo:
    """Stamp the warehouse with a new snapshot version, then copy it into place atomically."""
    info = SnapshotInfo(uuid.uuid4().hex[:12], dt.datetime.now(dt.UTC), run_id, _synthetic(con))
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
    versioned = paths.snapshot_dir / f"techbench-{info.version}.duckdb"
    try:
        os.link(part, versioned)
    except OSError:  # a file system without hard links: a second copy
        shutil.copyfile(part, versioned)
    os.replace(part, paths.snapshot)
    record = {"version": info.version, "published_at": info.published_at.isoformat(), "run_id": info.run_id,
              "synthetic": info.synthetic, "file": versioned.name}
    write_atomically(paths.snapshot_dir / POINTER, json.dumps(record).encode())
    _prune(paths.snapshot_dir, keep=versioned)
    return info


def _synthetic(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether anything published is synthetic: a register row, or a return (a real register's
    signatories with generated returns, as in the demo)."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    return any(bool(con.execute(f"SELECT coalesce(bool_or(synthetic), false) FROM {table}").fetchone()[0])
               for table in ("signatories", "returns") if table in tables)


def _prune(folder: Path, keep: Path) -> None:
    """Remove versioned names beyond the newest ``KEEP_VERSIONS`` (a reader still holding one open
    keeps reading it: the data goes when the last handle closes)."""
    old = sorted((f for f in folder.glob("techbench-*.duckdb") if f != keep), key=lambda f: f.stat().st_mtime_ns)
    for f in old[: max(0, len(old) - (KEEP_VERSIONS - 1))]:
        f.unlink(missing_ok=True)


def published(paths: Paths) -> Published | None:
    """The current publication as named by ``current.json`` (None before the first)."""
    try:
        record = json.loads((paths.snapshot_dir / POINTER).read_text(encoding="utf-8"))
        info = SnapshotInfo(record["version"], dt.datetime.fromisoformat(record["published_at"]), record["run_id"],
                            bool(record["synthetic"]))
        file = paths.snapshot_dir / Path(record["file"]).name
    except (OSError, ValueError, KeyError, TypeError):
        # Published before pointers existed: the plain file, until the next run publishes again.
        info = current(paths)
        return None if info is None else Published(info, paths.snapshot)
    return Published(info, file) if file.is_file() else None


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
