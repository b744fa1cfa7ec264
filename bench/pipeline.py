"""Pipeline performance: the floor, the full pipeline, and landing-to-snapshot latency.

    .venv/bin/python bench/pipeline.py [--signatories 150] [--stages 3]

(a) floor: the generated files parsed and validated by the plugins in a plain loop (one process,
    no Dagster, no warehouse); (b) the full pipeline from landing to published snapshot, checks
    included; ratio b/a. Then, with the Dagster daemon running the landing-zone sensor, the time
    from one new file landing to its appearance in the published snapshot.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This script is named like the `pipeline` package; keep its own folder off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import datetime as dt
import os
import shutil
import subprocess
import tempfile
import time
from typing import TYPE_CHECKING

# The pipeline's modules are imported where used: worker processes are spawned, and each runs this
# file again (as __mp_main__) before its work, as it would `techbench`'s few lines in production.
if TYPE_CHECKING:
    from pipeline.handin.landing import Landed
    from pipeline.settings import Paths

ROOT = Path(__file__).resolve().parent.parent


def land_all(sector: Path, paths: Paths, rows: list[dict]) -> list[Landed]:
    from pipeline.handin import landing

    paths.home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(sector / "register.csv", paths.home / "register.csv")
    out = []
    for row in rows:
        received = dt.datetime.combine(dt.date.fromisoformat(row["received"]), dt.time(12), dt.UTC)
        out.append(landing.land_file(sector / row["file"], row["signatory"], int(row["stage"]), paths.landing,
                                     "bench", received=received))
    return out


def snapshot_has(paths: Paths, sha: str) -> bool:
    from pipeline.store.snapshot import open_snapshot

    try:
        with open_snapshot(paths) as con:
            return con.execute("SELECT count(*) FROM submissions WHERE sha256 = ?", [sha]).fetchone()[0] > 0
    except Exception:  # noqa: BLE001 - not there yet, or being replaced
        return False


def latency(sector: Path, rows: list[dict], work: Path) -> float:
    """Seconds from a file landing to its appearance in the snapshot, with the sensor running."""
    from pipeline.run import run_pipeline
    from pipeline.settings import Paths

    paths = Paths.from_env(work / "latency")
    land_all(sector, paths, rows[:-1])
    run_pipeline(paths, quality=False)
    dagster_home = work / "dagster"
    dagster_home.mkdir()
    shutil.copyfile(ROOT / "pipeline" / "config" / "dagster.yaml", dagster_home / "dagster.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home), "TECHBENCH_HOME": str(paths.home)}
    daemon = subprocess.Popen([str(Path(sys.executable).parent / "dagster-daemon"), "run", "-m", "pipeline.definitions"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(15)  # let the daemon start and its sensor settle on the already-published snapshot
        last = rows[-1]
        start = time.perf_counter()
        landed = land_all(sector, paths, [last])[0]
        while not snapshot_has(paths, landed.sha256):
            if time.perf_counter() - start > 180:
                return float("inf")
            time.sleep(0.2)
        return time.perf_counter() - start
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)


def watcher_latency(sector: Path, rows: list[dict], work: Path, n: int = 5) -> list[float]:
    """Seconds from a file landing to the dashboard's data layer reporting it processed (what the
    upload page shows), with the server's watcher (`techbench serve`) running in this process; one
    upload at a time, each after the previous run has finished."""
    import threading

    from dashboards.serve import watch
    from pipeline.handin.submit import WAITING, statuses
    from pipeline.run import run_pipeline
    from pipeline.settings import Paths

    paths = Paths.from_env(work / "watcher")
    land_all(sector, paths, rows[:-n])
    run_pipeline(paths)
    stop, finished = threading.Event(), threading.Event()

    def report(message: str) -> None:
        if "succeeded" in message or "failed" in message:
            finished.set()

    thread = threading.Thread(target=watch, args=(paths, lambda: not stop.is_set()), kwargs={"report": report})
    thread.start()
    seconds = []
    try:
        for row in rows[-n:]:
            finished.clear()
            start = time.perf_counter()
            landed = land_all(sector, paths, [row])[0]
            while not any(s.submission_id.endswith(landed.sha256) and s.state != WAITING
                          for s in statuses(paths, landed.signatory)):
                if time.perf_counter() - start > 120:
                    break
                time.sleep(0.05)
            seconds.append(time.perf_counter() - start)
            finished.wait(timeout=120)  # the run's checks finish before the next upload
    finally:
        stop.set()
        thread.join(timeout=120)
    return seconds


def report_watcher(sector: Path, rows: list[dict], work: Path) -> None:
    import statistics

    runs = watcher_latency(sector, rows, work)
    print(f"upload to visible, server's watcher (min/median/max of {len(runs)}): {min(runs):.2f} / "
          f"{statistics.median(runs):.2f} / {max(runs):.2f} s   (target: median <= 3 s)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--signatories", type=int, default=150)
    parser.add_argument("--stages", type=int, default=3)
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--watcher-only", action="store_true",
                        help="Only the upload-to-visible latency with the server's watcher.")
    args = parser.parse_args()
    from pipeline.programme.signatories import load_register
    from pipeline.run import run_pipeline
    from pipeline.settings import Paths
    from pipeline.synthetic import generate, read_manifest
    from pipeline.validation import process

    work = Path(tempfile.mkdtemp(prefix="techbench-bench-"))
    try:
        sector = work / "sector"
        generate(sector, args.signatories, args.stages, seed=1)
        rows = read_manifest(sector)
        signatories = {s.slug: s.name for s in load_register(sector / "register.csv")}

        if args.watcher_only:
            report_watcher(sector, rows, work)
            return
        floor_paths = Paths.from_env(work / "floor")
        files = land_all(sector, floor_paths, rows)
        start = time.perf_counter()
        process.process(files, signatories, workers=1)
        floor = time.perf_counter() - start

        paths = Paths.from_env(work / "full")
        start = time.perf_counter()
        land_all(sector, paths, rows)
        summary = run_pipeline(paths, quality=True)
        full = time.perf_counter() - start
        assert summary.success and summary.processed == len(rows), summary

        print(f"files: {len(rows)} ({args.signatories} signatories x {args.stages} stages, synthetic)")
        print(f"(a) floor, plugins in a plain loop:            {floor:6.1f} s")
        print(f"(b) full pipeline, landing to snapshot, checks: {full:6.1f} s")
        print(f"ratio b/a: {full / floor:.2f}   (target <= 2)")
        import resource

        peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
        print(f"peak resident memory (this process or a worker, max RSS): {peak / 1024:.0f} MiB")
        if not args.skip_latency:
            report_watcher(sector, rows, work)
            print(f"latency, one new file to the published snapshot (Dagster sensor running): "
                  f"{latency(sector, rows, work):.1f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
