"""Publishing counts under disclosure control: 1-4 as "<5", others rounded to the nearest 5, and
shares worked out from the rounded counts (the rules: ``pipeline.benchmarks.disclosure``)."""

from __future__ import annotations

import math
from collections.abc import Iterable

import polars as pl

SMALL = "<5"
MIN_GROUP = 5


def round_count(n: float | int | None) -> str | int | None:
    """A count as it may be published: None → None, 0 → 0, 0 < n < 5 → "<5", else the nearest
    multiple of 5 (halves up, which only non-integer counts can hit: 7.5 → 10)."""
    if n is None or (isinstance(n, float) and math.isnan(n)):
        return None
    if n < 0:
        raise ValueError(f"a count cannot be negative: {n}")
    if n == 0:
        return 0
    if n < MIN_GROUP:
        return SMALL
    return int(math.floor(n / 5 + 0.5) * 5)


def _rounded(col: str | pl.Expr) -> pl.Expr:
    c = pl.col(col) if isinstance(col, str) else col
    return ((c.cast(pl.Float64) / 5 + 0.5).floor() * 5).cast(pl.Int64)


def _count_display(col: str) -> pl.Expr:
    c = pl.col(col)
    return (pl.when(c.is_null()).then(pl.lit(None, dtype=pl.String))
            .when(c == 0).then(pl.lit("0"))
            .when(c < MIN_GROUP).then(pl.lit(SMALL))
            .otherwise(_rounded(c).cast(pl.String)))


def rounded_share(numerator: str, denominator: str) -> pl.Expr:
    """numerator / denominator worked out from the rounded counts, so that it cannot undo their
    rounding (OpenSAFELY); null where the numerator is 1-4 or the denominator under 5 (or either
    unknown), 0 where the numerator is 0."""
    num, den = pl.col(numerator), pl.col(denominator)
    return (pl.when(num.is_null() | den.is_null() | (den < MIN_GROUP) | ((num > 0) & (num < MIN_GROUP)))
            .then(pl.lit(None, dtype=pl.Float64))
            .when(num == 0).then(pl.lit(0.0))
            .otherwise(_rounded(num) / _rounded(den)))


def apply_to_counts(frame: pl.DataFrame, columns: Iterable[str], *, exact: pl.Expr | None = None) -> pl.DataFrame:
    """Replace each count column by its published form, as a String column ("0", "<5", "10", …).

    Columns already String are left alone (already disclosed). ``exact`` (a boolean expression)
    marks rows that keep their exact value, as text — the viewer's own rows (or, in a column of
    metric values, the values that are no counts); only the other rows must not be negative.
    """
    exprs = []
    for col in columns:
        if col not in frame.columns or frame.schema[col] == pl.String:
            continue
        if not frame.schema[col].is_numeric():
            raise TypeError(f"count column {col!r} is {frame.schema[col]}, not numeric")
        low = (frame if exact is None else frame.filter(~exact.fill_null(False)))[col].min()
        if low is not None and low < 0:
            raise ValueError(f"count column {col!r} has a negative value ({low})")
        shown = _count_display(col)
        if exact is not None:
            whole = pl.col(col).cast(pl.Int64, strict=False)
            own = pl.when(pl.col(col) == whole).then(whole.cast(pl.String)).otherwise(pl.col(col).cast(pl.String))
            shown = pl.when(exact).then(own).otherwise(shown)
        exprs.append(shown.alias(col))
    return frame.with_columns(exprs) if exprs else frame
