"""Reviewer profiles and declared conflicts: who a reviewer is for the panel's rules.

A profile carries the reviewer's own institution and its type, an e-mail address for reminders,
the date training was completed, availability and the most submissions they take in a round.
Conflicts are institutions the reviewer declared, each with a reason; a recusal adds one. Only
the steering group edits profiles; a reviewer declares their own conflicts.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from dashboards.accounts.database import AccountError, User, normalise_username, now_text
from dashboards.review.common import Audited, ReviewError, require_role
from pipeline.ids import is_slug
from pipeline.review.panel import Reviewer

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Profile:
    username: str
    institution: str
    institution_type: str
    email: str | None
    trained_on: dt.date | None
    available: bool
    max_load: int
    conflicts: dict[str, str]

    def as_reviewer(self, times_led: int = 0) -> Reviewer:
        return Reviewer(self.username, self.institution, self.institution_type, self.max_load,
                        trained=self.trained_on, available=self.available, conflicts=self.conflicts,
                        times_led=times_led)


class Reviewers(Audited):
    def set_profile(self, actor: User, username: str, *, institution: str, institution_type: str,
                    max_load: int, email: str | None = None, trained_on: dt.date | None = None,
                    available: bool = True) -> Profile:
        """Create or replace a reviewer's profile (steering group only)."""
        require_role(self, actor, "steering")
        name = normalise_username(username)
        if not is_slug(institution):
            raise ReviewError(f"institution {institution!r} is not a signatory slug")
        if not institution_type.strip():
            raise ReviewError("the institution's type is required (e.g. university, research institute)")
        if max_load < 0:
            raise ReviewError("the maximum load cannot be negative")
        if email is not None and not EMAIL.match(email):
            raise ReviewError(f"{email!r} is not an e-mail address")
        with self._write() as con:
            row = con.execute("SELECT role FROM users WHERE username = ?", (name,)).fetchone()
            if row is None or row[0] != "reviewer":
                raise ReviewError(f"'{name}' is not a reviewer account")
            con.execute("""INSERT INTO reviewer_profiles (username, institution, institution_type, email, trained_on,
                                   available, max_load, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                           ON CONFLICT (username) DO UPDATE SET institution = excluded.institution,
                             institution_type = excluded.institution_type, email = excluded.email,
                             trained_on = excluded.trained_on, available = excluded.available,
                             max_load = excluded.max_load, updated_at = excluded.updated_at""",
                        (name, institution, institution_type.strip(), email,
                         trained_on.isoformat() if trained_on else None, int(available), max_load, now_text()))
            # the user row's signatory is what the access rules read: keep the two the same
            con.execute("UPDATE users SET signatory = ? WHERE username = ?", (institution, name))
        self.audit(actor, "review.profile", name, {"institution": institution, "type": institution_type,
                                                   "max_load": max_load, "available": available,
                                                   "trained_on": str(trained_on) if trained_on else None})
        return self.profile(name)

    def declare_conflict(self, actor: User, username: str, signatory: str, reason: str) -> None:
        """Record a conflict with an institution: by the reviewer themself or by the steering group."""
        name = normalise_username(username)
        if actor.role != "steering" and actor.username != name:
            raise ReviewError("a reviewer declares only their own conflicts")
        require_role(self, actor, "steering", "reviewer")
        if not is_slug(signatory):
            raise ReviewError(f"{signatory!r} is not a signatory slug")
        if not reason.strip():
            raise ReviewError("say why: a conflict needs a reason")
        with self._write() as con:
            self._add_conflict(con, name, signatory, reason)
        self.audit(actor, "review.conflict", name, {"signatory": signatory, "reason": reason.strip()})

    @staticmethod
    def _add_conflict(con, name: str, signatory: str, reason: str) -> None:
        con.execute("""INSERT INTO reviewer_conflicts (username, signatory, reason, declared_at) VALUES (?, ?, ?, ?)
                       ON CONFLICT (username, signatory) DO UPDATE SET reason = excluded.reason""",
                    (name, signatory, reason.strip(), now_text()))

    def profile(self, username: str) -> Profile | None:
        name = normalise_username(username)
        with self._read() as con:
            row = con.execute("""SELECT username, institution, institution_type, email, trained_on, available,
                                        max_load FROM reviewer_profiles WHERE username = ?""", (name,)).fetchone()
            conflicts = dict(con.execute("SELECT signatory, reason FROM reviewer_conflicts WHERE username = ? "
                                         "ORDER BY signatory", (name,)).fetchall())
        if row is None:
            return None
        return Profile(row[0], row[1], row[2], row[3], dt.date.fromisoformat(row[4]) if row[4] else None,
                       bool(row[5]), row[6], conflicts)

    def profiles(self) -> list[Profile]:
        """Every enabled reviewer with a profile, by name."""
        with self._read() as con:
            names = [r[0] for r in con.execute("""SELECT p.username FROM reviewer_profiles p JOIN users u USING (username)
                                                   WHERE NOT u.disabled ORDER BY p.username""")]
        return [p for n in names if (p := self.profile(n)) is not None]

    def panel(self, round_id: str | None = None) -> list[Reviewer]:
        """The reviewers as the assignment rules see them, with the teams each has led before ``round_id``."""
        with self._read() as con:
            led = dict(con.execute("""SELECT username, count(*) FROM team_members WHERE slot = 0
                                      AND status = 'confirmed' AND round_id IS NOT ? GROUP BY username""",
                                   (round_id,)).fetchall())
        return [p.as_reviewer(led.get(p.username, 0)) for p in self.profiles()]


def parse_date(text: str | None, what: str) -> dt.date | None:
    """An ISO date from a form or the command line; ``ReviewError`` naming ``what`` if it is not one."""
    if text is None or not str(text).strip():
        return None
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise ReviewError(f"{what}: {text!r} is not a date (YYYY-MM-DD)") from None


__all__ = ["EMAIL", "AccountError", "Profile", "Reviewers", "parse_date"]
