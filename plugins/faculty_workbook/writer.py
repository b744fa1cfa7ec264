"""Writing a canonical return as a faculty workbook (for the synthetic sector, samples and tests).

Every field is written as it is, blanks included, so that ``reader`` gives the same return back.
The workbook is streamed with openpyxl's write-only mode and styled sparingly (a few shared
styles on headings and long answers, no per-cell loops over empty ranges), because the synthetic
sector writes thousands of these.
"""

from __future__ import annotations

import datetime as dt
from copy import copy
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName

from pipeline.schema import Action, CanonicalReturn, Register, Theme
from plugins.faculty_workbook import layout as L

TITLE_FONT = Font(bold=True, size=14)
BOLD = Font(bold=True)
BANNER_FONT = Font(bold=True, color="C00000", size=12)
HEADING_FILL = PatternFill("solid", fgColor="D9E1F2")
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
ITALIC = Font(italic=True, color="595959")
DAY_FORMAT = "dd/mm/yyyy"


class _Sheet:
    """A write-only sheet with the few helpers the layout needs.

    Styles are worked out once per workbook and copied onto cells (``styles``, shared by the
    workbook's sheets): assigning a Font or Fill to each cell would hash it every time, which is
    most of the cost of writing a styled workbook."""

    def __init__(self, wb: Workbook, title: str, widths: Iterable[int], styles: dict) -> None:
        self.ws = wb.create_sheet(title)
        self.styles = styles
        for col, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(col)].width = width

    def cell(self, value: Any, font: Font | None = None, fill: PatternFill | None = None,
             wrap: bool = False) -> Any:
        if value is None or value == "":
            return None
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        is_date = isinstance(value, dt.date)
        if not (font or fill or wrap or is_date or isinstance(value, str)):
            return value
        c = WriteOnlyCell(self.ws, value=value)
        if isinstance(value, str):
            c.data_type = "s"  # text stays text, even '=...'
        if not (font or fill or wrap or is_date):
            return c
        style = (id(font), id(fill), wrap, is_date)
        if style in self.styles:
            c._style = copy(self.styles[style])
            return c
        if is_date:
            c.number_format = DAY_FORMAT
        if font:
            c.font = font
        if fill:
            c.fill = fill
        if wrap:
            c.alignment = WRAP_TOP
        self.styles[style] = copy(c._style)
        return c

    def row(self, *values: Any, wrap: bool = False) -> None:
        self.ws.append([self.cell(v, wrap=wrap) for v in values])

    def heading(self, *texts: str) -> None:
        self.ws.append([self.cell(t, font=BOLD, fill=HEADING_FILL) for t in texts])

    def title(self, text: str) -> None:
        self.ws.append([self.cell(text, font=TITLE_FONT)])

    def note(self, text: str) -> None:
        self.ws.append([self.cell(text, font=ITALIC)])

    def blank(self) -> None:
        self.ws.append([])


def _cover(wb: Workbook, ret: CanonicalReturn, styles: dict) -> None:
    s = _Sheet(wb, L.COVER, (44, 70), styles)
    s.title(L.TITLE)
    if ret.synthetic:
        s.ws.append([s.cell(L.SYNTHETIC_MARK, font=BANNER_FONT)])
    else:
        s.blank()
    values = {
        "/signatory_name": ret.signatory_name, "/lead/name": ret.lead.name, "/lead/email": ret.lead.email,
        "/lead/phone": ret.lead.phone, "/stage": ret.stage, "/submission_date": ret.submission_date,
        "/published_url": ret.published_url,
        "/sign_off/lead/name": ret.sign_off.lead.name, "/sign_off/lead/date": ret.sign_off.lead.date,
        "/sign_off/head/name": ret.sign_off.head.name, "/sign_off/head/date": ret.sign_off.head.date,
    }
    for label in L.COVER_LABELS:
        s.ws.append([s.cell(label.text, font=BOLD), s.cell(values[label.pointer])])
    s.blank()
    s.heading(L.SIGN_OFF_HEADING)
    for label in L.SIGN_OFF_LABELS:
        s.ws.append([s.cell(label.text, font=BOLD), s.cell(values[label.pointer])])


def _about(wb: Workbook, ret: CanonicalReturn, styles: dict) -> None:
    s = _Sheet(wb, L.ABOUT, (34, 110), styles)
    s.title("About us")
    s.blank()
    for label in L.ABOUT_LABELS:
        value = getattr(ret, label.pointer.lstrip("/"))
        s.ws.append([s.cell(label.text, font=BOLD, wrap=True), s.cell(value, wrap=True)])


def _staff(wb: Workbook, ret: CanonicalReturn, styles: dict) -> None:
    s = _Sheet(wb, L.STAFF, [c.width for c in L.STAFF_COLUMNS], styles)
    s.ws.freeze_panes = "A2"
    s.heading(*(c.heading for c in L.STAFF_COLUMNS))
    t = ret.technicians
    for area in t.areas:
        s.row(area.name, area.headcount, area.fte)
    s.ws.append([s.cell(L.TOTAL_ROW, font=BOLD), s.cell(t.headcount, font=BOLD), s.cell(t.fte, font=BOLD)])


def _recognition(wb: Workbook, ret: CanonicalReturn, styles: dict) -> None:
    s = _Sheet(wb, L.RECOGNITION_SHEET, [c.width for c in L.REGISTRATION_COLUMNS], styles)
    s.heading(*(c.heading for c in L.REGISTRATION_COLUMNS))
    for reg in ret.registrations:
        s.row("Other" if reg.name is Register.OTHER else reg.name.value, reg.count, reg.label)
    s.blank()
    s.heading(*(c.heading for c in L.METRIC_COLUMNS))
    for metric in ret.other_metrics:
        s.row(metric.name, metric.count)


def _block(s: _Sheet, heading: str, columns: tuple[L.Column, ...], rows: list[tuple]) -> None:
    s.ws.append([s.cell(heading, font=TITLE_FONT)])
    s.heading(*(c.heading for c in columns))
    for values in rows:
        s.row(*values, wrap=True)
    s.blank()


def _action_row(ref: str, a: Action) -> tuple:
    status = a.status.value.capitalize() if a.status else None
    return ref, a.action, a.owner, a.due.text if a.due else None, a.evidence, status


def _themes(wb: Workbook, ret: CanonicalReturn, styles: dict) -> None:
    def numbered(items: list, prefix: str) -> list[tuple[str, Any]]:
        return [(f"{prefix}{n}", item) for n, item in enumerate(items, start=1)]

    before = numbered(ret.initiatives_before, L.REF_PREFIX["before"])
    since = numbered(ret.initiatives_since, L.REF_PREFIX["since"])
    plan = numbered(ret.action_plan, L.REF_PREFIX["plan"])
    widths = [c.width for c in L.PLAN_COLUMNS]
    sheets: list[tuple[str, Theme | None, str]] = [(title, theme, L.THEME_AIMS[theme])
                                                    for title, theme in L.THEME_SHEETS]
    sheets.append((L.CROSS_CUTTING, None, L.CROSS_CUTTING_AIM))
    for title, theme, aim in sheets:
        s = _Sheet(wb, title, widths, styles)
        s.title(title)
        s.note(aim)
        s.blank()
        mine = lambda items: [(ref, item) for ref, item in items if item.theme is theme]  # noqa: E731
        _block(s, L.BEFORE_HEADING, L.BEFORE_COLUMNS, [(ref, i.text) for ref, i in mine(before)])
        _block(s, L.SINCE_HEADING, L.SINCE_COLUMNS, [(ref, i.text) for ref, i in mine(since)])
        _block(s, L.PLAN_HEADING, L.PLAN_COLUMNS, [_action_row(ref, a) for ref, a in mine(plan)])


def build(ret: CanonicalReturn) -> Workbook:
    wb = Workbook(write_only=True)
    styles: dict = {}
    _cover(wb, ret, styles)
    _about(wb, ret, styles)
    _staff(wb, ret, styles)
    _recognition(wb, ret, styles)
    _themes(wb, ret, styles)
    wb.defined_names[L.MARKER_NAME] = DefinedName(L.MARKER_NAME, attr_text=f'"{L.MARKER_TEXT}"')
    wb.properties.title = L.TITLE + (" (SYNTHETIC DATA)" if ret.synthetic else "")
    wb.properties.creator = "techbench"
    wb.properties.keywords = L.MARKER_TEXT + ("; synthetic" if ret.synthetic else "")
    return wb


def write(ret: CanonicalReturn, path: Path) -> Path:
    build(ret).save(path)
    return path
