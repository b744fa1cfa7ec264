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


def _paths(home: Path | None):
    from pipeline.settings import Paths

    return Paths.from_env(home)


HomeOption = Annotated[Path | None, typer.Option("--home", help="Data folder (default: TECHBENCH_HOME or ./data).")]


@app.command()
def validate(
    paths: Annotated[list[Path], typer.Argument(help="Return files to check.", show_default=False)],
    plugin: Annotated[str | None, typer.Option(help="Read every file with this plugin instead of choosing one.")] = None,
    stage: Annotated[int | None, typer.Option(min=1, max=9, help="The stage the return is for (1, 2, 3; 4+ for later submissions).")] = None,
    signatory: Annotated[str | None, typer.Option(
        help="The signatory's slug: prefer its own plugin, and check the return names it (from the register).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON array, an object per file.")] = False,
    home: HomeOption = None,
) -> None:
    """Check returns and report every problem with its place in the file.

    Exit status: 0 all valid (warnings allowed), 1 any error or unreadable file, 2 wrong usage.
    """
    from pipeline.kit.hooks import ParseContext
    from pipeline.signatories import registered_name
    from pipeline.registry import PluginError
    from pipeline.validation.validate import validate_path

    registry = _registry()
    if plugin:
        try:
            registry.get(plugin)
        except PluginError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
    context = ParseContext(stage=stage, signatory=signatory,
                           signatory_name=registered_name(_paths(home).register, signatory) if signatory else None)
    reports = [validate_path(p, registry, plugin=plugin, context=context) for p in paths]
    if as_json:
        sys.stdout.write(json.dumps([r.to_json() for r in reports], indent=2, ensure_ascii=False) + "\n")
    else:
        from pipeline.validation.report import render

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
    from pipeline.validation.rules import RULES

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


@app.command()
def ingest(
    paths_: Annotated[list[Path], typer.Argument(metavar="PATH...", help="Files to hand in.", show_default=False)],
    signatory: Annotated[str, typer.Option(help="The signatory's slug.")],
    stage: Annotated[int, typer.Option(min=1, max=9, help="The stage the return is for.")],
    sender: Annotated[str, typer.Option(help="Who is handing the files in.")] = "",
    received: Annotated[str | None, typer.Option(help="When they were received, if not now (YYYY-MM-DD).")] = None,
    home: HomeOption = None,
) -> None:
    """Put files into the landing zone for the pipeline (the same bytes twice are one submission)."""
    import datetime as dt
    import getpass

    from pipeline.handin.landing import LandingError, land_file

    when = None
    if received:
        try:
            when = dt.datetime.combine(dt.date.fromisoformat(received), dt.time(12), dt.UTC)
        except ValueError:
            typer.echo(f"error: --received must be a date like 2024-03-31, not {received!r}", err=True)
            raise typer.Exit(2) from None
    failed = False
    for path in paths_:
        try:
            landed = land_file(path, signatory, stage, _paths(home).landing, sender or getpass.getuser(), received=when)
        except LandingError as exc:
            typer.echo(f"{path}: not landed: {exc}", err=True)
            failed = True
            continue
        state = "landed" if landed.new else "already landed (same bytes): one submission"
        typer.echo(f"{path}: {state} as {landed.path}")
    raise typer.Exit(1 if failed else 0)


@app.command()
def run(
    home: HomeOption = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Processes for reading files.")] = None,
    quality: Annotated[bool, typer.Option(help="Run the Great Expectations suite too.")] = True,
) -> None:
    """Process everything in the landing zone into the warehouse and publish a snapshot."""
    summary = _run(_paths(home), workers, quality)
    raise typer.Exit(0 if summary.success else 1)


def _run(paths, workers: int | None, quality: bool):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from pipeline.run import PipelineBusy, run_pipeline

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), transient=True) as bar:
        task = bar.add_task("reading returns", total=None)
        try:
            summary = run_pipeline(paths, workers, quality,
                                   on_progress=lambda done, total: bar.update(task, completed=done, total=total))
        except PipelineBusy as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
    console = Console()
    console.print(f"run {summary.run_id[:8]}: {'[green]succeeded[/]' if summary.success else '[red]failed[/]'}; "
                  f"{summary.processed} new file(s): {summary.accepted} accepted, {summary.rejected} rejected")
    for rule_id, count in summary.rejected_by_rule.items():
        console.print(f"  rejected for {rule_id}: {count}")
    for check, passed in summary.checks.items():
        console.print(f"  check {check}: {'[green]passed[/]' if passed else '[red]failed[/]'}")
    console.print(f"snapshot: {paths.snapshot}")
    return summary


@app.command()
def demo(
    signatories_: Annotated[int, typer.Option("--signatories", min=1)] = 150,
    stages: Annotated[int, typer.Option(min=1, max=9)] = 3,
    seed: Annotated[int, typer.Option()] = 1,
    serve: Annotated[bool, typer.Option(help="Serve the dashboard after the run.")] = True,
    port: Annotated[int, typer.Option(min=1, max=65535, help="The dashboard's port.")] = 8501,
    address: Annotated[str, typer.Option(help="Interface the dashboard listens on.")] = "127.0.0.1",
    home: HomeOption = None,
) -> None:
    """Generate a SYNTHETIC sector, hand it in, run the pipeline, create demo accounts and serve the dashboard."""
    import datetime as dt
    import shutil

    from pipeline.handin.landing import land_file
    from pipeline.synthetic import generate as make_sector
    from pipeline.synthetic import read_manifest

    from pipeline.kit.hooks import ParseContext
    from pipeline.validation.report import render
    from pipeline.validation.validate import validate_path

    example = Path(__file__).resolve().parent.parent / "plugins" / "official_form" / "samples" / \
        "example_return_northgate_stage1.docx"
    typer.echo("1. What a lead sees: the shared example return, checked")
    render(validate_path(example, _registry(), context=ParseContext(stage=1)), Console())
    typer.echo("\n2. The sector: a SYNTHETIC sector is generated, handed in and run through the pipeline")
    paths = _paths(home)
    out = paths.home / "synthetic"
    sector = make_sector(out, signatories_, stages, seed)
    paths.home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(out / "register.csv", paths.home / "register.csv")
    rows = read_manifest(out)
    new = 0
    for row in rows:
        received = dt.datetime.combine(dt.date.fromisoformat(row["received"]), dt.time(12), dt.UTC)
        new += land_file(out / row["file"], row["signatory"], int(row["stage"]), paths.landing,
                         "synthetic sector generator", received=received).new
    typer.echo(f"SYNTHETIC sector: {sector.signatories} signatories, {len(rows)} returns written "
               f"({sector.defective} with a seeded defect); {new} newly landed in {paths.landing}")
    summary = _run(paths, None, True)
    if not summary.success:
        raise typer.Exit(1)
    from dashboards.demo import create_demo_accounts

    typer.echo("\n3. The dashboard: demo accounts (new passwords each demo; also in "
               f"{paths.home / 'demo-logins.txt'})")
    _print_logins(create_demo_accounts(paths))
    if serve:
        _serve(paths, port, address)


def _print_logins(logins) -> None:
    table = Table("username", "password", "role", "sees", title="Demo accounts (SYNTHETIC data)")
    for login in logins:
        table.add_row(login.username, login.password, login.role, login.note)
    Console().print(table)


def _serve(paths, port: int, address: str) -> None:
    from dashboards.serve import serve as run_server

    raise typer.Exit(run_server(paths, port, address, report=typer.echo))


@app.command()
def serve(
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8501,
    address: Annotated[str, typer.Option(help="Interface to listen on (0.0.0.0 for every one).")] = "127.0.0.1",
    home: HomeOption = None,
) -> None:
    """Serve the dashboard on the published snapshot, and run the pipeline when files are handed in."""
    from dashboards.demo import saved_logins

    paths = _paths(home)
    if logins := saved_logins(paths):
        _print_logins(logins)
    _serve(paths, port, address)


class Role(StrEnum):
    steering = "steering"
    reviewer = "reviewer"
    institution = "institution"


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
        typer.echo("error: --role institution needs --viewer SLUG", err=True)
        raise typer.Exit(2)
    try:
        con = open_snapshot(_paths(home))
    except FileNotFoundError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
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
    table = Table("signatory", "metric", "group", "value", "median [95% interval]", "quintile", "wording",
                  title=f"{rows.height} positions")
    for r in rows.head(200).iter_rows(named=True):
        interval = "" if r["median"] is None else f"{r['median']:.3g} [{r['median_low']:.3g}, {r['median_high']:.3g}]"
        value = r["value"] if isinstance(r["value"], str) else f"{r['value']:.3g}"
        table.add_row(str(r["signatory"]), r["metric"], r["group_id"], value, interval, r["quintile_label"] or "",
                      r["wording"] or "")
    Console().print(table)
    if rows.height > 200:
        Console().print(f"(first 200 of {rows.height}; use --json or --export for all)")


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


users_app = typer.Typer(help="Local accounts for the dashboard (kept in <home>/app.sqlite3).", no_args_is_help=True)
app.add_typer(users_app, name="users")


def _accounts(home: Path | None):
    from dashboards.accounts import AccountError, AccountStore

    try:
        return AccountStore.for_paths(_paths(home))
    except (AccountError, OSError) as exc:
        typer.echo(f"error: cannot open the accounts store: {exc}", err=True)
        raise typer.Exit(1) from None


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="The new account's name (lowercase).", show_default=False)],
    role: Annotated[Role, typer.Option(help="steering, reviewer or institution.", show_default=False)],
    signatory: Annotated[str | None, typer.Option(help="Institution: the signatory it belongs to (required). "
                                                        "Reviewer: their own, so they are never assigned it.")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from the first line "
                                                                          "of standard input.")] = False,
    home: HomeOption = None,
) -> None:
    """Add an account; the password is asked for twice (hidden) unless --password-stdin."""
    from dashboards.accounts import AccountError, check_new_user, check_password

    try:
        check_new_user(username, role.value, signatory)
        store = _accounts(home)
        if store.get_user(username) is not None:
            raise AccountError(f"user '{username.strip().lower()}' already exists")
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        check_password(password)
        user = store.add_user(username, password, role.value, signatory)
    except AccountError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"added {user.role} '{user.username}'" + (f" ({user.signatory})" if user.signatory else ""))


@users_app.command("list")
def users_list(home: HomeOption = None) -> None:
    """List the accounts (never their passwords or hashes)."""
    store = _accounts(home)
    users = store.list_users()
    table = Table("username", "role", "signatory", "status", "assignments", "created", title=f"{len(users)} accounts")
    for u in users:
        table.add_row(u.username, u.role, u.signatory or "", "disabled" if u.disabled else "active",
                      str(len(store.assignments(u.username))) if u.role == "reviewer" else "", u.created_at)
    Console().print(table)


@users_app.command("disable")
def users_disable(
    username: Annotated[str, typer.Argument(help="The account to disable.", show_default=False)],
    home: HomeOption = None,
) -> None:
    """Disable an account: it can no longer sign in or see anything, and is signed out everywhere."""
    from dashboards.accounts import AccountError

    try:
        user = _accounts(home).disable(username)
    except AccountError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"disabled '{user.username}'")


@users_app.command("sign-out")
def users_sign_out(
    username: Annotated[str, typer.Argument(help="The account to sign out.", show_default=False)],
    home: HomeOption = None,
) -> None:
    """End every signed-in session of an account (a lost laptop, a shared screen) without disabling it."""
    store = _accounts(home)
    if store.get_user(username) is None:
        typer.echo(f"error: there is no user '{username.strip().lower()}'", err=True)
        raise typer.Exit(1)
    ended = store.end_sessions(username)
    typer.echo(f"signed '{username.strip().lower()}' out of {ended} session(s)")


@app.command()
def assign(
    username: Annotated[str, typer.Argument(help="The reviewer.", show_default=False)],
    submission_id: Annotated[str, typer.Argument(help="signatory|stage|sha256 (quote it in the shell).",
                                                 show_default=False)],
    remove: Annotated[bool, typer.Option("--remove", help="Take the submission back instead.")] = False,
    home: HomeOption = None,
) -> None:
    """Assign a submission to a reviewer (never one of their own institution), or take it back."""
    from dashboards.accounts import AccountError

    store = _accounts(home)
    try:
        if remove:
            done = store.unassign(username, submission_id)
            message = "removed" if done else "was not assigned"
        else:
            done = store.assign(username, submission_id)
            message = "assigned" if done else "already assigned"
    except AccountError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{username.strip().lower()}: {submission_id} {message}")


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
