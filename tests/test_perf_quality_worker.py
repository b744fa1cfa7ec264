"""The Great Expectations suite in its worker process: the same suite on the whole published
snapshot, failing on bad data as it does in-process, and a worker that never outlives its parent."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import duckdb
import pytest
from test_pipeline import AS_OF, land_sector

from pipeline.run import run_pipeline
from pipeline.settings import Paths
from pipeline.synthetic import generate, read_manifest
from pipeline.validation import quality_worker
from pipeline.validation.quality import TABLES


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Paths:
    sector = tmp_path_factory.mktemp("sector")
    generate(sector, signatories=6, stages=2, seed=5, as_of=AS_OF, workers=1)
    paths = Paths.from_env(tmp_path_factory.mktemp("home"))
    land_sector(sector, paths, read_manifest(sector))
    summary = run_pipeline(paths, quality=True)
    assert summary.success and summary.checks["great_expectations_suite"], summary
    return paths


def test_the_worker_checks_every_table_of_the_snapshot(published):
    report = quality_worker.check_snapshot(published)
    assert report.success, report.summary()
    assert [t.table for t in report.tables] == [t.name for t in TABLES]
    with duckdb.connect(str(published.snapshot), read_only=True) as con:
        assert report.table("submissions").rows == con.execute("SELECT count(*) FROM submissions").fetchone()[0] > 0
    assert report.data_docs_index.is_file() and report.results_path.is_file()


def test_the_worker_fails_on_bad_data_in_the_snapshot(published, tmp_path):
    bad = Paths.from_env(tmp_path / "bad")
    shutil.copytree(published.snapshot_dir, bad.snapshot_dir)
    with duckdb.connect(str(bad.snapshot)) as con:
        con.execute("UPDATE returns SET headcount = 0, fte = 0 WHERE submission_id = (SELECT min(submission_id) FROM "
                    "submissions WHERE status = 'accepted')")
    report = quality_worker.check_snapshot(bad)
    assert not report.success
    assert [(t, e.expectation, e.column, e.unexpected_count) for t, e in report.failures] == [
        ("returns", "expect_column_values_to_be_between", "headcount", 1)]


def test_a_missing_snapshot_fails_the_check_rather_than_passing(tmp_path):
    with pytest.raises(FileNotFoundError):
        quality_worker.check_snapshot(Paths.from_env(tmp_path / "nothing"))


def test_the_run_keeps_great_expectations_out_of_its_own_process(published):
    code = ("import sys\nfrom pipeline.run import run_pipeline\nfrom pipeline.settings import Paths\n"
            f"s = run_pipeline(Paths.from_env({str(published.home)!r}), quality=True)\n"
            "print(s.success, s.checks['great_expectations_suite'], 'great_expectations' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.stdout.split() == ["True", "True", "False"], out.stderr[-3000:]


def test_the_worker_ends_when_its_parent_is_killed():
    code = ("import os, time\nfrom pipeline.validation import quality_worker\nquality_worker.start()\n"
            "print(os.getpid(), flush=True)\ntime.sleep(120)")
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert int(parent.stdout.readline()) == parent.pid
        deadline = time.monotonic() + 30
        children: list[int] = []
        while not children and time.monotonic() < deadline:
            found = subprocess.run(["pgrep", "-P", str(parent.pid)], capture_output=True, text=True).stdout
            children = [int(pid) for pid in found.split()]
            time.sleep(0.1)
        assert children
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    deadline = time.monotonic() + 15
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in children)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as fh:  # a zombie has ended; its parent (init) reaps it
        return fh.read().split()[2] != "Z"
