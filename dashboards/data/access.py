"""Who is looking, and what they may open: the viewer every read in ``dashboards.data`` takes.

A submission's content is returned only for submissions ``AccountStore.can_see_submission``
allows (steering: all; reviewer: the ones assigned to them; institution: its own). Every check
asks the account store again, so a disabled account loses access while a session still holds it.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from dashboards.accounts import AccountStore, User


class Denied(Exception):
    """The viewer may not see this; the message is meant for them."""


@dataclass(frozen=True)
class Viewer:
    """The signed-in account as the store has it on this rerun; every check asks the store again."""

    user: User
    store: AccountStore

    @classmethod
    def load(cls, store: AccountStore, username: str) -> Viewer | None:
        user = store.get_user(username)
        return None if user is None or user.disabled else cls(user, store)

    @property
    def role(self) -> str:
        return self.user.role

    @property
    def signatory(self) -> str | None:
        return self.user.signatory

    def can_see(self, submission_id: str) -> bool:
        return self.store.can_see_submission(self.user, submission_id)

    def require(self, submission_id: str) -> None:
        if not self.can_see(submission_id):
            raise Denied("You do not have access to this submission: reviewers see the submissions assigned "
                         "to them, institutions their own.")

    def open_rows(self, rows: pl.DataFrame) -> pl.DataFrame:
        """The rows of ``rows`` whose ``submission_id`` this viewer may open."""
        allowed = self.store.visible_submissions(self.user, rows["submission_id"].unique().to_list())
        return rows.filter(pl.col("submission_id").is_in(allowed))

    def can_see_signatory(self, slug: str) -> bool:
        return self.store.can_see_signatory(self.user, slug)

    def require_signatory(self, slug: str) -> None:
        if not self.can_see_signatory(slug):
            raise Denied("You do not have access to this signatory.")

    def require_unchanged(self) -> None:
        """Refuse an account disabled or changed (role, signatory) since this rerun began."""
        if self.store.get_user(self.user.username) != self.user:
            raise Denied("Your account has changed or been disabled: sign in again.")

    @property
    def pseudonym_account(self) -> str | None:
        """Whose numbering of peers this viewer gets: a reviewer's own (by account); an institution's
        is its signatory's, shared by its accounts."""
        return self.user.username if self.role == "reviewer" else None
