"""Who may review what: submissions, reviewers, the team settings, and the hard rules of eligibility.

A reviewer may review a submission only when trained, available, not from the submission's
institution and without a declared conflict with it; :func:`exclusion` names the first rule that
fails, so a team that cannot be formed can be explained by counts of reasons.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

#: techbench's default, not the programme's (which publishes none): a team of three with one lead,
#: as in Vitae's HR Excellence in Research reviews.
DEFAULT_TEAM_SIZE = 3

# Why a reviewer cannot take a submission, in the order they are checked.
OWN_INSTITUTION = "own institution"
DECLARED_CONFLICT = "declared conflict"
UNTRAINED = "not trained"
UNAVAILABLE = "not available"
FULL = "at maximum load"
REASONS = (OWN_INSTITUTION, DECLARED_CONFLICT, UNTRAINED, UNAVAILABLE, FULL)


@dataclass(frozen=True)
class Submission:
    """A submission in a round: its id, the signatory's slug and the signatory's type (e.g. university)."""

    id: str
    signatory: str
    signatory_type: str


@dataclass(frozen=True)
class Reviewer:
    """A volunteer reviewer. ``max_load``: most submissions in a round (no default: the reviewer states it);
    ``trained``: True/False or the date training was completed; ``conflicts``: institution slug -> the
    reason declared; ``times_led``: teams led in earlier rounds."""

    username: str
    institution: str
    institution_type: str
    max_load: int
    trained: bool | dt.date | None = False
    available: bool = True
    conflicts: Mapping[str, str] = field(default_factory=dict)
    times_led: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "conflicts", MappingProxyType(dict(self.conflicts)))
        if self.max_load < 0 or self.times_led < 0:
            raise ValueError(f"reviewer {self.username!r}: max_load and times_led cannot be negative")

    def is_trained(self, on: dt.date | None = None) -> bool:
        """Trained: True, or a training date not after ``on`` (any date when ``on`` is None)."""
        if isinstance(self.trained, dt.date):
            return on is None or self.trained <= on
        return self.trained is True

    def __hash__(self) -> int:
        return hash(self.username)


@dataclass(frozen=True)
class TeamSettings:
    """How teams are formed. ``team_size`` counts the lead; ``as_of`` is the date training must precede."""

    team_size: int = DEFAULT_TEAM_SIZE
    as_of: dt.date | None = None

    def __post_init__(self) -> None:
        if self.team_size < 1:
            raise ValueError("a team needs at least one reviewer (its lead)")


def exclusion(reviewer: Reviewer, submission: Submission, settings: TeamSettings) -> str | None:
    """The first hard rule that keeps ``reviewer`` off ``submission`` (load aside), or None."""
    if reviewer.institution == submission.signatory:
        return OWN_INSTITUTION
    if submission.signatory in reviewer.conflicts:
        return DECLARED_CONFLICT
    if not reviewer.is_trained(settings.as_of):
        return UNTRAINED
    if not reviewer.available or reviewer.max_load == 0:
        return UNAVAILABLE
    return None


def unique(items: Iterable, key: str, what: str) -> list:
    """``items`` sorted by ``key``; two with the same key are refused (ties are broken by name)."""
    ordered = sorted(items, key=lambda item: getattr(item, key))
    for before, after in zip(ordered, ordered[1:]):
        if getattr(before, key) == getattr(after, key):
            raise ValueError(f"{what} {getattr(after, key)!r} is given twice")
    return ordered
