"""How long `techbench validate` takes on one Word return, cold (a new process each time).

Prints min/median/max of N runs (default 5), the floor (a new interpreter that imports nothing of
techbench: `python -c pass`), the ratio of the median to the floor, and the peak memory (max RSS)
of a run. Usage: .venv/bin/python bench/validate.py [FILE] [N]
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "plugins" / "official_form" / "samples" / "example_return_northgate_stage1.docx"
TECHBENCH = Path(sys.executable).with_name("techbench")


def timed(argv: list[str], n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else SAMPLE
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    subprocess.run([str(TECHBENCH), "validate", str(path)], capture_output=True)  # writes bytecode once
    runs = timed([str(TECHBENCH), "validate", "--stage", "1", str(path)], n)
    floor = timed([sys.executable, "-c", "pass"], n)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    med, floor_med = statistics.median(runs), statistics.median(floor)
    print(f"techbench validate {path.name}, cold, {n} runs: min {min(runs):.3f} s, median {med:.3f} s, "
          f"max {max(runs):.3f} s")
    print(f"floor (python -c pass): median {floor_med:.3f} s; ratio {med / floor_med:.1f}x")
    print(f"peak memory of a run (max RSS): {peak:.0f} MiB")


if __name__ == "__main__":
    main()
