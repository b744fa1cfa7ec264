"""Turning landed files into processed submissions: parse with the plugins, then the rules.

Plain functions, so the Dagster assets, `techbench run` and the benchmark's floor all do the same
work. Files are processed in parallel processes (the work is CPU-bound Python), in a stable order.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

from pipeline.kit.intake import Limits, Rejected, read_source
from pipeline.handin.landing import Landed
from pipeline.handin.context import parse_context
from pipeline.kit.hooks import WHOLE_FILE, Issue, ParseContext
from pipeline.registry import Registry
from pipeline.settings import SPAWN
from pipeline.validation.validate import FileReport, Processed, apply_rules, parse_source

_REGISTRY: Registry | None = None
#: Fewer files than this are parsed in this process: starting workers would cost more.
PARALLEL_FROM = 40
#: Files per task sent to a worker.
CHUNK = 8


def _registry() -> Registry:
    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = Registry.from_entry_points()
    return _REGISTRY


#: The register's signatories: slug -> name.
Signatories = Mapping[str, str]


def context_of(landed: Landed, signatories: Signatories) -> ParseContext:
    return parse_context(landed.signatory, landed.stage, signatories, landed.received)


def parse_landed(landed: Landed, signatories: Signatories) -> Processed:
    """Read one landed file with its plugin; no rules yet."""
    if landed.signatory not in signatories:
        return Processed(landed, FileReport(str(landed.path), issues=[Issue(
            rule="signatory.unknown", severity="error", location=WHOLE_FILE,
            message=f"'{landed.signatory}' is not in the signatory register; ask the steering group to add it.")]))
    try:
        source = read_source(landed.path, Limits.from_env())
    except Rejected as rejected:
        return Processed(landed, FileReport(str(landed.path), issues=[rejected.issue]))
    source = type(source)(name=landed.original_name or source.name, data=source.data)
    return Processed(landed, parse_source(source, _registry(), context=context_of(landed, signatories),
                                          path=str(landed.path)))


def validate_parsed(item: Processed, signatories: Signatories) -> Processed:
    return Processed(item.landed, apply_rules(item.report, context_of(item.landed, signatories)))


def _parse(args: tuple[Landed, Signatories]) -> Processed:
    return parse_landed(*args)


def _process(args: tuple[Landed, Signatories]) -> Processed:
    return validate_parsed(parse_landed(*args), args[1])


def _parse_chunk(files: list[Landed], signatories: Signatories) -> list[Processed]:
    return [parse_landed(f, signatories) for f in files]


def _key(landed: Landed) -> tuple[str, str]:
    return str(landed.path), landed.sha256


@dataclass
class Prefetch:
    """Files whose parsing started before the run's parse step, in worker processes (``prefetch``)."""

    signatories: dict[str, str]
    pool: ProcessPoolExecutor
    futures: dict[tuple[str, str], tuple[Future, int]]

    def close(self) -> None:
        """End the workers; parsing not collected by then is dropped."""
        self.pool.shutdown(wait=True, cancel_futures=True)


def prefetch(files: Iterable[Landed], signatories: Signatories, workers: int | None = None) -> Prefetch | None:
    """Start parsing ``files`` now (None when they are too few to be parsed in parallel): a run does
    this before it imports Dagster, so the files are parsed while it starts. ``parse_all`` collects."""
    files, workers = list(files), _workers(workers)
    if workers == 1 or len(files) < PARALLEL_FROM:
        return None
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=SPAWN)
    futures = {}
    for i in range(0, len(files), CHUNK):
        chunk = files[i:i + CHUNK]
        future = pool.submit(_parse_chunk, chunk, signatories)
        futures.update({_key(f): (future, k) for k, f in enumerate(chunk)})
    return Prefetch(dict(signatories), pool, futures)


def parse_all(files: Iterable[Landed], signatories: Signatories, workers: int | None = None,
              progress: Callable[[int], None] | None = None, prefetched: Prefetch | None = None) -> list[Processed]:
    """Parse files with their plugins, in parallel when there are enough to pay for the processes.
    What ``prefetched`` parsed with the same register is taken from it; anything else is parsed now."""
    files = list(files)
    if prefetched is not None and prefetched.signatories != dict(signatories):  # the register changed since
        prefetched.pool.shutdown(wait=False, cancel_futures=True)
        prefetched = None
    if prefetched is None:
        return _map(_parse, files, signatories, workers, progress)
    rest = iter(_map(_parse, [f for f in files if _key(f) not in prefetched.futures], signatories, workers, progress))
    out = []
    for f in files:
        if _key(f) not in prefetched.futures:
            out.append(next(rest))
            continue
        future, k = prefetched.futures[_key(f)]
        out.append(future.result()[k])
        if progress:
            progress(1)
    return out


def process(files: Iterable[Landed], signatories: Signatories, workers: int | None = None,
            progress: Callable[[int], None] | None = None) -> list[Processed]:
    """Parse and validate files (the floor the pipeline is measured against)."""
    return _map(_process, files, signatories, workers, progress)


def _workers(workers: int | None) -> int:
    return workers or min(2, os.cpu_count() or 1)


def _map(fn, files, signatories, workers, progress) -> list[Processed]:
    files = list(files)
    workers = _workers(workers)
    jobs = [(f, signatories) for f in files]
    out: list[Processed] = []
    if workers == 1 or len(files) < PARALLEL_FROM:
        results = map(fn, jobs)
        for item in results:
            out.append(item)
            if progress:
                progress(1)
        return out
    with ProcessPoolExecutor(max_workers=workers, mp_context=SPAWN) as pool:
        for item in pool.map(fn, jobs, chunksize=CHUNK):
            out.append(item)
            if progress:
                progress(1)
    return out
