"""The signatory register on the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer()


@app.command()
def signatories(
    register: Annotated[Path | None, typer.Option(help="A register CSV (default: the repository's).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List the signatory register; exit 1 with each problem's line if the file is wrong."""
    from rich.console import Console
    from rich.table import Table

    from pipeline.signatories import DEFAULT_REGISTER, RegisterError, load_register

    try:
        rows = load_register(register or DEFAULT_REGISTER)
    except RegisterError as exc:
        for problem in exc.problems:
            typer.echo(problem, err=True)
        raise typer.Exit(1) from None
    if as_json:
        sys.stdout.write(json.dumps([s.model_dump(mode="json") for s in rows], indent=2) + "\n")
        return
    table = Table("slug", "name", "type", "nation", "UKPRN", "signed", "cohort", "groups", "plugin",
                  title=f"{len(rows)} signatories" + (" (synthetic)" if any(s.synthetic for s in rows) else ""))
    for s in rows:
        groups = ", ".join(filter(None, (s.mission_group, *s.peer_groups)))
        table.add_row(s.slug, s.name, s.type.value, s.nation.value, s.ukprn or "", s.signed_text or "not stated",
                      s.cohort or "", groups, s.plugin)
    Console().print(table)
