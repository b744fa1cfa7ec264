"""The plugin registry: loads plugins from the entry-point group and picks one for a file; also
checks the hooks of packages that only add commands."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pluggy

from pipeline.kit.hooks import (
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
from pipeline.schema import CanonicalReturn

log = logging.getLogger(__name__)

READER_HOOKS = ("techbench_detect", "techbench_parse")
OPTIONAL_HOOKS = ("techbench_write", "techbench_reference_tables", "techbench_register_commands")


def _caller(impl) -> Callable[..., Any]:
    """Call a hook implementation with the keyword arguments it asks for, as pluggy does: an
    implementation may take fewer arguments than its specification offers."""
    names = impl.argnames

    def call(**kwargs: Any) -> Any:
        return impl.function(**{k: v for k, v in kwargs.items() if k in names})

    return call


class PluginError(Exception):
    """A plugin could not be registered or selected; the message is for the user."""


@dataclass(frozen=True)
class LoadedPlugin:
    info: PluginInfo
    _detect: Callable[..., float] | None = None
    _parse: Callable[..., ParseResult] | None = None
    _write: Callable[..., Path] | None = None
    _reference: Callable[[], dict[str, Callable[[], Any]]] | None = None
    _commands: Callable[..., None] | None = None

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def reads_returns(self) -> bool:
        return self._parse is not None

    @property
    def writes_returns(self) -> bool:
        return self._write is not None

    def write(self, ret: CanonicalReturn, directory: Path, stem: str, fmt: str | None = None,
              signatory: str | None = None) -> Path:
        if self._write is None:
            raise PluginError(f"the '{self.name}' plugin cannot write returns")
        if fmt is not None and fmt not in self.info.formats:
            raise PluginError(f"the '{self.name}' plugin writes {', '.join(self.info.formats)}, not {fmt}")
        return self._write(ret=ret, directory=directory, stem=stem, fmt=fmt, signatory=signatory)

    def reference_tables(self) -> dict[str, Callable[[], Any]]:
        return self._reference() if self._reference else {}

    @property
    def adds_commands(self) -> bool:
        return self._commands is not None

    def register_commands(self, cli: Any) -> None:
        """Let the plugin add its commands to ``cli``; what it raises is the caller's to report."""
        if self._commands is not None:
            self._commands(cli=cli)

    def detect(self, source: SourceFile) -> float:
        """Confidence in [0, 1]; a plugin that raises or answers nonsense is taken as 0."""
        if self._detect is None:
            return 0.0
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
        self.load_errors: dict[str, str] = {}

    @classmethod
    def from_entry_points(cls) -> Registry:
        from importlib.metadata import entry_points

        registry = cls()
        for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            try:  # one broken or clashing package must not take every other plugin down
                registry.register(ep.load())
            except PluginError as exc:
                log.debug("plugin entry point %s was refused: %s", ep.value, exc)
                registry.load_errors[ep.name] = str(exc)
            except Exception as exc:
                log.debug("plugin entry point %s could not be loaded: %s", ep.value, exc)
                registry.load_errors[ep.name] = f"{type(exc).__name__}: {exc}"
        return registry

    def register(self, plugin: Any) -> LoadedPlugin:
        """Register a plugin module or object whose hooks carry ``@hookimpl``."""
        try:
            self._pm.register(plugin)  # pluggy checks the signatures against the specs
        except Exception as exc:
            raise PluginError(f"plugin {plugin!r} is not a valid techbench plugin: {exc}") from exc
        impls = {}
        for hook in ("techbench_plugin_info", *READER_HOOKS, *OPTIONAL_HOOKS):
            found = [i for i in getattr(self._pm.hook, hook).get_hookimpls() if i.plugin is plugin]
            impls[hook] = _caller(found[0]) if found else None
        problem = None
        if impls["techbench_plugin_info"] is None:
            problem = f"plugin {plugin!r} does not implement techbench_plugin_info (with @hookimpl)"
        elif (impls["techbench_detect"] is None) != (impls["techbench_parse"] is None):
            problem = f"plugin {plugin!r} must implement both techbench_detect and techbench_parse, or neither"
        else:
            try:
                info = impls["techbench_plugin_info"]()
            except Exception as exc:  # a bug in the plugin's own code
                info = exc
            if isinstance(info, Exception):
                problem = f"plugin {plugin!r}: techbench_plugin_info raised {type(info).__name__}: {info}"
            elif not isinstance(info, PluginInfo):
                problem = f"plugin {plugin!r}: techbench_plugin_info must return a PluginInfo"
            elif info.name in self._plugins:
                problem = f"two plugins are named '{info.name}'; uninstall one of them or rename it"
        if problem:
            self._pm.unregister(plugin)
            raise PluginError(problem)
        loaded = LoadedPlugin(info, impls["techbench_detect"], impls["techbench_parse"],
                              impls["techbench_write"], impls["techbench_reference_tables"],
                              impls["techbench_register_commands"])
        self._plugins[info.name] = loaded
        return loaded

    def __iter__(self):
        return iter(self._plugins.values())

    def __len__(self) -> int:
        return len(self._plugins)

    def readers(self) -> list[LoadedPlugin]:
        return [p for p in self._plugins.values() if p.reads_returns]

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
        for plugin in self.readers():
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


def command_hook(package: Any) -> Callable[..., None]:
    """The ``techbench_register_commands`` hook of a package that only adds commands (no plugin
    info needed), its signature checked against the specification like a plugin's."""
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(PluginSpec)
    try:
        pm.register(package)
    except Exception as exc:
        raise PluginError(f"{package!r} does not offer valid techbench hooks: {exc}") from exc
    impls = pm.hook.techbench_register_commands.get_hookimpls()
    if not impls:
        raise PluginError(f"{package!r} does not implement techbench_register_commands (with @hookimpl)")
    return _caller(impls[0])
