"""How long building one feedback report takes (pipeline.review.feedback.to_docx and to_pdf).

A realistic report: the default rubric's six themes, about 150 words each of strengths and of areas to
develop, three anchored comments per theme and a 200-word summary. Prints min/median/max of 5 runs for
each format (after one warm-up run, reported apart: it pays for the imports and the font), the size
and peak memory (tracemalloc, Python allocations). Usage: .venv/bin/python bench/feedback.py
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/pipeline.py is named like the `pipeline` package; keep this folder off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from datetime import date  # noqa: E402

from pipeline.review.feedback import FeedbackReport, from_consensus, to_docx, to_pdf  # noqa: E402
from pipeline.review.rubric import load_rubric  # noqa: E402

WORDS = ("technicians evidence plan action owner date career pathway recognition award registration "
         "mentoring apprenticeship succession workforce survey network café naïve “voice” — committee "
         "institution progress impact training development secondment visibility acknowledgement").split()


def prose(rng: random.Random, n_words: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n_words)]
    sentences = [" ".join(words[i:i + 15]).capitalize() + "." for i in range(0, n_words, 15)]
    return " ".join(sentences[:len(sentences) // 2]) + "\n" + " ".join(sentences[len(sentences) // 2:])


def realistic_report(seed: int = 1) -> FeedbackReport:
    rng = random.Random(seed)
    rubric = load_rubric()
    return from_consensus(
        rubric, institution="University of Exampleshire", signatory="exampleshire", stage=2,
        submission_id="exampleshire|2|2027", round_name="Spring 2027", outcome=rubric.outcomes[1],
        summary=prose(rng, 200), agreed={t.id: rng.choice(rubric.levels) for t in rubric.themes},
        narratives={t.id: {"strengths": prose(rng, 150), "areas to develop": prose(rng, 150)} for t in rubric.themes},
        comments=[(t.id, f"Action {t.id[:2].upper()}-{k}", prose(rng, 30)) for t in rubric.themes for k in range(3)],
        released_on=date(2027, 5, 1), synthetic=True)


def main() -> None:
    report = realistic_report()
    for name, build in (("docx", to_docx), ("pdf", to_pdf)):
        start = time.perf_counter()
        build(report)
        first = time.perf_counter() - start
        times = []
        for _ in range(5):
            start = time.perf_counter()
            data = build(report)
            times.append(time.perf_counter() - start)
        tracemalloc.start()
        build(report)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        print(f"{name}: min {min(times):.3f} s, median {statistics.median(times):.3f} s, max {max(times):.3f} s "
              f"(first run, with imports: {first:.3f} s); {len(data) / 1024:.0f} KiB; peak {peak:.1f} MiB")


if __name__ == "__main__":
    main()
