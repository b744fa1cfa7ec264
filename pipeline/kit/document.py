"""A text document as its reader sees it, whatever the file format: the body's paragraphs and tables
in reading order, with the places a lead finds them by.

Word (``pipeline.kit.word``), OpenDocument text and PDF readers each turn a file into a ``Document``;
plugins that read forms (the official form) work on this model only, so every format is read the
same way and reports locations in the same words ("table 9, row 4, column 3"; a PDF adds its page:
"page 3, table 2, row 4").

What a reader puts in the model is the text *as the document shows it*: with tracked changes
accepted (insertions in, deletions out), content controls' current values, hyperlinks', fields' and
smart tags' visible text. What the lead should hear about (unaccepted changes, comments) goes into
``Document.notes`` with its place.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Paragraph:
    """A body paragraph: its visible text (line breaks as ``\\n``) and style name ("" if none)."""

    text: str
    style: str = ""


@dataclass(frozen=True)
class Cell:
    """A table cell as shown: its paragraphs' visible text, and where it sits in the table's grid.

    A cell merged across columns appears once in its row, at its first grid ``column`` (1-based),
    with ``span`` columns. A cell merged down rows appears in each row it covers, with the same text,
    and ``merged_from`` the row (1-based) where the merge starts; ``None`` when not merged down."""

    paragraphs: tuple[str, ...]
    column: int
    span: int = 1
    merged_from: int | None = None

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)

    def covers(self, column: int) -> bool:
        return self.column <= column < self.column + self.span


def cell_at(row: tuple[Cell, ...] | list[Cell], column: int) -> Cell | None:
    """The cell of ``row`` covering grid ``column`` (1-based), if any."""
    return next((cell for cell in row if cell.covers(column)), None)


@dataclass(frozen=True)
class Table:
    """A table: ``number`` counts tables from 1 in reading order (per page in a PDF, ``page`` set);
    ``rows`` are lists of cells (see ``Cell``). A table nested in a cell is a ``Table`` of its own,
    placed right after the table that holds it, with ``inside`` saying where ("table 3, row 2,
    column 1")."""

    number: int
    rows: tuple[tuple[Cell, ...], ...]
    page: int | None = None
    inside: str | None = None

    @property
    def label(self) -> str:
        own = f"table {self.number}" if self.page is None else f"page {self.page}, table {self.number}"
        return f"{self.inside}, {own}" if self.inside else own

    def where(self, row: int | None = None, column: int | None = None, paragraph: int | None = None) -> str:
        """A place in this table in the words every reader uses, e.g. "table 9, row 4, column 3"."""
        parts = [self.label]
        if row is not None:
            parts.append(f"row {row}")
        if column is not None:
            parts.append(f"column {column}")
        if paragraph is not None:
            parts.append(f"paragraph {paragraph}")
        return ", ".join(parts)


@dataclass(frozen=True)
class Note:
    """Something about the file the lead should know (e.g. tracked changes not yet accepted), where."""

    rule: str
    location: str
    message: str


@dataclass(frozen=True)
class Document:
    blocks: tuple[Paragraph | Table, ...]
    kind: str  # what the file was, for messages: "Word", "OpenDocument", "PDF"
    notes: tuple[Note, ...] = field(default_factory=tuple)

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    @property
    def text(self) -> str:
        """All visible text, paragraphs and cells, in reading order (for detection and searching)."""
        parts: list[str] = []
        for block in self.blocks:
            if isinstance(block, Paragraph):
                parts.append(block.text)
            else:
                parts.extend(cell.text for row in block.rows for cell in row)
        return "\n".join(parts)


def paragraph_place(number: int, after: Table | None) -> str:
    """Where a body paragraph is, in the words the form reader uses: "paragraph 3 after table 4" (the
    third paragraph, blank ones counted, since the last table outside any other), or "paragraph 2
    before the first table"."""
    return f"paragraph {number} after {after.label}" if after else f"paragraph {number} before the first table"
