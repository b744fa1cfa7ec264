"""The peer review rubric: techbench's default says it is ours, and a steering group's own file is checked."""

from __future__ import annotations

import pytest

from pipeline.review.rubric import DEFAULT_RUBRIC, RUBRIC_VARIABLE, RubricError, load_rubric, rubric_path
from pipeline.schema import Theme


def test_the_default_rubric_scores_every_theme_and_the_technician_voice_on_four_worded_levels():
    rubric = load_rubric(DEFAULT_RUBRIC)
    assert "techbench" in rubric.source and "publishes none" in rubric.source  # ours, not the programme's
    assert rubric.levels == (1, 2, 3, 4) and all(s.label and s.descriptor for s in rubric.scale)
    assert [t.label for t in rubric.themes] == [t.value for t in Theme] + ["Technician voice"]
    assert rubric.narrative == ("strengths", "areas to develop") and rubric.show_others == "after_own"
    assert rubric.outcomes == ("accepted", "accepted with recommendations", "revise and resubmit")
    assert rubric.level(3).label == "Established"
    with pytest.raises(KeyError, match="not a level"):
        rubric.level(5)


def test_a_steering_group_s_own_rubric_is_used_when_named(tmp_path, monkeypatch):
    own = tmp_path / "rubric.yaml"
    own.write_text(DEFAULT_RUBRIC.read_text().replace("show_others: after_own", "show_others: never")
                   .replace("source: techbench's default rubric (the Technician Commitment publishes none)",
                            "source: Steering group rubric, 2027"))
    monkeypatch.setenv(RUBRIC_VARIABLE, str(own))
    assert rubric_path() == own
    rubric = load_rubric()
    assert (rubric.source, rubric.show_others) == ("Steering group rubric, 2027", "never")


@pytest.mark.parametrize("change, problem", [
    (("show_others: after_own", "show_others: sometimes"), "show_others"),
    (("  - level: 2\n", "  - level: 1\n"), "increasing order"),
    (("  - id: recognition\n", "  - id: visibility\n"), "visibility repeated"),
    (("  - revise and resubmit\n", "  - revise and resubmit\n  - accepted\n"), "accepted repeated"),
    (("    label: Emerging\n", ""), "scale.1.label"),
    (("themes:\n", "themes:\n  - id: Bad Id\n    label: x\n    descriptor: y\n"), "themes.0.id"),
])
def test_a_bad_rubric_is_refused_naming_the_place(tmp_path, change, problem):
    bad = tmp_path / "rubric.yaml"
    bad.write_text(DEFAULT_RUBRIC.read_text().replace(*change, 1))
    with pytest.raises(RubricError, match=problem) as caught:
        load_rubric(bad)
    assert str(bad) in str(caught.value)


def test_a_broken_or_missing_file_says_where(tmp_path):
    broken = tmp_path / "rubric.yaml"
    broken.write_text("scale: [1, 2\nthemes: x\n")
    with pytest.raises(RubricError, match="line 2"):
        load_rubric(broken)
    with pytest.raises(RubricError, match="cannot be read"):
        load_rubric(tmp_path / "missing.yaml")
