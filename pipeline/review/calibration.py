"""Do the reviewers agree? Krippendorff's alpha (ordinal) per round and per theme, and each reviewer's
distance from the consensus scores. For the steering group's calibration, never for an outcome.

**In plain English.** When three reviewers score the same submission, how far do their scores
agree beyond what chance would give? Krippendorff's alpha answers with one number: 1 when every
reviewer gave every theme the same level, 0 when the scores agree no more than if they had been
drawn at random, below 0 when they disagree systematically. The levels are ordered (a 1 and a 4
disagree more than a 3 and a 4), so the ordinal form is used. Krippendorff's own reading: rely on
0.800 or more, draw only tentative conclusions from 0.667 to 0.800, not below. With each figure we
say how many submission-themes it rests on; with fewer than two, or when every score is the same
level, no figure is given and the reason is. For each reviewer we also give how far, on average,
their levels were from the level the team agreed, and in which direction (harsher or kinder):
a way to see who may need calibration, never a judgement on a submission. Before a round the
steering group can run a calibration exercise: every reviewer scores the same sample submission.

**Technically.** Alpha comes from the maintained ``krippendorff`` package; this module only shapes
the scores into its input (one unit per submission and theme, a count per level) and refuses, with
a reason, the cases where alpha says nothing: no submission scored twice, fewer than
:data:`MIN_ITEMS` of them, or every score the same level (alpha is then 0/0). An item is a unit
with at least two scores; the pairable values are the scores in those units (Krippendorff's n..),
the amount alpha rests on. Distance from consensus: over the themes with an agreed level, the mean
of |reviewer's level - agreed level| and the mean signed difference.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import krippendorff
import numpy as np

#: Krippendorff (2004): rely on data with alpha >= 0.800; 0.667 is the lowest for tentative conclusions.
RELIABLE_ALPHA = 0.800
TENTATIVE_ALPHA = 0.667
#: techbench's own floor: with one item, alpha compares the reviewers of one submission with themselves.
MIN_ITEMS = 2


@dataclass(frozen=True)
class Score:
    """One reviewer's level for one theme of one submission; ``level`` None when it was left unscored."""

    submission: str
    theme: str
    reviewer: str
    level: int | None


@dataclass(frozen=True)
class ConsensusScore:
    """The level a team agreed for one theme of one submission."""

    submission: str
    theme: str
    level: int | None


@dataclass(frozen=True)
class Agreement:
    """Alpha and what it rests on; ``alpha`` None with ``reason`` when it cannot be computed."""

    alpha: float | None
    items: int
    pairable: int
    reason: str = ""

    @property
    def reading(self) -> str:
        """Krippendorff's reading of the figure: 'reliable', 'tentative', 'too low' or 'not computed'."""
        if self.alpha is None:
            return "not computed"
        if self.alpha >= RELIABLE_ALPHA:
            return "reliable"
        return "tentative" if self.alpha >= TENTATIVE_ALPHA else "too low"


@dataclass(frozen=True)
class RoundAgreement:
    """A round's agreement over all themes (a unit is one theme of one submission) and per theme."""

    overall: Agreement
    by_theme: dict[str, Agreement]


@dataclass(frozen=True)
class ReviewerDistance:
    """How far a reviewer's levels were from the consensus: mean of |own - consensus| and of own - consensus
    (positive: scores above the consensus), over ``compared`` themes; None when nothing could be compared."""

    reviewer: str
    compared: int
    mean_absolute: float | None
    mean_signed: float | None


def _scores(rows: Iterable[Score | tuple]) -> list[Score]:
    """Rows as Scores, each (submission, theme, reviewer) once; an unscored theme is dropped, not a value."""
    seen: dict[tuple[str, str, str], int | None] = {}
    for row in rows:
        score = row if isinstance(row, Score) else Score(*row)
        _check_level(score.level, score)
        key = (score.submission, score.theme, score.reviewer)
        if key in seen and seen[key] != score.level:
            raise ValueError(f"two different levels for reviewer {score.reviewer!r}, theme {score.theme!r} "
                             f"of {score.submission!r}")
        seen[key] = score.level
    return [Score(*key, level) for key, level in seen.items() if level is not None]


def _check_level(level: object, row: object) -> None:
    if level is not None and (isinstance(level, bool) or not isinstance(level, (int, np.integer))):
        raise ValueError(f"a level must be a whole number or None, not {level!r} in {row!r}")


def alpha(units: Iterable[Iterable[int]]) -> Agreement:
    """Ordinal alpha over units, each the levels given to it (any number of reviewers, missing ones left out)."""
    paired = [list(levels) for levels in units]
    paired = [levels for levels in paired if len(levels) >= 2]
    items, pairable = len(paired), sum(len(levels) for levels in paired)
    if not paired:
        return Agreement(None, 0, 0, "no submission was scored by two or more reviewers")
    if items < MIN_ITEMS:
        return Agreement(None, items, pairable,
                         f"only {items} submission scored by two or more reviewers; alpha needs at least {MIN_ITEMS}")
    domain = sorted({level for levels in paired for level in levels})
    if len(domain) == 1:
        return Agreement(None, items, pairable,
                         f"every score is level {domain[0]}: the reviewers agree, but with no variation alpha "
                         "is undefined")
    index = {level: i for i, level in enumerate(domain)}
    counts = np.zeros((items, len(domain)), dtype=np.int64)
    for row, levels in enumerate(paired):
        for level in levels:
            counts[row, index[level]] += 1
    value = krippendorff.alpha(value_counts=counts, value_domain=domain, level_of_measurement="ordinal")
    return Agreement(float(value), items, pairable)


def round_agreement(scores: Iterable[Score | tuple]) -> RoundAgreement:
    """Alpha for a round's scores: overall and per theme (themes in name order). Never raises on missing
    or degenerate data; raises ValueError only on contradictory rows (two levels for one reviewer's
    theme) or a level that is not a whole number."""
    units: dict[tuple[str, str], list[int]] = defaultdict(list)
    themes: set[str] = set()
    for score in _scores(scores):
        units[(score.theme, score.submission)].append(score.level)
        themes.add(score.theme)
    ordered = sorted(units)
    by_theme = {theme: alpha(units[key] for key in ordered if key[0] == theme) for theme in sorted(themes)}
    return RoundAgreement(alpha(units[key] for key in ordered), by_theme)


def distances_from_consensus(scores: Iterable[Score | tuple],
                             consensus: Iterable[ConsensusScore | tuple]) -> list[ReviewerDistance]:
    """Each reviewer's distance from the agreed levels, by reviewer name; themes without an agreed level
    are not compared."""
    agreed: dict[tuple[str, str], int] = {}
    for row in consensus:
        entry = row if isinstance(row, ConsensusScore) else ConsensusScore(*row)
        _check_level(entry.level, entry)
        if entry.level is not None:
            agreed[(entry.submission, entry.theme)] = entry.level
    differences: dict[str, list[int]] = defaultdict(list)
    reviewers: set[str] = set()
    for score in _scores(scores):
        reviewers.add(score.reviewer)
        target = agreed.get((score.submission, score.theme))
        if target is not None:
            differences[score.reviewer].append(score.level - target)
    result = []
    for reviewer in sorted(reviewers):
        diffs = differences.get(reviewer, [])
        if diffs:
            result.append(ReviewerDistance(reviewer, len(diffs), sum(abs(d) for d in diffs) / len(diffs),
                                           sum(diffs) / len(diffs)))
        else:
            result.append(ReviewerDistance(reviewer, 0, None, None))
    return result
