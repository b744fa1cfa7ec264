"""The human-readable validation report (rich), for leads at a terminal."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from pipeline.validation.validate import FileReport


def render(report: FileReport, console: Console) -> None:
    ret = report.return_
    if report.ok:
        verdict = "[bold green]VALID[/]" + (f" with {len(report.warnings)} warning(s)" if report.warnings else "")
    else:
        verdict = f"[bold red]NOT ACCEPTED[/]: {len(report.errors)} error(s), {len(report.warnings)} warning(s)"
    console.rule(f"[bold]{report.path}")
    console.print(f"{verdict}   reader: {report.plugin or '-'}")
    if ret is not None:
        t = ret.technicians
        console.print(
            f"{ret.signatory_name or '(no organisation name)'} · Stage {ret.stage or '?'} · "
            f"submitted {ret.submission_date or '?'} · {t.headcount if t.headcount is not None else '?'} technicians "
            f"in {len(t.areas)} areas · {len(ret.action_plan)} actions · "
            f"{len(ret.initiatives_since)} initiatives since signing"
        )
    if ret is not None and report.ok:
        _contents(ret, console)
    if report.issues:
        table = Table(show_lines=False, expand=True)
        table.add_column("", width=7)
        table.add_column("where in the file", ratio=2)
        table.add_column("what to fix", ratio=5)
        for issue in sorted(report.issues, key=lambda i: i.severity != "error"):
            sev = "[red]error[/]" if issue.severity == "error" else "[yellow]warning[/]"
            table.add_row(sev, issue.location, f"{issue.message} [dim]({issue.rule})[/]")
        console.print(table)


def _contents(ret, console: Console) -> None:
    """What was read, so a lead can see that techbench understood the return."""
    areas = Table("area", "headcount", "FTE", title="Technicians by area", title_justify="left")
    for a in ret.technicians.areas:
        areas.add_row(a.name, str(a.headcount if a.headcount is not None else "-"),
                      f"{a.fte:g}" if a.fte is not None else "-")
    if ret.technicians.areas:
        console.print(areas)
    plan = Table("theme", "actions", "with owner, date and evidence", title="Action plan", title_justify="left")
    themes: dict[str, list] = {}
    for action in ret.action_plan:
        themes.setdefault(action.theme.value if action.theme else "(no theme)", []).append(action)
    for theme, actions in themes.items():
        smart = sum(1 for a in actions if a.owner and a.due and a.evidence)
        plan.add_row(theme, str(len(actions)), str(smart))
    if themes:
        console.print(plan)
