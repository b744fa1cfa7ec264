"""The plugin registry: loads plugins from the entry-point group and picks one for a file."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pluggy

from pipeline.plugin_api import (
    ENTRY_POINT_GROUP,
    PROJECT,
    WHOLE_FILE,
    Issue,
    ParseContext,
    ParseResult,
    PluginInfo,
    PluginSpec,
    SourceFile,
)

log = logging.getLogger(__name__)

HOOKS = ("techbench_plugin_info", "techbench_detect", "techbench_parse")


class PluginError(Exception):
    """A plugin could not be registered or selected; the message is for the user."""


@dataclass(frozen=True)
class LoadedPlugin:
    info: PluginInfo
    _detect: Callable[..., float]
    _parse: Callable[..., ParseResult]

    @property
    def name(self) -> str:
        return self.info.name

    def detect(self, source: SourceFile) -> float:
        """Confidence in [0, 1]; a plugin that raises or answers nonsense is taken as 0."""
        try:
            score = float(self._detect(source=source))
        except Exception:  # a third-party plugin's bug must not stop the others
            log.exception("plugin %s failed in detect on %s", self.name, source.name)
            return 0.0
        return min(max(score, 0.0), 1.0) if score == score else 0.0

    def parse(self, source: SourceFile, context: ParseContext) -> ParseResult:
        try:
            result = self._parse(source=source, context=context)
        except Exception as exc:  # the contract says never raise; enforce it here too
            log.exception("plugin %s failed in parse on %s", self.name, source.name)
            return ParseResult(
                None,
                [
                    Issue(
                        rule="plugin.failed",
                        severity="error",
                        location=WHOLE_FILE,
                        message=(
                            f"The '{self.name}' reader could not read this file "
                            f"({type(exc).__name__}). Check that it is the right file and not damaged; "
                            "if it is, report this to the techbench team."
                        ),
                    )
                ],
            )
        if not isinstance(result, ParseResult):
            return ParseResult(
                None,
                [Issue(rule="plugin.failed", severity="error", location=WHOLE_FILE,
                       message=f"The '{self.name}' reader returned no result for this file.")],
            )
        return result


class Registry:
    """Plugins by name. Two plugins with one name are refused."""

    def __init__(self) -> None:
        self._pm = pluggy.PluginManager(PROJECT)
        self._pm.add_hookspecs(PluginSpec)
        self._plugins: dict[str, LoadedPlugin] = {}

    @classmethod
    def from_entry_points(cls) -> Registry:
        from importlib.metadata import entry_points

        registry = cls()
        for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            registry.register(ep.load())
        return registry

    def register(self, plugin: Any) -> LoadedPlugin:
        """Register a plugin module or object whose three hooks carry ``@hookimpl``."""
        try:
            self._pm.register(plugin)  # pluggy checks the signatures against the specs
        except Exception as exc:
            raise PluginError(f"plugin {plugin!r} is not a valid techbench plugin: {exc}") from exc
        impls = {}
        for hook in HOOKS:
            found = [i.function for i in getattr(self._pm.hook, hook).get_hookimpls() if i.plugin is plugin]
            if not found:
                self._pm.unregister(plugin)
                raise PluginError(f"plugin {plugin!r} does not implement {hook} (with @hookimpl)")
            impls[hook] = found[0]
        info = impls["techbench_plugin_info"]()
        if not isinstance(info, PluginInfo) or info.name in self._plugins:
            self._pm.unregister(plugin)
            if isinstance(info, PluginInfo):
                raise PluginError(
                    f"two plugins are named '{info.name}'; uninstall one of them or rename it"
                )
            raise PluginError(f"plugin {plugin!r}: techbench_plugin_info must return a PluginInfo")
        loaded = LoadedPlugin(info, impls["techbench_detect"], impls["techbench_parse"])
        self._plugins[info.name] = loaded
        return loaded

    def __iter__(self):
        return iter(self._plugins.values())

    def __len__(self) -> int:
        return len(self._plugins)

    def get(self, name: str) -> LoadedPlugin:
        try:
            return self._plugins[name]
        except KeyError:
            known = ", ".join(sorted(self._plugins)) or "none"
            raise PluginError(f"no plugin named '{name}' (installed: {known})") from None

    def rank(self, source: SourceFile, signatory: str | None = None) -> list[tuple[float, LoadedPlugin]]:
        """Plugins that can read ``source``, most confident first (ties: plugins serving the
        signatory first, then by name)."""
        scored = []
        for plugin in self._plugins.values():
            serves = plugin.info.signatories
            if signatory and serves is not None and signatory not in serves:
                continue
            score = plugin.detect(source)
            if score > 0:
                specific = 0 if (signatory and serves) else 1
                scored.append((score, specific, plugin.name, plugin))
        scored.sort(key=lambda s: (-s[0], s[1], s[2]))
        return [(s[0], s[3]) for s in scored]

    def choose(self, source: SourceFile, signatory: str | None = None) -> LoadedPlugin | None:
        ranked = self.rank(source, signatory)
        return ranked[0][1] if ranked else None


def default_registry() -> Registry:
    return Registry.from_entry_points()

