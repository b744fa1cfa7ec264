"""The schema of a mapping file (pydantic), each rule failing with a message in plain words."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, create_model, model_validator

from plugins.mapped_workbook.targets import CHOICES, CODED, SINGLE_FIELDS, TABLES, Target, canonical_value, key


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


def alias(name: str) -> str:
    """The attribute a dotted field or table name (``lead.name``) has in the models (``lead__name``)."""
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
    alias(name): (FieldSpec | None, Field(None, alias=name)) for name in SINGLE_FIELDS})
TablesSpec = create_model("TablesSpec", __base__=_Strict, **{
    alias(name): (create_model(f"{alias(name)}_table", __base__=AreasSpec if name == "technicians.areas"
                                else TableSpec, columns=(_columns_model(alias(name), t.columns), ...)) | None,
                   Field(None, alias=name))
    for name, t in TABLES.items()})
ValuesSpec = create_model("ValuesSpec", __base__=_Strict, **{
    alias(name): (_value_map(kind), Field(None, alias=name)) for name, kind in CODED.items()})


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
