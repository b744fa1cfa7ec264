"""``techbench review ...``: the steering group's batch work on peer review rounds (issue 14).

Every command acts as a named steering account (``--as``), whose name the audit trail records;
the store checks the role again at each action. A refused action is one line on stderr and exit
code 1, never a traceback. Everything heavier than typer is imported inside the commands: this
module is loaded at every start of the command line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli.common import HomeOption, fail, home_paths

review_app = typer.Typer(help="Peer review rounds for the steering group: open, assign, track, export, release, "
                              "close (kept in <home>/app.sqlite3).", no_args_is_help=True)
reviewer_app = typer.Typer(help="Reviewer profiles (institution, type, training, load).", no_args_is_help=True)
review_app.add_typer(reviewer_app, name="reviewer")

AsOption = Annotated[str, typer.Option("--as", help="The steering account acting (recorded in the audit trail).",
                                       show_default=False)]
RoundArg = Annotated[str, typer.Argument(help="The round's id (e.g. 2026-07 for the window closing 31 Jul 2026).",
                                         show_default=False)]


class ExportFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


@contextmanager
def _refused() -> Iterator[None]:
    """A ReviewError / AccountError (or a bad value) becomes ``error: ...`` and exit code 1."""
    from dashboards.accounts import AccountError

    try:
        yield
    except (AccountError, ValueError, FileNotFoundError) as exc:
        raise fail(str(exc), 1) from None


def _session(home: Path | None, username: str):
    """(paths, review store, the acting steering account)."""
    from dashboards.accounts import AccountStore
    from dashboards.review import ReviewStore

    paths = home_paths(home)
    with _refused():
        accounts = AccountStore.for_paths(paths)
        actor = accounts.get_user(username)
        if actor is None:
            raise fail(f"there is no user '{username.strip().lower()}'", 1)
        if actor.disabled:
            raise fail(f"'{actor.username}' is disabled", 1)
        if actor.role != "steering":
            raise fail(f"'{actor.username}' is a {actor.role} account: only the steering group runs rounds", 1)
        return paths, ReviewStore.for_paths(paths), actor


def _date(text: str | None, what: str) -> dt.date | None:
    from dashboards.review.reviewers import parse_date

    with _refused():
        return parse_date(text, what)


def _round(store, round_id: str):
    current = store.round(round_id)
    if current is None:
        known = ", ".join(r.id for r in store.rounds()) or "none yet"
        raise fail(f"there is no round {round_id!r} (rounds: {known})", 1)
    return current


def _table(title: str, *columns: str):
    from rich.table import Table

    return Table(*columns, title=title)


def _print(renderable) -> None:
    from rich.console import Console

    Console(soft_wrap=True).print(renderable)


@review_app.command("windows")
def windows_(as_: AsOption, home: HomeOption = None) -> None:
    """Submission windows with accepted submissions, newest first, and the round opened for each."""
    from dashboards.review import windows

    paths, store, _ = _session(home, as_)
    with _refused():
        found = windows.windows(paths)
    rounds = {r.window_closes: r for r in store.rounds() if r.kind == "round"}
    table = _table(f"{len(found)} submission windows", "window closes", "accepted submissions", "round")
    for window, n in found:
        current = rounds.get(window)
        table.add_row(window.isoformat(), str(n), f"{current.id} ({current.status})" if current else "")
    _print(table)


@review_app.command("open")
def open_(
    as_: AsOption,
    window: Annotated[str, typer.Option(help="The window's closing date (YYYY-01-31 or YYYY-07-31).",
                                        show_default=False)],
    review_due: Annotated[str, typer.Option(help="Reviews due (YYYY-MM-DD).", show_default=False)],
    consensus_due: Annotated[str, typer.Option(help="Consensus due (YYYY-MM-DD).", show_default=False)],
    team_size: Annotated[int, typer.Option(min=1, max=9, help="Reviewers per submission, the lead included.")] = 3,
    home: HomeOption = None,
) -> None:
    """Open a round on every accepted submission of a window."""
    from dashboards.review import windows

    paths, store, actor = _session(home, as_)
    day, review, consensus = (_date(window, "--window"), _date(review_due, "--review-due"),
                              _date(consensus_due, "--consensus-due"))
    with _refused():
        windows.check_window(day)
        submissions = windows.window_submissions(paths, day)
        current = store.open_round(actor, day, review, consensus, submissions, team_size=team_size)
    typer.echo(f"opened round {current.id}: {len(submissions)} submissions of the window closing "
               f"{day:%d %b %Y}; reviews due {review:%d %b %Y}, consensus due {consensus:%d %b %Y}; "
               f"teams of {team_size}")


@reviewer_app.command("set")
def reviewer_set(
    username: Annotated[str, typer.Argument(help="The reviewer account.", show_default=False)],
    as_: AsOption,
    institution: Annotated[str, typer.Option(help="The reviewer's own signatory (slug).", show_default=False)],
    type_: Annotated[str, typer.Option("--type", help="Its type (e.g. university, research institute).",
                                       show_default=False)],
    max_load: Annotated[int, typer.Option(min=0, help="Most submissions in a round.", show_default=False)],
    email: Annotated[str | None, typer.Option(help="For reminders.")] = None,
    trained_on: Annotated[str | None, typer.Option(help="Date training was completed (YYYY-MM-DD); "
                                                        "without it the reviewer cannot be assigned.")] = None,
    unavailable: Annotated[bool, typer.Option("--unavailable", help="Not available for rounds now.")] = False,
    home: HomeOption = None,
) -> None:
    """Create or replace a reviewer's profile."""
    _, store, actor = _session(home, as_)
    trained = _date(trained_on, "--trained-on")
    with _refused():
        profile = store.set_profile(actor, username, institution=institution, institution_type=type_,
                                    max_load=max_load, email=email, trained_on=trained, available=not unavailable)
    typer.echo(f"{profile.username}: {profile.institution} ({profile.institution_type}), up to {profile.max_load} "
               f"per round, " + (f"trained {profile.trained_on}" if profile.trained_on else "NOT trained (cannot be "
                                                                                            "assigned)")
               + ("" if profile.available else ", unavailable"))


@review_app.command("conflict")
def conflict(
    username: Annotated[str, typer.Argument(help="The reviewer.", show_default=False)],
    signatory: Annotated[str, typer.Argument(help="The institution they are conflicted with (slug).",
                                             show_default=False)],
    as_: AsOption,
    reason: Annotated[str, typer.Option(help="Why (kept with the conflict).", show_default=False)],
    home: HomeOption = None,
) -> None:
    """Record a reviewer's conflict with an institution: they are never assigned it, nor see it."""
    _, store, actor = _session(home, as_)
    with _refused():
        store.declare_conflict(actor, username, signatory, reason)
    typer.echo(f"{username.strip().lower()}: conflict with {signatory} recorded")


@review_app.command("propose")
def propose(round_id: RoundArg, as_: AsOption, home: HomeOption = None) -> None:
    """Propose teams for the round's unconfirmed submissions (saved as proposed; confirm to assign)."""
    _, store, actor = _session(home, as_)
    with _refused():
        proposal = store.propose_teams(actor, round_id)
        labels = {s.submission_id: s.label for s in store.round_submissions(round_id)}
    table = _table(f"round {round_id}: {len(proposal.teams)} teams proposed", "submission", "lead", "members")
    for sid, team in sorted(proposal.teams.items(), key=lambda kv: labels.get(kv[0], kv[0])):
        table.add_row(labels.get(sid, sid), team.lead or "(none)", ", ".join(team.members[1:]))
    _print(table)
    loads = _table("loads", "reviewer", "submissions")
    for name, load in sorted(proposal.loads.items()):
        loads.add_row(name, str(load))
    _print(loads)
    for short in proposal.shortfalls:
        why = ", ".join(f"{n} {reason}" for reason, n in short.reasons.items()) or "no reviewers at all"
        typer.echo(f"short: {labels.get(short.submission, short.submission)}: {short.found} of {short.needed} "
                   f"reviewers found; kept away: {why}")
    for sid in proposal.single_type:
        typer.echo(f"one type only: {labels.get(sid, sid)} (every reviewer from the same type of institution)")
    if not proposal.shortfalls:
        typer.echo("every team is full")
    typer.echo(f"adjust in the dashboard if needed, then: techbench review confirm {round_id} --as {actor.username}")


@review_app.command("confirm")
def confirm(round_id: RoundArg, as_: AsOption, home: HomeOption = None) -> None:
    """Confirm every proposed team member: each is asked to declare before opening the submission."""
    _, store, actor = _session(home, as_)
    with _refused():
        n = store.confirm_teams(actor, round_id)
    typer.echo(f"round {round_id}: {n} team member(s) confirmed")


@review_app.command("status")
def status(
    round_id: RoundArg,
    as_: AsOption,
    today: Annotated[str | None, typer.Option(help="Count overdue as of this date (default: today).")] = None,
    home: HomeOption = None,
) -> None:
    """Each submission's review state, its team, and what is due or overdue."""
    from collections import Counter

    _, store, actor = _session(home, as_)
    day = _date(today, "--today")
    current = _round(store, round_id)
    with _refused():
        states = store.states(actor, round_id, day)
    table = _table(f"round {current.id} ({current.status}): reviews due {current.review_due}, consensus due "
                   f"{current.consensus_due}", "submission", "state", "lead", "team", "reviews", "due")
    for s in states:
        table.add_row(s.label, s.state, s.lead or "", ", ".join(s.team),
                      f"{s.reviews_submitted} submitted, {s.reviews_started} started",
                      ("OVERDUE " if s.overdue else "") + (s.due.isoformat() if s.due else ""))
    _print(table)
    counts = Counter(s.state for s in states)
    typer.echo(", ".join(f"{n} {state}" for state, n in counts.items()) + f"; {sum(s.overdue for s in states)} overdue")


@review_app.command("remind")
def remind(
    as_: AsOption,
    today: Annotated[str | None, typer.Option(help="Remind as of this date (default: today).")] = None,
    dashboard_url: Annotated[str | None, typer.Option(help="The dashboard's address, for the messages.")] = None,
    home: HomeOption = None,
) -> None:
    """Remind everyone of what is due within 7 days or overdue in open rounds (kept in the outbox; e-mailed when on)."""
    from collections import Counter

    from pipeline.review.reminders import mail_settings

    _, store, actor = _session(home, as_)
    day = _date(today, "--today")
    with _refused():
        settings = mail_settings()
        entries = store.send_reminders(actor, day, settings, dashboard_url)
    typer.echo("e-mail is on: sending through " + f"{settings.host}:{settings.port}" if settings.enabled else
               "e-mail is off (set TECHBENCH_SMTP_HOST and TECHBENCH_SMTP_SENDER): reminders kept in the outbox only")
    for entry in entries:
        typer.echo(f"{entry.status}: {entry.recipient} <{entry.address or 'no address'}>: {entry.subject}"
                   + (f" ({entry.detail})" if entry.detail else ""))
    counts = Counter(e.status for e in entries)
    typer.echo(f"{len(entries)} reminder(s): " + (", ".join(f"{n} {s}" for s, n in counts.items()) or "nothing due"))


@review_app.command("export")
def export(
    round_id: RoundArg,
    as_: AsOption,
    out: Annotated[Path, typer.Option(help="The file to write (CSV: the comments go beside it, "
                                           "<name>-comments.csv).", show_default=False)],
    format_: Annotated[ExportFormat, typer.Option("--format", help="csv or xlsx.")] = ExportFormat.csv,
    home: HomeOption = None,
) -> None:
    """Every score and comment of a round, reviewers' and the consensus's (formula-safe)."""
    import polars as pl

    from pipeline.benchmarks.export import to_bytes_csv, to_bytes_xlsx

    _, store, actor = _session(home, as_)
    _round(store, round_id)
    with _refused():
        scores, comments = store.score_rows(actor, round_id), store.comment_rows(actor, round_id)
    score_cols = ("submission_id", "signatory", "stage", "reviewer", "state", "theme", "level", "strengths",
                  "areas_to_develop")
    comment_cols = ("submission_id", "signatory", "stage", "reviewer", "theme", "anchor", "comment", "created_at")

    def frame(rows: list[dict], columns: tuple[str, ...]) -> pl.DataFrame:
        types = {c: (pl.Int64 if c in ("stage", "level") else pl.String) for c in columns}
        return pl.DataFrame(rows, schema=types) if rows else pl.DataFrame(schema=types)

    note = [f"peer review round {round_id}: SYNTHETIC demo data unless your home holds real returns"]
    written = []
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if format_ is ExportFormat.xlsx:
            out.write_bytes(to_bytes_xlsx({"scores": frame(scores, score_cols),
                                           "comments": frame(comments, comment_cols)}, notes=note))
            written.append(out)
        else:
            beside = out.with_name(f"{out.stem}-comments{out.suffix or '.csv'}")
            out.write_bytes(to_bytes_csv(frame(scores, score_cols), bom=True))
            beside.write_bytes(to_bytes_csv(frame(comments, comment_cols), bom=True))
            written += [out, beside]
    except OSError as exc:
        raise fail(f"cannot write {out}: {exc}", 1) from None
    typer.echo(f"round {round_id}: {len(scores)} score rows and {len(comments)} comments written to "
               + " and ".join(str(p) for p in written))


@review_app.command("release")
def release(
    round_id: RoundArg,
    submission_id: Annotated[str, typer.Argument(help="signatory|stage|sha256 (quote it in the shell).",
                                                 show_default=False)],
    as_: AsOption,
    home: HomeOption = None,
) -> None:
    """Release an agreed consensus's feedback report to the institution."""
    _, store, actor = _session(home, as_)
    with _refused():
        store.release(actor, round_id, submission_id)
        current = store.round(round_id)
    typer.echo(f"released the feedback on {submission_id} to the institution"
               + ("; every report is released, so the round is closed" if current.status == "closed" else ""))


@review_app.command("close")
def close(round_id: RoundArg, as_: AsOption, home: HomeOption = None) -> None:
    """Close a round (every submission's feedback released)."""
    _, store, actor = _session(home, as_)
    with _refused():
        store.close_round(actor, round_id)
    typer.echo(f"round {round_id} closed")
