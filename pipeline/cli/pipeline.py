"""Commands that feed and run the pipeline: a synthetic sector to feed it, and a run from the landing
zone to the published snapshot."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli.common import HomeOption, fail, home_paths

app = typer.Typer()


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="Folder to write the synthetic sector into.")],
    sector: Annotated[str, typer.Option(help="real: the register's real signatories, each with SYNTHETIC returns; "
                                             "fictional: a made-up register (tests, benchmarks).")] = "real",
    signatories_: Annotated[int | None, typer.Option(
        "--signatories", min=1, help="How many signatories (real: the register's first N; default all. "
                                     "fictional: default 150).")] = None,
    stages: Annotated[int, typer.Option(min=1, max=9, help="Stages per signatory, as far as their dates allow.")] = 3,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same files.")] = 1,
    workers: Annotated[int | None, typer.Option(min=1, help="Processes to write with.")] = None,
) -> None:
    """Write a sector of SYNTHETIC returns to try the pipeline on.

    A register, returns in every plugin's format, and a manifest saying what in each row is real
    and what drawn, and which rules each file must trip (a defect seeded into about 10% of them)."""
    from rich.progress import Progress

    from pipeline.synthetic import SECTORS
    from pipeline.synthetic import generate as write_sector

    if sector not in SECTORS:
        raise fail(f"--sector must be one of {', '.join(SECTORS)}", 2)
    with Progress(transient=True) as bar:
        task = bar.add_task("writing returns", total=signatories_)
        summary = write_sector(out, signatories_, stages, seed, workers=workers, sector=sector,
                               progress=lambda n: bar.advance(task, n))
    typer.echo(f"wrote {summary.returns} SYNTHETIC returns for {summary.signatories} signatories "
               f"({sector} register; {summary.defective} with a seeded defect) to {out}")
    for plugin, count in sorted(summary.by_plugin.items()):
        typer.echo(f"  {plugin}: {count}")


@app.command()
def run(
    home: HomeOption = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Processes for reading files.")] = None,
    quality: Annotated[bool, typer.Option(help="Run the Great Expectations suite too.")] = True,
) -> None:
    """Process everything in the landing zone into the warehouse and publish a snapshot."""
    summary = run_and_report(home_paths(home), workers, quality)
    raise typer.Exit(0 if summary.success else 1)


def run_and_report(paths, workers: int | None, quality: bool):
    """Run the pipeline with a progress bar and print what became of the files and the checks
    (``techbench run`` and ``techbench demo``)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from pipeline.run import PipelineBusy, run_pipeline

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), transient=True) as bar:
        task = bar.add_task("reading returns", total=None)
        try:
            summary = run_pipeline(paths, workers, quality,
                                   on_progress=lambda done, total: bar.update(task, completed=done, total=total))
        except PipelineBusy as exc:
            raise fail(str(exc), 1) from None
    console = Console()
    console.print(f"run {summary.run_id[:8]}: {'[green]succeeded[/]' if summary.success else '[red]failed[/]'}; "
                  f"{summary.processed} new file(s): {summary.accepted} accepted, {summary.rejected} rejected")
    for rule_id, count in summary.rejected_by_rule.items():
        console.print(f"  rejected for {rule_id}: {count}")
    for check, passed in summary.checks.items():
        console.print(f"  check {check}: {'[green]passed[/]' if passed else '[red]failed[/]'}")
    console.print(f"snapshot: {paths.snapshot}")
    return summary
