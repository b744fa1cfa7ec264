"""The warehouse's expectation suite: what Great Expectations checks in each table, and the SQL that reads it.

The expectations are the ones the steering group relies on when it reads the benchmarks: values in
the enums of ``pipeline.schema`` and ``pipeline.programme.signatories``, counts in range, exactly one latest
valid submission per signatory and stage, no child row without its parent. Where the schema has a
rule GX cannot state directly, the SQL computes a column and the suite expects that column (a
count of latest valid submissions per group, a remainder, a join flag). What the DuckDB schema
already enforces (``pipeline.store.warehouse.SCHEMA``: primary keys, NOT NULL, the status CHECK)
is not repeated here: no row can break it.

Nothing here imports Great Expectations: ``suites`` is handed its expectation classes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, get_args

from pipeline.kit.hooks import Severity
from pipeline.schema import MAX_STAGE, ActionStatus, DatePrecision, Register, Theme
from pipeline.programme.signatories import Nation, Signatory, SignatoryType

#: The values ``submissions.status`` may take (the warehouse's CHECK constraint enforces them).
ACCEPTED, REJECTED = "accepted", "rejected"
#: Initiatives are recorded as before signing up or since (``warehouse._rows``).
INITIATIVE_PHASES = ("before", "since")
#: HESA open data rounds every count to the nearest 5 (``plugins/hesa``: ``ROUNDED_TO``).
HESA_ROUNDING = 5
#: ``hesa_reference.hesa_status``: the provider returned its non-academic staff that year, or opted out.
HESA_REPORTED, HESA_NOT_REPORTED = "reported", "not reported"
#: A plausible headcount of technicians for one signatory.
MIN_HEADCOUNT, MAX_HEADCOUNT = 1, 100_000


def _values(enum_or_literal) -> list[str]:
    return [getattr(v, "value", v) for v in enum_or_literal]


def _pattern(model, name: str) -> str:
    """The regex a pydantic field is constrained by (so the register's rules are stated once)."""
    for item in model.model_fields[name].metadata:
        if getattr(item, "pattern", None):
            return item.pattern
    raise LookupError(f"{model.__name__}.{name} has no pattern")


@dataclass(frozen=True)
class Table:
    """One validated frame: the table it reports on, the SQL that reads it, the columns naming a row."""

    name: str
    sql: str
    keys: tuple[str, ...]


def _child_sql(table: str, columns: str) -> str:
    return (f"SELECT t.submission_id, t.ordinal, {columns}, r.submission_id IS NOT NULL AS has_return "
            f"FROM {table} t LEFT JOIN returns r USING (submission_id)")


TABLES: tuple[Table, ...] = (
    Table("submissions", f"""
        SELECT submission_id, signatory, stage, status, errors, warnings, is_latest_valid,
               CASE WHEN status = '{ACCEPTED}' THEN sum((is_latest_valid AND status = '{ACCEPTED}')::INTEGER)
                    OVER (PARTITION BY signatory, stage) END AS latest_valid_in_group
        FROM submissions""", ("submission_id",)),
    Table("returns", """
        SELECT r.submission_id, r.signatory, r.stage, r.headcount, r.fte, s.status,
               s.submission_id IS NOT NULL AS has_submission
        FROM returns r LEFT JOIN submissions s USING (submission_id)""", ("submission_id",)),
    Table("return_areas", _child_sql("return_areas", "t.name, t.headcount, t.fte"), ("submission_id", "ordinal")),
    Table("return_registrations", _child_sql("return_registrations", "t.register, t.count"),
           ("submission_id", "ordinal")),
    Table("return_metrics", _child_sql("return_metrics", "t.name, t.count"), ("submission_id", "ordinal")),
    Table("return_initiatives", _child_sql("return_initiatives", "t.phase, t.theme"), ("submission_id", "ordinal")),
    Table("return_actions", _child_sql("return_actions", "t.theme, t.status, t.due_precision, t.due_end"),
           ("submission_id", "ordinal")),
    Table("issues", """
        SELECT i.submission_id, i.ordinal, i.severity, i.location,
               s.submission_id IS NOT NULL AS has_submission
        FROM issues i LEFT JOIN submissions s USING (submission_id)""", ("submission_id", "ordinal")),
    Table("signatories", "SELECT slug, name, type, nation, ukprn FROM signatories", ("slug",)),
    Table("hesa_reference", f"""
        SELECT ukprn, academic_year, hesa_status, technician_proxy, total_non_academic, total_staff,
               technician_proxy % {HESA_ROUNDING} AS technician_proxy_remainder,
               CASE WHEN hesa_status = '{HESA_NOT_REPORTED}'
                    THEN technician_proxy IS NULL AND total_non_academic IS NULL AND total_staff IS NULL
                    ELSE technician_proxy IS NOT NULL AND total_non_academic IS NOT NULL AND total_staff IS NOT NULL
               END AS figures_null_iff_not_reported
        FROM hesa_reference""", ("ukprn", "academic_year")),
)



def suites(gxe, Column) -> dict[str, list]:  # noqa: N803 - GX's class, passed in lazily
    """The suite of each table; ``gxe`` is ``great_expectations.expectations``, ``Column`` its row
    conditions' column."""
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
            gxe.ExpectColumnValuesToBeInSet(column="has_submission", value_set=[True],
                                            description="Every return belongs to a row in `submissions`."),
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
        "return_metrics": child(non_negative("count", "A metric's count")),
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
            gxe.ExpectColumnValuesToMatchRegex(column="location", regex=r"\S",
                                               description="The location says where: it is not blank."),
        ],
        "signatories": [
            gxe.ExpectColumnValuesToBeInSet(column="type", value_set=_values(SignatoryType)),
            gxe.ExpectColumnValuesToBeInSet(column="nation", value_set=_values(Nation)),
            gxe.ExpectColumnValuesToMatchRegex(column="ukprn", regex=_pattern(Signatory, "ukprn"),
                                               description="A UKPRN has 8 digits starting with 1, or is empty."),
        ],
        "hesa_reference": [
            gxe.ExpectColumnValuesToBeInSet(
                column="technician_proxy_remainder", value_set=[0],
                description=f"The technician proxy is a multiple of {HESA_ROUNDING} (HESA rounds to "
                            f"{HESA_ROUNDING}), or empty: the column is its remainder."),
            gxe.ExpectColumnValuesToBeBetween(column="technician_proxy", min_value=0),
            gxe.ExpectColumnValuesToNotBeNull(column="hesa_status", description="Every HESA row says whether the "
                                              "provider reported its non-academic staff that year."),
            gxe.ExpectColumnValuesToBeInSet(column="hesa_status", value_set=[HESA_REPORTED, HESA_NOT_REPORTED]),
            gxe.ExpectColumnValuesToBeInSet(
                column="figures_null_iff_not_reported", value_set=[True],
                description=f"The technician proxy, non-academic total and staff total are all empty exactly when "
                            f"the row is \"{HESA_NOT_REPORTED}\" (never 0 for an opted-out provider, never missing "
                            f"for one that reported): the column compares the two."),
        ],
    }

