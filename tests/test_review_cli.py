"""``techbench review ...``: the steering group's batch commands, run with typer's CliRunner on a
temporary home holding a small published SYNTHETIC snapshot (built once for the module)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil

import pytest
from argon2 import PasswordHasher
from typer.testing import CliRunner

from dashboards.accounts import AccountStore
from dashboards.review import ReviewStore, windows
from dashboards.review.scoring import ThemeScore
from pipeline.cli import app
from pipeline.review.rubric import load_rubric
from pipeline.settings import Paths

runner = CliRunner()
PASSWORD = "correct horse battery"
FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)  # test accounts only
ENV = {"COLUMNS": "250", "TECHBENCH_SMTP_HOST": "", "TECHBENCH_SMTP_SENDER": ""}


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    """A published snapshot of a small SYNTHETIC sector (8 signatories), and its busiest window."""
    from dashboard_support import build_home

    built = build_home(tmp_path_factory.mktemp("review-cli"), signatories=8, stages=3)
    window, n = max(windows.windows(built.paths), key=lambda wn: (wn[1], wn[0]))
    assert n >= 3
    return built.paths.snapshot, window


@pytest.fixture
def home(tmp_path, snapshot):
    """A fresh home on the shared snapshot: steering 'chair', reviewers, one institution account."""
    paths = Paths.from_env(tmp_path / "home")
    paths.snapshot_dir.mkdir(parents=True)
    shutil.copyfile(snapshot[0], paths.snapshot)
    accounts = AccountStore.for_paths(paths, hasher=FAST)
    accounts.add_user("chair", PASSWORD, "steering")
    for name in ("ria", "sam", "tove", "ugo", "vic"):
        accounts.add_user(name, PASSWORD, "reviewer")
    accounts.add_user("inst", PASSWORD, "institution", "imperial")
    return paths, snapshot[1]


def run(paths, *args: str):
    result = runner.invoke(app, ["review", *args, "--home", str(paths.home)], env=ENV)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def ok(paths, *args: str) -> str:
    result = run(paths, *args)
    assert result.exit_code == 0, result.output
    return result.output


def refused(paths, *args: str) -> str:
    result = run(paths, *args)
    assert result.exit_code == 1, result.output
    assert result.output.startswith("error: ")
    return result.output


def profiles(paths) -> None:
    for name, home, kind in (("ria", "essex", "university"), ("sam", "fenwick-institute", "university"),
                             ("tove", "northmoor-university", "research institute"),
                             ("ugo", "glasgow-school-of-art", "college")):
        ok(paths, "reviewer", "set", name, "--as", "chair", "--institution", home, "--type", kind, "--max-load", "3",
           "--trained-on", "2025-01-01", "--email", f"{name}@example.invalid")
    out = ok(paths, "reviewer", "set", "vic", "--as", "chair", "--institution", "robert-gordon-university",
             "--type", "university", "--max-load", "3")
    assert "NOT trained" in out


def test_the_review_commands_are_listed():
    result = runner.invoke(app, ["review", "--help"], env=ENV)
    assert result.exit_code == 0
    for command in ("windows", "open", "reviewer", "conflict", "propose", "confirm", "status", "remind", "export",
                    "release", "close"):
        assert f" {command} " in result.output, command
    top = runner.invoke(app, ["--help"], env=ENV)
    assert " review " in top.output


def test_a_round_from_opening_to_closing(home, tmp_path):
    paths, window = home
    out = ok(paths, "windows", "--as", "chair")
    assert window.isoformat() in out
    profiles(paths)
    ok(paths, "conflict", "sam", "imperial", "--as", "chair", "--reason", "former employer")
    out = ok(paths, "open", "--as", "chair", "--window", window.isoformat(), "--review-due", "2030-03-01",
             "--consensus-due", "2030-04-01")
    round_id = window.strftime("%Y-%m")
    assert f"opened round {round_id}" in out
    assert f"{round_id} (open)" in ok(paths, "windows", "--as", "chair")
    refused_twice = refused(paths, "open", "--as", "chair", "--window", window.isoformat(), "--review-due",
                            "2030-03-01", "--consensus-due", "2030-04-01")
    assert "already open" in refused_twice

    out = ok(paths, "propose", round_id, "--as", "chair")
    assert "teams proposed" in out and "loads" in out
    assert "short:" in out or "every team is full" in out
    store, accounts = ReviewStore.for_paths(paths), AccountStore.for_paths(paths)
    members = store.members(round_id)
    assert "vic" not in {m.username for m in members}  # untrained
    subs = {s.submission_id: s for s in store.round_submissions(round_id)}
    for m in members:
        assert subs[m.submission_id].signatory != store.profile(m.username).institution
        assert not (m.username == "sam" and subs[m.submission_id].signatory == "imperial")
    assert "confirmed" in ok(paths, "confirm", round_id, "--as", "chair")

    out = ok(paths, "status", round_id, "--as", "chair", "--today", "2030-03-02")
    assert "assigned" in out and "OVERDUE" in out
    out = ok(paths, "remind", "--as", "chair", "--today", "2030-02-25")
    assert "e-mail is off" in out and "not sent" in out
    assert store.outbox(accounts.get_user("chair"))

    # one team reviews (through the store, as the dashboard does), with a narrative that looks like a formula
    target = next(sid for sid in subs if store.members(round_id, sid))
    team = [accounts.get_user(m.username) for m in store.members(round_id, target)]
    rubric = load_rubric()
    themes = {t.id: ThemeScore(3, "=HYPERLINK(\"http://x\")", "more dated actions") for t in rubric.themes}
    for user in team:
        store.declare(user, round_id, target, conflict=False)
        store.save_draft(user, round_id, target, themes)
        if user == team[0]:
            store.add_comment(user, round_id, target, rubric.themes[0].id, "Action 2", "@SUM(1,2)")
        store.submit_review(user, round_id, target)
    out = refused(paths, "release", round_id, target, "--as", "chair")
    assert "only an agreed consensus" in out
    store.save_consensus(team[0], round_id, target, themes=themes, summary="fine", outcome=rubric.outcomes[0],
                         agree=True)

    out_csv = tmp_path / "out" / "scores.csv"
    out = ok(paths, "export", round_id, "--as", "chair", "--format", "csv", "--out", str(out_csv))
    rows = list(csv.DictReader(io.StringIO(out_csv.read_text(encoding="utf-8-sig"))))
    assert {r["reviewer"] for r in rows} == {u.username for u in team} | {"(consensus)"}
    assert all(r["strengths"] == "'=HYPERLINK(\"http://x\")" for r in rows)  # formula-safe
    comments = list(csv.DictReader(io.StringIO((tmp_path / "out" / "scores-comments.csv").read_text("utf-8-sig"))))
    assert [(c["anchor"], c["comment"]) for c in comments] == [("Action 2", "'@SUM(1,2)")]
    out_xlsx = tmp_path / "out" / "scores.xlsx"
    ok(paths, "export", round_id, "--as", "chair", "--format", "xlsx", "--out", str(out_xlsx))
    from openpyxl import load_workbook

    book = load_workbook(out_xlsx)
    assert {"scores", "comments"} <= set(book.sheetnames)
    risky = [c for row in book["scores"].iter_rows() for c in row if str(c.value).startswith("=")]
    assert risky and all(c.data_type == "s" and c.quotePrefix for c in risky)  # text, never a formula

    assert "released" in ok(paths, "release", round_id, target, "--as", "chair")
    if len(subs) > 1:
        assert "no released feedback yet" in refused(paths, "close", round_id, "--as", "chair")
    assert "released" in ok(paths, "status", round_id, "--as", "chair")
    audit = store.audit_entries(accounts.get_user("chair"))
    assert {("chair", "review.round.open"), ("chair", "review.assign"), ("chair", "review.release")} <= \
        {(e.actor, e.action) for e in audit}


@pytest.mark.parametrize("args, message", [
    (("windows", "--as", "ria"), "only the steering group"),
    (("windows", "--as", "inst"), "only the steering group"),
    (("windows", "--as", "nobody"), "there is no user 'nobody'"),
    (("open", "--as", "chair", "--window", "2026-07-30", "--review-due", "2026-09-01", "--consensus-due",
      "2026-10-01"), "is not a submission window"),
    (("open", "--as", "chair", "--window", "31/07/2026", "--review-due", "2026-09-01", "--consensus-due",
      "2026-10-01"), "--window: '31/07/2026' is not a date"),
    (("open", "--as", "chair", "--window", "2015-07-31", "--review-due", "2026-09-01", "--consensus-due",
      "2026-10-01"), "no accepted submissions"),
    (("reviewer", "set", "inst", "--as", "chair", "--institution", "essex", "--type", "university", "--max-load",
      "2"), "not a reviewer account"),
    (("reviewer", "set", "ria", "--as", "chair", "--institution", "Not A Slug", "--type", "university",
      "--max-load", "2"), "not a signatory slug"),
    (("reviewer", "set", "ria", "--as", "chair", "--institution", "essex", "--type", "university", "--max-load",
      "2", "--email", "nope"), "not an e-mail address"),
    (("conflict", "ria", "essex", "--as", "chair", "--reason", "  "), "needs a reason"),
    (("propose", "2099-01", "--as", "chair"), "no round '2099-01'"),
    (("status", "2099-01", "--as", "chair"), "no round '2099-01'"),
    (("export", "2099-01", "--as", "chair", "--out", "x.csv"), "no round '2099-01'"),
    (("close", "2099-01", "--as", "chair"), "no round '2099-01'"),
    (("release", "2099-01", "imperial|1|x", "--as", "chair"), "no round '2099-01'"),
])
def test_refusals_are_one_error_line_and_exit_code_1(home, args, message):
    paths, _ = home
    assert message in refused(home[0], *args)


def test_a_disabled_steering_account_is_refused(home):
    paths, _ = home
    AccountStore.for_paths(paths).disable("chair")
    assert "disabled" in refused(paths, "windows", "--as", "chair")


def test_remind_says_when_e_mail_is_on(home):
    paths, window = home
    profiles(paths)
    ok(paths, "open", "--as", "chair", "--window", window.isoformat(), "--review-due",
       (dt.date.today() + dt.timedelta(days=3)).isoformat(), "--consensus-due",
       (dt.date.today() + dt.timedelta(days=20)).isoformat())
    ok(paths, "propose", window.strftime("%Y-%m"), "--as", "chair")
    ok(paths, "confirm", window.strftime("%Y-%m"), "--as", "chair")
    env = {**ENV, "TECHBENCH_SMTP_HOST": "127.0.0.1", "TECHBENCH_SMTP_PORT": "1", "TECHBENCH_SMTP_SENDER":
           "review@example.invalid"}
    result = runner.invoke(app, ["review", "remind", "--as", "chair", "--home", str(paths.home)], env=env)
    assert result.exit_code == 0, result.output
    assert "e-mail is on" in result.output and "failed" in result.output  # nothing listens on port 1
    bad = runner.invoke(app, ["review", "remind", "--as", "chair", "--home", str(paths.home)],
                        env={**ENV, "TECHBENCH_SMTP_PORT": "many"})
    assert bad.exit_code == 1 and "TECHBENCH_SMTP_PORT" in bad.output and "Traceback" not in bad.output
