"""What every part of peer review shares: its error, the role check each action starts with, and
the audit trail every change is written to."""

from __future__ import annotations

from typing import Any

from dashboards.accounts.database import AccountError, Database, User
from pipeline.programme import audit
from pipeline.settings import Paths


class ReviewError(AccountError):
    """A review action that cannot be carried out; the message is meant for the person asking."""


def require_role(db: Database, actor: User | None, *roles: str) -> str:
    """The actor's role as stored now, if it is one of ``roles``; ``ReviewError`` otherwise (an
    account disabled or changed since its session began is refused too)."""
    if actor is None:
        raise ReviewError("sign in first")
    with db._read() as con:
        row = con.execute("SELECT role, signatory, disabled FROM users WHERE username = ?",
                          (actor.username,)).fetchone()
    if row is None or row[2] or row[0] != actor.role:
        raise ReviewError("your account has changed or been disabled: sign in again")
    if row[0] not in roles:
        raise ReviewError(f"this is not open to {row[0]} accounts")
    return row[0]


class Audited(Database):
    def audit(self, actor: User | str, action: str, subject: str, details: dict[str, Any] | None = None) -> None:
        """Append to ``<home>/audit.jsonl`` (the programme's one audit trail) beside this store."""
        who = actor if isinstance(actor, str) else actor.username
        audit.record(Paths(self.path.parent), who, action, subject, details)

    def audit_many(self, actor: User, changes: list[tuple[str, str, dict[str, Any] | None]]) -> None:
        """Several entries in one append and one disk flush."""
        audit.record_many(Paths(self.path.parent), actor.username, changes)

    def audit_entries(self, actor: User) -> list[audit.Entry]:
        """Peer review's part of the trail, oldest first (steering group only)."""
        require_role(self, actor, "steering")
        return audit.entries(Paths(self.path.parent), action_prefix="review.")
