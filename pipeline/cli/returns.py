"""Commands about returns themselves: check them, the rules they are checked by, their schema, and
handing them in to the landing zone."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli.common import HomeOption, fail, home_paths, installed_plugins

app = typer.Typer()


@app.command()
def validate(
    paths: Annotated[list[Path], typer.Argument(help="Return files to check.", show_default=False)],
    plugin: Annotated[str | None, typer.Option(help="Read every file with this plugin instead of choosing one.")] = None,
    stage: Annotated[int | None, typer.Option(min=1, max=9, help="The stage the return is for (1, 2, 3; 4+ for later submissions).")] = None,
    signatory: Annotated[str | None, typer.Option(
        help="The signatory's slug: prefer its own plugin, and check the return names it (from the register).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON array, an object per file.")] = False,
    home: HomeOption = None,
) -> None:
    """Check returns and report every problem with its place in the file.

    Exit status: 0 all valid (warnings allowed), 1 any error or unreadable file, 2 wrong usage.
    """
    from pipeline.kit.hooks import ParseContext
    from pipeline.registry import PluginError
    from pipeline.signatories import registered_name
    from pipeline.validation.validate import validate_path

    registry = installed_plugins()
    if plugin:
        try:
            registry.get(plugin)
        except PluginError as exc:
            raise fail(str(exc), 2) from None
    context = ParseContext(stage=stage, signatory=signatory,
                           signatory_name=registered_name(home_paths(home).register, signatory) if signatory else None)
    reports = [validate_path(p, registry, plugin=plugin, context=context) for p in paths]
    if as_json:
        sys.stdout.write(json.dumps([r.to_json() for r in reports], indent=2, ensure_ascii=False) + "\n")
    else:
        from rich.console import Console

        from pipeline.validation.report import render

        console = Console()
        for report in reports:
            render(report, console)
    raise typer.Exit(0 if all(r.ok for r in reports) else 1)


@app.command("rules")
def list_rules() -> None:
    """List the validation rules."""
    from rich.console import Console
    from rich.table import Table

    from pipeline.validation.rules import RULES

    table = Table("rule", "severity", "checks that")
    for r in RULES:
        table.add_row(r.id, r.severity, r.summary)
    Console().print(table)


@app.command()
def schema() -> None:
    """Print the canonical return's JSON Schema."""
    from pipeline.schema import json_schema

    sys.stdout.write(json.dumps(json_schema(), indent=2) + "\n")


@app.command()
def ingest(
    paths_: Annotated[list[Path], typer.Argument(metavar="PATH...", help="Files to hand in.", show_default=False)],
    signatory: Annotated[str, typer.Option(help="The signatory's slug.")],
    stage: Annotated[int, typer.Option(min=1, max=9, help="The stage the return is for.")],
    sender: Annotated[str, typer.Option(help="Who is handing the files in.")] = "",
    received: Annotated[str | None, typer.Option(help="When they were received, if not now (YYYY-MM-DD).")] = None,
    home: HomeOption = None,
) -> None:
    """Put files into the landing zone for the pipeline (the same bytes twice are one submission)."""
    import datetime as dt
    import getpass

    from pipeline.handin.landing import LandingError, land_file

    when = None
    if received:
        try:
            when = dt.datetime.combine(dt.date.fromisoformat(received), dt.time(12), dt.UTC)
        except ValueError:
            raise fail(f"--received must be a date like 2024-03-31, not {received!r}", 2) from None
    landing = home_paths(home).landing
    failed = False
    for path in paths_:
        try:
            landed = land_file(path, signatory, stage, landing, sender or getpass.getuser(), received=when)
        except LandingError as exc:
            typer.echo(f"{path}: not landed: {exc}", err=True)
            failed = True
            continue
        state = "landed" if landed.new else "already landed (same bytes): one submission"
        typer.echo(f"{path}: {state} as {landed.path}")
    raise typer.Exit(1 if failed else 0)
