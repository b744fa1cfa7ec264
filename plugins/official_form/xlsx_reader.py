"""Reading the techbench workbook (placeholder until the workbook layout lands)."""

from __future__ import annotations

from pipeline.plugin_api import WHOLE_FILE, ParseContext, ParseResult, PluginInfo, SourceFile
from pipeline.builder import ReturnBuilder


def is_template(data: bytes) -> bool:
    return False


def read(source: SourceFile, info: PluginInfo, context: ParseContext) -> ParseResult:
    b = ReturnBuilder(source, info)
    b.issue("form.not_a_return", "error", None, WHOLE_FILE, "Workbooks are not read yet.")
    return ParseResult(None, b.issues)
