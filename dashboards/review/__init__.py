"""Peer review as the dashboard runs it, stored in the application store (``<home>/app.sqlite3``)
beside the accounts, never in the warehouse.

``ReviewStore`` is the one object callers use; its parts, by concern:

* ``reviewers``: reviewer profiles (institution, type, training, availability, load) and conflicts;
* ``rounds``: rounds per submission window, proposed and confirmed teams, declarations, replacements;
* ``scoring``: independent reviews (drafts, submission, reopening) and who may read which;
* ``consensus``: the lead's consensus, the steering group's release, who may read the feedback;
* ``tracking``: each submission's review state, what is due, reminders and their outbox, exports,
  calibration figures.

Every method takes the acting account and checks its role as stored now; every change is written
to the programme's audit trail (``<home>/audit.jsonl``, actions ``review.*``). The rules of
assignment, the rubric and the agreement statistic are the pure library ``pipeline.review``.
"""

from __future__ import annotations

from dashboards.accounts.database import store_path
from dashboards.review.common import ReviewError
from dashboards.review.tracking import Tracking


class ReviewStore(Tracking):
    """The application store's peer review part (it opens and migrates the same file as the accounts)."""

    @classmethod
    def for_paths(cls, paths) -> ReviewStore:
        return cls(store_path(paths))


__all__ = ["ReviewError", "ReviewStore"]
