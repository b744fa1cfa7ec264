"""Time the synthetic sector generator at scale.

    .venv/bin/python bench/generate.py --signatories 10000 --stages 5
    .venv/bin/python bench/generate.py --sector real      # the demo's: the shipped register

Prints files written, seconds and files per second; the ratio to the floor; and the peak memory
(max RSS of this process or any worker, ``resource.getrusage``: the workers are children).

The floor is the I/O no generator can avoid: the same files (same names, same bytes, the same
folders) written again by a plain loop in one process, each copied from the one just generated
(``shutil.copyfile``, so from the page cache); median of 5. The ratio says how much the generating costs on top
of writing its output.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

# bench/pipeline.py would shadow the package when run as a script
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from pipeline.synthetic import generate  # noqa: E402


def write_floor(tree: Path, files: list[Path], copy: Path, repeat: int = 5) -> float:
    """Median seconds, of ``repeat``, to write ``files`` (under ``tree``) again under ``copy``, one by
    one (``copy`` is removed after each)."""
    times = []
    for _ in range(repeat):
        try:
            start = time.perf_counter()
            for path in files:
                target = copy / path.relative_to(tree)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
            times.append(time.perf_counter() - start)
        finally:
            shutil.rmtree(copy, ignore_errors=True)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sector", choices=("fictional", "real"), default="fictional",
                        help="fictional: a made-up register of --signatories; real: the shipped register")
    parser.add_argument("--signatories", type=int, default=None, help="default 10000 (fictional), all (real)")
    parser.add_argument("--stages", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="techbench-bench-"))
    try:
        start = time.perf_counter()
        count = 10_000 if args.signatories is None and args.sector == "fictional" else args.signatories
        summary = generate(out, count, args.stages, args.seed, workers=args.workers, sector=args.sector)
        seconds = time.perf_counter() - start
        peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
        files = [p for p in out.rglob("*") if p.is_file()]
        size = sum(p.stat().st_size for p in files)
        floor = write_floor(out, files, out.with_name(out.name + "-floor"))
    finally:
        shutil.rmtree(out, ignore_errors=True)
    print(f"{args.sector} sector: signatories {summary.signatories}  stages {args.stages}  returns {summary.returns} "
          f"({summary.defective} with defects)")
    for plugin, count in sorted(summary.by_plugin.items()):
        print(f"  {plugin:18} {count}")
    print(f"time {seconds:.1f} s  ({summary.returns / seconds:.0f} returns/s, {len(files)} files, {size / 1e6:.0f} MB)")
    print(f"floor (the same files written again by a plain loop, median of 5): {floor:.2f} s; "
          f"ratio {seconds / floor:.0f}x")
    print(f"peak resident memory (this process or a worker, max RSS): {peak / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
