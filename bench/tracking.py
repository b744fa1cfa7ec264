"""Time the submission tracker, HESA reconciliation, trends and plan lineage at sector scale.

    .venv/bin/python bench/tracking.py [signatories]

Builds the frames of a synthetic sector (default 10,000 signatories x 5 stages, 12 actions per
plan; the builder is ``synthetic_sector`` in tests/test_benchmark_tracking.py, whose invariants
that file tests), then prints the best of 3 runs of each computation and their total.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from pipeline.benchmarks import hesa_reconciliation as hr  # noqa: E402
from pipeline.benchmarks.lineage import action_lineage, sector_trends, signatory_trends  # noqa: E402
from pipeline.benchmarks.tracker import tracker  # noqa: E402
from plugins.hesa.reader import load_hesa  # noqa: E402
from tests.test_benchmark_tracking import synthetic_sector  # noqa: E402


def best_of_3(fn) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(3):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    start = time.perf_counter()
    signatories, submissions, returns, actions, values = synthetic_sector(n)
    print(f"synthetic sector: {n} signatories, {submissions.height} submissions, {returns.height} returns, "
          f"{actions.height} actions, {values.height} metric values (built in {time.perf_counter() - start:.1f} s)")
    hesa = load_hesa()
    total = 0.0
    for name, fn in [("tracker", lambda: tracker(signatories, submissions, dt.date(2026, 1, 1))),
                     ("hesa reconcile", lambda: hr.reconcile(returns, signatories, hesa)),
                     ("sector_trends", lambda: sector_trends(values)),
                     ("signatory_trends", lambda: signatory_trends(values)),
                     ("action_lineage", lambda: action_lineage(actions, returns))]:
        seconds, out = best_of_3(fn)
        total += seconds
        print(f"{name:18s} {seconds:6.3f} s  ({out.height} rows; best of 3)")
    print(f"{'total':18s} {total:6.3f} s")


if __name__ == "__main__":
    main()
