"""The DuckDB warehouse: its schema, and writing processed submissions into it.

Schema (documented for readers in docs/warehouse.md):

- ``signatories``            the register in use (``signed`` null when no source states it)
- ``hesa_reference``         the HESA technician proxy by provider and academic year
- ``submissions``            every landed file, every version kept: accepted or rejected, with
                             ``is_latest_valid`` on the newest accepted one per signatory and stage
- ``returns``                one row per accepted or readable submission: the canonical return's scalars
- ``return_areas``, ``return_registrations``, ``return_metrics``, ``return_initiatives``,
  ``return_actions``         its lists, with ``ordinal`` keeping the order of the source
- ``return_action_extras``   an action plan's own columns ("#", "Rationale", ...), per action
- ``issues``                 every validation finding with its rule, severity, field and place
- ``run_log``                one row per pipeline run

``submission_id`` is ``signatory|stage|sha256``. All rows of a submission are written in one
transaction (deleted first, so re-running is idempotent); a batch of submissions shares it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import duckdb
import polars as pl

from pipeline import ids
from pipeline.handin.landing import Landed
from pipeline.validation.validate import Processed

SCHEMA = """
CREATE TABLE IF NOT EXISTS signatories (
    slug VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, type VARCHAR NOT NULL, nation VARCHAR NOT NULL,
    ukprn VARCHAR, signed DATE, cohort VARCHAR, mission_group VARCHAR,
    peer_groups VARCHAR[], plugin VARCHAR NOT NULL, synthetic BOOLEAN NOT NULL, source VARCHAR);
ALTER TABLE signatories ADD COLUMN IF NOT EXISTS signed_precision VARCHAR;  -- day, month or year
ALTER TABLE signatories ADD COLUMN IF NOT EXISTS signed_as_stated VARCHAR;
ALTER TABLE signatories ADD COLUMN IF NOT EXISTS region VARCHAR;
ALTER TABLE signatories ADD COLUMN IF NOT EXISTS source_url VARCHAR;
CREATE TABLE IF NOT EXISTS hesa_reference (
    ukprn VARCHAR NOT NULL, provider VARCHAR NOT NULL, academic_year VARCHAR NOT NULL, year_start INTEGER NOT NULL,
    technician_proxy BIGINT, total_non_academic BIGINT, total_staff BIGINT, rounded_to INTEGER,
    PRIMARY KEY (ukprn, academic_year));
ALTER TABLE hesa_reference ADD COLUMN IF NOT EXISTS hesa_status VARCHAR;
ALTER TABLE hesa_reference ADD COLUMN IF NOT EXISTS nation VARCHAR;
ALTER TABLE hesa_reference ADD COLUMN IF NOT EXISTS region VARCHAR;
CREATE TABLE IF NOT EXISTS submissions (
    submission_id VARCHAR PRIMARY KEY, sha256 VARCHAR NOT NULL, signatory VARCHAR NOT NULL, stage INTEGER NOT NULL,
    file VARCHAR NOT NULL, original_name VARCHAR, sender VARCHAR, received_at TIMESTAMPTZ NOT NULL,
    size BIGINT NOT NULL, plugin VARCHAR, status VARCHAR NOT NULL CHECK (status IN ('accepted', 'rejected')),
    errors INTEGER NOT NULL, warnings INTEGER NOT NULL, processed_at TIMESTAMPTZ NOT NULL, run_id VARCHAR NOT NULL,
    is_latest_valid BOOLEAN NOT NULL DEFAULT FALSE);
CREATE TABLE IF NOT EXISTS returns (
    submission_id VARCHAR PRIMARY KEY, signatory VARCHAR NOT NULL, stage INTEGER, schema_version VARCHAR NOT NULL,
    synthetic BOOLEAN NOT NULL, signatory_name VARCHAR, submission_date DATE, lead_name VARCHAR,
    lead_email VARCHAR, lead_phone VARCHAR, profile VARCHAR, technician_definition VARCHAR,
    technicians_narrative VARCHAR, headcount BIGINT, fte DOUBLE, technician_voice VARCHAR, published_url VARCHAR,
    lead_signoff_name VARCHAR, lead_signoff_date DATE, head_signoff_name VARCHAR, head_signoff_date DATE,
    plan_horizon_months INTEGER, canonical JSON NOT NULL);
CREATE TABLE IF NOT EXISTS return_areas (
    submission_id VARCHAR NOT NULL, ordinal INTEGER NOT NULL, name VARCHAR, headcount BIGINT, fte DOUBLE);
CREATE TABLE IF NOT EXISTS return_registrations (
    submission_id VARCHAR NOT NULL, ordinal INTEGER NOT NULL, register VARCHAR NOT NULL, label VARCHAR, count BIGINT);
CREATE TABLE IF NOT EXISTS return_metrics (
    submission_id VARCHAR NOT NULL, ordinal INTEGER NOT NULL, name VARCHAR NOT NULL, count DOUBLE);
CREATE TABLE IF NOT EXISTS return_initiatives (
    submission_id VARCHAR NOT NULL, ordinal INTEGER NOT NULL, phase VARCHAR NOT NULL, theme VARCHAR, text VARCHAR);
CREATE TABLE IF NOT EXISTS return_actions (
    submission_id VARCHAR NOT NULL, ordinal INTEGER NOT NULL, theme VARCHAR, action VARCHAR, owner VARCHAR,
    due_precision VARCHAR, due_end DATE, due_text VARCHAR, evidence VARCHAR, status VARCHAR);
ALTER TABLE return_actions ADD COLUMN IF NOT EXISTS theme_inferred BOOLEAN DEFAULT FALSE;
ALTER TABLE return_actions ADD COLUMN IF NOT EXISTS due_inferred BOOLEAN DEFAULT FALSE;
ALTER TABLE return_actions ADD COLUMN IF NOT EXISTS due_start DATE;
ALTER TABLE return_actions ADD COLUMN IF NOT EXISTS due_plan_year INTEGER;
ALTER TABLE return_actions ADD COLUMN IF NOT EXISTS due_milestones DATE[];
CREATE TABLE IF NOT EXISTS return_action_extras (
    submission_id VARCHAR NOT NULL, action_ordinal INTEGER NOT NULL, position INTEGER NOT NULL,
    header VARCHAR NOT NULL, text VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS issues (
    submission_id VARCHAR NOT NULL, ordinal INTEGER NOT NULL, rule VARCHAR NOT NULL, severity VARCHAR NOT NULL,
    field VARCHAR, location VARCHAR NOT NULL, message VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS run_log (
    run_id VARCHAR PRIMARY KEY, started_at TIMESTAMPTZ NOT NULL, finished_at TIMESTAMPTZ, status VARCHAR NOT NULL,
    files_seen INTEGER, accepted INTEGER, rejected INTEGER, note VARCHAR);
"""

#: Columns that were NOT NULL in older warehouses; ``connect`` relaxes them there (only there: the
#: ALTER rewrites the catalogue, and with it the write-ahead log, on every connection otherwise).
RELAXED = (("signatories", "signed"), ("signatories", "cohort"))

BATCH = 200  # submissions per write transaction

CHILD_TABLES = ("return_areas", "return_registrations", "return_metrics", "return_initiatives", "return_actions",
                "return_action_extras", "issues")
PER_SUBMISSION = ("submissions", "returns", *CHILD_TABLES)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All or nothing: commit when the block ends, roll back if it raises."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def insert_frame(con: duckdb.DuckDBPyConnection, statement: str, frame: pl.DataFrame) -> None:
    """Run ``statement`` (which reads from ``incoming``) over a polars frame, through Arrow. Arrow's
    newest layout (string views, as polars holds strings) spares a copy of every text column: about
    40% of the time of writing 1.6 million positions."""
    con.register("incoming", frame.to_arrow(compat_level=pl.CompatLevel.newest()))
    try:
        con.execute(statement)
    finally:
        con.unregister("incoming")


def connect(path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; a writer creates the schema in one transaction, so a run killed while
    creating it leaves either every table or none."""
    con = duckdb.connect(str(path), read_only=read_only)
    if not read_only:
        with transaction(con):
            con.execute(SCHEMA)
            for table, column in RELAXED:
                if not con.execute("SELECT is_nullable FROM duckdb_columns() WHERE table_name = ? AND column_name = ?",
                                   [table, column]).fetchone()[0]:
                    con.execute(f"ALTER TABLE {table} ALTER COLUMN {column} DROP NOT NULL")
    return con


def submission_id(landed: Landed) -> str:
    return ids.submission_id(landed.signatory, landed.stage, landed.sha256)


def _rows(items: Iterable[Processed], run_id: str) -> dict[str, list[dict]]:
    now = dt.datetime.now(dt.UTC)
    tables: dict[str, list[dict]] = {t: [] for t in PER_SUBMISSION}
    for item in items:
        landed, report = item.landed, item.report
        sid = submission_id(landed)
        tables["submissions"].append({
            "submission_id": sid, "sha256": landed.sha256, "signatory": landed.signatory, "stage": landed.stage,
            "file": landed.path.name, "original_name": landed.original_name, "sender": landed.sender,
            "received_at": dt.datetime.fromisoformat(landed.received_at), "size": landed.size,
            "plugin": report.plugin, "status": "accepted" if report.ok else "rejected",
            "errors": len(report.errors), "warnings": len(report.warnings), "processed_at": now, "run_id": run_id,
            "is_latest_valid": False})
        for i, issue in enumerate(report.issues):
            tables["issues"].append({"submission_id": sid, "ordinal": i, **issue.model_dump()})
        r = report.return_
        if r is None:
            continue
        tables["returns"].append({
            "submission_id": sid, "signatory": landed.signatory, "stage": r.stage, "schema_version": r.schema_version,
            "synthetic": r.synthetic, "signatory_name": r.signatory_name, "submission_date": r.submission_date,
            "lead_name": r.lead.name, "lead_email": r.lead.email, "lead_phone": r.lead.phone, "profile": r.profile,
            "technician_definition": r.technician_definition, "technicians_narrative": r.technicians_narrative,
            "headcount": r.technicians.headcount, "fte": r.technicians.fte, "technician_voice": r.technician_voice,
            "published_url": r.published_url, "lead_signoff_name": r.sign_off.lead.name,
            "lead_signoff_date": r.sign_off.lead.date, "head_signoff_name": r.sign_off.head.name,
            "head_signoff_date": r.sign_off.head.date, "plan_horizon_months": r.plan_horizon_months,
            "canonical": json.dumps(r.model_dump(mode="json"))})
        for i, a in enumerate(r.technicians.areas):
            tables["return_areas"].append({"submission_id": sid, "ordinal": i, "name": a.name,
                                           "headcount": a.headcount, "fte": a.fte})
        for i, g in enumerate(r.registrations):
            tables["return_registrations"].append({"submission_id": sid, "ordinal": i, "register": g.name.value,
                                                   "label": g.label, "count": g.count})
        for i, m in enumerate(r.other_metrics):
            tables["return_metrics"].append({"submission_id": sid, "ordinal": i, "name": m.name, "count": m.count})
        ordinal = 0
        for phase, initiatives in (("before", r.initiatives_before), ("since", r.initiatives_since)):
            for init in initiatives:
                tables["return_initiatives"].append({"submission_id": sid, "ordinal": ordinal, "phase": phase,
                                                     "theme": init.theme.value if init.theme else None,
                                                     "text": init.text})
                ordinal += 1
        for i, a in enumerate(r.action_plan):
            tables["return_actions"].append({
                "submission_id": sid, "ordinal": i, "theme": a.theme.value if a.theme else None, "action": a.action,
                "owner": a.owner, "due_precision": a.due.precision.value if a.due else None,
                "due_end": a.due.end if a.due else None, "due_text": a.due.text if a.due else None,
                "evidence": a.evidence, "status": a.status.value if a.status else None,
                "theme_inferred": "theme" in a.inferred, "due_inferred": "due" in a.inferred,
                "due_start": a.due.start if a.due else None, "due_plan_year": a.due.plan_year if a.due else None,
                "due_milestones": [m.end for m in a.due.milestones if m.end] if a.due and a.due.milestones else None})
            for k, e in enumerate(a.extra):
                tables["return_action_extras"].append({"submission_id": sid, "action_ordinal": i, "position": k,
                                                       "header": e.header, "text": e.text})
    return tables


def write_batch(con: duckdb.DuckDBPyConnection, items: list[Processed], run_id: str) -> None:
    """Write processed submissions: for each, delete its rows and insert them anew, all in one
    transaction; then re-flag the latest valid submission of each signatory and stage."""
    if not items:
        return
    tables = _rows(items, run_id)
    ids = pl.DataFrame({"submission_id": [submission_id(i.landed) for i in items]})
    with transaction(con):
        for table in PER_SUBMISSION:
            insert_frame(con, f"DELETE FROM {table} WHERE submission_id IN (SELECT submission_id FROM incoming)", ids)
        for table, rows in tables.items():
            if rows:
                columns = ", ".join(rows[0])
                insert_frame(con, f"INSERT INTO {table} ({columns}) SELECT {columns} FROM incoming",
                             pl.DataFrame(rows, infer_schema_length=None))
        flag_latest_valid(con)


def flag_latest_valid(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        UPDATE submissions SET is_latest_valid = (submission_id IN (
            SELECT arg_max(submission_id, (received_at, submission_id)) FROM submissions WHERE status = 'accepted'
            GROUP BY signatory, stage))
    """)


def signatory_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The register as loaded into the warehouse: slug -> name."""
    return dict(con.sql("SELECT slug, name FROM signatories").fetchall())


def processed_ids(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute("SELECT submission_id FROM submissions").fetchall()}


def unprocessed(con: duckdb.DuckDBPyConnection, landed: Iterable[Landed]) -> list[Landed]:
    """The landed files not yet in the warehouse, in their order."""
    done = processed_ids(con)
    return [f for f in landed if submission_id(f) not in done]


def replace_table(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """Replace a reference table's rows (the register, HESA) in one transaction."""
    with transaction(con):
        con.execute(f"DELETE FROM {table}")
        if frame.height:
            columns = ", ".join(frame.columns)
            insert_frame(con, f"INSERT INTO {table} ({columns}) SELECT {columns} FROM incoming", frame)


def log_run(con: duckdb.DuckDBPyConnection, run_id: str, started: dt.datetime, seen: int, accepted: int,
            rejected: int, status: str = "success", note: str | None = None) -> None:
    con.execute("INSERT OR REPLACE INTO run_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [run_id, started, dt.datetime.now(dt.UTC), status, seen, accepted, rejected, note])
