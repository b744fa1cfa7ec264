"""Appendix A tagging: precision and recall against a hand-labelled set, specific texts,
frames and adoption (its speed at sector scale: bench/tagging.py)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest

from pipeline.appendix_a import ACTIVITIES
from pipeline.appendix_a_wording import RATIONALE, RULES
from pipeline.benchmarks.tagging import adoption, latest_returns, tag_frames, tag_texts
from pipeline.synthetic import VERBS

LABELLED = Path(__file__).parent / "data" / "appendix_a_labelled.csv"
MIN_PRECISION, MIN_RECALL = 0.8, 0.7


def _labelled() -> pl.DataFrame:
    return (pl.read_csv(LABELLED, schema_overrides={"text": pl.String, "theme": pl.String, "activities": pl.String,
                                                    "split": pl.String})
            .with_row_index("id").with_columns(pl.col("id").cast(pl.String)))


def _gold(lab: pl.DataFrame) -> pl.DataFrame:
    return (lab.select("id", pl.col("activities").fill_null("").str.split(";").alias("activity_id"))
            .explode("activity_id", empty_as_null=True).with_columns(pl.col("activity_id").str.strip_chars())
            .filter(pl.col("activity_id") != ""))


def _scores(lab: pl.DataFrame, by_theme: bool = False) -> tuple[float, float, int, int, int]:
    gold = _gold(lab)
    pred = tag_texts(lab.select("id", "text", "theme"), by_theme=by_theme)
    tp = pred.join(gold, on=["id", "activity_id"], how="semi").height
    return tp / max(pred.height, 1), tp / max(gold.height, 1), tp, pred.height, gold.height


def test_labelled_set_is_well_formed():
    lab = _labelled()
    assert 100 <= lab.height <= 150
    assert set(lab["split"].unique()) == {"dev", "holdout"}
    assert lab["text"].n_unique() == lab.height, "duplicate texts"
    unknown = set(_gold(lab)["activity_id"]) - set(RULES)
    assert not unknown, unknown
    themes = {a.theme.value for a in ACTIVITIES} | {"Evaluating Impact"}
    assert set(lab["theme"].drop_nulls()) <= themes
    synthetic = {f"{v}: {a.text}" for v in VERBS for a in ACTIVITIES}
    assert lab.filter(pl.col("text").is_in(list(synthetic))).height < lab.height / 4, "not just the generator's strings"


def test_precision_and_recall_against_labelled_set(capsys):
    lab = _labelled()
    lines = []
    for by_theme in (False, True):
        for split in ("dev", "holdout", None):
            part = lab if split is None else lab.filter(pl.col("split") == split)
            p, r, tp, npred, ngold = _scores(part, by_theme)
            lines.append(f"by_theme={by_theme!s:5} {split or 'all':8} n={part.height:3}  precision {p:.3f}  "
                         f"recall {r:.3f}  (tp {tp}, predicted {npred}, labelled {ngold})")
    with capsys.disabled():
        print("\nAppendix A tagging, micro-averaged over (text, activity) pairs:\n  " + "\n  ".join(lines))
    precision, recall, *_ = _scores(lab)
    assert precision >= MIN_PRECISION, f"precision {precision:.3f}"
    assert recall >= MIN_RECALL, f"recall {recall:.3f}"


@pytest.mark.parametrize(("text", "expected"), [
    ("4 well-attended Technical Managers' Forums", {"vis-network"}),
    ("Involvement with the Science Museum's Technician Exhibition", set()),
    ("Launch of pilot programme to support technicians to apply for professional registration with the Science "
     "Council", {"rec-registration-comms"}),
    ("Early scoping for a lab technician apprenticeship", {"sus-apprenticeships"}),
    ("Naming of technicians in research papers - a consistent policy regarding authorship",
     {"vis-authorship"}),
    ("Becoming a Science Council Employer Champion", {"rec-employer-champion"}),
    ("Upgrade of the campus network infrastructure", set()),
    ("New student registration system for enrolment", set()),
    ("REF impact case studies submitted for Unit of Assessment 12", set()),
    ("Student placements in industry arranged by the Careers Service", set()),
    ("TECHNICIAN APPRENTICESHIP SCHEME AND GRADUATE TECHNICIAN POSTS", {"sus-apprenticeships"}),
    ("", set()),
])
def test_specific_texts(text, expected):
    got = tag_texts(pl.DataFrame({"id": ["x"], "text": [text]}))
    assert set(got["activity_id"]) == expected


def test_appendix_a_own_wording_tags_its_activity():
    """The synthetic sector writes "Verb: <Appendix A text>": each must tag its own activity."""
    texts = pl.DataFrame({"id": [f"{a.id}#{v}" for a in ACTIVITIES for v in VERBS],
                          "text": [f"{v}: {a.text}" for a in ACTIVITIES for v in VERBS]})
    tags = tag_texts(texts).with_columns(pl.col("id").str.split("#").list.first().alias("own"))
    missing = {a.id for a in ACTIVITIES} - set(tags.filter(pl.col("own") == pl.col("activity_id"))["own"])
    assert not missing, missing


def test_rules_table_is_complete_and_readable():
    assert set(RULES) == {a.id for a in ACTIVITIES} == set(RATIONALE)
    assert all(1 <= len(p) <= 20 for p in RULES.values())


def test_tag_texts_is_vectorised_over_a_frame_with_duplicates_nulls_and_theme():
    texts = pl.DataFrame({
        "id": [1, 2, 3, 4, 5, 6],
        "text": ["Technician apprenticeship scheme", "Technician apprenticeship scheme", None,
                 "Mentoring scheme for technical staff", "Technicians' Network and an annual awards event",
                 "Mentoring scheme for technical staff"],
        "theme": ["Sustainability", "Career Development", None, "Sustainability", None, "Career Development"],
    })
    got = tag_texts(texts)
    assert got.schema == pl.Schema({"id": pl.String, "activity_id": pl.String})
    pairs = set(got.iter_rows())
    assert pairs == {("1", "sus-apprenticeships"), ("2", "sus-apprenticeships"), ("4", "car-development"),
                     ("6", "car-development"), ("5", "vis-network"), ("5", "rec-internal-awards")}
    strict = set(tag_texts(texts, by_theme=True).iter_rows())
    assert strict == pairs - {("2", "sus-apprenticeships"), ("4", "car-development")}
    assert tag_texts(texts.clear()).height == 0


def _frames():
    initiatives = pl.DataFrame({
        "submission_id": ["a|1|x", "a|1|x", "a|2|y", "b|1|z", "c|1|w"],
        "ordinal": [0, 1, 0, 0, 0],
        "phase": ["before", "since", "since", "since", "since"],
        "theme": [None, "Visibility", "Recognition", "Sustainability", None],
        "text": ["A technicians' network meeting termly", "Technician newsletter",
                 "Support for professional registration (RSciTech)", "Lab technician apprenticeship",
                 "New fume cupboards"],
    })
    actions = pl.DataFrame({
        "submission_id": ["a|2|y", "b|1|z", "b|1|z"],
        "ordinal": [0, 0, 1],
        "theme": ["Sustainability", "Recognition", "Visibility"],
        "action": ["Establish: A technician trainee/apprenticeship programme", "Nominate technicians for the Papin "
                   "Prizes", "Technician Network relaunch"],
    })
    returns = pl.DataFrame({"submission_id": ["a|1|x", "a|2|y", "b|1|z", "c|1|w"], "signatory": ["a", "a", "b", "c"],
                            "stage": [1, 2, 1, 1]})
    return SimpleNamespace(initiatives=initiatives, actions=actions, returns=returns)


def test_tag_frames_and_adoption():
    frames = _frames()
    tags = tag_frames(frames)
    assert tags.columns == ["submission_id", "source", "ordinal", "activity_id"]
    assert set(tags.iter_rows()) == {
        ("a|1|x", "initiative", 0, "vis-network"), ("a|1|x", "initiative", 1, "vis-network"),
        ("a|2|y", "initiative", 0, "rec-registration-comms"), ("b|1|z", "initiative", 0, "sus-apprenticeships"),
        ("a|2|y", "action", 0, "sus-apprenticeships"), ("b|1|z", "action", 0, "rec-external-awards"),
        ("b|1|z", "action", 1, "vis-network"),
    }
    assert latest_returns(frames.returns).sort("signatory").rows() == [("a", "a|2|y"), ("b", "b|1|z"), ("c", "c|1|w")]
    out = adoption(tags, frames.returns)
    assert out.columns[:5] == ["activity_id", "theme", "text", "signatories", "share"]
    assert out["activity_id"].to_list() == [a.id for a in ACTIVITIES]
    got = {r["activity_id"]: (r["signatories"], r["share"]) for r in out.iter_rows(named=True)}
    # a's latest return is stage 2: its stage-1 network no longer counts; b has a network action
    assert got["vis-network"] == (1, pytest.approx(1 / 3))
    assert got["sus-apprenticeships"] == (2, pytest.approx(2 / 3))  # a (action) and b (initiative), once each
    assert got["rec-registration-comms"] == (1, pytest.approx(1 / 3))
    assert got["vis-count"] == (0, 0.0)
    assert out["n"].unique().to_list() == [3]
    empty = tag_frames(SimpleNamespace(initiatives=frames.initiatives.clear(), actions=frames.actions.clear()))
    assert empty.height == 0 and empty.columns == tags.columns
    assert adoption(empty, frames.returns)["signatories"].sum() == 0
