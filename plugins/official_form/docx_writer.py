"""Writing a canonical return into the official Word form (for the synthetic sector and tests).

Fills the blank form the sector distributes, cell by cell, so the result reads back through
``docx_reader`` exactly as a hand-filled form would.
"""

from __future__ import annotations

from pathlib import Path

import docx

from pipeline.schema import CanonicalReturn, Initiative
from plugins.official_form.form_words import SYNTHETIC_MARK
from plugins.official_form.templates import BLANK_FORM

# Tables of the blank form, by their 0-based position.
CONTACT, PROFILE, DEFINITION, NARRATIVE, AREAS, BEFORE, SINCE, PLAN_INTRO, PLAN, VOICE, URL, SIGN_OFF = range(12)


def _fill(cell, text: str | None) -> None:
    """Put text in a cell, one paragraph per line."""
    lines = (text or "").split("\n")
    cell.paragraphs[0].text = lines[0]
    for line in lines[1:]:
        cell.add_paragraph(line)


def _row(table, values: list[str]) -> None:
    cells = table.add_row().cells
    for cell, value in zip(cells, values):
        cell.text = value


def _initiatives(items: list[Initiative]) -> str:
    return "\n".join(f"{i.theme.value}: {i.text}" if i.theme else i.text for i in items)


def _number(value: float | int | None) -> str:
    return "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def _date(value) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def write(ret: CanonicalReturn, path: Path) -> Path:
    document = docx.Document(str(BLANK_FORM))
    heading = document.paragraphs[1]  # "Evaluating Impact through Self-Assessment ..."
    if ret.stage:
        stage = heading.insert_paragraph_before(f"Stage {ret.stage}")
        heading._p.addnext(stage._p)  # move it below the heading
    if ret.synthetic:
        document.paragraphs[0].insert_paragraph_before(SYNTHETIC_MARK)
    t = document.tables
    for row, value in zip(t[CONTACT].rows, (ret.signatory_name, ret.lead.name, ret.lead.email, ret.lead.phone)):
        row.cells[1].text = value or ""
    for index, text in ((PROFILE, ret.profile), (DEFINITION, ret.technician_definition),
                        (NARRATIVE, ret.technicians_narrative), (VOICE, ret.technician_voice),
                        (URL, ret.published_url), (BEFORE, _initiatives(ret.initiatives_before)),
                        (SINCE, _initiatives(ret.initiatives_since))):
        _fill(t[index].rows[1].cells[0], text)
    for area in ret.technicians.areas:
        _row(t[AREAS], [area.name, _number(area.headcount), _number(area.fte)])
    _row(t[AREAS], ["Total", _number(ret.technicians.headcount), _number(ret.technicians.fte)])
    for a in ret.action_plan:
        _row(t[PLAN], [a.theme.value if a.theme else "", a.action or "", a.owner or "",
                       a.due.text if a.due else "", a.evidence or "", a.status.value.capitalize() if a.status else ""])
    signers = (ret.sign_off.lead, ret.sign_off.head)
    for (name_row, date_row), signer in zip(((0, 1), (2, 3)), signers):
        t[SIGN_OFF].rows[name_row].cells[1].text = signer.name or ""
        t[SIGN_OFF].rows[date_row].cells[1].text = _date(signer.date)
    anchor = t[AREAS]._tbl
    for title, rows in (
        (("Professional register", "Number of technicians registered"),
         [(r.label or r.name.value, str(r.count)) for r in ret.registrations]),
        (("Other measure", "Number"), [(m.name, _number(m.count)) for m in ret.other_metrics]),
    ):
        if rows:
            table = document.add_table(rows=1, cols=2)
            table.style = t[AREAS].style
            table.rows[0].cells[0].text, table.rows[0].cells[1].text = title
            for row in rows:
                _row(table, list(row))
            anchor.addnext(table._tbl)
            anchor = table._tbl
    document.save(str(path))
    return path
