"""Time Appendix A tagging and adoption at sector scale.

    .venv/bin/python bench/tagging.py [--texts 600000]

10,000 signatories x 5 stages is about 600,000 initiative and action texts. The texts are the
hand-labelled set (tests/data/appendix_a_labelled.csv) and the synthetic sector's phrasing ("Verb:
<Appendix A text>"), repeated; "distinct" makes each one unique (tagging cannot deduplicate),
"repeated" keeps the synthetic sector's repetition. Prints the seconds of ``tag_texts`` on both,
of ``tag_frames`` on half distinct initiatives and half repeated actions, and of ``adoption``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import polars as pl  # noqa: E402

from pipeline.appendix_a import ACTIVITIES  # noqa: E402
from pipeline.benchmarks.tagging import adoption, tag_frames, tag_texts  # noqa: E402
from pipeline.synthetic import VERBS  # noqa: E402

LABELLED = Path(__file__).resolve().parent.parent / "tests" / "data" / "appendix_a_labelled.csv"
PER_RETURN = 6  # texts of one kind per return


def sector_texts(n: int, distinct: bool) -> list[str]:
    base = pl.read_csv(LABELLED, columns=["text"])["text"].to_list()
    base += [f"{v}: {a.text}" for v in VERBS for a in ACTIVITIES]
    return [f"{base[i % len(base)]} (ref {i})" if distinct else base[i % len(base)] for i in range(n)]


def timed(label: str, fn) -> pl.DataFrame:
    start = time.perf_counter()
    out = fn()
    print(f"{label}: {time.perf_counter() - start:.2f} s, {out.height:,} rows")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=600_000)
    n = parser.parse_args().texts
    for distinct in (True, False):
        texts = pl.DataFrame({"id": pl.int_range(n, eager=True).cast(pl.String), "text": sector_texts(n, distinct)})
        timed(f"tag_texts, {n:,} {'distinct' if distinct else 'repeated'} texts", lambda: tag_texts(texts))
    half = n // 2
    ids = [f"s{i // PER_RETURN}|1|h" for i in range(half)]
    ordinals = [i % PER_RETURN for i in range(half)]
    frames = SimpleNamespace(
        initiatives=pl.DataFrame({"submission_id": ids, "ordinal": ordinals, "theme": [None] * half,
                                  "text": sector_texts(half, True)}),
        actions=pl.DataFrame({"submission_id": ids, "ordinal": ordinals, "theme": [None] * half,
                              "action": sector_texts(half, False)}))
    tags = timed(f"tag_frames, {half:,} distinct initiatives + {half:,} repeated actions", lambda: tag_frames(frames))
    returns = pl.DataFrame({"submission_id": [f"s{i}|1|h" for i in range(half // PER_RETURN)],
                            "signatory": [f"s{i}" for i in range(half // PER_RETURN)],
                            "stage": [1] * (half // PER_RETURN)})
    timed(f"adoption over {returns.height:,} returns", lambda: adoption(tags, returns))


if __name__ == "__main__":
    main()
