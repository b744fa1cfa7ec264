"""One way in: a file handed in is checked, landed and reported the same whichever door it came through."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from pipeline.handin import context, submit
from pipeline.handin.landing import scan
from pipeline.kit import SourceFile
from pipeline.registry import Registry
from pipeline.run import run_pipeline
from pipeline.settings import Paths

SAMPLES = Path(__file__).resolve().parent.parent / "plugins" / "official_form" / "samples"
NORTHGATE = SAMPLES / "example_return_northgate_stage1.docx"
BLANK = SAMPLES / "self_assessment_form_stage1_blank.docx"


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.from_entry_points()


@pytest.fixture
def paths(tmp_path) -> Paths:
    return Paths.from_env(tmp_path)


def test_a_checked_file_is_landed_then_reported_through_to_the_pipeline_s_verdict(paths, registry):
    result = submit.hand_in_file(NORTHGATE, "imperial", 1, "lead@imperial", paths, registry)
    assert result.report.ok and result.landed is not None and result.state == submit.WAITING
    [status] = submit.statuses(paths, "imperial")
    assert (status.state, status.original_name, status.stage) == (submit.WAITING, NORTHGATE.name, 1)
    assert submit.pending(paths) == [status.submission_id]

    assert run_pipeline(paths, quality=False).success
    [status] = submit.statuses(paths, "imperial")
    assert status.state == "accepted" and status.errors == 0 and status.processed_at
    assert submit.pending(paths) == []
    again = submit.hand_in_file(NORTHGATE, "imperial", 1, "lead@imperial", paths, registry)
    assert again.landed is not None and not again.landed.new and "one submission" in again.state


def test_a_file_the_check_refuses_is_not_landed_and_says_why(paths, registry):
    result = submit.hand_in_file(BLANK, "imperial", 1, "lead@imperial", paths, registry)
    assert result.landed is None and result.state == "refused" and result.refused
    assert result.report.errors and all(i.location for i in result.report.errors)
    assert scan(paths.landing) == [] and submit.statuses(paths) == []


def test_an_unchecked_hand_in_lands_and_the_pipeline_records_the_rejection(paths, registry):
    result = submit.hand_in_file(BLANK, "imperial", 1, "operator", paths, registry, check=False,
                                 received=dt.datetime(2025, 3, 1, 12, tzinfo=dt.UTC))
    assert result.report is None and result.landed is not None
    assert result.landed.received_at.startswith("2025-03-01")
    assert run_pipeline(paths, quality=False).success
    [status] = submit.statuses(paths)
    assert status.state == "rejected" and status.errors > 0


def test_limits_apply_before_anything_is_read_or_landed(paths, registry, monkeypatch):
    monkeypatch.setenv("TECHBENCH_MAX_FILE_MB", "0.001")
    for check in (True, False):
        result = submit.hand_in_file(NORTHGATE, "imperial", 1, "lead", paths, registry, check=check)
        assert result.landed is None and "the limit is" in result.refused
    result = submit.hand_in(SourceFile(NORTHGATE.name, NORTHGATE.read_bytes()), "imperial", 1, "lead", paths,
                            registry, check=False)
    assert result.landed is None and result.refused
    assert scan(paths.landing) == []


def test_a_bad_slug_or_stage_is_refused_with_a_reason(paths, registry):
    for signatory, stage in (("../etc", 1), ("imperial", 0), ("imperial", 99)):
        result = submit.hand_in_file(NORTHGATE, signatory, stage, "lead", paths, registry, check=False)
        assert result.landed is None and result.refused
    assert scan(paths.landing) == []


def test_the_parse_context_names_the_signatory_as_the_register_does(paths):
    names = context.signatory_names(paths.register)
    made = context.parse_context("imperial", 2, names, dt.date(2024, 5, 1))
    assert made.signatory_name == names["imperial"] == "Imperial College London"
    assert (made.stage, made.received) == (2, dt.date(2024, 5, 1))
    assert context.parse_context("nobody-knows", 1, names).signatory_name is None
    assert context.signatory_names(paths.home / "missing.csv") == {}


def test_ingest_and_status_on_the_command_line_use_the_same_path(paths):
    from typer.testing import CliRunner

    from pipeline.cli import app

    runner = CliRunner()
    home = ["--home", str(paths.home)]
    checked = runner.invoke(app, ["ingest", "--check", "--signatory", "imperial", "--stage", "1", *home,
                                  str(BLANK), str(NORTHGATE)], env={"COLUMNS": "200"})
    assert checked.exit_code == 1
    assert f"{BLANK}: not landed: the check found errors" in checked.stderr
    assert "table 1, row 3, column 2" in checked.stderr  # the report says where, before anything lands
    assert f"{NORTHGATE}: landed as" in checked.stdout
    unchecked = runner.invoke(app, ["ingest", "--signatory", "imperial", "--stage", "1", "--received", "2025-03-01",
                                    *home, str(BLANK)])
    assert unchecked.exit_code == 0 and f"{BLANK}: landed as" in unchecked.stdout
    listed = runner.invoke(app, ["status", "--json", *home])
    assert listed.exit_code == 0
    rows = json.loads(listed.stdout)
    assert [(r["original_name"], r["state"]) for r in rows] == [(BLANK.name, submit.WAITING),
                                                                (NORTHGATE.name, submit.WAITING)]
    assert runner.invoke(app, ["status", "--signatory", "essex", "--json", *home]).stdout.strip() == "[]"


def test_submission_ids_are_made_and_read_in_one_place():
    from pipeline import ids

    sha = "a" * 64
    made = ids.submission_id("imperial", 3, sha)
    assert made == f"imperial|3|{sha}" and ids.parse_submission_id(made) == ("imperial", 3, sha)
    assert ids.submission_signatory(made) == "imperial" and ids.submission_stage(made) == "3"
    for bad in ("imperial|3|short", f"Imperial|3|{sha}", f"imperial|x|{sha}", f"../x|1|{sha}", "", f"imperial|3|{sha}|x"):
        assert ids.parse_submission_id(bad) is None, bad
    assert ids.is_slug("queen-mary") and not any(ids.is_slug(s) for s in ("", "Queen", "-x", "a/b", None, "a" * 61))


def test_the_audit_trail_keeps_every_change_in_order_and_survives_a_torn_line(paths):
    from pipeline.programme import audit

    audit.record(paths, "steer", "signatory.add", "york", {"name": "University of York"})
    audit.record(paths, "steer", "extension.grant", "essex", {"stage": 3, "reason": "flood"})
    with (paths.home / audit.FILE_NAME).open("a") as fh:
        fh.write('{"at": "2026-')  # a crash mid-write
    audit.record(paths, "ops", "signatory.correct", "york", {"ukprn": ["", "10007167"]})
    assert [(e.actor, e.action, e.subject) for e in audit.entries(paths)] == [
        ("steer", "signatory.add", "york"), ("steer", "extension.grant", "essex"), ("ops", "signatory.correct", "york")]
    assert [e.action for e in audit.entries(paths, subject="york")] == ["signatory.add", "signatory.correct"]
    assert [e.subject for e in audit.entries(paths, action_prefix="extension.")] == ["essex"]
