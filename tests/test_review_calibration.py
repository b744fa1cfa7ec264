"""Calibration: Krippendorff's alpha (ordinal) wired right (Krippendorff's own worked example and a
hand-computed one), what it rests on, missing and degenerate data answered with a reason instead of
an exception, and each reviewer's distance from the consensus."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.review.calibration import (Agreement, ConsensusScore, Score, distances_from_consensus,
                                         round_agreement)

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the example with four observers
# and 12 units, missing values as None; he reports ordinal alpha = .815 on n.. = 40 pairable values.
KRIPPENDORFF = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
}


def example_rows(theme: str = "Visibility") -> list[Score]:
    return [Score(f"unit-{unit:02d}", theme, reviewer, level)
            for reviewer, levels in KRIPPENDORFF.items() for unit, level in enumerate(levels, 1)]


def test_krippendorffs_own_ordinal_example():
    result = round_agreement(example_rows())
    theme = result.by_theme["Visibility"]
    assert round(theme.alpha, 3) == 0.815
    # unit 12 has one value only: 11 items, 40 pairable values, as in the paper
    assert (theme.items, theme.pairable) == (11, 40)
    assert result.overall == theme
    assert theme.reading == "reliable"


def test_a_hand_computed_alpha():
    """Two reviewers, three submissions: (1,1), (2,2), (1,2). Coincidences o12 = 1, n1 = n2 = 3, n = 6,
    so alpha = 1 - (n - 1) * o12 / (n1 * n2) = 4/9 (two levels: ordinal equals nominal)."""
    rows = [("s1", "t", "x", 1), ("s1", "t", "y", 1), ("s2", "t", "x", 2), ("s2", "t", "y", 2),
            ("s3", "t", "x", 1), ("s3", "t", "y", 2)]
    result = round_agreement(rows)
    assert result.overall.alpha == pytest.approx(4 / 9)
    assert result.overall.reading == "too low"


def test_rows_order_and_reviewer_names_do_not_matter():
    rows = example_rows()
    shuffled = rows[:]
    random.Random(7).shuffle(shuffled)
    renamed = [Score(s.submission, s.theme, "reviewer-" + s.reviewer.lower(), s.level) for s in shuffled]
    assert round_agreement(renamed) == round_agreement(rows)


def test_levels_need_not_be_consecutive():
    """Ordinal alpha depends on the order of levels, not on their numbers: 1-5 renumbered 10, 20, ..."""
    rows = [Score(s.submission, s.theme, s.reviewer, None if s.level is None else s.level * 10)
            for s in example_rows()]
    assert round(round_agreement(rows).overall.alpha, 3) == 0.815


def test_per_theme_and_overall():
    perfect = [Score(f"s{i}", "Recognition", r, 1 + i % 4) for i in range(6) for r in ("x", "y", "z")]
    result = round_agreement(example_rows() + perfect)
    assert list(result.by_theme) == ["Recognition", "Visibility"]
    assert result.by_theme["Recognition"] == Agreement(1.0, 6, 18)
    assert round(result.by_theme["Visibility"].alpha, 3) == 0.815
    assert (result.overall.items, result.overall.pairable) == (17, 58)
    assert 0.815 < result.overall.alpha < 1


@pytest.mark.parametrize("rows, reason", [
    ([], "no submission was scored by two or more reviewers"),
    ([("s1", "t", "x", 2), ("s2", "t", "x", 3)], "no submission was scored by two or more reviewers"),
    ([("s1", "t", "x", 2), ("s1", "t", "y", 3), ("s2", "t", "x", 3)], "only 1 submission"),
    ([("s1", "t", "x", 2), ("s1", "t", "y", 2), ("s2", "t", "x", 2), ("s2", "t", "y", 2)], "no variation"),
    ([("s1", "t", "x", 2), ("s1", "t", "y", None), ("s2", "t", "x", 3), ("s2", "t", "y", None)],
     "no submission was scored by two or more reviewers"),
])
def test_degenerate_data_gives_none_with_a_reason(rows, reason):
    result = round_agreement(rows)
    assert result.overall.alpha is None
    assert reason in result.overall.reason
    assert result.overall.reading == "not computed"


def test_an_unscored_theme_is_missing_not_a_value():
    rows = example_rows()
    with_gaps = rows + [Score("unit-12", "Visibility", "A", None), Score("unit-01", "Visibility", "C", None)]
    assert round_agreement(with_gaps) == round_agreement(rows)


def test_contradictory_or_malformed_rows_are_refused():
    with pytest.raises(ValueError, match="two different levels"):
        round_agreement([("s1", "t", "x", 2), ("s1", "t", "x", 3)])
    with pytest.raises(ValueError, match="whole number"):
        round_agreement([("s1", "t", "x", 2.5)])
    # the same row twice is not a contradiction
    assert round_agreement([("s1", "t", "x", 2), ("s1", "t", "x", 2)]).overall.items == 0


SCORES = st.lists(st.tuples(st.sampled_from(["s1", "s2", "s3", "s4"]), st.sampled_from(["T1", "T2"]),
                            st.sampled_from(["a", "b", "c"]), st.one_of(st.none(), st.integers(1, 4))),
                  max_size=30, unique_by=lambda row: row[:3])


@settings(deadline=None, max_examples=200)
@given(SCORES)
def test_any_scores_get_an_answer_never_an_exception(rows):
    result = round_agreement(rows)
    for agreement in [result.overall, *result.by_theme.values()]:
        assert (agreement.alpha is None) == bool(agreement.reason)
        assert agreement.pairable >= 2 * agreement.items
        if agreement.alpha is not None:
            assert agreement.items >= 2 and agreement.alpha <= 1 + 1e-12


def test_distances_from_consensus():
    scores = [("s1", "T1", "ann", 3), ("s1", "T2", "ann", 2), ("s2", "T1", "ann", 4),
              ("s1", "T1", "bob", 1), ("s1", "T2", "bob", None), ("s2", "T1", "bob", 4),
              ("s2", "T2", "cat", 3)]
    consensus = [ConsensusScore("s1", "T1", 2), ("s1", "T2", 2), ("s2", "T1", 4), ("s2", "T2", None)]
    ann, bob, cat = distances_from_consensus(scores, consensus)
    assert (ann.reviewer, ann.compared, ann.mean_absolute, ann.mean_signed) == ("ann", 3, 1 / 3, 1 / 3)
    assert (bob.reviewer, bob.compared, bob.mean_absolute, bob.mean_signed) == ("bob", 2, 0.5, -0.5)
    # cat scored only a theme without an agreed level: listed, nothing compared
    assert (cat.reviewer, cat.compared, cat.mean_absolute, cat.mean_signed) == ("cat", 0, None, None)
