"""The techbench workbook: one definition of its sheets, labels, headings and drop-down lists.

``xlsx_template`` writes the blank workbook from these definitions and ``xlsx_reader`` finds the
answers by the same labels and headings, so the two cannot drift apart. The reader matches text
loosely (case, spaces and punctuation do not matter, and the synonyms below are accepted), so a
lead who inserts rows or retitles a heading slightly does not break their return.

Two kinds of sheet:

* question sheets (``QuestionSheet``): the question in column A, the answer next to it in column B,
  guidance in column C;
* table sheets (``TableSheet``): one heading row (row 1 in the template), then one row per item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pipeline.kit.normalise import match_key
from pipeline.schema import ActionStatus, Register, Theme
from plugins.official_form.form_words import SYNTHETIC_MARK  # noqa: F401 - shared by writer and reader

#: The workbook-level defined name that marks a file as the techbench workbook (checked by
#: ``xlsx_reader.is_template`` in ``xl/workbook.xml`` without opening the workbook).
MARKER_NAME = "techbench_workbook"
VERSION = "1"
MARKER_TEXT = f"techbench-workbook v{VERSION}"
#: The same marker, for people, in a hidden cell of the Instructions sheet.
MARKER_CELL = "Z1"

#: Where a generated (synthetic) return says so, in the same words as the Word form.
SYNTHETIC_CELL = "B1"

HEADER_ROW = 1
FIRST_ROW = 2
#: Rows of the tables that carry drop-downs and number checks in the blank workbook.
LAST_VALIDATED_ROW = 500

STAGES = ("1", "2", "3")
THEMES = tuple(t.value for t in Theme)
STATUSES = tuple(s.value.capitalize() for s in ActionStatus)  # Planned, In progress, Done, Dropped
REGISTERS = tuple(r.value for r in Register)
BEFORE_SIGNING = "Before signing"
SINCE_SIGNING = "Since signing"
WHEN = (BEFORE_SIGNING, SINCE_SIGNING)

DUE_EXAMPLES = "14/11/2019 (day, UK order), Sep 2019 (month), Q2 2020 (quarter), 2020 (year) or Ongoing"

Kind = Literal["text", "long", "stage", "day", "whole", "decimal", "due"]


def keys(*texts: str) -> tuple[str, ...]:
    """Texts as the reader compares them: lower case letters, single spaces."""
    return tuple(dict.fromkeys(k for k in (match_key(t) for t in texts) if k))


@dataclass(frozen=True)
class Question:
    """One question of a question sheet; its answer goes in the cell to the right of the label."""

    pointer: str  # the canonical field the answer fills
    label: str
    guidance: str
    kind: Kind = "text"
    also: tuple[str, ...] = ()  # other labels accepted for it

    @property
    def keys(self) -> tuple[str, ...]:
        return keys(self.label, *self.also)


@dataclass(frozen=True)
class QuestionSheet:
    title: str
    purpose: str  # one line for the Instructions sheet
    questions: tuple[Question, ...]
    answer_width: int = 60
    also: tuple[str, ...] = ()  # other sheet names accepted

    @property
    def keys(self) -> tuple[str, ...]:
        return keys(self.title, *self.also)


@dataclass(frozen=True)
class Column:
    name: str  # what the reader calls it
    heading: str
    guidance: str
    width: int
    kind: Kind = "text"
    choices: tuple[str, ...] = ()
    also: tuple[str, ...] = ()  # other headings accepted

    @property
    def keys(self) -> tuple[str, ...]:
        return keys(self.heading, *self.also)


@dataclass(frozen=True)
class TableSheet:
    title: str
    purpose: str
    columns: tuple[Column, ...]
    #: Columns whose headings identify the heading row (the others are optional).
    needs: tuple[str, ...]
    also: tuple[str, ...] = field(default=())

    @property
    def keys(self) -> tuple[str, ...]:
        return keys(self.title, *self.also)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


@dataclass(frozen=True)
class InstructionsSheet:
    """The first sheet: what to fill in, the marker and (for generated returns) the synthetic mark."""

    title: str = "Instructions"
    also: tuple[str, ...] = ("Read me", "Readme", "Guidance")

    @property
    def keys(self) -> tuple[str, ...]:
        return keys(self.title, *self.also)


INSTRUCTIONS = InstructionsSheet()

ORGANISATION = QuestionSheet(
    title="Organisation",
    purpose="Your organisation, the stage of this return and the institutional lead's contact details.",
    also=("Organization", "Contact", "Contact details"),
    questions=(
        Question("/signatory_name", "Organisation name", "The signatory's full name, e.g. University of Northgate.",
                 also=("Organisation", "Organization", "Organization name", "Name of organisation", "Institution",
                       "Institution name")),
        Question("/stage", "Stage", "Choose 1, 2 or 3: the stage of the Technician Commitment this return is for.",
                 kind="stage", also=("Stage of return", "Stage of this return")),
        Question("/submission_date", "Submission date",
                 "The day you submit this return, e.g. 14/11/2019. Left blank, the later sign-off date is used.",
                 kind="day", also=("Date of submission", "Date submitted")),
        Question("/lead/name", "Institutional lead name", "The nominated institutional lead for the Commitment.",
                 also=("Institutional lead", "Name of institutional lead", "Lead name", "Name of lead")),
        Question("/lead/email", "E-mail", "The lead's e-mail address, e.g. j.smith@northgate.ac.uk.",
                 also=("Email", "E-mail address", "Email address", "Lead e-mail", "Lead email")),
        Question("/lead/phone", "Contact number", "The lead's telephone number.",
                 also=("Phone", "Telephone", "Phone number", "Telephone number", "Contact telephone")),
        Question("/published_url", "Published URL",
                 "The full web address where this self-assessment and action plan are published "
                 "(https://...).",
                 also=("URL", "Web address", "Relevant URL", "Published web address")),
    ),
)

NARRATIVE = QuestionSheet(
    title="Narrative",
    purpose="The written answers: profile, how you define technicians, where they are based, technician voice.",
    answer_width=100,
    also=("Narratives", "Questions"),
    questions=(
        Question("/profile", "Organisation profile", "A brief profile of your organisation (at most 250 words).",
                 kind="long", also=("Profile", "Brief profile")),
        Question("/technician_definition", "Technician definition",
                 "How your organisation defines its technicians (roles, job families, grades).",
                 kind="long", also=("How you define technicians", "Definition of technician",
                                    "Definition of technicians")),
        Question("/technicians_narrative", "Where technicians are based",
                 "How many technicians you have and where they are based, in words; give the numbers "
                 "by area on the Technicians sheet.",
                 kind="long", also=("How many technicians and where they are based", "Technicians")),
        Question("/technician_voice", "Technician voice",
                 "How technicians were involved in this self-assessment and action plan.",
                 kind="long", also=("Evidence of technician voice", "Technician voice evidence")),
    ),
)

TECHNICIANS = TableSheet(
    title="Technicians",
    purpose="One row per area (department, faculty, site) with its headcount and FTE. A last row named "
            "'Total' is optional; without it the total is the sum of the areas.",
    needs=("name", "headcount"),
    also=("Technician numbers", "Areas"),
    columns=(
        Column("name", "Area", "Department, faculty, school or site where technicians are based; "
               "a row named Total gives the total.", 45,
               also=("Department", "Faculty", "School", "Site", "Location", "Unit", "Division",
                     "Department faculty area", "Where based")),
        Column("headcount", "Headcount", "Number of technicians (people), a whole number.", 14, kind="whole",
               also=("Number of technicians", "Number", "No of technicians", "Technicians", "Head count")),
        Column("fte", "FTE", "Full-time equivalent, e.g. 35.5.", 12, kind="decimal",
               also=("Full time equivalent", "WTE")),
    ),
)

REGISTRATIONS = TableSheet(
    title="Registrations",
    purpose="Technicians with professional registration: one row per register, with the number registered.",
    needs=("register", "count"),
    also=("Professional registration", "Professional registrations"),
    columns=(
        Column("register", "Register", "Choose the register; choose 'other' and name it in column C "
               "for any other.", 18, choices=REGISTERS,
               also=("Professional register", "Registration", "Professional registration", "Designation")),
        Column("count", "Number", "How many of your technicians hold this registration.", 12, kind="whole",
               also=("Number registered", "Count", "Technicians", "Headcount")),
        Column("label", "Register name if other", "The register's own name when you chose 'other'.", 40,
               also=("Label if other", "Name if other", "Other register", "Other")),
    ),
)

OTHER_METRICS = TableSheet(
    title="Other metrics",
    purpose="Anything else you count, one per row: e.g. apprentices, technician mentors, trainees.",
    needs=("name", "count"),
    also=("Metrics", "Other numbers"),
    columns=(
        Column("name", "Metric", "What is counted, e.g. apprentices, mentors.", 45,
               also=("What is counted", "Measure", "Item")),
        Column("count", "Number", "How many.", 12, kind="decimal", also=("Count", "Value", "Total")),
    ),
)

INITIATIVES = TableSheet(
    title="Initiatives",
    purpose="Initiatives already in place before you signed the Commitment and those since, one per row.",
    needs=("text",),
    also=("Initiative",),
    columns=(
        Column("when", "When", f"Choose '{BEFORE_SIGNING}' or '{SINCE_SIGNING}' the Technician Commitment.",
               18, choices=WHEN, also=("Before or since signing", "Timing", "Period")),
        Column("theme", "Theme", "The Technician Commitment theme it addresses.", 22, choices=THEMES,
               also=("Commitment theme",)),
        Column("text", "Description", "What the initiative is or was.", 90,
               also=("Initiative", "Initiatives", "Activity", "What")),
    ),
)

ACTION_PLAN = TableSheet(
    title="Action plan",
    purpose="One action per row with its theme, owner, due date, how impact will be evidenced and status. "
            f"Due dates: {DUE_EXAMPLES}.",
    needs=("action",),
    also=("Actions", "Action plans"),
    columns=(
        Column("theme", "Theme", "The Technician Commitment theme of this action.", 22, choices=THEMES,
               also=("Commitment theme",)),
        Column("action", "Action", "What will be done.", 60,
               also=("Actions", "Activity", "What we will do", "Planned action", "Objective")),
        Column("owner", "Owner", "Who is responsible (a role or a name).", 28,
               also=("Action owner", "Lead", "Responsible", "Responsibility", "Who")),
        Column("due", "Due date", f"By when: {DUE_EXAMPLES}.", 16, kind="due",
               also=("Due", "Target date", "Deadline", "By when", "Date", "Timescale", "Completion date")),
        Column("evidence", "How impact will be evidenced", "How you will know the action made a difference.", 50,
               also=("Evidence", "Evidence of impact", "Impact", "Success measure", "Measure of success",
                     "Success criteria", "KPI", "Outcome")),
        Column("status", "Status", "Planned, In progress, Done or Dropped.", 14, choices=STATUSES,
               also=("Progress", "RAG")),
    ),
)

SIGN_OFF = QuestionSheet(
    title="Sign-off",
    purpose="The institutional lead and the head of institution sign off the return: names and dates.",
    also=("Signoff", "Sign off", "Sign-offs", "Signatures"),
    questions=(
        Question("/sign_off/lead/name", "Institutional lead name", "Name of the institutional lead signing off.",
                 also=("Institutional lead", "Lead name", "Signed institutional lead")),
        Question("/sign_off/lead/date", "Institutional lead date signed", "The day the lead signed, e.g. 14/11/2019.",
                 kind="day", also=("Institutional lead date", "Lead date", "Lead date signed")),
        Question("/sign_off/head/name", "Head of institution name",
                 "Name of the head (leader) of the institution signing off.",
                 also=("Head of institution", "Head name", "Leader of institution name", "Leader of institution")),
        Question("/sign_off/head/date", "Head of institution date signed", "The day the head signed, e.g. 14/11/2019.",
                 kind="day", also=("Head of institution date", "Head date", "Head date signed",
                                   "Leader of institution date")),
    ),
)

#: The sheets after Instructions, in workbook order.
SHEETS: tuple[QuestionSheet | TableSheet, ...] = (
    ORGANISATION, NARRATIVE, TECHNICIANS, REGISTRATIONS, OTHER_METRICS, INITIATIVES, ACTION_PLAN, SIGN_OFF,
)

QUESTION_HEADINGS = ("Question", "Answer", "Guidance")

INSTRUCTIONS_TEXT = (
    f"Technician Commitment self-assessment and action plan: the techbench workbook ({MARKER_TEXT}).",
    "",
    "Fill in one sheet for each part of the return, in any order. On the Organisation, Narrative and "
    "Sign-off sheets write each answer in column B, next to its question; on the other sheets add one row "
    "per item under the headings. Drop-down lists offer the themes, statuses and registers techbench knows.",
    "You may insert rows, leave rows blank and widen columns, but keep the sheet names, the questions in "
    "column A and the column headings, because techbench finds your answers by them.",
    "Check the finished workbook with:  techbench validate --stage 1 our-return.xlsx  (say your stage); "
    "each problem is reported with its cell, e.g. 'Action plan'!D5.",
    "",
)
