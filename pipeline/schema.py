"""The canonical return: one self-assessment and action plan, whatever format it arrived in.

Every plugin produces this model. Fields are optional where a return *as received* may lack them:
the validation rules (``pipeline.validation.rules``), not the model, decide what a complete return needs, so a
half-filled form still yields a structured result that can be reported on field by field.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Literal

from pipeline.ids import MAX_STAGE
from pydantic import BaseModel, ConfigDict, Field, model_validator

SCHEMA_VERSION = "1.0"

#: Months an action plan runs for: 24 at Stages 1 and 2, 36 from Stage 3 on (submissions after
#: Stage 3 continue every two years and are numbered 4, 5, ...).
PLAN_HORIZON_MONTHS = {1: 24, 2: 24}
LATER_HORIZON_MONTHS = 36


class Theme(StrEnum):
    VISIBILITY = "Visibility"
    RECOGNITION = "Recognition"
    CAREER_DEVELOPMENT = "Career Development"
    SUSTAINABILITY = "Sustainability"
    EVALUATING_IMPACT = "Evaluating Impact"


#: The four themes every action plan is expected to address (Evaluating Impact is the return itself).
CORE_THEMES = (Theme.VISIBILITY, Theme.RECOGNITION, Theme.CAREER_DEVELOPMENT, Theme.SUSTAINABILITY)


class Register(StrEnum):
    RSCITECH = "RSciTech"
    RSCI = "RSci"
    CSCI = "CSci"
    ENGTECH = "EngTech"
    IENG = "IEng"
    CENG = "CEng"
    RITTECH = "RITTech"
    RENVTECH = "REnvTech"
    OTHER = "other"


class ActionStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in progress"
    DONE = "done"
    DROPPED = "dropped"


class DatePrecision(StrEnum):
    DAY = "day"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    ONGOING = "ongoing"
    PLAN_YEAR = "plan year"  # "Year 2": a year of the plan, counted from its start


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)


class DueDate(_Model):
    """A target date as people write it: a day, a month, a quarter, a year, or "ongoing".

    ``end`` is the last day the target allows (30 Sep 2019 for "Sep 2019"), which is what horizon
    checks compare; it is empty for "ongoing" (and "From Oct 2022", which names only a ``start``)
    and for a year of the plan ("Year 2") while the plan's start is unknown. Several dates
    ("Aug 2022; Aug 2023") are kept as ``milestones``; the deadline is the last.
    """

    precision: DatePrecision
    end: dt.date | None = None
    text: str = Field(description="The date exactly as written in the source.")
    start: dt.date | None = Field(None, description="The first day of a 'from ...' date: work starts then, "
                                                    "with no deadline.")
    plan_year: int | None = Field(None, ge=1, le=10, description="'Year N' of the plan: N (relative to the "
                                                                 "plan's start; 'end' once that is known).")
    milestones: list[DueDate] = Field(default_factory=list,
                                      description="Each of several dates written in one cell, in order.")

    @model_validator(mode="after")
    def _end_matches_precision(self) -> DueDate:
        if self.precision is DatePrecision.PLAN_YEAR:
            if self.plan_year is None:
                raise ValueError("a 'plan year' date needs 'plan_year'")
        elif (self.precision is DatePrecision.ONGOING) != (self.end is None):
            raise ValueError("'end' must be empty exactly when precision is 'ongoing'")
        return self


class Person(_Model):
    name: str | None = None
    email: str | None = None
    phone: str | None = None


class Area(_Model):
    name: str
    headcount: int | None = None
    fte: float | None = None


class Technicians(_Model):
    headcount: int | None = Field(
        None, description="Total technicians, headcount (a form's TOTAL row, else the sum of areas)."
    )
    fte: float | None = Field(None, description="Total technicians, full-time equivalent.")
    areas: list[Area] = Field(default_factory=list, description="Where technicians are based.")


class Registration(_Model):
    name: Register = Field(description="The professional register.")
    count: int
    label: str | None = Field(None, description="The register's own name when 'other'.")


class Metric(_Model):
    name: str = Field(description="What is counted, e.g. 'apprentices', 'mentors'.")
    count: float


class Initiative(_Model):
    text: str
    theme: Theme | None = None


class ExtraColumn(_Model):
    """A column of the institution's own in its action plan ("#", "Rationale", ...), kept as written."""

    header: str = Field(description="The column's heading as written (or 'column N' when it has none).")
    text: str


#: Fields of an action that techbench may suggest when the plan does not state them.
InferredField = Literal["theme", "due"]


class Action(_Model):
    theme: Theme | None = None
    action: str | None = None
    owner: str | None = None
    due: DueDate | None = None
    evidence: str | None = Field(None, description="How impact will be evidenced.")
    status: ActionStatus | None = None
    extra: list[ExtraColumn] = Field(
        default_factory=list, description="The plan's other columns (and texts its theme, owner, date or status "
                                          "columns hold that are not a value of those fields), under their headings.")
    inferred: list[InferredField] = Field(
        default_factory=list, description="Fields techbench suggested from the action's text because the plan "
                                          "has no column for them (theme from its wording, due from dates in its "
                                          "evidence or progress text): never the institution's own statement.")


class SignOff(_Model):
    name: str | None = None
    date: dt.date | None = None


class SignOffs(_Model):
    lead: SignOff = Field(default_factory=SignOff, description="Nominated institutional lead.")
    head: SignOff = Field(default_factory=SignOff, description="Head (leader) of institution.")


class Provenance(_Model):
    source_sha256: str
    source_name: str
    plugin: str
    plugin_version: str
    fields: dict[str, str] = Field(
        default_factory=dict,
        description="JSON pointer of a field in this return -> place in the source it came from.",
    )


class CanonicalReturn(_Model):
    schema_version: Literal["1.0"] = SCHEMA_VERSION
    synthetic: bool = Field(False, description="True for generated test and demo data, never real returns.")
    signatory_name: str | None = None
    stage: int | None = Field(None, ge=1, le=MAX_STAGE, description="1, 2, 3; later submissions 4, 5, ...")
    submission_date: dt.date | None = None
    lead: Person = Field(default_factory=Person, description="The institutional lead.")
    profile: str | None = None
    technician_definition: str | None = None
    technicians_narrative: str | None = Field(
        None, description="The answer to 'how many technicians ... where are they based'."
    )
    technicians: Technicians = Field(default_factory=Technicians)
    registrations: list[Registration] = Field(default_factory=list)
    other_metrics: list[Metric] = Field(default_factory=list)
    initiatives_before: list[Initiative] = Field(default_factory=list)
    initiatives_since: list[Initiative] = Field(default_factory=list)
    action_plan: list[Action] = Field(default_factory=list)
    technician_voice: str | None = None
    published_url: str | None = None
    sign_off: SignOffs = Field(default_factory=SignOffs)
    provenance: Provenance | None = None

    @property
    def plan_horizon_months(self) -> int | None:
        if self.stage is None:
            return None
        return PLAN_HORIZON_MONTHS.get(self.stage, LATER_HORIZON_MONTHS)


def json_schema() -> dict:
    return CanonicalReturn.model_json_schema()
