"""The plugin contract as a pytest plugin, for a plugin's own test suite.

Installed with techbench (entry point ``pytest11``, so pytest loads it by itself). In a plugin's
tests::

    from pipeline.kit.testing import PluginContract

    class TestContract(PluginContract):
        plugin = "northgate"                       # its PluginInfo name
        module = "acme_plugins.northgate.plugin"   # optional: registers it if not installed yet

Each check of ``pipeline.kit.contract`` is then a test of its own; a check that does not apply
(a plugin that does not write its format has no round trip) is reported as skipped, with the
reason. The fixture ``techbench_registry`` gives the installed plugins.
"""

from __future__ import annotations

import importlib

import pytest

from pipeline.kit import contract


@pytest.fixture(scope="session")
def techbench_registry():
    """The plugins installed through the ``techbench.plugins`` entry points."""
    from pipeline.registry import Registry

    return Registry.from_entry_points()


class PluginContract:
    """Subclass with ``plugin`` (and ``module`` for a plugin not installed yet) to run the contract."""

    plugin: str = ""
    module: str | None = None

    @pytest.fixture
    def registry(self, techbench_registry):
        if self.plugin in {p.name for p in techbench_registry} or not self.module:
            return techbench_registry
        from pipeline.registry import Registry

        registry = Registry.from_entry_points()
        registry.register(importlib.import_module(self.module))
        return registry

    @pytest.fixture
    def loaded(self, registry):
        assert self.plugin, f"{type(self).__name__}: set `plugin` to the plugin's name"
        return registry.get(self.plugin)

    def test_info_and_samples(self, loaded):
        contract.check_info(loaded)

    def test_samples_read_cleanly(self, loaded, registry):
        contract.check_samples_read_cleanly(loaded, registry)

    def test_never_raises_and_locates_every_issue(self, loaded):
        contract.check_never_raises(loaded)

    def test_claims_only_its_own_files(self, loaded, registry):
        contract.check_claims_only_its_own(loaded, registry)

    def test_writes_what_it_reads(self, loaded, registry, tmp_path):
        try:
            contract.check_round_trip(loaded, registry, tmp_path)
        except contract.NotApplicable as why:
            pytest.skip(str(why))
