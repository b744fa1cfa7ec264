"""The official form reader's table parts: a table is cut only at a heading row of another kind of
table (as where LibreOffice joins touching tables), never inside a contact, sign-off or question
table, and each part keeps the whole table's row numbers."""

from __future__ import annotations

from pipeline.kit.document import Cell, Table
from plugins.official_form.docx_reader import KINDS
from plugins.official_form.form_tables import Part, parts


def table(*rows: tuple[str, ...], number: int = 5) -> Table:
    return Table(number, tuple(tuple(Cell((text,), col) for col, text in enumerate(row, start=1))
                               for row in rows))


def test_joined_tables_are_cut_at_each_new_heading_and_keep_their_row_numbers():
    joined = table(("Department / Faculty / Area", "Number of technicians (headcount)", "FTE"),
                   ("School of Physics", "20", "18.8"), ("Total", "20", "18.8"),
                   ("Professional register", "Number of technicians registered"), ("CSci", "2"),
                   ("Other measure", "Number"), ("apprentices", "3"))
    got = parts(joined, KINDS)
    assert [(p.first, len(p.rows)) for p in got] == [(1, 3), (4, 2), (6, 2)]
    assert all(isinstance(p, Part) and p.label == "table 5" for p in got)
    assert got[1].where(2, 3) == "table 5, row 5, column 3"
    assert got[2].where() == "table 5"


def test_a_repeated_heading_of_the_same_kind_does_not_cut():
    plan = table(("Theme", "Action", "Lead", "Target date"), ("Visibility", "Publish", "Head", "2025"),
                 ("Theme", "Action", "Lead", "Target date"), ("Recognition", "Awards", "Dean", "2026"))
    assert parts(plan, KINDS) == [plan]


def test_contact_sign_off_and_question_tables_are_not_cut():
    contact = table(("Organisation:", "Hartmoor University"), ("Contact Number:", "+44 1632 960 430"),
                    ("E-mail:", "technician.commitment@hartmoor.ac.uk"))
    question = table(("How many technicians does your organisation have?",),
                     ("Number of technicians: 125 technicians in total across departments and faculties",))
    sign_off = table(("Signed (Institutional Lead)", "Olu Campbell"), ("Date", "27/05/2019"))
    for t in (contact, question, sign_off):
        assert parts(t, KINDS) == [t]


def test_the_heading_is_found_under_at_most_two_title_rows():
    heading = ("Theme", "Action", "Lead", "Target date", "Notes")
    action = ("Visibility", "Publish", "Head", "2025", "")
    assert [p.first for p in parts(table(("Action plan 2024-26",), heading, action), KINDS)] == [1, 2]
    assert [p.first for p in parts(table(("Action plan",), ("2024-26",), heading, action), KINDS)] == [1, 3]
    three = table(("Action plan",), ("2024-26",), ("Approved",), heading, action)
    assert parts(three, KINDS) == [three]  # 'Notes' is no action heading, so only a strict heading counts here
