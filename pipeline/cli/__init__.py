"""The ``techbench`` command line.

The built-in commands live in a module per domain (returns, the pipeline, benchmarks, the register,
plugins); other packages add theirs through the ``techbench_register_commands`` hook (see
``contributed``). ``pipeline`` never imports ``dashboards`` or a plugin: they come in through entry
points. Modules import heavy libraries inside the commands, to keep start-up fast.
"""

from __future__ import annotations

import typer

from pipeline.cli import benchmarks, calendar, plugins, register, returns
from pipeline.cli import pipeline as runs
from pipeline.cli.contributed import CommandLine

app = typer.Typer(
    cls=CommandLine,
    help="techbench: Technician Commitment returns, validated and benchmarked.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
for _domain in (returns, plugins, register, runs, benchmarks, calendar):
    app.add_typer(_domain.app)


def main() -> None:  # pragma: no cover
    app()
