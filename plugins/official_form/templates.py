"""Blank returns to fill in: the Word form, the techbench workbook and canonical JSON."""

from __future__ import annotations

import json
from pathlib import Path


def write_json(path: Path) -> None:
    from pipeline.schema import CanonicalReturn

    blank = CanonicalReturn(stage=1).model_dump(mode="json", exclude={"provenance"})
    path.write_text(json.dumps(blank, indent=2) + "\n", encoding="utf-8")


def write_docx(path: Path) -> None:
    raise NotImplementedError


def write_xlsx(path: Path) -> None:
    from plugins.official_form import xlsx_template

    xlsx_template.write(path)
