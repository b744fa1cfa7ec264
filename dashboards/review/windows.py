"""Which submissions a round reviews: the accepted submissions of one submission window, read from
the published snapshot.

A submission belongs to the window on or after the day it was received (31 January or 31 July,
``pipeline.programme.calendar``); when a signatory handed in a stage more than once in a window,
its latest accepted file is the one reviewed.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from dashboards.review.rounds import RoundSubmission
from pipeline.programme.calendar import window_on_or_after
from pipeline.settings import Paths
from pipeline.store.snapshot import open_snapshot

SQL = """SELECT b.submission_id, b.signatory, coalesce(s.name, b.signatory) AS signatory_name,
                coalesce(CAST(s.type AS VARCHAR), 'unknown') AS signatory_type, b.stage, b.received_at
         FROM submissions b LEFT JOIN signatories s ON s.slug = b.signatory WHERE b.status = 'accepted'"""


def _accepted(paths: Paths) -> pl.DataFrame:
    with open_snapshot(paths) as con:
        rows = con.sql(SQL).pl()
    return rows.with_columns(window=window_on_or_after(pl.col("received_at").dt.date()))


def windows(paths: Paths) -> list[tuple[dt.date, int]]:
    """Every window with accepted submissions and how many, newest first."""
    rows = _accepted(paths).group_by("window").agg(pl.col("submission_id").n_unique().alias("n"))
    return [(r["window"], r["n"]) for r in rows.sort("window", descending=True).to_dicts()]


def window_submissions(paths: Paths, window: dt.date) -> list[RoundSubmission]:
    """The latest accepted submission of each signatory and stage received in ``window``, by name."""
    rows = (_accepted(paths).filter(pl.col("window") == window)
            .sort("received_at", "submission_id").unique(["signatory", "stage"], keep="last")
            .sort("signatory_name", "stage"))
    return [RoundSubmission(r["submission_id"], r["signatory"], r["signatory_name"], r["signatory_type"], r["stage"])
            for r in rows.to_dicts()]


def check_window(day: dt.date) -> dt.date:
    """``day`` if it is a window's closing date (31 January or 31 July), else ``ValueError`` saying which is next."""
    window = pl.select(window_on_or_after(pl.lit(day, pl.Date))).item()
    if window != day:
        raise ValueError(f"{day:%d %b %Y} is not a submission window: windows close on 31 January and 31 July "
                         f"(the next is {window:%d %b %Y})")
    return day
