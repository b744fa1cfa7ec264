"""The application store, ``<home>/app.sqlite3``: connections, transactions and schema migrations
(``migrations``), and the ``User`` rows read from it. Accounts and peer reviews live in it.

It is kept apart from the warehouse: the pipeline never opens it and the dashboard never writes
the warehouse. The file runs in WAL mode with a busy timeout, so many sessions can read while one
writes; every write is one short ``BEGIN IMMEDIATE`` transaction on its own connection (safe from
any thread).
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from dashboards.accounts import migrations

BUSY_TIMEOUT_MS = 30_000
FILE_NAME = "app.sqlite3"

SCHEMA = migrations.ACCOUNTS  # version 1; later versions in ``migrations``
USER_COLUMNS = "username, role, signatory, disabled, created_at"  # the columns ``user_from_row`` reads


class AccountError(Exception):
    """A request about accounts that cannot be carried out; the message is meant for people."""


@dataclass(frozen=True)
class User:
    """An account as the dashboard sees it: no password hash."""

    username: str
    role: str
    signatory: str | None
    disabled: bool
    created_at: str


def user_from_row(row) -> User:
    """A ``User`` from a row whose first columns are ``USER_COLUMNS``."""
    return User(username=row[0], role=row[1], signatory=row[2], disabled=bool(row[3]), created_at=row[4])


def store_path(paths) -> Path:
    """Where the accounts live for a ``pipeline.settings.Paths``: ``<home>/app.sqlite3``."""
    return Path(paths.home) / FILE_NAME


def normalise_username(username: str) -> str:
    return username.strip().lower()


def now_text() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Database:
    """The accounts file. Cheap to construct; the schema is created (and WAL switched on) on open."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            # Hashes are secrets: only the owner reads the file (SQLite gives -wal/-shm the same mode).
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        con = self._connect()
        try:
            con.execute("PRAGMA journal_mode=WAL")
            self._migrate(con)
        finally:
            con.close()

    def _migrate(self, con: sqlite3.Connection) -> None:
        """Bring the file to ``migrations.LATEST``, one numbered migration per transaction."""
        with self._transaction(con):
            current = con.execute("PRAGMA user_version").fetchone()[0]
        if current > migrations.LATEST:
            raise AccountError(f"{self.path} is at schema version {current}, newer than this techbench "
                               f"({migrations.LATEST}): upgrade techbench before opening it")
        for version, sql in migrations.MIGRATIONS:
            with self._transaction(con):  # re-read under the write lock: another process may have run it
                if con.execute("PRAGMA user_version").fetchone()[0] >= version:
                    continue
                for statement in migrations.statements(sql):
                    con.execute(statement)
                con.execute(f"PRAGMA user_version = {int(version)}")

    def schema_version(self) -> int:
        with self._read() as con:
            return con.execute("PRAGMA user_version").fetchone()[0]

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                              check_same_thread=False)
        con.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        con.execute("PRAGMA foreign_keys=ON")
        con.execute("PRAGMA synchronous=NORMAL")
        return con

    @staticmethod
    @contextmanager
    def _transaction(con: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
        con.execute("BEGIN IMMEDIATE")  # take the write lock now: no deadlock on upgrade
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        con = self._connect()
        try:
            with self._transaction(con):
                yield con
        finally:
            con.close()

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        con = self._connect()
        try:
            yield con
        finally:
            con.close()

    def journal_mode(self) -> str:
        with self._read() as con:
            return con.execute("PRAGMA journal_mode").fetchone()[0]
