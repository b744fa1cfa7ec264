"""``techbench mapping``: check mapping files, see and try their layout, rewrite the samples.

Added to the command line by this plugin (``techbench_register_commands``). The plugin's modules
are imported inside the commands: ``plugin`` imports this module.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pipeline.kit import hookimpl

if TYPE_CHECKING:
    from plugins.mapped_workbook.layout import Mapping, MappingSet

EXCLUDE = {"provenance"}

mapping_app = typer.Typer(
    help="Mapping files for institutions' own workbooks (the mapped_workbook plugin): check them, "
    "see their layout, read a workbook with one.",
    no_args_is_help=True,
)

MappingFile = Annotated[Path, typer.Argument(help="A mapping file (.yaml).", show_default=False)]


def round_trip(mapping: Mapping) -> list[str]:
    """Write the synthetic example in ``mapping``'s layout, read it back; what differs (apart from the
    fields the mapping leaves out)."""
    from pipeline.kit import ParseContext, SourceFile
    from plugins.mapped_workbook import plugin, synthetic, writer
    from plugins.mapped_workbook.mapping import MappingSet

    original = synthetic.example(mapping.spec.signatories[0])
    with tempfile.TemporaryDirectory() as tmp:
        path = writer.write(original, Path(tmp) / "check.xlsx", mapping)
        source = SourceFile(name=path.name, data=path.read_bytes())
    result = plugin.parse(source, ParseContext(), MappingSet([mapping], []))
    if result.return_ is None:
        return [str(i) for i in result.issues]
    want = original.model_dump(mode="json", exclude=EXCLUDE)
    got = result.return_.model_dump(mode="json", exclude=EXCLUDE)
    skipped = {p.strip("/").split("/")[0] for p in ("/" + n.replace(".", "/") for n in mapping.unmapped())}
    return [f"{k}: wrote {want[k]!r}, read {got.get(k)!r}" for k in want
            if k not in skipped and want[k] != got.get(k)]


def _load(*where: Path | str) -> MappingSet:
    """Load mapping files, printing each problem with its file, line and column."""
    from plugins.mapped_workbook.mapping import load_mappings

    found = load_mappings(*where)
    for problem in found.problems:
        typer.echo(f"PROBLEM  {problem}")
    return found


@mapping_app.command()
def check(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Mapping files or folders (default: the shipped ones and $TECHBENCH_MAPPINGS).",
        show_default=False)] = None,
) -> None:
    """Check mapping files; exit status 1 if anything is wrong.

    Prints every problem with its file, line and column; for each valid mapping, its sheets, the
    canonical fields it leaves out, and whether a synthetic return written in its layout reads back
    the same."""
    found = _load(*(paths or []))
    failed = bool(found.problems)
    for m in found.mappings:
        typer.echo(f"ok       {m.path}: serves {', '.join(m.spec.signatories)}; sheets: {', '.join(m.sheets)}")
        if m.unmapped():
            typer.echo(f"         not mapped (always empty when read): {', '.join(m.unmapped())}")
        differences = round_trip(m)
        for d in differences:
            typer.echo(f"PROBLEM  {m.path}: round trip: {d}")
        failed |= bool(differences)
        if not differences:
            typer.echo("         round trip: a synthetic return written in this layout reads back the same")
    if not found.mappings and not found.problems:
        typer.echo("no mapping files found")
    raise typer.Exit(1 if failed else 0)


@mapping_app.command()
def example(
    mapping: MappingFile,
    out: Annotated[Path, typer.Argument(help="The workbook to write (.xlsx).", show_default=False)],
) -> None:
    """Write a synthetic return in the layout of MAPPING: what a workbook in that layout looks like."""
    from plugins.mapped_workbook import synthetic, writer

    found = _load(mapping)
    if not found.mappings:
        raise typer.Exit(1)
    m = found.mappings[0]
    typer.echo(writer.write(synthetic.example(m.spec.signatories[0]), out, m))


@mapping_app.command()
def read(
    mapping: MappingFile,
    workbook: Annotated[Path, typer.Argument(help="An institution's workbook (.xlsx).", show_default=False)],
) -> None:
    """Read a workbook with MAPPING, before installing it; exit status 1 if there are errors.

    Prints every finding with its cell, then the return as JSON."""
    from pipeline.kit import Limits, ParseContext, Rejected, read_source, screen
    from plugins.mapped_workbook import plugin, reader
    from plugins.mapped_workbook.mapping import MappingSet

    found = _load(mapping)
    if not found.mappings:
        raise typer.Exit(1)
    try:  # the same intake checks as every other way in (size, zip and XML bombs)
        limits = Limits.from_env()
        source = read_source(workbook, limits)
        screen(source, limits)
    except Rejected as rejected:
        typer.echo(f"ERROR    {rejected.issue.location}: {rejected.issue.message}")
        raise typer.Exit(1) from None
    chosen = found.mappings[0]  # read with this layout even if the sheets do not match
    result = reader.read(source, chosen, plugin.info(MappingSet([chosen], [])), ParseContext())
    for issue in result.issues:
        typer.echo(f"{issue.severity.upper():8} {issue.location}: {issue.message}")
    if result.return_ is not None:
        typer.echo(result.return_.model_dump_json(indent=2, exclude={"provenance"}))
    raise typer.Exit(1 if result.return_ is None or any(i.severity == "error" for i in result.issues) else 0)


@mapping_app.command()
def samples() -> None:
    """Rewrite the plugin's samples (samples/<slug>.xlsx, one per shipped mapping)."""
    from pipeline.kit.samples import stable_bytes
    from plugins.mapped_workbook import plugin, synthetic, writer
    from plugins.mapped_workbook.mapping import SHIPPED_MAPPINGS

    found = _load(SHIPPED_MAPPINGS)
    for m in found.mappings:
        slug = m.spec.signatories[0]
        path = writer.write(synthetic.example(slug), plugin.SAMPLES / f"{slug}.xlsx", m)
        stable_bytes(path)
        typer.echo(path)
    raise typer.Exit(1 if found.problems else 0)


@hookimpl
def techbench_register_commands(cli: typer.Typer) -> None:
    cli.add_typer(mapping_app, name="mapping")
