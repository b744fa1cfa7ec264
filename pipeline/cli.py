"""The `techbench` command line."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(
    help="techbench: Technician Commitment returns, validated and benchmarked.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _registry():
    from pipeline.registry import PluginError, Registry

    try:
        registry = Registry.from_entry_points()
    except PluginError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    for name, problem in registry.load_errors.items():
        typer.echo(f"warning: plugin '{name}' could not be loaded and is left out ({problem})", err=True)
    return registry


@app.command()
def validate(
    paths: Annotated[list[Path], typer.Argument(help="Return files to check.", show_default=False)],
    plugin: Annotated[str | None, typer.Option(help="Read every file with this plugin instead of choosing one.")] = None,
    stage: Annotated[int | None, typer.Option(min=1, max=9, help="The stage the return is for (1, 2, 3; 4+ for later submissions).")] = None,
    signatory: Annotated[str | None, typer.Option(help="The signatory's slug, to prefer its own plugin.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON array, an object per file.")] = False,
) -> None:
    """Check returns and report every problem with its place in the file.

    Exit status: 0 all valid (warnings allowed), 1 any error or unreadable file, 2 wrong usage.
    """
    from pipeline.plugin_api import ParseContext
    from pipeline.registry import PluginError
    from pipeline.validate import validate_path

    registry = _registry()
    if plugin:
        try:
            registry.get(plugin)
        except PluginError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
    context = ParseContext(stage=stage, signatory=signatory)
    reports = [validate_path(p, registry, plugin=plugin, context=context) for p in paths]
    if as_json:
        sys.stdout.write(json.dumps([r.to_json() for r in reports], indent=2, ensure_ascii=False) + "\n")
    else:
        from pipeline.report import render

        console = Console()
        for report in reports:
            render(report, console)
    raise typer.Exit(0 if all(r.ok for r in reports) else 1)


@app.command()
def schema() -> None:
    """Print the canonical return's JSON Schema."""
    from pipeline.schema import json_schema

    sys.stdout.write(json.dumps(json_schema(), indent=2) + "\n")


@app.command()
def plugins() -> None:
    """List the installed plugins."""
    table = Table("name", "version", "formats", "signatories", "description")
    for p in _registry():
        table.add_row(p.name, p.info.version, ", ".join(p.info.formats),
                      "any" if p.info.signatories is None else ", ".join(p.info.signatories),
                      p.info.description)
    Console().print(table)


@app.command("rules")
def list_rules() -> None:
    """List the validation rules."""
    from pipeline.rules import RULES

    table = Table("rule", "severity", "checks that")
    for r in RULES:
        table.add_row(r.id, r.severity, r.summary)
    Console().print(table)


class TemplateFormat(StrEnum):
    xlsx = "xlsx"
    docx = "docx"
    json = "json"


@app.command()
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


@app.command()
def signatories(
    register: Annotated[Path | None, typer.Option(help="A register CSV (default: the repository's).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List the signatory register; exit 1 with each problem's line if the file is wrong."""
    from pipeline.register import DEFAULT_REGISTER, RegisterError, load_register

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
        table.add_row(s.slug, s.name, s.type.value, s.nation.value, s.ukprn or "", s.signed.isoformat(),
                      s.cohort, groups, s.plugin)
    Console().print(table)


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="Folder to write the synthetic sector into.")],
    signatories_: Annotated[int, typer.Option("--signatories", min=1, help="How many signatories.")] = 150,
    stages: Annotated[int, typer.Option(min=1, max=9, help="Stages per signatory, as far as their dates allow.")] = 3,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same files.")] = 1,
    workers: Annotated[int | None, typer.Option(min=1, help="Processes to write with.")] = None,
) -> None:
    """Write a SYNTHETIC sector: a register, returns in every plugin's format, and a manifest of
    the defects seeded into about 10% of them."""
    from rich.progress import Progress

    from pipeline.synthetic import generate as run

    with Progress(transient=True) as bar:
        task = bar.add_task("writing returns", total=signatories_)
        summary = run(out, signatories_, stages, seed, workers=workers, progress=lambda n: bar.advance(task, n))
    typer.echo(f"wrote {summary.returns} synthetic returns for {summary.signatories} signatories "
               f"({summary.defective} with a seeded defect) to {out}")
    for plugin, count in sorted(summary.by_plugin.items()):
        typer.echo(f"  {plugin}: {count}")


plugin_app = typer.Typer(help="Work on plugins.", no_args_is_help=True)
app.add_typer(plugin_app, name="plugin")


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
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    for path in written:
        typer.echo(f"wrote {path}")
    typer.echo("next: `make setup` (or `uv sync`) installs the entry point; then `make test`.")


def main() -> None:  # pragma: no cover
    app()
