"""Reading an OpenDocument text (.odt, as LibreOffice saves the official form) into a ``Document``.

``content.xml`` is parsed with lxml without entity expansion or network access (intake has already
refused any part that declares a document type or entities, and checked the package's sizes).
Paragraphs, headings, lists and sections give paragraphs; tables give ``Table``s whose cells carry
their grid column, span and downward merge as ``pipeline.kit.document.Cell`` describes, so every place
is named as in Word ("table 9, row 4, column 3"). Tracked changes are read as accepted: inserted
text is in the body already, deleted text is kept only in ``text:tracked-changes``, which is not
read; a ``Note`` tells the lead they were there.
"""

from __future__ import annotations

import io
import re
import zipfile

from lxml import etree

from pipeline.kit.document import Cell, Document, Note, Paragraph, Table
from pipeline.kit.intake import DAMAGED, Rejected, odf_kind

TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
SVG = "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"

#: Bounds on what one table gives (repeated rows and cells are expanded up to these).
MAX_ROWS = 5_000
MAX_COLUMNS = 64


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


P, H, LIST, SECTION = _q(TEXT, "p"), _q(TEXT, "h"), _q(TEXT, "list"), _q(TEXT, "section")
T_TABLE, T_ROW, T_CELL, T_COVERED = (_q(TABLE, n) for n in ("table", "table-row", "table-cell", "covered-table-cell"))
ROW_GROUPS = {_q(TABLE, n) for n in ("table-header-rows", "table-rows", "table-row-group")}
# Inside a paragraph: what is shown as characters, and what is not part of the visible text.
SPACE, TAB, BREAK = _q(TEXT, "s"), _q(TEXT, "tab"), _q(TEXT, "line-break")
HIDDEN = {_q(TEXT, n) for n in ("note", "tracked-changes", "bookmark-ref", "sequence-decls")} | {
    _q(OFFICE, "annotation"), _q(TEXT, "deletion"), _q(SVG, "title"), _q(SVG, "desc")}
CHANGES = {_q(TEXT, "change"), _q(TEXT, "change-start")}
_WS = re.compile(r"[ \t\r\n]+")

NOT_ODT = ("This OpenDocument file could not be read; it may be damaged. Open it in LibreOffice, save "
           "it again as .odt (or as Word .docx) and resend it.")


def _attr(el, ns: str, name: str, default: str | None = None) -> str | None:
    return el.get(_q(ns, name), default)


def _count(el, ns: str, name: str, cap: int) -> int:
    try:
        return max(1, min(int(_attr(el, ns, name, "1")), cap))
    except ValueError:
        return 1


def content_xml(data: bytes) -> bytes:
    """``content.xml`` of an .odt; ``Rejected`` when the package is not one or is damaged."""
    if odf_kind(data) != "odt":
        raise Rejected("file.unknown_format", "This is not an OpenDocument text (.odt) file. Save the return "
                       "from LibreOffice as .odt or as Word .docx and resend it.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return zf.read("content.xml")
    except KeyError:
        raise Rejected("file.corrupt", NOT_ODT) from None
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise Rejected("file.corrupt", DAMAGED) from None


def parse_xml(xml: bytes):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        return etree.fromstring(xml, parser)
    except (etree.XMLSyntaxError, ValueError):
        raise Rejected("file.corrupt", NOT_ODT) from None


class _Reader:
    def __init__(self, root) -> None:
        self.blocks: list[Paragraph | Table] = []
        self.notes: list[Note] = []
        self.changes = 0
        self.change_place: str | None = None
        self.paragraphs = 0
        self.styles = {
            _attr(s, STYLE, "name"): _attr(s, STYLE, "parent-style-name") or ""
            for s in root.iter(_q(STYLE, "style"))
        }

    # --- text ---------------------------------------------------------------------------------
    def text(self, el, where: str) -> str:
        parts: list[str] = []
        self._inline(el, parts, where)
        return "".join(parts).strip(" ")

    def _inline(self, el, parts: list[str], where: str) -> None:
        if el.text:
            parts.append(_WS.sub(" ", el.text))
        for child in el:
            tag = child.tag
            if tag == SPACE:
                parts.append(" " * _count(child, TEXT, "c", 1000))
            elif tag == TAB:
                parts.append("\t")
            elif tag == BREAK:
                parts.append("\n")
            elif tag in CHANGES:
                self._changed(where)
            elif tag not in HIDDEN and isinstance(tag, str):
                self._inline(child, parts, where)
            if child.tail:
                parts.append(_WS.sub(" ", child.tail))

    def _changed(self, where: str) -> None:
        self.changes += 1
        if self.change_place is None:
            self.change_place = where

    def style(self, el) -> str:
        name = _attr(el, TEXT, "style-name") or ""
        name = self.styles.get(name) or name  # automatic styles ("P3") name the style they change
        return name.replace("_20_", " ")

    # --- blocks -------------------------------------------------------------------------------
    def body(self, container) -> None:
        for el in container:
            if el.tag in (P, H):
                self.paragraphs += 1
                self.blocks.append(Paragraph(self.text(el, f"paragraph {self.paragraphs}"), self.style(el)))
            elif el.tag == T_TABLE:
                self.table(el, number=len([b for b in self.blocks if isinstance(b, Table) and not b.inside]) + 1)
            elif el.tag == LIST or el.tag == SECTION or el.tag == _q(TEXT, "list-item") \
                    or el.tag == _q(TEXT, "list-header"):
                self.body(el)

    def _rows(self, table):
        for el in table:
            if el.tag == T_ROW:
                yield el
            elif el.tag in ROW_GROUPS:
                yield from self._rows(el)

    def table(self, el, number: int, inside: str | None = None) -> None:
        label = Table(number, (), inside=inside)
        rows: list[tuple[Cell, ...]] = []
        nested: list[tuple[object, str, int]] = []
        down: dict[int, tuple[int, int, Cell]] = {}  # column -> (first row, last row, cell) merged down
        for row_el in self._rows(el):
            for _ in range(_count(row_el, TABLE, "number-rows-repeated", MAX_ROWS)):
                if len(rows) == MAX_ROWS:
                    break
                r = len(rows) + 1
                rows.append(self._row(row_el, r, label, down, nested))
        self.blocks.append(Table(number, tuple(rows), inside=inside))
        for sub, where, n in nested:  # nested tables follow the table that holds them
            self.table(sub, number=n, inside=where)

    def _row(self, row_el, r: int, label: Table, down: dict, nested: list) -> tuple[Cell, ...]:
        """A row's cells. Each cell or covered cell takes one grid column (a cell spanning columns is
        followed by covered cells); a covered cell under a cell merged down repeats it."""
        cells: list[Cell] = []
        col = 0
        for cell_el in row_el:
            if cell_el.tag not in (T_CELL, T_COVERED):
                continue
            for _ in range(_count(cell_el, TABLE, "number-columns-repeated", MAX_COLUMNS)):
                col += 1
                if col > MAX_COLUMNS:
                    return tuple(cells)
                if cell_el.tag == T_CELL:
                    cells.append(self._cell(cell_el, r, col, label, down, nested))
                    continue
                for first, last, cell in down.values():
                    if first < r <= last and cell.column == col:
                        cells.append(Cell(cell.paragraphs, col, cell.span, merged_from=first))
        return tuple(cells)

    def _cell(self, el, r: int, col: int, label: Table, down: dict, nested: list) -> Cell:
        span = _count(el, TABLE, "number-columns-spanned", MAX_COLUMNS)
        span_down = _count(el, TABLE, "number-rows-spanned", MAX_ROWS)
        where = label.where(r, col)
        paragraphs: list[str] = []
        count = 0
        for child in el.iter(P, H, T_TABLE):
            if child.tag == T_TABLE:
                if _nearest_cell(child) is el:
                    count += 1
                    nested.append((child, where, count))
            elif _nearest_cell(child) is el:
                paragraphs.append(self.text(child, where))
        cell = Cell(tuple(paragraphs), col, span, merged_from=r if span_down > 1 else None)
        if span_down > 1:
            down[col] = (r, r + span_down - 1, cell)
        return cell


def _nearest_cell(el):
    """The table cell that directly holds ``el`` (not a nested table's cell)."""
    parent = el.getparent()
    while parent is not None and parent.tag not in (T_CELL, T_COVERED):
        parent = parent.getparent()
    return parent


def read(data: bytes) -> Document:
    """The .odt ``data`` as a ``Document``; ``Rejected`` when it cannot be read."""
    root = parse_xml(content_xml(data))
    body = root.find(f"{{{OFFICE}}}body/{{{OFFICE}}}text")
    if body is None:
        raise Rejected("file.corrupt", NOT_ODT)
    reader = _Reader(root)
    reader.body(body)
    regions = body.find(_q(TEXT, "tracked-changes"))
    pending = 0 if regions is None else len(regions.findall(_q(TEXT, "changed-region")))
    if pending or reader.changes:
        reader.notes.append(Note(
            "document.tracked_changes", reader.change_place or "the document",
            f"The document has {max(pending, reader.changes)} tracked change(s) not yet accepted; "
            "it was read as if they were all accepted. Accept or reject them in LibreOffice "
            "(Edit > Track Changes > Manage) if that is not what you meant."))
    return Document(tuple(reader.blocks), "OpenDocument", tuple(reader.notes))
