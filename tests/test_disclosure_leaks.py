"""Disclosure control closes the leaks of issue 10: no exact count of a peer, nothing that joins a
pseudonymised peer to public data, one numbering per reviewer, and theme coverage that cannot be
turned back into counts — in the data layer, the downloads and the charts' embedded data."""

from __future__ import annotations

import csv
import io
import json

import polars as pl
import pytest
from dashboard_support import INSTITUTION, PASSWORD
from test_dashboard import home, open_page, snap, viewer  # noqa: F401  (``home`` is a fixture)

from dashboards import data
from pipeline.benchmarks import disclosure
from pipeline.benchmarks.catalogue import CATALOGUE

COUNT_METRICS = {m.id for m in CATALOGUE if m.kind == "count"}
SECOND_REVIEWER = "rev_second"


def published_count(cell) -> bool:
    """A count as disclosure control publishes it: null, "0", "<5" or a multiple of 5, as text."""
    return cell is None or cell == "<5" or (isinstance(cell, str) and cell.isdigit() and int(cell) % 5 == 0)


def peer_rows(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("signatory").str.starts_with("Peer "))


# --- 1. every count of a peer is rounded ----------------------------------------------------------

@pytest.mark.parametrize("username", ["inst", "rev"])
def test_peers_count_metrics_are_rounded_in_positions_and_metric_values(home, username):  # noqa: F811
    s, v = snap(home), viewer(home, username)
    for name in ("positions", "metric_values"):
        peers = peer_rows(data.sector_table(s, v, name)).filter(pl.col("metric").is_in(sorted(COUNT_METRICS)))
        assert peers.height
        exact = [c for c in peers["value"].to_list() if not published_count(c)]
        assert not exact, f"{name}: peers' exact counts {exact[:5]}"
        # a difference from a figure shown beside it would undo the rounding (value = median + diff)
        for column in ("change", "diff", "diff_low", "diff_high"):
            if column in peers.columns:
                assert peers[column].is_null().all(), (name, column)


def test_no_count_like_column_of_a_peer_is_exact_in_any_sector_table(home):  # noqa: F811
    s = snap(home)
    for username in ("inst", "rev"):
        for name in data.SECTOR_TABLES:
            table = data.sector_table(s, viewer(home, username), name)
            rows = peer_rows(table) if "signatory" in table.columns else table
            for column in ("n", "members", "signatories", "declared", "hesa_proxy", "headcount", "count"):
                if column in rows.columns:
                    assert all(published_count(c) for c in rows[column].to_list()), (username, name, column)


def test_an_institution_keeps_its_own_counts_exact(home):  # noqa: F811
    s = snap(home)
    exact = s.query("SELECT metric, stage, value FROM bench_metric_values WHERE signatory = ?", (INSTITUTION,))
    shown = data.sector_table(s, viewer(home, "inst"), "metric_values").filter(pl.col("signatory") == INSTITUTION)
    joined = exact.join(shown, on=["metric", "stage"], suffix="_shown")
    assert joined.height == exact.height
    for metric, value, value_shown in joined.select("metric", "value", "value_shown").iter_rows():
        assert (value is None and value_shown is None) or float(value_shown) == pytest.approx(value), metric


def test_peers_counts_are_rounded_in_the_downloaded_csv(home):  # noqa: F811
    from dashboards import exports

    content, _, _ = exports.sector_table(viewer(home, "rev"), "positions", "csv")
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    peers = [r for r in rows if r["signatory"].startswith("Peer ") and r["metric"] in COUNT_METRICS]
    assert peers and all(published_count(r["value"]) for r in peers)


# --- 2. nothing that joins a pseudonymised peer to public data ---------------------------------------

@pytest.mark.parametrize("username", ["inst", "rev"])
def test_peers_hesa_figures_and_tracker_dates_are_withheld(home, username):  # noqa: F811
    s, v = snap(home), viewer(home, username)
    hesa = peer_rows(data.sector_table(s, v, "hesa_reconciliation"))
    assert hesa.height
    for column in ("academic_year", "hesa_proxy", "ratio", "flag"):
        assert hesa[column].is_null().all(), column
    tracker = peer_rows(data.sector_table(s, v, "tracker"))
    assert tracker.height
    for column in ("window_opens", "due", "submitted_at"):
        assert tracker[column].is_null().all(), column
    if username == "inst":  # its own rows keep them
        own = data.sector_table(s, v, "tracker").filter(pl.col("signatory") == INSTITUTION)
        assert own["due"].is_not_null().all()
        own_hesa = data.sector_table(s, v, "hesa_reconciliation").filter(pl.col("signatory") == INSTITUTION)
        assert own_hesa["academic_year"].is_not_null().all()


def test_the_methodology_says_why_linking_fields_are_withheld():
    text = disclosure.__doc__
    assert "HESA" in text and "public" in text and "due date" in text


# --- 3. each reviewer its own numbering -----------------------------------------------------------

def _second_reviewer(home):  # noqa: F811
    if home.store.get_user(SECOND_REVIEWER) is None:
        home.store.add_user(SECOND_REVIEWER, PASSWORD, "reviewer")
    return viewer(home, SECOND_REVIEWER)


def test_each_reviewer_account_has_its_own_stable_pseudonyms(home):  # noqa: F811
    s = snap(home)

    def peers_in_order(v: data.Viewer) -> list[tuple]:
        shown = data.sector_table(s, v, "metric_values").filter(pl.col("metric") == "headcount")
        return shown.select("signatory", "stage", "value").rows()

    first, second = peers_in_order(viewer(home, "rev")), peers_in_order(_second_reviewer(home))
    assert first != second  # "Peer N" is another signatory for each reviewer (and the cache tells them apart)
    assert peers_in_order(viewer(home, "rev")) == first  # stable for a reviewer


def test_reviewer_numbering_is_keyed_by_account_and_institutions_stay_as_they_were():
    tables = {"returns": pl.DataFrame({"signatory": [f"s{i:02d}" for i in range(20)],
                                       "headcount": list(range(100, 120))})}
    salt = "a salt"
    a = disclosure.disclose(tables, None, "reviewer", salt=salt, account="alice")["returns"]
    b = disclosure.disclose(tables, None, "reviewer", salt=salt, account="bob")["returns"]
    assert a["headcount"].to_list() != b["headcount"].to_list()
    assert a.equals(disclosure.disclose(tables, None, "reviewer", salt=salt, account="alice")["returns"])
    # a reviewer's numbering does not depend on the signatory kept visible, nor match its institution's
    kept = disclosure.disclose(tables, "s03", "reviewer", salt=salt, account="alice")["returns"]
    inst = disclosure.disclose(tables, "s03", "institution", salt=salt)["returns"]
    assert kept.equals(disclosure.disclose(tables, "s03", "reviewer", salt=salt, account="alice")["returns"])
    assert kept["headcount"].to_list() != inst["headcount"].to_list()
    # institutions keep the numbering they had (keyed by their own slug, whatever account asks)
    assert inst.equals(disclosure.disclose(tables, "s03", "institution", salt=salt, account="someone")["returns"])


# --- 4. theme coverage cannot be turned back into counts --------------------------------------------

@pytest.fixture
def partial_home(home, tmp_path, monkeypatch):  # noqa: F811
    """A copy of the published sector in which plans do not all cover every theme (the synthetic ones
    do): at stage 1, 3 plans lose their Recognition actions and all but 2 their Sustainability ones."""
    import dataclasses
    import shutil

    import duckdb

    from dashboards.accounts import AccountStore
    from pipeline.settings import Paths
    from pipeline.store.snapshot import published

    shutil.copytree(home.paths.home, tmp_path / "home", ignore=shutil.ignore_patterns("landing"))
    paths = Paths.from_env(tmp_path / "home")
    with duckdb.connect(str(published(paths).file)) as con:
        plans = [r[0] for r in con.sql("SELECT submission_id FROM submissions WHERE is_latest_valid AND stage = 1 "
                                       "ORDER BY submission_id").fetchall()]
        con.execute("DELETE FROM return_actions WHERE theme = 'Recognition' AND submission_id IN (SELECT unnest(?))",
                    [plans[:3]])
        con.execute("DELETE FROM return_actions WHERE theme = 'Sustainability' AND submission_id IN "
                    "(SELECT unnest(?))", [plans[2:]])
    monkeypatch.setenv("TECHBENCH_HOME", str(paths.home))
    return dataclasses.replace(home, paths=paths, store=AccountStore.for_paths(paths))


def _coverage_counts(s: data.Snapshot) -> pl.DataFrame:
    """Per stage and core theme: accepted plans (n) and those with an action on it (covered),
    counted here in polars, apart from the data layer's SQL."""
    from pipeline.schema import CORE_THEMES

    plans = s.query("SELECT submission_id, stage FROM submissions WHERE is_latest_valid")
    actions = s.query("SELECT DISTINCT submission_id, theme FROM return_actions")
    themes = pl.DataFrame({"theme": [t.value for t in CORE_THEMES]})
    per_plan = plans.join(themes, how="cross").join(actions.with_columns(on=pl.lit(1)), on=["submission_id", "theme"],
                                                    how="left")
    return (per_plan.group_by("stage", "theme").agg(n=pl.len(), covered=pl.col("on").count())
            .sort("stage", "theme").select("stage", "theme", "n", "covered"))


def _published_share(n: int, covered: int) -> float | None:
    """What a non-steering viewer may see: from rounded counts; withheld under 5 plans or 1-4 covering."""
    if n < 5 or 0 < covered < 5:
        return None
    return 0.0 if covered == 0 else 100 * disclosure.round_count(covered) / disclosure.round_count(n)


def test_theme_coverage_for_non_steering_is_from_rounded_counts(partial_home):
    s = snap(partial_home)
    counts = _coverage_counts(s)
    assert counts.filter(pl.col("covered") != pl.col("n")).height >= 2  # partial coverage to protect
    expected = {(st, th): _published_share(n, c) for st, th, n, c in counts.iter_rows()}
    for username in ("inst", "rev"):
        shown = data.theme_coverage(s, viewer(partial_home, username))
        got = {(st, th): share for st, th, share in shown.select("stage", "theme", "share").iter_rows()}
        assert got.keys() == expected.keys()
        for k, share in got.items():
            if expected[k] is None:
                assert share is None, (username, k, share)
            else:
                assert share == pytest.approx(expected[k]), (username, k, share)
    steering = data.theme_coverage(s, viewer(partial_home, "steer"))  # exact for the steering group
    assert {round(x, 6) for x in steering["share"]} == {round(100 * c / n, 6) for _, _, n, c in counts.iter_rows()}


def _chart_data(at, field: str) -> list[pl.DataFrame]:
    """The datasets embedded in the page's Vega-Lite charts that encode ``field``."""
    found = []
    for chart in at.get("vega_lite_chart"):
        if f'"field": "{field}"' in chart.proto.spec:
            found += [pl.read_ipc_stream(io.BytesIO(d.data.data)) for d in chart.proto.datasets]
    return found


def test_the_theme_coverage_chart_sent_to_the_browser_has_no_exact_shares(partial_home):
    counts = _coverage_counts(snap(partial_home))
    exact = {round(100 * c / n, 6) for _, _, n, c in counts.iter_rows()} - \
        {round(x, 6) for x in (_published_share(n, c) for _, _, n, c in counts.iter_rows()) if x is not None}
    assert exact
    for role in ("institution", "reviewer"):
        at = open_page(role, "overview")
        assert not at.exception
        frames = _chart_data(at, "share")
        assert frames and all(set(f.columns) == {"stage", "theme", "share"} for f in frames)
        shares = {round(v, 6) for f in frames for v in f["share"].drop_nulls().to_list()}
        assert shares and not shares & exact, (role, sorted(shares & exact))
        assert sum(f["share"].null_count() for f in frames)  # 2 of 26 plans: withheld


def test_a_peer_s_deadline_basis_and_dates_are_withheld():
    """'published phase N' dates a peer's signing as surely as its signing date; its own row keeps it."""
    import datetime as dt

    from pipeline.benchmarks.disclosure import disclose

    rows = pl.DataFrame({"signatory": ["own", "peer"], "stage": [3, 3], "due_basis": ["published phase 1"] * 2,
                         "falls_due": [dt.date(2024, 1, 1)] * 2, "extended_from": [None, dt.date(2024, 1, 31)]})
    out = disclose({"tracker": rows}, "own", "institution", salt="s")["tracker"]
    peer = out.filter(pl.col("signatory") != "own").row(0, named=True)
    assert (peer["due_basis"], peer["falls_due"], peer["extended_from"]) == (None, None, None)
    assert out.filter(pl.col("signatory") == "own")["due_basis"].to_list() == ["published phase 1"]
