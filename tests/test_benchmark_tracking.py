"""Submission tracker, HESA reconciliation, trends and plan lineage, on small hand-built frames
with hand-computed expectations (and the real HESA extract).

``bench/tracking.py`` times all of them on the synthetic sector built here (``synthetic_sector``).
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path

import polars as pl
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.benchmarks import hesa_reconciliation as hr  # noqa: E402
from pipeline.benchmarks.lineage import (  # noqa: E402
    THRESHOLD,
    action_lineage,
    key_words,
    sector_trends,
    signatory_trends,
    similarity,
)
from pipeline.benchmarks.tracker import STATUSES, apply_extensions, deadlines, tracker  # noqa: E402
from pipeline.programme.calendar import (  # noqa: E402
    DEFAULT_PHASES,
    PhasesError,
    load_phases,
    next_window_after,
    window_on_or_after,
)
from plugins.hesa.reader import load_hesa  # noqa: E402

D = dt.date


# --- tracker ------------------------------------------------------------------------------------
def _signatories(rows: list[tuple], ukprn: dict[str, str] | None = None) -> pl.DataFrame:
    """(slug, signed, cohort) or (slug, signed, cohort, signed_precision); precision "day" if not given."""
    ukprn = ukprn or {}
    return pl.DataFrame(
        {"slug": [r[0] for r in rows], "signed": [r[1] for r in rows], "cohort": [r[2] for r in rows],
         "signed_precision": [r[3] if len(r) > 3 else "day" for r in rows],
         "ukprn": [ukprn.get(r[0]) for r in rows]},
        schema={"slug": pl.String, "signed": pl.Date, "cohort": pl.String, "signed_precision": pl.String,
                "ukprn": pl.String},
    )


def _submissions(rows: list[tuple[str, int, str, dt.datetime]]) -> pl.DataFrame:
    return pl.DataFrame(
        {"submission_id": [f"{s}|{k}|{i}" for i, (s, k, _, _) in enumerate(rows)],
         "signatory": [r[0] for r in rows], "stage": [r[1] for r in rows], "status": [r[2] for r in rows],
         "received_at": [r[3] for r in rows]},
        schema={"submission_id": pl.String, "signatory": pl.String, "stage": pl.Int32, "status": pl.String,
                "received_at": pl.Datetime("us", "UTC")},
    )


def _at(day: dt.date, hour: int = 12, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=dt.UTC)


NO_SUBMISSIONS = _submissions([])

SIGNATORIES = _signatories([
    ("alpha", D(2018, 3, 15), None),   # phase 3; late Stage 1, on-time Stage 2
    ("beta", D(2020, 1, 31), None),    # after the published phases: every date computed
    ("gamma", D(2017, 5, 1), None, "month"),  # phase 1, nothing submitted
    ("delta", D(2018, 1, 15), None),   # phase 3; Stage 1 at the window by UTC, late by UK time; a Stage 4
])
SUBMISSIONS = _submissions([
    ("alpha", 1, "rejected", _at(D(2019, 5, 1))),
    ("alpha", 1, "accepted", _at(D(2020, 2, 10))),
    ("alpha", 1, "accepted", _at(D(2020, 3, 1))),     # a later version: not the one that counts
    ("alpha", 2, "accepted", _at(D(2022, 6, 1))),
    ("beta", 1, "rejected", _at(D(2021, 3, 1))),       # rejected only
    ("beta", 1, "rejected", _at(D(2021, 4, 1))),
    ("delta", 1, "accepted", _at(D(2019, 7, 31), 23, 30)),  # 23:30 UTC = 00:30 BST on 1 August
    ("delta", 3, "accepted", _at(D(2023, 11, 1))),
    ("delta", 4, "rejected", _at(D(2025, 1, 1))),
    ("nobody", 1, "accepted", _at(D(2019, 1, 1))),     # not in the register: ignored
])
TODAY = D(2023, 7, 31)


def _row(frame: pl.DataFrame, signatory: str, stage: int) -> dict:
    rows = frame.filter((pl.col("signatory") == signatory) & (pl.col("stage") == stage)).to_dicts()
    assert len(rows) == 1, rows
    return rows[0]


def test_shipped_phases_are_the_programme_s_table_with_its_source():
    phases = load_phases()
    assert DEFAULT_PHASES.name == "stage3_phases.csv"
    assert [(p.number, f"{p.signed:%Y-%m}", f"{p.stage3_due:%Y-%m}") for p in phases] == [
        (1, "2017-05", "2024-01"), (2, "2017-09", "2024-04"), (3, "2018-04", "2024-09"),
        (4, "2018-11", "2025-01"), (5, "2019-06", "2025-09"), (6, "2019-12", "2026-01")]
    assert all(p.source and "techniciancommitment.org.uk" in p.source for p in phases)


@pytest.mark.parametrize(("text", "message"), [
    ("phase,signed,stage3_due\n1,2017-05,Jan 2024\n", "line 2: 'stage3_due' is 'Jan 2024'"),
    ("phase,signed,stage3_due\n1,2017-09,2024-01\n2,2017-05,2024-04\n", "line 3: phase 2 signed 2017-05, not after"),
    ("phase,signed\n1,2017-05\n", "missing column(s) 'stage3_due'"),
    ("phase,signed,stage3_due\none,2017-05,2024-01\n", "'phase' is 'one'"),
])
def test_phase_table_errors(tmp_path, text, message):
    path = tmp_path / "phases.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PhasesError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_phases(path)


@pytest.mark.parametrize(("signed", "window"), [
    (D(2024, 1, 1), D(2024, 1, 31)), (D(2024, 1, 31), D(2024, 1, 31)), (D(2024, 2, 1), D(2024, 7, 31)),
    (D(2024, 4, 1), D(2024, 7, 31)), (D(2024, 7, 31), D(2024, 7, 31)), (D(2024, 8, 1), D(2025, 1, 31)),
    (D(2024, 12, 31), D(2025, 1, 31)),
])
def test_a_return_is_due_at_the_window_on_or_after_the_date(signed, window):
    assert pl.select(window_on_or_after(pl.lit(signed, pl.Date))).item() == window


def test_the_next_window_is_six_months_on():
    assert next_window_after(D(2024, 1, 31)) == D(2024, 7, 31)
    assert next_window_after(D(2024, 7, 31)) == D(2025, 1, 31)


# Each published phase: a signatory signed in the phase's month has Stage 3 due that month, at the
# window on or after it (the table's months checked against the window rule).
@pytest.mark.parametrize(("signed", "phase", "falls_due", "deadline"), [
    ("2017-05", 1, D(2024, 1, 1), D(2024, 1, 31)),
    ("2017-09", 2, D(2024, 4, 1), D(2024, 7, 31)),
    ("2018-04", 3, D(2024, 9, 1), D(2025, 1, 31)),
    ("2018-11", 4, D(2025, 1, 1), D(2025, 1, 31)),
    ("2019-06", 5, D(2025, 9, 1), D(2026, 1, 31)),
    ("2019-12", 6, D(2026, 1, 1), D(2026, 1, 31)),
])
def test_stage3_of_each_published_phase(signed, phase, falls_due, deadline):
    sigs = _signatories([("s", D.fromisoformat(signed + "-01"), None, "month")])
    s3 = _row(deadlines(sigs, NO_SUBMISSIONS), "s", 3)
    assert (s3["due_basis"], s3["falls_due"], s3["due"]) == (f"published phase {phase}", falls_due, deadline)


@pytest.mark.parametrize(("signed", "precision", "basis"), [
    (D(2017, 6, 1), "month", "published phase 2"),    # between phases 1 and 2: the next phase
    (D(2017, 9, 30), "day", "published phase 2"),     # in the phase's own month
    (D(2016, 3, 1), "month", "published phase 1"),    # before the first phase
    (D(2019, 12, 31), "day", "published phase 6"),
    (D(2020, 1, 1), "day", "computed"),               # after the published phases
])
def test_a_signatory_is_in_the_first_phase_at_or_after_its_signing_month(signed, precision, basis):
    assert _row(deadlines(_signatories([("s", signed, None, precision)]), NO_SUBMISSIONS), "s", 3)["due_basis"] == basis


def test_a_later_signing_is_computed_at_every_stage():
    d = deadlines(_signatories([("late", D(2020, 3, 1), None, "month")]), NO_SUBMISSIONS)
    # Stage 1 falls due Sep 2021 (signing + 18 months): the 31 January 2022 window; Stage 2 two years
    # after that deadline (Jan 2024: 31 January 2024); Stage 3 two years after that (31 January 2026)
    assert [(r["due_basis"], r["falls_due"], r["due"]) for r in d.to_dicts()] == [
        ("computed", D(2021, 9, 1), D(2022, 1, 31)), ("computed", D(2024, 1, 1), D(2024, 1, 31)),
        ("computed", D(2026, 1, 1), D(2026, 1, 31))]


def test_deadlines_by_hand():
    d = deadlines(SIGNATORIES, SUBMISSIONS)
    assert d.columns == ["signatory", "stage", "due_basis", "falls_due", "window_opens", "due", "extended_from"]
    assert d.schema["stage"] == pl.Int64 and d.schema["due"] == pl.Date
    expected = {
        # signed 15 Mar 2018: Stage 1 falls due Sep 2019 -> 31 Jan 2020 window, open from 1 Aug 2019
        ("alpha", 1): (D(2019, 8, 1), D(2020, 1, 31)),
        # Stage 1 first accepted 10 Feb 2020 (late): Stage 2 falls due Feb 2022 -> 31 Jul 2022
        ("alpha", 2): (D(2022, 2, 1), D(2022, 7, 31)),
        # phase 3 (Apr 2018): Stage 3 published for Sep 2024 -> 31 Jan 2025
        ("alpha", 3): (D(2024, 8, 1), D(2025, 1, 31)),
        ("beta", 1): (D(2021, 2, 1), D(2021, 7, 31)),
        # Stage 1 never accepted: Stage 2 falls due 24 months after its deadline
        ("beta", 2): (D(2023, 2, 1), D(2023, 7, 31)),
        ("beta", 3): (D(2025, 2, 1), D(2025, 7, 31)),
        ("gamma", 1): (D(2018, 8, 1), D(2019, 1, 31)),
        ("gamma", 2): (D(2020, 8, 1), D(2021, 1, 31)),
        ("gamma", 3): (D(2023, 8, 1), D(2024, 1, 31)),
        # delta Stage 1 falls due Jul 2019; it arrived 1 Aug 2019 UK time: Stage 2 falls due Aug 2021
        ("delta", 1): (D(2019, 2, 1), D(2019, 7, 31)),
        ("delta", 2): (D(2021, 8, 1), D(2022, 1, 31)),
        ("delta", 3): (D(2024, 8, 1), D(2025, 1, 31)),
        # Stage 4 = Stage 3 actual (1 Nov 2023) + 24 months: Nov 2025 -> 31 Jan 2026
        ("delta", 4): (D(2025, 8, 1), D(2026, 1, 31)),
    }
    got = {(r["signatory"], r["stage"]): (r["window_opens"], r["due"]) for r in d.to_dicts()}
    assert got == expected  # also: "nobody" (not registered) is absent; 3 stages unless more submitted
    assert _row(d, "delta", 4)["due_basis"] == "computed" and d["extended_from"].is_null().all()


def test_tracker_statuses_work_off_the_window_deadline():
    t = tracker(SIGNATORIES, SUBMISSIONS, TODAY)
    assert t.columns == ["signatory", "stage", "due_basis", "falls_due", "window_opens", "due", "extended_from",
                         "status", "submitted_at", "submission_id", "days_late"]
    a1 = _row(t, "alpha", 1)
    # first accepted 10 Feb 2020 against the 31 Jan 2020 window: 10 days late
    assert (a1["status"], a1["submitted_at"], a1["days_late"], a1["submission_id"]) == (
        "submitted", D(2020, 2, 10), 10, "alpha|1|1")
    a2 = _row(t, "alpha", 2)
    assert (a2["status"], a2["submitted_at"], a2["days_late"]) == ("submitted", D(2022, 6, 1), 0)
    assert _row(t, "alpha", 3)["status"] == "not yet due"
    b1 = _row(t, "beta", 1)
    assert (b1["status"], b1["submitted_at"], b1["submission_id"], b1["days_late"]) == ("rejected", None, None, None)
    assert _row(t, "beta", 2)["status"] == "due"               # today is the window: still "due"
    assert [_row(t, "gamma", k)["status"] for k in (1, 2, 3)] == ["overdue", "overdue", "not yet due"]
    assert _row(t, "gamma", 1)["days_late"] is None
    d1 = _row(t, "delta", 1)
    assert (d1["submitted_at"], d1["days_late"]) == (D(2019, 8, 1), 1)  # UK day, not UTC day
    assert [_row(t, "delta", k)["status"] for k in (2, 3, 4)] == ["overdue", "submitted", "rejected"]
    assert t.height == 13 and "nobody" not in t["signatory"].to_list()
    assert set(t["status"]) <= set(STATUSES)


@pytest.mark.parametrize(("today", "status"), [
    (D(2023, 1, 31), "not yet due"),   # the window before the deadline
    (D(2023, 2, 1), "due"),            # the day after it: the deadline is now the next window
    (D(2023, 7, 31), "due"),           # the deadline itself
    (D(2023, 8, 1), "overdue"),        # the day after
])
def test_tracker_boundary_days(today, status):
    assert _row(tracker(SIGNATORIES, SUBMISSIONS, today), "beta", 2)["status"] == status


def test_tracker_empty_submissions():
    t = tracker(SIGNATORIES, NO_SUBMISSIONS, TODAY)
    assert t.height == 12 and set(t["status"]) <= {"not yet due", "due", "overdue"}


def test_an_unknown_signing_month_gives_no_deadline_and_says_why():
    sigs = _signatories([("year", D(2018, 1, 1), None, "year"), ("blank", None, None, None),
                         ("old", D(2016, 1, 1), None, "year"), ("recent", D(2021, 1, 1), None, "year")])
    subs = _submissions([("blank", 1, "accepted", _at(D(2020, 3, 2))), ("blank", 2, "accepted", _at(D(2022, 3, 1))),
                         ("recent", 1, "accepted", _at(D(2022, 5, 2))), ("recent", 2, "accepted", _at(D(2024, 5, 1)))])
    t = tracker(sigs, subs, TODAY)
    for k in (1, 2, 3):
        r = _row(t, "year", k)
        assert (r["due_basis"], r["falls_due"], r["due"], r["window_opens"], r["status"]) == (
            "due date unknown: signing month not stated", None, None, None, "due date unknown")
    b1 = _row(t, "blank", 1)
    assert (b1["due_basis"], b1["due"], b1["status"], b1["days_late"]) == (
        "due date unknown: signing date not stated", None, "submitted", None)
    # Stage 2 follows Stage 1's arrival (2 Mar 2020 + 24 months: 31 Jul 2022), whenever it signed
    assert (_row(t, "blank", 2)["due_basis"], _row(t, "blank", 2)["due"]) == ("computed", D(2022, 7, 31))
    # ... but Stage 3 could be any published phase's
    assert _row(t, "blank", 3)["due"] is None
    # every month of 2016 is in phase 1; every month of 2021 after the table
    assert (_row(t, "old", 3)["due_basis"], _row(t, "old", 3)["due"]) == ("published phase 1", D(2024, 1, 31))
    assert _row(t, "old", 1)["due"] is None
    assert (_row(t, "recent", 3)["due_basis"], _row(t, "recent", 3)["due"]) == ("computed", D(2026, 7, 31))


EXTENDED = pl.DataFrame({"signatory": ["gamma"], "stage": [2]})


def test_an_extension_moves_the_deadline_to_the_next_window():
    t = tracker(SIGNATORIES, SUBMISSIONS, TODAY, extensions=EXTENDED)
    g2 = _row(t, "gamma", 2)
    assert (g2["extended_from"], g2["due"], g2["status"]) == (D(2021, 1, 31), D(2021, 7, 31), "overdue")
    assert g2["window_opens"] == D(2020, 8, 1)  # open from where it was
    assert _row(t, "gamma", 3)["due"] == D(2024, 1, 31)  # the stages after it stay
    on_time = tracker(SIGNATORIES, SUBMISSIONS, D(2021, 3, 1), extensions=EXTENDED)
    assert _row(on_time, "gamma", 2)["status"] == "due"  # the original deadline has passed, the new one not
    assert t.filter(pl.col("signatory") != "gamma")["extended_from"].is_null().all()


def test_extensions_granted_since_the_snapshot_are_laid_over_it():
    published = tracker(SIGNATORIES, SUBMISSIONS, D(2021, 3, 1))
    shown = apply_extensions(published, EXTENDED, D(2021, 3, 1))
    g2 = _row(shown, "gamma", 2)
    assert (g2["due"], g2["extended_from"], g2["status"], g2["extension_pending"]) == (
        D(2021, 7, 31), D(2021, 1, 31), "due", True)
    assert shown.filter(pl.col("extension_pending")).height == 1
    # once the pipeline has applied it, laying it over again changes nothing
    rerun = tracker(SIGNATORIES, SUBMISSIONS, D(2021, 3, 1), extensions=EXTENDED)
    again = apply_extensions(rerun, EXTENDED, D(2021, 3, 1))
    assert not again["extension_pending"].any() and again.drop("extension_pending").equals(rerun)


# --- HESA reconciliation ------------------------------------------------------------------------
def _returns(rows: list[tuple[str, int, dt.date | None, int | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        {"submission_id": [f"{s}|{k}|x" for s, k, _, _ in rows], "signatory": [r[0] for r in rows],
         "stage": [r[1] for r in rows], "submission_date": [r[2] for r in rows], "headcount": [r[3] for r in rows]},
        schema={"submission_id": pl.String, "signatory": pl.String, "stage": pl.Int32, "submission_date": pl.Date,
                "headcount": pl.Int64},
    )


HESA_SIGNATORIES = _signatories(
    [("edinburgh", D(2017, 5, 1), "2017 founders"), ("institute", D(2018, 1, 1), "2018"),
     ("english", D(2018, 1, 1), "2018"), ("eden", D(2017, 5, 1), "2017 founders")],
    ukprn={"edinburgh": "10007790", "english": "10099999", "eden": "10007790"},
)


def test_reconcile_on_the_real_hesa_extract():
    returns = _returns([
        ("edinburgh", 1, D(2019, 3, 1), 1600),    # 2018/19, proxy 1595: 1.003
        ("edinburgh", 2, D(2019, 7, 31), 3000),   # last day of 2018/19: 1.88
        ("edinburgh", 3, D(2010, 5, 1), 1600),    # 2009/10: outside the extract
        ("edinburgh", 4, D(2019, 8, 1), 500),     # first day of 2019/20, proxy 1740: 0.287
        ("institute", 1, D(2019, 3, 1), 120),     # no UKPRN
        ("english", 1, D(2019, 3, 1), 800),       # a UKPRN HESA's table does not have
        ("eden", 1, None, 1600),                  # undated
        ("eden", 2, D(2019, 3, 1), None),         # no headcount
    ])
    r = hr.reconcile(returns, HESA_SIGNATORIES, load_hesa())
    assert r.columns == ["signatory", "stage", "submission_date", "ukprn", "academic_year", "declared", "hesa_proxy",
                         "total_staff", "ratio", "flag", "note"]
    got = {(x["signatory"], x["stage"]): x for x in r.to_dicts()}
    e1 = got["edinburgh", 1]
    assert (e1["academic_year"], e1["declared"], e1["hesa_proxy"], e1["flag"]) == ("2018/19", 1600, 1595, "within band")
    assert e1["ratio"] == pytest.approx(1600 / 1595)
    e2 = got["edinburgh", 2]
    assert (e2["academic_year"], e2["hesa_proxy"], e2["flag"]) == ("2018/19", 1595, "above band")
    assert e2["ratio"] == pytest.approx(3000 / 1595)
    e3 = got["edinburgh", 3]
    assert (e3["academic_year"], e3["hesa_proxy"], e3["ratio"], e3["flag"]) == (
        "2009/10", None, None, "year not published")
    e4 = got["edinburgh", 4]
    assert (e4["academic_year"], e4["hesa_proxy"], e4["flag"]) == ("2019/20", 1740, "below band")
    i1 = got["institute", 1]
    assert (i1["ukprn"], i1["academic_year"], i1["hesa_proxy"], i1["ratio"], i1["flag"]) == (
        None, "2018/19", None, None, "no UKPRN")
    assert got["english", 1]["flag"] == "not in HESA that year"
    assert (got["eden", 1]["academic_year"], got["eden", 1]["flag"]) == (None, "no submission date")
    eden2 = got["eden", 2]
    assert (eden2["hesa_proxy"], eden2["ratio"], eden2["flag"]) == (1595, None, "no declared headcount")
    assert set(r["flag"]) <= set(hr.FLAGS)
    assert not (r["ratio"] == 0).any() and not (r["hesa_proxy"] == 0).any()


def _hesa(rows: list[tuple[str, int, int | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        {"ukprn": [r[0] for r in rows], "provider": ["P"] * len(rows),
         "academic_year": [f"{y}/{(y + 1) % 100:02d}" for _, y, _ in rows], "year_start": [r[1] for r in rows],
         "technician_proxy": [r[2] for r in rows]},
        schema={"ukprn": pl.String, "provider": pl.String, "academic_year": pl.String, "year_start": pl.Int32,
                "technician_proxy": pl.Int64},
    )


def test_reconcile_opted_out_is_not_published_never_zero():
    hesa = _hesa([("10000001", 2020, None), ("10000001", 2021, 100), ("10000001", 2022, 0)])
    sigs = _signatories([("opted", D(2017, 5, 1), "2017 founders")], ukprn={"opted": "10000001"})
    returns = _returns([
        ("opted", 1, D(2021, 2, 1), 250),   # 2020/21: row present, proxy not published
        ("opted", 2, D(2021, 9, 1), 150),   # 2021/22: 1.5 exactly: within (inclusive)
        ("opted", 3, D(2022, 2, 1), 151),   # 1.51: above
        ("opted", 4, D(2022, 3, 1), 67),    # 0.67 >= 2/3: within
        ("opted", 5, D(2022, 4, 1), 66),    # 0.66: below
        ("opted", 6, D(2022, 9, 1), 5),     # 2022/23: published 0, declared 5: above, no ratio
    ])
    r = hr.reconcile(returns, sigs, hesa).to_dicts()
    assert (r[0]["academic_year"], r[0]["hesa_proxy"], r[0]["ratio"], r[0]["flag"]) == (
        "2020/21", None, None, "not reported (opted out in 2020/21)")
    assert [x["flag"] for x in r[1:]] == ["within band", "above band", "within band", "below band", "above band"]
    assert [x["ratio"] for x in r[1:5]] == pytest.approx([1.5, 1.51, 0.67, 0.66])
    assert (r[5]["hesa_proxy"], r[5]["ratio"]) == (0, None)
    assert hr.BAND == pytest.approx((2 / 3, 1.5))


def test_reconcile_on_warehouse_dtypes():
    # the warehouse's hesa_reference has year_start INTEGER (Int32) and stage INTEGER
    hesa = load_hesa().with_columns(pl.col("year_start").cast(pl.Int32))
    r = hr.reconcile(_returns([("edinburgh", 1, D(2019, 3, 1), 1600)]), HESA_SIGNATORIES, hesa)
    assert r["flag"].to_list() == ["within band"] and r.schema["stage"] == pl.Int64


# --- trends -------------------------------------------------------------------------------------
def _values(rows: list[tuple[str, int, str, float | None]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"signatory": pl.String, "stage": pl.Int64, "metric": pl.String,
                                      "value": pl.Float64}, orient="row")


VALUES = _values([
    ("a", 1, "m", 1.0), ("b", 1, "m", 2.0), ("c", 1, "m", 3.0), ("d", 1, "m", 4.0),
    ("a", 2, "m", 10.0), ("b", 2, "m", None), ("c", 2, "m", 30.0), ("d", 2, "m", float("nan")),
    ("a", 4, "m", 12.0),
    ("a", 1, "z", None),
])


def test_sector_trends_by_hand():
    t = sector_trends(VALUES)
    assert t.columns == ["metric", "stage", "n", "median", "q1", "q3"]
    rows = {(r["metric"], r["stage"]): r for r in t.to_dicts()}
    # 1, 2, 3, 4: median 2.5; linear quartiles at positions 0.75 and 2.25
    assert (rows["m", 1]["n"], rows["m", 1]["median"], rows["m", 1]["q1"], rows["m", 1]["q3"]) == (4, 2.5, 1.75, 3.25)
    # 10, 30 (null and NaN left out): median 20, q1 = 10 + 0.25 * 20, q3 = 10 + 0.75 * 20
    assert (rows["m", 2]["n"], rows["m", 2]["median"], rows["m", 2]["q1"], rows["m", 2]["q3"]) == (2, 20.0, 15.0, 25.0)
    assert (rows["m", 4]["n"], rows["m", 4]["median"]) == (1, 12.0)
    assert (rows["z", 1]["n"], rows["z", 1]["median"]) == (0, None)


def test_signatory_trends_by_hand():
    t = signatory_trends(VALUES)
    assert t.columns == ["signatory", "metric", "stage", "value", "change"]
    change = {(r["signatory"], r["metric"], r["stage"]): r["change"] for r in t.to_dicts()}
    assert change["a", "m", 1] is None
    assert change["a", "m", 2] == 9.0
    assert change["a", "m", 4] is None          # stage 3 missing: no bridging
    assert change["b", "m", 2] is None          # value missing
    assert change["c", "m", 2] == 27.0
    assert change["d", "m", 2] is None          # NaN counts as missing
    assert t.height == VALUES.height


def test_trends_refuse_duplicates():
    with pytest.raises(ValueError, match="at most one row"):
        signatory_trends(pl.concat([VALUES, VALUES.head(1)]))
    with pytest.raises(ValueError, match="at most one row"):
        sector_trends(pl.concat([VALUES, VALUES.head(1)]))


# --- plan lineage -------------------------------------------------------------------------------
LINEAGE_RETURNS = pl.DataFrame({
    "submission_id": ["s1", "s2", "s3", "t1", "t3"],
    "signatory": ["s", "s", "s", "t", "t"],
    "stage": [1, 2, 3, 1, 3],
}, schema={"submission_id": pl.String, "signatory": pl.String, "stage": pl.Int32})

LINEAGE_ACTIONS = pl.DataFrame([
    ("s1", 0, "Visibility", "Launch a technician network across all faculties", "planned"),
    ("s1", 1, "Recognition", "Promote professional registration with the Science Council", "planned"),
    ("s1", 2, "Career Development", "Create a mentoring scheme for early-career technicians", "planned"),
    ("s1", 3, "Sustainability", "Establish an apprenticeship programme", "planned"),
    ("s1", 4, None, "Publish an annual technician report", None),
    ("s2", 0, "Visibility", "Technician network launched in every faculty", "done"),
    # same words as s1/1, different theme: must not match it
    ("s2", 1, "Career Development", "Promote professional registration with the Science Council", "in progress"),
    ("s2", 2, "Career Development", "Mentoring scheme for early career technicians", None),
    ("s2", 3, "Sustainability", "Fund apprenticeship places in engineering", "in progress"),
    ("s2", 4, "Sustainability", "Fund apprenticeship places in chemistry", "planned"),
    ("s2", 5, None, "Annual technician report published", "done"),
    ("s3", 0, "Sustainability", "Fund apprenticeship places in engineering and physics", "dropped"),
    ("s3", 1, "Visibility", "Something entirely new", "planned"),
    ("t1", 0, "Visibility", "Launch a technician network", "planned"),
    ("t3", 0, "Visibility", "Launch a technician network", "done"),
], schema={"submission_id": pl.String, "ordinal": pl.Int32, "theme": pl.String, "action": pl.String,
           "status": pl.String}, orient="row")


def test_key_words_and_similarity_by_hand():
    assert key_words(pl.Series(["Launch a technician network across all faculties",
                                "Technician network launched in every faculty", None])) == [
        {"launch", "network", "faculty"}, {"network", "launch", "every", "faculty"}, set()]
    # Dice: 2 * 3 common / (3 + 4)
    assert similarity("Launch a technician network across all faculties",
                      "Technician network launched in every faculty") == pytest.approx(6 / 7)
    assert similarity("Pages created", "page creating") == 1.0
    assert similarity("", "anything") == 0.0
    assert THRESHOLD == 0.5


def test_action_lineage_by_hand():
    out = action_lineage(LINEAGE_ACTIONS, LINEAGE_RETURNS)
    assert out.columns == ["signatory", "stage", "ordinal", "theme", "action", "next_stage", "outcome",
                           "matched_ordinal", "similarity"]
    got = {(r["signatory"], r["stage"], r["ordinal"]): r for r in out.to_dicts()}
    # only s 1->2 and s 2->3: s's last stage and t (no Stage 2) have no rows
    assert sorted(got) == [("s", 1, o) for o in range(5)] + [("s", 2, o) for o in range(6)]
    assert {r["next_stage"] for r in out.to_dicts()} == {2, 3} and all(
        r["next_stage"] == r["stage"] + 1 for r in out.to_dicts())

    def res(stage, ordinal):
        r = got["s", stage, ordinal]
        return r["outcome"], r["matched_ordinal"], r["similarity"]

    # reworded but carried forward: {launch, network, faculty} vs {network, launch, every, faculty}
    assert res(1, 0) == ("done", 0, pytest.approx(6 / 7))
    # the same text under another theme is never a match
    assert res(1, 1) == ("dropped", None, None)
    # {creat, mentor, scheme, early, career} vs {mentor, scheme, early, career}: 8/9; missing status
    assert res(1, 2) == ("in progress", 2, pytest.approx(8 / 9))
    # disappears: dropped
    assert res(1, 3) == ("dropped", None, None)
    # no theme matches no theme: {publish, annual, report} vs {annual, report, publish}
    assert res(1, 4) == ("done", 5, 1.0)
    # two similar earlier actions, one later action: the closer pair wins (8/9 against 6/9) ...
    assert res(2, 3) == ("dropped", 0, pytest.approx(8 / 9))      # ... and its status is "dropped"
    assert res(2, 4) == ("dropped", None, None)                    # the other does not reuse it
    assert res(2, 0) == ("dropped", None, None)
    assert (out["similarity"].drop_nulls() >= THRESHOLD).all()


def test_action_lineage_greedy_is_one_to_one():
    # earlier A, B; later X, Y. sim(A,X) > sim(B,X) > sim(A,Y): A takes X, B falls back to nothing
    # unless it resembles Y; here B also resembles Y enough, so B-Y.
    returns = pl.DataFrame({"submission_id": ["p", "n"], "signatory": ["g", "g"], "stage": [1, 2]})
    actions = pl.DataFrame([
        ("p", 0, "Recognition", "alpha beta gamma delta", "planned"),
        ("p", 1, "Recognition", "alpha beta gamma omega", "planned"),
        ("n", 0, "Recognition", "alpha beta gamma delta", "done"),         # A: 1.0, B: 0.75
        ("n", 1, "Recognition", "alpha beta omega sigma", "in progress"),  # A: 0.5, B: 0.75
    ], schema={"submission_id": pl.String, "ordinal": pl.Int64, "theme": pl.String, "action": pl.String,
               "status": pl.String}, orient="row")
    out = action_lineage(actions, returns).to_dicts()
    assert [(r["ordinal"], r["matched_ordinal"], r["outcome"]) for r in out] == [(0, 0, "done"), (1, 1, "in progress")]
    assert out[1]["similarity"] == pytest.approx(0.75)


def test_vectorised_greedy_equals_sequential_greedy():
    """The rounds of mutually best pairs give exactly the sequential greedy assignment, also with
    many ties and conflicts."""
    from pipeline.benchmarks.lineage import _greedy

    rng = random.Random(3)
    for _ in range(200):
        rows = [(p, n, rng.choice([0.5, 0.6, 0.75, 0.8, 1.0]), p % 4, n % 4)
                for p in range(rng.randint(1, 6)) for n in range(10, 10 + rng.randint(1, 6)) if rng.random() < 0.7]
        if not rows:
            continue
        frame = pl.DataFrame(rows, schema={"prev": pl.UInt64, "next": pl.UInt64, "sim": pl.Float64,
                                           "prev_ord": pl.Int64, "next_ord": pl.Int64}, orient="row")
        used_p, used_n, expected = set(), set(), set()
        for p, n, sim, _, _ in sorted(rows, key=lambda r: (-r[2], r[3], r[4], r[0], r[1])):
            if p not in used_p and n not in used_n:
                used_p.add(p)
                used_n.add(n)
                expected.add((p, n))
        assert set(_greedy(frame).select("prev", "next").iter_rows()) == expected


def test_action_lineage_refuses_two_returns_for_a_stage():
    twice = pl.concat([LINEAGE_RETURNS, LINEAGE_RETURNS.head(1).with_columns(submission_id=pl.lit("again"))])
    with pytest.raises(ValueError, match="at most one row per signatory and stage"):
        action_lineage(LINEAGE_ACTIONS, twice)


# --- a synthetic sector at scale (timed by bench/tracking.py) -------------------------------------
THEMES = ["Visibility", "Recognition", "Career Development", "Sustainability", "Evaluating Impact"]
VOCABULARY = [f"word{i}" for i in range(2000)] + (
    "launch develop review embed network award registration mentoring apprenticeship survey webpage "
    "showcase career pathway secondment succession committee representation").split()


def synthetic_sector(n: int, stages: int = 5, per_plan: int = 12, seed: int = 7):
    """Frames like the warehouse's for ``n`` signatories x ``stages`` stages: each plan carries
    ~60 % of the previous plan's actions forward with one word changed, tops up with new ones;
    ~5 % of stages also have a rejected submission."""
    rng = random.Random(seed)
    slugs = [f"s{i:05d}" for i in range(n)]
    signed = [D(2017, 5, 1) + dt.timedelta(days=rng.randint(0, 2500)) for _ in slugs]
    signatories = pl.DataFrame({"slug": slugs, "signed": signed, "cohort": [str(d.year) for d in signed],
                                "ukprn": ["10007790" if i % 7 == 0 else None for i in range(n)]})
    subs, rets, acts = [], [], []
    for slug, day0 in zip(slugs, signed):
        plan: list[tuple[str, list[str]]] = []
        for k in range(1, stages + 1):
            day = day0 + dt.timedelta(days=450 + 730 * (k - 1) + rng.randint(-60, 90))
            if rng.random() < 0.05:
                subs.append((f"{slug}|{k}|r", slug, k, "rejected", _at(day - dt.timedelta(days=10))))
            sid = f"{slug}|{k}|a"
            subs.append((sid, slug, k, "accepted", _at(day)))
            rets.append((sid, slug, k, day, rng.randint(10, 1500)))
            carried = []
            for theme, words in plan:
                if rng.random() < 0.6:
                    words = list(words)
                    words[rng.randrange(len(words))] = rng.choice(VOCABULARY)
                    carried.append((theme, words))
            plan = carried
            while len(plan) < per_plan:
                plan.append((rng.choice(THEMES), rng.choices(VOCABULARY, k=8)))
            for o, (theme, words) in enumerate(plan):
                acts.append((sid, o, theme, "Action: " + " ".join(words) + " for technical staff",
                             rng.choice(["planned", "in progress", "done", "dropped", None])))
    submissions = pl.DataFrame(subs, schema={"submission_id": pl.String, "signatory": pl.String, "stage": pl.Int32,
                                             "status": pl.String, "received_at": pl.Datetime("us", "UTC")},
                               orient="row")
    returns = pl.DataFrame(rets, schema={"submission_id": pl.String, "signatory": pl.String, "stage": pl.Int32,
                                         "submission_date": pl.Date, "headcount": pl.Int64}, orient="row")
    actions = pl.DataFrame(acts, schema={"submission_id": pl.String, "ordinal": pl.Int32, "theme": pl.String,
                                         "action": pl.String, "status": pl.String}, orient="row")
    metrics = pl.DataFrame({"metric": [f"metric_{j:02d}" for j in range(40)]})
    values = returns.select("signatory", "stage").join(metrics, how="cross").with_columns(
        value=pl.Series([rng.gauss(50, 20) for _ in range(returns.height * metrics.height)]))
    return signatories, submissions, returns, actions, values


def test_synthetic_sector_invariants():
    signatories, submissions, returns, actions, values = synthetic_sector(60)
    t = tracker(signatories, submissions, D(2026, 1, 1))
    assert t.height == 60 * 5 and (t["status"] == "submitted").all()
    r = hr.reconcile(returns, signatories, load_hesa())
    assert r.height == returns.height and r.filter(pl.col("ratio") == 0).is_empty()
    lineage = action_lineage(actions, returns)
    assert lineage.height == 60 * 4 * 12
    matched = lineage.filter(pl.col("matched_ordinal").is_not_null())
    assert matched.select(pl.struct("signatory", "stage", "matched_ordinal").is_duplicated().any()).item() is False
    assert (matched["similarity"] >= THRESHOLD).all()
    assert sector_trends(values).height == 40 * 5
    assert signatory_trends(values).height == values.height

