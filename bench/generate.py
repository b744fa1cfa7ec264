"""Time the synthetic sector generator at scale.

    .venv/bin/python bench/generate.py --signatories 10000 --stages 5
    .venv/bin/python bench/generate.py --sector real      # the demo's: the shipped register

Prints files written, seconds, and files per second.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

# bench/pipeline.py would shadow the package when run as a script
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from pipeline.synthetic import generate  # noqa: E402


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
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    finally:
        shutil.rmtree(out, ignore_errors=True)
    print(f"{args.sector} sector: signatories {summary.signatories}  stages {args.stages}  returns {summary.returns} "
          f"({summary.defective} with defects)")
    for plugin, count in sorted(summary.by_plugin.items()):
        print(f"  {plugin:18} {count}")
    print(f"time {seconds:.1f} s  ({summary.returns / seconds:.0f} returns/s, {size / 1e6:.0f} MB)")


if __name__ == "__main__":
    main()
