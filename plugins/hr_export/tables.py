"""The export's CSV members as tables: columns found by header name (not position), rows kept with
the line they start on, and CSV that cannot be read reported at its line."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from pipeline.kit import ReturnBuilder
from plugins.hr_export import codes as C


def header_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")


@dataclass
class Table:
    """One CSV member: where each column is, and its rows with their line numbers."""

    member: str
    header_line: int = 1
    columns: dict[str, tuple[int, str]] = field(default_factory=dict)  # column -> (index, heading as written)
    rows: list[tuple[int, list[str]]] = field(default_factory=list)

    def has(self, column: str) -> bool:
        return column in self.columns

    def get(self, cells: list[str], column: str) -> str:
        if column not in self.columns:
            return ""
        i = self.columns[column][0]
        return cells[i] if i < len(cells) else ""

    def place(self, line: int, column: str | None = None) -> str:
        if column is None or column not in self.columns:
            return f"{self.member}, line {line}"
        return f"{self.member}, line {line}, column '{self.columns[column][1]}'"


class _records:
    """Non-blank CSV records with the line each starts on; ``failed_at`` is the line where the
    records stopped being readable (None if they never did)."""

    def __init__(self, text: str, delimiter: str, strict: bool) -> None:
        self.text, self.delimiter, self.strict = text, delimiter, strict
        self.failed_at: int | None = None
        self.unclosed = False  # the text ended inside a quoted value

    def __iter__(self):
        reader = csv.reader(io.StringIO(self.text, newline=""), delimiter=self.delimiter, strict=self.strict)
        previous = 0
        try:
            for cells in reader:
                line, previous = previous + 1, reader.line_num
                if any(c.strip() for c in cells):
                    yield line, cells
        except csv.Error as exc:
            self.failed_at = previous + 1
            self.unclosed = "end of data" in str(exc)


def read_table(b: ReturnBuilder, name: str, member: str, text: str) -> Table:
    """One CSV member read as a table; what cannot be read is reported at its line in ``b``."""
    table = Table(member)
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count) if first else ","
    header: list[str] | None = None
    lenient = _records(text, delimiter, strict=False)
    for line, cells in lenient:
        if header is None:
            header, table.header_line = cells, line
        else:
            table.rows.append((line, cells))
    if lenient.failed_at is not None:
        b.issue("file.corrupt", "error", None, f"{member}, line {lenient.failed_at}",
                f"The file {name} cannot be read as CSV from line {lenient.failed_at} on (a value is "
                "too long or holds binary data). Lines before it were read.")
    else:  # read again strictly, only to point at quotes that would shift every value after them
        strict = _records(text, delimiter, strict=True)
        for _ in strict:
            pass
        if strict.unclosed:  # every later row was swallowed into one value
            b.issue("export.quotes", "error", None, f"{member}, line {strict.failed_at}",
                    f"The file {name} has a quote that is never closed in the row that starts on line "
                    f"{strict.failed_at}, so the rest of the file was read as one value. Put quotes round "
                    'the whole value and double any quote inside it ("").')
        elif strict.failed_at is not None:
            b.issue("export.quotes", "warning", None, f"{member}, line {strict.failed_at}",
                    f"The file {name} has a stray quote in the row that starts on line {strict.failed_at}; "
                    "check that row's values. Put quotes round the whole value and double any quote "
                    'inside it ("").')
    for i, heading in enumerate(header or []):
        key = header_key(heading)
        for column in C.COLUMNS[name]:
            if column.name not in table.columns and (key == column.name or key in column.aliases):
                table.columns[column.name] = (i, heading.strip())
                break
    lacking = [c.name for c in C.COLUMNS[name] if c.required and c.name not in table.columns]
    if lacking:
        expected = ", ".join(c.name for c in C.COLUMNS[name])
        b.issue("export.columns", "error", None, f"{member}, line {table.header_line}",
                f"The file {name} has no {' or '.join(repr(c) for c in lacking)} column. Its first line "
                f"should name the columns: {expected}.")
    return table
