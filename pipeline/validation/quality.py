"""Data quality of the warehouse, checked with Great Expectations and published as Data Docs.

``run_quality_suite(con, out_dir)`` reads each warehouse table with SQL into pandas (GX has no
polars support), validates it against one expectation suite per table, and writes

- ``out_dir/data_docs/index.html``  GX Data Docs: a static site with every suite and its results
- ``out_dir/results.json``          a compact summary (``QualityReport.to_dict()``)

The suites and the SQL are in ``pipeline.validation.quality_suite``; the report in
``pipeline.validation.quality_report``.

Great Expectations costs seconds and hundreds of MB to import, so it is imported inside
``run_quality_suite`` only, never when this module is imported. It runs in an ephemeral context:
its stores live in memory, analytics are off, and the only files it writes are the Data Docs site
under ``out_dir`` (which is replaced on every run).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import time
import warnings
from pathlib import Path

import duckdb

from pipeline.handin.landing import write_atomically
from pipeline.validation.quality_report import EXAMPLES, QualityReport, TableOutcome, outcome
from pipeline.validation.quality_suite import TABLES, suites

DATA_DOCS_DIR = "data_docs"
RESULTS_FILE = "results.json"
SITE_NAME = "techbench_quality"
SUITE_PREFIX = "techbench_"


def _quiet_gx_loggers() -> None:
    for name in ["great_expectations", *logging.root.manager.loggerDict]:
        if name.startswith("great_expectations"):
            logger = logging.getLogger(name)
            if logger.level < logging.WARNING:  # NOTSET inherits; GX sets some of its own to INFO
                logger.setLevel(logging.WARNING)


def import_gx():
    """Import Great Expectations quietly: no analytics, its loggers at WARNING."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    _quiet_gx_loggers()
    with warnings.catch_warnings():  # GX's own imports use deprecated modules (sre_parse, ...)
        warnings.simplefilter("ignore", DeprecationWarning)
        import great_expectations as gx
        import great_expectations.data_context.types.base  # noqa: F401 - sets its own logger to INFO
        import great_expectations.expectations  # noqa: F401

    _quiet_gx_loggers()
    return gx


def _context(gx, docs_dir: Path):
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        data_docs_sites={SITE_NAME: {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }},
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def run_quality_suite(con: duckdb.DuckDBPyConnection, out_dir: Path) -> QualityReport:
    """Validate the warehouse behind ``con``; write Data Docs and ``results.json`` under ``out_dir``.

    An empty table passes (its report says it has no rows). Raises only if a table cannot be read.
    """
    started = time.perf_counter()
    now = dt.datetime.now(dt.UTC)
    out_dir = Path(out_dir).resolve()
    docs_dir = out_dir / DATA_DOCS_DIR

    # Read every frame before GX starts, so a missing table fails before anything is written.
    frames = {t.name: con.sql(t.sql).df() for t in TABLES}

    importing = time.perf_counter()
    gx = import_gx()
    import great_expectations.expectations as gxe
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.expectations.row_conditions import Column

    import_seconds = time.perf_counter() - importing
    if docs_dir.exists():
        shutil.rmtree(docs_dir)  # the site shows this run only
    docs_dir.mkdir(parents=True)
    context = _context(gx, docs_dir)
    source = context.data_sources.add_pandas("warehouse")
    expectations = suites(gxe, Column)
    run_id = RunIdentifier(run_name=f"warehouse-{now:%Y%m%dT%H%M%SZ}", run_time=now)
    outcomes: list[TableOutcome] = []
    for table in TABLES:
        batch = source.add_dataframe_asset(table.name).add_batch_definition_whole_dataframe("whole_table")
        suite = context.suites.add(gx.ExpectationSuite(name=f"{SUITE_PREFIX}{table.name}",
                                                       expectations=expectations[table.name]))
        validation = context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{table.name}_validation", data=batch, suite=suite))
        # Each table is its own batch (a checkpoint takes one dataframe), so the Data Docs are built
        # once after the loop rather than by an UpdateDataDocsAction per checkpoint: the same pages,
        # in half the time (GX recompiles its Jinja templates for every page it renders).
        checkpoint = context.checkpoints.add(gx.Checkpoint(
            name=f"{table.name}_checkpoint", validation_definitions=[validation], actions=[],
            result_format={"result_format": "SUMMARY", "unexpected_index_column_names": list(table.keys),
                           "partial_unexpected_count": EXAMPLES, "return_unexpected_index_query": False}))
        result = checkpoint.run(batch_parameters={"dataframe": frames[table.name]}, run_id=run_id)
        (suite_result,) = result.run_results.values()
        outcomes.append(TableOutcome(
            table=table.name, suite=suite.name, rows=len(frames[table.name]), success=bool(suite_result.success),
            expectations=[outcome(r) for r in suite_result.results]))
    context.build_data_docs(site_names=[SITE_NAME])

    report = QualityReport(
        success=all(t.success for t in outcomes), tables=outcomes, data_docs_index=docs_dir / "index.html",
        results_path=out_dir / RESULTS_FILE, gx_version=gx.__version__, ran_at=now.isoformat(timespec="seconds"),
        seconds=round(time.perf_counter() - started, 3), gx_import_seconds=round(import_seconds, 3))
    # whole or not at all: the dashboard may be reading the previous one
    write_atomically(report.results_path, (json.dumps(report.to_dict(), indent=1, ensure_ascii=False) + "\n").encode())
    return report
