"""Every installed reader plugin, and a freshly scaffolded one, passes the plugin contract."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from pipeline.kit import contract
from pipeline.kit.testing import PluginContract
from pipeline.registry import Registry
from pipeline.scaffold import ScaffoldError, scaffold

INSTALLED = Registry.from_entry_points()
READERS = [p.name for p in INSTALLED.readers()]


def test_every_built_in_plugin_loads():
    assert INSTALLED.load_errors == {}
    assert {"official_form", "faculty_workbook", "hr_export", "mapped_workbook"} <= set(READERS)


# The contract, run the way a third-party plugin's own tests run it (pipeline.kit.testing).
class TestOfficialForm(PluginContract):
    plugin = "official_form"


class TestFacultyWorkbook(PluginContract):
    plugin = "faculty_workbook"


class TestHrExport(PluginContract):
    plugin = "hr_export"


class TestMappedWorkbook(PluginContract):
    plugin = "mapped_workbook"


def test_every_installed_reader_runs_the_contract_here():
    assert {c.plugin for c in PluginContract.__subclasses__() if c.__module__ == __name__} == set(READERS)


def test_a_plugin_that_does_not_write_is_told_the_round_trip_was_skipped(tmp_path):
    reader_only = _reader_only_plugin()
    registry = Registry.from_entry_points()
    loaded = registry.register(reader_only)
    assert not loaded.writes_returns
    with pytest.raises(contract.NotApplicable, match="does not write its format"):
        contract.check_round_trip(loaded, registry, tmp_path)
    with pytest.raises(pytest.skip.Exception, match="reader_only does not write its format"):
        PluginContract().test_writes_what_it_reads(loaded, registry, tmp_path)


def _reader_only_plugin():
    """The official form's Word reader alone, under another name, without its writer."""
    import types

    from pipeline.kit import PluginInfo, hookimpl
    from plugins.official_form import plugin as official

    info = official.techbench_plugin_info()
    module = types.ModuleType("reader_only")
    module.techbench_plugin_info = hookimpl(lambda: PluginInfo(
        name="reader_only", version="1", formats=["docx"], samples=[s for s in info.samples if s.endswith(".docx")][:1]))
    module.techbench_detect = hookimpl(lambda source: 0.0)
    module.techbench_parse = hookimpl(lambda source, context: official.techbench_parse(source=source, context=context))
    return module


@pytest.fixture
def scaffolded(tmp_path, monkeypatch):
    package = tmp_path / "acme_plugins"
    package.mkdir()
    (package / "__init__.py").write_text("")
    tests = tmp_path / "tests"
    tests.mkdir()
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "acme"\n')
    written = scaffold("northgate-university", package, tests, pyproject)
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path, written


def test_scaffolded_plugin_passes_the_contract(scaffolded, tmp_path):
    root, written = scaffolded
    registry = Registry.from_entry_points()
    plugin = registry.register(importlib.import_module("acme_plugins.northgate_university.plugin"))
    assert plugin.info.signatories == ["northgate-university"]
    contract.run_all(plugin, registry, tmp_path)
    # the other plugins still do not claim its files, with it installed
    for other in registry.readers():
        contract.check_claims_only_its_own(other, registry)
    pyproject = (root / "pyproject.toml").read_text()
    assert 'northgate_university = "acme_plugins.northgate_university.plugin"' in pyproject
    assert '[project.entry-points."techbench.plugins"]' in pyproject


def test_scaffolded_test_file_passes(scaffolded):
    root, _ = scaffolded
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             str(root / "tests" / "test_plugin_northgate_university.py")],
                            cwd=root, capture_output=True, text=True, env={"PYTHONPATH": str(root)})
    assert result.returncode == 0, result.stdout + result.stderr


def test_scaffold_refuses_bad_slugs_and_existing_folders(tmp_path):
    with pytest.raises(ScaffoldError, match="not a signatory slug"):
        scaffold("Bad Slug", tmp_path)
    scaffold("acme", tmp_path)
    with pytest.raises(ScaffoldError, match="already exists"):
        scaffold("acme", tmp_path)
