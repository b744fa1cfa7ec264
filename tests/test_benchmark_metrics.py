"""The metric catalogue and the per-return metric values, checked against hand arithmetic.

Four signatories, built by hand as the warehouse would hand them to the benchmarks:

- alpha: stages 1 and 2 (a change since the previous stage; Stage 2 fails every compliance check)
- beta: stage 2 only (no headcount; no previous stage)
- gamma: stages 1 and 2 (headcount 0 and no actions at Stage 1; no submission date)
- delta: stages 1 and 3 (29 February start; 36-month horizon; Stage 2 missing)
"""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest

from pipeline.benchmarks.catalogue import BY_ID, CATALOGUE, DIRECTIONS, HEADLINE, IDS, KINDS, MetricDef
from pipeline.benchmarks.frames import Frames
from pipeline.benchmarks.metrics import SCHEMA, latest_values, metric_values
from pipeline.schema import CORE_THEMES, Register, Theme

D = dt.date

RETURN_SCHEMA = {
    "submission_id": pl.String, "signatory": pl.String, "stage": pl.Int32, "synthetic": pl.Boolean,
    "signatory_name": pl.String, "submission_date": pl.Date, "headcount": pl.Int64, "fte": pl.Float64,
    "technician_voice": pl.String, "published_url": pl.String, "lead_signoff_name": pl.String,
    "lead_signoff_date": pl.Date, "head_signoff_name": pl.String, "head_signoff_date": pl.Date,
    "plan_horizon_months": pl.Int32,
}
ACTION_SCHEMA = {
    "submission_id": pl.String, "ordinal": pl.Int32, "theme": pl.String, "action": pl.String, "owner": pl.String,
    "due_precision": pl.String, "due_end": pl.Date, "due_text": pl.String, "evidence": pl.String,
    "status": pl.String,
}
REGISTRATION_SCHEMA = {"submission_id": pl.String, "ordinal": pl.Int32, "register": pl.String, "label": pl.String,
                       "count": pl.Int64}
INITIATIVE_SCHEMA = {"submission_id": pl.String, "ordinal": pl.Int32, "phase": pl.String, "theme": pl.String,
                     "text": pl.String}

A1, A2, B2, G1, G2, D1, D3 = "alpha|1|a", "alpha|2|b", "beta|2|c", "gamma|1|d", "gamma|2|e", "delta|1|f", "delta|3|g"
SIGNED = dict(lead_signoff_name="Lead", lead_signoff_date=D(2018, 5, 30), head_signoff_name="Head",
              head_signoff_date=D(2018, 5, 31))


def _return(sid: str, stage: int, date: dt.date | None, headcount: int | None, fte: float | None = None,
            **extra) -> dict:
    row = dict(submission_id=sid, signatory=sid.split("|")[0], stage=stage, synthetic=True,
               signatory_name=sid.split("|")[0].title(), submission_date=date, headcount=headcount, fte=fte,
               technician_voice="Technicians drafted the plan.", published_url=f"https://{sid[:4]}.ac.uk/tc",
               plan_horizon_months=24 if stage <= 2 else 36, **SIGNED)
    row.update(extra)
    return row


def _action(sid: str, theme: Theme | None, owner: str | None, precision: str | None, end: dt.date | None,
            evidence: str | None) -> dict:
    return dict(submission_id=sid, ordinal=0, theme=theme.value if theme else None, action="Do something",
                owner=owner, due_precision=precision, due_end=end, due_text=str(end or precision),
                evidence=evidence, status="planned")


V, R, CD, S, EI = (Theme.VISIBILITY, Theme.RECOGNITION, Theme.CAREER_DEVELOPMENT, Theme.SUSTAINABILITY,
                   Theme.EVALUATING_IMPACT)

RETURNS = [
    _return(A1, 1, D(2018, 5, 31), 200, 180.5),
    # Stage 2 fails all three compliance checks: blank voice, no URL, head's sign-off undated
    _return(A2, 2, D(2020, 7, 1), 250, None, technician_voice="   ", published_url=None, head_signoff_date=None),
    _return(B2, 2, D(2020, 3, 1), None, 12.0),
    _return(G1, 1, None, 0, 0.0),
    _return(G2, 2, None, 50, 45.0, lead_signoff_name=""),
    _return(D1, 1, D(2020, 2, 29), 40, 40.0),
    _return(D3, 3, D(2023, 1, 31), 80, 70.0),
]

ACTIONS = [
    # alpha 1: submitted 2018-05-31, 24 months -> horizon 2018-05-31 .. 2020-05-31
    _action(A1, V, "HR", "month", D(2019, 9, 30), "survey"),          # SMART; dated, inside
    _action(A1, V, "HR", "day", D(2020, 5, 31), "survey"),            # SMART; dated, inside (= horizon end)
    _action(A1, R, "  ", "day", D(2020, 6, 1), "survey"),             # blank owner; dated, outside (end + 1 day)
    _action(A1, CD, "Dean", "ongoing", None, "survey"),               # ongoing: not SMART, not dated
    _action(A1, EI, "Lead", "day", D(2018, 5, 31), None),             # no evidence; dated, inside (= start)
    _action(A1, None, "Lead", "quarter", D(2018, 3, 31), "report"),   # no theme; SMART; dated, outside (before)
    # alpha 2: two Sustainability actions, neither dated
    _action(A2, S, "X", "ongoing", None, "e"),
    _action(A2, S, "Y", None, None, "e"),                             # no due date at all
    # beta 2: one complete action, submitted 2020-03-01 -> horizon to 2022-03-01
    _action(B2, CD, "Owner", "year", D(2021, 12, 31), "e"),
    # gamma 1: no actions.  gamma 2: no submission date, so the horizon is unknown
    _action(G2, V, "Owner", "day", D(2021, 1, 1), "e"),
    # delta 1: 29 Feb 2020 + 24 months -> 28 Feb 2022 (clipped to the month's end)
    _action(D1, V, "O", "day", D(2022, 2, 28), "e"),                  # inside (= horizon end)
    _action(D1, R, "O", "day", D(2022, 3, 1), "e"),                   # outside
    _action(D1, CD, "O", "month", D(2021, 6, 30), "e"),
    _action(D1, S, "O", "month", D(2021, 7, 31), "e"),
    # delta 3: 31 Jan 2023 + 36 months -> 31 Jan 2026
    _action(D3, V, "O", "month", D(2026, 1, 31), "e"),                # inside (= horizon end)
    _action(D3, V, "O", "day", D(2026, 2, 1), "e"),                   # outside
    _action(D3, V, "O", "month", D(2024, 12, 31), "e"),               # inside
]

REGISTRATIONS = [
    (A1, "RSciTech", None, 10), (A1, "EngTech", None, 6), (A1, "RSciTech", None, 4), (A1, "other", "MIET", 2),
    (A2, "RSciTech", None, 30), (A2, "CSci", None, 5),
    (B2, "RSci", None, 3),
    (D1, "RSciTech", None, 4), (D3, "RSciTech", None, 12),
]

INITIATIVES = [
    (A1, "before", None), (A1, "before", None),
    (A1, "since", V), (A1, "since", V), (A1, "since", R), (A1, "since", EI), (A1, "since", None),
    (D3, "since", S),
]

DEADLINES = pl.DataFrame(
    {"signatory": ["alpha", "alpha", "gamma", "zeta"], "stage": [1, 2, 1, 1],
     "due": [D(2018, 6, 15), D(2020, 6, 30), D(2019, 1, 1), D(2019, 1, 1)]},
    schema={"signatory": pl.String, "stage": pl.Int32, "due": pl.Date})


def _frames(returns=RETURNS, actions=ACTIONS, registrations=REGISTRATIONS, initiatives=INITIATIVES) -> Frames:
    def numbered(rows: list[dict]) -> list[dict]:
        seen: dict[str, int] = {}
        for row in rows:
            row["ordinal"] = seen[row["submission_id"]] = seen.get(row["submission_id"], -1) + 1
        return rows

    returns_df = pl.DataFrame(returns, schema=RETURN_SCHEMA)
    return Frames(
        signatories=pl.DataFrame({"slug": sorted({r["signatory"] for r in returns})}),
        submissions=returns_df.select("submission_id", "signatory", "stage", status=pl.lit("accepted"),
                                      is_latest_valid=pl.lit(True)),
        returns=returns_df,
        areas=pl.DataFrame(schema={"submission_id": pl.String, "ordinal": pl.Int32, "name": pl.String,
                                   "headcount": pl.Int64, "fte": pl.Float64}),
        registrations=pl.DataFrame(
            numbered([dict(submission_id=s, ordinal=0, register=g, label=lab, count=c)
                      for s, g, lab, c in registrations]), schema=REGISTRATION_SCHEMA),
        metrics=pl.DataFrame(schema={"submission_id": pl.String, "ordinal": pl.Int32, "name": pl.String,
                                     "count": pl.Float64}),
        initiatives=pl.DataFrame(
            numbered([dict(submission_id=s, ordinal=0, phase=p, theme=t.value if t else None, text="init")
                      for s, p, t in initiatives]), schema=INITIATIVE_SCHEMA),
        actions=pl.DataFrame(numbered([dict(a) for a in actions]), schema=ACTION_SCHEMA),
        hesa=pl.DataFrame(),
    )


@pytest.fixture(scope="module")
def values() -> pl.DataFrame:
    return metric_values(_frames(), DEADLINES)


def _value(values: pl.DataFrame, signatory: str, stage: int, metric: str) -> float | None:
    hit = values.filter((pl.col("signatory") == signatory) & (pl.col("stage") == stage)
                        & (pl.col("metric") == metric))
    assert hit.height == 1, (signatory, stage, metric, hit)
    return hit["value"][0]


# Hand-computed expectations: (signatory, stage) -> metric -> value (None = null).
ZERO_REGISTERS = {f"registrations_per_100_{r.name.lower()}": 0.0 for r in Register}
EXPECTED: dict[tuple[str, int], dict[str, float | None]] = {
    ("alpha", 1): {
        "headcount": 200, "fte": 180.5,
        # registrations 10 + 6 + 4 + 2 = 22; 100 × 22 / 200 = 11
        "registrations_per_100": 11.0,
        **ZERO_REGISTERS,
        "registrations_per_100_rscitech": 7.0,   # two RSciTech rows: 100 × (10 + 4) / 200
        "registrations_per_100_engtech": 3.0,    # 100 × 6 / 200
        "registrations_per_100_other": 1.0,      # 100 × 2 / 200
        "actions": 6,
        "actions_visibility": 2, "actions_recognition": 1, "actions_career_development": 1,
        "actions_sustainability": 0, "actions_evaluating_impact": 1,
        "actions_per_100": 3.0,                  # 100 × 6 / 200
        "themes_covered": 3,                     # V, R, CD (Evaluating Impact is not a core theme)
        "smart_share": 50.0,                     # actions 0, 1, 5 of 6
        "due_in_horizon_share": 60.0,            # dated 0, 1, 2, 4, 5; inside 0, 1, 4 -> 3 / 5
        "initiatives_since": 5,                  # the two "before" ones do not count
        "initiatives_since_visibility": 2, "initiatives_since_recognition": 1,
        "initiatives_since_career_development": 0, "initiatives_since_sustainability": 0,
        "url_published": 100.0, "voice_evidenced": 100.0, "both_signoffs": 100.0, "compliance_score": 100.0,
        "timeliness_days": 15,                   # deadline 15 Jun 2018 − submitted 31 May 2018
        "headcount_change_pct": None, "registrations_per_100_change": None,   # Stage 1
    },
    ("alpha", 2): {
        "headcount": 250, "fte": None,
        "registrations_per_100": 14.0,           # 100 × (30 + 5) / 250
        **ZERO_REGISTERS,
        "registrations_per_100_rscitech": 12.0,  # 100 × 30 / 250
        "registrations_per_100_csci": 2.0,       # 100 × 5 / 250
        "actions": 2, "actions_visibility": 0, "actions_recognition": 0, "actions_career_development": 0,
        "actions_sustainability": 2, "actions_evaluating_impact": 0,
        "actions_per_100": 0.8,                  # 100 × 2 / 250
        "themes_covered": 1,
        "smart_share": 0.0,                      # one ongoing, one without a due date
        "due_in_horizon_share": None,            # no dated action
        "initiatives_since": 0, "initiatives_since_visibility": 0, "initiatives_since_recognition": 0,
        "initiatives_since_career_development": 0, "initiatives_since_sustainability": 0,
        "url_published": 0.0, "voice_evidenced": 0.0, "both_signoffs": 0.0, "compliance_score": 0.0,
        "timeliness_days": -1,                   # deadline 30 Jun 2020 − submitted 1 Jul 2020: a day late
        "headcount_change_pct": 25.0,            # 100 × (250 − 200) / 200
        "registrations_per_100_change": 3.0,     # 14 − 11
    },
    ("beta", 2): {
        "headcount": None, "fte": 12.0,
        # no headcount: every per-100 metric is null, even with registrations
        "registrations_per_100": None, **dict.fromkeys(ZERO_REGISTERS),
        "actions": 1, "actions_career_development": 1, "actions_per_100": None, "themes_covered": 1,
        "smart_share": 100.0, "due_in_horizon_share": 100.0,   # 31 Dec 2021 ≤ 1 Mar 2022
        "compliance_score": 100.0,
        "timeliness_days": None,                 # no deadline given for beta
        "headcount_change_pct": None, "registrations_per_100_change": None,   # no Stage 1 return
    },
    ("gamma", 1): {
        "headcount": 0, "fte": 0.0,
        "registrations_per_100": None, "actions_per_100": None,   # headcount 0
        "actions": 0, "actions_visibility": 0, "themes_covered": 0,
        "smart_share": None, "due_in_horizon_share": None,         # no actions
        "initiatives_since": 0,
        "timeliness_days": None,                 # a deadline, but no submission date
    },
    ("gamma", 2): {
        "headcount": 50,
        "registrations_per_100": 0.0, **ZERO_REGISTERS,            # no registrations listed: 0
        "actions_per_100": 2.0,                  # 100 × 1 / 50
        "smart_share": 100.0,
        "due_in_horizon_share": None,            # no submission date: horizon unknown
        "both_signoffs": 0.0,                    # lead's name blank
        "compliance_score": 200 / 3,                 # (100 + 100 + 0) / 3
        "headcount_change_pct": None,            # previous headcount 0
        "registrations_per_100_change": None,    # previous rate null (headcount 0)
    },
    ("delta", 1): {
        "themes_covered": 4,
        "due_in_horizon_share": 75.0,            # 28 Feb 2022 inside, 1 Mar 2022 outside: 3 / 4
        "registrations_per_100": 10.0,           # 100 × 4 / 40
    },
    ("delta", 3): {
        "due_in_horizon_share": 200 / 3,   # 31 Jan 2026 and Dec 2024 inside of 3
        "registrations_per_100": 15.0,           # 100 × 12 / 80
        "initiatives_since_sustainability": 1,
        # Stage 2 is missing: no change is computed against Stage 1
        "headcount_change_pct": None, "registrations_per_100_change": None,
    },
}


@pytest.mark.parametrize(("key", "metric", "expected"),
                         [(k, m, e) for k, metrics in EXPECTED.items() for m, e in metrics.items()],
                         ids=[f"{k[0]}{k[1]}-{m}" for k, metrics in EXPECTED.items() for m in metrics])
def test_metric_value(values, key, metric, expected):
    got = _value(values, *key, metric)
    if expected is None:
        assert got is None
    else:
        assert got is not None and not math.isnan(got)
        assert got == pytest.approx(expected)


def test_shape_and_order(values):
    assert values.schema == SCHEMA
    assert values.height == len(RETURNS) * len(CATALOGUE)
    assert values.equals(values.sort("signatory", "stage", "metric"))
    assert set(values["metric"]) == set(IDS)
    per_return = values.group_by("submission_id").agg(pl.col("metric").n_unique().alias("n"), pl.len())
    assert per_return.height == len(RETURNS)
    assert (per_return["n"] == len(IDS)).all() and (per_return["len"] == len(IDS)).all()
    assert not values["value"].is_nan().any() and not values["value"].is_infinite().any()
    # keys line up with the return they came from
    keys = values.select("signatory", "stage", "submission_id").unique()
    assert sorted(keys.rows()) == sorted((r["signatory"], r["stage"], r["submission_id"]) for r in RETURNS)


def test_no_deadlines_means_no_timeliness():
    values = metric_values(_frames())
    assert values.filter(pl.col("metric") == "timeliness_days")["value"].null_count() == len(RETURNS)


def test_duplicate_deadlines_refused():
    with pytest.raises(ValueError, match="one row per signatory and stage"):
        metric_values(_frames(), pl.concat([DEADLINES, DEADLINES.head(1)]))


def test_duplicate_returns_refused():
    with pytest.raises(ValueError, match="one latest valid submission per signatory and stage"):
        metric_values(_frames(returns=[*RETURNS, _return("alpha|1|again", 1, D(2018, 6, 1), 10)]))


def test_empty_frames():
    values = metric_values(_frames(returns=[], actions=[], registrations=[], initiatives=[]))
    assert values.schema == SCHEMA and values.height == 0


def test_return_without_children():
    frames = _frames(returns=[_return("solo|1|z", 1, D(2019, 1, 1), 10)], actions=[], registrations=[],
                     initiatives=[])
    values = metric_values(frames)
    got = dict(values.select("metric", "value").iter_rows())
    assert got["actions"] == 0 and got["themes_covered"] == 0 and got["initiatives_since"] == 0
    assert got["registrations_per_100"] == 0 and got["smart_share"] is None
    assert got["due_in_horizon_share"] is None and got["compliance_score"] == 100


def test_latest_values(values):
    latest = latest_values(values)
    assert latest.schema == SCHEMA
    stages = dict(latest.select("signatory", "stage").unique().iter_rows())
    assert stages == {"alpha": 2, "beta": 2, "gamma": 2, "delta": 3}
    assert latest.height == 4 * len(CATALOGUE)
    assert latest.equals(latest.sort("signatory", "stage", "metric"))


def test_catalogue_entries_complete():
    assert len(BY_ID) == len(CATALOGUE) == len(IDS)
    for d in CATALOGUE:
        assert isinstance(d, MetricDef)
        assert d.id == d.id.lower() and " " not in d.id
        assert d.name.strip() and d.definition.strip() and d.formula.strip() and d.unit.strip()
        assert d.direction in DIRECTIONS and d.kind in KINDS
        assert d.fields and all(f.startswith("/") for f in d.fields)
        assert BY_ID[d.id] is d
    assert HEADLINE and set(HEADLINE) <= set(IDS)


def test_catalogue_has_required_ids():
    required = {"headcount", "fte", "registrations_per_100", "actions", "actions_per_100", "themes_covered",
                "smart_share", "due_in_horizon_share", "url_published", "voice_evidenced", "both_signoffs",
                "compliance_score", "timeliness_days", "headcount_change_pct", "registrations_per_100_change"}
    required |= {f"registrations_per_100_{r.name.lower()}" for r in Register}
    required |= {f"actions_{t.name.lower()}" for t in Theme}
    required |= {f"initiatives_since_{t.name.lower()}" for t in CORE_THEMES}
    assert required <= set(IDS)
    assert {"registrations_per_100_rscitech", "registrations_per_100_other",
            "actions_career_development", "actions_evaluating_impact"} <= set(IDS)
    assert BY_ID["headcount"].kind == "count" and BY_ID["actions"].kind == "count"
    assert BY_ID["timeliness_days"].unit == "days" and BY_ID["smart_share"].unit == "%"


def test_catalogue_rejects_bad_definitions():
    good = dict(id="x_y", name="X", definition="d", formula="f", unit="u", direction="higher", fields=("/a",))
    MetricDef(**good)
    for bad in ({"id": "XY"}, {"direction": "up"}, {"kind": "ratio"}, {"fields": ()}, {"formula": " "}):
        with pytest.raises(ValueError):
            MetricDef(**{**good, **bad})


def test_every_output_metric_in_catalogue(values):
    assert set(values["metric"].unique()) <= set(BY_ID)
