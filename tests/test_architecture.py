"""The house plan holds: layers only look down, plugins build on the public kit, the kit is documented.

See docs/architecture.md for the layers and docs/plugins.md for the kit.
"""

from __future__ import annotations

import ast
import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

import pipeline.kit as kit
from pipeline.kit.hooks import PluginSpec

ROOT = Path(__file__).resolve().parent.parent
PLUGIN_DOCS = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
MAX_LINES = 400
#: Modules allowed past MAX_LINES say why in a line starting with this (e.g. a table of data).
SIZE_REASON = "Longer than 400 lines because"


def python_files(*folders: str) -> list[Path]:
    return sorted(p for f in folders for p in (ROOT / f).rglob("*.py") if "__pycache__" not in p.parts)


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth of the file (function-level imports count)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


def test_the_import_contracts_hold():
    """The layers in pyproject.toml's [tool.importlinter]: pipeline never imports the dashboard or a
    plugin, plugins and the dashboard stay apart, the kit does not lean on the pipeline it serves."""
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--config", str(ROOT / "pyproject.toml"), "--no-cache"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "broken" in result.stdout and " 0 broken" in result.stdout


def test_plugins_import_only_the_kit_and_the_schema():
    allowed = re.compile(r"^pipeline\.(kit|schema)(\..*)?$")
    offences = [f"{path.relative_to(ROOT)} imports {name}"
                for path in python_files("plugins") for name in sorted(imported_modules(path))
                if name.startswith("pipeline.") and not allowed.match(name)]
    assert offences == []


def test_plugins_use_no_private_name_of_the_kit():
    offences = [f"{path.relative_to(ROOT)}: {name}" for path in python_files("plugins")
                for name in sorted(imported_modules(path))
                if name.startswith("pipeline.") and any(part.startswith("_") and not part.startswith("__")
                                                        for part in name.split("."))]
    offences += [f"{path.relative_to(ROOT)}: {m.group(0)}" for path in python_files("plugins")
                 for m in re.finditer(r"\b(?:normalise|workbook|cells|actions|word|odt|pdf|document)\._[a-z]\w*",
                                      path.read_text(encoding="utf-8"))]
    assert offences == []


@pytest.mark.parametrize("hook", [name for name, _ in inspect.getmembers(PluginSpec, inspect.isfunction)
                                  if name.startswith("techbench_")])
def test_every_hook_is_documented(hook):
    assert f"### {hook}\n" in PLUGIN_DOCS, f"docs/plugins.md has no section '### {hook}'"


def test_every_public_name_and_module_of_the_kit_is_documented():
    missing = [name for name in kit.__all__ if f"`{name}`" not in PLUGIN_DOCS]
    modules = [p.stem for p in (ROOT / "pipeline" / "kit").glob("*.py") if not p.stem.startswith("_")]
    missing += [f"pipeline.kit.{m}" for m in modules
                if f"pipeline.kit.{m}" not in PLUGIN_DOCS and f"pipeline/kit/{m}.py" not in PLUGIN_DOCS]
    assert missing == []


def test_no_module_is_over_400_lines_without_a_stated_reason():
    long = [f"{path.relative_to(ROOT)}: {n} lines" for path in python_files("pipeline", "plugins", "dashboards")
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
            and SIZE_REASON not in path.read_text(encoding="utf-8")]
    assert long == []
