"""Commands for plugin authors and operators: which plugins are installed, and a new one scaffolded."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli.common import fail, installed_plugins

app = typer.Typer()
plugin_app = typer.Typer(help="Work on plugins.", no_args_is_help=True)
app.add_typer(plugin_app, name="plugin")


@app.command()
def plugins() -> None:
    """List the installed plugins."""
    from rich.console import Console
    from rich.table import Table

    table = Table("name", "version", "formats", "signatories", "description")
    for p in installed_plugins():
        table.add_row(p.name, p.info.version, ", ".join(p.info.formats),
                      "any" if p.info.signatories is None else ", ".join(p.info.signatories),
                      p.info.description)
    Console().print(table)


@plugin_app.command("new")
def plugin_new(
    slug: Annotated[str, typer.Argument(help="The signatory's slug, e.g. 'northgate'.")],
    plugins_dir: Annotated[Path, typer.Option(help="Where plugins live.")] = Path("plugins"),
    tests_dir: Annotated[Path, typer.Option(help="Where tests live.")] = Path("tests"),
    pyproject: Annotated[Path, typer.Option(help="pyproject.toml to add the entry point to.")] = Path("pyproject.toml"),
) -> None:
    """Scaffold a signatory plugin (folder, entry point, sample file, test) that passes the
    plugin contract as generated."""
    from pipeline.scaffold import ScaffoldError, scaffold

    try:
        written = scaffold(slug, plugins_dir, tests_dir if tests_dir.is_dir() else None,
                           pyproject if pyproject.is_file() else None)
    except ScaffoldError as exc:
        raise fail(str(exc), 2) from None
    for path in written:
        typer.echo(f"wrote {path}")
    typer.echo("next: `make setup` (or `uv sync`) installs the entry point; then `make test`.")
