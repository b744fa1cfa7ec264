"""Signing in: password attempts with their lockout, and the server-side sessions a sign-in starts
(the dashboard's cookie carries the token; the file keeps only its SHA-256)."""

from __future__ import annotations

import hashlib
import os
import secrets
import time

from dashboards.accounts.database import USER_COLUMNS, AccountError, User, normalise_username, user_from_row
from dashboards.accounts.users import Users

MAX_FAILURES = 5  # wrong passwords per username ...
LOCKOUT_SECONDS = 15 * 60  # ... within this window lock the name for the rest of it
IDLE_MINUTES = 30  # a signed-in session ends after this long without a step (TECHBENCH_SESSION_IDLE_MINUTES) ...
MAX_HOURS = 12  # ... and this long after signing in, whatever (TECHBENCH_SESSION_MAX_HOURS)
TOUCH_SECONDS = 30  # last_seen is written at most this often per session (a write per rerun is waste)


class SignInLocked(AccountError):
    """Too many wrong passwords for this username lately (kept for unknown names too, so that a
    lockout does not tell which names exist)."""


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


class SignIn(Users):
    def authenticate(self, username: str, password: str) -> User | None:
        """The account if the password is right and the account is enabled, else ``None``.

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
            row = con.execute(f"SELECT {USER_COLUMNS}, password_hash FROM users WHERE username = ?",
                              (name,)).fetchone()
        user = self._verify(name, password, row)
        if user is not None:
            with self._write() as con:
                con.execute("DELETE FROM failed_sign_ins WHERE username = ?", (name,))
        return user

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
        return user_from_row(row)

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
