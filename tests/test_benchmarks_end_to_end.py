"""Benchmarks through the pipeline: tables in the snapshot, `techbench benchmarks`, methodology."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.benchmarks.catalogue import CATALOGUE
from pipeline.benchmarks.compute import TABLES
from pipeline.cli import app
from pipeline.run import run_pipeline
from pipeline.settings import Paths
from pipeline.store.snapshot import open_snapshot
from pipeline.synthetic import generate, read_manifest

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    from test_pipeline import AS_OF, land_sector

    sector = tmp_path_factory.mktemp("sector")
    generate(sector, signatories=40, stages=3, seed=4, as_of=AS_OF, workers=1)
    paths = Paths.from_env(tmp_path_factory.mktemp("home"))
    land_sector(sector, paths, read_manifest(sector))
    assert run_pipeline(paths, quality=False).success
    return paths


def test_every_benchmark_table_is_published(home):
    with open_snapshot(home) as con:
        names = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
        assert {f"bench_{t}" for t in TABLES} <= names
        assert con.execute("SELECT count(*) FROM bench_positions").fetchone()[0] > 0
        statuses = {r[0] for r in con.execute("SELECT DISTINCT status FROM bench_tracker").fetchall()}
        assert "submitted" in statuses


def test_benchmarks_json_for_a_signatory_shows_every_metric_with_groups_labels_and_wording(home):
    result = runner.invoke(app, ["benchmarks", "--json", "--signatory", "imperial", "--home", str(home.home)])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    with open_snapshot(home) as con:
        computable = {r[0] for r in con.execute(
            """SELECT metric FROM bench_metric_values WHERE signatory = 'imperial' AND value IS NOT NULL
               AND stage = (SELECT max(stage) FROM bench_metric_values WHERE signatory = 'imperial')""").fetchall()}
    assert {r["metric"] for r in rows} == computable and computable
    assert {"all", "type:university", "nation:England"} <= {r["group_id"] for r in rows}
    labels = {"very high", "high", "medium", "low", "very low"}
    for r in rows:
        assert r["signatory"] == "imperial"
        if r["n"] >= 5:
            assert r["quintile_label"] in labels
            assert r["wording"] in {"materially above", "broadly in line", "materially below"}


def test_benchmarks_for_an_institution_hide_other_signatories(home):
    result = runner.invoke(app, ["benchmarks", "--json", "--metric", "headcount", "--group", "all",
                                 "--role", "institution", "--viewer", "imperial", "--home", str(home.home)])
    assert result.exit_code == 0, result.output
    shown = {r["signatory"] for r in json.loads(result.stdout)}
    assert "imperial" in shown and not (shown - {"imperial"}) & {"essex", "university-of-edinburgh"}


def test_benchmarks_export_is_formula_safe(home, tmp_path):
    out = tmp_path / "positions.csv"
    result = runner.invoke(app, ["benchmarks", "--metric", "headcount", "--export", str(out), "--home", str(home.home)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "imperial" in text
    import csv
    import io

    for row in list(csv.reader(io.StringIO(text)))[1:]:
        for cell in row:
            try:
                float(cell)  # a number is data, not a formula
            except ValueError:
                assert not cell.startswith(("=", "+", "-", "@")), cell


def test_methodology_document_is_current_and_covers_every_metric():
    from pipeline.benchmarks.methodology import render

    text = render()
    assert (ROOT / "docs" / "methodology.md").read_text() == text, "run: techbench methodology --out docs/methodology.md"
    for metric in CATALOGUE:
        assert f"(`{metric.id}`)" in text
    assert text.count("In plain English") >= len(CATALOGUE)
