"""Every installed reader plugin, and a freshly scaffolded one, passes the plugin contract."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from pipeline.kit import contract
from pipeline.registry import Registry
from pipeline.scaffold import ScaffoldError, scaffold

INSTALLED = Registry.from_entry_points()
READERS = [p.name for p in INSTALLED.readers()]


def test_every_built_in_plugin_loads():
    assert INSTALLED.load_errors == {}
    assert {"official_form", "faculty_workbook", "hr_export", "mapped_workbook"} <= set(READERS)


@pytest.mark.parametrize("name", READERS)
def test_info_and_samples(name):
    contract.check_info(INSTALLED.get(name))
    contract.check_samples_read_cleanly(INSTALLED.get(name), INSTALLED)


@pytest.mark.parametrize("name", READERS)
def test_never_raises_and_locates_every_issue(name):
    contract.check_never_raises(INSTALLED.get(name))


@pytest.mark.parametrize("name", READERS)
def test_claims_only_its_own_files(name):
    contract.check_claims_only_its_own(INSTALLED.get(name), INSTALLED)


@pytest.mark.parametrize("name", READERS)
def test_writes_what_it_reads(name, tmp_path):
    contract.check_round_trip(INSTALLED.get(name), INSTALLED, tmp_path)


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
