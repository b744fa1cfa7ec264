"""Reading the official self-assessment form as a Word document.

Tables are recognised by what they say, not by their position, because people add, drop and
reorder parts of Word forms: the contact table by its labels, each question by its wording, the
technicians and action-plan tables by their column headings (with the synonyms people use).
Locations are given as "table N, row R" (and ", paragraph P"), counting from 1 in reading order.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from pipeline import normalise
from pipeline.builder import ReturnBuilder
from pipeline.plugin_api import WHOLE_FILE, ParseContext, ParseResult, PluginInfo, SourceFile
from pipeline.schema import Theme

# Question -> phrases that identify it (checked in this order: the voice and URL questions also
# mention the action plan).
QUESTIONS: dict[str, tuple[str, ...]] = {
    "technician_voice": ("technician voice",),
    "published_url": ("relevant url", "provide the url", "web address", "published on your organisation"),
    "profile": ("profile of your organisation", "organisation profile", "brief profile"),
    "technician_definition": ("defines its technicians", "define technicians", "definition of technician",
                              "defines technicians"),
    "technicians_narrative": ("how many technicians",),
    "initiatives_before": ("prior to becoming", "already in place"),
    "initiatives_since": ("since becoming",),
    "action_plan_intro": ("month action plan", "action plan detailing", "future action plan"),
}

CONTACT_LABELS: dict[str, tuple[str, ...]] = {
    "/lead/email": ("e mail", "email"),
    "/lead/phone": ("contact number", "phone", "telephone", "tel", "contact telephone"),
    "/lead/name": ("name of institutional lead", "institutional lead", "lead name", "name of lead"),
    "/signatory_name": ("organisation", "organization", "institution", "name of organisation", "university"),
}

AREA_COLUMNS: dict[str, tuple[str, ...]] = {
    "fte": ("fte", "full time equivalent", "wte"),
    "headcount": ("number of technicians", "headcount", "number", "no of technicians", "no", "technicians",
                  "count", "staff"),
    "name": ("department faculty area", "department", "faculty", "area", "school", "division",
             "location", "unit", "directorate", "college"),
}

ACTION_COLUMNS: dict[str, tuple[str, ...]] = {
    "theme": ("theme", "commitment theme"),
    "evidence": ("how impact will be evidenced", "evidence", "impact", "success measure",
                 "measure of success", "success criteria", "kpi", "outcome", "how will we know"),
    "owner": ("lead", "owner", "responsible", "responsibility", "who", "action owner"),
    "due": ("target date", "timescale", "deadline", "due", "date", "by when", "completion date",
            "timeframe", "timeline", "when"),
    "status": ("status", "progress", "rag"),
    "action": ("action", "actions", "activity", "what we will do", "objective", "planned action"),
}

REGISTRATION_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("register", "registration", "professional registration", "designation"),
    "count": ("number", "count", "technicians", "headcount", "number registered", "no"),
}

FORM_MARKERS = (b"Technician Commitment", b"technician voice", b"Institutional Lead", b"action plan")
TOTAL_RE = re.compile(r"^\s*(grand\s+)?total\b", re.I)
STAGE_RE = re.compile(r"\bstage\s*([123])\b", re.I)
NUMBER_OF_TECHNICIANS_RE = re.compile(r"\b(\d{1,3}(?:,\d{3})*|\d+)\s+(?:\w+\s+){0,2}technic", re.I)


MAX_DOCUMENT_XML = 50 * 1024 * 1024


def looks_like_form(data: bytes) -> bool:
    """Cheap check for detect(): does the document's text mention the form's own words?"""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            info = zf.getinfo("word/document.xml")
            if info.file_size > MAX_DOCUMENT_XML:
                return False
            xml = zf.read(info)
    except Exception:
        return False
    return sum(marker in xml for marker in FORM_MARKERS) >= 2


@dataclass
class Block:
    """A body element in reading order: a table (with its 1-based number) or a paragraph."""

    table: Table | None = None
    number: int = 0
    paragraph: Paragraph | None = None
    heading_theme: Theme | None = None


@dataclass
class Found:
    sections: set[str] = field(default_factory=set)


def _cells(row) -> list:
    """A row's cells with horizontally merged cells counted once."""
    seen, cells = set(), []
    for cell in row.cells:
        if id(cell._tc) not in seen:
            seen.add(id(cell._tc))
            cells.append(cell)
    return cells


def _lines(cell) -> Iterator[tuple[int, str]]:
    """Non-blank lines of a cell with their paragraph number (1-based)."""
    for p_no, para in enumerate(cell.paragraphs, start=1):
        for line in para.text.split("\n"):
            if line.strip():
                yield p_no, line.strip()


def _blocks(document) -> list[Block]:
    blocks, number = [], 0
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "tbl":
            number += 1
            blocks.append(Block(table=Table(child, document), number=number))
        elif tag == "p":
            blocks.append(Block(paragraph=Paragraph(child, document), number=number))
    return blocks


def _question(text: str) -> str | None:
    key = normalise._key(text)
    for name, phrases in QUESTIONS.items():
        if any(p in key for p in phrases):
            return name
    return None


def _label(text: str, labels: dict[str, tuple[str, ...]]) -> str | None:
    key = normalise._key(text)
    if not key:
        return None
    for pointer, words in labels.items():
        if any(key == w or key.startswith(w) for w in words):
            return pointer
    return None


def _header_map(row, columns: dict[str, tuple[str, ...]]) -> dict[str, int]:
    mapping: dict[str, int] = {}
    for i, cell in enumerate(_cells(row)):
        column = normalise.match_header(cell.text, columns)
        if column and column not in mapping:
            mapping[column] = i
    return mapping


class DocxReader:
    def __init__(self, source: SourceFile, info: PluginInfo, context: ParseContext) -> None:
        self.source, self.context = source, context
        self.b = ReturnBuilder(source, info)
        self.found = Found()
        self.heading_theme: Theme | None = None
        self.narrative_count: tuple[re.Match | None, str] | None = None

    def read(self) -> ParseResult:
        try:
            document = docx.Document(io.BytesIO(self.source.data))
        except Exception:  # python-docx raises many kinds on damaged packages
            self.b.issue("file.corrupt", "error", None, WHOLE_FILE,
                         "This Word file could not be opened; it may be damaged or not a .docx. "
                         "Open it in Word, save it as .docx and resend it.")
            return ParseResult(None, self.b.issues)
        blocks = _blocks(document)
        self._stage(blocks)
        for i, block in enumerate(blocks):
            if block.table is not None:
                self._table(block, blocks[i + 1:])
            elif block.paragraph is not None:
                self._paragraph(block, blocks[i + 1:])
        if len(self.found.sections) < 3:
            self.b.issue("form.not_a_return", "error", None, WHOLE_FILE,
                         "This Word document does not look like the Technician Commitment self-assessment "
                         "form: its questions and tables were not found. Use the form from "
                         "`techbench template --format docx` and keep its questions.")
            return ParseResult(None, self.b.issues)
        self._expected_places()
        return self.b.build(self.context)

    # --- body elements ----------------------------------------------------------------------
    def _stage(self, blocks: list[Block]) -> None:
        if self.context.stage is not None:
            return
        for block in blocks[:6]:
            if block.paragraph is not None and (m := STAGE_RE.search(block.paragraph.text)):
                self.b.set("/stage", int(m[1]), f"paragraph '{block.paragraph.text.strip()[:40]}'")
                return
        self.b.set("/stage", 1, WHOLE_FILE)
        self.b.issue("stage.assumed", "warning", "/stage", WHOLE_FILE,
                     "The form does not say which stage it is for, so Stage 1 is assumed. "
                     "Say the stage when you hand it in (e.g. --stage 2).")

    def _paragraph(self, block: Block, rest: list[Block]) -> None:
        text = block.paragraph.text.strip()
        if not text:
            return
        heading = normalise.theme_heading(text)
        if heading and not heading[1]:
            self.heading_theme = heading[0]
        question = _question(text)
        if question and len(text) > 25:
            # A question written as a paragraph (not in the form's table): its answer is the
            # paragraphs that follow, up to the next table or question.
            lines = []
            for p_no, nxt in enumerate(rest, start=1):
                if nxt.table is not None or (nxt.paragraph.text.strip() and _question(nxt.paragraph.text)):
                    break
                for line in nxt.paragraph.text.split("\n"):
                    if line.strip():
                        lines.append((p_no, line.strip()))
            where = f"after table {block.number}" if block.number else "before the first table"
            self._answer(question, lines, lambda p: f"paragraph {p} {where}, after '{text[:30]}…'",
                         f"paragraphs {where}")

    def _table(self, block: Block, rest: list[Block]) -> None:
        table, n = block.table, block.number
        rows = table.rows
        if not rows:
            return
        first = " ".join(c.text for c in _cells(rows[0]))
        question = _question(first)
        if question and len(_cells(rows[0])) == 1:
            cells = [_cells(r)[0] for r in rows[1:] if _cells(r)]
            lines = [(f"row {r_no}, paragraph {p_no}", line)
                     for r_no, cell in enumerate(cells, start=2) for p_no, line in _lines(cell)]
            if not lines:  # answer written below the table instead of in it
                lines = [(f"paragraph {p_no} after the table", line)
                         for p_no, line in self._following(rest)]
            self._answer(question, lines, lambda p: f"table {n}, {p}", f"table {n}, row 2")
            return
        if self._key_values(table, n):
            return
        if (mapping := _header_map(rows[0], ACTION_COLUMNS)) and "action" in mapping and len(mapping) >= 3:
            self._actions(table, n, mapping)
        elif (mapping := _header_map(rows[0], REGISTRATION_COLUMNS)) and len(mapping) == 2 and \
                "register" in normalise._key(first):
            self._registrations(table, n, mapping)
        elif (mapping := _header_map(rows[0], AREA_COLUMNS)) and "headcount" in mapping:
            self._areas(table, n, mapping)

    def _following(self, rest: list[Block]) -> list[tuple[int, str]]:
        lines = []
        for p_no, nxt in enumerate(rest, start=1):
            if nxt.table is not None:
                break
            for line in nxt.paragraph.text.split("\n"):
                if line.strip():
                    lines.append((p_no, line.strip()))
        return lines

    # --- sections ------------------------------------------------------------------------------
    def _answer(self, question: str, lines: list, where, empty_place: str) -> None:
        self.found.sections.add(question)
        if question == "action_plan_intro":
            return
        if question in ("initiatives_before", "initiatives_since"):
            self._initiatives(f"/{question}", lines, where, empty_place)
            return
        pointer = f"/{question}"
        text = "\n".join(line for _, line in lines)
        location = where(lines[0][0]) if lines else empty_place
        if question == "published_url":
            urls = re.findall(r"(?:https?://|www\.)\S+", text)
            text = urls[0].rstrip(".,;)") if len(urls) == 1 else text
        self.b.text(pointer, text, location)
        if question == "technicians_narrative" and text:
            self.narrative_count = (NUMBER_OF_TECHNICIANS_RE.search(text), location)

    def _initiatives(self, pointer: str, lines: list, where, empty_place: str) -> None:
        self.b.at(pointer, empty_place)
        theme: Theme | None = None
        i = 0
        for place, line in lines:
            heading = normalise.theme_heading(line)
            text = line
            if heading:
                theme, text = heading
                if not text:
                    continue
            text = text.lstrip("•-–*· ").strip()
            if not text:
                continue
            self.b.text(f"{pointer}/{i}/text", text, where(place))
            if theme is not None:
                self.b.set(f"{pointer}/{i}/theme", theme.value, where(place))
            i += 1

    def _key_values(self, table: Table, n: int) -> bool:
        """The contact table and the sign-off table: label cells followed by value cells."""
        pairs = []
        for r_no, row in enumerate(table.rows, start=1):
            cells = _cells(row)
            for c in range(0, len(cells) - 1, 2):
                pairs.append((r_no, c + 2, cells[c].text.strip(), cells[c + 1].text.strip()))
        if not pairs:
            return False
        labels = [normalise._key(p[2]) for p in pairs]
        if sum(1 for lab in labels if lab.startswith(("signed", "signature"))) >= 1:
            self._sign_off(pairs, n)
            return True
        contact = [(p, _label(p[2], CONTACT_LABELS)) for p in pairs]
        if sum(1 for _, ptr in contact if ptr) >= 2:
            self.found.sections.add("contact")
            for (r_no, c_no, _, value), pointer in contact:
                if pointer:
                    self.b.text(pointer, value, f"table {n}, row {r_no}, column {c_no}")
            return True
        return False

    def _sign_off(self, pairs: list, n: int) -> None:
        self.found.sections.add("sign_off")
        who = None
        seen: list[str] = []
        for r_no, c_no, label, value in pairs:
            key = normalise._key(label)
            place = f"table {n}, row {r_no}, column {c_no}"
            if key.startswith(("signed", "signature", "name")):
                if any(w in key for w in ("leader of institution", "head of", "vice chancellor", "principal",
                                          "president", "director", "signatory")):
                    who = "head"
                elif "lead" in key:
                    who = "lead"
                else:
                    who = "lead" if "lead" not in seen else "head"
                seen.append(who)
                self.b.text(f"/sign_off/{who}/name", value, place)
            elif key.startswith("date") and who:
                self.b.day(f"/sign_off/{who}/date", value, place, "A sign-off date")

    def _areas(self, table: Table, n: int, mapping: dict[str, int]) -> None:
        self.found.sections.add("areas")
        self.b.at("/technicians/headcount", f"table {n}, row 2 (no rows filled in)")
        name_col = mapping.get("name", 0)
        total_row = None
        i = 0
        fte_values: list[float | None] = []
        for r_no, row in enumerate(table.rows[1:], start=2):
            cells = [c.text.strip() for c in _cells(row)]
            get = lambda col: cells[mapping[col]] if col in mapping and mapping[col] < len(cells) else ""  # noqa: E731
            name = cells[name_col] if name_col < len(cells) else ""
            if not any(cells):
                continue
            if TOTAL_RE.match(name):
                total_row = r_no
                self.b.integer("/technicians/headcount", get("headcount"), f"table {n}, row {r_no}, column {mapping['headcount'] + 1}",
                               "The total number of technicians")
                if "fte" in mapping:
                    self.b.number("/technicians/fte", get("fte"), f"table {n}, row {r_no}, column {mapping['fte'] + 1}", "The total FTE")
                continue
            place = f"table {n}, row {r_no}"
            self.b.text(f"/technicians/areas/{i}/name", name or f"(row {r_no})", f"{place}, column {name_col + 1}")
            self.b.integer(f"/technicians/areas/{i}/headcount", get("headcount"),
                           f"{place}, column {mapping['headcount'] + 1}", f"The headcount for '{name}'")
            if "fte" in mapping:
                fte_values.append(self.b.number(f"/technicians/areas/{i}/fte", get("fte"),
                                                f"{place}, column {mapping['fte'] + 1}", f"The FTE for '{name}'"))
            i += 1
        if total_row is None and i:
            counts = [self.b.data["technicians"]["areas"][k].get("headcount") for k in range(i)]
            if None not in counts:
                self.b.set("/technicians/headcount", sum(counts), f"table {n} (sum of the area rows, no total row)")
            if fte_values and None not in fte_values:
                self.b.set("/technicians/fte", round(sum(fte_values), 2), f"table {n} (sum of the area rows)")

    def _registrations(self, table: Table, n: int, mapping: dict[str, int]) -> None:
        i = 0
        for r_no, row in enumerate(table.rows[1:], start=2):
            cells = [c.text.strip() for c in _cells(row)]
            name = cells[mapping["name"]] if mapping["name"] < len(cells) else ""
            count = cells[mapping["count"]] if mapping["count"] < len(cells) else ""
            if not name and not count or TOTAL_RE.match(name):
                continue
            place = f"table {n}, row {r_no}"
            register = self.b.enum(f"/registrations/{i}/name", name, f"{place}, column {mapping['name'] + 1}",
                                   normalise.parse_register, "professional register",
                                   "RSciTech, RSci, CSci, EngTech, IEng, CEng, RITTech, REnvTech, other")
            if register is None and name:
                self.b.set(f"/registrations/{i}/name", "other", f"{place}, column {mapping['name'] + 1}")
                self.b.set(f"/registrations/{i}/label", name, f"{place}, column {mapping['name'] + 1}")
            self.b.integer(f"/registrations/{i}/count", count, f"{place}, column {mapping['count'] + 1}",
                           f"The number registered as {name}")
            i += 1

    def _actions(self, table: Table, n: int, mapping: dict[str, int]) -> None:
        self.found.sections.add("action_plan")
        self.b.at("/action_plan", f"table {n}")
        theme = self.heading_theme
        i = 0
        for r_no, row in enumerate(table.rows[1:], start=2):
            cells = [c.text.strip() for c in _cells(row)]
            filled = [c for c in cells if c]
            if not filled:
                continue
            if len(set(filled)) == 1 and (heading := normalise.theme_heading(filled[0])) and not heading[1]:
                theme = heading[0]  # a theme heading row, often one merged cell
                continue
            place = f"table {n}, row {r_no}"
            col = lambda name: f"{place}, column {mapping[name] + 1}"  # noqa: E731
            get = lambda name: cells[mapping[name]] if name in mapping and mapping[name] < len(cells) else ""  # noqa: E731
            prefix = f"/action_plan/{i}"
            self.b.at(prefix, place)
            raw_theme = get("theme")
            if raw_theme:
                found = normalise.parse_theme(raw_theme) or (normalise.theme_heading(raw_theme) or (None,))[0]
                if found is None:
                    self.b.issue("parse.theme", "warning", f"{prefix}/theme", col("theme"),
                                 f"'{raw_theme}' is not a Technician Commitment theme; use Visibility, Recognition, "
                                 "Career Development, Sustainability or Evaluating Impact.")
                else:
                    theme = found
                    self.b.set(f"{prefix}/theme", found.value, col("theme"))
            elif theme is not None:
                self.b.set(f"{prefix}/theme", theme.value, f"{place} (theme from the heading above)")
            for name in ("action", "owner", "evidence"):
                if name in mapping:
                    self.b.text(f"{prefix}/{name}", get(name), col(name))
                else:
                    self.b.at(f"{prefix}/{name}", place)
            if "due" in mapping:
                self.b.due(f"{prefix}/due", get("due"), col("due"))
            else:
                self.b.at(f"{prefix}/due", place)
            if "status" in mapping:
                self.b.enum(f"{prefix}/status", get("status"), col("status"), normalise.parse_status,
                            "status", "Planned, In progress, Done, Dropped")
            i += 1

    def _expected_places(self) -> None:
        """Where missing answers would have gone, so their issues point somewhere useful."""
        if "areas" not in self.found.sections and self.narrative_count:
            match, location = self.narrative_count
            if match:
                self.b.integer("/technicians/headcount", match[1], f"{location} (from the answer's text)",
                               "The number of technicians")
        for pointer, what in (("/lead", "the contact table (Organisation, Institutional Lead, E-mail, Contact Number)"),
                              ("/signatory_name", "the contact table"),
                              ("/sign_off", "the sign-off table at the end of the form"),
                              ("/action_plan", "the action plan table"),
                              ("/technicians", "the technicians table (area, headcount, FTE)")):
            self.b.at(pointer, f"not found: expected {what}")
        for question in QUESTIONS:
            if question not in self.found.sections and question != "action_plan_intro":
                self.b.at(f"/{question}", f"not found: expected the question on {question.replace('_', ' ')}")
