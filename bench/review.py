"""How long proposing a peer review round takes (pipeline.review.assignment.propose).

Prints min/median/max of 5 runs for realistic and large rounds (submissions x reviewers), the
slots filled, and peak memory (tracemalloc, Python allocations). Usage: .venv/bin/python bench/review.py
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/pipeline.py is named like the `pipeline` package; keep this folder off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import random
import statistics
import time
import tracemalloc

from pipeline.review.assignment import propose  # noqa: E402
from pipeline.review.panel import Reviewer, Submission  # noqa: E402


def round_of(seed: int, n_institutions: int, n_submissions: int, n_reviewers: int):
    rng = random.Random(seed)
    institutions = [f"inst-{i:03d}" for i in range(n_institutions)]
    kind = {i: rng.choice(["university", "university", "research institute", "college"]) for i in institutions}
    submissions = [Submission(f"{slug}|{n}|x", slug, kind[slug])
                   for n, slug in enumerate(rng.choices(institutions, k=n_submissions))]
    reviewers = [Reviewer(f"rev-{k:03d}", (home := rng.choice(institutions)), kind[home],
                          max_load=rng.choice([3, 4, 5, 6, 8]), trained=True, available=True,
                          conflicts={rng.choice(institutions): "former employer"} if rng.random() < 0.3 else {})
                 for k in range(n_reviewers)]
    return submissions, reviewers


def main() -> None:
    for sizes in ((120, 130, 100), (140, 150, 60), (600, 1000, 300)):
        submissions, reviewers = round_of(1, *sizes)
        times = []
        for _ in range(5):
            start = time.perf_counter()
            proposal = propose(submissions, reviewers)
            times.append(time.perf_counter() - start)
        tracemalloc.start()
        propose(submissions, reviewers)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        short = sum(f.needed - f.found for f in proposal.shortfalls)
        print(f"{sizes[1]} submissions x {sizes[2]} reviewers: min {min(times):.3f} s, "
              f"median {statistics.median(times):.3f} s, max {max(times):.3f} s; "
              f"{3 * len(submissions) - short} of {3 * len(submissions)} slots filled; peak {peak:.1f} MiB")


if __name__ == "__main__":
    main()
