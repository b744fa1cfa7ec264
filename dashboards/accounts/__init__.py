"""Local accounts and roles for the dashboard, without any external service (DESIGN §4 item 10).

``AccountStore`` is the one object callers use; its parts live here by concern:

* ``database``: the file ``<home>/app.sqlite3`` (schema, WAL, transactions), ``User``,
  ``AccountError``, ``store_path``;
* ``users``: accounts and their argon2id password hashes (``check_new_user``, ``check_password``);
* ``signin``: password attempts and their lockout (``SignInLocked``), sign-in sessions
  (``token_hash``, ``session_limits``);
* ``assignments``: reviewers' assignments and who may see which submission and signatory.

Every dashboard view must ask ``can_see_submission`` / ``can_see_contact_details``: hidden
navigation is not access control.
"""

from __future__ import annotations

from argon2 import PasswordHasher

from dashboards.accounts.assignments import Assignments
from dashboards.accounts.database import (
    BUSY_TIMEOUT_MS,
    FILE_NAME,
    SCHEMA,
    AccountError,
    User,
    normalise_username,
    store_path,
)
from dashboards.accounts.signin import (
    IDLE_MINUTES,
    LOCKOUT_SECONDS,
    MAX_FAILURES,
    MAX_HOURS,
    TOUCH_SECONDS,
    SignIn,
    SignInLocked,
    session_limits,
    token_hash,
)
from dashboards.accounts.users import MIN_PASSWORD_LENGTH, USERNAME_PATTERN, check_new_user, check_password


class AccountStore(SignIn, Assignments):
    """The accounts file: users and passwords, sign-in, assignments and access rules."""

    @classmethod
    def for_paths(cls, paths, hasher: PasswordHasher | None = None) -> AccountStore:
        return cls(store_path(paths), hasher)


__all__ = [
    "BUSY_TIMEOUT_MS", "FILE_NAME", "IDLE_MINUTES", "LOCKOUT_SECONDS", "MAX_FAILURES", "MAX_HOURS",
    "MIN_PASSWORD_LENGTH", "SCHEMA", "TOUCH_SECONDS", "USERNAME_PATTERN", "AccountError", "AccountStore",
    "SignInLocked", "User", "check_new_user", "check_password", "normalise_username", "session_limits",
    "store_path", "token_hash",
]
