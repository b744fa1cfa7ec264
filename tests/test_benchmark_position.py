"""Peer groups and positions (pipeline/benchmarks/groups.py, position.py), on fixtures computed by hand."""

from __future__ import annotations

import math
from fractions import Fraction

import polars as pl
import pytest

from pipeline.benchmarks.groups import MIN_GROUP_SIZE, SIZE_BANDS, peer_groups, size_band
from pipeline.benchmarks.position import (
    MIN_VALUES_FOR_STATS,
    OUTPUT_SCHEMA,
    QUINTILE_LABELS,
    median_ci_ranks,
    positions,
)


# --- peer groups -----------------------------------------------------------------------------------------

def register(rows: list[tuple]) -> pl.DataFrame:
    """A register frame shaped like ``Frames.signatories`` (only the columns peer_groups reads, plus name)."""
    return pl.DataFrame(
        rows,
        schema={"slug": pl.String, "type": pl.String, "nation": pl.String,
                "mission_group": pl.String, "peer_groups": pl.List(pl.String)},
        orient="row",
    ).with_columns(pl.col("slug").alias("name"))


# 12 signatories. Counts by group (groups of fewer than 5 members are not reported):
#   type:        university s01–s08 = 8 (reported); research institute s09–s12 = 4 (NOT reported)
#   nation:      England s01–s07 = 7; Scotland s08–s12 = 5 (exactly MIN_GROUP_SIZE: reported)
#   mission:     Russell Group s01–s05 = 5 (reported); GuildHE s06–s09 = 4 (NOT reported); s10–s12 none
#   custom:      Northern Partnership s03, s04, s08, s10, s11, s12 = 6 (s03 lists it twice, counted once;
#                s11 writes it with spaces around); Tiny Club s01, s02 = 2 (NOT reported)
#   size:        s01–s06 headcounts 5, 20, 40, 60, 80, 99 → small = 6 (99 is still "under 100");
#                s08 100 (medium), s09 250 (medium), s10 300 (large), s11 650 (very large) → 2, 1, 1: not reported;
#                s07 has a null headcount and s12 no headcount row → no size group
REGISTER_12 = register([
    ("s01", "university", "England", "Russell Group", ["Tiny Club"]),
    ("s02", "university", "England", "Russell Group", ["Tiny Club"]),
    ("s03", "university", "England", "Russell Group", ["Northern Partnership", "Northern Partnership"]),
    ("s04", "university", "England", "Russell Group", ["Northern Partnership"]),
    ("s05", "university", "England", "Russell Group", []),
    ("s06", "university", "England", "GuildHE", []),
    ("s07", "university", "England", "GuildHE", []),
    ("s08", "university", "Scotland", "GuildHE", ["Northern Partnership"]),
    ("s09", "research institute", "Scotland", "GuildHE", []),
    ("s10", "research institute", "Scotland", None, ["Northern Partnership"]),
    ("s11", "research institute", "Scotland", None, [" Northern Partnership "]),
    ("s12", "research institute", "Scotland", None, ["Northern Partnership"]),
])
HEADCOUNTS_12 = pl.DataFrame(
    {"signatory": ["s01", "s02", "s03", "s04", "s05", "s06", "s07", "s08", "s09", "s10", "s11"],
     "headcount": [5, 20, 40, 60, 80, 99, None, 100, 250, 300, 650]},
    schema={"signatory": pl.String, "headcount": pl.Int64},
)


def members_of(membership: pl.DataFrame, group_id: str) -> list[str]:
    return sorted(membership.filter(pl.col("group_id") == group_id)["signatory"].to_list())


def test_peer_groups_of_a_12_signatory_register():
    groups, membership = peer_groups(REGISTER_12, HEADCOUNTS_12)
    assert groups.columns == ["group_id", "kind", "label", "members"]
    assert membership.columns == ["group_id", "signatory"]
    assert groups.rows() == [
        ("all", "all", "All signatories", 12),
        ("type:university", "type", "Universities", 8),
        ("nation:England", "nation", "England", 7),
        ("nation:Scotland", "nation", "Scotland", 5),
        ("size:small", "size", "Small (under 100 technicians)", 6),
        ("mission:Russell Group", "mission", "Russell Group", 5),
        ("custom:Northern Partnership", "custom", "Northern Partnership", 6),
    ]
    # groups of 4 (research institutes, GuildHE), 2 (Tiny Club, medium) and 1 are left out of both frames
    for dropped in ("type:research institute", "mission:GuildHE", "custom:Tiny Club", "size:medium", "size:large"):
        assert dropped not in membership["group_id"].to_list()
    assert members_of(membership, "custom:Northern Partnership") == ["s03", "s04", "s08", "s10", "s11", "s12"]
    assert members_of(membership, "size:small") == ["s01", "s02", "s03", "s04", "s05", "s06"]
    assert members_of(membership, "nation:Scotland") == ["s08", "s09", "s10", "s11", "s12"]
    assert members_of(membership, "all") == [f"s{i:02d}" for i in range(1, 13)]
    # membership and groups agree, one row per (group, signatory)
    counts = membership.group_by("group_id").len()
    assert dict(counts.rows()) == dict(groups.select("group_id", "members").rows())
    assert membership.is_duplicated().sum() == 0
    # s07 (null headcount) and s12 (no headcount row) are in no size group
    sized = membership.filter(pl.col("group_id").str.starts_with("size:"))["signatory"].to_list()
    assert "s07" not in sized and "s12" not in sized
    assert MIN_GROUP_SIZE == 5


def test_nation_and_region_peer_groups_come_from_the_register():
    # 6 in the North West (one written with spaces around), 4 in Scotland's "Central Belt" (too few),
    # 2 English with a blank region and 1 with none: no region group for those three.
    regions = ["North West"] * 5 + [" North West "] + ["Central Belt"] * 4 + ["", "  ", None]
    nations = ["England"] * 6 + ["Scotland"] * 4 + ["England"] * 3
    reg = pl.DataFrame({"slug": [f"r{i:02d}" for i in range(13)], "type": ["university"] * 13, "nation": nations,
                        "region": regions, "mission_group": [None] * 13, "peer_groups": [[]] * 13},
                       schema_overrides={"mission_group": pl.String, "peer_groups": pl.List(pl.String)})
    groups, membership = peer_groups(reg, pl.DataFrame(schema={"signatory": pl.String, "headcount": pl.Int64}))
    by_id = {g: (kind, label, n) for g, kind, label, n in groups.rows()}
    assert by_id["nation:England"] == ("nation", "England", 9)
    assert "nation:Scotland" not in by_id  # 4 members: never shown
    assert by_id["region:North West"] == ("region", "North West", 6)
    assert "region:Central Belt" not in by_id and not any(g in ("region:", "region:  ") for g in by_id)
    assert members_of(membership, "region:North West") == [f"r{i:02d}" for i in range(6)]
    assert [k for k in groups["kind"].unique(maintain_order=True)] == ["all", "type", "nation", "region"]
    # a register without a region column (before the register gains it) simply has no region groups
    groups, _ = peer_groups(reg.drop("region"), pl.DataFrame(schema={"signatory": pl.String, "headcount": pl.Int64}))
    assert not groups.filter(pl.col("kind") == "region").height


def test_size_bands_at_their_boundaries():
    assert [b[0] for b in SIZE_BANDS] == ["small", "medium", "large", "very large"]
    headcounts = [0, 1, 98, 99, 100, 101, 298, 299, 300, 301, 598, 599, 600, 601, 783, 5000, None, -1]
    expected = ["small"] * 4 + ["medium"] * 4 + ["large"] * 4 + ["very large"] * 4 + [None, None]
    got = pl.DataFrame({"h": headcounts}).select(size_band(pl.col("h")))
    assert got.to_series().to_list() == expected
    # headcounts arrive as Float64 metric values too
    got = pl.DataFrame({"h": headcounts}, schema={"h": pl.Float64}).select(size_band(pl.col("h")))
    assert got.to_series().to_list() == expected


def test_size_groups_each_reported_with_their_boundary_members():
    # 5 signatories per band, the band's boundaries among them (99|100, 299|300, 599|600), all reported
    heads = {"small": [0, 10, 50, 98, 99], "medium": [100, 101, 200, 298, 299],
             "large": [300, 301, 450, 598, 599], "very large": [600, 601, 783, 1000, 5000]}
    slugs, counts = [], []
    for band, values in heads.items():
        for h in values:
            slugs.append(f"{band.replace(' ', '-')}-{h}")
            counts.append(h)
    reg = register([(s, "university", "England", None, []) for s in slugs])
    groups, membership = peer_groups(reg, pl.DataFrame({"signatory": slugs, "headcount": counts}))
    size = groups.filter(pl.col("kind") == "size")
    assert size.rows() == [
        ("size:small", "size", "Small (under 100 technicians)", 5),
        ("size:medium", "size", "Medium (100–299 technicians)", 5),
        ("size:large", "size", "Large (300–599 technicians)", 5),
        ("size:very large", "size", "Very large (600 or more technicians)", 5),
    ]
    assert "small-99" in members_of(membership, "size:small")
    assert "medium-100" in members_of(membership, "size:medium")
    assert "medium-299" in members_of(membership, "size:medium")
    assert "large-300" in members_of(membership, "size:large")
    assert "large-599" in members_of(membership, "size:large")
    assert "very-large-600" in members_of(membership, "size:very large")


def test_peer_groups_refuses_two_headcounts_for_one_signatory():
    headcounts = pl.DataFrame({"signatory": ["s01", "s01"], "headcount": [10, 20]})
    with pytest.raises(ValueError, match="s01"):
        peer_groups(REGISTER_12, headcounts)


# --- positions -------------------------------------------------------------------------------------------

def one_group(values: list[float | None], metric: str = "m", group: str = "g") -> tuple[pl.DataFrame, pl.DataFrame]:
    """Signatories a01, a02, … with the given values, all in one group."""
    slugs = [f"a{i:02d}" for i in range(1, len(values) + 1)]
    vals = pl.DataFrame({"signatory": slugs, "metric": [metric] * len(values), "value": values},
                        schema={"signatory": pl.String, "metric": pl.String, "value": pl.Float64})
    return vals, pl.DataFrame({"group_id": [group] * len(slugs), "signatory": slugs})


def by_signatory(out: pl.DataFrame, column: str) -> dict[str, object]:
    return dict(out.select("signatory", column).rows())


def test_output_columns_and_one_row_per_signatory_metric_group():
    vals, members = one_group([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    # a second group holding a01–a05 only, and a second metric
    members = pl.concat([members, pl.DataFrame({"group_id": ["h"] * 5, "signatory": [f"a{i:02d}" for i in range(1, 6)]})])
    vals = pl.concat([vals, vals.with_columns(pl.lit("k").alias("metric"), pl.col("value") * 10)])
    out = positions(vals, members)
    assert out.schema == pl.Schema(OUTPUT_SCHEMA)
    assert out.columns[:17] == ["signatory", "metric", "group_id", "value", "n", "median", "q1", "q3",
                                "median_low", "median_high", "ci_level", "quintile", "quintile_label",
                                "diff", "diff_low", "diff_high", "wording"]
    # (6 signatories in g + 5 in h) × 2 metrics
    assert out.height == (6 + 5) * 2
    assert out.select("signatory", "metric", "group_id").is_duplicated().sum() == 0
    # g, metric m: 1..6 → median (3 + 4)/2 = 3.5; h, metric m: 1..5 → median 3
    g = out.filter((pl.col("metric") == "m") & (pl.col("group_id") == "g"))
    h = out.filter((pl.col("metric") == "m") & (pl.col("group_id") == "h"))
    assert set(g["median"].to_list()) == {3.5} and set(g["n"].to_list()) == {6}
    assert set(h["median"].to_list()) == {3.0} and set(h["n"].to_list()) == {5}


def test_median_and_quartiles_of_a_known_list():
    # sorted x = 1, 2, 4, 7, 11, 16, 22, 29 (n = 8; steps 1, 2, 3, 4, 5, 6, 7), given out of order
    vals, members = one_group([16, 1, 29, 7, 2, 22, 11, 4])
    out = positions(vals, members)
    row = out.row(0, named=True)
    assert row["n"] == 8
    # median: (x4 + x5)/2 = (7 + 11)/2 = 9
    assert row["median"] == 9.0
    # q1: h = 1 + (8 - 1)·0.25 = 2.75 → x2 + 0.75·(x3 − x2) = 2 + 0.75·2 = 3.5
    assert row["q1"] == pytest.approx(3.5)
    # q3: h = 1 + (8 - 1)·0.75 = 6.25 → x6 + 0.25·(x7 − x6) = 16 + 0.25·6 = 17.5
    assert row["q3"] == pytest.approx(17.5)
    # odd n: 1, 1, 2, 3, 4, 5, 9 → median x4 = 3; q1 h = 2.5 → 1 + 0.5·(2 − 1) = 1.5; q3 h = 5.5 → 4 + 0.5·1 = 4.5
    row = positions(*one_group([3, 1, 4, 1, 5, 9, 2])).row(0, named=True)
    assert (row["median"], row["q1"], row["q3"]) == (3.0, 1.5, 4.5)


def binomial_ranks(n: int) -> tuple[int, int, Fraction]:
    """Independent reference: exact binomial CDF with math.comb and fractions."""
    def cdf(j: int) -> Fraction:  # P(B ≤ j), B ~ Binomial(n, 1/2)
        return Fraction(sum(math.comb(n, i) for i in range(j + 1)), 2 ** n)
    qualifying = [k for k in range(1, n + 1) if cdf(k - 1) <= Fraction(25, 1000)]
    low = max(qualifying) if qualifying else 1
    return low, n + 1 - low, 1 - 2 * cdf(low - 1)


def test_order_statistic_ranks_for_n_5_10_20():
    # n = 5:  P(B ≤ 0) = C(5,0)/2^5 = 1/32 = 0.03125 > 0.025 → no rank qualifies, take l = 1, u = 5;
    #         coverage 1 − 2/32 = 0.9375
    assert median_ci_ranks(5) == (1, 5, pytest.approx(0.9375))
    # n = 10: P(B ≤ 1) = (1 + 10)/1024 = 0.0107 ≤ 0.025; P(B ≤ 2) = (1 + 10 + 45)/1024 = 0.0547 > 0.025
    #         → l − 1 = 1, l = 2, u = 10 + 1 − 2 = 9; coverage 1 − 2·11/1024 = 0.978515625
    assert median_ci_ranks(10) == (2, 9, pytest.approx(1 - 2 * 11 / 1024))
    # n = 20: P(B ≤ 5) = (1 + 20 + 190 + 1140 + 4845 + 15504)/2^20 = 21700/1048576 = 0.0207 ≤ 0.025;
    #         P(B ≤ 6) = (21700 + 38760)/1048576 = 0.0577 > 0.025 → l = 6, u = 15; coverage 1 − 2·0.0207 = 0.9586
    assert median_ci_ranks(20) == (6, 15, pytest.approx(1 - 2 * 21700 / 2 ** 20))
    for n in (5, 10, 20):
        low, high, coverage = binomial_ranks(n)
        assert median_ci_ranks(n) == (low, high, pytest.approx(float(coverage)))


def test_order_statistic_ranks_match_the_exact_binomial_for_n_up_to_300():
    for n in range(1, 301):
        low, high, coverage = binomial_ranks(n)
        assert median_ci_ranks(n) == (low, high, pytest.approx(float(coverage), abs=1e-12)), n
        if n >= 6:
            assert coverage >= Fraction(95, 100)


def test_confidence_interval_uses_those_order_statistics():
    # n = 10, x = 10, 20, …, 100: ranks (2, 9) → [20, 90]
    out = positions(*one_group([10.0 * i for i in range(1, 11)]))
    assert set(out["median_low"].to_list()) == {20.0} and set(out["median_high"].to_list()) == {90.0}
    # n = 20, x = 1 … 20: ranks (6, 15) → [6, 15]
    out = positions(*one_group([float(i) for i in range(1, 21)]))
    assert set(out["median_low"].to_list()) == {6.0} and set(out["median_high"].to_list()) == {15.0}
    # n = 5, x = 1 … 5: ranks (1, 5) → [min, max] = [1, 5], coverage 93.75 %
    out = positions(*one_group([5.0, 3.0, 1.0, 2.0, 4.0]))
    assert set(out["median_low"].to_list()) == {1.0} and set(out["median_high"].to_list()) == {5.0}
    assert set(out["ci_level"].to_list()) == {0.9375}


def test_wording_in_all_three_cases_and_the_difference_interval():
    # x = 10, 20, …, 100 (n = 10): median (50 + 60)/2 = 55; CI ranks (2, 9) → [20, 90]
    out = positions(*one_group([10.0 * i for i in range(1, 11)]))
    wording = by_signatory(out, "wording")
    assert wording["a10"] == "materially above"   # 100 > 90
    assert wording["a01"] == "materially below"   # 10 < 20
    assert wording["a05"] == "broadly in line"    # 20 ≤ 50 ≤ 90
    assert wording["a02"] == "broadly in line"    # 20 on the lower bound: not strictly below
    assert wording["a09"] == "broadly in line"    # 90 on the upper bound: not strictly above
    top = out.filter(pl.col("signatory") == "a10").row(0, named=True)
    # diff = 100 − 55 = 45; diff_low = 100 − 90 = 10; diff_high = 100 − 20 = 80 (interval excludes 0 → above)
    assert (top["diff"], top["diff_low"], top["diff_high"]) == (45.0, 10.0, 80.0)
    bottom = out.filter(pl.col("signatory") == "a01").row(0, named=True)
    # diff = 10 − 55 = −45; diff_low = 10 − 90 = −80; diff_high = 10 − 20 = −10
    assert (bottom["diff"], bottom["diff_low"], bottom["diff_high"]) == (-45.0, -80.0, -10.0)


def test_with_fewer_than_9_values_nobody_is_materially_different():
    # n = 8: P(B ≤ 0) = 1/256 ≤ 0.025 but P(B ≤ 1) = 9/256 = 0.035 > 0.025 → ranks (1, 8) = [min, max],
    # and every member (itself included) lies within its group's [min, max]
    out = positions(*one_group([1, 2, 3, 4, 5, 6, 7, 1000]))
    assert set(out["wording"].to_list()) == {"broadly in line"}
    # n = 9: P(B ≤ 1) = 10/512 = 0.0195 ≤ 0.025 → ranks (2, 8): the maximum 1000 > x8 = 8 is above
    out = positions(*one_group([1, 2, 3, 4, 5, 6, 7, 8, 1000]))
    assert by_signatory(out, "wording")["a09"] == "materially above"


def test_quintile_labels_at_the_extremes():
    assert QUINTILE_LABELS == {5: "very high", 4: "high", 3: "medium", 2: "low", 1: "very low"}
    # x = 1 … 10: p = (r − ½)/10, 5p = (r − ½)/2 → r 1: 0.25, 2: 0.75 → 1; 3: 1.25, 4: 1.75 → 2; …; 9: 4.25, 10: 4.75 → 5
    out = positions(*one_group([float(i) for i in range(1, 11)]))
    assert [by_signatory(out, "quintile")[f"a{i:02d}"] for i in range(1, 11)] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    labels = by_signatory(out, "quintile_label")
    assert labels["a01"] == "very low" and labels["a10"] == "very high" and labels["a05"] == "medium"
    # n = 5: 5p = 5(r − ½)/5 = 0.5, 1.5, 2.5, 3.5, 4.5 → 1 … 5: the minimum "very low", the maximum "very high"
    out = positions(*one_group([50.0, 10.0, 30.0, 20.0, 40.0]))
    assert by_signatory(out, "quintile") == {"a01": 5, "a02": 1, "a03": 3, "a04": 2, "a05": 4}
    # n = 7: 5p = 5(r − ½)/7 = 0.36, 1.07, 1.79, 2.5, 3.21, 3.93, 4.64 → 1, 2, 2, 3, 4, 4, 5 (symmetric)
    out = positions(*one_group([float(i) for i in range(1, 8)]))
    assert [by_signatory(out, "quintile")[f"a{i:02d}"] for i in range(1, 8)] == [1, 2, 2, 3, 4, 4, 5]


def test_quintiles_with_ties():
    # all equal (n = 6): average rank (1 + … + 6)/6 = 3.5, p = 3/6 = ½, 5p = 2.5 → 3 "medium"; value = median
    out = positions(*one_group([7.0] * 6))
    assert set(out["quintile_label"].to_list()) == {"medium"}
    assert set(out["wording"].to_list()) == {"broadly in line"}
    assert set(out["diff"].to_list()) == {0.0}
    # 1, 1, 3, 4, 5: the two 1s share ranks 1, 2 → average 1.5; p = 1/5; 5p = 1 exactly, on the 1|2 boundary
    # → the quintile nearer the middle, 2 "low" (never split: tied values always share a quintile)
    out = positions(*one_group([1.0, 1.0, 3.0, 4.0, 5.0]))
    assert by_signatory(out, "quintile_label") == {"a01": "low", "a02": "low", "a03": "medium", "a04": "high",
                                                   "a05": "very high"}
    # mirror: 1, 2, 3, 5, 5: the 5s share ranks 4, 5 → 4.5; p = 4/5; 5p = 4 on the 4|5 boundary → 4 "high"
    out = positions(*one_group([1.0, 2.0, 3.0, 5.0, 5.0]))
    assert by_signatory(out, "quintile_label") == {"a01": "very low", "a02": "low", "a03": "medium", "a04": "high",
                                                   "a05": "high"}
    # 1, 2, 3, 4, 5, 5, 7, 8, 9, 10: the 5s share ranks 5, 6 → 5.5; p = 5/10; 5p = 2.5 → 3 "medium"
    out = positions(*one_group([1.0, 2.0, 3.0, 4.0, 5.0, 5.0, 7.0, 8.0, 9.0, 10.0]))
    assert by_signatory(out, "quintile")["a05"] == by_signatory(out, "quintile")["a06"] == 3


def test_null_values_get_no_position_and_do_not_count():
    # a03 null and a06 NaN: the group's values are 2, 4, 8, 16, 32 (n = 5), median 8
    vals, members = one_group([2.0, 4.0, None, 8.0, 16.0, float("nan"), 32.0])
    out = positions(vals, members)
    assert sorted(out["signatory"].to_list()) == ["a01", "a02", "a04", "a05", "a07"]
    assert set(out["n"].to_list()) == {5}
    assert set(out["median"].to_list()) == {8.0}
    # quintiles of 2, 4, 8, 16, 32 with n = 5: 1 … 5 (nulls are not ranked)
    assert by_signatory(out, "quintile") == {"a01": 1, "a02": 2, "a04": 3, "a05": 4, "a07": 5}


def test_a_metric_with_fewer_than_5_values_in_a_group_gets_no_statistics():
    assert MIN_VALUES_FOR_STATS == 5
    # a group of 6 members, only 4 of whom reported the metric
    vals, members = one_group([3.0, None, 1.0, None, 4.0, 2.0])
    out = positions(vals, members)
    assert out.height == 4 and set(out["n"].to_list()) == {4}
    assert out["value"].null_count() == 0
    for column in ("median", "q1", "q3", "median_low", "median_high", "ci_level", "quintile", "quintile_label",
                   "diff", "diff_low", "diff_high", "wording"):
        assert out[column].null_count() == 4, column


def test_directions_mark_favourable_differences():
    vals, members = one_group([10.0 * i for i in range(1, 11)])
    vals = pl.concat([vals, vals.with_columns(pl.lit("vacancies").alias("metric")),
                      vals.with_columns(pl.lit("other").alias("metric"))])
    out = positions(vals, members, {"m": "higher", "vacancies": "lower", "other": "neither"})
    fav = {(r["signatory"], r["metric"]): r["favourable"] for r in out.iter_rows(named=True)}
    assert fav[("a10", "m")] is True and fav[("a01", "m")] is False and fav[("a05", "m")] is None
    assert fav[("a10", "vacancies")] is False and fav[("a01", "vacancies")] is True
    assert fav[("a10", "other")] is None
    # the quintile still describes the value (5 = highest) whatever the direction
    assert out.filter((pl.col("signatory") == "a10") & (pl.col("metric") == "vacancies"))["quintile"].item() == 5
    with pytest.raises(ValueError, match="direction"):
        positions(vals, members, {"m": "up"})


def test_duplicate_values_are_refused_and_empty_input_gives_an_empty_frame():
    vals, members = one_group([1.0, 2.0, 3.0, 4.0, 5.0])
    with pytest.raises(ValueError, match="a01"):
        positions(pl.concat([vals, vals.head(1)]), members)
    out = positions(vals.head(0), members)
    assert out.height == 0 and out.schema == pl.Schema(OUTPUT_SCHEMA)


def test_groups_and_positions_together():
    groups, membership = peer_groups(REGISTER_12, HEADCOUNTS_12)
    # value = the signatory's number (s01 → 1 … s12 → 12)
    vals = pl.DataFrame({"signatory": [f"s{i:02d}" for i in range(1, 13)], "metric": "m",
                         "value": [float(i) for i in range(1, 13)]})
    out = positions(vals, membership)
    # s12 is in: all, nation:Scotland, custom:Northern Partnership (not size: no headcount; not type: group of 4)
    assert sorted(out.filter(pl.col("signatory") == "s12")["group_id"].to_list()) == [
        "all", "custom:Northern Partnership", "nation:Scotland"]
    # Scotland = s08 … s12 → 8, 9, 10, 11, 12: median 10; Northern Partnership = 3, 4, 8, 10, 11, 12 → (8 + 10)/2 = 9
    medians = dict(out.filter(pl.col("signatory") == "s12").select("group_id", "median").rows())
    assert medians == {"all": 6.5, "nation:Scotland": 10.0, "custom:Northern Partnership": 9.0}
    # all (n = 12): P(B ≤ 2) = (1 + 12 + 66)/4096 = 0.0193 ≤ 0.025, P(B ≤ 3) = 299/4096 = 0.073 → ranks (3, 10)
    # → [3, 10]: s12 (12) is materially above, s01 (1) materially below
    everyone = out.filter(pl.col("group_id") == "all")
    assert set(everyone["median_low"].to_list()) == {3.0} and set(everyone["median_high"].to_list()) == {10.0}
    assert by_signatory(everyone, "wording")["s12"] == "materially above"
    assert by_signatory(everyone, "wording")["s01"] == "materially below"
