"""What a plugin is: the pluggy hook specifications and the values that cross them.

A plugin is any object or module with ``@hookimpl`` functions for the three hooks below (the way
pytest and datasette plugins work), advertised in the ``techbench.plugins`` entry-point group. The
built-in plugins in ``plugins/`` register through the same group as third-party packages do.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from collections.abc import Callable, Mapping
from pathlib import Path, PurePath
from typing import Any, Literal

import pluggy
from pydantic import BaseModel, ConfigDict, Field

from pipeline.schema import CanonicalReturn

PROJECT = "techbench"
ENTRY_POINT_GROUP = "techbench.plugins"
#: Packages that add commands to the CLI without reading returns (the dashboard) advertise here.
COMMANDS_ENTRY_POINT_GROUP = "techbench.commands"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

Severity = Literal["error", "warning"]

#: Location given to issues about the file as a whole (unreadable, too large, ...).
WHOLE_FILE = "whole file"


class Issue(BaseModel):
    """One finding about a return, phrased for the institutional lead who has to fix it."""

    model_config = ConfigDict(frozen=True)

    rule: str = Field(description="Stable rule id, e.g. 'email.format'.")
    severity: Severity
    field: str | None = Field(None, description="JSON pointer into the canonical return.")
    location: str = Field(description="Where in the source file: 'table 5, row 3', 'Actions!B7', '/lead/email'.")
    message: str


class PluginInfo(BaseModel):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    version: str
    description: str = ""
    formats: list[str] = Field(description="File formats the plugin reads: 'docx', 'xlsx', 'json', 'zip', ...")
    signatories: list[str] | None = Field(
        None, description="Slugs of the signatories it serves, or None for any signatory."
    )
    samples: list[str] = Field(
        default_factory=list,
        description="Paths of sample files the plugin ships: valid returns it must read without errors "
        "(the plugin contract tests use them).",
    )


@dataclass(frozen=True)
class SourceFile:
    """A file handed in, already read into memory within the size limit (see ``pipeline.kit.intake``)."""

    name: str
    data: bytes
    sha256: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sha256", hashlib.sha256(self.data).hexdigest())

    @property
    def extension(self) -> str:
        return PurePath(self.name).suffix.lower().lstrip(".")


@dataclass(frozen=True)
class ParseContext:
    """What is known about a file from outside it: the stage and signatory it was sent for (and that
    signatory's name in the register), when."""

    stage: int | None = None
    signatory: str | None = None
    signatory_name: str | None = None
    received: dt.date = field(default_factory=dt.date.today)


@dataclass
class ParseResult:
    """A plugin's answer: the return it could read (None if none) and what it found wrong."""

    return_: CanonicalReturn | None
    issues: list[Issue] = field(default_factory=list)


class PluginSpec:
    """Hook specifications.

    Every plugin implements ``techbench_plugin_info``. A plugin that reads returns implements
    ``techbench_detect`` and ``techbench_parse``; one that can also write its format (for
    templates and the synthetic sector) implements ``techbench_write``; a reference-data plugin
    (HESA) implements ``techbench_reference_tables``.
    """

    @hookspec
    def techbench_plugin_info(self) -> PluginInfo:
        """Name, version, formats and signatories served."""

    @hookspec
    def techbench_detect(self, source: SourceFile) -> float:
        """How sure the plugin is that it can read ``source``: 0.0 (not at all) to 1.0 (certain).

        Must be cheap and must not raise.
        """

    @hookspec
    def techbench_parse(self, source: SourceFile, context: ParseContext) -> ParseResult:
        """Read ``source`` into a canonical return plus issues. Must not raise on bad input: report
        what is wrong as issues, each with the place in the file."""

    @hookspec
    def techbench_write(
        self, ret: CanonicalReturn, directory: Path, stem: str, fmt: str | None, signatory: str | None
    ) -> Path:
        """Write ``ret`` as ``directory/stem.<ext>`` in format ``fmt`` (one of the plugin's
        ``formats``; None for its first) for ``signatory`` (a slug, for plugins whose layout
        depends on the signatory) and return the path.

        Writes every field as it is, blanks included, so that reading the file back gives the same
        return (the synthetic sector relies on it). Marks the file as synthetic when
        ``ret.synthetic`` is set."""

    @hookspec
    def techbench_reference_tables(self) -> dict[str, Callable[[], Any]]:
        """Reference tables this plugin provides: name -> function returning a polars DataFrame."""

    @hookspec
    def techbench_register_commands(self, cli: Any) -> None:
        """Add commands to the ``techbench`` command line: ``cli`` is its ``typer.Typer``; add
        ``@cli.command()`` functions or ``cli.add_typer(group, name=...)``.

        Called when the command typed is not one of techbench's own, or when the command list is
        shown; import heavy libraries inside the commands, not at module level. A hook that raises,
        or a command name already taken, is left out with one warning line on stderr; built-in
        commands cannot be replaced."""


def locate(fields: Mapping[str, str] | None, pointer: str | None) -> str:
    """The place in the source for a field: its own, else its nearest parent's, else the file."""
    if not fields or pointer is None:
        return WHOLE_FILE
    while True:
        if pointer in fields:
            return fields[pointer]
        if not pointer:
            return WHOLE_FILE
        pointer = pointer.rsplit("/", 1)[0]
