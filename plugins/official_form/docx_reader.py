"""Reading the official self-assessment form from a ``pipeline.kit.document.Document``: a Word file
(``read``), and the same way any other format that reader's model covers (``read_form``).

Tables are recognised by what they say, not by their position, because people add, drop and
reorder parts of Word forms: the contact table by its labels, each question by its wording, the
technicians and action-plan tables by their column headings (with the synonyms people use).
Locations are the model's ("table N, row R, column C", and ", paragraph P"), counting from 1 in
reading order; columns are the table's grid columns, so a merged heading does not shift them.

This module reads the form's questions, contact and sign-off; ``form_words`` says what identifies
each part, ``form_figures`` reads the tables of rows (technicians, registrations, action plan).
"""


from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.kit import (WHOLE_FILE, Issue, ParseContext, ParseResult, PluginInfo, ReturnBuilder, SourceFile, normalise,
                          word)
from pipeline.kit.document import Cell, Document, Paragraph, Table
from pipeline.schema import Theme
from plugins.official_form import form_figures, form_tables, form_words
from plugins.official_form.form_words import CONTACT_LABELS, KINDS, QUESTIONS, SYNTHETIC_MARK

STAGE_RE = re.compile(r"\bstage\s*([1-9])\b", re.I)
NUMBER_OF_TECHNICIANS_RE = re.compile(r"\b(\d{1,3}(?:,\d{3})*|\d+)\s+(?:\w+\s+){0,2}technic", re.I)


def _lines(cell: Cell) -> Iterator[tuple[int, str]]:
    """Non-blank lines of a cell with their paragraph number (1-based)."""
    for p_no, para in enumerate(cell.paragraphs, start=1):
        for line in para.split("\n"):
            if line.strip():
                yield p_no, line.strip()



def _following(rest: list[Paragraph | Table], to_question: bool = False) -> list[tuple[int, str]]:
    """Non-blank lines of the paragraphs that follow, with their paragraph number (1-based), up to
    the next table (or, with ``to_question``, the next question)."""
    lines = []
    for p_no, nxt in enumerate(rest, start=1):
        if isinstance(nxt, Table) or (to_question and nxt.text.strip() and form_words.question(nxt.text)):
            break
        for line in nxt.text.split("\n"):
            if line.strip():
                lines.append((p_no, line.strip()))
    return lines


def read(source: SourceFile, info: PluginInfo, context: ParseContext) -> ParseResult:
    """The form as a Word file."""
    try:
        document = word.read(source.data)
    except word.Unreadable:
        return ParseResult(None, [Issue(
            rule="file.corrupt", severity="error", location=WHOLE_FILE,
            message="This Word file could not be opened; it may be damaged or not a .docx. "
            "Open it in Word, save it as .docx and resend it.")])
    return read_form(document, source, info, context)


def read_form(document: Document, source: SourceFile, info: PluginInfo, context: ParseContext) -> ParseResult:
    """The form from any format's ``Document``; its notes (unaccepted changes...) become warnings."""
    return FormReader(document, source, info, context).read()


class FormReader:
    def __init__(self, document: Document, source: SourceFile, info: PluginInfo, context: ParseContext) -> None:
        self.document, self.source, self.context = document, source, context
        self.b = ReturnBuilder(source, info)
        self.sections: set[str] = set()  # the parts of the form found
        self.heading_theme: Theme | None = None
        self.actions_read = 0  # actions of earlier plan tables: a plan may run over several
        self.narrative_count: tuple[re.Match | None, str] | None = None

    def read(self) -> ParseResult:
        for note in self.document.notes:
            self.b.issue(note.rule, "warning", None, note.location, note.message)
        blocks = list(self.document.blocks)
        self._stage(blocks)
        last: Table | None = None  # the last table outside any other, for paragraphs' places
        for i, block in enumerate(blocks):
            if isinstance(block, Table):  # a table LibreOffice joined to the next is read as its parts
                for part in form_tables.parts(block, KINDS):
                    self._table(part, blocks[i + 1:])
                last = block if block.inside is None else last
            else:
                self._paragraph(block, last, blocks[i + 1:])
        if len(self.sections) < 3:
            self.b.issue("form.not_a_return", "error", None, WHOLE_FILE,
                         f"This {self.document.kind} document does not look like the Technician Commitment "
                         "self-assessment "
                         "form: its questions and tables were not found. Use the form from "
                         "`techbench template --format docx` and keep its questions.")
            return ParseResult(None, self.b.issues)
        self._expected_places()
        return self.b.build(self.context)

    # --- body elements ----------------------------------------------------------------------
    def _stage(self, blocks: list[Paragraph | Table]) -> None:
        if self.context.stage is not None:
            return
        for block in blocks[:6]:
            if isinstance(block, Paragraph) and (m := STAGE_RE.search(block.text)):
                self.b.set("/stage", int(m[1]), f"paragraph '{block.text.strip()[:40]}'")
                return
        self.b.set("/stage", 1, "not stated in the form's title")
        self.b.issue("stage.assumed", "warning", "/stage", "not stated in the form's title",
                     "The form does not say which stage it is for, so Stage 1 is assumed. "
                     "Say the stage when you hand it in (e.g. --stage 2).")

    def _paragraph(self, block: Paragraph, last: Table | None, rest: list[Paragraph | Table]) -> None:
        text = block.text.strip()
        if not text:
            return
        if text == SYNTHETIC_MARK:
            self.b.set("/synthetic", True, f"paragraph '{text[:30]}…'")
            return
        heading = normalise.theme_heading(text)
        if heading and not heading[1]:
            self.heading_theme = heading[0]
        question = form_words.question(text)
        if question and len(text) > 25:
            # A question written as a paragraph (not in the form's table): its answer is the
            # paragraphs that follow, up to the next table or question.
            lines = _following(rest, to_question=True)
            where = f"after {last.label}" if last else "before the first table"
            self._answer(question, lines, lambda p: f"paragraph {p} {where}, after '{text[:30]}…'",
                         f"paragraphs {where}")

    def _table(self, table: Table, rest: list[Paragraph | Table]) -> None:
        rows = table.rows
        if not rows or not rows[0]:
            return
        first = " ".join(c.text for c in rows[0])
        question = form_words.question(first)
        if question and len(rows[0]) == 1:
            cells = [r[0] for r in rows[1:] if r]
            lines = [(f"row {r_no}, paragraph {p_no}", line)
                     for r_no, cell in enumerate(cells, start=2) for p_no, line in _lines(cell)]
            if not lines:  # answer written below the table instead of in it
                lines = [(f"paragraph {p_no} after the table", line)
                         for p_no, line in _following(rest)]
            self._answer(question, lines, lambda p: f"{table.label}, {p}", table.where(row=2))
            return
        if self._key_values(table):
            return
        if found := form_tables.heading(rows[0], KINDS):
            kind, mapping = found
            self._rows(kind, table, mapping)

    # --- sections ------------------------------------------------------------------------------
    def _answer(self, question: str, lines: list, where, empty_place: str) -> None:
        self.sections.add(question)
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

    def _key_values(self, table: Table) -> bool:
        """The contact table and the sign-off table: label cells followed by value cells."""
        pairs = []
        for r_no, row in enumerate(table.rows, start=1):
            for c in range(0, len(row) - 1, 2):
                pairs.append((r_no, row[c + 1].column, row[c].text.strip(), row[c + 1].text.strip()))
        if not pairs:
            return False
        labels = [normalise.match_key(p[2]) for p in pairs]
        if sum(1 for lab in labels if lab.startswith(("signed", "signature"))) >= 1:
            self._sign_off(pairs, table)
            return True
        contact = [(p, form_words.label(p[2], CONTACT_LABELS)) for p in pairs]
        if sum(1 for _, ptr in contact if ptr) >= 2:
            self.sections.add("contact")
            for (r_no, c_no, _, value), pointer in contact:
                if pointer:
                    self.b.text(pointer, value, table.where(r_no, c_no))
            return True
        return False

    def _sign_off(self, pairs: list, table: Table) -> None:
        self.sections.add("sign_off")
        who = None
        seen: list[str] = []
        for r_no, c_no, label, value in pairs:
            key = normalise.match_key(label)
            place = table.where(r_no, c_no)
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

    def _rows(self, kind: str, table: Table, mapping: dict[str, int]) -> None:
        """A table of rows (``form_figures``), by the kind its heading row says it is."""
        if kind == "actions":
            self.sections.add("action_plan")
            self.actions_read = form_figures.read_plan(self.b, table, mapping, self.actions_read, self.heading_theme)
            return
        if kind == "areas":
            self.sections.add("areas")
        {"registrations": form_figures.read_registrations, "metrics": form_figures.read_metrics,
         "areas": form_figures.read_areas}[kind](self.b, table, mapping)

    def _expected_places(self) -> None:
        """Where missing answers would have gone, so their issues point somewhere useful."""
        if "areas" not in self.sections and self.narrative_count:
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
            if question not in self.sections and question != "action_plan_intro":
                self.b.at(f"/{question}", f"not found: expected the question on {question.replace('_', ' ')}")

