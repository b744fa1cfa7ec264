"""What a mapping can map: the canonical fields and tables, their kinds, and the coded values."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from pipeline.kit import normalise

Kind = Literal["text", "stage", "day", "whole", "decimal", "register", "theme", "status", "due"]


@dataclass(frozen=True)
class Target:
    """One canonical value: where it goes in the return, its kind, and how to name it to people."""

    pointer: str
    kind: Kind
    what: str
    required: bool = False  # (table columns) a row cannot be read without it


SINGLE_FIELDS: dict[str, Target] = {
    "signatory_name": Target("/signatory_name", "text", "the organisation's name"),
    "stage": Target("/stage", "stage", "the stage of the return (1, 2 or 3)"),
    "submission_date": Target("/submission_date", "day", "the date of the return"),
    "lead.name": Target("/lead/name", "text", "the institutional lead's name"),
    "lead.email": Target("/lead/email", "text", "the institutional lead's e-mail"),
    "lead.phone": Target("/lead/phone", "text", "the institutional lead's phone number"),
    "profile": Target("/profile", "text", "the organisation profile"),
    "technician_definition": Target("/technician_definition", "text", "how the organisation defines technicians"),
    "technicians_narrative": Target("/technicians_narrative", "text", "where the technicians are based (narrative)"),
    "technicians.headcount": Target("/technicians/headcount", "whole", "the total number of technicians (headcount)"),
    "technicians.fte": Target("/technicians/fte", "decimal", "the total technician FTE"),
    "technician_voice": Target("/technician_voice", "text", "the evidence of the technician voice"),
    "published_url": Target("/published_url", "text", "the web address of the published action plan"),
    "sign_off.lead.name": Target("/sign_off/lead/name", "text", "the name of the lead signing off"),
    "sign_off.lead.date": Target("/sign_off/lead/date", "day", "the date the lead signed off"),
    "sign_off.head.name": Target("/sign_off/head/name", "text", "the name of the head of institution signing off"),
    "sign_off.head.date": Target("/sign_off/head/date", "day", "the date the head of institution signed off"),
}


@dataclass(frozen=True)
class TableKind:
    pointer: str
    what: str
    columns: dict[str, Target]


_INITIATIVE_COLUMNS = {
    "text": Target("text", "text", "the initiative itself", required=True),
    "theme": Target("theme", "theme", "the initiative's theme"),
}

TABLES: dict[str, TableKind] = {
    "technicians.areas": TableKind("/technicians/areas", "the technicians by area", {
        "name": Target("name", "text", "the area (department, school, faculty ...)", required=True),
        "headcount": Target("headcount", "whole", "the area's headcount"),
        "fte": Target("fte", "decimal", "the area's FTE"),
    }),
    "registrations": TableKind("/registrations", "the professional registrations", {
        "name": Target("name", "register", "the professional register", required=True),
        "count": Target("count", "whole", "the number of technicians registered", required=True),
        "label": Target("label", "text", "the register's own name when it is not in the list"),
    }),
    "other_metrics": TableKind("/other_metrics", "the other measures", {
        "name": Target("name", "text", "what is counted", required=True),
        "count": Target("count", "decimal", "the number", required=True),
    }),
    "initiatives_before": TableKind("/initiatives_before", "the initiatives in place before signing",
                                    _INITIATIVE_COLUMNS),
    "initiatives_since": TableKind("/initiatives_since", "the initiatives since signing", _INITIATIVE_COLUMNS),
    "action_plan": TableKind("/action_plan", "the action plan", {
        "theme": Target("theme", "theme", "the action's Technician Commitment theme"),
        "action": Target("action", "text", "the action itself", required=True),
        "owner": Target("owner", "text", "who owns the action"),
        "due": Target("due", "due", "the target date"),
        "evidence": Target("evidence", "text", "how impact will be evidenced"),
        "status": Target("status", "status", "the action's progress"),
    }),
}

#: Columns and fields whose values an institution may write as its own codes (``values:``).
CODED = {"stage": "stage", "registrations.name": "register", "initiatives_before.theme": "theme",
         "initiatives_since.theme": "theme", "action_plan.theme": "theme", "action_plan.status": "status"}


def key(text: Any) -> str:
    """Text as labels, headings and sheet names are compared: case, spaces and punctuation ignored."""
    return re.sub(r"[^0-9a-z]+", " ", str(text).casefold()).strip()


def canonical_value(kind: str, text: Any) -> Any:
    """The canonical value a code stands for (None if ``text`` is not one)."""
    if kind == "theme":
        found = normalise.parse_theme(text)
        if found is None and isinstance(text, str) and (heading := normalise.theme_heading(text)):
            found = heading[0]
        return found
    if kind == "status":
        return normalise.parse_status(text)
    if kind == "register":
        return normalise.parse_register(text)
    if kind == "stage":
        return normalise.parse_stage(text)
    return None


CHOICES = {
    "theme": "Visibility, Recognition, Career Development, Sustainability, Evaluating Impact",
    "status": "planned, in progress, done, dropped",
    "register": "RSciTech, RSci, CSci, EngTech, IEng, CEng, RITTech, REnvTech, other",
    "stage": normalise.STAGE_CHOICES,
}
