"""The signatory register: who signed when, in which cohort and peer groups, read by which plugin.

A CSV file (one row per signatory, easy for the steering group to keep in a spreadsheet),
validated row by row: every problem is reported with its line and column, and no row is
silently dropped. The repository's register (``pipeline/config/signatories.csv``) holds only
what the seed documents say; the synthetic sector writes its own, marked synthetic.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

DEFAULT_REGISTER = Path(__file__).parent / "config" / "signatories.csv"
COLUMNS = ("slug", "name", "type", "nation", "ukprn", "signed", "cohort", "mission_group",
           "peer_groups", "plugin", "synthetic", "source")
REQUIRED_COLUMNS = ("slug", "name", "type", "nation", "signed", "cohort", "plugin")

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)]


class SignatoryType(StrEnum):
    UNIVERSITY = "university"
    RESEARCH_INSTITUTE = "research institute"
    OTHER = "other"


class Nation(StrEnum):
    ENGLAND = "England"
    SCOTLAND = "Scotland"
    WALES = "Wales"
    NORTHERN_IRELAND = "Northern Ireland"
    INTERNATIONAL = "international"


class Signatory(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    slug: Slug = Field(description="Lowercase letters, digits and hyphens; the key everywhere else.")
    name: str = Field(min_length=2)
    type: SignatoryType
    nation: Nation
    ukprn: str | None = Field(None, pattern=r"^1\d{7}$", description="UK Provider Reference Number, 8 digits.")
    signed: dt.date = Field(description="Date signed; a month ('2017-05') means its first day.")
    cohort: str = Field(min_length=1, description="Signing cohort, e.g. '2017 founders'.")
    mission_group: str | None = None
    peer_groups: tuple[str, ...] = Field((), description="Custom peer groups, ';'-separated in the file.")
    plugin: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="The plugin that reads its returns.")
    synthetic: bool = False
    source: str | None = Field(None, description="Where the facts in this row come from.")

    @field_validator("signed", mode="before")
    @classmethod
    def _month(cls, value: object) -> object:
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}", value.strip()):
            return f"{value.strip()}-01"
        return value

    @field_validator("peer_groups", mode="before")
    @classmethod
    def _groups(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(g.strip() for g in value.split(";") if g.strip())
        return value


class RegisterError(Exception):
    """The register has problems; ``problems`` lists each with its line and column."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{path}: {len(problems)} problem(s)\n" + "\n".join(problems))


def parse_register(text: str, name: str = "register") -> list[Signatory]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = reader.fieldnames or []
    problems = [f"{name}, line 1: missing column '{c}'" for c in REQUIRED_COLUMNS if c not in header]
    problems += [f"{name}, line 1: unknown column '{c}'" for c in header if c not in COLUMNS]
    if problems:
        raise RegisterError(name, problems)
    signatories: list[Signatory] = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        values = {k: (v or "").strip() for k, v in row.items() if k is not None}
        if None in row:
            problems.append(f"{name}, line {line}: more values than columns")
        values = {k: v for k, v in values.items() if v != ""}
        try:
            signatory = Signatory.model_validate(values)
        except ValidationError as exc:
            for err in exc.errors():
                column = err["loc"][0] if err["loc"] else "?"
                got = f" (found {values.get(column)!r})" if column in values else ""
                problems.append(f"{name}, line {line}, column '{column}': {err['msg']}{got}")
            continue
        if signatory.slug in seen:
            problems.append(f"{name}, line {line}: slug '{signatory.slug}' is already used on line {seen[signatory.slug]}")
            continue
        seen[signatory.slug] = line
        signatories.append(signatory)
    if problems:
        raise RegisterError(name, problems)
    return signatories


def registered_name(path: Path, slug: str) -> str | None:
    """The signatory's name in the register at ``path``; None when it or the register is missing or
    unreadable (a check that needs the name is then skipped)."""
    try:
        return next((s.name for s in load_register(path) if s.slug == slug), None)
    except RegisterError:
        return None


def load_register(path: Path = DEFAULT_REGISTER) -> list[Signatory]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RegisterError(str(path), [f"{path}: cannot be read ({exc})"]) from None
    return parse_register(text, str(path))


def write_register(signatories: list[Signatory], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        for s in signatories:
            row = s.model_dump(mode="json")
            row["peer_groups"] = ";".join(s.peer_groups)
            row["signed"] = s.signed.isoformat()
            row["synthetic"] = "true" if s.synthetic else "false"
            writer.writerow({k: ("" if row[k] is None else row[k]) for k in COLUMNS})
