"""The feedback report an institution receives after peer review, as Word (.docx) and PDF.

Pure library, no storage. A ``FeedbackReport`` holds what the steering group releases: the outcome,
the consolidated summary and, per rubric theme, the agreed level with the rubric's words for it,
strengths, areas to develop and comments anchored to places in the plan. Nothing in it names a
reviewer (there is no field for one) and both documents' metadata give "techbench" as the author.

Every text is treated as untrusted: characters XML cannot hold (control characters) are removed,
and in the PDF text is escaped so it is never read as markup. The rubric's ``source`` line is
printed so a reader knows whose scale it is. python-docx and reportlab are imported inside the
writers: the CLI's start-up time matters.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.review.rubric import Rubric

AUTHOR = "techbench"
TITLE = "Peer review feedback"
SYNTHETIC_BANNER = "SYNTHETIC — generated for demonstration"
NO_LEVEL = "No agreed level"
NONE_RECORDED = "None recorded."
#: Printed in a PDF where a character its font (Bitstream Vera: Latin) has no glyph for became "?".
MISSING_GLYPHS = "Some characters cannot be shown in this PDF's font and appear as ?; the Word version has them."
#: The narrative parts a report carries, as the rubric names them.
STRENGTHS, AREAS = "strengths", "areas to develop"

# Control characters (tab and newline kept), lone surrogates and the two non-characters XML refuses.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_FONT = "TechbenchVera"


@dataclass(frozen=True)
class AnchoredComment:
    """A comment on one place in the plan; ``anchor`` is a human label ("Question 3.2", "Action CD-4")."""

    anchor: str
    text: str


@dataclass(frozen=True)
class ThemeFeedback:
    """One rubric theme: the agreed level (None when there is none) with the rubric's words for it."""

    theme_id: str
    label: str
    level: int | None
    level_label: str
    level_descriptor: str
    strengths: str
    areas_to_develop: str
    comments: tuple[AnchoredComment, ...] = ()


@dataclass(frozen=True)
class FeedbackReport:
    """What the institution receives. There is deliberately no field for reviewers."""

    institution: str
    signatory: str
    stage: int
    submission_id: str
    round_name: str
    outcome: str
    summary: str
    themes: tuple[ThemeFeedback, ...]
    rubric_source: str
    released_on: date | None = None
    synthetic: bool = False


def from_consensus(rubric: Rubric, *, institution: str, signatory: str, stage: int, submission_id: str,
                   round_name: str, outcome: str, summary: str, agreed: Mapping[str, int | None],
                   narratives: Mapping[str, Mapping[str, str]], comments: Iterable[tuple[str, str, str]] = (),
                   released_on: date | None = None, synthetic: bool = False) -> FeedbackReport:
    """The report for a recorded consensus, with labels and descriptors from ``rubric``, themes in its order.

    ``agreed`` maps theme id to level (None or missing: no agreed level), ``narratives`` maps theme id
    to {"strengths": ..., "areas to develop": ...}, ``comments`` are (theme id, anchor, text). A theme,
    level, outcome or narrative part the rubric does not have raises ``ValueError``.
    """
    known = {t.id for t in rubric.themes}
    comments = list(comments)
    unknown = sorted({*agreed, *narratives, *(c[0] for c in comments)} - known)
    if unknown:
        raise ValueError(f"not themes of this rubric: {', '.join(unknown)}")
    if outcome not in rubric.outcomes:
        raise ValueError(f"{outcome!r} is not an outcome of this rubric ({'; '.join(rubric.outcomes)})")
    parts = {p for n in narratives.values() for p in n}
    if parts - {STRENGTHS, AREAS}:
        raise ValueError(f"a report carries {STRENGTHS!r} and {AREAS!r} only, not "
                         f"{', '.join(sorted(map(repr, parts - {STRENGTHS, AREAS})))}")
    themes = []
    for theme in rubric.themes:
        level = agreed.get(theme.id)
        try:
            entry = rubric.level(level) if level is not None else None
        except KeyError as exc:
            raise ValueError(f"{theme.id}: {exc.args[0]}") from None
        narrative = narratives.get(theme.id, {})
        themes.append(ThemeFeedback(
            theme_id=theme.id, label=theme.label, level=level,
            level_label=entry.label if entry else NO_LEVEL, level_descriptor=entry.descriptor if entry else "",
            strengths=narrative.get(STRENGTHS, ""), areas_to_develop=narrative.get(AREAS, ""),
            comments=tuple(AnchoredComment(anchor, text) for tid, anchor, text in comments if tid == theme.id)))
    return FeedbackReport(institution=institution, signatory=signatory, stage=stage, submission_id=submission_id,
                          round_name=round_name, outcome=outcome, summary=summary, themes=tuple(themes),
                          rubric_source=rubric.source, released_on=released_on, synthetic=synthetic)


def clean(text: object) -> str:
    """``text`` as a string without control characters; line ends become ``\\n``."""
    return _UNSAFE.sub("", str(text).replace("\r\n", "\n").replace("\r", "\n"))


def file_name(report: FeedbackReport, ext: str) -> str:
    """A safe download name: ``[SYNTHETIC_]feedback_<signatory>_stage<stage>.<ext>`` (ext docx or pdf)."""
    ext = ext.lstrip(".").lower()
    if ext not in ("docx", "pdf"):
        raise ValueError(f"a feedback report is a .docx or a .pdf, not .{ext}")
    slug = re.sub(r"[^A-Za-z0-9]+", "-", clean(report.signatory)).strip("-")[:60] or "institution"
    stage = re.sub(r"[^0-9]", "", str(report.stage)) or "0"
    return f"{'SYNTHETIC_' if report.synthetic else ''}feedback_{slug}_stage{stage}.{ext}"


def _released(day: date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else "not yet released"


def _level_line(theme: ThemeFeedback) -> str:
    return NO_LEVEL if theme.level is None else f"Agreed level: {theme.level} — {theme.level_label}"


def _blocks(report: FeedbackReport) -> list[tuple[str, ...]]:
    """The document as (kind, text, ...) blocks, cleaned, so both formats say the same things."""
    blocks: list[tuple[str, ...]] = []
    if report.synthetic:
        blocks.append(("banner", SYNTHETIC_BANNER))
    blocks.append(("title", TITLE))
    for name, value in (("Institution", report.institution), ("Stage", report.stage),
                        ("Review round", report.round_name), ("Submission", report.submission_id),
                        ("Outcome", report.outcome), ("Released", _released(report.released_on))):
        blocks.append(("fact", name, clean(value)))
    blocks.append(("note", f"Levels and themes: {clean(report.rubric_source)}"))
    blocks += [("h1", "Summary"), ("text", clean(report.summary) or NONE_RECORDED)]
    for theme in report.themes:
        blocks += [("h1", clean(theme.label)), ("strong", clean(_level_line(theme)))]
        if theme.level_descriptor:
            blocks.append(("note", clean(theme.level_descriptor)))
        blocks += [("h2", "Strengths"), ("text", clean(theme.strengths) or NONE_RECORDED),
                   ("h2", "Areas to develop"), ("text", clean(theme.areas_to_develop) or NONE_RECORDED)]
        if theme.comments:
            blocks.append(("h2", "Comments on the plan"))
            blocks += [("comment", clean(c.anchor), clean(c.text)) for c in theme.comments]
    return blocks


def _lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip()] or [""]


def to_docx(report: FeedbackReport) -> bytes:
    """The report as a Word document; its core properties name techbench, never a person."""
    import docx
    from docx.shared import RGBColor

    document = docx.Document()
    facts = None
    for kind, *text in _blocks(report):
        if kind == "banner":
            run = document.add_paragraph().add_run(text[0])
            run.bold, run.font.color.rgb = True, RGBColor(0xB0, 0x00, 0x20)
            document.sections[0].header.paragraphs[0].text = text[0]  # on every page too
        elif kind == "title":
            document.add_heading(text[0], level=0)
        elif kind == "fact":
            if facts is None:
                facts = document.add_table(rows=0, cols=2)
                facts.style = "Table Grid"
            row = facts.add_row().cells
            row[0].paragraphs[0].add_run(text[0]).bold = True
            row[1].text = text[1]
        elif kind in ("h1", "h2"):
            document.add_heading(text[0], level=1 if kind == "h1" else 2)
        elif kind in ("note", "strong"):
            run = document.add_paragraph().add_run(text[0])
            run.italic, run.bold = kind == "note", kind == "strong"
        elif kind == "text":
            for line in _lines(text[0]):
                document.add_paragraph(line)
        elif kind == "comment":
            paragraph = document.add_paragraph(style="List Bullet")
            paragraph.add_run(f"{text[0]}: ").bold = True
            paragraph.add_run(text[1])
    props = document.core_properties
    now = datetime.now(timezone.utc).replace(microsecond=0)
    props.author, props.last_modified_by, props.comments = AUTHOR, "", ""
    props.title, props.subject = f"{TITLE}: {clean(report.institution)}"[:255], "Technician Commitment peer review"
    props.keywords, props.category, props.identifier = "", "", ""
    props.created, props.modified, props.revision = now, now, 1
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _markup(text: str) -> str:
    """``text`` escaped for a reportlab Paragraph, so nothing in it is read as markup."""
    from xml.sax.saxutils import escape

    return "<br/>".join(escape(line) for line in text.split("\n"))


def _register_fonts() -> None:
    """Bitstream Vera from the reportlab wheel: curly quotes, dashes and accented Latin letters."""
    import reportlab
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if _FONT in pdfmetrics.getRegisteredFontNames():
        return
    folder = Path(reportlab.__file__).resolve().parent / "fonts"
    for suffix, file, bold, italic in (("", "Vera.ttf", 0, 0), ("-Bold", "VeraBd.ttf", 1, 0),
                                       ("-Italic", "VeraIt.ttf", 0, 1), ("-BoldItalic", "VeraBI.ttf", 1, 1)):
        pdfmetrics.registerFont(TTFont(_FONT + suffix, str(folder / file)))
        addMapping(_FONT, bold, italic, _FONT + suffix)


def _fit(blocks: list[tuple[str, ...]], glyphs: set[int]) -> list[tuple[str, ...]]:
    """``blocks`` with each character the font has no glyph for as "?", and a note saying so if any was."""
    missing = False

    def fit(text: str) -> str:
        nonlocal missing
        text = unicodedata.normalize("NFC", text)
        kept = "".join(c if ord(c) in glyphs or c.isspace() else "?" for c in text)
        missing = missing or kept.count("?") > text.count("?")
        return kept

    fitted = [(kind, *map(fit, text)) for kind, *text in blocks]
    if missing:
        fitted.insert(next(i for i, b in enumerate(fitted) if b[0] == "note") + 1, ("note", MISSING_GLYPHS))
    return fitted


def to_pdf(report: FeedbackReport) -> bytes:
    """The report as a PDF (A4); its metadata name techbench as author, never a person.

    The font is Bitstream Vera from the reportlab wheel, which covers Latin scripts only: other
    characters appear as "?" with a note saying so (the Word version keeps them).
    """
    from reportlab.lib.colors import HexColor
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer

    from reportlab.pdfbase import pdfmetrics

    _register_fonts()
    body = ParagraphStyle("body", fontName=_FONT, fontSize=10, leading=14, spaceAfter=4, splitLongWords=1)
    style = {
        "text": body,
        "title": ParagraphStyle("title", body, fontName=_FONT + "-Bold", fontSize=18, leading=22, spaceAfter=10),
        "h1": ParagraphStyle("h1", body, fontName=_FONT + "-Bold", fontSize=13, leading=17, spaceBefore=10,
                            keepWithNext=1),
        "h2": ParagraphStyle("h2", body, fontName=_FONT + "-Bold", fontSize=10.5, spaceBefore=4, keepWithNext=1),
        "strong": ParagraphStyle("strong", body, fontName=_FONT + "-Bold", keepWithNext=1),
        "note": ParagraphStyle("note", body, fontName=_FONT + "-Italic", textColor=HexColor("#444444")),
        "banner": ParagraphStyle("banner", body, fontName=_FONT + "-Bold", textColor=HexColor("#B00020")),
    }
    story: list = []
    for kind, *text in _fit(_blocks(report), set(pdfmetrics.getFont(_FONT).face.charToGlyph)):
        if kind == "fact":
            story.append(Paragraph(f"<b>{_markup(text[0])}:</b> {_markup(text[1])}", body))
        elif kind == "comment":
            item = Paragraph(f"<b>{_markup(text[0])}:</b> {_markup(text[1])}", body)
            story.append(ListFlowable([ListItem(item)], bulletType="bullet", bulletFontName=_FONT, start="•"))
        elif kind == "text":
            story += [Paragraph(_markup(line), body) for line in _lines(text[0])]
        else:
            story.append(Paragraph(_markup(text[0]), style[kind]))
            if kind == "title":
                story.append(Spacer(1, 2 * mm))

    def decorate(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(_FONT, 8)
        if report.synthetic and doc.page > 1:  # the first page has it in the text
            canvas.setFillColor(HexColor("#B00020"))
            canvas.drawString(doc.leftMargin, A4[1] - 12 * mm, SYNTHETIC_BANNER)
        canvas.setFillColor(HexColor("#444444"))
        canvas.drawRightString(A4[0] - doc.rightMargin, 10 * mm, f"Page {doc.page}")
        canvas.restoreState()

    out = io.BytesIO()
    pdf = SimpleDocTemplate(out, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm,
                            bottomMargin=18 * mm, author=AUTHOR, creator=AUTHOR, producer=AUTHOR,
                            title=f"{TITLE}: {clean(report.institution)}"[:255],
                            subject="Technician Commitment peer review", keywords="")
    pdf.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return out.getvalue()
