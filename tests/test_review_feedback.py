"""Feedback reports: the Word and PDF versions say what the panel agreed, in the rubric's words, name
no reviewer, and treat every text as text (never markup, never a crash)."""

from __future__ import annotations

import dataclasses
import io
import re
import subprocess
import sys
from datetime import date

import docx
import pdfplumber
import pytest

from pipeline.review import feedback
from pipeline.review.feedback import (SYNTHETIC_BANNER, AnchoredComment, FeedbackReport, ThemeFeedback, file_name,
                                      from_consensus, to_docx, to_pdf)
from pipeline.review.rubric import DEFAULT_RUBRIC, load_rubric

RUBRIC = load_rubric(DEFAULT_RUBRIC)
HOSTILE = ('=HYPERLINK("http://example.invalid/steal","click") <b>not bold</b> & AT&T </para><font size="40">'
           "\x00\x01\x02\x03\x04\x05\x06\x07\x08 Technicians’ café — naïve “quoted”")


def report(**changes) -> FeedbackReport:
    values = dict(
        institution="University of Exampleshire", signatory="exampleshire", stage=2, submission_id="sub-17",
        round_name="Spring 2027", outcome="accepted with recommendations",
        summary="A committed plan with clear ownership.",
        agreed={t.id: (i % 4) + 1 for i, t in enumerate(RUBRIC.themes)},
        narratives={t.id: {"strengths": f"Strength of {t.id}.", "areas to develop": f"Develop {t.id} further."}
                    for t in RUBRIC.themes},
        comments=[("visibility", "Question 3.2", "Name the owner of this action."),
                  ("career_development", "Action CD-4", "Give the action a date.")],
        released_on=date(2027, 5, 1), synthetic=False)
    return from_consensus(RUBRIC, **(values | changes))


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    header = [p.text for s in document.sections for p in s.header.paragraphs]
    return "\n".join(header + [p.text for p in document.paragraphs] + cells)


def pdf_text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def flat(text: str) -> str:
    """Extracted text with line breaks as spaces, for phrases the PDF wraps."""
    return re.sub(r"\s+", " ", text)


def test_from_consensus_fills_the_rubric_s_words_in_rubric_order():
    r = report(agreed={"visibility": 3, "recognition": None})
    assert [t.theme_id for t in r.themes] == [t.id for t in RUBRIC.themes]
    visibility, recognition = r.themes[0], r.themes[1]
    assert (visibility.level, visibility.level_label) == (3, "Established")
    assert visibility.level_descriptor == RUBRIC.level(3).descriptor
    assert visibility.comments == (AnchoredComment("Question 3.2", "Name the owner of this action."),)
    assert (recognition.level, recognition.level_label, recognition.level_descriptor) == (None, "No agreed level", "")
    assert r.rubric_source == RUBRIC.source


@pytest.mark.parametrize("change, problem", [
    ({"agreed": {"visibilty": 3}}, "visibilty"),
    ({"agreed": {"visibility": 5}}, "not a level"),
    ({"outcome": "approved"}, "not an outcome"),
    ({"comments": [("nope", "Q1", "x")]}, "nope"),
    ({"narratives": {"visibility": {"weaknesses": "x"}}}, "weaknesses"),
])
def test_what_the_rubric_does_not_have_is_refused(change, problem):
    with pytest.raises(ValueError, match=problem):
        report(**change)


@pytest.mark.parametrize("render, read", [(to_docx, docx_text), (to_pdf, pdf_text)], ids=["docx", "pdf"])
def test_the_document_says_what_the_panel_agreed_in_the_rubric_s_words(render, read):
    r = report()
    text = flat(read(render(r)))
    assert "Outcome: accepted with recommendations" in text or "Outcome accepted with recommendations" in text
    for phrase in ("University of Exampleshire", "Spring 2027", "sub-17", "1 May 2027",
                   "A committed plan with clear ownership.", RUBRIC.source):
        assert phrase in text
    for theme in r.themes:
        assert theme.label in text
        assert f"Agreed level: {theme.level} — {theme.level_label}" in text
        assert flat(theme.level_descriptor) in text
        assert theme.strengths in text and theme.areas_to_develop in text
    assert "Question 3.2" in text and "Name the owner of this action." in text
    assert "Action CD-4" in text and "Give the action a date." in text
    assert SYNTHETIC_BANNER not in text


@pytest.mark.parametrize("render, read", [(to_docx, docx_text), (to_pdf, pdf_text)], ids=["docx", "pdf"])
def test_a_synthetic_report_says_so(render, read):
    assert SYNTHETIC_BANNER in read(render(report(synthetic=True)))


@pytest.mark.parametrize("render, read", [(to_docx, docx_text), (to_pdf, pdf_text)], ids=["docx", "pdf"])
def test_hostile_text_stays_text(render, read):
    long = ("Technicians’ café — naïve " * 800)[:20_000]
    r = report(institution="Uni <b>&amp;</b>", summary=HOSTILE, narratives={
        "visibility": {"strengths": HOSTILE, "areas to develop": long}},
        comments=[("visibility", "</para><b>Q1", HOSTILE)])
    data = render(r)
    text = read(data)
    assert not re.search("[\x00-\x08]", text)
    plain = HOSTILE.translate({c: None for c in range(9)})
    assert flat(plain) in flat(text)  # every character, in order: nothing became markup or vanished
    assert "Uni <b>&amp;</b>" in text and "</para><b>Q1" in text
    assert flat(long).strip() in flat(re.sub(r"\nPage \d+\n", "\n", text))  # across pages, whole


def test_in_word_hostile_text_is_plain_runs_not_fields_or_links():
    data = to_docx(report(summary=HOSTILE))
    xml = docx.Document(io.BytesIO(data)).element.xml
    assert "w:hyperlink" not in xml and "w:fldSimple" not in xml and "w:instrText" not in xml
    assert "&lt;b&gt;not bold&lt;/b&gt;" in xml  # escaped, as text


def test_pdf_characters_its_font_lacks_show_as_a_marked_question_mark_not_silence():
    text = pdf_text(to_pdf(report(summary="Отзыв café")))
    assert "????? café" in text and "appear as ?" in flat(text)
    assert "appear as ?" not in flat(pdf_text(to_pdf(report(summary="Technicians’ café — naïve"))))
    assert "Отзыв café" in docx_text(to_docx(report(summary="Отзыв café")))


def test_no_reviewer_can_appear_nor_be_passed():
    for cls in (AnchoredComment, ThemeFeedback, FeedbackReport):
        assert not [f.name for f in dataclasses.fields(cls) if "review" in f.name or "author" in f.name]
    with pytest.raises(TypeError):
        report(reviewers=["Dr A. Reviewer"])
    r = report()
    props = docx.Document(io.BytesIO(to_docx(r))).core_properties
    assert props.author == "techbench"
    assert (props.last_modified_by, props.comments, props.keywords) == ("", "", "")
    assert "python-docx" not in " ".join(str(getattr(props, a)) for a in dir(props) if not a.startswith("_"))
    with pdfplumber.open(io.BytesIO(to_pdf(r))) as pdf:
        assert pdf.metadata["Author"] == "techbench" and pdf.metadata["Creator"] == "techbench"


def test_the_document_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        report().outcome = "accepted"  # type: ignore[misc]


def test_missing_narrative_and_level_say_so_rather_than_print_blanks():
    r = report(agreed={}, narratives={}, comments=[], summary="")
    text = pdf_text(to_pdf(r))
    assert text.count("No agreed level") == len(RUBRIC.themes)
    assert "None recorded." in text
    assert "No agreed level" in docx_text(to_docx(r))


@pytest.mark.parametrize("changes, expected", [
    ({}, "feedback_exampleshire_stage2.docx"),
    ({"synthetic": True}, "SYNTHETIC_feedback_exampleshire_stage2.docx"),
    ({"signatory": "../../etc/pass wd\x00"}, "feedback_etc-pass-wd_stage2.docx"),
    ({"signatory": ""}, "feedback_institution_stage2.docx"),
])
def test_file_names_are_safe(changes, expected):
    assert file_name(report(**changes), "docx") == expected
    assert file_name(report(), ".PDF") == "feedback_exampleshire_stage2.pdf"
    with pytest.raises(ValueError):
        file_name(report(), "html")


def test_importing_the_module_loads_neither_reportlab_nor_python_docx():
    code = ("import sys, pipeline.review.feedback; "
            "print(sorted(m for m in ('docx', 'reportlab') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    assert feedback.AUTHOR == "techbench"


@pytest.mark.parametrize("render", [to_docx, to_pdf], ids=["docx", "pdf"])
def test_one_20000_character_word_anywhere_is_laid_out_not_refused(render):
    word = "x" * 20_000
    r = report(institution=word, summary=word, comments=[("visibility", word, word)],
               narratives={"visibility": {"strengths": word, "areas to develop": "\n".join([word] * 3)}})
    assert render(r)[:4] in (b"PK\x03\x04", b"%PDF")
