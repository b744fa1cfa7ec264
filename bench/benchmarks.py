"""Time the benchmark computation at sector scale.

    .venv/bin/python bench/benchmarks.py [--runs 5]

Builds DuckDB warehouses of 1,000 and 10,000 synthetic signatories x 5 stages straight in polars
(build time not counted: the generator and the plugins are measured by bench/generate.py and
bench/pipeline.py). For each size a fresh child process times ``runs`` rounds of loading the
frames, computing every benchmark and writing the bench_* tables, then ``runs`` rounds of the
floor. Prints min/median/max of each part, the growth exponent between the sizes (from the
medians), the ratio to the floor and the child's peak memory.

The floor is the I/O no implementation can avoid: reading the input frames from the warehouse
and writing output tables of the same content (the ones the child computed), with no computation
in between. Peak memory is the child's resident high-water mark (``VmHWM`` in /proc/self/status,
which starts afresh at exec; ``resource.getrusage`` maxrss elsewhere, which on Linux would carry
the parent's peak over): the whole process, interpreter, polars, DuckDB and the data, shown next
to the mark after the imports, before any data is read. The floor rounds run after the timed ones and do
not raise the peak (they hold the same tables).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402

from pipeline.store import warehouse  # noqa: E402
from pipeline.benchmarks import compute  # noqa: E402
from pipeline.benchmarks.frames import load_frames  # noqa: E402
from pipeline.schema import ActionStatus, DatePrecision, Register, Theme  # noqa: E402

THEMES = [t.value for t in Theme]
WORDS = ("technician network", "career pathways framework", "apprenticeship programme", "registration cohort",
         "staff survey", "awards scheme", "succession planning", "secondment programme", "job descriptions")


def build(con, n: int, stages: int, seed: int) -> int:
    rng = np.random.default_rng(seed)
    slugs = [f"sig-{i:05d}" for i in range(n)]
    signed = dt.date(2017, 5, 1)
    signatories = pl.DataFrame({
        "slug": slugs, "name": [f"Synthetic {s}" for s in slugs],
        "type": rng.choice(["university", "research institute", "other"], n, p=[.8, .15, .05]),
        "nation": rng.choice(["England", "Scotland", "Wales", "Northern Ireland", "international"], n,
                             p=[.8, .1, .05, .03, .02]),
        "ukprn": [None] * n, "signed": [signed + dt.timedelta(days=int(d)) for d in rng.integers(0, 2500, n)],
        "cohort": rng.choice(["2017 founders", "2018", "2019", "2020"], n),
        "mission_group": rng.choice(["Russell Group", "MillionPlus", None], n, p=[.2, .2, .6]),
        "peer_groups": [["Synthetic network"] if x else [] for x in rng.random(n) < .3],
        "plugin": ["official_form"] * n, "synthetic": [True] * n, "source": ["bench"] * n})
    warehouse.replace_table(con, "signatories", signatories)
    rows = n * stages
    sig = np.repeat(np.array(slugs), stages)
    stage = np.tile(np.arange(1, stages + 1), n)
    sid = [f"{s}|{k}|x" for s, k in zip(sig, stage)]
    sub_date = [dt.date(2018, 6, 1) + dt.timedelta(days=int(730 * (k - 1) + d))
                for k, d in zip(stage, rng.integers(0, 300, rows))]
    headcount = rng.integers(20, 1000, rows)
    received = [dt.datetime.combine(d, dt.time(12), dt.UTC) for d in sub_date]
    con.register("s", pl.DataFrame({
        "submission_id": sid, "sha256": ["x"] * rows, "signatory": sig, "stage": stage, "file": ["f"] * rows,
        "original_name": ["f"] * rows, "sender": ["bench"] * rows, "received_at": received,
        "size": [1] * rows, "plugin": ["official_form"] * rows, "status": ["accepted"] * rows,
        "errors": [0] * rows, "warnings": [0] * rows, "processed_at": received, "run_id": ["bench"] * rows,
        "is_latest_valid": [True] * rows}).to_arrow())
    con.execute("INSERT INTO submissions BY NAME SELECT * FROM s")
    con.register("r", pl.DataFrame({
        "submission_id": sid, "signatory": sig, "stage": stage, "schema_version": ["1.0"] * rows,
        "synthetic": [True] * rows, "signatory_name": sig, "submission_date": sub_date,
        "lead_name": ["x"] * rows, "lead_email": ["x@example.ac.uk"] * rows, "lead_phone": ["0"] * rows,
        "profile": ["p"] * rows, "technician_definition": ["d"] * rows, "technicians_narrative": ["n"] * rows,
        "headcount": headcount, "fte": headcount * 0.9, "technician_voice": ["v"] * rows,
        "published_url": ["https://x.example.ac.uk"] * rows, "lead_signoff_name": ["a"] * rows,
        "lead_signoff_date": sub_date, "head_signoff_name": ["b"] * rows, "head_signoff_date": sub_date,
        "plan_horizon_months": np.where(stage <= 2, 24, 36), "canonical": ["{}"] * rows}).to_arrow())
    con.execute("INSERT INTO returns BY NAME SELECT * FROM r")
    per = 12
    a_sid = np.repeat(np.array(sid), per)
    a_date = np.repeat(np.array(sub_date, dtype="datetime64[D]"), per)
    k = rows * per
    con.register("a", pl.DataFrame({
        "submission_id": a_sid, "ordinal": np.tile(np.arange(per), rows),
        "theme": rng.choice(THEMES, k), "action": [f"Deliver the {w}" for w in rng.choice(WORDS, k)],
        "owner": rng.choice(["HR Director", None], k, p=[.9, .1]),
        "due_precision": rng.choice([p.value for p in DatePrecision], k),
        "due_end": (a_date + rng.integers(60, 700, k).astype("timedelta64[D]")).astype("datetime64[D]"),
        "due_text": ["Sep 2020"] * k, "evidence": rng.choice(["survey", None], k, p=[.9, .1]),
        "status": rng.choice([s.value for s in ActionStatus], k)}).to_arrow())
    con.execute("INSERT INTO return_actions BY NAME SELECT * FROM a")
    regs = [r.value for r in Register]
    g = rows * 3
    con.register("g", pl.DataFrame({
        "submission_id": np.repeat(np.array(sid), 3), "ordinal": np.tile(np.arange(3), rows),
        "register": rng.choice(regs, g), "label": [None] * g, "count": rng.integers(0, 20, g)}).to_arrow())
    con.execute("INSERT INTO return_registrations BY NAME SELECT * FROM g")
    i = rows * 6
    con.register("i", pl.DataFrame({
        "submission_id": np.repeat(np.array(sid), 6), "ordinal": np.tile(np.arange(6), rows),
        "phase": rng.choice(["before", "since"], i), "theme": rng.choice(THEMES, i),
        "text": [f"A {w}" for w in rng.choice(WORDS, i)]}).to_arrow())
    con.execute("INSERT INTO return_initiatives BY NAME SELECT * FROM i")
    return rows


def _stats(xs: list[float]) -> str:
    return f"{min(xs):.2f}/{statistics.median(xs):.2f}/{max(xs):.2f}"


def _peak_mib() -> float:
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(path: str, runs: int) -> None:
    """Time ``runs`` full rounds and ``runs`` floor rounds on the warehouse at ``path``; print JSON."""
    base = _peak_mib()
    con = warehouse.connect(Path(path))
    parts: dict[str, list[float]] = {"load": [], "compute": [], "write": [], "all": [], "floor": []}
    for _ in range(runs):
        start = time.perf_counter()
        frames = load_frames(con)
        loaded = time.perf_counter()
        tables = compute.compute(frames, dt.date(2026, 11, 1))
        computed = time.perf_counter()
        compute.write(con, tables)
        end = time.perf_counter()
        for part, seconds in (("load", loaded - start), ("compute", computed - loaded), ("write", end - computed),
                              ("all", end - start)):
            parts[part].append(seconds)
        del frames
    peak = _peak_mib()
    for _ in range(runs):
        start = time.perf_counter()
        load_frames(con)
        compute.write(con, tables)
        parts["floor"].append(time.perf_counter() - start)
    con.close()
    print(json.dumps({"parts": parts, "base_mib": base, "peak_mib": peak,
                      "positions": tables["positions"].height, "metric_values": tables["metric_values"].height}))


def main() -> None:
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 5
    medians = {}
    print(f"min/median/max of {runs} runs, seconds; each size in a fresh process")
    with tempfile.TemporaryDirectory() as tmp:
        for n in (1_000, 10_000):
            path = Path(tmp) / f"w{n}.duckdb"
            con = warehouse.connect(path)
            rows = build(con, n, 5, seed=n)
            con.close()
            out = subprocess.run([sys.executable, __file__, "--child", str(path), str(runs)], check=True,
                                 capture_output=True, text=True).stdout
            r = json.loads(out.strip().splitlines()[-1])
            p = r["parts"]
            medians[n] = statistics.median(p["all"])
            floor = statistics.median(p["floor"])
            print(f"{n:>6} signatories x 5 stages ({rows} returns; positions {r['positions']}, metric values "
                  f"{r['metric_values']})\n"
                  f"         all {_stats(p['all'])} = load {_stats(p['load'])} + compute {_stats(p['compute'])}"
                  f" + write {_stats(p['write'])}\n"
                  f"         floor (load + write, no computation) {_stats(p['floor'])}: ratio "
                  f"{medians[n] / floor:.2f} (medians)\n"
                  f"         peak memory (child's high-water mark) {r['peak_mib']:.0f} MiB, {r['base_mib']:.0f} MiB after imports")
    exponent = math.log(medians[10_000] / medians[1_000]) / math.log(10)
    print(f"growth exponent (medians): {exponent:.2f}   (targets: 10,000 x 5 <= 3 s all in, exponent <= 1.1)")


if __name__ == "__main__":
    if "--child" in sys.argv:
        child(sys.argv[2], int(sys.argv[3]))
    else:
        main()
