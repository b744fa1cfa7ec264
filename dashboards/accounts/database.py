"""The accounts file, ``<home>/app.sqlite3``: its schema, connections and transactions, and the
``User`` rows read from it.

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

BUSY_TIMEOUT_MS = 30_000
FILE_NAME = "app.sqlite3"

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    username      TEXT PRIMARY KEY,
    role          TEXT NOT NULL CHECK (role IN ('steering', 'reviewer', 'institution')),
    signatory     TEXT CHECK ((role <> 'institution' OR signatory IS NOT NULL)
                              AND (role <> 'steering' OR signatory IS NULL)),
    password_hash TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS assignments (
    username      TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    submission_id TEXT NOT NULL,
    assigned_at   TEXT NOT NULL,
    PRIMARY KEY (username, submission_id)
);
CREATE INDEX IF NOT EXISTS assignments_by_submission ON assignments (submission_id);
CREATE TABLE IF NOT EXISTS failed_sign_ins (
    username      TEXT NOT NULL,
    at            REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS failed_sign_ins_by_user ON failed_sign_ins (username, at);
CREATE TABLE IF NOT EXISTS sign_in_sessions (
    token_hash    TEXT PRIMARY KEY,  -- sha256 of the cookie's token: the file alone signs nobody in
    username      TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    created_at    REAL NOT NULL,
    last_seen     REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sign_in_sessions_by_user ON sign_in_sessions (username);
"""
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
            with self._transaction(con):
                for statement in filter(str.strip, SCHEMA.split(";")):
                    con.execute(statement)
        finally:
            con.close()

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
