"""The inputs of every benchmark, read once from the warehouse (or a snapshot) as polars frames.

Only the latest valid submission of each signatory and stage is benchmarked
(``submissions.is_latest_valid``); ``submissions`` itself keeps every version, for the tracker.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl

LATEST = "submission_id IN (SELECT submission_id FROM submissions WHERE is_latest_valid)"


@dataclass
class Frames:
    signatories: pl.DataFrame    # the warehouse table: slug, name, type, nation, region, ukprn, signed (+ _precision), cohort, ...
    submissions: pl.DataFrame    # submission_id, signatory, stage, status, received_at, is_latest_valid
    returns: pl.DataFrame        # one row per latest valid (signatory, stage): see warehouse.returns
    areas: pl.DataFrame          # submission_id, ordinal, name, headcount, fte
    registrations: pl.DataFrame  # submission_id, ordinal, register, label, count
    metrics: pl.DataFrame        # submission_id, ordinal, name, count (other counted measures)
    initiatives: pl.DataFrame    # submission_id, ordinal, phase, theme, text
    actions: pl.DataFrame        # submission_id, ordinal, theme, action, owner, due_precision, due_end, due_text, evidence, status
    hesa: pl.DataFrame           # ukprn, provider, academic_year, year_start, technician_proxy, total_non_academic,
                                 # total_staff, rounded_to, hesa_status, nation, region (plugins.hesa.reader)


def load_frames(con: duckdb.DuckDBPyConnection) -> Frames:
    def q(sql: str) -> pl.DataFrame:
        return con.sql(sql).pl()

    return Frames(
        signatories=q("SELECT * FROM signatories ORDER BY slug"),
        submissions=q("SELECT submission_id, signatory, stage, status, received_at, is_latest_valid FROM submissions"),
        returns=q(f"""SELECT submission_id, signatory, stage, synthetic, signatory_name, submission_date, headcount,
                      fte, technician_voice, published_url, lead_signoff_name, lead_signoff_date,
                      head_signoff_name, head_signoff_date, plan_horizon_months
                      FROM returns WHERE {LATEST}"""),
        areas=q(f"SELECT * FROM return_areas WHERE {LATEST}"),
        registrations=q(f"SELECT * FROM return_registrations WHERE {LATEST}"),
        metrics=q(f"SELECT * FROM return_metrics WHERE {LATEST}"),
        initiatives=q(f"SELECT * FROM return_initiatives WHERE {LATEST}"),
        actions=q(f"SELECT * FROM return_actions WHERE {LATEST}"),
        hesa=q("SELECT * FROM hesa_reference"),
    )
