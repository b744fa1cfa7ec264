"""Position: where each signatory stands in each of its peer groups, measure by measure.

**In plain English.** For every measure (for example, the share of technicians with a
professional registration) and every peer group a signatory belongs to, we line up the values
of all the group's members that reported the measure — the signatory itself included, as the
Knowledge Exchange Framework (KEF) includes each university in its own cluster, so that everyone
in a group is compared with the same middle value.

- The **median** is the middle of that line-up: half of the group is above it, half below. The
  **quartiles** mark the middle half of the group: a quarter of the values lie below the lower
  quartile, a quarter above the upper quartile.
- The **quintile** cuts the line-up into five equal fifths and names them as KEF does: the top
  fifth is "very high", then "high", "medium", "low", and the bottom fifth "very low". The words
  describe the value, not whether it is good: a "very high" share of vacant posts is still a high
  value. Signatories with the same value share the same place in the line-up, so they always get
  the same quintile; a group where everyone reports the same value is "medium" throughout.
- The **difference from the median** says how far a signatory is from the middle of its group.
  But the median of a small group is uncertain: with a few other members it would have come out
  differently. So we also work out a range that, 95 times out of 100, contains the middle value
  of the kind of organisation the group stands for. As the Office for Students does with its
  benchmarks, we say a signatory is **"materially above"** or **"materially below"** its group
  only when its value lies outside that range; otherwise it is **"broadly in line"**. The range
  is wide for small groups: with fewer than 9 values it runs from the lowest value to the
  highest, so nobody in such a group is called materially above or below — there are too few
  values to say so honestly.
- Groups with fewer than 5 members are never shown (see Peer groups). When fewer than 5 of a
  group's members reported a measure, we show the signatory's own value but no median, quintile,
  range or wording for it in that group. A missing value is left out: it is neither placed nor
  counted in the group's figures.

**Technically.** For a measure *m* and a peer group *g*, let x₍₁₎ ≤ … ≤ x₍ₙ₎ be the non-null
values of *m* of the members of *g* (NaN counts as null), including the value v of the signatory
being placed. Every statistic below is null when n < `MIN_VALUES_FOR_STATS` = 5.

- `median` = x₍₍ₙ₊₁₎/₂₎ for odd n, (x₍ₙ/₂₎ + x₍ₙ/₂₊₁₎)/2 for even n.
- `q1`, `q3` = Q(0.25), Q(0.75), linear interpolation between order statistics (Hyndman & Fan
  type 7; numpy's default, Excel's QUARTILE.INC): Q(p) = x₍ⱼ₎ + (h − j)(x₍ⱼ₊₁₎ − x₍ⱼ₎) with
  h = 1 + (n − 1)p and j = ⌊h⌋. Q(0.5) is the median.
- `median_low`, `median_high`: a distribution-free 95% confidence interval for the median M of
  the population the group's values come from, from order statistics (binomial ranks). The
  number B of values below M is Binomial(n, ½), so P(x₍ₗ₎ ≤ M ≤ x₍ᵤ₎) = 1 − 2·P(B ≤ l − 1) for
  u = n + 1 − l, where P(B ≤ j) = Σᵢ₌₀ʲ C(n, i)/2ⁿ. We take the narrowest such interval with
  coverage ≥ 95%: l = max{k ≥ 1 : P(B ≤ k − 1) ≤ 0.025}, u = n + 1 − l, and
  [`median_low`, `median_high`] = [x₍ₗ₎, x₍ᵤ₎]. For n = 5 no k qualifies (P(B ≤ 0) = 1/32 >
  0.025), so l = 1, u = 5: [min, max], covering 1 − 2/32 = 93.75%. `ci_level` gives the exact
  coverage 1 − 2·P(B ≤ l − 1). Examples: n = 5 → ranks (1, 5), 93.75%; n = 10 → (2, 9), 97.85%;
  n = 20 → (6, 15), 95.86%; n = 100 → (40, 61), 96.48%. l = 1 for every n ≤ 8, and the signatory
  is in its own group (x₍₁₎ ≤ v ≤ x₍ₙ₎), so below n = 9 the wording is always "broadly in line".
  The interval assumes only that the values are exchangeable draws from a continuous
  distribution; unlike a bootstrap it is exact and needs no random numbers. The ranks depend only
  on n and are tabulated once per distinct n in log space:
  P(B = i) = exp(Σⱼ₌₁ⁱ log((n − j + 1)/j) − n·log 2).
- `diff` = v − median, with the interval [`diff_low`, `diff_high`] = [v − x₍ᵤ₎, v − x₍ₗ₎].
- `wording` = "materially above" if v > x₍ᵤ₎ (`diff_low` > 0), "materially below" if v < x₍ₗ₎
  (`diff_high` < 0), otherwise "broadly in line": a material difference only when the
  interval for the difference excludes 0.
- `quintile`: r = average rank of v among x₍₁₎ … x₍ₙ₎ (tied values get the mean of the ranks they
  span, so ties always share a quintile); p = (r − ½)/n (Hazen's plotting position, symmetric:
  the r-th lowest and the r-th highest value get quintiles q and 6 − q); quintile = ⌊5p⌋ + 1,
  from 1 to 5, 5 holding the highest values. 5p = 5(2r − 1)/(2n) is a whole number only when
  ties make 2r − 1 even; a value on such a boundary goes to the quintile nearer the middle (5p if
  5p ≥ 3, else 5p + 1). All values tied: r = (n + 1)/2, p = ½, quintile 3.
  `quintile_label`: 5 "very high", 4 "high", 3 "medium", 2 "low", 1 "very low".
- `direction` (from the metric catalogue): "higher" or "lower" is better, or "neither".
  `favourable` is true for "materially above" on a higher-is-better measure or "materially
  below" on a lower-is-better one, false for the opposite, otherwise null. Quintiles and wording
  describe the value itself (5 = highest values) whatever the direction.

The computation is vectorised: one join of the values with group membership, one `group_by` for
the group statistics (keeping each group's sorted values as a list to pick x₍ₗ₎ and x₍ᵤ₎), a
window rank for the quintiles, and one join back. No Python loop runs over signatories or groups.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import polars as pl

from pipeline.benchmarks.catalogue import DIRECTIONS

MIN_VALUES_FOR_STATS = 5
"""Fewer non-null values than this in a group for a measure: no statistics, quintile or wording."""

CONFIDENCE = 0.95
"""Minimum coverage of the median's confidence interval (when n allows it; see ``median_ci_ranks``)."""

QUINTILE_LABELS = {5: "very high", 4: "high", 3: "medium", 2: "low", 1: "very low"}
ABOVE, IN_LINE, BELOW = "materially above", "broadly in line", "materially below"

OUTPUT_SCHEMA = {
    "signatory": pl.String,
    "metric": pl.String,
    "group_id": pl.String,
    "value": pl.Float64,
    "n": pl.Int64,
    "median": pl.Float64,
    "q1": pl.Float64,
    "q3": pl.Float64,
    "median_low": pl.Float64,
    "median_high": pl.Float64,
    "ci_level": pl.Float64,
    "quintile": pl.Int8,
    "quintile_label": pl.String,
    "diff": pl.Float64,
    "diff_low": pl.Float64,
    "diff_high": pl.Float64,
    "wording": pl.String,
    "direction": pl.String,
    "favourable": pl.Boolean,
}


@lru_cache(maxsize=4096)
def median_ci_ranks(n: int, confidence: float = CONFIDENCE) -> tuple[int, int, float]:
    """1-based ranks ``(l, u)`` of the order statistics bounding the median's confidence interval, and its coverage.

    l = max{k ≥ 1 : P(B ≤ k − 1) ≤ (1 − confidence)/2} with B ~ Binomial(n, ½), or 1 when no
    k qualifies; u = n + 1 − l; coverage = 1 − 2·P(B ≤ l − 1).
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    tail = (1 - confidence) / 2
    i = np.arange(1, n // 2 + 1, dtype=np.float64)
    log_pmf = np.concatenate(([0.0], np.cumsum(np.log(n - i + 1) - np.log(i)))) - n * math.log(2)
    cdf = np.cumsum(np.exp(log_pmf))  # cdf[j] = P(B ≤ j), j = 0 … ⌊n/2⌋
    # cdf is increasing and cdf[⌊n/2⌋] ≥ ½ > tail: the number of j with P(B ≤ j) ≤ tail is the
    # largest k with P(B ≤ k − 1) ≤ tail (k − 1 = that count − 1).
    lower = max(int(np.searchsorted(cdf, tail, side="right")), 1)
    return lower, n + 1 - lower, float(1 - 2 * cdf[lower - 1])


def _ranks_table(ns: pl.Series) -> pl.DataFrame:
    distinct = ns.unique().drop_nulls().sort().to_list()  # one entry per distinct group size
    rows = [median_ci_ranks(int(n)) for n in distinct]
    return pl.DataFrame(
        {
            "n": distinct,
            "_l": [r[0] for r in rows],
            "_u": [r[1] for r in rows],
            "ci_level": [r[2] for r in rows],
        },
        schema={"n": pl.Int64, "_l": pl.Int64, "_u": pl.Int64, "ci_level": pl.Float64},
    )


def _quintile(rank: pl.Expr, n: pl.Expr) -> pl.Expr:
    """Quintile 1..5 from an average rank and a group size, in integer arithmetic (see the module doc)."""
    twice_rank_minus_one = ((rank * 2).round(0).cast(pl.Int64) - 1)  # 2r − 1, whole for average ranks
    numerator = twice_rank_minus_one * 5  # 5p = numerator / (2n)
    floor = numerator // (n * 2)
    on_boundary = (numerator % (n * 2)) == 0
    return (floor + 1 - (on_boundary & (floor >= 3)).cast(pl.Int64)).clip(1, 5).cast(pl.Int8)


def positions(
    values: pl.DataFrame, membership: pl.DataFrame, directions: dict[str, str] | None = None
) -> pl.DataFrame:
    """Each signatory's position in each of its peer groups, for each measure.

    ``values``: ``signatory, metric, value`` (one row per signatory and metric; null or NaN
    values allowed, and ignored). ``membership``: ``group_id, signatory`` (from
    :func:`pipeline.benchmarks.groups.peer_groups`). ``directions``: optional metric →
    "higher" | "lower" | "neither" (which way is better; the catalogue's ``direction``).

    One row per (signatory, metric, group the signatory belongs to) with a non-null value;
    columns as ``OUTPUT_SCHEMA``, sorted by signatory, metric, group_id. Method: module docstring.
    """
    directions = directions or {}
    unknown = sorted({d for d in directions.values() if d not in DIRECTIONS})
    if unknown:
        raise ValueError(f"unknown direction(s) {unknown}: use one of {', '.join(DIRECTIONS)}")

    vals = values.select(
        pl.col("signatory").cast(pl.String),
        pl.col("metric").cast(pl.String),
        pl.col("value").cast(pl.Float64).fill_nan(None),
    )
    if vals.select(pl.struct("signatory", "metric").is_duplicated().any()).item():
        dup = vals.filter(pl.struct("signatory", "metric").is_duplicated()).row(0)
        raise ValueError(f"values has more than one row for signatory {dup[0]!r}, metric {dup[1]!r}")
    # Sorting the inputs (values by signatory and metric, members by signatory and group) and
    # joining in that order gives the output order without sorting returns × groups rows.
    vals = vals.filter(pl.col("value").is_not_null() & pl.col("metric").is_not_null()).sort("signatory", "metric")
    members = (membership.select(pl.col("group_id").cast(pl.String), pl.col("signatory").cast(pl.String))
               .unique().sort("signatory", "group_id"))

    keys = ["group_id", "metric"]
    long = vals.join(members, on="signatory", how="inner", maintain_order="left_right")

    stats = long.group_by(keys).agg(
        pl.len().cast(pl.Int64).alias("n"),
        pl.col("value").median().alias("median"),
        pl.col("value").quantile(0.25, interpolation="linear").alias("q1"),
        pl.col("value").quantile(0.75, interpolation="linear").alias("q3"),
        pl.col("value").sort().alias("_sorted"),
    )
    enough = pl.col("n") >= MIN_VALUES_FOR_STATS
    stats = (
        stats.join(_ranks_table(stats["n"]), on="n", how="left")
        .with_columns(
            pl.col("_sorted").list.get(pl.col("_l") - 1).alias("median_low"),
            pl.col("_sorted").list.get(pl.col("_u") - 1).alias("median_high"),
        )
        .with_columns(
            *[pl.when(enough).then(pl.col(c)).alias(c) for c in ("median", "q1", "q3", "median_low", "median_high", "ci_level")]
        )
        .drop("_sorted", "_l", "_u")
    )

    value = pl.col("value")
    wording = (
        pl.when(pl.col("median_low").is_null()).then(pl.lit(None, dtype=pl.String))
        .when(value > pl.col("median_high")).then(pl.lit(ABOVE))
        .when(value < pl.col("median_low")).then(pl.lit(BELOW))
        .otherwise(pl.lit(IN_LINE))
    )
    direction = pl.col("metric").replace_strict(directions, default=None, return_dtype=pl.String) if directions \
        else pl.lit(None, dtype=pl.String)
    favourable = (
        pl.when(pl.col("direction") == "higher").then(
            pl.when(pl.col("wording") == ABOVE).then(True).when(pl.col("wording") == BELOW).then(False))
        .when(pl.col("direction") == "lower").then(
            pl.when(pl.col("wording") == BELOW).then(True).when(pl.col("wording") == ABOVE).then(False))
        .otherwise(pl.lit(None, dtype=pl.Boolean))
    )

    out = (
        long.lazy()
        .with_columns(pl.col("value").rank("average").over(keys).alias("_rank"))
        .join(stats.lazy(), on=keys, how="left", maintain_order="left")
        .with_columns(
            pl.when(enough).then(_quintile(pl.col("_rank"), pl.col("n"))).alias("quintile"),
            (value - pl.col("median")).alias("diff"),
            (value - pl.col("median_high")).alias("diff_low"),
            (value - pl.col("median_low")).alias("diff_high"),
            wording.alias("wording"),
            direction.alias("direction"),
        )
        .with_columns(
            pl.col("quintile").replace_strict(QUINTILE_LABELS, default=None, return_dtype=pl.String).alias("quintile_label"),
            favourable.alias("favourable"),
        )
        .select(list(OUTPUT_SCHEMA))
        .cast(OUTPUT_SCHEMA)
        .collect()
    )
    return out
