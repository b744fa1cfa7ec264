"""Every catalogue metric for every latest valid return, computed in one vectorised pass.

:func:`metric_values` aggregates each child table once per submission (``group_by``), joins the
aggregates onto the returns, computes one column per metric, and unpivots to the long form every
benchmark reads: ``signatory, stage, submission_id, metric, value``. The definitions, units and
null rules are in :mod:`pipeline.benchmarks.catalogue`; this module computes exactly those. The
HESA metrics take their figures from :func:`pipeline.benchmarks.hesa_reconciliation.reconcile`, so
the year matched and the "not reported" rule are the reconciliation's.
"""

from __future__ import annotations

import polars as pl

from pipeline.benchmarks import hesa_reconciliation
from pipeline.benchmarks.catalogue import IDS, register_key, theme_key
from pipeline.benchmarks.frames import Frames
from pipeline.schema import CORE_THEMES, DatePrecision, Register, Theme

KEYS = ("signatory", "stage", "submission_id")
SCHEMA = pl.Schema({"signatory": pl.String, "stage": pl.Int64, "submission_id": pl.String,
                    "metric": pl.String, "value": pl.Float64})
DEADLINE_SCHEMA = {"signatory": pl.String, "stage": pl.Int64, "due": pl.Date}


def _nonblank(column: str) -> pl.Expr:
    """True when a text column holds something other than whitespace (False for null)."""
    return pl.col(column).str.strip_chars().str.len_chars().fill_null(0) > 0


def _per_100(numerator: pl.Expr) -> pl.Expr:
    """100 × numerator / headcount, null unless the headcount is positive."""
    return pl.when(pl.col("headcount") > 0).then(100.0 * numerator / pl.col("headcount"))


def _flag(condition: pl.Expr) -> pl.Expr:
    return pl.when(condition).then(100.0).otherwise(0.0)


def _returns(frames: Frames) -> pl.DataFrame:
    return frames.returns.select(
        pl.col("submission_id").cast(pl.String),
        pl.col("signatory").cast(pl.String),
        pl.col("stage").cast(pl.Int64),
        pl.col("submission_date").cast(pl.Date),
        pl.col("headcount").cast(pl.Float64),
        pl.col("fte").cast(pl.Float64),
        "technician_voice", "published_url",
        "lead_signoff_name", pl.col("lead_signoff_date").cast(pl.Date),
        "head_signoff_name", pl.col("head_signoff_date").cast(pl.Date),
        pl.col("plan_horizon_months").cast(pl.Int64),
    ).with_columns(
        # add_months semantics: same day N months later, clipped to the month's end
        horizon_end=pl.col("submission_date").dt.offset_by(pl.format("{}mo", pl.col("plan_horizon_months"))),
    )


def _stated(frame: pl.DataFrame) -> list[pl.Expr]:
    """Theme and due as the institution stated them: values techbench inferred (``theme_inferred``,
    ``due_inferred``) are nulled, so no metric counts them as the plan's own."""
    out = []
    for flag, columns in (("theme_inferred", ("theme",)), ("due_inferred", ("due_precision", "due_end"))):
        if flag in frame.columns:
            out += [pl.when(pl.col(flag).fill_null(False)).then(None).otherwise(pl.col(c)).alias(c) for c in columns]
    return out


def _action_counts(frames: Frames, returns: pl.DataFrame) -> pl.DataFrame:
    dated = pl.col("due_end").is_not_null() & pl.col("due_precision").ne_missing(DatePrecision.ONGOING.value)
    smart = _nonblank("owner") & dated & _nonblank("evidence")
    inside = dated & (pl.col("due_end") >= pl.col("submission_date")) & (pl.col("due_end") <= pl.col("horizon_end"))
    return (
        frames.actions.lazy()
        .with_columns(_stated(frames.actions))
        .select(pl.col("submission_id").cast(pl.String), "theme", "owner", "due_precision",
                pl.col("due_end").cast(pl.Date), "evidence")
        .join(returns.lazy().select("submission_id", "submission_date", "horizon_end"), on="submission_id",
              how="left")
        .group_by("submission_id")
        .agg(
            pl.len().alias("n_actions"),
            *[(pl.col("theme") == t.value).sum().alias(f"n_actions_{theme_key(t)}") for t in Theme],
            smart.sum().alias("n_smart"),
            dated.sum().alias("n_dated"),
            inside.fill_null(False).sum().alias("n_inside"),
        )
        .collect()
    )


def _registration_counts(frames: Frames) -> pl.DataFrame:
    count = pl.col("count").cast(pl.Float64)
    return (
        frames.registrations.lazy()
        .group_by(pl.col("submission_id").cast(pl.String))
        .agg(
            count.sum().alias("n_registered"),
            *[count.filter(pl.col("register") == r.value).sum().alias(f"n_registered_{register_key(r)}")
              for r in Register],
        )
        .collect()
    )


def _initiative_counts(frames: Frames) -> pl.DataFrame:
    return (
        frames.initiatives.lazy()
        .filter(pl.col("phase") == "since")
        .group_by(pl.col("submission_id").cast(pl.String))
        .agg(
            pl.len().alias("n_since"),
            *[(pl.col("theme") == t.value).sum().alias(f"n_since_{theme_key(t)}") for t in CORE_THEMES],
        )
        .collect()
    )


def _hesa_figures(frames: Frames) -> pl.DataFrame:
    """Each return's HESA total staff and ratio, as the reconciliation matches them (its year rule,
    its "not reported"): null wherever its flag is no band, so no metric is made from a missing figure."""
    compared = pl.col("flag").is_in(hesa_reconciliation.BANDS)
    return hesa_reconciliation.reconcile(frames.returns, frames.signatories, frames.hesa).select(
        "signatory", "stage",
        pl.when(compared).then(pl.col("total_staff")).cast(pl.Float64).alias("hesa_total_staff"),
        pl.when(compared).then(pl.col("ratio")).alias("hesa_ratio"))


def _deadlines(deadlines: pl.DataFrame | None) -> pl.DataFrame:
    if deadlines is None:
        return pl.DataFrame(schema=DEADLINE_SCHEMA)
    d = deadlines.select(pl.col("signatory").cast(pl.String), pl.col("stage").cast(pl.Int64),
                         pl.col("due").cast(pl.Date))
    if d.select(pl.struct("signatory", "stage").is_duplicated().any()).item():
        raise ValueError("deadlines must have at most one row per signatory and stage")
    return d


def _wide(frames: Frames, deadlines: pl.DataFrame | None) -> pl.DataFrame:
    """One row per return, one column per metric (plus the keys)."""
    returns = _returns(frames)
    if returns.select(pl.struct("signatory", "stage").is_duplicated().any()).item():
        raise ValueError("returns must hold one latest valid submission per signatory and stage")
    actions = _action_counts(frames, returns)
    registrations = _registration_counts(frames)
    initiatives = _initiative_counts(frames)

    counts = [c for frame in (actions, registrations, initiatives) for c in frame.columns if c != "submission_id"]
    base = (
        returns.lazy()
        .join(actions.lazy(), on="submission_id", how="left")
        .join(registrations.lazy(), on="submission_id", how="left")
        .join(initiatives.lazy(), on="submission_id", how="left")
        .join(_deadlines(deadlines).lazy(), on=["signatory", "stage"], how="left")
        .join(_hesa_figures(frames).lazy(), on=["signatory", "stage"], how="left")
        .with_columns(pl.col(counts).cast(pl.Float64).fill_null(0.0))
    )

    url = _flag(_nonblank("published_url"))
    voice = _flag(_nonblank("technician_voice"))
    signed = _flag(_nonblank("lead_signoff_name") & pl.col("lead_signoff_date").is_not_null()
                   & _nonblank("head_signoff_name") & pl.col("head_signoff_date").is_not_null())
    metric = {
        "headcount": pl.col("headcount"),
        "fte": pl.col("fte"),
        "registrations_per_100": _per_100(pl.col("n_registered")),
        **{f"registrations_per_100_{register_key(r)}": _per_100(pl.col(f"n_registered_{register_key(r)}"))
           for r in Register},
        "actions": pl.col("n_actions"),
        **{f"actions_{theme_key(t)}": pl.col(f"n_actions_{theme_key(t)}") for t in Theme},
        "actions_per_100": _per_100(pl.col("n_actions")),
        "themes_covered": pl.sum_horizontal([(pl.col(f"n_actions_{theme_key(t)}") > 0).cast(pl.Float64)
                                             for t in CORE_THEMES]),
        "smart_share": pl.when(pl.col("n_actions") > 0).then(100.0 * pl.col("n_smart") / pl.col("n_actions")),
        "due_in_horizon_share": pl.when((pl.col("n_dated") > 0) & pl.col("horizon_end").is_not_null())
                                  .then(100.0 * pl.col("n_inside") / pl.col("n_dated")),
        "initiatives_since": pl.col("n_since"),
        **{f"initiatives_since_{theme_key(t)}": pl.col(f"n_since_{theme_key(t)}") for t in CORE_THEMES},
        "url_published": url,
        "voice_evidenced": voice,
        "both_signoffs": signed,
        "compliance_score": (url + voice + signed) / 3.0,
        "technicians_per_100_staff": pl.when(pl.col("hesa_total_staff") > 0)
                                       .then(100.0 * pl.col("headcount") / pl.col("hesa_total_staff")),
        "hesa_proxy_ratio": pl.col("hesa_ratio"),
        "timeliness_days": (pl.col("due") - pl.col("submission_date")).dt.total_days().cast(pl.Float64),
    }
    wide = base.select(*KEYS, **{k: v.cast(pl.Float64) for k, v in metric.items()})

    previous = wide.select("signatory", (pl.col("stage") + 1).alias("stage"),
                           pl.col("headcount").alias("prev_headcount"),
                           pl.col("registrations_per_100").alias("prev_registrations_per_100"))
    wide = (
        wide.join(previous, on=["signatory", "stage"], how="left")
        .with_columns(
            headcount_change_pct=pl.when(pl.col("prev_headcount") > 0)
                .then(100.0 * (pl.col("headcount") - pl.col("prev_headcount")) / pl.col("prev_headcount")),
            registrations_per_100_change=pl.col("registrations_per_100") - pl.col("prev_registrations_per_100"),
        )
        .drop("prev_headcount", "prev_registrations_per_100")
        .collect()
    )
    missing = set(IDS) - set(wide.columns)
    extra = set(wide.columns) - set(IDS) - set(KEYS)
    if missing or extra:  # pragma: no cover - catalogue and computation out of step
        raise AssertionError(f"metrics not computed: {sorted(missing)}; not in the catalogue: {sorted(extra)}")
    return wide


def wide_values(frames: Frames, deadlines: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per latest valid return, sorted by signatory and stage: the keys and one Float64
    column per catalogue metric (``deadlines`` as in :func:`metric_values`)."""
    return _wide(frames, deadlines).sort("signatory", "stage")


def long_values(wide: pl.DataFrame, *, change: bool = False) -> pl.DataFrame:
    """The long form of :func:`wide_values` (columns ``SCHEMA``, sorted by signatory, stage,
    metric). ``change=True`` adds ``change``: the value minus the same signatory's value at stage
    − 1, as :func:`pipeline.benchmarks.lineage.signatory_trends` defines it, computed here on the
    wide form (one join of returns rather than of returns × metrics)."""
    ids = sorted(IDS)
    n, k = wide.height, len(ids)
    long = wide.select(ids).unpivot(on=ids, variable_name="metric", value_name="value")
    if change:
        before = wide.select("signatory", (pl.col("stage") + 1).alias("stage"), *ids)
        joined = wide.select("signatory", "stage", *ids).join(before, on=["signatory", "stage"], how="left",
                                                             suffix="_before", maintain_order="left")
        long = long.hstack(joined.select([pl.col(m).fill_nan(None) - pl.col(f"{m}_before").fill_nan(None) for m in ids])
                           .unpivot(on=ids, value_name="change").get_column("change").to_frame())
    # unpivot stacks metric by metric (row j of the i-th id lands at i × n + j); gathering it
    # return by return, ids in sorted order, gives the required order without sorting the long
    # frame (returns × metrics rows) on strings, and without a slow 34-way concat_list.
    i = pl.int_range(0, n * k, eager=True, dtype=pl.Int64)
    order = (i % k) * n + i // k
    out = wide.select(KEYS)[i // k].hstack(long[order])
    return out.select(*[pl.col(name).cast(dtype) for name, dtype in SCHEMA.items()],
                      *([pl.col("change").cast(pl.Float64)] if change else []))


def metric_values(frames: Frames, deadlines: pl.DataFrame | None = None) -> pl.DataFrame:
    """Every catalogue metric for every latest valid (signatory, stage): columns ``signatory``,
    ``stage``, ``submission_id``, ``metric``, ``value`` (Float64, null where not computable), sorted
    by signatory, stage, metric.

    ``deadlines`` (columns ``signatory``, ``stage``, ``due``) gives each stage's deadline; without
    it ``timeliness_days`` is null.
    """
    return long_values(wide_values(frames, deadlines))


LATEST = pl.col("stage") == pl.col("stage").max().over("signatory")
"""True on the rows of each signatory's latest (highest) stage."""


def latest_values(values: pl.DataFrame) -> pl.DataFrame:
    """The rows of each signatory's latest (highest) stage only; same columns and order. Works on
    the long form and on :func:`wide_values` alike."""
    return values.filter(LATEST)


__all__ = ["KEYS", "SCHEMA", "latest_values", "long_values", "metric_values", "wide_values"]
