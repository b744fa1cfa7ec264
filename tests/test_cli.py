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


# --- commands contributed through the techbench_register_commands hook ----------------------------

import importlib.metadata  # noqa: E402
import sys  # noqa: E402
import types  # noqa: E402

import pytest  # noqa: E402
import typer  # noqa: E402

from pipeline.kit.hooks import COMMANDS_ENTRY_POINT_GROUP, ENTRY_POINT_GROUP, PluginInfo, hookimpl  # noqa: E402


def test_contributed_commands_are_listed_with_the_built_in_ones():
    result = runner.invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for command in ("validate", "run", "benchmarks",  # built in
                    "serve", "demo", "users", "assign",  # the dashboard's package
                    "template", "mapping"):  # plugins: the official form, the mapped workbook
        assert f" {command} " in result.output, command


def test_the_dashboards_users_command_works_through_the_hook(tmp_path):
    home = ["--home", str(tmp_path)]
    added = runner.invoke(app, ["users", "add", "ana", "--role", "steering", "--password-stdin", *home],
                          input="a long enough passphrase 42\n")
    assert added.exit_code == 0, added.output
    assert added.stdout == "added steering 'ana'\n"
    listed = runner.invoke(app, ["users", "list", *home], env={"COLUMNS": "200"})
    assert listed.exit_code == 0 and "ana" in listed.stdout and "1 accounts" in listed.stdout


def package(monkeypatch, name: str, register=None, info: PluginInfo | None = None) -> str:
    """An importable module ``name`` whose hooks add commands with ``register(cli)`` (and describe a
    plugin with ``info``); returns its entry-point value."""
    module = types.ModuleType(name)
    if register:
        module.techbench_register_commands = hookimpl(lambda cli: register(cli))
    if info:
        module.techbench_plugin_info = hookimpl(lambda: info)
    monkeypatch.setitem(sys.modules, name, module)
    return name


def install(monkeypatch, faked: str, *entry_points: tuple[str, str], keep_real: bool = False) -> None:
    """Pretend these (name, module) entry points are what is installed in the group ``faked`` (with
    the real ones too if ``keep_real``); the other groups stay as they really are."""
    real = importlib.metadata.entry_points
    fake = [importlib.metadata.EntryPoint(name, value, faked) for name, value in entry_points]

    def entry_points_(group: str):
        if group != faked:
            return real(group=group)
        return [*real(group=group), *fake] if keep_real else fake

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points_)


def hello(cli: typer.Typer) -> None:
    @cli.command()
    def hello() -> None:
        """Say hello."""
        typer.echo("hello")


def half_then_raise(cli: typer.Typer) -> None:
    cli.command("half")(lambda: None)
    raise RuntimeError("bug in the hook")


def take_validate(cli: typer.Typer) -> None:
    cli.command("validate")(lambda: typer.echo("not the real validate"))


def test_a_broken_command_package_is_left_out_with_one_line_and_the_rest_still_works(monkeypatch):
    install(monkeypatch, COMMANDS_ENTRY_POINT_GROUP,
            ("greeter", package(monkeypatch, "fake_greeter", hello)),
            ("missing", "no_such_package.commands"),  # installed, but its module cannot be imported
            ("buggy", package(monkeypatch, "fake_buggy", half_then_raise)),
            ("greedy", package(monkeypatch, "fake_greedy", take_validate)),
            ("empty", package(monkeypatch, "fake_empty")))  # no hook at all
    result = runner.invoke(app, ["hello"])
    assert result.exit_code == 0 and result.stdout == "hello\n"
    warnings = result.stderr.splitlines()
    assert len(warnings) == 4, warnings
    assert all(line.startswith("warning: ") for line in warnings)
    said = "\n".join(warnings)
    assert "'missing' could not be loaded" in said and "No module named 'no_such_package'" in said
    assert "'buggy' are left out" in said and "bug in the hook" in said
    assert "'greedy' adds a command 'validate' that already exists" in said
    assert "'empty' could not be loaded" in said and "techbench_register_commands" in said
    assert "Traceback" not in result.output
    # the hook that raised halfway left nothing behind
    assert runner.invoke(app, ["half"]).exit_code == 2
    # the built-in validate is the real one, and a plugin's command is still there
    assert "VALID" in runner.invoke(app, ["validate", str(NORTHGATE)], env={"COLUMNS": "200"}).stdout
    assert runner.invoke(app, ["template", "--help"]).exit_code == 0


def test_a_plugin_that_fails_to_load_or_to_add_its_commands_never_stops_the_others(monkeypatch, tmp_path):
    raising = package(monkeypatch, "fake_raising_plugin", half_then_raise,
                      info=PluginInfo(name="raising", version="0.1", formats=["csv"]))
    install(monkeypatch, ENTRY_POINT_GROUP, ("raising", raising), ("unimportable", "no_such_plugin.plugin"),
            keep_real=True)
    out = tmp_path / "blank.json"
    result = runner.invoke(app, ["template", "--format", "json", "--out", str(out)])
    assert result.exit_code == 0 and out.is_file()
    [unimportable] = [line for line in result.stderr.splitlines() if "'unimportable'" in line]
    assert unimportable.startswith("warning: plugin 'unimportable' could not be loaded and is left out")
    [raising] = [line for line in result.stderr.splitlines() if "'raising'" in line]
    assert "are left out" in raising and "bug in the hook" in raising
    # the plugin's reader is not affected by its broken commands; --json output stays one document
    checked = runner.invoke(app, ["validate", "--json", str(NORTHGATE)])
    assert checked.exit_code == 0 and json.loads(checked.stdout)[0]["ok"] is True
    assert "'unimportable'" in checked.stderr


@pytest.mark.parametrize("typo", ["user", "templat"])
def test_an_unknown_command_suggests_contributed_ones_too(typo):
    result = runner.invoke(app, [typo])
    assert result.exit_code == 2
    assert "No such command" in result.output and "Did you mean" in result.output


def test_validate_starts_without_loading_contributed_commands_or_heavy_libraries():
    """`techbench validate` is what a lead runs most: its start-up pays for no dashboard, database
    or orchestration library, for no other package's commands, and for no reader of a file type
    it was not given (a Word return needs neither the spreadsheet libraries nor polars)."""
    import subprocess

    script = ("import sys\nfrom pipeline.cli import app\n"
              "try:\n    app(['validate', '--json', sys.argv[1]])\nexcept SystemExit:\n    pass\n"
              "heavy = ('dashboards', 'streamlit', 'dagster', 'duckdb', 'great_expectations',\n"
              "         'openpyxl', 'python_calamine', 'polars', 'numpy', 'docx', 'pdfplumber', 'odfdo')\n"
              "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy), file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", script, str(NORTHGATE)], capture_output=True, text=True,
                          timeout=120)
    assert json.loads(proc.stdout)[0]["ok"] is True, proc.stderr
    assert proc.stderr.splitlines()[-1] == "[]"
