"""The signatory register: who signed when (as precisely as a source states it), where, in which
peer groups, read by which plugin.

A CSV file (one row per signatory, easy for the steering group to keep in a spreadsheet),
validated row by row: every problem is reported with its line and column, and no row is
silently dropped. The repository's register (``pipeline/config/signatories.csv``) holds real
signatories from their own public pages and the seed documents (README-signatories.md says how
each column was established); the synthetic sector writes its own, marked synthetic.

Signing dates are kept as precisely as the source states them: ``signed`` is the first day of the
stated period and ``signed_precision`` says whether that period is a day, a month or a year
(blank ``signed``: not stated, both None, never guessed). ``signed_as_stated`` keeps the source's
words. A source's own approximation ("c. November 2022") is recorded at the precision it states
with the "c." kept in ``signed_as_stated`` (``signed_approximate`` then says so); a date the page
does not state at all stays blank even when it could be inferred.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import tempfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

DEFAULT_REGISTER = Path(__file__).resolve().parent.parent / "config" / "signatories.csv"
COLUMNS = ("slug", "name", "type", "nation", "region", "ukprn", "signed", "signed_as_stated", "cohort",
           "mission_group", "peer_groups", "plugin", "synthetic", "source", "source_url")
REQUIRED_COLUMNS = ("slug", "name", "type", "nation", "signed", "plugin")

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)]
Precision = Literal["day", "month", "year"]
_SIGNED = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_APPROXIMATE = re.compile(r"^\s*(c\.|ca\.|circa|~|about|around)", re.IGNORECASE)


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


#: The UK's regions (ITL1) by nation; a devolved nation is one region. International: none.
REGIONS = {
    Nation.ENGLAND: ("North East", "North West", "Yorkshire and The Humber", "East Midlands", "West Midlands",
                     "East of England", "London", "South East", "South West"),
    Nation.SCOTLAND: ("Scotland",), Nation.WALES: ("Wales",), Nation.NORTHERN_IRELAND: ("Northern Ireland",),
    Nation.INTERNATIONAL: (),
}


def _precision_of(text: str) -> Precision | None:
    match = _SIGNED.fullmatch(text.strip())
    if match is None:
        return None
    return "day" if match.group(3) else "month" if match.group(2) else "year"


class Signatory(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    slug: Slug = Field(description="Lowercase letters, digits and hyphens; the key everywhere else.")
    name: str = Field(min_length=2)
    type: SignatoryType
    nation: Nation
    region: str | None = Field(None, description="UK region (ITL1); blank when no source establishes it.")
    ukprn: str | None = Field(None, pattern=r"^1\d{7}$", description="UK Provider Reference Number, 8 digits.")
    signed: dt.date | None = Field(None, description="First day of the stated signing period; None: not stated.")
    signed_precision: Precision | None = Field(None, description="The period 'signed' stands for; None with it.")
    signed_as_stated: str | None = Field(None, description="The signing date in the source's words.")
    cohort: str | None = Field(None, description="Signing cohort, e.g. '2017 founders' (optional).")
    mission_group: str | None = None
    peer_groups: tuple[str, ...] = Field((), description="Custom peer groups, ';'-separated in the file.")
    plugin: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="The plugin that reads its returns.")
    synthetic: bool = False
    source: str | None = Field(None, description="Where the facts in this row come from, in words.")
    source_url: str | None = Field(None, pattern=r"^https?://\S+$", description="The public page it comes from.")

    @model_validator(mode="before")
    @classmethod
    def _precision(cls, data: object) -> object:
        """The file's ``signed`` text sets the precision; a date given in code is a day."""
        if isinstance(data, dict) and data.get("signed_precision") in (None, ""):
            raw = data.get("signed")
            precision = _precision_of(raw) if isinstance(raw, str) else "day" if isinstance(raw, dt.date) else None
            data = {**data, "signed_precision": precision}
        return data

    @field_validator("signed", mode="before")
    @classmethod
    def _signed(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if not text:
                return None
            match = _SIGNED.fullmatch(text)
            if match is None:
                raise ValueError("give a day as YYYY-MM-DD, a month as YYYY-MM or a year as YYYY "
                                 "(blank when the source does not say; keep its words in signed_as_stated)")
            year, month, day = match.groups()
            return dt.date(int(year), int(month or 1), int(day or 1))
        return value

    @field_validator("peer_groups", mode="before")
    @classmethod
    def _groups(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(g.strip() for g in value.split(";") if g.strip())
        return value

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        known = [r for regions in REGIONS.values() for r in regions]
        if value is not None and value not in known:
            raise ValueError(f"not a UK region; one of: {', '.join(known)}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Signatory:
        if self.signed is None and self.signed_precision is not None:
            raise ValueError("signed_precision is given but signed is blank")
        if self.signed is not None and self.signed_precision in ("month", "year") and (
                self.signed.day != 1 or (self.signed_precision == "year" and self.signed.month != 1)):
            raise ValueError(f"signed {self.signed.isoformat()} is not the first day of its {self.signed_precision}")
        if self.region is not None and self.region not in REGIONS[self.nation]:
            raise ValueError(f"region '{self.region}' is not in {self.nation.value}")
        return self

    @property
    def signed_text(self) -> str:
        """``signed`` as the file writes it: '2017-05-31', '2017-05', '2017' or '' (not stated)."""
        if self.signed is None:
            return ""
        return {"day": self.signed.isoformat(), "month": self.signed.strftime("%Y-%m"),
                "year": str(self.signed.year)}[self.signed_precision or "day"]

    @property
    def signed_approximate(self) -> bool:
        """True when the source itself gives the date as an approximation ("c. 2019")."""
        return bool(self.signed_as_stated and _APPROXIMATE.match(self.signed_as_stated))


@dataclass(frozen=True)
class Problem:
    """One problem in a register: its line (1 is the header), its column when it has one."""
    line: int | None  # None: the whole file (it cannot be read)
    column: str | None
    message: str

    def text(self, name: str) -> str:
        return (name + (f", line {self.line}" if self.line else "") + (f", column '{self.column}'" if self.column else "")
                + f": {self.message}")


class RegisterError(Exception):
    """The register has problems; ``problems`` lists each with its line and column (as text),
    ``found`` the same as :class:`Problem` objects."""

    def __init__(self, path: str, problems: list[Problem]) -> None:
        self.found = problems
        self.problems = [p.text(path) for p in problems]
        super().__init__(f"{path}: {len(problems)} problem(s)\n" + "\n".join(self.problems))


def row_problems(values: dict[str, str], line: int) -> tuple[Signatory | None, list[Problem]]:
    """Check one row as the file holds it (column -> text; blank means not given)."""
    given = {k: v.strip() for k, v in values.items() if v is not None and v.strip() != ""}
    try:
        return Signatory.model_validate(given), []
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            column = str(err["loc"][0]) if err["loc"] else None
            got = f" (found {given.get(column)!r})" if column in given else ""
            message = err["msg"].removeprefix("Value error, ")
            problems.append(Problem(line, column, message + got))
        return None, problems


def read_register_lines(text: str) -> tuple[list[tuple[int, Signatory]], list[Problem]]:
    """The rows that are right, each with its line, and every problem; a wrong header: no rows."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = reader.fieldnames or []
    problems = [Problem(1, None, f"missing column '{c}'") for c in REQUIRED_COLUMNS if c not in header]
    problems += [Problem(1, None, f"unknown column '{c}'") for c in header if c not in COLUMNS]
    if problems:
        return [], problems
    found: list[tuple[int, Signatory]] = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if None in row:
            problems.append(Problem(line, None, "more values than columns"))
        signatory, bad = row_problems({k: v for k, v in row.items() if k is not None}, line)
        problems += bad
        if signatory is None:
            continue
        if signatory.slug in seen:
            problems.append(Problem(line, "slug", f"'{signatory.slug}' is already used on line {seen[signatory.slug]}"))
            continue
        seen[signatory.slug] = line
        found.append((line, signatory))
    return found, problems


def parse_register_lines(text: str, name: str = "register") -> list[tuple[int, Signatory]]:
    """Each signatory with the line it is on; raises :class:`RegisterError` listing every problem."""
    found, problems = read_register_lines(text)
    if problems:
        raise RegisterError(name, problems)
    return found


def parse_register(text: str, name: str = "register") -> list[Signatory]:
    return [s for _, s in parse_register_lines(text, name)]


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RegisterError(str(path), [Problem(None, None, f"cannot be read ({exc})")]) from None


def registered_name(path: Path, slug: str) -> str | None:
    """The signatory's name in the register at ``path``; None when it or the register is missing or
    unreadable (a check that needs the name is then skipped)."""
    try:
        return next((s.name for s in load_register(path) if s.slug == slug), None)
    except RegisterError:
        return None


def load_register(path: Path = DEFAULT_REGISTER) -> list[Signatory]:
    return parse_register(read_text(path), str(path))


def as_row(s: Signatory) -> dict[str, str]:
    """The signatory as the file's text, column by column."""
    row = s.model_dump(mode="json")
    row.update(peer_groups=";".join(s.peer_groups), signed=s.signed_text,
               synthetic="true" if s.synthetic else "false")
    return {k: ("" if row[k] is None else str(row[k])) for k in COLUMNS}


def write_rows(rows: list[dict[str, str]], path: Path) -> None:
    """Write register rows (column -> text) atomically: a reader sees the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=COLUMNS, extrasaction="ignore")
            writer.writeheader()
            writer.writerows({k: row.get(k) or "" for k in COLUMNS} for row in rows)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_register(signatories: list[Signatory], path: Path) -> None:
    write_rows([as_row(s) for s in signatories], path)
