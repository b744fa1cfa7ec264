"""Submission tracker: when each signatory's return for each stage is due, and where it stands.

In plain English
----------------
Every signatory owes a self-assessment and action plan at each stage. Stage 1 is expected 12 to
18 months after signing: the window opens a year after the signing date and the return is due
six months later. Stage 2 is due two years after Stage 1 actually arrived (or, if Stage 1 never
arrived, two years after Stage 1 was due), so a signatory that submitted Stage 1 late is not
counted late again for Stage 2 just because of it. Stage 3 deadlines are set by the steering
group for each signing cohort; where the cohort has no deadline on file, Stage 3 is treated like
Stage 2 (two years after the previous stage). Later stages (4, 5, ...) follow every two years.
From Stage 2 on, the "window" opens six months before the deadline: this six-month window is
techbench's own assumption (the Technician Commitment does not define one), chosen to mirror
the six months of the Stage 1 window.

Each stage is then shown as one of:

* **submitted** - an accepted return has arrived; the date shown is the first accepted return's
  arrival, and "days late" says how many days after the deadline it came (0 if on time).
* **rejected** - returns arrived for the stage but none passed validation yet.
* **not yet due** - nothing has arrived and the window has not opened.
* **due** - nothing has arrived and we are inside the window (the deadline day itself is still
  "due").
* **overdue** - nothing has arrived and the deadline has passed.

The Stage 3 cohort deadlines in ``pipeline/config/cohorts.csv`` are ILLUSTRATIVE: none of the
sources techbench is built on (the seed documents, the form, the HESA extract) publishes them.
Each row was set to the cohort's latest possible signing date + 18 + 24 + 24 months and says so
in its ``source`` column. Replace them with the steering group's published deadlines before
anyone relies on Stage 3 statuses.

Technically
-----------
Inputs: ``signatories`` (``slug``, ``signed`` Date, ``cohort``; the register), ``submissions``
(``submission_id``, ``signatory``, ``stage``, ``status`` in {accepted, rejected},
``received_at``; every version, as in ``Frames.submissions``) and ``cohorts`` (``cohort``,
``stage3_due`` Date; :func:`load_cohorts`). Month arithmetic is ``add_months`` semantics
(same day N months later, clipped to the month's end: 31 Aug + 6 months = 28/29 Feb), done with
polars ``dt.offset_by("Nmo")``, which clips identically.

* Arrival date of a submission = ``received_at`` converted to Europe/London and truncated to
  the day (a naive timestamp is taken as UK local time; a Date column is used as is).
* ``actual(k)`` = arrival date of the first accepted submission of stage k (earliest
  ``received_at``, ties broken by ``submission_id``); ``basis(k)`` = ``actual(k)`` if present,
  else ``due(k)``.
* Stage 1: ``window_opens = signed + 12 months``, ``due = signed + 18 months``.
* Stage 2: ``due = basis(1) + 24 months``.
* Stage 3: ``due = stage3_due`` of the signatory's cohort if the cohort table has it, else
  ``basis(2) + 24 months``.
* Stage k >= 4: ``due = basis(k-1) + 24 months``.
* Stage k >= 2: ``window_opens = due - 6 months``.
* Stages listed per signatory: 1..N with N = max(3, highest stage among its submissions,
  accepted or rejected).
* ``status``: "submitted" if an accepted submission exists for (signatory, stage); else
  "rejected" if any submission exists; else "not yet due" if ``today < window_opens``; "due" if
  ``window_opens <= today <= due``; "overdue" if ``today > due``.
* ``submitted_at`` = ``actual(k)``, ``submission_id`` = that first accepted submission (the one
  that met or missed the deadline; the latest valid version may be a later one);
  ``days_late = max(0, submitted_at - due)`` in days, null unless status is "submitted".
* Submissions of slugs not in the register are ignored (they have no signing date).

Output stages are Int64 (the dtype of ``pipeline.benchmarks.metrics``); rows are sorted by
signatory and stage.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import polars as pl

DEFAULT_COHORTS = Path(__file__).resolve().parent.parent / "config" / "cohorts.csv"

STAGE1_WINDOW_MONTHS = 12   # the Stage 1 window opens this long after signing
STAGE1_DUE_MONTHS = 18      # ... and closes (the deadline) this long after signing
CYCLE_MONTHS = 24           # each later stage is due this long after the previous one's basis
WINDOW_MONTHS = 6           # from Stage 2 on, the window opens this long before the deadline (our assumption)
MIN_STAGES = 3              # every signatory is tracked for Stages 1-3 at least
UK_TIME_ZONE = "Europe/London"

STATUSES = ("not yet due", "due", "overdue", "submitted", "rejected")

COHORT_SCHEMA = {"cohort": pl.String, "stage3_due": pl.Date, "source": pl.String}
DEADLINE_SCHEMA = {"signatory": pl.String, "stage": pl.Int64, "window_opens": pl.Date, "due": pl.Date}
TRACKER_SCHEMA = {**DEADLINE_SCHEMA, "status": pl.String, "submitted_at": pl.Date, "submission_id": pl.String,
                  "days_late": pl.Int64}


class CohortsError(ValueError):
    """The cohort table cannot be used; the message names the file and line."""


def load_cohorts(path: Path | str = DEFAULT_COHORTS) -> pl.DataFrame:
    """The Stage 3 deadline of each signing cohort: columns ``cohort`` (str), ``stage3_due``
    (Date) and ``source`` (str, where the date comes from; null if the file has no such column).

    The shipped dates are illustrative (see the module docstring). Raises :class:`CohortsError`
    for a missing column, an empty cohort, a date that is not ``YYYY-MM-DD`` or a repeated cohort.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CohortsError(f"{path}: cannot be read ({exc})") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in ("cohort", "stage3_due") if c not in header]
    if missing:
        raise CohortsError(f"{path}, line 1: missing column(s) {', '.join(repr(c) for c in missing)}")
    rows: dict[str, tuple[dt.date, str | None]] = {}
    for row in reader:
        line = reader.line_num
        values = {(k or "").strip(): (v or "").strip() for k, v in row.items() if isinstance(v, str)}
        cohort, due = values.get("cohort", ""), values.get("stage3_due", "")
        if not cohort and not due:
            continue  # blank line
        if not cohort:
            raise CohortsError(f"{path}, line {line}: 'cohort' is empty")
        try:
            day = dt.date.fromisoformat(due)
        except ValueError:
            raise CohortsError(
                f"{path}, line {line}: 'stage3_due' is {due!r}; expected a date like 2024-06-30") from None
        if cohort in rows:
            raise CohortsError(f"{path}, line {line}: cohort {cohort!r} appears twice")
        rows[cohort] = (day, values.get("source") or None)
    return pl.DataFrame(
        {"cohort": list(rows), "stage3_due": [d for d, _ in rows.values()], "source": [s for _, s in rows.values()]},
        schema=COHORT_SCHEMA,
    )


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


def _deadlines(signatories: pl.DataFrame, per_stage: pl.DataFrame, cohorts: pl.DataFrame) -> pl.DataFrame:
    base = (
        signatories.select(pl.col("slug").cast(pl.String).alias("signatory"), pl.col("signed").cast(pl.Date),
                           pl.col("cohort").cast(pl.String))
        .join(cohorts.select(pl.col("cohort").cast(pl.String), pl.col("stage3_due").cast(pl.Date)),
              on="cohort", how="left")
        .join(per_stage.group_by("signatory").agg(highest=pl.col("stage").max()), on="signatory", how="left")
        .with_columns(n_stages=pl.max_horizontal(pl.lit(MIN_STAGES, pl.Int64), pl.col("highest").fill_null(0)))
    )
    actual = per_stage.filter(pl.col("submitted_at").is_not_null()).select("signatory", "stage", "submitted_at")
    max_stage = int(base["n_stages"].max() or MIN_STAGES)
    current = base.select("signatory", "signed", "stage3_due", "n_stages")
    out: list[pl.DataFrame] = []
    for k in range(1, max_stage + 1):
        if k == 1:
            due = _months(pl.col("signed"), STAGE1_DUE_MONTHS)
            opens = _months(pl.col("signed"), STAGE1_WINDOW_MONTHS)
        else:
            due = _months(pl.col("basis"), CYCLE_MONTHS)
            if k == 3:
                due = pl.coalesce(pl.col("stage3_due"), due)
            opens = _months(due, -WINDOW_MONTHS)
        current = (
            current.filter(pl.col("n_stages") >= k)
            .with_columns(stage=pl.lit(k, pl.Int64), window_opens=opens, due=due)
            .drop("submitted_at", strict=False)
            .join(actual.filter(pl.col("stage") == k).drop("stage"), on="signatory", how="left")
            .with_columns(basis=pl.coalesce("submitted_at", "due"))
        )
        out.append(current.select(list(DEADLINE_SCHEMA)))
    return pl.concat(out).cast(DEADLINE_SCHEMA).sort("signatory", "stage")  # type: ignore[arg-type]


def deadlines(signatories: pl.DataFrame, submissions: pl.DataFrame, cohorts: pl.DataFrame) -> pl.DataFrame:
    """Each registered signatory's window and deadline per stage: columns ``signatory``,
    ``stage`` (Int64), ``window_opens``, ``due`` (Date); stages 1..max(3, highest submitted).
    The rules are in the module docstring."""
    return _deadlines(signatories, _per_stage(submissions), cohorts)


def tracker(signatories: pl.DataFrame, submissions: pl.DataFrame, cohorts: pl.DataFrame,
            today: dt.date) -> pl.DataFrame:
    """Where each signatory's return for each stage stands on ``today``: the columns of
    :func:`deadlines` plus ``status`` (one of :data:`STATUSES`), ``submitted_at`` (Date),
    ``submission_id`` (the first accepted submission) and ``days_late`` (Int64, null unless
    submitted). The rules are in the module docstring."""
    per_stage = _per_stage(submissions)
    today_ = pl.lit(today, pl.Date)
    return (
        _deadlines(signatories, per_stage, cohorts)
        .join(per_stage, on=["signatory", "stage"], how="left")
        .with_columns(
            status=pl.when(pl.col("first_accepted").is_not_null()).then(pl.lit("submitted"))
            .when(pl.col("n_submissions") > 0).then(pl.lit("rejected"))
            .when(today_ < pl.col("window_opens")).then(pl.lit("not yet due"))
            .when(today_ <= pl.col("due")).then(pl.lit("due"))
            .when(today_ > pl.col("due")).then(pl.lit("overdue")),
            days_late=pl.when(pl.col("first_accepted").is_not_null())
            .then(pl.max_horizontal(pl.lit(0, pl.Int64), (pl.col("submitted_at") - pl.col("due")).dt.total_days())),
            submission_id=pl.col("first_accepted"),
        )
        .select(list(TRACKER_SCHEMA))
        .cast(TRACKER_SCHEMA)  # type: ignore[arg-type]
        .sort("signatory", "stage")
    )


__all__ = ["DEFAULT_COHORTS", "STATUSES", "CohortsError", "deadlines", "load_cohorts", "tracker"]
