"""Commands that read the sector benchmarks: positions from the published snapshot, and the
methodology behind them."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli.common import HomeOption, Role, fail, home_paths

app = typer.Typer()

#: The table shows this many positions; --json and --export give them all.
SHOWN = 200


@app.command()
def benchmarks(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON array.")] = False,
    signatory: Annotated[str | None, typer.Option(help="Only this signatory (slug).")] = None,
    group: Annotated[str | None, typer.Option(help="Only this peer group (e.g. 'all', 'nation:Scotland').")] = None,
    metric: Annotated[str | None, typer.Option(help="Only this metric id (see docs/methodology.md).")] = None,
    export: Annotated[Path | None, typer.Option(help="Also write the rows to a .csv or .xlsx file (formula-safe).")] = None,
    role: Annotated[Role, typer.Option(help="Publish for this audience: disclosure control for all but steering.")] = Role.steering,
    viewer: Annotated[str | None, typer.Option(help="With --role institution: the institution's own slug.")] = None,
    home: HomeOption = None,
) -> None:
    """Each signatory's position on each metric against each of its peer groups, from the snapshot."""
    from pipeline.benchmarks import disclosure
    from pipeline.benchmarks.published import positions_query
    from pipeline.store.snapshot import open_snapshot

    if role is Role.institution and not viewer:
        raise fail("--role institution needs --viewer SLUG", 2)
    try:
        con = open_snapshot(home_paths(home))
    except FileNotFoundError as exc:
        raise fail(str(exc), 1) from None
    sql, params = positions_query(signatory, group, metric)
    with con:
        rows = con.sql(sql, params=params).pl()
    rows = disclosure.disclose({"positions": rows}, viewer, role.value)["positions"]
    if export:
        from pipeline.benchmarks import export as exporter

        (exporter.to_xlsx if export.suffix.lower() == ".xlsx" else exporter.to_csv)(rows, export)
    if as_json:
        sys.stdout.write(json.dumps(rows.to_dicts(), indent=2, default=str) + "\n")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("signatory", "metric", "group", "value", "median [95% interval]", "quintile", "wording",
                  title=f"{rows.height} positions")
    for r in rows.head(SHOWN).iter_rows(named=True):
        interval = "" if r["median"] is None else f"{r['median']:.3g} [{r['median_low']:.3g}, {r['median_high']:.3g}]"
        value = r["value"] if isinstance(r["value"], str) else f"{r['value']:.3g}"
        table.add_row(str(r["signatory"]), r["metric"], r["group_id"], value, interval, r["quintile_label"] or "",
                      r["wording"] or "")
    console = Console()
    console.print(table)
    if rows.height > SHOWN:
        console.print(f"(first {SHOWN} of {rows.height}; use --json or --export for all)")


@app.command()
def methodology(
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of printing.")] = None,
) -> None:
    """The methodology document (every metric and method, in plain English and technically)."""
    from pipeline.benchmarks.methodology import render

    text = render()
    if out:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}")
    else:
        sys.stdout.write(text)
