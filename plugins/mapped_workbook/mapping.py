"""The mapping language: one small YAML file per spreadsheet layout, checked when it is loaded.

A mapping says, for each canonical field, on which sheet of the institution's workbook it is and
how to find it there:

* single values (``fields:``): the label in a label column with the value in the cell to its
  right, or a fixed cell;
* repeated rows (``tables:``): a sheet, the column headings (the heading row is found by its
  headings, wherever it is) and optionally a ``where`` filter when several tables share a sheet;
* coded values (``values:``): what the institution's codes mean ('VIS' -> Visibility).

Files are validated with pydantic, and every problem is reported with the file, the line and the
column in the YAML and what is wrong in plain words. A broken file is left out and reported; the
other files still load (``load_mappings``).
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple

import yaml
from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, create_model,
                      model_validator)

from pipeline.kit import normalise

SHIPPED_MAPPINGS = Path(__file__).parent / "mappings"
#: Extra folders of mapping files (separated like PATH), read after the shipped ones.
MAPPINGS_ENV = "TECHBENCH_MAPPINGS"
#: Nodes of one YAML file; a mapping needs a few hundred (the bound stops alias "bombs").
MAX_NODES = 20_000

Kind = Literal["text", "stage", "day", "whole", "decimal", "register", "theme", "status", "due"]


# --- what can be mapped ---------------------------------------------------------------------------
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


# --- small value types with plain-words errors ---------------------------------------------------
def _as_list(value: Any) -> Any:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise ValueError("should be a text, or a list of texts in [square brackets]")


def _non_empty(values: list[str]) -> list[str]:
    values = [v.strip() for v in values]
    if not values or not all(values):
        raise ValueError("should not be empty")
    return values


def _sheet_name(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("the sheet name is empty")
    if len(value) > 31:
        raise ValueError(f"'{value}' is longer than the 31 characters Excel allows in a sheet name")
    if bad := set(value) & set("[]:*?/\\"):
        raise ValueError(f"'{value}' contains {''.join(sorted(bad))}, which Excel does not allow in sheet names")
    return value


def _cell(value: str) -> str:
    value = value.strip().upper()
    if not re.fullmatch(r"[A-Z]{1,3}[1-9][0-9]{0,6}", value):
        raise ValueError(f"'{value}' is not a cell reference like B7")
    return value


def _letters(value: str) -> str:
    value = value.strip().upper()
    if not re.fullmatch(r"[A-Z]{1,2}", value):
        raise ValueError(f"'{value}' is not a column letter like A or B")
    return value


def _slug(value: str) -> str:
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,59}", value):
        raise ValueError(f"'{value}' is not a signatory slug: use lower-case letters, digits and hyphens, "
                         "as in the signatory register (e.g. northmoor-university)")
    return value


def _nonempty_list(values: list) -> list:
    if not values:
        raise ValueError("the list of signatories is empty: name at least one slug, e.g. [northmoor-university]")
    return values


def _mapping_or_empty(value: Any) -> Any:
    return {} if value is None else value


Labels = Annotated[list[str], BeforeValidator(_as_list), AfterValidator(_non_empty)]
SheetName = Annotated[str, AfterValidator(_sheet_name)]
CellRef = Annotated[str, AfterValidator(_cell)]
ColumnLetters = Annotated[str, AfterValidator(_letters)]
Slug = Annotated[str, AfterValidator(_slug)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Strict):
    """Where one value is: ``{sheet, label}`` (value right of the label) or ``{sheet, cell}``."""

    sheet: SheetName
    label: Labels | None = None
    cell: CellRef | None = None
    label_column: ColumnLetters | None = None

    @model_validator(mode="after")
    def _one_place(self) -> FieldSpec:
        if (self.label is None) == (self.cell is None):
            raise ValueError("give either 'label' (the text in the label column; the value is in the cell to "
                             "its right) or 'cell' (a fixed cell such as C4), not both and not neither")
        if self.cell is not None and self.label_column is not None:
            raise ValueError("'label_column' only goes with 'label', not with a fixed 'cell'")
        return self


def _where(value: dict[str, str] | None) -> dict[str, str] | None:
    if value is not None:
        if len(value) != 1:
            raise ValueError("'where' takes exactly one 'Column heading: value', e.g. where: {Period: Since signing}")
        (heading, wanted), = value.items()
        if not heading.strip() or not str(wanted).strip():
            raise ValueError("'where' needs a column heading and a value")
    return value


class TableSpec(_Strict):
    sheet: SheetName
    where: Annotated[dict[str, str] | None, AfterValidator(_where)] = None


class AreasSpec(TableSpec):
    total_label: Labels | None = None


def _columns_model(name: str, columns: dict[str, Target]) -> type[BaseModel]:
    fields: dict[str, Any] = {
        col: (Labels, ...) if t.required else (Labels | None, None) for col, t in columns.items()
    }
    return create_model(f"{name}_columns", __base__=_Strict, **fields)


def _alias(name: str) -> str:
    return name.replace(".", "__")


def _value_map(kind: str):
    def check(target: str) -> str:
        if canonical_value(kind, target) is None:
            raise ValueError(f"'{target}' is not a {'Technician Commitment ' if kind == 'theme' else ''}{kind}; "
                             f"use one of: {CHOICES[kind]}")
        return target

    def distinct(codes: dict[str, str]) -> dict[str, str]:
        seen: dict[str, str] = {}
        for code in codes:
            if not key(code):
                raise ValueError(f"the code '{code}' has no letters or digits")
            if key(code) in seen:
                raise ValueError(f"the codes '{seen[key(code)]}' and '{code}' are the same once case, spaces and "
                                 "punctuation are ignored")
            seen[key(code)] = code
        return codes

    return Annotated[dict[str, Annotated[str, AfterValidator(check)]] | None, AfterValidator(
        lambda m: distinct(m) if m is not None else None)]


FieldsSpec = create_model("FieldsSpec", __base__=_Strict, **{
    _alias(name): (FieldSpec | None, Field(None, alias=name)) for name in SINGLE_FIELDS})
TablesSpec = create_model("TablesSpec", __base__=_Strict, **{
    _alias(name): (create_model(f"{_alias(name)}_table", __base__=AreasSpec if name == "technicians.areas"
                                else TableSpec, columns=(_columns_model(_alias(name), t.columns), ...)) | None,
                   Field(None, alias=name))
    for name, t in TABLES.items()})
ValuesSpec = create_model("ValuesSpec", __base__=_Strict, **{
    _alias(name): (_value_map(kind), Field(None, alias=name)) for name, kind in CODED.items()})


class MappingSpec(_Strict):
    signatories: Annotated[list[Slug], AfterValidator(_nonempty_list)]
    description: str = ""
    synthetic: bool = False
    label_column: ColumnLetters = "A"
    fields: Annotated[FieldsSpec, BeforeValidator(_mapping_or_empty)] = Field(default_factory=FieldsSpec)
    tables: Annotated[TablesSpec, BeforeValidator(_mapping_or_empty)] = Field(default_factory=TablesSpec)
    values: Annotated[ValuesSpec, BeforeValidator(_mapping_or_empty)] = Field(default_factory=ValuesSpec)


TOP_KEYS = tuple(MappingSpec.model_fields)
FIELD_KEYS = tuple(FieldSpec.model_fields)
TABLE_KEYS = ("sheet", "columns", "where", "total_label")


# --- problems -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MappingProblem:
    """One thing wrong with a mapping file, with its place in the file."""

    file: str
    line: int | None
    column: int | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}" + (f", column {self.column}" if self.column is not None else "")
        return f"{where}: {self.message}"


class _Nodes:
    """Where each part of the YAML is: path -> (key node, value node)."""

    def __init__(self) -> None:
        self.at: dict[tuple, tuple[yaml.Node | None, yaml.Node]] = {}

    def mark(self, path: tuple, prefer_key: bool = False) -> yaml.Mark | None:
        while path not in self.at and path:
            path = path[:-1]
        if path not in self.at:
            return None
        key_node, value_node = self.at[path]
        node = key_node if (prefer_key and key_node is not None) else value_node
        return node.start_mark

    def line(self, path: tuple) -> int:
        mark = self.mark(path, prefer_key=True)
        return mark.line + 1 if mark else 0

    def place(self, path: tuple) -> tuple[int, int]:
        mark = self.mark(path, prefer_key=True)
        return (mark.line + 1, mark.column + 1) if mark else (0, 0)


class _Broken(Exception):
    def __init__(self, node: yaml.Node, message: str) -> None:
        self.node, self.message = node, message


def _data(node: yaml.Node, path: tuple, nodes: _Nodes, budget: list[int]) -> Any:
    """The YAML as plain data, every scalar kept as the text written (so 'NO', '1.0' and 'on' stay
    text), with each part's place recorded in ``nodes``."""
    budget[0] -= 1
    if budget[0] < 0:
        raise _Broken(node, "the file is far larger than a mapping needs (or repeats parts through aliases)")
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Broken(key_node, "a key must be a plain name, not a list or a mapping")
            name = key_node.value
            if name in result:
                first = nodes.at[path + (name,)][0]
                raise _Broken(key_node, f"'{name}' is given twice (first on line {first.start_mark.line + 1}); "
                                        "keep one")
            nodes.at[path + (name,)] = (key_node, value_node)
            result[name] = _data(value_node, path + (name,), nodes, budget)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, item in enumerate(node.value):
            nodes.at[path + (i,)] = (None, item)
            items.append(_data(item, path + (i,), nodes, budget))
        return items
    if node.tag == "tag:yaml.org,2002:null":
        return None
    return node.value


def _suggest(word: str, choices: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" — did you mean '{close[0]}'?" if close else ""


def _unknown(what: str, choices: list[str] | tuple[str, ...], listing: str) -> str:
    """'unknown X 'y' — did you mean 'z'? <listing>', or '...; <listing>' without a suggestion."""
    suggestion = _suggest(what.rsplit("'", 2)[-2], choices)
    return f"{what}{suggestion} {listing[0].upper()}{listing[1:]}" if suggestion else f"{what}; {listing}"


def _explain(err: dict, data: dict) -> tuple[tuple, bool, str]:
    """A pydantic error as (path in the file, point at the key?, message in plain words)."""
    loc = tuple(err["loc"])
    kind = err["type"]
    if kind == "extra_forbidden":
        name, parent = str(loc[-1]), loc[:-1]
        if parent == ():
            return loc, True, _unknown(f"unknown key '{name}'", TOP_KEYS,
                                       "a mapping file has: " + ", ".join(TOP_KEYS) + ".")
        if parent == ("fields",):
            if name in TABLES:
                return loc, True, f"'{name}' has repeated rows: put it under 'tables:', not 'fields:'"
            suggestion = _suggest(name, list(SINGLE_FIELDS))
            return loc, True, (f"unknown canonical field '{name}'{suggestion}" if suggestion else
                               f"unknown canonical field '{name}'; the single-value fields are: "
                               + ", ".join(SINGLE_FIELDS))
        if parent == ("tables",):
            if name in SINGLE_FIELDS:
                return loc, True, f"'{name}' is a single value: put it under 'fields:', not 'tables:'"
            return loc, True, _unknown(f"unknown table '{name}'", list(TABLES),
                                       "the tables are: " + ", ".join(TABLES) + ".")
        if parent == ("values",):
            return loc, True, _unknown(f"'{name}' cannot have coded values", list(CODED),
                                       "codes can be given for: " + ", ".join(CODED) + ".")
        if len(parent) == 3 and parent[0] == "tables" and parent[2] == "columns":
            columns = list(TABLES[parent[1]].columns)
            return loc, True, _unknown(f"unknown column '{name}' for {parent[1]}", columns,
                                       "its columns are: " + ", ".join(columns) + ".")
        if len(parent) == 2 and parent[0] == "fields":
            return loc, True, _unknown(f"unknown setting '{name}'", FIELD_KEYS,
                                       "a field has: sheet, and label (with label_column if the label is "
                                       "not in the usual column) or cell.")
        if len(parent) == 2 and parent[0] == "tables":
            allowed = TABLE_KEYS if parent[1] == "technicians.areas" else TABLE_KEYS[:3]
            return loc, True, _unknown(f"unknown setting '{name}'", allowed,
                                       "a table has: " + ", ".join(allowed) + ".")
        return loc, True, f"unknown key '{name}'"
    if kind == "missing":
        name, parent = str(loc[-1]), loc[:-1]
        if parent == ():
            if name == "signatories":
                return (), False, ("'signatories' is missing: list the slugs of the signatories this layout "
                                   "serves, e.g. signatories: [northmoor-university]")
            return (), False, f"'{name}' is missing"
        owner = str(parent[-1])
        if name == "sheet":
            return parent, True, f"'{owner}' has no 'sheet': say which sheet (tab) of the workbook holds it"
        if name == "columns":
            return parent, True, (f"'{owner}' has no 'columns': give the heading of each column, e.g. "
                                  "columns: {name: School, headcount: Technicians}")
        if len(parent) == 3 and parent[2] == "columns":
            target = TABLES[parent[1]].columns[name]
            return parent, True, (f"{parent[1]} needs the column '{name}' ({target.what}): give its heading")
        return parent, True, f"'{owner}' needs '{name}'"
    here = str(loc[-1]) if loc else "the file"
    if kind in ("value_error", "assertion_error"):
        message = str(err.get("ctx", {}).get("error", err["msg"]))
        if len(loc) == 2 and loc[0] == "fields":
            return loc, True, f"{here}: {message}"
        if message.startswith("should"):
            message = f"'{here}' {message}"
        return loc, False, message
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return loc, False, f"'{here}' should be a mapping of 'name: value' pairs (indented below it or in {{ }})"
    if kind == "list_type":
        return loc, False, f"'{here}' should be a list, e.g. [a, b]"
    if kind in ("string_type",):
        return loc, False, f"'{here}' should be a text, not a list or a mapping"
    if kind == "bool_parsing" or kind == "bool_type":
        return loc, False, f"'{here}' should be true or false"
    if kind == "string_too_short":
        return loc, False, f"'{here}' should not be empty"
    return loc, False, f"'{here}': {err['msg']}"


# --- loaded mappings ------------------------------------------------------------------------------
@dataclass(eq=False)
class Mapping:
    """A valid mapping file: the layout of one kind of workbook."""

    path: Path
    spec: MappingSpec
    #: path in the file -> (line, column), for the order of the file and for messages
    lines: dict[tuple, tuple[int, int]] = field(repr=False, default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def signatories(self) -> list[str]:
        return list(self.spec.signatories)

    def _line(self, *path: Any) -> tuple[int, int]:
        return self.lines.get(tuple(path), (0, 0))

    @cached_property
    def fields(self) -> list[tuple[str, FieldSpec, Target]]:
        """The single-value fields it maps, in the order of the file."""
        found = [(name, getattr(self.spec.fields, _alias(name)), target) for name, target in SINGLE_FIELDS.items()]
        found = [f for f in found if f[1] is not None]
        return sorted(found, key=lambda f: self._line("fields", f[0]))

    @cached_property
    def tables(self) -> list[tuple[str, Any, TableKind]]:
        """The tables it maps, in the order of the file."""
        found = [(name, getattr(self.spec.tables, _alias(name)), kind) for name, kind in TABLES.items()]
        found = [t for t in found if t[1] is not None]
        return sorted(found, key=lambda t: self._line("tables", t[0]))

    def columns(self, table: str) -> list[tuple[str, list[str]]]:
        """A table's mapped columns (name, headings), in the order of the file."""
        spec = getattr(self.spec.tables, _alias(table))
        cols = [(c, getattr(spec.columns, c)) for c in TABLES[table].columns if getattr(spec.columns, c)]
        return sorted(cols, key=lambda c: self._line("tables", table, "columns", c[0]))

    @cached_property
    def sheets(self) -> list[str]:
        """Every sheet it reads, in the order it first mentions them."""
        mentions = [(self._line("fields", n, "sheet"), s.sheet) for n, s, _ in self.fields]
        mentions += [(self._line("tables", n, "sheet"), s.sheet) for n, s, _ in self.tables]
        seen: dict[str, str] = {}
        for _, sheet in sorted(mentions, key=lambda m: m[0]):
            seen.setdefault(key(sheet), sheet)
        return list(seen.values())

    @cached_property
    def mapped(self) -> set[str]:
        """Canonical pointers this layout has a place for."""
        found = {t.pointer for _, _, t in self.fields}
        for name, spec, kind in self.tables:
            found.add(kind.pointer)
            if name == "technicians.areas" and spec.total_label:
                found.add("/technicians/headcount")
                if spec.columns.fte:
                    found.add("/technicians/fte")
        return found

    def unmapped(self) -> list[str]:
        """Canonical fields and tables this layout has no place for (always empty when read)."""
        missing = [n for n, t in SINGLE_FIELDS.items() if t.pointer not in self.mapped]
        return missing + [n for n, k in TABLES.items() if k.pointer not in self.mapped]

    def codes(self, coded: str) -> dict[str, str]:
        """The codes of a coded column: key(code) -> canonical text."""
        given = getattr(self.spec.values, _alias(coded)) or {}
        return {key(code): target for code, target in given.items()}

    def code_for(self, coded: str, value: Any) -> str | None:
        """The first code the file gives for a canonical value (for writing)."""
        kind = CODED[coded]
        for code, target in (getattr(self.spec.values, _alias(coded)) or {}).items():
            if canonical_value(kind, target) == value:
                return code
        return None


class MappingSet(NamedTuple):
    """The mappings that loaded, and the problems of those that did not."""

    mappings: list[Mapping]
    problems: list[MappingProblem]

    def for_signatory(self, slug: str | None) -> Mapping | None:
        return next((m for m in self.mappings if slug in m.spec.signatories), None) if slug else None

    @property
    def signatories(self) -> list[str]:
        return sorted({s for m in self.mappings for s in m.spec.signatories})


def _cross_checks(spec: MappingSpec, nodes: _Nodes) -> list[tuple[tuple, str]]:
    """What pydantic cannot see field by field: the same place used twice, tables sharing a sheet."""
    found: list[tuple[tuple, str]] = []
    if not any(spec.fields.model_dump(exclude_none=True).values()) and \
            not any(spec.tables.model_dump(exclude_none=True).values()):
        found.append(((), "the mapping maps nothing: give the canonical fields under 'fields:' and the tables "
                          "under 'tables:' (see the README for an example)"))
    cells: dict[tuple[str, str], str] = {}
    labels: dict[tuple[str, str, str], str] = {}
    for name in sorted(SINGLE_FIELDS, key=lambda n: nodes.line(("fields", n))):
        spec_ = getattr(spec.fields, _alias(name))
        if spec_ is None:
            continue
        sheet = key(spec_.sheet)
        if spec_.cell:
            if int(re.sub(r"[A-Z]", "", spec_.cell)) == 1:
                found.append((("fields", name, "cell"), "row 1 is kept for the sheet's title and the synthetic-data "
                              "banner techbench writes there; use a cell from row 2 down"))
            if (sheet, spec_.cell) in cells:
                other = cells[(sheet, spec_.cell)]
                found.append((("fields", name, "cell"), f"the cell {spec_.cell} of '{spec_.sheet}' is already "
                              f"used for '{other}' (line {nodes.line(('fields', other))})"))
            cells[(sheet, spec_.cell)] = name
        else:
            column = spec_.label_column or spec.label_column
            for label in spec_.label:
                if (sheet, column, key(label)) in labels:
                    other = labels[(sheet, column, key(label))]
                    found.append((("fields", name, "label"), f"the label '{label}' on '{spec_.sheet}' is already "
                                  f"used for '{other}' (line {nodes.line(('fields', other))}); labels must differ"))
                labels[(sheet, column, key(label))] = name
    by_sheet: dict[str, list[str]] = {}
    for name in sorted(TABLES, key=lambda n: nodes.line(("tables", n))):
        table = getattr(spec.tables, _alias(name))
        if table is None:
            continue
        by_sheet.setdefault(key(table.sheet), []).append(name)
        headings: dict[str, str] = {}
        for col in TABLES[name].columns:
            for heading in getattr(table.columns, col) or []:
                if key(heading) in headings and headings[key(heading)] != col:
                    found.append((("tables", name, "columns", col), f"the heading '{heading}' is already used for "
                                  f"the column '{headings[key(heading)]}'; each column needs its own heading"))
                headings[key(heading)] = col
        if table.where:
            (where_heading, _), = table.where.items()
            if key(where_heading) in headings:
                found.append((("tables", name, "where"), f"the 'where' column '{where_heading}' is also one of "
                              f"{name}'s own columns; use a separate column to tell the tables apart"))
    areas = spec.tables.technicians__areas
    if areas is not None and areas.total_label:
        if True:
            for total in ("technicians.headcount", "technicians.fte"):
                if getattr(spec.fields, _alias(total)) is not None and (
                        total == "technicians.headcount" or areas.columns.fte):
                    found.append((("tables", "technicians.areas", "total_label"), f"'{total}' is mapped twice: "
                                  f"under fields (line {nodes.line(('fields', total))}) and by this total row; "
                                  "keep one"))
    for names in by_sheet.values():
        if len(names) < 2:
            continue
        first = getattr(spec.tables, _alias(names[0]))
        wheres = {}
        for name in names:
            table = getattr(spec.tables, _alias(name))
            if not table.where:
                found.append((("tables", name, "sheet"), f"{', '.join(n for n in names if n != name)} "
                              f"also {'use' if len(names) > 2 else 'uses'} the sheet '{table.sheet}': give each "
                              "table on a shared sheet a 'where' (e.g. where: {Period: Since signing}) so the "
                              "rows can be told apart"))
                continue
            (heading, value), = table.where.items()
            if first.where and key(heading) != key(next(iter(first.where))):
                found.append((("tables", name, "where"), f"tables that share the sheet '{table.sheet}' must tell "
                              f"their rows apart by the same column ('{next(iter(first.where))}' for {names[0]})"))
            elif key(value) in wheres:
                found.append((("tables", name, "where"), f"'{value}' already selects the rows of "
                              f"{wheres[key(value)]}; each table needs its own value"))
            wheres[key(value)] = name
    return found


def _yaml_error(exc: yaml.MarkedYAMLError, text: str) -> str:
    """A YAML syntax error in plain words."""
    mark, started = exc.problem_mark, exc.context_mark
    problem = (exc.problem or "").replace("\\t", "tab")
    message = f"this is not valid YAML: {problem}"
    if exc.context:
        message += f" ({exc.context}"
        if started is not None and mark is not None and started.line != mark.line:
            message += f" that starts on line {started.line + 1}"
        message += ")"
    line = text.splitlines()[mark.line] if mark is not None and mark.line < len(text.splitlines()) else ""
    if "\t" in line[:mark.column + 1] if mark is not None else False:
        message += "; YAML does not allow tabs for indenting: use spaces"
    elif "mapping values are not allowed" in problem:
        message += "; check the indentation, and put a value that contains ': ' in quotes"
    elif "expected key" in problem or "expected <block end>" in problem:
        message += "; check the indentation: keys at one level must start in the same column"
    elif "expected ',' or '}'" in problem or "expected ',' or ']'" in problem:
        message += "; a { or [ is not closed, or a value in it needs quotes"
    return message


def parse_mapping(text: str, path: Path) -> tuple[Mapping | None, list[MappingProblem]]:
    """Read one mapping file's text: the mapping, or None and what is wrong (with lines)."""
    name = str(path)

    def problem(mark: yaml.Mark | None, message: str) -> MappingProblem:
        return MappingProblem(name, mark.line + 1 if mark else None, mark.column + 1 if mark else None, message)

    try:
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark is not None and "flow" in (exc.context or ""):
            mark = exc.context_mark  # an unclosed { or [: point at where it opens
        return None, [problem(mark, _yaml_error(exc, text))]
    except yaml.YAMLError as exc:
        return None, [MappingProblem(name, None, None, f"this is not valid YAML: {exc}")]
    if root is None:
        return None, [MappingProblem(name, 1, 1, "the file is empty; see the README for what a mapping holds")]
    if not isinstance(root, yaml.MappingNode):
        return None, [problem(root.start_mark, "a mapping file holds 'name: value' lines (signatories, fields, "
                              "tables ...), not a single value or a list")]
    nodes = _Nodes()
    nodes.at[()] = (None, root)
    try:
        data = _data(root, (), nodes, [MAX_NODES])
    except _Broken as broken:
        return None, [problem(broken.node.start_mark, broken.message)]
    try:
        spec = MappingSpec.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc, prefer_key, message = _explain(err, data)
            problems.append(problem(nodes.mark(loc, prefer_key), message))
        problems.sort(key=lambda p: (p.line or 0, p.column or 0))
        return None, list(dict.fromkeys(problems))
    cross = _cross_checks(spec, nodes)
    if cross:
        found = [problem(nodes.mark(loc, prefer_key=True), message) for loc, message in cross]
        return None, sorted(found, key=lambda p: (p.line or 0, p.column or 0))
    lines = {loc: nodes.place(loc) for loc in nodes.at}
    return Mapping(path=path, spec=spec, lines=lines), []


def mapping_files(directory: Path) -> list[Path]:
    try:
        return sorted(p for p in directory.iterdir() if p.suffix.lower() in (".yaml", ".yml") and p.is_file())
    except OSError:
        return []


def load_mappings(*directories: Path | str) -> MappingSet:
    """Every mapping file (``*.yaml``, ``*.yml``) of ``directories`` (default: the shipped mappings and
    the folders in ``$TECHBENCH_MAPPINGS``), in file-name order within each folder; a file given
    instead of a folder is read as it is.

    Returns the mappings that are valid and the problems of those that are not; a broken file is
    left out, never the others. A signatory may be served by one mapping only: a later file that
    claims a signatory already served is left out."""
    if not directories:
        extra = [d for d in os.environ.get(MAPPINGS_ENV, "").split(os.pathsep) if d.strip()]
        directories = (SHIPPED_MAPPINGS, *extra)
    mappings: list[Mapping] = []
    problems: list[MappingProblem] = []
    served: dict[str, Mapping] = {}
    for directory in directories:
        directory = Path(directory)
        if directory.is_file():
            paths = [directory]
        elif directory.is_dir():
            paths = mapping_files(directory)
        else:
            problems.append(MappingProblem(str(directory), None, None, "there is no such folder or file"))
            continue
        for path in paths:
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                problems.append(MappingProblem(str(path), None, None, "the file is not UTF-8 text; save it as "
                                               "UTF-8 (plain text) in your editor"))
                continue
            except OSError as exc:
                problems.append(MappingProblem(str(path), None, None, f"the file cannot be read ({exc.strerror})"))
                continue
            mapping, found = parse_mapping(text, path)
            problems.extend(found)
            if mapping is None:
                continue
            clash = [(i, s) for i, s in enumerate(mapping.spec.signatories) if s in served]
            if clash:
                i, slug = clash[0]
                other = served[slug]
                line, column = mapping.lines.get(("signatories", i), (None, None))
                first = other.lines.get(("signatories", other.spec.signatories.index(slug)), (0, 0))[0]
                problems.append(MappingProblem(
                    str(path), line, column,
                    f"the signatory '{slug}' is already served by {other.path} (line {first}); a signatory "
                    "has one layout, so this file is not used"))
                continue
            for slug in mapping.spec.signatories:
                served[slug] = mapping
            mappings.append(mapping)
    return MappingSet(mappings, problems)
