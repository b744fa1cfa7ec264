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
    from pipeline.handin.context import parse_context, signatory_names
    from pipeline.registry import PluginError
    from pipeline.validation.validate import validate_path

    registry = installed_plugins()
    if plugin:
        try:
            registry.get(plugin)
        except PluginError as exc:
            raise fail(str(exc), 2) from None
    context = parse_context(signatory, stage, signatory_names(home_paths(home).register) if signatory else {})
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
    check: Annotated[bool, typer.Option(
        help="Check each file first, as the upload page does, and land only those without errors. "
             "Without it every file within the size limits is landed and the pipeline records it as "
             "accepted or rejected.")] = False,
    home: HomeOption = None,
) -> None:
    """Put files into the landing zone for the pipeline (the same bytes twice are one submission)."""
    import datetime as dt
    import getpass

    from pipeline.handin.submit import hand_in_file

    when = None
    if received:
        try:
            when = dt.datetime.combine(dt.date.fromisoformat(received), dt.time(12), dt.UTC)
        except ValueError:
            raise fail(f"--received must be a date like 2024-03-31, not {received!r}", 2) from None
    paths = home_paths(home)
    registry = installed_plugins() if check else None
    failed = False
    for path in paths_:
        result = hand_in_file(path, signatory, stage, sender or getpass.getuser(), paths, registry, check=check,
                              received=when)
        if result.landed is None:
            if result.report is not None and result.report.issues:
                from rich.console import Console

                from pipeline.validation.report import render

                render(result.report, Console(stderr=True))
            typer.echo(f"{path}: not landed: {result.refused}", err=True)
            failed = True
            continue
        state = "landed" if result.landed.new else "already landed (same bytes): one submission"
        typer.echo(f"{path}: {state} as {result.landed.path}")
    raise typer.Exit(1 if failed else 0)


@app.command()
def status(
    signatory: Annotated[str | None, typer.Option(help="Only this signatory's files (its slug).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON array, an object per file.")] = False,
    home: HomeOption = None,
) -> None:
    """Where each handed-in file has got to: waiting for the pipeline, accepted or rejected."""
    from dataclasses import asdict

    from pipeline.handin.submit import statuses

    rows = statuses(home_paths(home), signatory)
    if as_json:
        sys.stdout.write(json.dumps([asdict(r) for r in rows], indent=2, ensure_ascii=False) + "\n")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("signatory", "stage", "file", "received", "state", "errors", "warnings",
                  title=f"{len(rows)} file(s) handed in")
    for r in rows:
        table.add_row(r.signatory, str(r.stage), r.original_name, r.received_at.replace("T", " ")[:16], r.state,
                      "" if r.errors is None else str(r.errors), "" if r.warnings is None else str(r.warnings))
    Console().print(table)
