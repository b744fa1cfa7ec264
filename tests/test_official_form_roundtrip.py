"""Writing a return into each official format and reading it back gives the same return."""

from __future__ import annotations

import datetime as dt

import pytest
from returns import CONTEXT, check, registry, rich_return

from pipeline.kit.hooks import ParseContext


@pytest.mark.parametrize("fmt", ["docx", "json", "xlsx"])
def test_round_trip(tmp_path, fmt):
    original = rich_return()
    plugin = registry().get("official_form")
    path = plugin.write(original, tmp_path, "northgate", fmt)
    assert path.suffix == f".{fmt}"
    context = ParseContext(received=CONTEXT.received)  # the stage must come from the file itself
    report = check(path.read_bytes(), name=path.name, context=context)
    assert report.ok, report.issues
    assert report.issues == []
    assert report.return_.model_dump(exclude={"provenance"}) == original.model_dump(exclude={"provenance"})


def test_synthetic_mark_is_visible_in_the_word_file(tmp_path):
    import docx

    path = registry().get("official_form").write(rich_return(), tmp_path, "x", "docx")
    assert docx.Document(str(path)).paragraphs[0].text.startswith("SYNTHETIC DATA")


def test_blank_values_survive_the_round_trip_as_blanks(tmp_path):
    ret = rich_return()
    ret.lead.email = None
    ret.action_plan[0].owner = None
    ret.sign_off.head.date = None
    ret.submission_date = dt.date(2018, 11, 14)  # the remaining sign-off
    path = registry().get("official_form").write(ret, tmp_path, "x", "docx")
    report = check(path.read_bytes(), name=path.name)
    assert {(i.rule, i.field) for i in report.issues} == {
        ("required", "/lead/email"), ("action.incomplete", "/action_plan/0/owner"),
        ("signoff.missing", "/sign_off/head/date")}
