"""Time loading the HESA reference tables from the ten shipped DT025 files, and their memory.

    .venv/bin/python bench/hesa.py [--runs 5]

Prints min / median / max seconds of ``load_hesa()`` (all ten DT025 years plus nation and region
from the Scottish extract), of ``load_hesa(places=None)`` (DT025 alone), of ``load_hesa_sector()``
and of reading one DT025 file; then the peak of Python allocations during one ``load_hesa()``
(tracemalloc, in a separate run so it does not slow the timings; polars' own buffers are not
counted there) and the process's peak resident memory (ru_maxrss, imports included).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path[:] = [str(Path(__file__).resolve().parent.parent)] + [
    p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from plugins.hesa.dt025 import read_dt025  # noqa: E402
from plugins.hesa.reader import DT025_DIR, dt025_files, load_hesa, load_hesa_sector  # noqa: E402


def timed(fn, runs: int) -> tuple[list[float], object]:
    seconds, out = [], None
    for _ in range(runs):
        start = time.perf_counter()
        out = fn()
        seconds.append(time.perf_counter() - start)
    return seconds, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    files = dt025_files(DT025_DIR)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"{len(files)} DT025 files, {sum(f.stat().st_size for f in files) / 1024:.0f} KiB; {runs} runs each")
    for name, fn in [("load_hesa()", load_hesa), ("load_hesa(places=None)", lambda: load_hesa(places=None)),
                     ("load_hesa_sector()", load_hesa_sector), ("read_dt025(one file)", lambda: read_dt025(files[-1]))]:
        seconds, out = timed(fn, runs)
        print(f"{name:24s} min {min(seconds) * 1000:7.1f} ms  median {statistics.median(seconds) * 1000:7.1f} ms  "
              f"max {max(seconds) * 1000:7.1f} ms  ({out.height} rows)")
    tracemalloc.start()
    load_hesa()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(f"peak Python allocations during load_hesa(): {peak / 2**20:.1f} MiB (tracemalloc)")
    print(f"peak resident memory of this process: {rss / 1024:.0f} MiB "
          f"({rss_before / 1024:.0f} MiB after imports, before loading)")


if __name__ == "__main__":
    main()
