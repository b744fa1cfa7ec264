"""Running the pipeline in-process (`techbench run`, `techbench demo`, tests) and summarising it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb

from pipeline.handin import landing
from pipeline.programme.signatories import load_register
from pipeline.settings import Paths
from pipeline.store import warehouse
from pipeline.validation import process


class PipelineBusy(Exception):
    """Another process is writing the warehouse."""


@dataclass
class RunSummary:
    run_id: str
    success: bool
    processed: int = 0
    accepted: int = 0
    rejected: int = 0
    rejected_by_rule: dict[str, int] = field(default_factory=dict)
    checks: dict[str, bool] = field(default_factory=dict)


def run_pipeline(paths: Paths, workers: int | None = None, quality: bool = True,
                 on_progress: Callable[[int, int], None] | None = None) -> RunSummary:
    """Materialise every asset (and its checks) in this process.

    Before Dagster is imported (seconds), the pending files start being parsed in worker processes
    (the parse step collects them), and the Great Expectations suite's worker starts importing GX."""
    try:  # fail early and clearly if another run holds the warehouse
        con = warehouse.connect(paths.warehouse)
    except duckdb.IOException as exc:
        raise PipelineBusy(f"the warehouse {paths.warehouse} is in use by another run ({exc})") from None
    with con:
        prefetched = _prefetch(paths, con, workers)
    try:
        if quality:
            from pipeline.validation import quality_worker

            quality_worker.start()
        result = _materialize(paths, workers, quality, on_progress, prefetched)
    finally:
        if prefetched is not None:
            prefetched.close()
    summary = RunSummary(result.run_id, result.success)
    for evaluation in result.get_asset_check_evaluations():
        summary.checks[evaluation.check_name] = evaluation.passed
    with warehouse.connect(paths.warehouse) as con:
        rows = con.execute("SELECT status, count(*) FROM submissions WHERE run_id = ? GROUP BY status",
                           [result.run_id]).fetchall()
        by_status = dict(rows)
        summary.accepted, summary.rejected = by_status.get("accepted", 0), by_status.get("rejected", 0)
        summary.processed = summary.accepted + summary.rejected
        summary.rejected_by_rule = rejections_by_rule(con, result.run_id)
    return summary


def _prefetch(paths: Paths, con: duckdb.DuckDBPyConnection, workers: int | None) -> process.Prefetch | None:
    """Start parsing the files the run will find pending (``raw_submissions``), read with the
    register it will load (``signatory_register``); the parse step checks both before it uses them."""
    pending = warehouse.unprocessed(con, landing.scan(paths.landing))
    try:
        register = {s.slug: s.name for s in load_register(paths.register)}
    except Exception:  # noqa: BLE001 - the run's register step reports it; nothing is parsed ahead
        return None
    return process.prefetch(pending, register, workers)


def _materialize(paths: Paths, workers: int | None, quality: bool, on_progress, prefetched):
    import dagster as dg

    from pipeline.defs import assets, checks
    from pipeline.defs.resources import TechbenchResource

    selected = [c for c in checks.CHECKS if quality or c is not checks.great_expectations_suite]
    assets.ON_PROGRESS, assets.PREFETCHED = on_progress, prefetched
    try:
        return dg.materialize(
            [*assets.PIPELINE, *selected],
            # Outputs passed in memory: the default I/O manager would pickle the parsed returns to a
            # temporary folder and read them back for each step (seconds), for a re-execution that
            # an ephemeral run can never have (a failed run is finished by the next one instead).
            resources={"techbench": TechbenchResource(home=str(paths.home), workers=workers or 0),
                       "io_manager": dg.mem_io_manager},
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}},
        )
    finally:
        assets.ON_PROGRESS = assets.PREFETCHED = None


def rejections_by_rule(con: duckdb.DuckDBPyConnection, run_id: str | None = None) -> dict[str, int]:
    """Rejected submissions counted by each error rule they broke."""
    where = "AND s.run_id = ?" if run_id else ""
    rows = con.execute(f"""
        SELECT DISTINCT i.submission_id, i.rule FROM issues i JOIN submissions s USING (submission_id)
        WHERE s.status = 'rejected' AND i.severity = 'error' {where}""", [run_id] if run_id else []).fetchall()
    return dict(Counter(rule for _, rule in rows).most_common())
