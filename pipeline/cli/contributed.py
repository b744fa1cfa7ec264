"""Commands that other packages add to ``techbench``, through the ``techbench_register_commands`` hook.

Two kinds of contributor: packages advertised in the ``techbench.commands`` entry-point group (the
dashboard), and plugins (``techbench.plugins``) that implement the hook. They are loaded only when
a command is not built in, or when the list of commands is shown, so that ``techbench validate``
starts without importing any of them. Command packages come first; plugins, which import more,
only if the command is still unknown.

A contributor that cannot be loaded, whose hook raises, or that reuses a command name, is left out
with one line on stderr; the rest of the command line works as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import typer
import typer.main
from typer.core import TyperGroup

from pipeline.cli.common import installed_plugins, warn

Hook = Callable[..., None]


def command_packages() -> Iterator[tuple[str, Hook]]:
    """The hooks of the packages in the commands entry-point group."""
    from importlib.metadata import entry_points

    from pipeline.kit.hooks import COMMANDS_ENTRY_POINT_GROUP
    from pipeline.registry import command_hook

    for ep in sorted(entry_points(group=COMMANDS_ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            hook = command_hook(ep.load())
        except Exception as exc:  # one broken package must not take the command line down
            warn(f"the commands of '{ep.name}' could not be loaded and are left out ({type(exc).__name__}: {exc})")
            continue
        yield ep.name, hook


def plugin_commands() -> Iterator[tuple[str, Hook]]:
    """The hooks of the installed plugins that add commands."""
    for plugin in installed_plugins():
        if plugin.adds_commands:
            yield plugin.name, plugin.register_commands


#: Loaded in this order, each only when needed.
CONTRIBUTORS = (command_packages, plugin_commands)


class CommandLine(TyperGroup):
    """The top-level ``techbench`` group: the built-in commands, and contributed ones on demand."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._pending = list(CONTRIBUTORS)

    def get_command(self, ctx, cmd_name: str):
        while cmd_name not in self.commands and self._pending:
            self._load(self._pending.pop(0))
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx) -> list[str]:
        while self._pending:
            self._load(self._pending.pop(0))
        return super().list_commands(ctx)

    def _load(self, contributors: Callable[[], Iterator[tuple[str, Hook]]]) -> None:
        for name, hook in contributors():
            for cmd_name, command in contributed(name, hook).items():
                if cmd_name in self.commands:
                    warn(f"'{name}' adds a command '{cmd_name}' that already exists; its own is left out")
                else:
                    self.commands[cmd_name] = command


def contributed(name: str, hook: Hook) -> dict[str, Any]:
    """The commands ``hook`` adds, by name; none if it raises. Each contributor gets its own Typer,
    so a hook that fails halfway leaves nothing behind."""
    cli = typer.Typer()
    try:
        hook(cli=cli)
        return dict(typer.main.get_group(cli).commands)
    except Exception as exc:
        warn(f"the commands of '{name}' are left out: they failed to register ({type(exc).__name__}: {exc})")
        return {}
