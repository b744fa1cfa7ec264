"""The peer review rubric: themes, the level scale with its words, required narrative and outcomes.

Kept in a configuration file (``pipeline/config/rubric.yaml`` by default, or the file named by
``TECHBENCH_RUBRIC``) so a steering group can adopt its own. The shipped file is techbench's own
default, not the programme's (which publishes no rubric), and says so in its ``source``; every
place that shows the rubric shows that line with it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

DEFAULT_RUBRIC = Path(__file__).resolve().parent.parent / "config" / "rubric.yaml"
RUBRIC_VARIABLE = "TECHBENCH_RUBRIC"


class RubricError(Exception):
    """The rubric file cannot be used; the message names the file and each problem's place."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Level(_Strict):
    level: int = Field(ge=0, le=10)
    label: str = Field(min_length=1)
    descriptor: str = Field(min_length=1)


class RubricTheme(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1)
    descriptor: str = Field(min_length=1)


class Rubric(_Strict):
    source: str = Field(min_length=1, description="Whose rubric this is: shown wherever it is used.")
    scale: tuple[Level, ...] = Field(min_length=2)
    themes: tuple[RubricTheme, ...] = Field(min_length=1)
    narrative: tuple[str, ...] = Field(min_length=1)
    show_others: Literal["never", "after_own", "always"] = "after_own"
    outcomes: tuple[str, ...] = Field(min_length=1)

    @field_validator("scale")
    @classmethod
    def _increasing(cls, scale: tuple[Level, ...]) -> tuple[Level, ...]:
        levels = [s.level for s in scale]
        if levels != sorted(set(levels)):
            raise ValueError(f"levels must be listed once each, in increasing order (found {levels})")
        return scale

    @model_validator(mode="after")
    def _unique(self) -> Rubric:
        for name, values in (("theme id", [t.id for t in self.themes]), ("outcome", list(self.outcomes)),
                             ("narrative part", list(self.narrative))):
            repeated = sorted({v for v in values if values.count(v) > 1})
            if repeated:
                raise ValueError(f"each {name} once: {', '.join(repeated)} repeated")
        return self

    @property
    def levels(self) -> tuple[int, ...]:
        return tuple(s.level for s in self.scale)

    def level(self, value: int) -> Level:
        """The scale's entry for ``value``; ``KeyError`` for a level the scale does not have."""
        for entry in self.scale:
            if entry.level == value:
                return entry
        raise KeyError(f"{value} is not a level of this rubric's scale ({', '.join(map(str, self.levels))})")

    def theme(self, theme_id: str) -> RubricTheme:
        for t in self.themes:
            if t.id == theme_id:
                return t
        raise KeyError(f"{theme_id!r} is not a theme of this rubric")


def rubric_path() -> Path:
    return Path(os.environ.get(RUBRIC_VARIABLE) or DEFAULT_RUBRIC)


def load_rubric(path: Path | None = None) -> Rubric:
    """The rubric in ``path`` (default: ``rubric_path()``), checked; ``RubricError`` says what is wrong."""
    path = path or rubric_path()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RubricError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        raise RubricError(f"{path}{where}: not valid YAML ({getattr(exc, 'problem', None) or exc})") from None
    if not isinstance(data, dict):
        raise RubricError(f"{path}: expected the keys source, scale, themes, narrative, show_others, outcomes")
    try:
        return Rubric.model_validate(data)
    except ValidationError as exc:
        problems = [f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in exc.errors()]
        raise RubricError(f"{path}: " + "; ".join(problems)) from None
