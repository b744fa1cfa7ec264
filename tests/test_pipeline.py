"""The pipeline end to end: landing zone to published snapshot, in-process, over a synthetic sector."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipeline.handin import landing
from pipeline.store import warehouse
from pipeline.validation.rules import RULES
from pipeline.run import run_pipeline
from plugins.hesa.reader import load_hesa
from pipeline.settings import Paths
from pipeline.store.snapshot import open_snapshot, published
from pipeline.synthetic import generate, read_manifest

ERROR_RULES = {r.id for r in RULES if r.severity == "error"}
AS_OF = dt.date(2026, 11, 1)


def land_sector(sector: Path, paths: Paths, rows: list[dict]) -> None:
    paths.home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(sector / "register.csv", paths.home / "register.csv")
    for row in rows:
        received = dt.datetime.combine(dt.date.fromisoformat(row["received"]), dt.time(12), dt.UTC)
        landing.land_file(sector / row["file"], row["signatory"], int(row["stage"]), paths.landing, "test",
                          received=received)


def expected_status(row: dict) -> str:
    return "rejected" if set(row["expected_rules"].split(";")) & ERROR_RULES else "accepted"


@pytest.fixture(scope="module")
def sector(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sector")
    generate(out, signatories=24, stages=3, seed=21, as_of=AS_OF, workers=1)
    return out


@pytest.fixture(scope="module")
def loaded(sector, tmp_path_factory):
    paths = Paths.from_env(tmp_path_factory.mktemp("home"))
    rows = read_manifest(sector)
    land_sector(sector, paths, rows)
    summary = run_pipeline(paths, quality=True)
    return paths, rows, summary


def query(paths: Paths, sql: str, params=()) -> list[tuple]:
    with open_snapshot(paths) as con:
        return con.execute(sql, list(params)).fetchall()


def test_every_file_ends_accepted_or_rejected_as_the_generator_says(loaded):
    paths, rows, summary = loaded
    assert summary.success and summary.processed == len(rows)
    stored = dict(query(paths, "SELECT original_name, status FROM submissions"))
    assert stored == {Path(r["file"]).name: expected_status(r) for r in rows}
    assert summary.rejected == sum(expected_status(r) == "rejected" for r in rows) > 0
    assert all(summary.checks.values()), summary.checks
    assert "great_expectations_suite" in summary.checks
    assert (paths.quality / "data_docs" / "index.html").is_file()


def test_rejected_return_is_recorded_with_its_issues(loaded):
    paths, rows, _ = loaded
    row = next(r for r in rows if expected_status(r) == "rejected")
    issues = query(paths, """SELECT i.rule, i.severity, i.location, i.message FROM issues i
                             JOIN submissions s USING (submission_id) WHERE s.original_name = ?""",
                   [Path(row["file"]).name])
    assert {rule for rule, *_ in issues} == set(row["expected_rules"].split(";"))
    assert all(location and message for _, _, location, message in issues)
    # a rejected return keeps its readable content for the lead, but is never the valid one
    flags = query(paths, "SELECT is_latest_valid FROM submissions WHERE original_name = ?", [Path(row["file"]).name])
    assert flags == [(False,)]


def test_warehouse_is_consistent(loaded):
    paths, rows, _ = loaded
    assert query(paths, "SELECT count(*) FROM submissions")[0][0] == len(rows)
    orphans = query(paths, """SELECT count(*) FROM return_actions a LEFT JOIN returns r USING (submission_id)
                              WHERE r.submission_id IS NULL""")
    assert orphans == [(0,)]
    doubled = query(paths, """SELECT signatory, stage, count(*) FROM submissions WHERE is_latest_valid
                              GROUP BY ALL HAVING count(*) > 1""")
    assert doubled == []
    accepted = query(paths, "SELECT count(*) FROM submissions WHERE status = 'accepted'")[0][0]
    assert query(paths, "SELECT count(*) FROM submissions WHERE is_latest_valid")[0][0] == accepted
    assert query(paths, "SELECT count(*) FROM hesa_reference")[0][0] == load_hesa().height  # every row, opted-out ones too
    assert query(paths, "SELECT bool_and(synthetic) FROM signatories") == [(True,)]


def test_rerun_is_idempotent_and_same_bytes_are_one_submission(loaded, sector):
    paths, rows, _ = loaded
    before = query(paths, "SELECT count(*), count(*) FILTER (status='accepted') FROM submissions")
    first = rows[0]
    again = landing.land_file(sector / first["file"], first["signatory"], int(first["stage"]), paths.landing, "twice")
    assert not again.new
    summary = run_pipeline(paths, quality=False)
    assert summary.success and summary.processed == 0
    assert query(paths, "SELECT count(*), count(*) FILTER (status='accepted') FROM submissions") == before


def test_a_new_version_replaces_the_latest_valid_one(loaded, sector, tmp_path):
    paths, rows, _ = loaded
    row = next(r for r in rows if expected_status(r) == "accepted" and r["format"] == "json")
    import json

    data = json.loads((sector / row["file"]).read_text())
    data["profile"] += " Updated."
    newer = tmp_path / Path(row["file"]).name
    newer.write_text(json.dumps(data))
    received = dt.datetime.combine(dt.date.fromisoformat(row["received"]), dt.time(18), dt.UTC)
    landing.land_file(newer, row["signatory"], int(row["stage"]), paths.landing, "resend", received=received)
    assert run_pipeline(paths, quality=False).processed == 1
    versions = query(paths, """SELECT r.profile LIKE '%Updated.', s.is_latest_valid FROM submissions s
                               JOIN returns r USING (submission_id) WHERE s.signatory = ? AND s.stage = ?
                               ORDER BY s.received_at""", [row["signatory"], int(row["stage"])])
    assert versions == [(False, False), (True, True)]  # both kept, the newer one flagged


def test_a_return_naming_another_institution_is_accepted_with_a_warning(sector, tmp_path):
    from returns import NORTHGATE

    paths = Paths.from_env(tmp_path / "home")
    rows = read_manifest(sector)
    land_sector(sector, paths, rows[:2])
    landing.land_file(NORTHGATE, "imperial", 1, paths.landing, "test")  # the register says Imperial College London
    assert run_pipeline(paths, quality=False).success
    flagged = query(paths, """SELECT s.signatory, s.status, i.location FROM issues i JOIN submissions s USING (submission_id)
                              WHERE i.rule = 'signatory.name_mismatch'""")
    assert flagged == [("imperial", "accepted", "table 1, row 1, column 2")]


def test_every_plugin_reads_the_name_each_synthetic_return_gives_its_signatory(loaded):
    assert query(paths=loaded[0], sql="SELECT count(*) FROM issues WHERE rule = 'signatory.name_mismatch'") == [(0,)]


def test_a_reader_holding_the_snapshot_is_not_disturbed_by_a_run(sector, tmp_path):
    paths = Paths.from_env(tmp_path / "home")
    rows = read_manifest(sector)
    land_sector(sector, paths, rows[:10])
    run_pipeline(paths, quality=False)
    reader = open_snapshot(paths)
    assert reader.execute("SELECT count(*) FROM submissions").fetchone() == (10,)
    land_sector(sector, paths, rows[10:20])
    summary = run_pipeline(paths, quality=False)  # writes the warehouse and replaces the snapshot
    assert summary.success and summary.processed == 10
    assert reader.execute("SELECT count(*) FROM submissions").fetchone() == (10,)  # still its own snapshot
    reader.close()
    assert query(paths, "SELECT count(*) FROM submissions") == [(20,)]


# Runs `techbench run` in a child process that kills itself (SIGKILL: no clean-up of any kind) at
# the point named by TECHBENCH_TEST_CRASH, so each crash lands exactly where it is meant to.
CRASHING_RUN = """
import os, signal, sys
from pipeline.store import snapshot, warehouse
from pipeline.benchmarks import compute
from pipeline.cli import app

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

point = os.environ["TECHBENCH_TEST_CRASH"]
if point == "mid-transaction":  # submissions and returns inserted, their lists not yet, no COMMIT
    insert = warehouse.insert_frame
    def insert_frame(con, statement, frame):
        if statement.startswith("INSERT INTO return_areas"):
            die()
        insert(con, statement, frame)
    warehouse.insert_frame = insert_frame
elif point == "after-two-batches":
    warehouse.BATCH = 10
    write, written = warehouse.write_batch, []
    def write_batch(*args, **kwargs):
        write(*args, **kwargs)
        written.append(1)
        if len(written) == 2:
            die()
    warehouse.write_batch = write_batch
elif point == "benchmarks":
    compute.run = die
elif point == "publishing":  # the new snapshot is in place, the pointer to it not yet written
    snapshot.write_atomically = die
sys.argv = ["techbench", "run", "--no-quality", "--workers", "1"]
app()
"""


def test_killed_runs_lose_or_double_nothing(sector, tmp_path):
    """kill -9 at each step that writes; the next run finishes the work exactly once."""
    paths = Paths.from_env(tmp_path / "home")
    rows = read_manifest(sector)
    land_sector(sector, paths, rows)
    tables = set(warehouse.PER_SUBMISSION)

    def crash_at(point: str) -> list[str]:
        """Run until the crash point; return the status of every stored submission."""
        env = {**os.environ, "TECHBENCH_HOME": str(paths.home), "TECHBENCH_TEST_CRASH": point}
        proc = subprocess.run([sys.executable, "-c", CRASHING_RUN], env=env, capture_output=True, text=True)
        assert proc.returncode == -signal.SIGKILL, f"{point}: the run did not reach its crash point\n{proc.stderr}"
        with duckdb.connect(str(paths.warehouse)) as con:
            present = {name for (name,) in con.sql("SELECT table_name FROM duckdb_tables()").fetchall()}
            assert tables <= present
            missing_children = con.sql("""
                SELECT count(*) FROM submissions s LEFT JOIN returns r USING (submission_id)
                WHERE r.submission_id IS NULL AND s.status = 'accepted'""").fetchall()[0][0]
            assert missing_children == 0  # no half-written submission
            return [status for (status,) in con.sql("SELECT status FROM submissions").fetchall()]

    assert crash_at("mid-transaction") == []  # the open transaction is rolled back whole
    assert len(crash_at("after-two-batches")) == 20  # finished batches are kept
    assert len(crash_at("benchmarks")) == len(rows)  # the rest written, nothing written twice
    assert published(paths) is None  # not yet published: readers see nothing rather than half
    crash_at("publishing")
    with open_snapshot(paths) as con:  # the snapshot in place is whole, though its pointer was not written
        assert con.sql("SELECT count(*) FROM submissions").fetchall() == [(len(rows),)]

    summary = run_pipeline(paths, quality=False)
    assert summary.success and summary.processed == 0
    stored = query(paths, "SELECT original_name, status FROM submissions")
    assert len(stored) == len(rows)  # nothing doubled
    assert dict(stored) == {Path(r["file"]).name: expected_status(r) for r in rows}  # nothing lost
    assert published(paths).info.run_id == summary.run_id


def test_a_run_killed_at_any_moment_is_finished_by_the_next(sector, tmp_path):
    """kill -9 at unplanned moments too: while starting, reading files or creating the warehouse."""
    paths = Paths.from_env(tmp_path / "home")
    rows = read_manifest(sector)
    land_sector(sector, paths, rows)
    env = {**os.environ, "TECHBENCH_HOME": str(paths.home)}
    command = [sys.executable, "-c", "from pipeline.cli import app; app()", "run", "--no-quality", "--workers", "1"]
    for delay in (0.5, 1.0, 1.5, 2.5, 4.0):
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if paths.warehouse.exists():
            with duckdb.connect(str(paths.warehouse)) as con:
                present = {name for (name,) in con.sql("SELECT table_name FROM duckdb_tables()").fetchall()}
            assert present & set(warehouse.PER_SUBMISSION) in (set(), set(warehouse.PER_SUBMISSION))  # whole or none
    summary = run_pipeline(paths, quality=False)
    assert summary.success
    assert dict(query(paths, "SELECT original_name, status FROM submissions")) == {
        Path(r["file"]).name: expected_status(r) for r in rows}


def test_sensor_requests_one_run_per_new_batch(sector, tmp_path):
    import dagster as dg

    from pipeline.defs.resources import TechbenchResource
    from pipeline.defs.sensors import landing_zone_sensor

    paths = Paths.from_env(tmp_path / "home")
    rows = read_manifest(sector)
    resource = TechbenchResource(home=str(paths.home))

    def tick():
        with dg.build_sensor_context(resources={"techbench": resource}) as context:
            return landing_zone_sensor(context)

    assert isinstance(tick(), dg.SkipReason)
    land_sector(sector, paths, rows[:3])
    first = tick()
    assert isinstance(first, dg.RunRequest) and first.tags["techbench/files"] == "3"
    assert tick().run_key == first.run_key  # the same pending files: the same key, no second run
    run_pipeline(paths, quality=False)
    assert isinstance(tick(), dg.SkipReason)
    land_sector(sector, paths, rows[3:4])
    assert tick().run_key != first.run_key


def test_definitions_load_with_assets_checks_sensor_and_job():
    from pipeline.definitions import defs

    d = defs()
    keys = {k.to_user_string() for k in d.resolve_all_asset_keys()}
    assert keys == {"signatory_register", "hesa_reference", "raw_submissions", "parsed_returns",
                    "validated_returns", "warehouse_tables", "benchmarks", "published_snapshot"}
    checks = {c.name for c in d.resolve_asset_graph().asset_check_keys}
    assert {"no_internal_failures", "every_landed_file_accounted_for", "great_expectations_suite",
            "snapshot_matches_warehouse"} <= checks
    assert d.resolve_job_def("process_landing_zone") is not None


def test_demo_summary_matches_what_the_generator_wrote(tmp_path):
    import re

    from typer.testing import CliRunner

    from pipeline.cli import app

    result = CliRunner().invoke(app, ["demo", "--signatories", "20", "--stages", "2", "--seed", "3", "--no-serve",
                                      "--home", str(tmp_path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    rows = read_manifest(tmp_path / "synthetic")
    written = int(re.search(r"(\d+) returns written", result.output)[1])
    landed = int(re.search(r"(\d+) newly landed", result.output)[1])
    processed, accepted, rejected = map(int, re.search(
        r"(\d+) new file\(s\): (\d+) accepted, (\d+) rejected", result.output).groups())
    assert written == landed == processed == len(rows)
    assert rejected == sum(expected_status(r) == "rejected" for r in rows)
    assert accepted == len(rows) - rejected
    by_rule = dict((rule, int(n)) for rule, n in re.findall(r"rejected for (\S+): (\d+)", result.output))
    expected = {}
    for r in rows:
        if expected_status(r) == "rejected":
            for rule in set(r["expected_rules"].split(";")) & ERROR_RULES:
                expected[rule] = expected.get(rule, 0) + 1
    assert by_rule == expected
