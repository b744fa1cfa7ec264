"""Blank returns to fill in: the Word form, the techbench workbook and canonical JSON."""

from __future__ import annotations

import json
import shutil
from pathlib import Path


def write_json(path: Path) -> None:
    from pipeline.schema import CanonicalReturn

    blank = CanonicalReturn(stage=1).model_dump(mode="json", exclude={"provenance"})
    path.write_text(json.dumps(blank, indent=2) + "\n", encoding="utf-8")


BLANK_FORM = Path(__file__).parent / "samples" / "self_assessment_form_stage1_blank.docx"


def write_docx(path: Path) -> None:
    """The official Stage 1 form, blank, exactly as the sector distributes it."""
    shutil.copyfile(BLANK_FORM, path)


def write_xlsx(path: Path) -> None:
    from plugins.official_form import xlsx_template

    xlsx_template.write(path)
