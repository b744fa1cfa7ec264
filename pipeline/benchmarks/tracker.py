"""Submission tracker: when each signatory's return for each stage is due, and where it stands.

In plain English
----------------
**What the programme publishes.** Stage 3 deadlines are set by signing "phase": six phases, each
with the month its signatories signed and the month their Stage 3 is due (phase 1: signed May 2017,
Stage 3 due January 2024; 2: Sep 2017, Apr 2024; 3: Apr 2018, Sep 2024; 4: Nov 2018, Jan 2025;
5: Jun 2019, Sep 2025; 6: Dec 2019, Jan 2026; ``pipeline/config/stage3_phases.csv``, with its
source). Returns are handed in at two **submission windows** a year, **31 January** and **31 July**.
An institution may be granted **one extension, ever**: it then submits at the next window.

**Which phase a signatory is in.** The phase whose signing month is the first at or after the
signatory's own: signing in June 2017 puts a signatory in phase 2 (September 2017), as does any
month from June to September 2017; signing before May 2017 puts it in phase 1. This is techbench's
reading of the table (the programme publishes no rule): signatories were announced in batches, so
a signatory that signed between two phases' months joined the next batch, and it never gets less
time from signing to Stage 3 than the phase's own members. Signatories that signed after
December 2019 are in no published phase.

**When each stage falls due.** Published: Stage 3 of a signatory in phases 1-6. Everything else is
**computed**, from the programme's description of its cycle: Stage 1 12-18 months after signing
(due 18 months after); Stage 2 about two years later (24 months after Stage 1 arrived, or after its
deadline if it never did, so that a late Stage 1 is not counted late again); Stage 3 of later
signatories 24 months after Stage 2 in the same way; Stages 4, 5, ... every two years after the
stage before. (Stage 3 asks for a 36-month plan; the programme's pages say nothing of when Stage 4
falls, and the two-year step is techbench's assumption.) Each row says which: "published phase N"
or "computed".

**The deadline** is the submission window on or after the month the stage falls due (a stage
falling due in April 2024 is due at the 31 July 2024 window; in January 2024, at 31 January 2024).
An extension moves it to the next window (31 January -> 31 July -> 31 January). A stage "opens"
the day after the window before its deadline, i.e. when its deadline becomes the next window (our
own convention, for the "due" status; the programme defines no opening).

**Unknown signing dates.** A deadline needs the signing month. When the register gives only the
year, or no date, techbench works a deadline out only if every month the signatory could have
signed in gives the same one (e.g. a Stage 2 that follows a Stage 1 that has arrived); otherwise
the row says "due date unknown: signing month not stated" (or "signing date not stated") and has
no deadline: nothing is guessed.

Each stage is then shown as one of:

* **submitted** - an accepted return has arrived; the date shown is the first accepted return's
  arrival, and "days late" says how many days after the deadline it came (0 if on time).
* **rejected** - returns arrived for the stage but none passed validation yet.
* **not yet due** - nothing has arrived and the stage has not opened.
* **due** - nothing has arrived, the stage is open and its deadline (the day itself included) has
  not passed.
* **overdue** - nothing has arrived and the deadline has passed.
* **due date unknown** - nothing has arrived and there is no deadline (see above).

**Extensions** are recorded by the steering group (``techbench extension grant`` or the tracker
page; ``pipeline.programme.calendar.grant_extension``) in the audit trail, the one record of them; the
tracker reads them from there at every pipeline run. A stage's extension does not move the
stages after it (they follow the arrival, or the deadline as the programme set it).

Technically
-----------
Inputs: ``signatories`` (``slug``, ``signed`` Date or null, ``signed_precision`` in {day, month,
year} or null: not stated; a frame without ``signed_precision`` is read as day-precise),
``submissions`` (``submission_id``, ``signatory``, ``stage``, ``status`` in {accepted, rejected},
``received_at``; every version, as in ``Frames.submissions``), ``phases``
(``pipeline.programme.calendar.phases_frame``) and ``extensions`` (``pipeline.programme.calendar.extensions``: the first
grant per signatory in the audit trail; ``signatory``, ``stage``). Months are added with polars
``dt.offset_by("Nmo")``.

* Arrival date of a submission = ``received_at`` converted to Europe/London and truncated to
  the day (a naive timestamp is taken as UK local time; a Date column is used as is).
* ``actual(k)`` = arrival date of the first accepted submission of stage k (earliest
  ``received_at``, ties broken by ``submission_id``).
* Every date below is worked out twice, from the earliest and the latest month the signatory can
  have signed in (the signing month when precision is day or month; January and December of the
  year for year precision; null when not stated). A value is known only where both agree.
* ``phase`` = the first phase with ``phase_signed >= signing month`` (an as-of join, forward);
  null after the last phase.
* ``window(d)`` = 31 January of d's year if d is in January; 31 July if February-July; 31 January
  of the next year if August-December.
* ``falls_due(1) = signing month + 18 months``; ``falls_due(k) = basis(k-1) + 24 months`` for
  k >= 2, except ``falls_due(3) = stage3_due`` of the phase when the phase is known and published;
  ``basis(k) = actual(k)`` if present, else ``window(falls_due(k))``. ``falls_due`` is shown as
  its month (the first day).
* ``due_basis`` = "published phase N" for such a Stage 3; "computed" for any other known date;
  "due date unknown: signing month not stated" (year precision) or "due date unknown: signing
  date not stated" (no date) when the two workings disagree or are null.
* ``due = window(falls_due)``, or ``window(falls_due)`` + 6 months with an extension for (signatory,
  stage), when ``extended_from = window(falls_due)``. ``window_opens = window(falls_due) - 6
  months + 1 day``.
* Stages listed per signatory: 1..N with N = max(3, highest stage among its submissions,
  accepted or rejected).
* ``status``: "submitted" if an accepted submission exists for (signatory, stage); else
  "rejected" if any submission exists; else "due date unknown" if ``due`` is null; "not yet due"
  if ``today < window_opens``; "due" if ``window_opens <= today <= due``; "overdue" if
  ``today > due``.
* ``submitted_at`` = ``actual(k)``, ``submission_id`` = that first accepted submission (the one
  that met or missed the deadline; the latest valid version may be a later one);
  ``days_late = max(0, submitted_at - due)`` in days, null unless status is "submitted" and
  ``due`` is known.
* Submissions of slugs not in the register are ignored.
* :func:`apply_extensions` moves the deadline of rows with an extension not yet applied; the
  dashboard and ``techbench tracker`` use it to show an extension granted since the last pipeline
  run on the published tracker, marked as such.

Output stages are Int64 (the dtype of ``pipeline.benchmarks.metrics``); rows are sorted by
signatory and stage.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipeline.programme.calendar import EXTENSION_SCHEMA, load_phases, next_window, phases_frame, window_on_or_after

STAGE1_DUE_MONTHS = 18  # Stage 1 falls due this long after signing (the programme's 12-18 months)
CYCLE_MONTHS = 24       # each later stage falls due this long after the previous one's basis
MIN_STAGES = 3          # every signatory is tracked for Stages 1-3 at least
UK_TIME_ZONE = "Europe/London"
UNKNOWN_MONTH = "due date unknown: signing month not stated"
UNKNOWN_DATE = "due date unknown: signing date not stated"
COMPUTED = "computed"

STATUSES = ("not yet due", "due", "overdue", "submitted", "rejected", "due date unknown")

DEADLINE_SCHEMA = {"signatory": pl.String, "stage": pl.Int64, "due_basis": pl.String, "falls_due": pl.Date,
                   "window_opens": pl.Date, "due": pl.Date, "extended_from": pl.Date}
TRACKER_SCHEMA = {**DEADLINE_SCHEMA, "status": pl.String, "submitted_at": pl.Date, "submission_id": pl.String,
                  "days_late": pl.Int64}
SIDES = ("lo", "hi")  # the earliest and the latest month the signatory can have signed in


def _arrival_day(frame: pl.DataFrame) -> pl.Expr:
    """``received_at`` as a UK calendar day."""
    dtype = frame.schema["received_at"]
    col = pl.col("received_at")
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is not None:
            col = col.dt.convert_time_zone(UK_TIME_ZONE)
        return col.dt.date()
    return col.cast(pl.Date)


def _per_stage(submissions: pl.DataFrame) -> pl.DataFrame:
    """One row per (signatory, stage) with submissions: how many, and the first accepted one."""
    subs = submissions.select(
        pl.col("signatory").cast(pl.String),
        pl.col("stage").cast(pl.Int64),
        pl.col("submission_id").cast(pl.String),
        accepted=pl.col("status") == "accepted",
        received_at=pl.col("received_at"),
        arrived=_arrival_day(submissions),
    ).filter(pl.col("stage").is_not_null()).sort("received_at", "submission_id")
    # group_by keeps the frame's order within each group, so first() is the earliest
    return subs.group_by("signatory", "stage").agg(
        n_submissions=pl.len(),
        first_accepted=pl.col("submission_id").filter(pl.col("accepted")).first(),
        submitted_at=pl.col("arrived").filter(pl.col("accepted")).first(),
    )


def _months(expr: pl.Expr, months: int) -> pl.Expr:
    return expr.dt.offset_by(f"{months}mo")


def _signing(signatories: pl.DataFrame, phases: pl.DataFrame) -> pl.DataFrame:
    """Per signatory: the earliest and latest signing month (``signed_lo``/``_hi``), the phase of each
    (``phase_lo``/``_hi``, with its ``stage3_due_*``) and the label for an unknown date."""
    precision = (pl.col("signed_precision").cast(pl.String) if "signed_precision" in signatories.columns
                 else pl.when(pl.col("signed").is_not_null()).then(pl.lit("day")))
    month = pl.col("signed").cast(pl.Date).dt.truncate("1mo")
    base = signatories.select(
        pl.col("slug").cast(pl.String).alias("signatory"),
        signed_lo=pl.when(precision == "year").then(month.dt.truncate("1y"))
        .when(precision.is_in(["day", "month"])).then(month),
        signed_hi=pl.when(precision == "year").then(_months(month.dt.truncate("1y"), 11))
        .when(precision.is_in(["day", "month"])).then(month),
        unknown=pl.when(precision == "year").then(pl.lit(UNKNOWN_MONTH)).otherwise(pl.lit(UNKNOWN_DATE)),
    )
    table = phases.sort("phase_signed")
    for side in SIDES:
        key = f"signed_{side}"
        dated = base.filter(pl.col(key).is_not_null()).sort(key)
        matched = dated.join_asof(table, left_on=key, right_on="phase_signed", strategy="forward").select(
            "signatory", pl.col("phase").alias(f"phase_{side}"), pl.col("stage3_due").alias(f"stage3_due_{side}"))
        base = base.join(matched, on="signatory", how="left")
    return base


def _deadlines(signatories: pl.DataFrame, per_stage: pl.DataFrame, phases: pl.DataFrame,
               extensions: pl.DataFrame) -> pl.DataFrame:
    base = (
        _signing(signatories, phases)
        .join(per_stage.group_by("signatory").agg(highest=pl.col("stage").max()), on="signatory", how="left")
        .with_columns(n_stages=pl.max_horizontal(pl.lit(MIN_STAGES, pl.Int64), pl.col("highest").fill_null(0)),
                      published=pl.col("phase_lo").eq_missing(pl.col("phase_hi")) & pl.col("phase_lo").is_not_null())
    )
    actual = per_stage.filter(pl.col("submitted_at").is_not_null()).select("signatory", "stage", "submitted_at")
    extended = extensions.select(pl.col("signatory").cast(pl.String), pl.col("stage").cast(pl.Int64),
                                 extension=pl.lit(True)).unique(["signatory", "stage"])
    max_stage = int(base["n_stages"].max() or MIN_STAGES)
    current = base
    out: list[pl.DataFrame] = []
    for k in range(1, max_stage + 1):
        falls = {}
        for side in SIDES:
            if k == 1:
                falls[side] = _months(pl.col(f"signed_{side}"), STAGE1_DUE_MONTHS)
            else:
                falls[side] = _months(pl.col(f"basis_{side}"), CYCLE_MONTHS)
            if k == 3:
                falls[side] = pl.when(pl.col(f"phase_{side}").is_not_null()).then(pl.col(f"stage3_due_{side}")) \
                    .otherwise(falls[side])
        # Stage 3 is known only if the phase is: the same published one, or after the table for sure
        after = pl.col("signed_lo").is_not_null() & pl.col("phase_lo").is_null()
        agree = (pl.col("falls_lo") == pl.col("falls_hi")) & (pl.lit(k != 3) | pl.col("published") | after)
        current = (
            current.filter(pl.col("n_stages") >= k)
            .with_columns(stage=pl.lit(k, pl.Int64), **{f"falls_{s}": falls[s].dt.truncate("1mo") for s in SIDES})
            .drop("submitted_at", strict=False)
            .join(actual.filter(pl.col("stage") == k).drop("stage"), on="signatory", how="left")
            .with_columns(**{f"basis_{s}": pl.coalesce("submitted_at", window_on_or_after(pl.col(f"falls_{s}")))
                             for s in SIDES})
            .with_columns(falls_due=pl.when(agree).then(pl.col("falls_lo")))
            .with_columns(
                due_basis=pl.when(pl.col("falls_due").is_null()).then(pl.col("unknown"))
                .when(pl.lit(k == 3) & pl.col("published"))
                .then(pl.format("published phase {}", pl.col("phase_lo")))
                .otherwise(pl.lit(COMPUTED)),
                due=window_on_or_after(pl.col("falls_due")),
                extended_from=pl.lit(None, pl.Date),
            )
            .with_columns(window_opens=_months(pl.col("due"), -6).dt.offset_by("1d"))
        )
        out.append(current.select(list(DEADLINE_SCHEMA)))
    rows = pl.concat(out).cast(DEADLINE_SCHEMA)  # type: ignore[arg-type]
    moved = _move(rows.join(extended, on=["signatory", "stage"], how="left"))
    return moved.select(list(DEADLINE_SCHEMA)).sort("signatory", "stage")


def _move(rows: pl.DataFrame) -> pl.DataFrame:
    """Rows whose ``extension`` is true and not yet applied get the next window; ``moved`` marks them."""
    moved = pl.col("extension").fill_null(False) & pl.col("extended_from").is_null() & pl.col("due").is_not_null()
    return rows.with_columns(moved=moved).with_columns(
        extended_from=pl.when(pl.col("moved")).then(pl.col("due")).otherwise(pl.col("extended_from")),
        due=pl.when(pl.col("moved")).then(next_window(pl.col("due"))).otherwise(pl.col("due")),
    )


def _restate(today: dt.date) -> dict[str, pl.Expr]:
    """``status`` and ``days_late`` from the dates, on rows whose status is "submitted", "rejected" or
    to be worked out (any other value, or null)."""
    today_ = pl.lit(today, pl.Date)
    kept = pl.col("status").is_in(["submitted", "rejected"])
    return {
        "status": pl.when(kept).then(pl.col("status"))
        .when(pl.col("due").is_null()).then(pl.lit("due date unknown"))
        .when(today_ < pl.col("window_opens")).then(pl.lit("not yet due"))
        .when(today_ <= pl.col("due")).then(pl.lit("due"))
        .otherwise(pl.lit("overdue")),
        "days_late": pl.when((pl.col("status") == "submitted") & pl.col("due").is_not_null())
        .then(pl.max_horizontal(pl.lit(0, pl.Int64), (pl.col("submitted_at") - pl.col("due")).dt.total_days())),
    }


def _inputs(phases: pl.DataFrame | None, extensions: pl.DataFrame | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    return (phases_frame(load_phases()) if phases is None else phases,
            pl.DataFrame(schema=EXTENSION_SCHEMA) if extensions is None else extensions)


def deadlines(signatories: pl.DataFrame, submissions: pl.DataFrame, phases: pl.DataFrame | None = None,
              extensions: pl.DataFrame | None = None) -> pl.DataFrame:
    """Each registered signatory's deadline per stage: the columns of :data:`DEADLINE_SCHEMA`, stages
    1..max(3, highest submitted); ``phases`` defaults to the shipped table, ``extensions`` to none.
    The rules are in the module docstring."""
    return _deadlines(signatories, _per_stage(submissions), *_inputs(phases, extensions))


def tracker(signatories: pl.DataFrame, submissions: pl.DataFrame, today: dt.date,
            phases: pl.DataFrame | None = None, extensions: pl.DataFrame | None = None) -> pl.DataFrame:
    """Where each signatory's return for each stage stands on ``today``: the columns of
    :func:`deadlines` plus ``status`` (one of :data:`STATUSES`), ``submitted_at`` (Date),
    ``submission_id`` (the first accepted submission) and ``days_late`` (Int64, null unless
    submitted). The rules are in the module docstring."""
    per_stage = _per_stage(submissions)
    return (
        _deadlines(signatories, per_stage, *_inputs(phases, extensions))
        .join(per_stage, on=["signatory", "stage"], how="left")
        .with_columns(status=pl.when(pl.col("first_accepted").is_not_null()).then(pl.lit("submitted"))
                      .when(pl.col("n_submissions") > 0).then(pl.lit("rejected")),
                      submission_id=pl.col("first_accepted"))
        .with_columns(**_restate(today))
        .select(list(TRACKER_SCHEMA))
        .cast(TRACKER_SCHEMA)  # type: ignore[arg-type]
        .sort("signatory", "stage")
    )


def apply_extensions(rows: pl.DataFrame, extensions: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    """Published tracker ``rows`` with the ``extensions`` they do not hold yet applied (deadline moved
    to the next window, status and days late worked out again on ``today``); a boolean column
    ``extension_pending`` marks those rows. Rows already extended are left as they are."""
    extended = extensions.select(pl.col("signatory").cast(pl.String), pl.col("stage").cast(pl.Int64),
                                 extension=pl.lit(True)).unique(["signatory", "stage"])
    moved = _move(rows.join(extended, on=["signatory", "stage"], how="left"))
    restated = _restate(today)
    again = {c: pl.when(pl.col("moved")).then(e).otherwise(pl.col(c)) for c, e in restated.items()}
    return moved.with_columns(**again).rename({"moved": "extension_pending"}).select(*rows.columns,
                                                                                     "extension_pending")


__all__ = ["STATUSES", "apply_extensions", "deadlines", "tracker"]
