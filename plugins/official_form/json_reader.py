"""Reading a return already in the canonical JSON schema (`techbench schema`)."""

from __future__ import annotations

import json
from typing import Any

from pipeline.kit import WHOLE_FILE, ParseContext, ParseResult, PluginInfo, ReturnBuilder, SourceFile

def decode(data: bytes) -> tuple[Any, str | None]:
    """The JSON value, or None and a message naming the line and column of the first fault."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, f"The file is not UTF-8 text (byte {exc.start + 1}); save it as UTF-8 JSON."
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        return None, f"The JSON is not well formed at line {exc.lineno}, column {exc.colno}: {exc.msg}."
    except RecursionError:
        return None, "The JSON is nested too deeply to be a return."


def read(source: SourceFile, info: PluginInfo, context: ParseContext) -> ParseResult:
    b = ReturnBuilder(source, info)
    value, error = decode(source.data)
    if error:
        b.issue("file.corrupt", "error", None, WHOLE_FILE, error)
        return ParseResult(None, b.issues)
    if not isinstance(value, dict) or "schema_version" not in value:
        b.issue("form.not_a_return", "error", None, "/",
                "This JSON file is not a techbench return: it needs an object with 'schema_version' "
                "(see `techbench template --format json`).")
        return ParseResult(None, b.issues)
    value.pop("provenance", None)  # provenance is ours to fill, never taken from the file
    b.data = value
    b.pointer_locations = True  # the file is canonical JSON: a field's place is its pointer
    return b.build(context)
