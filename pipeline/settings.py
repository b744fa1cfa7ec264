"""Where techbench keeps its data: everything under one home folder (``./data`` by default, or
``TECHBENCH_HOME``), so a demo, a test and a production install never share files by accident."""

from __future__ import annotations

import multiprocessing
import os
from dataclasses import dataclass
from pathlib import Path

# Worker processes start as fresh interpreters ("spawn"), never as forks: a fork of a process that
# runs threads (DuckDB, polars, Dagster, a web server, tests) can die or hang in the child.
SPAWN = multiprocessing.get_context("spawn")


@dataclass(frozen=True)
class Paths:
    home: Path

    @classmethod
    def from_env(cls, home: Path | str | None = None) -> Paths:
        return cls(Path(home or os.environ.get("TECHBENCH_HOME") or "data").resolve())

    @property
    def landing(self) -> Path:
        """Files as handed in: landing/<signatory>/<stage>/<sha256>.<ext> plus a .json sidecar."""
        return self.home / "landing"

    @property
    def warehouse(self) -> Path:
        """The pipeline's DuckDB file: written by the pipeline only, never opened by readers."""
        return self.home / "warehouse.duckdb"

    @property
    def snapshot_dir(self) -> Path:
        return self.home / "snapshot"

    @property
    def snapshot(self) -> Path:
        """The published read-only copy the dashboard and CLI readers use."""
        return self.snapshot_dir / "techbench.duckdb"

    @property
    def quality(self) -> Path:
        """Great Expectations results and Data Docs."""
        return self.home / "quality"

    @property
    def register(self) -> Path:
        """The signatory register in use: data/register.csv when present, else the repository's."""
        local = self.home / "register.csv"
        if local.is_file():
            return local
        from pipeline.programme.signatories import DEFAULT_REGISTER

        return DEFAULT_REGISTER
