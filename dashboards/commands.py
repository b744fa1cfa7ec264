"""The dashboard's commands: ``serve``, ``demo``, ``users`` and ``assign``.

Added to ``techbench`` through the ``techbench.commands`` entry point (see pyproject.toml). Loaded
at start-up whenever a command is not built in, so everything heavier than typer is imported
inside the commands.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli.common import HomeOption, Role, fail, home_paths, installed_plugins
from pipeline.kit.hooks import hookimpl

#: What the demo's data is, printed beside its summary.
DEMO_NOTE = {
    "real": "The register (names, UKPRNs, signing dates, sources) and the HESA figures the headcounts are "
            "drawn near are REAL; every return, person, figure and plan is SYNTHETIC.",
    "fictional": "The register and every return are SYNTHETIC (made up), apart from the seed facts.",
}
#: The shared example return the demo checks first: what a lead sees.
EXAMPLE = Path(__file__).resolve().parent.parent / "plugins" / "official_form" / "samples" / \
    "example_return_northgate_stage1.docx"


def demo(
    sector: Annotated[str, typer.Option(help="real: the register's real signatories with SYNTHETIC returns; "
                                             "fictional: a made-up register.")] = "real",
    signatories_: Annotated[int | None, typer.Option(
        "--signatories", min=1, help="How many signatories (real: the register's first N, default all; "
                                     "fictional: default 150).")] = None,
    stages: Annotated[int, typer.Option(min=1, max=9)] = 3,
    seed: Annotated[int, typer.Option()] = 1,
    serve: Annotated[bool, typer.Option(help="Serve the dashboard after the run.")] = True,
    port: Annotated[int, typer.Option(min=1, max=65535, help="The dashboard's port.")] = 8501,
    address: Annotated[str, typer.Option(help="Interface the dashboard listens on.")] = "127.0.0.1",
    home: HomeOption = None,
) -> None:
    """Generate SYNTHETIC returns (for the real register by default), hand them in, run the pipeline,
    create demo accounts and serve the dashboard."""
    import datetime as dt
    import shutil

    from rich.console import Console

    from dashboards.demo import create_demo_accounts
    from pipeline.cli.pipeline import run_and_report
    from pipeline.handin.landing import land_file
    from pipeline.kit.hooks import ParseContext
    from pipeline.synthetic import SECTORS, read_manifest
    from pipeline.synthetic import generate as make_sector
    from pipeline.validation.report import render
    from pipeline.validation.validate import validate_path

    typer.echo("1. What a lead sees: the shared example return, checked")
    render(validate_path(EXAMPLE, installed_plugins(), context=ParseContext(stage=1)), Console())
    if sector not in SECTORS:
        raise fail(f"--sector must be one of {', '.join(SECTORS)}", 2)
    typer.echo("\n2. The sector: SYNTHETIC returns are generated, handed in and run through the pipeline")
    paths = home_paths(home)
    out = paths.home / "synthetic"
    written = make_sector(out, signatories_, stages, seed, sector=sector)
    paths.home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(out / "register.csv", paths.home / "register.csv")
    rows = read_manifest(out)
    new = 0
    for row in rows:
        received = dt.datetime.combine(dt.date.fromisoformat(row["received"]), dt.time(12), dt.UTC)
        new += land_file(out / row["file"], row["signatory"], int(row["stage"]), paths.landing,
                         "synthetic sector generator", received=received).new
    typer.echo(f"SYNTHETIC returns for {written.signatories} signatories: {len(rows)} returns written "
               f"({written.defective} with a seeded defect); {new} newly landed in {paths.landing}")
    typer.echo(DEMO_NOTE[sector] + f" What is real and what drawn, row by row: {out / 'manifest.csv'}")
    summary = run_and_report(paths, None, True)
    if not summary.success:
        raise typer.Exit(1)
    typer.echo("\n3. The dashboard: demo accounts (new passwords each demo; also in "
               f"{paths.home / 'demo-logins.txt'})")
    _print_logins(create_demo_accounts(paths))
    if serve:
        _serve(paths, port, address)


def serve(
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8501,
    address: Annotated[str, typer.Option(help="Interface to listen on (0.0.0.0 for every one).")] = "127.0.0.1",
    home: HomeOption = None,
) -> None:
    """Serve the dashboard on the published snapshot, and run the pipeline when files are handed in."""
    from dashboards.demo import saved_logins

    paths = home_paths(home)
    if logins := saved_logins(paths):
        _print_logins(logins)
    _serve(paths, port, address)


def _print_logins(logins) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("username", "password", "role", "sees", title="Demo accounts (SYNTHETIC returns)")
    for login in logins:
        table.add_row(login.username, login.password, login.role, login.note)
    Console().print(table)


def _serve(paths, port: int, address: str) -> None:
    from dashboards.serve import serve as run_server

    raise typer.Exit(run_server(paths, port, address, report=typer.echo))


# --- accounts -------------------------------------------------------------------------------------

users_app = typer.Typer(help="Local accounts for the dashboard (kept in <home>/app.sqlite3).", no_args_is_help=True)


def _accounts(home: Path | None):
    from dashboards.accounts import AccountError, AccountStore

    try:
        return AccountStore.for_paths(home_paths(home))
    except (AccountError, OSError) as exc:
        raise fail(f"cannot open the accounts store: {exc}", 1) from None


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
        raise fail(str(exc), 1) from None
    typer.echo(f"added {user.role} '{user.username}'" + (f" ({user.signatory})" if user.signatory else ""))


@users_app.command("list")
def users_list(home: HomeOption = None) -> None:
    """List the accounts (never their passwords or hashes)."""
    from rich.console import Console
    from rich.table import Table

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
        raise fail(str(exc), 1) from None
    typer.echo(f"disabled '{user.username}'")


@users_app.command("sign-out")
def users_sign_out(
    username: Annotated[str, typer.Argument(help="The account to sign out.", show_default=False)],
    home: HomeOption = None,
) -> None:
    """End every signed-in session of an account (a lost laptop, a shared screen) without disabling it."""
    store = _accounts(home)
    if store.get_user(username) is None:
        raise fail(f"there is no user '{username.strip().lower()}'", 1)
    ended = store.end_sessions(username)
    typer.echo(f"signed '{username.strip().lower()}' out of {ended} session(s)")


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
        raise fail(str(exc), 1) from None
    typer.echo(f"{username.strip().lower()}: {submission_id} {message}")


@hookimpl
def techbench_register_commands(cli: typer.Typer) -> None:
    cli.command()(serve)
    cli.command()(demo)
    cli.add_typer(users_app, name="users")
    cli.command()(assign)
    from dashboards.review_commands import review_app; cli.add_typer(review_app, name="review")  # noqa: E702
