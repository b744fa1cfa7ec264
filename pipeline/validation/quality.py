"""Data quality of the warehouse, checked with Great Expectations and published as Data Docs.

``run_quality_suite(con, out_dir)`` reads each warehouse table with SQL into pandas (GX has no
polars support), validates it against one expectation suite per table, and writes

- ``out_dir/data_docs/index.html``  GX Data Docs: a static site with every suite and its results
- ``out_dir/results.json``          a compact summary (``QualityReport.to_dict()``)

The expectations are the ones the steering group relies on when it reads the benchmarks: keys
unique, values in the enums of ``pipeline.schema`` and ``pipeline.signatories``, counts in range,
exactly one latest valid submission per signatory and stage, no child row without its parent.
Where the schema has a rule GX cannot state directly, the SQL computes a column and the suite
expects that column (a count of latest valid submissions per group, a remainder, a join flag).

Great Expectations costs seconds and hundreds of MB to import, so it is imported inside
``run_quality_suite`` only, never when this module is imported. It runs in an ephemeral context:
its stores live in memory, analytics are off, and the only files it writes are the Data Docs site
under ``out_dir`` (which is replaced on every run).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import os
import shutil
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, get_args

import duckdb

from pipeline.handin.landing import write_atomically
from pipeline.kit.hooks import Severity
from pipeline.signatories import Nation, Signatory, SignatoryType
from pipeline.schema import MAX_STAGE, ActionStatus, DatePrecision, Register, Theme

#: The values ``submissions.status`` may take (the warehouse's CHECK constraint says the same).
ACCEPTED, REJECTED = "accepted", "rejected"
SUBMISSION_STATUSES = (ACCEPTED, REJECTED)
#: Initiatives are recorded as before signing up or since (``warehouse._rows``).
INITIATIVE_PHASES = ("before", "since")
#: HESA open data rounds every count to the nearest 5 (``plugins/hesa``: ``ROUNDED_TO``).
HESA_ROUNDING = 5
#: A plausible headcount of technicians for one signatory.
MIN_HEADCOUNT, MAX_HEADCOUNT = 1, 100_000

DATA_DOCS_DIR = "data_docs"
RESULTS_FILE = "results.json"
SITE_NAME = "techbench_quality"
SUITE_PREFIX = "techbench_"
#: How many unexpected rows the report keeps per expectation.
EXAMPLES = 5


def _values(enum_or_literal) -> list[str]:
    return [getattr(v, "value", v) for v in enum_or_literal]


def _pattern(model, name: str) -> str:
    """The regex a pydantic field is constrained by (so the register's rules are stated once)."""
    for item in model.model_fields[name].metadata:
        if getattr(item, "pattern", None):
            return item.pattern
    raise LookupError(f"{model.__name__}.{name} has no pattern")


@dataclass(frozen=True)
class _Table:
    """One validated frame: the table it reports on, the SQL that reads it, the columns naming a row."""

    name: str
    sql: str
    keys: tuple[str, ...]


def _child_sql(table: str, columns: str) -> str:
    return (f"SELECT t.submission_id, t.ordinal, {columns}, r.submission_id IS NOT NULL AS has_return "
            f"FROM {table} t LEFT JOIN returns r USING (submission_id)")


TABLES: tuple[_Table, ...] = (
    _Table("submissions", f"""
        SELECT submission_id, signatory, stage, status, errors, warnings, is_latest_valid,
               CASE WHEN status = '{ACCEPTED}' THEN sum((is_latest_valid AND status = '{ACCEPTED}')::INTEGER)
                    OVER (PARTITION BY signatory, stage) END AS latest_valid_in_group
        FROM submissions""", ("submission_id",)),
    _Table("returns", """
        SELECT r.submission_id, r.signatory, r.stage, r.synthetic, r.headcount, r.fte, s.status,
               s.submission_id IS NOT NULL AS has_submission
        FROM returns r LEFT JOIN submissions s USING (submission_id)""", ("submission_id",)),
    _Table("return_areas", _child_sql("return_areas", "t.name, t.headcount, t.fte"), ("submission_id", "ordinal")),
    _Table("return_registrations", _child_sql("return_registrations", "t.register, t.count"),
           ("submission_id", "ordinal")),
    _Table("return_metrics", _child_sql("return_metrics", "t.name, t.count"), ("submission_id", "ordinal")),
    _Table("return_initiatives", _child_sql("return_initiatives", "t.phase, t.theme"), ("submission_id", "ordinal")),
    _Table("return_actions", _child_sql("return_actions", "t.theme, t.status, t.due_precision, t.due_end"),
           ("submission_id", "ordinal")),
    _Table("issues", """
        SELECT i.submission_id, i.ordinal, i.rule, i.severity, i.location,
               s.submission_id IS NOT NULL AS has_submission
        FROM issues i LEFT JOIN submissions s USING (submission_id)""", ("submission_id", "ordinal")),
    _Table("signatories", "SELECT slug, name, type, nation, ukprn FROM signatories", ("slug",)),
    _Table("hesa_reference", f"""
        SELECT ukprn, academic_year, technician_proxy, technician_proxy % {HESA_ROUNDING} AS technician_proxy_remainder
        FROM hesa_reference""", ("ukprn", "academic_year")),
)


def _expectations(gxe, Column) -> dict[str, list]:  # noqa: N803 - GX's class, passed in lazily
    """The suite of each table; ``gxe`` is ``great_expectations.expectations``."""
    accepted = Column("status") == ACCEPTED
    rejected = Column("status") == REJECTED

    def child(*more) -> list:
        return [gxe.ExpectCompoundColumnsToBeUnique(column_list=["submission_id", "ordinal"],
                                                    description="One row per submission and ordinal."),
                gxe.ExpectColumnValuesToBeInSet(column="has_return", value_set=[True],
                                                description="Every row belongs to a return in `returns`."),
                *more]

    def non_negative(column: str, what: str) -> Any:
        return gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0, description=f"{what} is not negative.")

    return {
        "submissions": [
            gxe.ExpectColumnValuesToNotBeNull(column="submission_id"),
            gxe.ExpectColumnValuesToBeUnique(column="submission_id"),
            gxe.ExpectColumnValuesToBeInSet(column="status", value_set=list(SUBMISSION_STATUSES)),
            gxe.ExpectColumnValuesToBeBetween(column="stage", min_value=1, max_value=MAX_STAGE),
            non_negative("errors", "A count of errors"),
            non_negative("warnings", "A count of warnings"),
            gxe.ExpectColumnValuesToBeBetween(column="errors", max_value=0, row_condition=accepted,
                                              description="An accepted submission has no errors."),
            gxe.ExpectColumnValuesToBeInSet(column="is_latest_valid", value_set=[False], row_condition=rejected,
                                            description="A rejected submission is never the latest valid one."),
            gxe.ExpectColumnValuesToBeBetween(
                column="latest_valid_in_group", min_value=1, max_value=1,
                description="Exactly one accepted submission per signatory and stage is flagged latest valid "
                            "(the column counts the flags in the submission's group)."),
        ],
        "returns": [
            gxe.ExpectColumnValuesToNotBeNull(column="submission_id"),
            gxe.ExpectColumnValuesToBeUnique(column="submission_id"),
            gxe.ExpectColumnValuesToBeInSet(column="has_submission", value_set=[True],
                                            description="Every return belongs to a row in `submissions`."),
            gxe.ExpectColumnValuesToNotBeNull(column="synthetic"),
            gxe.ExpectColumnValuesToBeBetween(column="stage", min_value=1, max_value=MAX_STAGE),
            gxe.ExpectColumnValuesToBeBetween(
                column="headcount", min_value=MIN_HEADCOUNT, max_value=MAX_HEADCOUNT, row_condition=accepted,
                description=f"An accepted return counts between {MIN_HEADCOUNT} and {MAX_HEADCOUNT:,} technicians."),
            non_negative("fte", "FTE"),
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="headcount", column_B="fte", or_equal=True, ignore_row_if="either_value_is_missing",
                description="FTE is at most the headcount."),
        ],
        "return_areas": child(non_negative("headcount", "An area's headcount"), non_negative("fte", "An area's FTE"),
                              gxe.ExpectColumnValuesToNotBeNull(column="name")),
        "return_registrations": child(
            gxe.ExpectColumnValuesToBeInSet(column="register", value_set=_values(Register)),
            non_negative("count", "A count of registrations")),
        "return_metrics": child(gxe.ExpectColumnValuesToNotBeNull(column="name"),
                                non_negative("count", "A metric's count")),
        "return_initiatives": child(
            gxe.ExpectColumnValuesToBeInSet(column="phase", value_set=list(INITIATIVE_PHASES)),
            gxe.ExpectColumnValuesToBeInSet(column="theme", value_set=_values(Theme),
                                            description="The theme is one of the five, or empty.")),
        "return_actions": child(
            gxe.ExpectColumnValuesToBeInSet(column="theme", value_set=_values(Theme),
                                            description="The theme is one of the five, or empty."),
            gxe.ExpectColumnValuesToBeInSet(column="status", value_set=_values(ActionStatus),
                                            description="The status is one of the statuses, or empty."),
            gxe.ExpectColumnValuesToBeInSet(column="due_precision", value_set=_values(DatePrecision))),
        "issues": [
            gxe.ExpectCompoundColumnsToBeUnique(column_list=["submission_id", "ordinal"]),
            gxe.ExpectColumnValuesToBeInSet(column="has_submission", value_set=[True],
                                            description="Every issue belongs to a row in `submissions`."),
            gxe.ExpectColumnValuesToBeInSet(column="severity", value_set=_values(get_args(Severity))),
            gxe.ExpectColumnValuesToNotBeNull(column="rule"),
            gxe.ExpectColumnValuesToNotBeNull(column="location"),
            gxe.ExpectColumnValuesToMatchRegex(column="location", regex=r"\S",
                                               description="The location says where: it is not blank."),
        ],
        "signatories": [
            gxe.ExpectColumnValuesToNotBeNull(column="slug"),
            gxe.ExpectColumnValuesToBeUnique(column="slug"),
            gxe.ExpectColumnValuesToBeInSet(column="type", value_set=_values(SignatoryType)),
            gxe.ExpectColumnValuesToBeInSet(column="nation", value_set=_values(Nation)),
            gxe.ExpectColumnValuesToMatchRegex(column="ukprn", regex=_pattern(Signatory, "ukprn"),
                                               description="A UKPRN has 8 digits starting with 1, or is empty."),
        ],
        "hesa_reference": [
            gxe.ExpectCompoundColumnsToBeUnique(column_list=["ukprn", "academic_year"]),
            gxe.ExpectColumnValuesToBeInSet(
                column="technician_proxy_remainder", value_set=[0],
                description=f"The technician proxy is a multiple of {HESA_ROUNDING} (HESA rounds to "
                            f"{HESA_ROUNDING}), or empty: the column is its remainder."),
            gxe.ExpectColumnValuesToBeBetween(column="technician_proxy", min_value=0),
        ],
    }


# ---------------------------------------------------------------------------------------------
# The report


@dataclass
class ExpectationOutcome:
    expectation: str
    column: str | None
    success: bool
    unexpected_count: int = 0
    examples: list[Any] = field(default_factory=list)
    description: str | None = None
    error: str | None = None

    def line(self, examples: int = 3) -> str:
        """One line: what was expected, how many rows broke it, and a few of them."""
        text = self.expectation + (f" [{self.column}]" if self.column else "")
        if self.description:
            text += f" ({self.description.rstrip('.')})"
        if self.error:
            return f"{text}: could not be checked: {self.error}"
        shown = "; ".join(_example_text(e) for e in self.examples[:examples])
        return f"{text}: {self.unexpected_count} unexpected" + (f", e.g. {shown}" if shown else "")


def _example_text(example: Any, width: int = 60) -> str:
    def short(value: Any) -> str:
        text = json.dumps(value, default=str, ensure_ascii=False)
        return text if len(text) <= width else text[: width - 3] + "..."

    if isinstance(example, dict):
        return ", ".join(f"{k}={short(v)}" for k, v in example.items())
    return short(example)


@dataclass
class TableOutcome:
    table: str
    suite: str
    rows: int
    success: bool
    expectations: list[ExpectationOutcome] = field(default_factory=list)

    @property
    def failures(self) -> list[ExpectationOutcome]:
        return [e for e in self.expectations if not e.success]


@dataclass
class QualityReport:
    success: bool
    tables: list[TableOutcome]
    data_docs_index: Path
    results_path: Path
    gx_version: str
    ran_at: str
    seconds: float
    gx_import_seconds: float = 0.0

    def table(self, name: str) -> TableOutcome:
        return next(t for t in self.tables if t.table == name)

    @property
    def failures(self) -> list[tuple[str, ExpectationOutcome]]:
        return [(t.table, e) for t in self.tables for e in t.failures]

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["data_docs_index"] = str(self.data_docs_index)
        out["results_path"] = str(self.results_path)
        return out

    def summary(self) -> str:
        checks = sum(len(t.expectations) for t in self.tables)
        lines = [f"Data quality: {'PASSED' if self.success else 'FAILED'} - {len(self.failures)} of {checks} "
                 f"expectations failed on {len(self.tables)} tables (Great Expectations {self.gx_version}, "
                 f"{self.seconds:.1f} s)"]
        for t in self.tables:
            state = "ok" if t.success else f"{len(t.failures)} failed"
            rows = f"{t.rows:>7} rows" if t.rows else "no rows".rjust(12)
            lines.append(f"  {t.table:<22} {rows}  {state}")
            lines.extend(f"      - {e.line()}" for e in t.failures)
        lines.append(f"Data Docs: {self.data_docs_index}")
        return "\n".join(lines)


def _plain(value: Any) -> Any:
    """A JSON-friendly copy of a value from a GX result (numpy scalars, timestamps, tuples)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (TypeError, ValueError):
            return str(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _exception_message(info: Any) -> str | None:
    """GX reports an exception flat, or per failing metric in a dict keyed by metric id."""
    if not isinstance(info, dict):
        return None
    if "raised_exception" in info:
        return str(info.get("exception_message") or "error") if info["raised_exception"] else None
    messages = [m for m in map(_exception_message, info.values()) if m]
    return "; ".join(messages) or None


def _outcome(result) -> ExpectationOutcome:
    config = result.expectation_config
    kwargs = config.kwargs
    column = kwargs.get("column") or ", ".join(
        kwargs.get("column_list") or [c for c in (kwargs.get("column_A"), kwargs.get("column_B")) if c]) or None
    error = _exception_message(result.exception_info)
    details = result.result or {}
    examples = details.get("partial_unexpected_index_list") or details.get("partial_unexpected_list") or []
    return ExpectationOutcome(
        expectation=config.type, column=column, success=bool(result.success),
        unexpected_count=int(details.get("unexpected_count") or 0), examples=_plain(examples[:EXAMPLES]),
        description=config.description, error=error)


# ---------------------------------------------------------------------------------------------
# Running the suites


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
    suites = _expectations(gxe, Column)
    run_id = RunIdentifier(run_name=f"warehouse-{now:%Y%m%dT%H%M%SZ}", run_time=now)
    outcomes: list[TableOutcome] = []
    for table in TABLES:
        batch = source.add_dataframe_asset(table.name).add_batch_definition_whole_dataframe("whole_table")
        suite = context.suites.add(gx.ExpectationSuite(name=f"{SUITE_PREFIX}{table.name}",
                                                       expectations=suites[table.name]))
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
            expectations=[_outcome(r) for r in suite_result.results]))
    context.build_data_docs(site_names=[SITE_NAME])

    report = QualityReport(
        success=all(t.success for t in outcomes), tables=outcomes, data_docs_index=docs_dir / "index.html",
        results_path=out_dir / RESULTS_FILE, gx_version=gx.__version__, ran_at=now.isoformat(timespec="seconds"),
        seconds=round(time.perf_counter() - started, 3), gx_import_seconds=round(import_seconds, 3))
    # whole or not at all: the dashboard may be reading the previous one
    write_atomically(report.results_path, (json.dumps(report.to_dict(), indent=1, ensure_ascii=False) + "\n").encode())
    return report
