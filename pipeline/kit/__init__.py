"""The public plugin kit: everything a techbench plugin builds on, and nothing else.

A plugin imports from here and from ``pipeline.schema`` (the canonical return) only; the import
rules (``tests/test_architecture.py``) hold the built-in plugins to that. ``docs/plugins.md``
documents every hook and helper.

The names below are light to import. The readers of particular file types are submodules,
imported by the plugins that need them so that a run never pays for a library it does not use:

- ``pipeline.kit.normalise``: values as people write them (numbers, dates, themes, statuses);
- ``pipeline.kit.cells`` and ``pipeline.kit.workbook``: .xlsx/.ods sheets, cells and references;
- ``pipeline.kit.document`` with ``word``, ``odt`` and ``pdf``: text documents as their reader sees them;
- ``pipeline.kit.actions``: action-plan tables whatever their column headings;
- ``pipeline.kit.flat``: a return as (JSON pointer, text) pairs, the scaffold's starting format;
- ``pipeline.kit.samples``: synthetic returns for a plugin's sample files;
- ``pipeline.kit.contract`` and ``pipeline.kit.testing``: the plugin contract, as a pytest plugin.
"""

from pipeline.kit.builder import ReturnBuilder, leaf_pointers, pointer_parts
from pipeline.kit.hooks import (
    COMMANDS_ENTRY_POINT_GROUP,
    ENTRY_POINT_GROUP,
    WHOLE_FILE,
    Issue,
    ParseContext,
    ParseResult,
    PluginInfo,
    PluginSpec,
    Severity,
    SourceFile,
    hookimpl,
    hookspec,
    locate,
)
from pipeline.kit.intake import DAMAGED, Limits, Rejected, odf_kind, read_source, screen

__all__ = [
    "DAMAGED",
    "COMMANDS_ENTRY_POINT_GROUP",
    "ENTRY_POINT_GROUP",
    "WHOLE_FILE",
    "Issue",
    "Limits",
    "ParseContext",
    "ParseResult",
    "PluginInfo",
    "PluginSpec",
    "Rejected",
    "ReturnBuilder",
    "Severity",
    "SourceFile",
    "hookimpl",
    "hookspec",
    "leaf_pointers",
    "locate",
    "odf_kind",
    "pointer_parts",
    "read_source",
    "screen",
]
