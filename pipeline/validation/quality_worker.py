"""The Great Expectations suite in a process of its own, kept for the life of this one.

Importing GX costs seconds of CPU (several uncompiled) and holds the interpreter lock while it
does. In a thread of the pipeline's process it slowed every step it overlapped, and left the
second core idle before and after the files are parsed. So a run calls ``start()`` first: one
worker process (spawned, never forked) imports GX on the other core while the run goes on, and
the asset check hands it the published snapshot with ``check_snapshot``. The worker opens the
snapshot read-only and runs ``pipeline.validation.quality.run_quality_suite`` on it, the same suite
on the same full tables; the report comes back whole, or the check raises what the suite raised.

The worker is reused by later runs in the same process (the server's watcher imports GX once, as
before). It only reads the snapshot and writes the Data Docs and ``results.json`` (atomically), so
a killed worker or a killed parent leaves nothing half done; a worker that died is replaced.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from pipeline.settings import SPAWN, Paths
from pipeline.validation.quality_report import QualityReport

_LOCK = threading.Lock()
_POOL: ProcessPoolExecutor | None = None


def _exit_with(parent: int) -> None:
    """In the worker: end it as soon as the process that started it is gone (kill -9 included, which
    leaves it no chance to say so), rather than linger with Great Expectations loaded."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def _import() -> str:
    from pipeline.validation.quality import import_gx

    return import_gx().__version__


def _check(home: str) -> QualityReport:
    from pipeline.store.snapshot import open_snapshot
    from pipeline.validation.quality import run_quality_suite

    paths = Paths.from_env(home)
    with open_snapshot(paths) as con:
        return run_quality_suite(con, paths.quality)


def start() -> ProcessPoolExecutor:
    """Have the worker running and importing GX (returns at once; does nothing if it is already)."""
    global _POOL
    with _LOCK:
        if _POOL is None:
            _POOL = ProcessPoolExecutor(max_workers=1, mp_context=SPAWN, initializer=_exit_with,
                                        initargs=(os.getpid(),))
            _POOL.submit(_import)  # queued first: the import starts now, not when the check asks
        return _POOL


def _submit(paths: Paths) -> QualityReport:
    return start().submit(_check, str(paths.home)).result()


def check_snapshot(paths: Paths) -> QualityReport:
    """Run the suite over ``paths``' published snapshot in the worker (started if need be)."""
    try:
        return _submit(paths)
    except BrokenProcessPool:  # the worker died (killed, out of memory): once more with a new one
        stop(wait=False)
        return _submit(paths)


def stop(wait: bool = True) -> None:
    """End the worker (it also ends when this process exits)."""
    global _POOL
    with _LOCK:
        if _POOL is not None:
            _POOL.shutdown(wait=wait, cancel_futures=True)
        _POOL = None
