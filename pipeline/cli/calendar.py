"""The programme's calendar on the command line: the submission tracker with its deadlines, and
extensions (granted by the steering group, once per institution, recorded in the audit trail)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Annotated

import typer

from pipeline.cli.common import HomeOption, fail, home_paths

app = typer.Typer()
extension = typer.Typer(help="Extensions: one per institution, ever; each moves a deadline to the next window.",
                        no_args_is_help=True)
app.add_typer(extension, name="extension")

AsJson = Annotated[bool, typer.Option("--json", help="Print one JSON array.")]


def _day(value: object) -> str:
    return value.strftime("%d %b %Y") if isinstance(value, dt.date) else ""


@app.command()
def tracker(
    signatory: Annotated[str | None, typer.Option(help="Only this signatory (slug).")] = None,
    as_json: AsJson = False,
    home: HomeOption = None,
) -> None:
    """Each signatory's deadline and status per stage, from the snapshot: the deadline is a submission
    window (31 Jan / 31 Jul); 'basis' says whether the programme published it or techbench computed it.
    Extensions granted since the last pipeline run are shown, marked "(pending)"."""
    import duckdb

    from pipeline.programme import calendar
    from pipeline.benchmarks.tracker import apply_extensions
    from pipeline.store.snapshot import current, open_snapshot

    paths = home_paths(home)
    try:
        with open_snapshot(paths) as con:
            rows = con.sql("SELECT * FROM bench_tracker" + (" WHERE signatory = ?" if signatory else "")
                           + " ORDER BY signatory, stage", params=[signatory] if signatory else None).pl()
    except FileNotFoundError as exc:
        raise fail(str(exc), 1) from None
    except duckdb.Error as exc:
        raise fail(f"the published tracker cannot be read ({exc}): run the pipeline again", 1) from None
    if "extended_from" not in rows.columns:
        raise fail("the snapshot was published by an older techbench: run the pipeline again", 1)
    info = current(paths)
    as_of = info.published_at.date() if info else dt.date.today()
    rows = apply_extensions(rows, calendar.extensions(paths), as_of)
    if as_json:
        sys.stdout.write(json.dumps(rows.to_dicts(), indent=2, default=str) + "\n")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("signatory", "stage", "deadline", "basis", "falls due", "extended from", "status", "submitted",
                  "days late", title=f"{rows.height} signatory-stages, as of {as_of:%d %b %Y}")
    for r in rows.iter_rows(named=True):
        extended = _day(r["extended_from"]) + (" (pending)" if r["extension_pending"] else "")
        table.add_row(r["signatory"], str(r["stage"]), _day(r["due"]), r["due_basis"],
                      r["falls_due"].strftime("%b %Y") if r["falls_due"] else "", extended, r["status"],
                      _day(r["submitted_at"]), "" if r["days_late"] is None else str(r["days_late"]))
    Console().print(table)


@extension.command("grant")
def grant(
    slug: Annotated[str, typer.Argument(help="The signatory (slug).")],
    stage: Annotated[int, typer.Option("--stage", help="The stage whose deadline moves.")],
    reason: Annotated[str, typer.Option("--reason", help="Why: recorded in the audit trail.")],
    by: Annotated[str, typer.Option("--by", help="Who grants it (name or account).")],
    home: HomeOption = None,
) -> None:
    """Grant SLUG its extension for one stage: the deadline moves to the next submission window.
    Refused (exit 1, with the reason) if the institution has had one already."""
    from pipeline.programme.calendar import ExtensionRefused, grant_extension

    try:
        entry = grant_extension(home_paths(home), slug, stage, reason, by)
    except ExtensionRefused as exc:
        raise fail(str(exc), 1) from None
    d = entry.details
    typer.echo(f"Extension granted to {slug} for Stage {d['stage']}: deadline moved from "
               f"{_day(dt.date.fromisoformat(d['from']))} to {_day(dt.date.fromisoformat(d['to']))}. "
               "Recorded in the audit trail; the tracker shows it now, and its figures from the next pipeline run.")


@extension.command("list")
def list_extensions(as_json: AsJson = False, home: HomeOption = None) -> None:
    """The extensions granted, from the audit trail."""
    from pipeline.programme.calendar import extensions

    rows = extensions(home_paths(home))
    if as_json:
        sys.stdout.write(json.dumps(rows.to_dicts(), indent=2, default=str) + "\n")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("signatory", "stage", "from", "to", "granted", "by", "reason", title=f"{rows.height} extensions")
    for r in rows.iter_rows(named=True):
        table.add_row(r["signatory"], str(r["stage"]), _day(r["extended_from"]), _day(r["extended_to"]),
                      r["granted_at"][:10], r["granted_by"], r["reason"])
    Console().print(table)
