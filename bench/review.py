"""How long proposing a peer review round takes (pipeline.review.assignment.propose).

Prints min/median/max of 5 runs for realistic and large rounds (submissions x reviewers), the
slots filled, and peak memory (tracemalloc, Python allocations); then one round of 150 submissions
and 60 reviewers through the application store (ReviewStore.propose_teams on a temporary SQLite
file, 5 runs, and confirm_teams once). Usage: .venv/bin/python bench/review.py
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


def store_round(n_institutions: int = 140, n_submissions: int = 150, n_reviewers: int = 60) -> None:
    """The same proposal through the application store (dashboards.review): profiles and the round read
    from a temporary SQLite file, the proposal written back as proposed members, one audit entry."""
    import datetime as dt
    import tempfile

    from argon2 import PasswordHasher

    from dashboards.accounts import AccountStore
    from dashboards.review import ReviewStore
    from dashboards.review.rounds import RoundSubmission
    from pipeline.settings import Paths

    submissions, reviewers = round_of(1, n_institutions, n_submissions, n_reviewers)
    with tempfile.TemporaryDirectory() as root:
        paths = Paths.from_env(Path(root))
        accounts = AccountStore.for_paths(paths, hasher=PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        store = ReviewStore.for_paths(paths)
        steer = accounts.add_user("steer", "bench passphrase 1", "steering")
        for r in reviewers:
            accounts.add_user(r.username, "bench passphrase 1", "reviewer")
            store.set_profile(steer, r.username, institution=r.institution, institution_type=r.institution_type,
                              max_load=r.max_load, trained_on=dt.date(2025, 1, 1))
            for slug, reason in r.conflicts.items():
                store.declare_conflict(steer, r.username, slug, reason)
        window = dt.date(2026, 7, 31)
        store.open_round(steer, window, window + dt.timedelta(days=30), window + dt.timedelta(days=60),
                         [RoundSubmission(s.id.replace("|x", "|" + "0" * 64), s.signatory, s.signatory,
                                          s.signatory_type, 1) for s in submissions], round_id="bench")
        times = []
        for _ in range(5):
            start = time.perf_counter()
            proposal = store.propose_teams(steer, "bench")
            times.append(time.perf_counter() - start)
        start = time.perf_counter()
        confirmed = store.confirm_teams(steer, "bench")
        confirm = time.perf_counter() - start
    short = sum(f.needed - f.found for f in proposal.shortfalls)
    print(f"through the store (temp SQLite), {n_submissions} submissions x {n_reviewers} reviewers: propose_teams "
          f"min {min(times):.3f} s, median {statistics.median(times):.3f} s, max {max(times):.3f} s; "
          f"{3 * n_submissions - short} of {3 * n_submissions} slots filled; confirm_teams {confirm:.3f} s "
          f"({confirmed} members, one audit entry each)")


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
    store_round()


if __name__ == "__main__":
    main()
