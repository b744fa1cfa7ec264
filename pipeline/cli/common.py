"""What several commands share: the --home option, the audience roles, the data folder and the
installed plugins. Light on purpose: every start of the command line imports it."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

HomeOption = Annotated[Path | None, typer.Option("--home", help="Data folder (default: TECHBENCH_HOME or ./data).")]


class Role(StrEnum):
    steering = "steering"
    reviewer = "reviewer"
    institution = "institution"


def warn(message: str) -> None:
    """One line on stderr, so that --json output on stdout stays one clean document."""
    typer.echo(f"warning: {message}", err=True)


def fail(message: str, code: int) -> typer.Exit:
    """Say what is wrong on stderr; the exit to raise (``raise fail(...) from None``)."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def home_paths(home: Path | None):
    """The data folder's paths: --home, else TECHBENCH_HOME, else ./data."""
    from pipeline.settings import Paths

    return Paths.from_env(home)


def installed_plugins():
    """The plugins installed through the entry points; those that could not be loaded are named on
    stderr and left out (a bad plugin is never fatal)."""
    from pipeline.registry import Registry

    registry = Registry.from_entry_points()
    for name, problem in registry.load_errors.items():
        warn(f"plugin '{name}' could not be loaded and is left out ({problem})")
    return registry
