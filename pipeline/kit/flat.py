"""A return as (JSON pointer, text) pairs, and back: the simplest faithful file layout.

Used by plugins scaffolded with `techbench plugin new`, whose starting format is a two-column
CSV of pointer and value; a plugin author replaces it with their institution's layout.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from pipeline.kit import normalise
from pipeline.kit.builder import ReturnBuilder
from pipeline.schema import CanonicalReturn, DueDate


def flatten(ret: CanonicalReturn) -> Iterator[tuple[str, str]]:
    """Every non-empty leaf of ``ret`` (provenance excluded) as (pointer, text)."""

    def walk(pointer: str, value: Any) -> Iterator[tuple[str, str]]:
        if isinstance(value, DueDate):
            yield pointer, value.text
        elif isinstance(value, BaseModel):
            for name in type(value).model_fields:
                yield from walk(f"{pointer}/{name}", getattr(value, name))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                yield from walk(f"{pointer}/{i}", item)
        elif value is None or value == "":
            return
        elif hasattr(value, "isoformat"):
            yield pointer, value.strftime("%d/%m/%Y")
        elif isinstance(value, bool):
            yield pointer, "true" if value else "false"
        elif isinstance(value, float):
            yield pointer, f"{value:g}"
        else:
            yield pointer, str(getattr(value, "value", value))

    for name in CanonicalReturn.model_fields:
        if name != "provenance":
            yield from walk(f"/{name}", getattr(ret, name))


def set_flat(b: ReturnBuilder, pointer: str, text: str, location: str) -> None:
    """Set one (pointer, text) pair through the builder's typed setters, by what the field is."""
    leaf = pointer.rsplit("/", 1)[-1]
    if leaf == "due":
        b.due(pointer, text, location)
    elif leaf in ("date", "submission_date"):
        b.day(pointer, text, location, "A date")
    elif leaf in ("headcount", "stage") or pointer.startswith("/registrations/") and leaf == "count":
        b.integer(pointer, text, location, f"'{pointer}'")
    elif leaf in ("fte", "count"):
        b.number(pointer, text, location, f"'{pointer}'")
    elif leaf == "synthetic":
        b.set(pointer, text.strip().lower() == "true", location)
    elif leaf == "theme":
        b.enum(pointer, text, location, normalise.parse_theme, "theme",
               "Visibility, Recognition, Career Development, Sustainability, Evaluating Impact")
    elif leaf == "status":
        b.enum(pointer, text, location, normalise.parse_status, "status", "Planned, In progress, Done, Dropped")
    elif pointer.startswith("/registrations/") and leaf == "name":
        b.enum(pointer, text, location, normalise.parse_register, "register",
               "RSciTech, RSci, CSci, EngTech, IEng, CEng, RITTech, REnvTech, other")
    else:
        b.text(pointer, text, location)
