"""Running the pipeline in-process (`techbench run`, `techbench demo`, tests) and summarising it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb

from pipeline.store import warehouse
from pipeline.settings import Paths


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
    """Materialise every asset (and its checks) in this process; the Great Expectations suite runs
    in a worker process that starts importing it now, on the other core, while the run goes on."""
    try:  # fail early and clearly if another run holds the warehouse
        warehouse.connect(paths.warehouse).close()
    except duckdb.IOException as exc:
        raise PipelineBusy(f"the warehouse {paths.warehouse} is in use by another run ({exc})") from None
    if quality:
        from pipeline.validation import quality_worker

        quality_worker.start()
    import dagster as dg

    from pipeline.defs import assets, checks
    from pipeline.defs.resources import TechbenchResource

    selected = [c for c in checks.CHECKS if quality or c is not checks.great_expectations_suite]
    assets.ON_PROGRESS = on_progress
    try:
        result = dg.materialize(
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
        assets.ON_PROGRESS = None
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


def rejections_by_rule(con: duckdb.DuckDBPyConnection, run_id: str | None = None) -> dict[str, int]:
    """Rejected submissions counted by each error rule they broke."""
    where = "AND s.run_id = ?" if run_id else ""
    rows = con.execute(f"""
        SELECT DISTINCT i.submission_id, i.rule FROM issues i JOIN submissions s USING (submission_id)
        WHERE s.status = 'rejected' AND i.severity = 'error' {where}""", [run_id] if run_id else []).fetchall()
    return dict(Counter(rule for _, rule in rows).most_common())
