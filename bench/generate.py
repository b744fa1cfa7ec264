"""Time the synthetic sector generator at scale.

    .venv/bin/python bench/generate.py --signatories 10000 --stages 5

Prints files written, seconds, and files per second.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from pipeline.synthetic import generate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--signatories", type=int, default=10_000)
    parser.add_argument("--stages", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="techbench-bench-"))
    try:
        start = time.perf_counter()
        summary = generate(out, args.signatories, args.stages, args.seed, workers=args.workers)
        seconds = time.perf_counter() - start
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    finally:
        shutil.rmtree(out, ignore_errors=True)
    print(f"signatories {summary.signatories}  stages {args.stages}  returns {summary.returns} "
          f"({summary.defective} with defects)")
    for plugin, count in sorted(summary.by_plugin.items()):
        print(f"  {plugin:18} {count}")
    print(f"time {seconds:.1f} s  ({summary.returns / seconds:.0f} returns/s, {size / 1e6:.0f} MB)")


if __name__ == "__main__":
    main()
