"""Reading a Word (.docx) file into a ``pipeline.kit.document.Document`` as Word shows it with every
tracked change accepted.

Tracked insertions and moved-to text count; deletions and moved-from text do not; a paragraph whose
mark was deleted joins the next one, and deleted rows and cells are gone. Content controls (plain and
rich text, drop-down, combo box, date, checkbox) are read from their current content, around runs,
paragraphs, tables, rows or cells. A control showing its placeholder ("Click or tap here to enter
text.") reads as empty: the placeholder is the form's prompt, not the organisation's answer, and
reading it would fill a required field with a sentence nobody wrote. Hyperlinks, smart tags and
custom XML keep their text; fields keep their result, never their instruction. Text boxes and
drawings are not read (they float outside the reading order the form reader relies on).

Unaccepted changes (including formatting) and comments become ``Note``s at their place.

The package is parsed with lxml directly: intake has already refused DOCTYPE and entity declarations,
and this parser never resolves entities or fetches anything.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import replace

from lxml import etree

from pipeline.kit.document import Cell, Document, Note, Paragraph, Table, paragraph_place

_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def w(name: str) -> str:
    return f"{{{_NS}}}{name}"


P, TBL, TR, TC, R, SDT = w("p"), w("tbl"), w("tr"), w("tc"), w("r"), w("sdt")
VAL = w("val")
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)

#: Wrappers whose content Word shows as if they were not there.
TRANSPARENT = {w(n) for n in ("ins", "moveTo", "hyperlink", "smartTag", "customXml", "fldSimple", "dir", "bdo")}
#: Tracked-change elements, by what the lead is told they are.
CHANGES = {
    **{w(n): "inserted text" for n in ("ins", "cellIns")},
    **{w(n): "deleted text" for n in ("del", "cellDel")},
    **{w(n): "moved text" for n in ("moveFrom", "moveTo", "moveFromRangeStart", "moveToRangeStart")},
    **{w(n): "formatting changes" for n in ("rPrChange", "pPrChange", "tblPrChange", "tblPrExChange", "trPrChange",
                                            "tcPrChange", "sectPrChange", "tblGridChange", "numberingChange",
                                            "cellMerge")},
}
COMMENT_MARKS = (w("commentRangeStart"), w("commentReference"))
MAX_NOTES = 20  # per rule; the rest are counted in one more note

CHANGES_MESSAGE = ("This part of the document has tracked changes that are not accepted yet ({kinds}); "
                   "techbench read it as if every change were accepted. Accept or reject the changes in Word "
                   "(Review, Accept All Changes) and send the file again, so that what you sign is what is read.")
COMMENTS_MESSAGE = ("A comment is left here. Comments are not part of the return and techbench ignores them; "
                    "delete them in Word (Review, Delete All Comments) before sending the return.")


class Unreadable(Exception):
    """The file is not a Word document that can be opened (damaged, or not a .docx)."""


def read(data: bytes) -> Document:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            root = etree.fromstring(zf.read("word/document.xml"), PARSER)
            styles = _styles(zf)
    except Exception as exc:  # zipfile, zlib and lxml raise many kinds on damaged packages
        raise Unreadable(str(exc)) from exc
    body = root.find(w("body"))
    if body is None:
        raise Unreadable("word/document.xml has no body")
    return _Reader(styles).document(body)


def _styles(zf: zipfile.ZipFile) -> dict[str, str]:
    """Paragraph style id -> name ("Heading1" -> "heading 1"), from word/styles.xml if there is one."""
    if "word/styles.xml" not in zf.namelist():
        return {}
    root = etree.fromstring(zf.read("word/styles.xml"), PARSER)
    names = {}
    for style in root.iter(w("style")):
        name = style.find(w("name"))
        if name is not None:
            names[style.get(w("styleId"), "")] = name.get(VAL, "")
    return names


def _placeholder(sdt) -> bool:
    return sdt.find(f"{w('sdtPr')}/{w('showingPlcHdr')}") is not None


def _mark_deleted(p) -> bool:
    """The paragraph mark is a tracked deletion: accepted, the paragraph runs on into the next."""
    return p.find(f"{w('pPr')}/{w('rPr')}/{w('del')}") is not None


def _int(parent, child: str, default: int) -> int:
    """A count in a property (gridSpan, gridBefore); ``default`` if absent or not a number."""
    node = parent.find(w(child)) if parent is not None else None
    try:
        return max(0, int(node.get(VAL))) if node is not None else default
    except (TypeError, ValueError):
        return default


class _Reader:
    def __init__(self, styles: dict[str, str]) -> None:
        self.styles = styles
        self.hidden = 0  # > 0 inside a content control showing its placeholder
        self.fields: list[bool] = []  # open complex fields: True once past their instruction
        self.changes: dict[str, set[str]] = {}  # place -> kinds of change
        self.comments: dict[str, str] = {}  # comment id -> place

    def document(self, body) -> Document:
        blocks: list[Paragraph | Table] = []
        tables, since, last = 0, 0, None  # since: paragraphs since the last table
        for kind, item, elements in self._content(body):
            if kind == "table":
                tables, since = tables + 1, 0
                last, *nested = self._table(item, tables, None)
                blocks += [last, *nested]
                continue
            pr = elements[-1].find(w("pPr"))
            style = pr.find(w("pStyle")) if pr is not None else None
            style_id = style.get(VAL, "") if style is not None else ""
            blocks.append(Paragraph(item, self.styles.get(style_id, style_id)))
            since += 1
            place = paragraph_place(since, last)
            for p in elements:
                self._notice(p, place)
        self._notice(body.find(w("sectPr")), "the page layout (section settings)")
        return Document(tuple(blocks), "Word", self._notes())

    # --- structure ------------------------------------------------------------------------
    def _flatten(self, parent, tags: tuple[str, ...]) -> Iterator:
        """Children of ``parent`` with the given tags, looking through content controls and custom
        XML around them. While the caller handles an element from inside a control that shows its
        placeholder, ``self.hidden`` is raised, so its text reads as empty."""
        for child in parent:
            if child.tag in tags:
                yield child
            elif child.tag == SDT:
                content = child.find(w("sdtContent"))
                if content is not None:
                    placeholder = _placeholder(child)
                    self.hidden += placeholder
                    yield from self._flatten(content, tags)
                    self.hidden -= placeholder
            elif child.tag == w("customXml"):
                yield from self._flatten(child, tags)

    def _content(self, parent) -> Iterator[tuple[str, object, list]]:
        """Block content of the body or a cell: ("table", tbl, []) or ("paragraph", text, its w:p
        elements); paragraphs whose mark was deleted are joined to the next one."""
        texts: list[str] = []
        elements: list = []
        for el in self._flatten(parent, (P, TBL)):
            if el.tag == TBL:
                if elements:
                    yield "paragraph", "".join(texts), elements
                    texts, elements = [], []
                yield "table", el, []
                continue
            texts.append(self._text(el))
            elements.append(el)
            if not _mark_deleted(el):
                yield "paragraph", "".join(texts), elements
                texts, elements = [], []
        if elements:
            yield "paragraph", "".join(texts), elements

    def _table(self, tbl, number: int, inside: str | None) -> list[Table]:
        """The table, then the tables nested in its cells (each numbered from 1 within its cell)."""
        frame = Table(number, (), inside=inside)  # for its places, before its rows are known
        self._notice(tbl.find(w("tblPr")), frame.label)
        self._notice(tbl.find(w("tblGrid")), frame.label)
        rows: list[list[Cell]] = []
        nested: list[Table] = []
        above: dict[int, Cell] = {}  # grid column -> the vertically merged cell reaching this row
        for tr in self._flatten(tbl, (TR,)):
            pr = tr.find(w("trPr"))
            row_no = len(rows) + 1
            if pr is not None and pr.find(w("del")) is not None:
                self.changes.setdefault(f"{frame.label}, the deleted row after row {row_no - 1}",
                                        set()).add("deleted text")
                continue
            self._notice(pr, frame.where(row=row_no))
            self._notice(tr.find(w("tblPrEx")), frame.where(row=row_no))
            cells: list[Cell] = []
            column = 1 + _int(pr, "gridBefore", 0)
            for tc in self._flatten(tr, (TC,)):
                cell_pr = tc.find(w("tcPr"))
                place = frame.where(row=row_no, column=column)
                self._notice(cell_pr, place)
                if cell_pr is not None and cell_pr.find(w("cellDel")) is not None:
                    continue
                span = max(1, _int(cell_pr, "gridSpan", 1))
                paragraphs, inner = self._cell(tc, place)
                nested.extend(inner)
                merge = cell_pr.find(w("vMerge")) if cell_pr is not None else None
                if merge is not None and merge.get(VAL, "continue") == "continue" and column in above:
                    start = above[column]
                    cell = Cell(start.paragraphs, column, span, start.merged_from)
                else:
                    cell = Cell(tuple(paragraphs), column, span, row_no if merge is not None else None)
                    # (a start; or a continuation with nothing above it, which Word shows as a cell of its own)
                cells.append(cell)
                column += span
            above = {c.column: c for c in cells if c.merged_from is not None}
            rows.append(cells)
        _unmerge_lone_starts(rows)
        return [Table(number, tuple(tuple(r) for r in rows), inside=inside), *nested]

    def _cell(self, tc, place: str) -> tuple[list[str], list[Table]]:
        paragraphs: list[str] = []
        nested: list[Table] = []
        count = 0
        for kind, item, elements in self._content(tc):
            if kind == "table":
                count += 1
                nested.extend(self._table(item, count, place))
            else:
                paragraphs.append(item)
                for p in elements:
                    self._notice(p, place)
        return paragraphs, nested

    # --- text -------------------------------------------------------------------------------
    def _text(self, p) -> str:
        out: list[str] = []
        self._walk(p, out)
        return "".join(out)

    def _walk(self, parent, out: list[str]) -> None:
        for child in parent:
            if child.tag == R:
                self._run(child, out)
            elif child.tag in TRANSPARENT:
                self._walk(child, out)
            elif child.tag == SDT:
                content = child.find(w("sdtContent"))
                if content is not None:
                    placeholder = _placeholder(child)
                    self.hidden += placeholder
                    self._walk(content, out)
                    self.hidden -= placeholder
            # anything else (deletions, moved-from text, properties, bookmarks, comment marks,
            # drawings) shows no text of its own in the paragraph

    def _run(self, run, out: list[str]) -> None:
        for child in run:
            tag = child.tag
            if tag == w("fldChar"):
                kind = child.get(w("fldCharType"))
                if kind == "begin":
                    self.fields.append(False)
                elif kind == "separate" and self.fields:
                    self.fields[-1] = True
                elif kind == "end" and self.fields:
                    self.fields.pop()
                continue
            if self.hidden or not all(self.fields):  # a placeholder, or a field's instruction
                continue
            if tag == w("t"):
                out.append(child.text or "")
            elif tag in (w("tab"), w("ptab")):
                out.append("\t")
            elif tag == w("cr") or (tag == w("br") and child.get(w("type"), "textWrapping") == "textWrapping"):
                out.append("\n")
            elif tag == w("noBreakHyphen"):
                out.append("-")

    # --- notes ------------------------------------------------------------------------------
    def _notice(self, element, place: str) -> None:
        """Record tracked changes and comment marks in ``element`` (a paragraph or properties) at ``place``."""
        if element is None:
            return
        kinds = {CHANGES[node.tag] for node in element.iter(*CHANGES)}
        if kinds:
            self.changes.setdefault(place, set()).update(kinds)
        for mark in element.iter(*COMMENT_MARKS):
            self.comments.setdefault(mark.get(w("id"), ""), place)

    def _notes(self) -> tuple[Note, ...]:
        notes = [Note("file.tracked_changes", place, CHANGES_MESSAGE.format(kinds=", ".join(sorted(kinds))))
                 for place, kinds in self.changes.items()]
        notes += [Note("file.comments", place, COMMENTS_MESSAGE) for place in dict.fromkeys(self.comments.values())]
        kept: list[Note] = []
        for rule in ("file.tracked_changes", "file.comments"):
            of_rule = [n for n in notes if n.rule == rule]
            kept += of_rule[:MAX_NOTES]
            if len(of_rule) > MAX_NOTES:
                kept.append(Note(rule, "the rest of the document",
                                 f"There are {len(of_rule) - MAX_NOTES} more places like these; "
                                 + of_rule[0].message))
        return tuple(kept)


def _unmerge_lone_starts(rows: list[list[Cell]]) -> None:
    """A cell marked as starting a vertical merge that nothing continues is not merged."""
    for r_no, row in enumerate(rows, start=1):
        below = rows[r_no] if r_no < len(rows) else []
        for k, cell in enumerate(row):
            if cell.merged_from == r_no and not any(c.column == cell.column and c.merged_from == r_no for c in below):
                row[k] = replace(cell, merged_from=None)
