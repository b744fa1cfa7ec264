"""Extensions: granted once per institution, by the steering group only, recorded in the audit trail,
moving a deadline to the next submission window; through pipeline/programme/calendar.py, the command line and
the dashboard's data layer. Each test publishes a small tracker of its own (no pipeline run)."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from dashboards import data
from dashboards.accounts import AccountStore
from pipeline.programme import audit
from pipeline.benchmarks.tracker import tracker
from pipeline.programme.calendar import EXTENSION_ACTION, ExtensionRefused, extensions, grant_extension
from pipeline.cli import app
from pipeline.settings import Paths
from pipeline.store.snapshot import published

D = dt.date
AS_OF = D(2023, 12, 1)
PASSWORD = "correct horse battery"
runner = CliRunner()

# "future" has deadlines that stay ahead of the real today (the data layer and the command line
# refuse an extension whose next window has passed, on the real date)
SIGNATORIES = pl.DataFrame({
    "slug": ["gamma", "delta", "yearly", "future"],
    "name": ["Gamma University", "Delta Institute", "Yearly College", "Future University"],
    "signed": [D(2017, 5, 1), D(2018, 1, 15), D(2018, 1, 1), D(2090, 1, 1)],
    "signed_precision": ["month", "day", "year", "month"]})
SUBMISSIONS = pl.DataFrame(
    {"submission_id": ["delta|1|a"], "signatory": ["delta"], "stage": [1], "status": ["accepted"],
     "received_at": [dt.datetime(2019, 7, 1, 12, tzinfo=dt.UTC)]},
    schema={"submission_id": pl.String, "signatory": pl.String, "stage": pl.Int32, "status": pl.String,
            "received_at": pl.Datetime("us", "UTC")})


@pytest.fixture
def paths(tmp_path) -> Paths:
    """A home whose published snapshot holds the register's names and the tracker as of AS_OF."""
    paths = Paths.from_env(tmp_path / "home")
    paths.snapshot_dir.mkdir(parents=True)
    rows = tracker(SIGNATORIES, SUBMISSIONS, AS_OF)  # noqa: F841 (read by DuckDB below)
    names = SIGNATORIES.select("slug", "name")  # noqa: F841
    with duckdb.connect(str(paths.snapshot)) as con:
        con.execute("CREATE TABLE bench_tracker AS SELECT * FROM rows")
        con.execute("CREATE TABLE signatories AS SELECT * FROM names")
        con.execute("CREATE TABLE snapshot_meta AS SELECT 'v1' AS version, TIMESTAMPTZ '2023-12-01 09:00:00+00' "
                    "AS published_at, 'run' AS run_id, false AS synthetic")
    return paths


def test_an_extension_moves_the_deadline_to_the_next_window_and_is_in_the_audit_trail(paths):
    # gamma (phase 1): Stage 3 due at the 31 January 2024 window
    entry = grant_extension(paths, "gamma", 3, "Lead on long-term leave", by="steer", today=AS_OF)
    assert (entry.action, entry.subject, entry.actor) == (EXTENSION_ACTION, "gamma", "steer")
    assert entry.details == {"stage": 3, "reason": "Lead on long-term leave", "from": "2024-01-31",
                             "to": "2024-07-31"}
    assert audit.entries(paths, subject="gamma") == [entry]
    granted = extensions(paths).to_dicts()
    assert [(e["signatory"], e["stage"], e["extended_from"], e["extended_to"]) for e in granted] == [
        ("gamma", 3, D(2024, 1, 31), D(2024, 7, 31))]
    # the next pipeline run reads it from the trail
    g3 = tracker(SIGNATORIES, SUBMISSIONS, D(2024, 3, 1), extensions=extensions(paths)).filter(
        (pl.col("signatory") == "gamma") & (pl.col("stage") == 3)).to_dicts()[0]
    assert (g3["due"], g3["extended_from"], g3["status"]) == (D(2024, 7, 31), D(2024, 1, 31), "due")


def test_a_second_extension_for_the_same_institution_is_refused(paths):
    grant_extension(paths, "gamma", 3, "Restructure", by="steer", today=AS_OF)
    with pytest.raises(ExtensionRefused, match="Gamma University has already had its extension .*Stage 3.*"
                                               "one extension per institution"):
        grant_extension(paths, "gamma", 2, "Again", by="steer", today=AS_OF)
    assert len(audit.entries(paths, action_prefix=EXTENSION_ACTION)) == 1


@pytest.mark.parametrize(("slug", "stage", "reason", "message"), [
    ("nobody", 1, "Why", "'nobody' is not a signatory in the published register"),
    ("delta", 1, "Why", "has already submitted Stage 1"),
    ("yearly", 1, "Why", r"no known deadline \(due date unknown: signing month not stated\)"),
    ("gamma", 1, "Why", "which has passed"),  # Stage 1's window was 31 Jan 2019
    ("gamma", 3, "  ", "Give the reason"),
    ("gamma", 12, "Why", "Stage 12 does not exist"),
])
def test_refusals_say_why_and_record_nothing(paths, slug, stage, reason, message):
    with pytest.raises(ExtensionRefused, match=message):
        grant_extension(paths, slug, stage, reason, by="steer", today=AS_OF)
    assert audit.entries(paths) == []


def test_nothing_published_yet_is_a_refusal_not_a_crash(tmp_path):
    with pytest.raises(ExtensionRefused, match="Nothing has been published yet"):
        grant_extension(Paths.from_env(tmp_path), "gamma", 3, "Why", by="steer")


# --- the dashboard's data layer -------------------------------------------------------------------

def _viewer(paths: Paths, role: str, signatory: str | None = None) -> data.Viewer:
    store = AccountStore.for_paths(paths)
    store.add_user(role, PASSWORD, role, signatory)
    return data.Viewer.load(store, role)


def _snap(paths: Paths) -> data.Snapshot:
    return data.Snapshot(paths, published(paths))


@pytest.mark.parametrize(("role", "signatory"), [("institution", "gamma"), ("reviewer", "delta")])
def test_only_the_steering_group_can_grant_through_the_dashboard(paths, role, signatory):
    viewer = _viewer(paths, role, signatory)
    with pytest.raises(data.Denied, match="Only the steering group grants extensions"):
        data.grant_extension(_snap(paths), viewer, "gamma", 3, "My own deadline")
    with pytest.raises(data.Denied):
        data.recorded_extensions(_snap(paths), viewer)
    assert audit.entries(paths) == []


def test_the_steering_group_grants_in_its_own_name_and_the_tracker_shows_it_before_the_next_run(paths):
    viewer = _viewer(paths, "steering")
    entry = data.grant_extension(_snap(paths), viewer, "future", 1, "Lead on leave")
    assert entry.actor == "steering" and entry.details["to"] == "2092-01-31"
    rows = data.tracker(_snap(paths), viewer)
    f1 = rows.filter((pl.col("signatory") == "future") & (pl.col("stage") == 1)).to_dicts()[0]
    # signed Jan 2090: Stage 1 falls due Jul 2091, at the 31 July 2091 window; now the next one
    assert (f1["due"], f1["extended_from"], f1["extension"], f1["signatory_name"]) == (
        D(2092, 1, 31), D(2091, 7, 31), data.EXTENSION_PENDING, "Future University")
    assert rows.filter(pl.col("extension").is_not_null()).height == 1
    assert data.recorded_extensions(_snap(paths), viewer)["reason"].to_list() == ["Lead on leave"]


# --- the command line -----------------------------------------------------------------------------

def test_cli_grant_list_and_tracker(paths):
    home = ["--home", str(paths.home)]
    result = runner.invoke(app, ["extension", "grant", "future", "--stage", "2", "--reason", "Lead on leave",
                                 "--by", "Chair", *home])
    assert result.exit_code == 0, result.output
    assert "from 31 Jul 2093 to 31 Jan 2094" in result.output
    again = runner.invoke(app, ["extension", "grant", "future", "--stage", "3", "--reason", "x", "--by", "Chair",
                                *home])
    assert again.exit_code == 1 and "one extension per institution" in again.output
    assert "Traceback" not in again.output
    listed = json.loads(runner.invoke(app, ["extension", "list", "--json", *home]).stdout)
    assert [(e["signatory"], e["stage"], e["granted_by"], e["reason"], e["extended_to"]) for e in listed] == [
        ("future", 2, "Chair", "Lead on leave", "2094-01-31")]
    rows = json.loads(runner.invoke(app, ["tracker", "--json", "--signatory", "future", *home]).stdout)
    assert [(r["stage"], r["due_basis"], r["due"], r["extended_from"], r["extension_pending"]) for r in rows] == [
        (1, "computed", "2091-07-31", None, False), (2, "computed", "2094-01-31", "2093-07-31", True),
        (3, "computed", "2095-07-31", None, False)]
    gamma = json.loads(runner.invoke(app, ["tracker", "--json", "--signatory", "gamma", *home]).stdout)
    assert [(r["due_basis"], r["due"]) for r in gamma][2] == ("published phase 1", "2024-01-31")
    table = runner.invoke(app, ["tracker", *home], env={"COLUMNS": "250"})
    assert table.exit_code == 0 and "published phase 1" in table.output and "(pending)" in table.output
    assert "due date unknown: signing month not stated" in table.output


def test_cli_without_a_snapshot_says_so(tmp_path):
    result = runner.invoke(app, ["tracker", "--home", str(tmp_path)])
    assert result.exit_code == 1 and "run the pipeline first" in result.output


# --- the tracker page -------------------------------------------------------------------------------

def test_the_grant_form_is_the_steering_group_s_and_a_refusal_is_shown_not_raised(dashboard_home, monkeypatch):
    from test_dashboard import open_page

    monkeypatch.setenv("TECHBENCH_HOME", str(dashboard_home.paths.home))
    monkeypatch.setenv("TECHBENCH_DISCLOSURE_SALT", "test salt")
    at = open_page("institution", "tracker")
    assert "Grant an extension" not in [s.value for s in at.subheader] and not at.text_area
    at = open_page("steering", "tracker")
    assert "Grant an extension" in [s.value for s in at.subheader]
    table = next(d.value for d in at.dataframe if "due_basis" in d.value.columns)
    assert {"due", "falls_due", "extended_from", "extension"} <= set(table.columns)
    at.text_area(key="extension_reason").set_value("   ")
    next(b for b in at.button if b.label == "Grant the extension").click().run()
    assert not at.exception
    assert any("Give the reason" in e.value for e in at.error)
    assert audit.entries(dashboard_home.paths, action_prefix=EXTENSION_ACTION) == []
