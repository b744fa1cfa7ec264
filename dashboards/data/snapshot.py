"""The published snapshot as the dashboard reads it: the only place that opens its file.

Reads are cached per snapshot version (``st.cache_resource``: one copy shared by all sessions,
polars frames are immutable), so a newly published snapshot is picked up on the next rerun and
an old one's entries age out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import polars as pl
import streamlit as st

from pipeline.settings import Paths
from pipeline.store.snapshot import Published, SnapshotInfo


@st.cache_resource(max_entries=2, show_spinner=False)
def _connection(path: str, version: str) -> duckdb.DuckDBPyConnection:
    """One read-only connection per publication (``path`` is its immutable versioned file)."""
    return duckdb.connect(path, read_only=True)


@st.cache_resource(max_entries=512, show_spinner=False)
def _query(path: str, version: str, sql: str, params: tuple = ()) -> pl.DataFrame:
    """One query's result for one snapshot version (``version`` is part of the cache key)."""
    with _connection(path, version).cursor() as cursor:  # a cursor per call: safe across sessions' threads
        return cursor.sql(sql, params=list(params)).pl()


@dataclass(frozen=True)
class Snapshot:
    """The current publication (``pipeline.store.snapshot.published``, read on every rerun: a small JSON
    pointer). Its file is immutable, so connections and results are cached by its path."""

    paths: Paths
    published: Published

    @property
    def info(self) -> SnapshotInfo:
        return self.published.info

    @property
    def file(self) -> str:
        return str(self.published.file)

    def query(self, sql: str, params: Sequence = ()) -> pl.DataFrame:
        return _query(self.file, self.info.version, sql, tuple(params))
