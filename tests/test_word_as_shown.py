"""A Word return is read as Word shows it with every change accepted (issue 11): tracked changes,
content controls, hyperlinks, fields, smart tags, merged cells and nested tables; unaccepted changes
and comments are reported, where they are, as warnings."""

from __future__ import annotations

import copy
import datetime as dt
import io
import zipfile

import docx
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from returns import CONTEXT, check, edited_form, northgate, set_cell

from pipeline.kit import word
from pipeline.kit.document import Paragraph, Table
from pipeline.kit.hooks import ParseContext
from pipeline.schema import ActionStatus, Theme

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
W14 = 'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml"'
INS = 'w:id="{}" w:author="HR" w:date="2018-11-10T10:00:00Z"'


def r(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def ins(text: str, n: int = 901) -> str:
    return f'<w:ins {INS.format(n)}>{r(text)}</w:ins>'


def dele(text: str, n: int = 902) -> str:
    return f'<w:del {INS.format(n)}><w:r><w:delText xml:space="preserve">{text}</w:delText></w:r></w:del>'


def sdt(content: str, props: str = "", tag: str = "answer") -> str:
    return f'<w:sdt><w:sdtPr><w:tag w:val="{tag}"/>{props}</w:sdtPr><w:sdtContent>{content}</w:sdtContent></w:sdt>'


def cell_of(d, table: int, row: int, col: int):
    return d.tables[table - 1].rows[row - 1].cells[col - 1]


def put(d, table: int, row: int, col: int, inner: str) -> None:
    """Replace a cell's paragraphs with one paragraph holding ``inner`` (WordprocessingML)."""
    tc = cell_of(d, table, row, col)._tc
    for p in tc.findall(qn("w:p")):
        tc.remove(p)
    tc.append(parse_xml(f"<w:p {W} {W14}>{inner}</w:p>"))


def put_block(d, table: int, row: int, col: int, block: str) -> None:
    """Replace a cell's paragraphs with block-level content (paragraphs, a content control...)."""
    tc = cell_of(d, table, row, col)._tc
    for p in tc.findall(qn("w:p")):
        tc.remove(p)
    tc.append(parse_xml(f"<w:body {W} {W14}>{block}</w:body>")[0])


def warnings(report, rule: str) -> list[str]:
    return [i.location for i in report.issues if i.rule == rule and i.severity == "warning"]


# --- tracked changes ---------------------------------------------------------------------------

def test_tracked_insertion_of_the_organisation_name_is_read_and_its_place_reported():
    report = check(edited_form(lambda d: put(d, 1, 1, 2, ins("University of Northgate"))))
    assert report.ok, report.issues
    assert report.return_.signatory_name == "University of Northgate"
    assert report.return_.provenance.fields["/signatory_name"] == "table 1, row 1, column 2"
    assert warnings(report, "file.tracked_changes") == ["table 1, row 1, column 2"]


def test_revised_headcount_tracked_as_deletion_and_insertion_reads_the_new_figure():
    report = check(edited_form(lambda d: put(d, 5, 2, 2, dele("150") + ins("168"))))
    assert report.ok, report.issues
    assert report.return_.technicians.areas[0].headcount == 168
    assert warnings(report, "file.tracked_changes") == ["table 5, row 2, column 2"]
    message = next(i.message for i in report.issues if i.rule == "file.tracked_changes")
    assert "accept" in message.lower()


def test_tracked_deletion_is_not_read_and_a_deleted_row_is_gone():
    def edit(d):
        put(d, 2, 2, 1, r("The University of Northgate is a university.") + dele(" It was founded in 1066."))
        tr = d.tables[8].rows[6]._tr  # the last action
        tr.get_or_add_trPr().append(parse_xml(f'<w:del {W} {INS.format(903)}/>'))

    report = check(edited_form(edit))
    assert report.return_.profile == "The University of Northgate is a university."
    assert len(report.return_.action_plan) == 5
    assert warnings(report, "file.tracked_changes") == ["table 2, row 2, column 1",
                                                        "table 9, the deleted row after row 6"]


def test_moved_text_is_read_once_where_it_was_moved_to():
    moved = ('<w:moveFrom w:id="904" w:author="HR" w:date="2018-11-10T10:00:00Z">{}</w:moveFrom>'.format(r("Moved. "))
             + r("Stays.") + '<w:moveTo w:id="905" w:author="HR" w:date="2018-11-10T10:00:00Z">'
             + r(" Moved.") + "</w:moveTo>")
    report = check(edited_form(lambda d: put(d, 2, 2, 1, moved)))
    assert report.return_.profile == "Stays. Moved."
    assert warnings(report, "file.tracked_changes") == ["table 2, row 2, column 1"]


def test_tracked_change_in_a_body_paragraph_names_the_paragraph():
    def edit(d):
        d.paragraphs[1]._p.append(parse_xml(f"<w:ins {W} {INS.format(906)}>{r(' Stage 2')}</w:ins>"))

    report = check(edited_form(edit), context=ParseContext(received=CONTEXT.received))
    assert report.return_.stage == 2
    assert report.return_.provenance.fields["/stage"].startswith("paragraph 'Evaluating Impact")
    assert warnings(report, "file.tracked_changes") == ["paragraph 2 before the first table"]


def test_formatting_change_only_is_reported_too():
    def edit(d):
        run = cell_of(d, 1, 2, 2).paragraphs[0].runs[0]._r
        run.insert(0, parse_xml(f'<w:rPr {W}><w:b/><w:rPrChange {INS.format(907)}><w:rPr/></w:rPrChange></w:rPr>'))

    report = check(edited_form(edit))
    assert report.ok and report.return_.lead.name == "Dr Priya Ramanathan"
    assert warnings(report, "file.tracked_changes") == ["table 1, row 2, column 2"]


def test_comments_are_a_warning_at_their_place():
    def edit(d):
        d.add_comment(cell_of(d, 1, 2, 2).paragraphs[0].runs, text="Is this still right?", author="HR")

    report = check(edited_form(edit))
    assert report.ok and report.return_.lead.name == "Dr Priya Ramanathan"
    assert warnings(report, "file.comments") == ["table 1, row 2, column 2"]


# --- content controls ----------------------------------------------------------------------------

def test_content_controls_of_every_kind_in_cells_are_read():
    dropdown = ('<w:dropDownList><w:listItem w:displayText="Planned" w:value="Planned"/>'
                '<w:listItem w:displayText="In progress" w:value="In progress"/></w:dropDownList>')
    combo = '<w:comboBox><w:listItem w:displayText="Recognition" w:value="Recognition"/></w:comboBox>'
    date = '<w:date w:fullDate="2019-06-28T00:00:00Z"><w:dateFormat w:val="dd/MM/yyyy"/></w:date>'

    def edit(d):
        put(d, 1, 3, 2, sdt(r("p.ramanathan@northgate.example.ac.uk"), "<w:text/>"))  # plain text, in a run
        put_block(d, 2, 2, 1, sdt(f"<w:p>{r('First paragraph.')}</w:p><w:p>{r('Second paragraph.')}</w:p>",
                                  "<w:richText/>"))  # rich text around paragraphs
        put(d, 9, 2, 6, sdt(r("In progress"), dropdown))
        put(d, 9, 2, 1, sdt(r("Recognition"), combo))
        put(d, 9, 2, 4, sdt(r("28/06/2019"), date))

    report = check(edited_form(edit))
    assert report.ok, report.issues
    ret = report.return_
    assert ret.lead.email == "p.ramanathan@northgate.example.ac.uk"
    assert ret.profile == "First paragraph.\nSecond paragraph."
    first = ret.action_plan[0]
    assert (first.status, first.theme, first.due.end) == (ActionStatus.IN_PROGRESS, Theme.RECOGNITION,
                                                          dt.date(2019, 6, 28))
    assert ret.provenance.fields["/action_plan/0/due"] == "table 9, row 2, column 4"


def test_placeholder_text_of_an_empty_content_control_is_not_an_answer():
    placeholder = sdt(r("Click or tap here to enter text."), "<w:showingPlcHdr/><w:text/>")
    report = check(edited_form(lambda d: put(d, 1, 4, 2, placeholder)))
    assert report.return_.lead.phone is None


def test_content_controls_around_rows_cells_tables_and_in_body_paragraphs():
    def edit(d):
        plan = d.tables[8]._tbl
        rows = plan.findall(qn("w:tr"))[1:3]  # a repeating section around two actions
        wrapper = parse_xml(f"<w:sdt {W}><w:sdtPr/><w:sdtContent/></w:sdt>")
        rows[0].addprevious(wrapper)
        for tr in rows:
            wrapper[1].append(tr)
        tc = d.tables[0].rows[1]._tr.findall(qn("w:tc"))[1]  # a control around a whole cell
        cell_wrapper = parse_xml(f"<w:sdt {W}><w:sdtPr/><w:sdtContent/></w:sdt>")
        tc.addprevious(cell_wrapper)
        cell_wrapper[1].append(tc)
        contact = d.tables[0]._tbl  # and one around a whole table
        table_wrapper = parse_xml(f"<w:sdt {W}><w:sdtPr/><w:sdtContent/></w:sdt>")
        contact.addprevious(table_wrapper)
        table_wrapper[1].append(contact)
        d.paragraphs[1]._p.append(parse_xml(f"<w:r {W}><w:t xml:space='preserve'> </w:t></w:r>"))
        d.paragraphs[1]._p.append(parse_xml(sdt(r("Stage 2"), "<w:text/>").replace("<w:sdt>", f"<w:sdt {W}>", 1)))

    report = check(edited_form(edit), context=ParseContext(received=CONTEXT.received))
    ret = report.return_
    assert ret.stage == 2
    assert ret.lead.name == "Dr Priya Ramanathan"
    assert ret.provenance.fields["/lead/name"] == "table 1, row 2, column 2"
    assert len(ret.action_plan) == 6 and ret.action_plan[1].owner == "Deans"
    assert ret.provenance.fields["/action_plan/1/owner"] == "table 9, row 3, column 3"


def test_checkbox_and_body_content_controls_are_in_the_document():
    def edit(d):
        box = sdt(r("☒"), '<w14:checkbox><w14:checked w14:val="1"/></w14:checkbox>')
        d.paragraphs[2]._p.append(parse_xml(f"<w:r {W}><w:t>Confirmed </w:t></w:r>"))
        d.paragraphs[2]._p.append(parse_xml(box.replace("<w:sdt>", f"<w:sdt {W} {W14}>", 1)))

    document = word.read(edited_form(edit))
    paragraphs = [b for b in document.blocks if isinstance(b, Paragraph)]
    assert paragraphs[2].text == "Confirmed ☒"


# --- hyperlinks, fields, smart tags ---------------------------------------------------------------

def test_hyperlink_field_and_smart_tag_text_is_read_not_the_instruction():
    url = "https://www.northgate.example.ac.uk/technicians/commitment"
    complex_field = ('<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
                     '<w:r><w:instrText xml:space="preserve"> =SUM(ABOVE) </w:instrText></w:r>'
                     '<w:r><w:fldChar w:fldCharType="separate"/></w:r>' + r("412")
                     + '<w:r><w:fldChar w:fldCharType="end"/></w:r>')

    def edit(d):
        put(d, 11, 2, 1, f'<w:hyperlink w:anchor="top">{r(url)}</w:hyperlink>')
        put(d, 1, 2, 2, f'<w:fldSimple w:instr=" AUTHOR \\* MERGEFORMAT ">{r("Dr Priya Ramanathan")}</w:fldSimple>')
        put(d, 5, 6, 2, complex_field)
        put(d, 9, 3, 3, f'<w:smartTag w:uri="urn:schemas-microsoft-com:office:smarttags" w:element="PersonName">'
                        f'{r("Deans")}</w:smartTag>')
        put(d, 9, 4, 3, f'<w:customXml w:element="owner">{r("Technician Commitment Lead")}</w:customXml>')

    report = check(edited_form(edit))
    assert report.ok, report.issues
    ret = report.return_
    assert ret.published_url == url
    assert ret.lead.name == "Dr Priya Ramanathan"
    assert ret.technicians.headcount == 412
    assert ret.action_plan[1].owner == "Deans"
    assert ret.action_plan[2].owner == "Technician Commitment Lead"


# --- merged cells and nested tables ----------------------------------------------------------------

def test_horizontally_merged_header_keeps_columns_on_the_grid():
    """The 'Action' heading spans two grid columns (the action and a reference number); the owner,
    date and evidence are still found under their own headings."""
    def edit(d):
        tbl = d.tables[8]._tbl
        grid = tbl.find(qn("w:tblGrid"))
        grid.insert(2, copy.deepcopy(grid[1]))
        header, *rows = tbl.findall(qn("w:tr"))
        header.findall(qn("w:tc"))[1].get_or_add_tcPr().append(parse_xml(f'<w:gridSpan {W} w:val="2"/>'))
        for n, tr in enumerate(rows, start=1):
            tr.findall(qn("w:tc"))[1].addnext(parse_xml(f"<w:tc {W}><w:p>{r(f'A{n}')}</w:p></w:tc>"))

    report = check(edited_form(edit))
    assert report.ok, report.issues
    ret = report.return_
    assert ret.action_plan[0].action.startswith("Publish a directory")
    assert ret.action_plan[2].owner == "Technician Commitment Lead"
    fields = ret.provenance.fields
    assert fields["/action_plan/2/owner"] == "table 9, row 4, column 4"
    assert fields["/action_plan/2/due"] == "table 9, row 4, column 5"
    assert fields["/action_plan/2/status"] == "table 9, row 4, column 7"


def test_vertically_merged_theme_cell_gives_each_action_its_theme():
    def edit(d):
        table = d.tables[8]
        set_cell(d, 9, 2, 1, "Recognition")
        set_cell(d, 9, 3, 1, "")
        set_cell(d, 9, 4, 1, "")
        table.cell(1, 0).merge(table.cell(3, 0))

    report = check(edited_form(edit))
    assert report.ok, report.issues
    ret = report.return_
    assert [a.theme for a in ret.action_plan[:3]] == [Theme.RECOGNITION] * 3
    assert ret.provenance.fields["/action_plan/2/theme"] == "table 9, row 4, column 1"
    assert ret.provenance.fields["/action_plan/2/owner"] == "table 9, row 4, column 3"
    [plan] = [t for t in word.read(edited_form(edit)).tables if t.number == 9]
    assert [row[0].merged_from for row in plan.rows[:5]] == [None, 2, 2, 2, None]


def titled_plan(*titles: str, heading: dict[int, str] | None = None):
    """An edit putting title rows, each one cell merged across, above the action plan's heading row
    (and renaming heading cells: {column: text})."""
    def edit(d):
        table = d.tables[8]
        for col, text in (heading or {}).items():
            set_cell(d, 9, 1, col, text)
        for title in reversed(titles):
            table.rows[0]._tr.addprevious(copy.deepcopy(table.rows[0]._tr))
            merged = table.cell(0, 0).merge(table.cell(0, len(table.columns) - 1))
            merged.text = title
    return edit


def test_an_action_plan_under_a_merged_title_row_is_read_at_its_own_rows():
    want = northgate()
    report = check(edited_form(titled_plan("Action plan 2024-26")))
    assert report.ok, report.issues
    ret = report.return_
    assert [(a.action, a.owner, a.due, a.status) for a in ret.action_plan] == \
        [(a.action, a.owner, a.due, a.status) for a in want.action_plan]
    assert ret.provenance.fields["/action_plan/2/owner"] == "table 9, row 5, column 3"  # the title is row 1
    [plan] = [t for t in word.read(edited_form(titled_plan("Action plan 2024-26"))).tables if t.number == 9]
    assert [(c.column, c.span, c.text) for c in plan.rows[0]] == [(1, 6, "Action plan 2024-26")]


def test_an_action_plan_heading_under_two_title_rows_may_have_a_column_the_form_does_not_know():
    """Under title rows the heading is recognised as it would be in the first row, so an extra
    column ('Notes' for 'Status' here) does not hide the plan; the form's title rows stop at two."""
    want = northgate()
    report = check(edited_form(titled_plan("Action plan", "2024-26", heading={6: "Notes"})))
    assert report.ok, report.issues
    ret = report.return_
    assert [a.owner for a in ret.action_plan] == [a.owner for a in want.action_plan]
    assert ret.provenance.fields["/action_plan/0/action"] == "table 9, row 4, column 2"
    assert all(a.status is None for a in ret.action_plan)
    report = check(edited_form(titled_plan("Action plan", "2024-26", "Approved", heading={6: "Notes"})))
    assert "action_plan" in {i.field.strip("/").split("/")[0] for i in report.errors if i.field}


def test_nested_table_is_its_own_table_inside_its_cell():
    def edit(d):
        areas = d.tables[4]._tbl
        layout = d.add_table(rows=1, cols=1)
        areas.addprevious(layout._tbl)
        tc = layout.rows[0].cells[0]._tc
        tc.insert(tc.index(tc.find(qn("w:p"))), areas)  # the areas table inside the layout cell

    report = check(edited_form(edit))
    assert report.ok, report.issues
    ret = report.return_
    assert ret.technicians.headcount == 412
    assert ret.provenance.fields["/technicians/headcount"] == "table 5, row 1, column 1, table 1, row 6, column 2"
    assert ret.provenance.fields["/action_plan/2/owner"] == "table 9, row 4, column 3"  # later tables keep their numbers
    document = word.read(edited_form(edit))
    nested = [t for t in document.tables if t.inside]
    assert [t.label for t in nested] == ["table 5, row 1, column 1, table 1"]
    assert isinstance(document.blocks[document.blocks.index(nested[0]) - 1], Table)


# --- the Word reader on its own --------------------------------------------------------------------

def package(body: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("word/document.xml", f"<w:document {W}><w:body>{body}</w:body></w:document>")
    return out.getvalue()


def test_a_deleted_paragraph_mark_joins_the_paragraph_to_the_next_and_a_deleted_paragraph_goes():
    deleted_mark = f'<w:pPr><w:rPr><w:del {INS.format(1)}/></w:rPr></w:pPr>'
    document = word.read(package(
        f"<w:p>{deleted_mark}{r('Joined ')}</w:p><w:p>{r('text.')}</w:p>"
        f"<w:p>{deleted_mark}{dele('A deleted paragraph.')}</w:p><w:p>{r('Last.')}</w:p>"))
    assert [b.text for b in document.blocks] == ["Joined text.", "Last."]
    assert [n.location for n in document.notes] == ["paragraph 1 before the first table",
                                                    "paragraph 2 before the first table"]


def test_grid_before_deleted_cells_nested_fields_and_line_breaks():
    nested_field = ('<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>IF </w:instrText></w:r>'
                    '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>PAGE</w:instrText></w:r>'
                    '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>1</w:t></w:r>'
                    '<w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:instrText> = 1 "yes"</w:instrText></w:r>'
                    '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>shown</w:t><w:br/><w:t>two</w:t></w:r>'
                    '<w:r><w:fldChar w:fldCharType="end"/></w:r>')
    document = word.read(package(
        '<w:tbl><w:tr><w:trPr><w:gridBefore w:val="1"/></w:trPr>'
        f'<w:tc><w:tcPr><w:cellDel {INS.format(2)}/></w:tcPr><w:p>{r("gone")}</w:p></w:tc>'
        f'<w:tc><w:p>{nested_field}</w:p></w:tc></w:tr></w:tbl>'))
    [table] = document.tables
    [[cell]] = table.rows
    assert (cell.column, cell.text) == (2, "shown\ntwo")
    assert [n.location for n in document.notes] == ["table 1, row 1, column 2"]


def test_paragraph_styles_are_named_and_notes_are_capped():
    document = word.read(edited_form(lambda d: None))
    assert document.blocks[1].style == "heading 1"
    many = word.read(package("".join(f"<w:p>{ins(str(i), i)}</w:p>" for i in range(30))))
    assert len(many.notes) == word.MAX_NOTES + 1
    assert many.notes[-1].location == "the rest of the document" and "10 more" in many.notes[-1].message


def test_word_reader_refuses_what_is_not_a_word_document():
    import pytest

    with pytest.raises(word.Unreadable):
        word.read(b"PK\x03\x04 not really a zip")
    out = io.BytesIO()
    docx.Document().save(out)
    assert word.read(out.getvalue()).blocks == ()
