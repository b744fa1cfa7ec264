"""The signatory register on the command line: list and check it, add and correct signatories."""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli.common import HomeOption, fail, home_paths

app = typer.Typer()
signatories_app = typer.Typer(help="The signatory register: list and check it, add and correct signatories.")
app.add_typer(signatories_app, name="signatories")

_EXTRA = {"allow_extra_args": True, "ignore_unknown_options": True}
ByOption = Annotated[str | None, typer.Option("--by", help="Who makes the change, for the audit trail "
                                                           "(default: cli:<your login>).")]


@signatories_app.callback(invoke_without_command=True)
def signatories(
    ctx: typer.Context,
    register: Annotated[Path | None, typer.Option(help="A register CSV to check (default: the one in use).")] = None,
    home: HomeOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List the register in use (the home's register.csv, else the repository's) and check it: each
    problem (a column's value, a UKPRN that is no known provider or names another one) is printed
    with its line, and the exit status is 1."""
    if ctx.invoked_subcommand is not None:
        return
    from rich.console import Console
    from rich.table import Table

    from pipeline.programme.changes import check_register

    path = register or home_paths(home).register
    rows, problems = check_register(path)
    if as_json:
        sys.stdout.write(json.dumps([s.model_dump(mode="json") for s in rows], indent=2) + "\n")
    elif rows:
        table = Table("slug", "name", "nation", "UKPRN", "signed", "as stated",
                      title=f"{len(rows)} signatories in {path}" + (" (synthetic)" if any(s.synthetic for s in rows) else ""))
        for s in rows:
            table.add_row(s.slug, s.name, s.nation.value, s.ukprn or "", s.signed_text or "not stated",
                          s.signed_as_stated or "")
        Console().print(table)
    for problem in problems:
        typer.echo(problem, err=True)
    if problems:
        raise typer.Exit(1)


def _fields(args: list[str]) -> dict[str, str]:
    """``--column value`` (or ``--column=value``) pairs; hyphens in a column's name are underscores."""
    from pipeline.programme.signatories import COLUMNS

    fields: dict[str, str] = {}
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        if not arg.startswith("--"):
            raise fail(f"'{arg}' is not '--<column> <value>'; the columns are: {', '.join(COLUMNS)}", 2)
        name, inline, value = arg[2:].partition("=")
        if not inline and not rest:
            raise fail(f"--{name} needs a value (give '' to clear it)", 2)
        fields[name.replace("-", "_")] = value if inline else rest.pop(0)
    return fields


def _apply(change, by: str | None) -> None:
    from pipeline.programme.changes import ROW, ChangeRejected

    try:
        signatory, where = change(by or f"cli:{getpass.getuser()}")
    except ChangeRejected as exc:
        for column, message in exc.problems.items():
            typer.echo(f"error: {column + ': ' if column != ROW else ''}{message}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{signatory.slug}: saved to {where}; the pipeline uses it from its next run.")


@signatories_app.command(context_settings=_EXTRA)
def add(ctx: typer.Context, home: HomeOption = None, by: ByOption = None) -> None:
    """Add a signatory: --slug, --name, --type, --nation and --signed (blank: not stated), and any of
    --region, --ukprn, --signed-as-stated, --cohort, --mission-group, --peer-groups, --plugin
    (default official_form), --synthetic, --source, --source-url. Checked as the register file is;
    written to the home's register.csv and the audit trail."""
    from pipeline.programme.changes import add as add_row

    paths, fields = home_paths(home), _fields(ctx.args)
    _apply(lambda actor: (add_row(paths, actor, fields), paths.home / "register.csv"), by)


@signatories_app.command(context_settings=_EXTRA)
def correct(
    ctx: typer.Context,
    slug: Annotated[str, typer.Argument(help="The signatory to correct.")],
    home: HomeOption = None,
    by: ByOption = None,
    reason: Annotated[str, typer.Option(help="Why, for the audit trail.")] = "",
) -> None:
    """Correct a signatory: --<column> <new value> for each column to change (e.g. --ukprn 10007791,
    --signed 2017-05, --region ''); every column but the slug. Checked as the register file is;
    written to the home's register.csv and the audit trail with the values before and after."""
    from pipeline.programme.changes import correct as correct_row

    paths, fields = home_paths(home), _fields(ctx.args)
    if not fields:
        raise fail("give at least one --<column> <value> to change", 2)
    _apply(lambda actor: (correct_row(paths, actor, slug, fields, reason), paths.home / "register.csv"), by)
