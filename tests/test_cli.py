"""The `techbench` command line as a lead and a developer use it."""

from __future__ import annotations

import json

from returns import BLANK, NORTHGATE
from typer.testing import CliRunner

from pipeline.cli import app

runner = CliRunner()


def test_validate_example_prints_a_readable_report_and_exits_0():
    result = runner.invoke(app, ["validate", "--stage", "1", str(NORTHGATE)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "VALID" in result.output and "412 technicians in 4 areas" in result.output


def test_validate_json_is_one_array_with_the_documented_keys():
    result = runner.invoke(app, ["validate", "--json", str(NORTHGATE), str(BLANK)])
    assert result.exit_code == 1
    reports = json.loads(result.stdout)
    assert [r["ok"] for r in reports] == [True, False]
    assert set(reports[0]) == {"path", "plugin", "ok", "issues", "return"}
    assert reports[0]["return"]["technicians"]["headcount"] == 412
    assert reports[1]["return"] is not None
    issue = reports[1]["issues"][0]
    assert set(issue) == {"rule", "severity", "field", "location", "message"}


def test_report_lists_errors_with_their_place():
    result = runner.invoke(app, ["validate", str(BLANK)], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "NOT ACCEPTED" in result.output
    assert "table 1, row 3, column 2" in result.output


def test_wrong_usage_exits_2():
    assert runner.invoke(app, ["validate", "--stage", "10", str(NORTHGATE)]).exit_code == 2
    assert runner.invoke(app, ["validate", "--plugin", "nope", str(NORTHGATE)]).exit_code == 2
    assert runner.invoke(app, ["validate"]).exit_code == 2


def test_schema_prints_the_json_schema():
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["title"] == "CanonicalReturn"


def test_plugins_and_rules_are_listed():
    assert "official_form" in runner.invoke(app, ["plugins"]).output
    output = runner.invoke(app, ["rules"], env={"COLUMNS": "200"}).output
    assert "email.format" in output and "signoff.future" in output


def test_templates_are_written_and_read_back(tmp_path):
    for fmt in ("docx", "json", "xlsx"):
        out = tmp_path / f"blank.{fmt}"
        result = runner.invoke(app, ["template", "--format", fmt, "--out", str(out)])
        assert result.exit_code == 0, result.output
        check = json.loads(runner.invoke(app, ["validate", "--json", str(out)]).stdout)[0]
        assert check["plugin"] == "official_form"
        assert {i["rule"] for i in check["issues"]} >= {"required"}, fmt
