"""The plugin API: entry points, name clashes, choosing the most confident plugin."""

from __future__ import annotations

import types

import pytest
from returns import CONTEXT, NORTHGATE, check

from pipeline.kit.hooks import ParseContext, ParseResult, PluginInfo, SourceFile, hookimpl
from pipeline.registry import PluginError, Registry


def make_plugin(name: str, confidence: float, signatories=None, parse=None):
    plugin = types.SimpleNamespace()

    @hookimpl
    def techbench_plugin_info():
        return PluginInfo(name=name, version="0.1", formats=["docx"], signatories=signatories)

    @hookimpl
    def techbench_detect(source):
        return confidence

    @hookimpl
    def techbench_parse(source, context):
        return parse(source, context) if parse else ParseResult(None, [])

    plugin.techbench_plugin_info = techbench_plugin_info
    plugin.techbench_detect = techbench_detect
    plugin.techbench_parse = techbench_parse
    return plugin


def test_builtin_plugin_comes_from_the_entry_point_group():
    registry = Registry.from_entry_points()
    assert "official_form" in [p.name for p in registry]


def test_two_plugins_with_one_name_are_refused():
    registry = Registry()
    registry.register(make_plugin("acme", 0.5))
    with pytest.raises(PluginError, match="two plugins are named 'acme'"):
        registry.register(make_plugin("acme", 0.9))
    assert len(registry) == 1


def test_plugin_without_hookimpls_is_refused():
    with pytest.raises(PluginError, match="does not implement"):
        Registry().register(types.SimpleNamespace(techbench_plugin_info=lambda: None))


def test_most_confident_plugin_is_chosen_unless_one_is_named():
    registry = Registry()
    for name, score in [("low", 0.2), ("high", 0.9), ("none", 0.0)]:
        registry.register(make_plugin(name, score))
    source = SourceFile("x.docx", b"data")
    assert registry.choose(source).name == "high"
    assert [p.name for _, p in registry.rank(source)] == ["high", "low"]
    assert registry.get("low").name == "low"
    with pytest.raises(PluginError, match="no plugin named 'nope'"):
        registry.get("nope")


def test_a_plugin_for_another_signatory_is_not_offered_and_own_plugin_wins_ties():
    registry = Registry()
    registry.register(make_plugin("generic", 0.8))
    registry.register(make_plugin("imperial", 0.8, signatories=["imperial"]))
    registry.register(make_plugin("essex", 0.95, signatories=["essex"]))
    source = SourceFile("x.docx", b"data")
    assert registry.choose(source, signatory="imperial").name == "imperial"
    assert "essex" not in [p.name for _, p in registry.rank(source, signatory="imperial")]


def test_a_crashing_plugin_never_raises_to_the_user():
    def boom(source, context):
        raise RuntimeError("bug in a third-party plugin")

    registry = Registry()
    registry.register(make_plugin("buggy", 1.0, parse=boom))
    from pipeline.validation.validate import validate_source

    report = validate_source(SourceFile("x.docx", NORTHGATE.read_bytes()), registry, context=CONTEXT)
    assert not report.ok
    [issue] = report.issues
    assert issue.rule == "plugin.failed" and "buggy" in issue.message and issue.location == "whole file"


def test_detect_errors_count_as_no_confidence():
    plugin = make_plugin("flaky", 0.5)

    @hookimpl
    def techbench_detect(source):
        raise ValueError("cannot tell")

    plugin.techbench_detect = techbench_detect
    registry = Registry()
    registry.register(plugin)
    assert registry.choose(SourceFile("x.docx", b"data")) is None


def test_named_plugin_is_used_even_when_another_is_more_confident():
    report = check(NORTHGATE.read_bytes(), plugin="official_form",
                   context=ParseContext(stage=1, received=CONTEXT.received))
    assert report.plugin == "official_form" and report.ok


def test_a_reader_warning_does_not_hide_a_rule_error_on_the_same_field():
    from returns import northgate

    from pipeline.kit.hooks import Issue

    def parse(source, context):
        ret = northgate()
        ret.technicians.headcount = 420  # the areas add up to 412
        ret.lead.email = None
        warning = Issue(rule="reader.note", severity="warning", field="/technicians/headcount",
                        location="cell A1", message="Read from a merged cell.")
        unreadable = Issue(rule="parse.email", severity="error", field="/lead/email",
                           location="cell B2", message="Unreadable.")
        return ParseResult(ret, [warning, unreadable])

    registry = Registry()
    registry.register(make_plugin("noted", 1.0, parse=parse))
    from pipeline.validation.validate import validate_source

    report = validate_source(SourceFile("x.docx", NORTHGATE.read_bytes()), registry, context=CONTEXT)
    found = {(i.rule, i.field) for i in report.issues}
    assert ("areas.sum", "/technicians/headcount") in found  # a value is there: the rule still speaks
    assert ("required", "/lead/email") not in found  # unreadable, already said: not "missing" too


class _EntryPoint:
    """An installed package's entry point, as importlib.metadata gives it."""

    def __init__(self, name: str, plugin) -> None:
        self.name, self.value, self._plugin = name, f"fake_package:{name}", plugin

    def load(self):
        if isinstance(self._plugin, Exception):
            raise self._plugin
        return self._plugin


def test_a_clashing_or_broken_installed_plugin_is_reported_and_left_out_never_fatal(monkeypatch):
    import importlib.metadata

    def info_raises():
        raise RuntimeError("bug in plugin_info")

    broken_info = make_plugin("broken_info", 0.5)
    broken_info.techbench_plugin_info = hookimpl(info_raises)
    installed = [_EntryPoint("acme", make_plugin("acme", 0.5)),
                 _EntryPoint("acme_again", make_plugin("acme", 0.9)),  # the same plugin name, another package
                 _EntryPoint("not_importable", ImportError("no module named acme_deps")),
                 _EntryPoint("broken_info", broken_info)]
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group: installed)
    registry = Registry.from_entry_points()
    assert [p.name for p in registry] == ["acme"]
    assert "two plugins are named 'acme'" in registry.load_errors["acme_again"]
    assert "no module named acme_deps" in registry.load_errors["not_importable"]
    assert "bug in plugin_info" in registry.load_errors["broken_info"]


def test_a_plugin_that_only_adds_commands_is_valid_and_offers_them():
    plugin = types.SimpleNamespace()
    added = []
    plugin.techbench_plugin_info = hookimpl(lambda: PluginInfo(name="tools", version="0.1", formats=[]))
    plugin.techbench_register_commands = hookimpl(lambda cli: added.append(cli))
    registry = Registry()
    loaded = registry.register(plugin)
    assert loaded.adds_commands and not loaded.reads_returns and registry.readers() == []
    loaded.register_commands("the typer app")
    assert added == ["the typer app"]


def test_a_command_package_needs_the_hook_and_its_signature_is_checked():
    from pipeline.registry import command_hook

    with pytest.raises(PluginError, match="does not implement techbench_register_commands"):
        command_hook(types.SimpleNamespace())
    with pytest.raises(PluginError, match="not offer valid techbench hooks"):
        command_hook(types.SimpleNamespace(techbench_register_commands=hookimpl(lambda app, extra: None)))
    calls = []
    command_hook(types.SimpleNamespace(techbench_register_commands=hookimpl(lambda cli: calls.append(cli))))(cli=1)
    assert calls == [1]
