"""Returns to test with: the shared Northgate example, and Word forms edited the way people edit them."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from functools import cache
from pathlib import Path

import docx

from pipeline.kit.hooks import ParseContext, SourceFile
from pipeline.registry import Registry
from pipeline.schema import CanonicalReturn
from pipeline.validation.validate import FileReport, validate_source

SAMPLES = Path(__file__).resolve().parent.parent / "plugins" / "official_form" / "samples"
NORTHGATE = SAMPLES / "example_return_northgate_stage1.docx"
BLANK = SAMPLES / "self_assessment_form_stage1_blank.docx"
RECEIVED = dt.date(2018, 12, 1)
CONTEXT = ParseContext(stage=1, signatory_name="University of Northgate", received=RECEIVED)


@cache
def registry() -> Registry:
    return Registry.from_entry_points()


def edited_form(edit: Callable[[docx.document.Document], None], base: Path = NORTHGATE) -> bytes:
    document = docx.Document(str(base))
    edit(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def check(data: bytes, name: str = "return.docx", context: ParseContext = CONTEXT, **kw) -> FileReport:
    return validate_source(SourceFile(name=name, data=data), registry(), context=context, **kw)


def northgate() -> CanonicalReturn:
    report = check(NORTHGATE.read_bytes())
    assert report.ok, report.issues
    return report.return_


def set_cell(document, table: int, row: int, col: int, text: str) -> None:
    """Replace a cell's text (1-based numbers, as techbench reports locations)."""
    cell = document.tables[table - 1].rows[row - 1].cells[col - 1]
    cell.text = text


def rules_of(report: FileReport) -> set[str]:
    return {i.rule for i in report.issues}


def rich_return() -> CanonicalReturn:
    """The example with what the Word form lacks: registrations (one 'other', with its own name)
    and other counted measures; synthetic, without provenance, ready to write in any format."""
    from pipeline.schema import Metric, Register, Registration

    ret = northgate()
    ret.synthetic = True
    ret.registrations = [Registration(name=Register.RSCITECH, count=12),
                         Registration(name=Register.CENG, count=3),
                         Registration(name=Register.OTHER, count=2, label="Institute of Science & Technology")]
    ret.other_metrics = [Metric(name="apprentices", count=4), Metric(name="mentors", count=17.0)]
    ret.provenance = None
    return ret
