"""Accounts and their passwords: adding, listing, disabling, new passwords, and checking one.

Passwords are hashed with argon2id (argon2-cffi's ``PasswordHasher``); the hash never leaves this
package (``User`` does not carry it).
"""

from __future__ import annotations

import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from dashboards.accounts.database import (
    USER_COLUMNS,
    AccountError,
    Database,
    User,
    normalise_username,
    now_text,
    user_from_row,
)
from pipeline.ids import ROLES, is_slug

MIN_PASSWORD_LENGTH = 10
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@+-]{1,63}$")


def check_new_user(username: str, role: str, signatory: str | None = None) -> str:
    """Raise ``AccountError`` if these details cannot make an account; return the username as stored.
    (The schema refuses the same roles and signatories, but with no message meant for people.)"""
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
    if signatory is not None and not is_slug(signatory):
        raise AccountError(f"signatory {signatory!r} is not a slug (lowercase letters, digits and hyphens)")
    return name


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters long")


class Users(Database):
    def __init__(self, path, hasher: PasswordHasher | None = None) -> None:
        super().__init__(path)
        self._hasher = hasher or PasswordHasher()  # argon2id with argon2-cffi's recommended parameters
        self._dummy_hash: str | None = None

    def get_user(self, username: str) -> User | None:
        with self._read() as con:
            row = con.execute(f"SELECT {USER_COLUMNS} FROM users WHERE username = ?",
                              (normalise_username(username),)).fetchone()
        return None if row is None else user_from_row(row)

    def add_user(self, username: str, password: str, role: str, signatory: str | None = None) -> User:
        name = check_new_user(username, role, signatory)
        check_password(password)
        password_hash = self._hasher.hash(password)  # slow on purpose: outside the write lock
        created = now_text()
        with self._write() as con:
            added = con.execute("INSERT INTO users (username, role, signatory, password_hash, disabled, created_at) "
                                "VALUES (?, ?, ?, ?, 0, ?) ON CONFLICT (username) DO NOTHING",
                                (name, role, signatory, password_hash, created)).rowcount
        if not added:
            raise AccountError(f"user '{name}' already exists")
        return User(name, role, signatory, False, created)

    def list_users(self) -> list[User]:
        with self._read() as con:
            rows = con.execute(f"SELECT {USER_COLUMNS} FROM users ORDER BY username").fetchall()
        return [user_from_row(r) for r in rows]

    def disable(self, username: str) -> User:
        name = normalise_username(username)
        with self._write() as con:
            rows = con.execute(f"UPDATE users SET disabled = 1 WHERE username = ? RETURNING {USER_COLUMNS}",
                               (name,)).fetchall()
            if not rows:
                raise AccountError(f"there is no user '{name}'")
            con.execute("DELETE FROM sign_in_sessions WHERE username = ?", (name,))  # signed out everywhere
        return user_from_row(rows[0])

    def set_password(self, username: str, password: str) -> None:
        check_password(password)
        password_hash = self._hasher.hash(password)
        name = normalise_username(username)
        with self._write() as con:
            if con.execute("UPDATE users SET password_hash = ? WHERE username = ?", (password_hash, name)).rowcount == 0:
                raise AccountError(f"there is no user '{name}'")
            con.execute("DELETE FROM failed_sign_ins WHERE username = ?", (name,))  # a new password: a fresh start
            con.execute("DELETE FROM sign_in_sessions WHERE username = ?", (name,))  # and every session ends

    def _verify(self, name: str, password: str, row) -> User | None:
        """The enabled account if ``password`` is its own (``row``: ``USER_COLUMNS`` and the hash, or
        ``None`` for an unknown name, which costs one verification too, so timing does not tell)."""
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
        return user_from_row(row)
