"""Server-side render time of each dashboard view, per role, at sector scale.

    .venv/bin/python bench/dashboard.py [--signatories 1000] [--stages 3] [--repeat 5] [--home DIR]
                                        [--rebuild] [--json]

Builds (once; reused from ``--home`` while it holds a published snapshot of the same size and the
bench accounts) a SYNTHETIC sector: the generator's files landed and run through the whole pipeline,
Great Expectations checks included, so every view has real data behind it (1,000 x 3: about 2,400
returns, as later signatories have fewer stages due; roughly 1 min to generate with 2 workers and
2 min for the pipeline, printed). Accounts: one per role (steering; a reviewer from ``essex`` with
three other signatories' submissions assigned, ``imperial``'s latest among them; an institution
bound to ``imperial``).

Then, for each role and each view open to it, drives ``dashboards/app.py`` with Streamlit's
AppTest in this process: sign in (session state), switch to the view, clear Streamlit's resource
caches and run once (cold: every query against the snapshot), then ``--repeat`` more runs
(warm: the cached frames; the script, disclosure control, charts and element tree are redone on
every rerun, as they are for a user's click). A run that raises is reported as failed, with its
exception. Prints cold seconds, median/min/max of the warm runs, and the target check.

Target: every view <= 1 s warm (median).

The floor is what Streamlit itself costs per rerun with nothing of techbench in it: the same AppTest
driving a one-line app (a title), median of ``--repeat`` warm runs. Each view's ratio is its warm
median over that floor. Peak memory is the max RSS of this process or a child (``resource``): the
generator's, parse and Great Expectations workers when the home is built in this run.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This folder holds a script named like the `pipeline` package; keep it off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from functools import partial  # noqa: E402

from pipeline.handin import landing  # noqa: E402
from pipeline.settings import Paths  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "dashboards" / "app.py"
AS_OF = dt.date(2026, 11, 1)
SALT = "techbench-bench-dashboard"  # a fixed disclosure salt: pseudonyms stable across runs
PASSWORD = "bench dashboard password"  # bench accounts only, in the bench home
INSTITUTION = "imperial"
REVIEWER_OWN = "essex"
USERS = {"steering": ("bench-steer", None), "reviewer": ("bench-rev", REVIEWER_OWN),
         "institution": ("bench-inst", INSTITUTION)}
TARGET = 1.0
MARKER = ".techbench-bench-dashboard"  # in a home this script built (and may delete to rebuild)
NOTES = sys.stdout  # progress and build times; on stderr with --json, so stdout is the JSON alone


def note(*parts: object) -> None:
    print(*parts, file=NOTES, flush=True)


def snapshot_size(paths: Paths) -> tuple[int, int] | None:
    """(signatories, highest stage) of the published snapshot, or None without one."""
    from pipeline.store.snapshot import open_snapshot

    if not paths.snapshot.is_file():
        return None
    try:
        with open_snapshot(paths) as con:
            n = con.execute("SELECT count(*) FROM signatories").fetchone()[0]
            stages = con.execute("SELECT coalesce(max(stage), 0) FROM submissions").fetchone()[0]
    except Exception:  # noqa: BLE001 - unreadable: rebuild
        return None
    return int(n), int(stages)


def has_accounts(paths: Paths) -> bool:
    from dashboards.accounts import AccountStore, store_path

    if not store_path(paths).is_file():
        return False
    store = AccountStore.for_paths(paths)
    users = all(store.get_user(u) is not None for u, _ in USERS.values())
    return users and bool(store.assignments(USERS["reviewer"][0]))


def build(paths: Paths, signatories: int, stages: int, seed: int) -> dict[str, float]:
    """Generate, land and run the pipeline (quality checks included); returns seconds per step."""
    from pipeline.run import run_pipeline
    from pipeline.synthetic import generate, read_manifest

    if paths.home.exists() and any(paths.home.iterdir()):
        if not (paths.home / MARKER).is_file():  # never wipe a home this script did not build
            raise SystemExit(f"{paths.home} is not empty and was not built by this bench: choose another --home")
        shutil.rmtree(paths.home)
    paths.home.mkdir(parents=True, exist_ok=True)
    (paths.home / MARKER).write_text("built by bench/dashboard.py; rebuilt (deleted) by it on --rebuild\n")
    times = {}
    sector = Path(tempfile.mkdtemp(prefix="techbench-bench-sector-"))
    try:
        start = time.perf_counter()
        summary = generate(sector, signatories, stages, seed=seed, as_of=AS_OF, workers=2)
        times["generate"] = time.perf_counter() - start
        note(f"generated {summary.returns} returns ({summary.defective} with defects) "
              f"in {times['generate']:.1f} s")
        rows = read_manifest(sector)
        start = time.perf_counter()
        shutil.copyfile(sector / "register.csv", paths.home / "register.csv")
        for row in rows:
            received = dt.datetime.combine(dt.date.fromisoformat(row["received"]), dt.time(12), dt.UTC)
            landing.land_file(sector / row["file"], row["signatory"], int(row["stage"]), paths.landing, "bench",
                              received=received)
        times["land"] = time.perf_counter() - start
        note(f"landed {len(rows)} files in {times['land']:.1f} s")
    finally:
        shutil.rmtree(sector, ignore_errors=True)
    start = time.perf_counter()
    result = run_pipeline(paths, quality=True)
    times["pipeline"] = time.perf_counter() - start
    if not result.success:
        raise SystemExit(f"the pipeline failed: {result}")
    note(f"pipeline (quality checks included) to the published snapshot in {times['pipeline']:.1f} s")
    return times


def add_accounts(paths: Paths, assigned: int = 3) -> list[str]:
    """One account per role; the reviewer gets ``assigned`` accepted submissions of other signatories
    (the institution's latest among them, so it has a profile to open)."""
    from dashboards.accounts import AccountStore
    from pipeline.store.snapshot import open_snapshot

    store = AccountStore.for_paths(paths)
    for role, (username, signatory) in USERS.items():
        if store.get_user(username) is None:
            store.add_user(username, PASSWORD, role, signatory)
    with open_snapshot(paths) as con:
        ids = [r[0] for r in con.execute(
            "SELECT submission_id FROM submissions WHERE is_latest_valid AND signatory <> ? "
            "ORDER BY signatory = ? DESC, stage DESC, signatory", [REVIEWER_OWN, INSTITUTION]).fetchall()]
        if not con.execute("SELECT count(*) FROM submissions WHERE signatory = ?", [INSTITUTION]).fetchone()[0]:
            raise SystemExit(f"{INSTITUTION} has no submissions in the snapshot: the institution view would be empty")
    chosen = ids[:assigned]
    for submission_id in chosen:
        store.assign(USERS["reviewer"][0], submission_id)
    return chosen


def first_error(at) -> str | None:
    if len(at.exception):
        exc = at.exception[0]
        return f"{exc.message}\n" + "\n".join(exc.stack_trace or [])
    return None


def measure(role: str, key: str, title: str, repeat: int) -> dict:
    import streamlit as st
    import streamlit.logger
    from streamlit.testing.v1 import AppTest

    row = {"view": key, "role": role, "cold": None, "warm_median": None, "warm_min": None, "warm_max": None,
           "warm": [], "ok": True, "error": None, "errors_shown": [], "info_shown": []}
    quiet = partial(streamlit.logger.set_log_level, "error")  # AppTest without a server warns of a missing runtime
    quiet()
    from dashboards import session, web
    from dashboards.accounts import AccountStore

    # AppTest has no browser and so no cookie: the app reads this run's sign-in session from here.
    token = AccountStore.for_paths(Paths.from_env()).start_session(USERS[role][0])
    session.request_cookies = lambda: {web.COOKIE: token}
    at = AppTest.from_file(str(APP), default_timeout=120)
    quiet()
    at.run()
    quiet()
    at.switch_page(f"views/{key}.py")
    st.cache_resource.clear()
    st.cache_data.clear()
    times = []
    for i in range(repeat + 1):
        start = time.perf_counter()
        at.run()
        seconds = time.perf_counter() - start
        if (error := first_error(at)) is not None:
            row.update(ok=False, error=f"run {i} ({'cold' if i == 0 else 'warm'}): {error}")
            print(f"!! {key} as {role}: exception in run {i}:\n{error}", file=sys.stderr)
            break
        times.append(seconds)
    if times:
        row["cold"] = times[0]
    if len(times) > 1:
        warm = times[1:]
        row.update(warm=warm, warm_median=statistics.median(warm), warm_min=min(warm), warm_max=max(warm))
    # What a view says instead of drawing (a refusal, no data) is listed with the row, not hidden.
    row["errors_shown"] = [e.value for e in at.error]
    row["info_shown"] = [e.value for e in at.info]
    shown = at.title[0].value if len(at.title) else None
    if row["ok"] and shown != title:  # e.g. bounced back to the sign-in page
        row.update(ok=False, error=f"the page drawn is titled {shown!r}, not {title!r}")
    return row


FLOOR_APP = "import streamlit as st\n\nst.title('floor')\n"


def floor(repeat: int) -> float:
    """Median seconds of a warm AppTest rerun of a one-line app: Streamlit's own cost per rerun."""
    import streamlit.logger
    from streamlit.testing.v1 import AppTest

    streamlit.logger.set_log_level("error")
    at = AppTest.from_string(FLOOR_APP, default_timeout=60)
    at.run()
    times = []
    for _ in range(max(repeat, 5)):
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def ratio(seconds: float | None, base: float) -> str:
    return "-" if seconds is None else f"{seconds / base:6.0f}x"


def fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:6.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signatories", type=int, default=1_000)
    parser.add_argument("--stages", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5, help="warm runs per view and role (the median is reported)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--home", type=Path, default=Path(tempfile.gettempdir()) / "techbench-bench-dashboard")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the home even if it could be reused")
    parser.add_argument("--views", nargs="*", help="only these view keys")
    parser.add_argument("--roles", nargs="*", help="only these roles")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON instead of a table")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    global NOTES  # noqa: PLW0603
    NOTES = sys.stderr if args.json else sys.stdout

    paths = Paths.from_env(args.home)
    size = snapshot_size(paths)
    built = False
    if args.rebuild or size is None or size[1] != args.stages or not has_accounts(paths) or \
            size[0] != args.signatories:
        if size is not None and not args.rebuild:
            note(f"{paths.home}: snapshot of {size[0]} signatories x {size[1]} stages does not match; rebuilding")
        note(f"building {paths.home}: {args.signatories} signatories x {args.stages} stages")
        times = build(paths, args.signatories, args.stages, args.seed)
        assigned = add_accounts(paths)
        note(f"build: generate {times['generate']:.1f} s + land {times['land']:.1f} s + pipeline "
             f"{times['pipeline']:.1f} s = {sum(times.values()):.1f} s; reviewer assigned {len(assigned)} "
             "submissions")
        size = snapshot_size(paths)
        built = True
    else:
        note(f"reusing {paths.home} (--rebuild to build it again)")

    os.environ["TECHBENCH_HOME"] = str(paths.home)
    os.environ["TECHBENCH_DISCLOSURE_SALT"] = SALT
    from dashboards.session import VIEWS
    from pipeline.store.snapshot import open_snapshot

    with open_snapshot(paths) as con:
        returns = con.execute("SELECT count(*) FROM submissions").fetchone()[0]
    note(f"snapshot: {size[0]} signatories x {size[1]} stages, {returns} submissions")

    load_before = os.getloadavg()[0]
    rows = []
    for view in VIEWS:
        if args.views and view.key not in args.views:
            continue
        for role in view.roles:
            if args.roles and role not in args.roles:
                continue
            row = measure(role, view.key, view.title, args.repeat)
            rows.append(row)
            if not args.json:
                print(f"  {view.key:12} {role:12} cold {fmt(row['cold'])} s, warm median {fmt(row['warm_median'])} s",
                      file=sys.stderr)

    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print()
    print(f"load average (1 min) {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} CPUs "
          "(other work on the machine inflates the times)")
    base = floor(args.repeat)
    print(f"floor (a one-line app, warm AppTest rerun, median): {base * 1000:.1f} ms")
    print(f"{'view':12} {'role':12} {'cold s':>7} {'median s':>9} {'min s':>7} {'max s':>7} {'/floor':>7}  "
          f"<= {TARGET:g} s")
    for r in rows:
        verdict = "FAILED" if not r["ok"] else ("yes" if r["warm_median"] <= TARGET else "NO")
        print(f"{r['view']:12} {r['role']:12} {fmt(r['cold']):>7} {fmt(r['warm_median']):>9} "
              f"{fmt(r['warm_min']):>7} {fmt(r['warm_max']):>7} {ratio(r['warm_median'], base):>7}  {verdict}")
        for kind in ("error", "info"):
            for message in r["errors_shown" if kind == "error" else "info_shown"]:
                print(f"{'':26}shown as {kind}: {message[:100]}")
        if r["error"]:
            print(f"{'':26}{r['error'].splitlines()[0][:120]}")
    measured = [r for r in rows if r["ok"]]
    meeting = [r for r in measured if r["warm_median"] <= TARGET]
    slowest = max(measured, key=lambda r: r["warm_median"], default=None)
    failed = len(rows) - len(measured)
    print(f"{len(meeting)} of {len(rows)} view x role pairs meet the target (warm median <= {TARGET:g} s, "
          f"median of {args.repeat})" + (f", {failed} failed" if failed else "")
          + (f"; slowest: {slowest['view']} as {slowest['role']}, {slowest['warm_median']:.2f} s warm "
             f"({slowest['cold']:.2f} s cold), {slowest['warm_median'] / base:.0f}x the floor" if slowest else ""))
    # AppTest runs the app in this process: its peak is the server's, with every view and role cached
    # (unless the home was built in this run: the generator and the pipeline then set the peak).
    own, children = (resource.getrusage(who).ru_maxrss / 1024 for who in (resource.RUSAGE_SELF,
                                                                          resource.RUSAGE_CHILDREN))
    print(f"peak memory (max RSS): this process {own:.0f} MiB, largest child {children:.0f} MiB"
          + (" (includes building the home; run again to measure the dashboard alone)" if built else ""))


if __name__ == "__main__":
    main()
