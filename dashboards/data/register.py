"""The signatory register for the steering group to read and change (add, correct) on its page.

Every function checks, where the data is read or written, that the viewer is (still) a steering
group account: an institution or a reviewer gets ``Denied``, never rows. Writes go through
``pipeline.programme.changes``, the one write path the command line shares (same checks, atomic,
recorded in the audit trail under the viewer's account). The register holds no contact details.
"""

from __future__ import annotations

import polars as pl

from dashboards.data.access import Denied, Viewer
from pipeline.programme import changes as register_changes
from pipeline.settings import Paths
from pipeline.programme.signatories import COLUMNS, Signatory


def _require_steering(viewer: Viewer) -> None:
    viewer.require_unchanged()  # the role as the account store has it now, not when the page was opened
    if viewer.role != "steering":
        raise Denied("The signatory register is edited by the steering group only.")


def register_rows(paths: Paths, viewer: Viewer) -> pl.DataFrame:
    """The register in use as the file holds it (every column as text)."""
    _require_steering(viewer)
    rows = register_changes.rows(paths)
    return pl.DataFrame(rows, schema=dict.fromkeys(COLUMNS, pl.String))


def register_problems(paths: Paths, viewer: Viewer) -> list[str]:
    """Each problem in the register in use, with its line (what ``techbench signatories`` reports)."""
    _require_steering(viewer)
    return register_changes.check_register(paths.register)[1]


def register_trail(paths: Paths, viewer: Viewer) -> pl.DataFrame:
    """The register's audit trail, newest first: when, who, what, which signatory, before and after."""
    _require_steering(viewer)
    entries = register_changes.trail(paths)

    def values(entry, side: str) -> str:
        return "; ".join(f"{k}: {v or '(blank)'}" for k, v in entry.details.get(side, {}).items())

    return pl.DataFrame({"at": [e.at for e in entries], "by": [e.actor for e in entries],
                         "action": [e.action.removeprefix("signatory.") for e in entries],
                         "signatory": [e.subject for e in entries],
                         "before": [values(e, "before") for e in entries], "after": [values(e, "after") for e in entries],
                         "reason": [str(e.details.get("reason", "")) for e in entries]},
                        schema=dict.fromkeys(("at", "by", "action", "signatory", "before", "after", "reason"), pl.String))


def add_signatory(paths: Paths, viewer: Viewer, values: dict[str, str]) -> Signatory:
    """Add a row; ``register_changes.ChangeRejected`` (problems by column) when a check fails."""
    _require_steering(viewer)
    return register_changes.add(paths, viewer.user.username, values)


def correct_signatory(paths: Paths, viewer: Viewer, slug: str, changes: dict[str, str], reason: str = "") -> Signatory:
    """Correct a row's columns; ``register_changes.ChangeRejected`` (problems by column) when a check fails."""
    _require_steering(viewer)
    return register_changes.correct(paths, viewer.user.username, slug, changes, reason)
