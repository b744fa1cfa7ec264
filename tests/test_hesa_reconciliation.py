"""HESA reconciliation and the HESA metrics on the real DT025 tables (every UK provider, 2014/15 to
2023/24): Imperial and Essex across years, York opted out, technicians per 100 staff by hand, the
attribution wherever HESA figures are exported or shown, and peers' HESA values not disclosed."""

from __future__ import annotations

import datetime as dt
import io

import polars as pl
import pytest
from test_benchmark_metrics import _frames, _return

from dashboards.data.sector import hesa_reading
from pipeline.benchmarks import hesa_reconciliation as hr
from pipeline.benchmarks.catalogue import BY_ID, HESA_METRICS
from pipeline.benchmarks.disclosure import disclose
from pipeline.benchmarks.export import ATTRIBUTION_SHEET, to_bytes_csv, to_bytes_xlsx
from pipeline.benchmarks.methodology import render
from pipeline.benchmarks.metrics import metric_values
from plugins.hesa.reader import ATTRIBUTION, load_hesa

D = dt.date
IMPERIAL, ESSEX, YORK = "10003270", "10007791", "10007167"
REGISTER = pl.DataFrame({"slug": ["imperial", "essex", "york", "institute", "abroad"],
                         "ukprn": [IMPERIAL, ESSEX, YORK, None, "10099999"]})


@pytest.fixture(scope="module")
def hesa() -> pl.DataFrame:
    return load_hesa()


def _returns(rows: list[tuple[str, int, dt.date | None, int | None]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"signatory": pl.String, "stage": pl.Int32, "submission_date": pl.Date,
                                      "headcount": pl.Int64}, orient="row")


def _by_key(frame: pl.DataFrame) -> dict[tuple[str, int], dict]:
    return {(r["signatory"], r["stage"]): r for r in frame.to_dicts()}


def test_imperial_and_essex_against_the_hesa_year_of_each_return(hesa):
    got = _by_key(hr.reconcile(_returns([
        ("imperial", 1, D(2018, 6, 1), 900),    # 2017/18: proxy 835
        ("imperial", 2, D(2020, 7, 31), 2000),  # last day of 2019/20: proxy 870, 2.30: above band
        ("imperial", 3, D(2025, 10, 1), 1100),  # 2025/26 not published: the latest, 2023/24 (1070)
        ("essex", 1, D(2019, 7, 31), 200),      # 2018/19: 350, 0.57: below band
        ("essex", 2, D(2019, 8, 1), 360),       # first day of 2019/20: 360, exactly 1
        ("essex", 3, D(2024, 3, 1), 295),       # 2023/24: 295, total staff 3150
    ]), REGISTER, hesa))
    assert [(got["imperial", k]["academic_year"], got["imperial", k]["hesa_proxy"], got["imperial", k]["flag"])
            for k in (1, 2, 3)] == [("2017/18", 835, "within band"), ("2019/20", 870, "above band"),
                                    ("2023/24", 1070, "within band")]
    assert got["imperial", 1]["ratio"] == pytest.approx(900 / 835)
    assert got["imperial", 3]["note"] == ("HESA has not published 2025/26 yet: compared with 2023/24, the latest "
                                          "published year.")
    assert got["imperial", 1]["note"] is None  # its own year was published: nothing to say
    assert [(got["essex", k]["academic_year"], got["essex", k]["hesa_proxy"], got["essex", k]["flag"])
            for k in (1, 2, 3)] == [("2018/19", 350, "below band"), ("2019/20", 360, "within band"),
                                    ("2023/24", 295, "within band")]
    assert got["essex", 2]["ratio"] == 1.0 and got["essex", 3]["total_staff"] == 3150
    assert hesa_reading({**got["imperial", 1], "per_100_staff": 100 * 900 / 8275}) == (
        "HESA 2017/18: technician proxy 835; 900 declared, ratio 1.08 (within band); "
        "10.9 technicians per 100 staff (HESA total 8,275)")


def test_york_opted_out_is_not_reported_with_its_year_never_zero(hesa):
    got = _by_key(hr.reconcile(_returns([
        ("york", 1, D(2019, 3, 1), 600),    # 2018/19: York still reported (650)
        ("york", 2, D(2023, 1, 5), 700),    # 2022/23: opted out
        ("york", 3, D(2026, 2, 1), 700),    # 2025/26 -> the latest published, 2023/24: opted out then too
    ]), REGISTER, hesa))
    assert (got["york", 1]["hesa_proxy"], got["york", 1]["flag"]) == (650, "within band")
    opted = got["york", 2]
    assert opted["flag"] == "not reported (opted out in 2022/23)"
    assert (opted["academic_year"], opted["declared"], opted["hesa_proxy"], opted["total_staff"], opted["ratio"]) == (
        "2022/23", 700, None, None, None)
    assert got["york", 3]["flag"] == "not reported (opted out in 2023/24)"
    assert "2025/26" in got["york", 3]["note"]
    assert hesa_reading({**opted, "per_100_staff": None}) == "HESA: not reported (opted out in 2022/23)"


def test_every_reason_for_no_comparison_is_its_own_flag(hesa):
    got = _by_key(hr.reconcile(_returns([
        ("institute", 1, D(2020, 1, 1), 50),    # no UKPRN
        ("essex", 1, D(2012, 1, 1), 300),       # 2011/12: before HESA's tables
        ("abroad", 1, D(2020, 1, 1), 80),       # a UKPRN DT025 does not hold
        ("essex", 2, None, 300),                # undated
        ("imperial", 1, D(2022, 3, 1), None),   # no headcount: the proxy is shown, no ratio
    ]), REGISTER, hesa))
    assert got["institute", 1]["flag"] == "no UKPRN"
    assert (got["essex", 1]["flag"], got["essex", 1]["academic_year"], got["essex", 1]["note"]) == (
        "year not published", "2011/12", "HESA's tables start at 2014/15.")
    assert got["abroad", 1]["flag"] == "not in HESA that year"
    assert got["essex", 2]["flag"] == "no submission date"
    assert (got["imperial", 1]["hesa_proxy"], got["imperial", 1]["ratio"], got["imperial", 1]["flag"]) == (
        850, None, "no declared headcount")
    assert all(r["ratio"] is None for r in got.values())
    assert {r["flag"] for r in got.values()} <= set(hr.FLAGS)


def test_technicians_per_100_staff_and_the_proxy_ratio_from_real_figures(hesa):
    returns = [_return("imperial|1|a", 1, D(2019, 3, 1), 900),   # 2018/19: total staff 8460, proxy 840
               _return("york|1|b", 1, D(2023, 1, 5), 700),       # 2022/23: York opted out
               _return("institute|1|c", 1, D(2020, 1, 1), 50)]   # no UKPRN
    frames = _frames(returns=returns, actions=[], registrations=[], initiatives=[])
    frames.signatories, frames.hesa = REGISTER, hesa
    values = metric_values(frames)
    value = {(r["signatory"], r["metric"]): r["value"] for r in values.to_dicts()}
    assert value["imperial", "technicians_per_100_staff"] == pytest.approx(10.638, abs=1e-3)  # 100 × 900 / 8460
    assert value["imperial", "hesa_proxy_ratio"] == pytest.approx(900 / 840)
    for slug in ("york", "institute"):  # not reported / no UKPRN: null, never 0
        assert value[slug, "technicians_per_100_staff"] is None and value[slug, "hesa_proxy_ratio"] is None
    reasons = _by_key(hr.reconcile(frames.returns, REGISTER, hesa))
    assert reasons["york", 1]["flag"] == "not reported (opted out in 2022/23)"  # the reason beside the null


def test_hesa_metrics_are_in_the_catalogue_and_the_methodology():
    assert HESA_METRICS == {"technicians_per_100_staff", "hesa_proxy_ratio"}
    text = render()
    for metric in HESA_METRICS:
        m = BY_ID[metric]
        assert m.hesa and m.unit and m.direction and "withheld" in m.disclosure
        assert f"`{metric}`" in text and m.disclosure in text
    assert "not reported (opted out in" in text and "no nation or region" in text


def test_the_attribution_is_the_plugins_and_goes_with_every_hesa_export():
    assert hr.ATTRIBUTION == ATTRIBUTION
    rec = pl.DataFrame({"signatory": ["imperial"], "academic_year": ["2018/19"], "declared": [900],
                        "hesa_proxy": [840], "ratio": [900 / 840], "flag": ["within band"]})
    csv = to_bytes_csv(rec, bom=True).decode("utf-8-sig")
    assert csv.splitlines()[-1] == f"# {ATTRIBUTION}" and csv.startswith("signatory,")  # header first
    assert pl.read_csv(io.StringIO(csv), comment_prefix="#").equals(rec)  # the data reads back as it was
    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(to_bytes_xlsx(rec, sheet="hesa_reconciliation")))
    assert book.sheetnames == ["hesa_reconciliation", ATTRIBUTION_SHEET]
    assert ATTRIBUTION in [c.value for row in book[ATTRIBUTION_SHEET].iter_rows() for c in row]
    # a metric table holding a HESA metric carries it; one without HESA figures does not
    values = pl.DataFrame({"signatory": ["a", "a"], "metric": ["headcount", "technicians_per_100_staff"],
                           "value": [900.0, 10.6]})
    assert to_bytes_csv(values).decode().endswith(f"# {ATTRIBUTION}\n")
    assert ATTRIBUTION not in to_bytes_csv(values.head(1)).decode()
    assert load_workbook(io.BytesIO(to_bytes_xlsx(values.head(1)))).sheetnames == ["data"]


def test_a_peers_hesa_metric_value_is_withheld_like_its_hesa_figures():
    values = pl.DataFrame({"signatory": ["own", "peer"], "stage": [1, 1], "metric": ["technicians_per_100_staff"] * 2,
                           "value": [10.6, 12.3]})
    out = disclose({"metric_values": values}, "own", "institution", salt="s")["metric_values"]
    assert out.filter(pl.col("signatory") == "own")["value"].to_list() == ["10.6"]
    assert out.filter(pl.col("signatory") != "own")["value"].is_null().all()
