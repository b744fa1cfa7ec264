"""Local accounts and roles for the dashboard, without any external service (DESIGN §4 item 10).

Accounts live in their own SQLite file, ``<home>/app.sqlite3``, apart from the warehouse: the
pipeline never opens it and the dashboard never writes the warehouse. The file runs in WAL mode
with a busy timeout, so many sessions can read while one writes; every write is one short
``BEGIN IMMEDIATE`` transaction on its own connection (safe from any thread).

Roles:

* ``steering``: sees every submission, contact details included.
* ``reviewer``: sees only the submissions assigned to them, never one of their own institution
  (a reviewer may record their own signatory so that this can be enforced).
* ``institution``: bound to one signatory; sees only that signatory's submissions.

Passwords are hashed with argon2id (argon2-cffi's ``PasswordHasher``); the hash never leaves
this module (``User`` does not carry it). Every dashboard view must ask ``can_see_submission`` /
``can_see_contact_details``: hidden navigation is not access control. Those checks re-read the
account, so a disabled account loses access even while a session still holds its ``User``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import secrets
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from pipeline.ids import ROLES, SLUG_RE, SUBMISSION_RE, submission_signatory

MIN_PASSWORD_LENGTH = 10
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@+-]{1,63}$")
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
MAX_FAILURES = 5  # wrong passwords per username ...
LOCKOUT_SECONDS = 15 * 60  # ... within this window lock the name for the rest of it
IDLE_MINUTES = 30  # a signed-in session ends after this long without a step (TECHBENCH_SESSION_IDLE_MINUTES) ...
MAX_HOURS = 12  # ... and this long after signing in, whatever (TECHBENCH_SESSION_MAX_HOURS)
TOUCH_SECONDS = 30  # last_seen is written at most this often per session (a write per rerun is waste)


class AccountError(Exception):
    """A request about accounts that cannot be carried out; the message is meant for people."""


class SignInLocked(AccountError):
    """Too many wrong passwords for this username lately (kept for unknown names too, so that a
    lockout does not tell which names exist)."""


@dataclass(frozen=True)
class User:
    """An account as the dashboard sees it: no password hash."""

    username: str
    role: str
    signatory: str | None
    disabled: bool
    created_at: str


def store_path(paths) -> Path:
    """Where the accounts live for a ``pipeline.settings.Paths``: ``<home>/app.sqlite3``."""
    return Path(paths.home) / FILE_NAME


def normalise_username(username: str) -> str:
    return username.strip().lower()


def check_new_user(username: str, role: str, signatory: str | None = None) -> str:
    """Raise ``AccountError`` if these details cannot make an account; return the username as stored."""
    name = normalise_username(username)
    if not USERNAME_PATTERN.match(name):
        raise AccountError(f"username {username!r} is not allowed: use 2 to 64 lowercase letters, digits "
                           "and . _ @ + - (starting with a letter or digit)")
    if role not in ROLES:
        raise AccountError(f"role {role!r} is unknown: use one of {', '.join(ROLES)}")
    if role == "institution" and not signatory:
        raise AccountError("an institution account needs the signatory it belongs to (--signatory SLUG)")
    if role == "steering" and signatory:
        raise AccountError("a steering account sees every signatory and is not bound to one: leave out the signatory")
    if signatory is not None and not SLUG_RE.match(signatory):
        raise AccountError(f"signatory {signatory!r} is not a slug (lowercase letters, digits and hyphens)")
    return name


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters long")


def session_limits() -> tuple[float, float]:
    """(idle, absolute) lifetimes of a signed-in session in seconds, from the environment."""
    def number(name: str, default: float) -> float:
        try:
            value = float(os.environ.get(name, default))
        except ValueError:
            return default
        return value if value > 0 else default

    return (number("TECHBENCH_SESSION_IDLE_MINUTES", IDLE_MINUTES) * 60,
            number("TECHBENCH_SESSION_MAX_HOURS", MAX_HOURS) * 3600)


def token_hash(token: str) -> str:
    """What the store keeps of a session token (and what a Streamlit session is bound to)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class AccountStore:
    """The accounts file. Cheap to construct; the schema is created (and WAL switched on) on open."""

    def __init__(self, path: Path | str, hasher: PasswordHasher | None = None) -> None:
        self.path = Path(path)
        self._hasher = hasher or PasswordHasher()  # argon2id with argon2-cffi's recommended parameters
        self._dummy_hash: str | None = None
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

    @classmethod
    def for_paths(cls, paths, hasher: PasswordHasher | None = None) -> AccountStore:
        return cls(store_path(paths), hasher)

    # -- connections -------------------------------------------------------------------------

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

    # -- accounts ----------------------------------------------------------------------------

    @staticmethod
    def _user(row) -> User:
        return User(username=row[0], role=row[1], signatory=row[2], disabled=bool(row[3]), created_at=row[4])

    def get_user(self, username: str) -> User | None:
        with self._read() as con:
            row = con.execute("SELECT username, role, signatory, disabled, created_at FROM users WHERE username = ?",
                              (normalise_username(username),)).fetchone()
        return None if row is None else self._user(row)

    def add_user(self, username: str, password: str, role: str, signatory: str | None = None) -> User:
        name = check_new_user(username, role, signatory)
        check_password(password)
        password_hash = self._hasher.hash(password)  # slow on purpose: outside the write lock
        created = _now()
        with self._write() as con:
            if con.execute("SELECT 1 FROM users WHERE username = ?", (name,)).fetchone():
                raise AccountError(f"user '{name}' already exists")
            con.execute("INSERT INTO users (username, role, signatory, password_hash, disabled, created_at) "
                        "VALUES (?, ?, ?, ?, 0, ?)", (name, role, signatory, password_hash, created))
        return User(name, role, signatory, False, created)

    def list_users(self) -> list[User]:
        with self._read() as con:
            rows = con.execute("SELECT username, role, signatory, disabled, created_at FROM users "
                               "ORDER BY username").fetchall()
        return [self._user(r) for r in rows]

    def disable(self, username: str) -> User:
        name = normalise_username(username)
        with self._write() as con:
            if con.execute("UPDATE users SET disabled = 1 WHERE username = ?", (name,)).rowcount == 0:
                raise AccountError(f"there is no user '{name}'")
            con.execute("DELETE FROM sign_in_sessions WHERE username = ?", (name,))  # signed out everywhere
        user = self.get_user(name)
        assert user is not None
        return user

    def set_password(self, username: str, password: str) -> None:
        check_password(password)
        password_hash = self._hasher.hash(password)
        name = normalise_username(username)
        with self._write() as con:
            if con.execute("UPDATE users SET password_hash = ? WHERE username = ?", (password_hash, name)).rowcount == 0:
                raise AccountError(f"there is no user '{name}'")
            con.execute("DELETE FROM failed_sign_ins WHERE username = ?", (name,))  # a new password: a fresh start
            con.execute("DELETE FROM sign_in_sessions WHERE username = ?", (name,))  # and every session ends

    def authenticate(self, username: str, password: str) -> User | None:
        """The account if the password is right and the account is enabled, else ``None``.

        An unknown user costs one hash verification too, so timing does not tell which names exist.
        Each attempt is counted as a failure *before* the (slow) password check, in the same write
        transaction that reads the count, and forgiven only when it succeeds: so concurrent attempts
        cannot all slip under the limit. After ``MAX_FAILURES`` failures for a name within
        ``LOCKOUT_SECONDS`` it raises ``SignInLocked`` until the oldest of them is that old."""
        name = normalise_username(username)
        now = time.time()
        with self._write() as con:
            con.execute("DELETE FROM failed_sign_ins WHERE at <= ?", (now - LOCKOUT_SECONDS,))
            failures, oldest = con.execute("SELECT count(*), min(at) FROM failed_sign_ins WHERE username = ?",
                                           (name,)).fetchone()
            if failures >= MAX_FAILURES:
                minutes = max(1, round((oldest + LOCKOUT_SECONDS - now) / 60))
                raise SignInLocked(f"Too many wrong passwords for this username: try again in about {minutes} minutes.")
            con.execute("INSERT INTO failed_sign_ins (username, at) VALUES (?, ?)", (name, now))
            row = con.execute("SELECT username, role, signatory, disabled, created_at, password_hash FROM users "
                              "WHERE username = ?", (name,)).fetchone()
        user = self._verify(name, password, row)
        if user is not None:
            with self._write() as con:
                con.execute("DELETE FROM failed_sign_ins WHERE username = ?", (name,))
        return user

    # -- signed-in sessions (the dashboard's cookie) --------------------------------------------

    def start_session(self, username: str) -> str:
        """A new signed-in session for an enabled account; returns its token (for the cookie only:
        the store keeps its hash)."""
        name = normalise_username(username)
        token = secrets.token_urlsafe(32)
        now = time.time()
        with self._write() as con:
            row = con.execute("SELECT disabled FROM users WHERE username = ?", (name,)).fetchone()
            if row is None or row[0]:
                raise AccountError(f"'{name}' is not an active account")
            con.execute("INSERT INTO sign_in_sessions (token_hash, username, created_at, last_seen) VALUES (?, ?, ?, ?)",
                        (token_hash(token), name, now, now))
        return token

    def session_user(self, token: str | None, touch: bool = True) -> User | None:
        """The enabled account a session token signs in, or ``None`` when the token is unknown, ended,
        idle too long, too old, or its account is disabled or gone. ``touch`` records the step."""
        if not token or len(token) > 256:
            return None
        digest, now = token_hash(token), time.time()
        idle, absolute = session_limits()
        with self._read() as con:
            row = con.execute("SELECT u.username, u.role, u.signatory, u.disabled, u.created_at, s.created_at, "
                              "s.last_seen FROM sign_in_sessions s JOIN users u USING (username) "
                              "WHERE s.token_hash = ?", (digest,)).fetchone()
        if row is None:
            return None
        if row[3] or now - row[5] > absolute or now - row[6] > idle:
            self.end_session(token)
            return None
        if touch and now - row[6] > TOUCH_SECONDS:
            with self._write() as con:
                con.execute("UPDATE sign_in_sessions SET last_seen = ? WHERE token_hash = ?", (now, digest))
        return self._user(row[:5])

    def end_session(self, token: str | None) -> None:
        """Sign out: the token signs nobody in any more (in any tab)."""
        if token:
            with self._write() as con:
                con.execute("DELETE FROM sign_in_sessions WHERE token_hash = ?", (token_hash(token),))

    def end_sessions(self, username: str) -> int:
        """End every session of an account (``techbench users disable`` and a new password do it too)."""
        with self._write() as con:
            return con.execute("DELETE FROM sign_in_sessions WHERE username = ?",
                               (normalise_username(username),)).rowcount

    def _verify(self, name: str, password: str, row) -> User | None:
        if row is None:
            if self._dummy_hash is None:
                self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))
            try:
                self._hasher.verify(self._dummy_hash, password)
            except (VerificationError, InvalidHashError):
                pass
            return None
        stored = row[5]
        try:
            self._hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if row[3]:
            return None
        if self._hasher.check_needs_rehash(stored):
            fresh = self._hasher.hash(password)
            with self._write() as con:
                con.execute("UPDATE users SET password_hash = ? WHERE username = ? AND password_hash = ?",
                            (fresh, name, stored))
        return self._user(row[:5])

    # -- assignments -------------------------------------------------------------------------

    def assign(self, username: str, submission_id: str) -> bool:
        """Give a reviewer a submission; ``False`` if they had it already."""
        name = normalise_username(username)
        match = SUBMISSION_RE.match(submission_id)
        if not match:
            raise AccountError(f"{submission_id!r} is not a submission id (signatory|stage|sha256)")
        with self._write() as con:
            row = con.execute("SELECT role, signatory, disabled FROM users WHERE username = ?", (name,)).fetchone()
            if row is None:
                raise AccountError(f"there is no user '{name}'")
            role, own, disabled = row
            if role != "reviewer":
                raise AccountError(f"'{name}' is a {role} account: only reviewers are assigned submissions")
            if disabled:
                raise AccountError(f"'{name}' is disabled")
            if own is not None and match.group(1) == own:
                raise AccountError(f"'{name}' belongs to {own}: a reviewer is never assigned their own "
                                   "institution's submission")
            cursor = con.execute("INSERT OR IGNORE INTO assignments (username, submission_id, assigned_at) "
                                 "VALUES (?, ?, ?)", (name, submission_id, _now()))
            return cursor.rowcount == 1

    def unassign(self, username: str, submission_id: str) -> bool:
        """Take a submission back; ``False`` if it was not assigned."""
        name = normalise_username(username)
        with self._write() as con:
            if not con.execute("SELECT 1 FROM users WHERE username = ?", (name,)).fetchone():
                raise AccountError(f"there is no user '{name}'")
            return con.execute("DELETE FROM assignments WHERE username = ? AND submission_id = ?",
                               (name, submission_id)).rowcount == 1

    def assignments(self, username: str) -> list[str]:
        with self._read() as con:
            rows = con.execute("SELECT submission_id FROM assignments WHERE username = ? ORDER BY submission_id",
                               (normalise_username(username),)).fetchall()
        return [r[0] for r in rows]

    # -- authorisation: ask in every view ------------------------------------------------------

    def _current(self, con: sqlite3.Connection, user: User | None) -> tuple[str, str | None] | None:
        """The account's role and signatory as stored now; ``None`` if it is gone or disabled."""
        if user is None:
            return None
        row = con.execute("SELECT role, signatory, disabled FROM users WHERE username = ?", (user.username,)).fetchone()
        return None if row is None or row[2] else (row[0], row[1])

    def visible_submissions(self, user: User | None, submission_ids: Iterable[str]) -> list[str]:
        """The ones of ``submission_ids`` this account may open, in order: steering all; reviewer
        the ones assigned to them (never their own institution's); institution its own."""
        ids = list(submission_ids)
        with self._read() as con:
            account = self._current(con, user)
            if account is None:
                return []
            role, own = account
            if role == "steering":
                return ids
            if role == "institution":
                return [i for i in ids if own is not None and submission_signatory(i) == own]
            if role == "reviewer":
                assigned = {r[0] for r in con.execute("SELECT submission_id FROM assignments WHERE username = ?",
                                                      (user.username,))}
                return [i for i in ids if i in assigned and (own is None or submission_signatory(i) != own)]
        return []

    def can_see_submission(self, user: User | None, submission_id: str) -> bool:
        """Steering: every submission; reviewer: the ones assigned to them; institution: its own."""
        return bool(self.visible_submissions(user, [submission_id]))

    def visible_signatories(self, user: User | None) -> set[str] | None:
        """The signatories whose profile the account may open: ``None`` for all (steering); an
        institution its own; a reviewer those with a submission assigned to them (never their own)."""
        with self._read() as con:
            account = self._current(con, user)
            if account is None:
                return set()
            role, own = account
            if role == "steering":
                return None
            if role == "institution":
                return {own}
            assigned = con.execute("SELECT submission_id FROM assignments WHERE username = ?", (user.username,))
            return {submission_signatory(r[0]) for r in assigned} - {own}

    def can_see_signatory(self, user: User | None, signatory: str) -> bool:
        allowed = self.visible_signatories(user)
        return allowed is None or signatory in allowed

    def can_see_contact_details(self, user: User | None, submission_id: str) -> bool:
        """The lead's e-mail and phone (DESIGN §5): the steering group and the assigned reviewers, and
        an institution for its own submissions; never anyone else."""
        return self.can_see_submission(user, submission_id)
