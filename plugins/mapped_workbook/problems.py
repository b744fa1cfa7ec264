"""What is wrong with a mapping file, in plain words: YAML syntax, the schema's errors, and the
checks across fields that the schema cannot make one field at a time."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import yaml

from plugins.mapped_workbook.places import Nodes
from plugins.mapped_workbook.spec import FIELD_KEYS, TABLE_KEYS, TOP_KEYS, MappingSpec, alias
from plugins.mapped_workbook.targets import CODED, SINGLE_FIELDS, TABLES, key


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


def _suggest(word: str, choices: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" — did you mean '{close[0]}'?" if close else ""


def _unknown(what: str, choices: list[str] | tuple[str, ...], listing: str) -> str:
    """'unknown X 'y' — did you mean 'z'? <listing>', or '...; <listing>' without a suggestion."""
    suggestion = _suggest(what.rsplit("'", 2)[-2], choices)
    return f"{what}{suggestion} {listing[0].upper()}{listing[1:]}" if suggestion else f"{what}; {listing}"


def explain(err: dict) -> tuple[tuple, bool, str]:
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


def cross_checks(spec: MappingSpec, nodes: Nodes) -> list[tuple[tuple, str]]:
    """What pydantic cannot see field by field: the same place used twice, tables sharing a sheet."""
    found: list[tuple[tuple, str]] = []
    if not any(spec.fields.model_dump(exclude_none=True).values()) and \
            not any(spec.tables.model_dump(exclude_none=True).values()):
        found.append(((), "the mapping maps nothing: give the canonical fields under 'fields:' and the tables "
                          "under 'tables:' (see the README for an example)"))
    cells: dict[tuple[str, str], str] = {}
    labels: dict[tuple[str, str, str], str] = {}
    for name in sorted(SINGLE_FIELDS, key=lambda n: nodes.line(("fields", n))):
        spec_ = getattr(spec.fields, alias(name))
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
        table = getattr(spec.tables, alias(name))
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
        for total in ("technicians.headcount", "technicians.fte"):
            if getattr(spec.fields, alias(total)) is not None and (
                    total == "technicians.headcount" or areas.columns.fte):
                found.append((("tables", "technicians.areas", "total_label"), f"'{total}' is mapped twice: "
                              f"under fields (line {nodes.line(('fields', total))}) and by this total row; "
                              "keep one"))
    for names in by_sheet.values():
        if len(names) < 2:
            continue
        first = getattr(spec.tables, alias(names[0]))
        wheres = {}
        for name in names:
            table = getattr(spec.tables, alias(name))
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


def yaml_error(exc: yaml.MarkedYAMLError, text: str) -> str:
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
