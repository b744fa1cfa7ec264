"""Which submissions an account may open: reviewers' assignments, and the rules every view asks.

* ``steering``: sees every submission, contact details included.
* ``reviewer``: sees only the submissions assigned to them (by hand, or by declaring no conflict
  on a review team), never one of their own institution (a reviewer may record their own
  signatory so that this can be enforced) or of one they declared a conflict with.
* ``institution``: bound to one signatory; sees only that signatory's submissions.

The checks re-read the account, so a disabled account loses access even while a session still
holds its ``User``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from dashboards.accounts.database import AccountError, Database, User, normalise_username, now_text
from pipeline.ids import parse_submission_id, submission_signatory


class Assignments(Database):
    def assign(self, username: str, submission_id: str) -> bool:
        """Give a reviewer a submission; ``False`` if they had it already."""
        name = normalise_username(username)
        if parse_submission_id(submission_id) is None:
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
            if submission_signatory(submission_id) == own:
                raise AccountError(f"'{name}' belongs to {own}: a reviewer is never assigned their own "
                                   "institution's submission")
            cursor = con.execute("INSERT OR IGNORE INTO assignments (username, submission_id, assigned_at) "
                                 "VALUES (?, ?, ?)", (name, submission_id, now_text()))
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

    @staticmethod
    def _current(con: sqlite3.Connection, user: User | None) -> tuple[str, str | None] | None:
        """The account's role and signatory as stored now; ``None`` if there is none, or it is gone
        or disabled."""
        if user is None:
            return None
        row = con.execute("SELECT role, signatory, disabled FROM users WHERE username = ?", (user.username,)).fetchone()
        return None if row is None or row[2] else (row[0], row[1])

    @staticmethod
    def _assigned(con: sqlite3.Connection, user: User) -> set[str]:
        """The reviewer's assigned submissions, less those of institutions they declared a conflict with
        (a declaration made after the assignment takes effect at once)."""
        conflicts = {r[0] for r in con.execute("SELECT signatory FROM reviewer_conflicts WHERE username = ?",
                                               (user.username,))}
        return {r[0] for r in con.execute("SELECT submission_id FROM assignments WHERE username = ?", (user.username,))
                if submission_signatory(r[0]) not in conflicts}

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
            if role == "institution":  # the schema gives every institution account its signatory
                return [i for i in ids if submission_signatory(i) == own]
            assigned = self._assigned(con, user)  # a reviewer: the schema allows no other role
        return [i for i in ids if i in assigned and submission_signatory(i) != own]

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
            return {submission_signatory(i) for i in self._assigned(con, user)} - {own}

    def can_see_signatory(self, user: User | None, signatory: str) -> bool:
        allowed = self.visible_signatories(user)
        return allowed is None or signatory in allowed

    def can_see_contact_details(self, user: User | None, submission_id: str) -> bool:
        """The lead's e-mail and phone (DESIGN §5): the steering group and the assigned reviewers, and
        an institution for its own submissions; never anyone else."""
        return self.can_see_submission(user, submission_id)
