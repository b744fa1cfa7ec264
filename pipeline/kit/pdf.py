"""Reading a PDF of the official form (as LibreOffice's or Word's "Save as PDF" writes it) into a
``Document``, and refusing PDFs that cannot be read safely or at all.

``screen`` runs in intake before any parser: encrypted PDFs, more pages than a return has, streams
that inflate beyond the unzipped limit ("PDF bombs") and absurdly deep nesting are refused from the
raw bytes. ``read`` then uses pdfplumber: tables from the ruling lines (pdfplumber's table finder),
each cell's words placed by position and put back into lines and paragraphs, the text outside
tables as paragraphs, all in reading order. Places are named with the page: "page 3, table 2,
row 4" (tables counted per page). A table that runs on at the top of the next page (same left and
right edges, same columns, nothing above it) is read as one table, numbered on the page where it
starts; a row cut by the page break is put back together when its continuation is plainly a tail
(an empty first cell, or empty cells where the row above has text). No OCR: a PDF without text
(a scan) is refused with what to send instead.
"""

from __future__ import annotations

import io
import re
import statistics
import zlib
from dataclasses import dataclass, field

from pipeline.kit.document import Cell, Document, Paragraph, Table
from pipeline.kit.intake import Limits, Rejected

MAX_PAGES = 200
MAX_NESTING = 100
SEND_INSTEAD = "Send the Word form (.docx), or a PDF saved from Word or LibreOffice (File > Save as PDF)."
_ENCRYPT = re.compile(rb"/Encrypt\b")
_STREAM = re.compile(rb"stream\r?\n")
_COUNT = re.compile(rb"/Count\s+(\d{1,12})")
_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
_NESTED = re.compile(rb"(?:\[\s*){%d}|(?:<<\s*(?:/[^\s/<>\[\]()]+\s*)?){%d}" % (MAX_NESTING, MAX_NESTING))


def _refuse(rule: str, message: str) -> Rejected:
    return Rejected(rule, message)


def screen(data: bytes, limits: Limits) -> None:
    """Refuse, from the raw bytes and before any PDF parser runs, what no return looks like."""
    if not data.startswith(b"%PDF-"):
        raise _refuse("file.corrupt", "The file's name says it is a PDF but its content is not. " + SEND_INSTEAD)
    if _ENCRYPT.search(data):
        raise _refuse("file.encrypted_or_legacy", "The PDF is password-protected or encrypted. Save it again "
                      "without a password (or send the Word form, .docx) and resend it.")
    pages = max([len(_PAGE.findall(data))] + [int(n) for n in _COUNT.findall(data)])
    if pages > MAX_PAGES:
        raise _refuse("file.too_many_pages", f"The PDF has {pages} pages; a return has far fewer (at most "
                      f"{MAX_PAGES} are read). Check that it is the right file. " + SEND_INSTEAD)
    if _NESTED.search(data):
        raise _refuse("file.corrupt", "The PDF nests its contents deeper than any real document does; this is "
                      "how harmful files look, so it is refused. " + SEND_INSTEAD)
    _check_streams(data, limits)


def _check_streams(data: bytes, limits: Limits) -> None:
    """Inflate every compressed stream in small steps, never keeping it, and refuse the file once
    they give more than the unzipped limit, or one is compressed beyond any real document."""
    total, view, step = 0, memoryview(data), 64 * 1024
    for match in _STREAM.finditer(data):
        start = match.end()
        end = data.find(b"endstream", start)
        if end < 0:
            break
        inflater, produced = zlib.decompressobj(), 0
        try:
            for pos in range(start, end, step):
                pending = view[pos:min(pos + step, end)]
                while pending and not inflater.eof:
                    produced += len(inflater.decompress(pending, 1024 * 1024))
                    total_now = total + produced
                    if total_now > limits.max_unzipped_bytes or (
                            produced > 1024 * 1024 and produced > limits.max_zip_ratio * (end - start)):
                        raise _refuse("file.zip_limits", "Part of the PDF expands far beyond any real document's "
                                      "when opened; this is how harmful 'PDF bombs' look, so the file is refused.")
                    pending = inflater.unconsumed_tail
                if inflater.eof:
                    break
        except zlib.error:
            pass  # not deflated (an image, or plain): nothing to inflate
        total += produced


# --- reading -------------------------------------------------------------------------------------

@dataclass
class _Grid:
    """A table while it is read: rows of raw cells (left, right, paragraphs, row merged from)."""

    page: int
    bbox: tuple[float, float, float, float]
    rows: list[list[tuple[float, float, tuple[str, ...], int | None]]] = field(default_factory=list)

    def table(self, number: int, page: int) -> Table:
        """As a ``Table``: grid columns from every cell edge of every row."""
        xs = sorted({round(x) for row in self.rows for c in row for x in c[:2]})
        return Table(number, tuple(tuple(Cell(p, xs.index(round(x0)) + 1, xs.index(round(x1)) - xs.index(round(x0)),
                                              merged) for x0, x1, p, merged in row) for row in self.rows), page=page)


def _lines(words: list[dict]) -> list[tuple[float, float, float, float, str, int, float]]:
    """Words grouped into lines: (top, bottom, x0, x1, text, words, width of the first word)."""
    lines: list[list[dict]] = []
    for w in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if lines and abs(lines[-1][0]["top"] - w["top"]) < 3:
            lines[-1].append(w)
        else:
            lines.append([w])
    out = []
    for line in lines:
        line.sort(key=lambda w: w["x0"])
        out.append((min(w["top"] for w in line), max(w["bottom"] for w in line), line[0]["x0"],
                    line[-1]["x1"], " ".join(w["text"] for w in line), len(line), line[0]["x1"] - line[0]["x0"]))
    return out


def _paragraphs(words: list[dict], left: float, right: float) -> list[str]:
    """Lines put back into paragraphs. A line ends its paragraph when the next line's first word
    would have fitted after it (so the break was not a wrap) or a gap taller than half a line
    follows; a single word filling its line (cut by a narrow column) joins the next without a space."""
    lines = _lines(words)
    if not lines:
        return []
    height = statistics.median(b - t for t, b, *_ in lines) or 10
    right -= max(0.0, min(line[2] for line in lines) - left)  # the cell's padding, as on the left
    paragraphs, current = [], ""
    for i, (top, bottom, x0, x1, text, count, first) in enumerate(lines):
        if i:
            prev = lines[i - 1]
            room = right - prev[3]
            if top - prev[1] > 0.6 * height or room > first + 0.5 * height:
                paragraphs.append(current)
                current = text
                continue
            # LibreOffice and Word cut a word only when it is wider than the column, filling the line
            # until its next letter would not fit
            letter = first / max(1, len(text.split(" ", 1)[0]))
            cut = prev[5] == 1 and room < letter + 0.2 * height and (text[:1].islower() or text[:1].isdigit())
            broken = prev[4].endswith(("-", "/")) and not prev[4].endswith((" -", " /"))  # hartmoor-|university
            current += ("" if cut or broken else " ") + text
        else:
            current = text
    paragraphs.append(current)
    return paragraphs


def _within(word: dict, box) -> bool:
    cx, cy = (word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2
    return box[0] <= cx <= box[2] and box[1] <= cy <= box[3]


def _grid(found, words: list[dict], page: int) -> _Grid:
    cells = [c for c in found.cells if c]
    tops = sorted({round(c[1]) for c in cells})
    grid = _Grid(page, found.bbox)
    texts = {c: tuple(_paragraphs([w for w in words if _within(w, c)], c[0] + 2, c[2] - 2)) for c in cells}
    for r, top in enumerate(tops, 1):
        row = []
        for c in sorted((c for c in cells if round(c[1]) <= top < round(c[3]) - 1), key=lambda c: c[0]):
            first = tops.index(round(c[1])) + 1
            down = first != r or any(top < t < round(c[3]) - 1 for t in tops)
            row.append((c[0], c[2], texts[c], first if down else None))
        grid.rows.append(row)
    return grid


def _continues(prev: _Grid, grid: _Grid) -> bool:
    return grid.page == prev.page + 1 and abs(grid.bbox[0] - prev.bbox[0]) <= 2 and abs(grid.bbox[2] - prev.bbox[2]) <= 2


def _under(above, row) -> list[list]:
    """For each cell of ``above``, the cells of ``row`` whose middle lies under it."""
    return [[c for c in row if a[0] <= (c[0] + c[1]) / 2 <= a[1]] for a in above]


def _tail(above, row) -> bool:
    """Whether ``row``, at the top of a page, is the rest of ``above`` cut by the page break: its first
    cell is empty, or a cell of ``above`` with text has nothing under it."""
    if not row or not above or not any(any(c[2]) for c in row):
        return False
    if not any(row[0][2]):
        return True
    if all(c[2][0][:1].islower() for c in row if any(c[2])):  # sentences running on
        return True
    return any(any(a[2]) and not any(any(c[2]) for c in under) for a, under in zip(above, _under(above, row)))


def _join(above, row) -> list:
    joined = []
    for a, under in zip(above, _under(above, row)):
        paras = list(a[2])
        for c in under:
            more = list(c[2])
            if paras and more:
                paras[-1] = f"{paras[-1]} {more.pop(0)}".strip()
            paras += more
        joined.append((a[0], a[1], tuple(paras), a[3]))
    return joined


def read(data: bytes) -> Document:
    """The PDF ``data`` (screened by intake) as a ``Document``; ``Rejected`` when it has no text or
    cannot be read."""
    import pdfplumber  # imported when a PDF arrives: it is slow to import

    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            if len(pdf.pages) > MAX_PAGES:
                raise _refuse("file.too_many_pages", f"The PDF has {len(pdf.pages)} pages; at most {MAX_PAGES} "
                              "are read. " + SEND_INSTEAD)
            items = []  # (page, top, Paragraph | _Grid)
            chars = 0
            for number, page in enumerate(pdf.pages, 1):
                chars += len(page.chars)
                words = page.extract_words()
                found = page.find_tables(_settings(page))
                for t in found:
                    items.append((number, t.bbox[1], _grid(t, words, number)))
                loose = [w for w in words if not any(_within(w, t.bbox) for t in found)]
                for top, text in _loose_paragraphs(loose, page):
                    items.append((number, top, Paragraph(text)))
    except Rejected:
        raise
    except Exception:  # pdfminer raises many kinds (and RecursionError) on damaged or hostile files
        raise _refuse("file.corrupt", "The PDF could not be read; it may be damaged. " + SEND_INSTEAD) from None
    if chars == 0:
        raise _refuse("file.no_text", "The PDF has no text in it, only images (a scan or a photo); techbench "
                      "cannot read scans. " + SEND_INSTEAD)
    return Document(tuple(_blocks(sorted(items, key=lambda i: (i[0], i[1])))), "PDF")


def _settings(page) -> dict:
    """pdfplumber's table settings, with a line at the top and bottom of the page's ruled area: a
    table cut by the page break has no border there, and would not be found without it."""
    verticals = [e for e in page.edges if e["orientation"] == "v"]
    if not verticals:
        return {}
    return {"explicit_horizontal_lines": [min(e["top"] for e in verticals), max(e["bottom"] for e in verticals)]}


def _loose_paragraphs(words: list[dict], page) -> list[tuple[float, str]]:
    """The text outside tables, as paragraphs with their tops (a paragraph ends at a blank gap)."""
    out: list[tuple[float, str]] = []
    lines = _lines(words)
    start = 0
    for i in range(1, len(lines) + 1):
        if i == len(lines) or lines[i][0] - lines[i - 1][1] > 0.6 * (lines[i - 1][1] - lines[i - 1][0]):
            chunk = [w for w in words if lines[start][0] - 1 <= w["top"] <= lines[i - 1][0] + 1]
            text = " ".join(line[4] for line in _lines(chunk))
            out.append((lines[start][0], text))
            start = i
    return out


def _blocks(items) -> list[Paragraph | Table]:
    blocks: list[Paragraph | Table] = []
    grid: _Grid | None = None  # the last table read, while it is the last block
    per_page: dict[int, int] = {}
    previous_page = 0
    for page, _top, item in items:
        first_on_page, previous_page = page != previous_page, page
        if isinstance(item, Paragraph):
            blocks.append(item)
            grid = None
            continue
        if grid is not None and first_on_page and _continues(grid, item):
            rows = item.rows
            if rows and grid.rows and _tail(grid.rows[-1], rows[0]):
                grid.rows[-1] = _join(grid.rows[-1], rows[0])
                rows = rows[1:]
            offset = len(grid.rows) - len(item.rows) + len(rows)
            grid.rows.extend([(x0, x1, p, None if m is None else m + offset) for x0, x1, p, m in r] for r in rows)
            grid.page = item.page
            blocks[-1] = grid.table(blocks[-1].number, blocks[-1].page)
            continue
        per_page[page] = per_page.get(page, 0) + 1
        grid = item
        blocks.append(item.table(per_page[page], page))
    return blocks
