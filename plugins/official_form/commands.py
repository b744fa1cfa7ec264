"""``techbench template``: a blank return to fill in, added to the command line by this plugin."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from pipeline.kit import hookimpl


class TemplateFormat(StrEnum):
    xlsx = "xlsx"
    docx = "docx"
    json = "json"


def template(
    fmt: Annotated[TemplateFormat, typer.Option("--format", help="xlsx, docx or json.")],
    out: Annotated[Path, typer.Option(help="Where to write the blank return.")],
) -> None:
    """Write a blank return to fill in: the Word form, the techbench workbook, or JSON."""
    from plugins.official_form import templates

    writer = {"xlsx": templates.write_xlsx, "docx": templates.write_docx, "json": templates.write_json}[fmt.value]
    try:
        writer(out)
    except OSError as exc:
        typer.echo(f"error: cannot write {out}: {exc.strerror}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"wrote {out}")


@hookimpl
def techbench_register_commands(cli: typer.Typer) -> None:
    cli.command()(template)
