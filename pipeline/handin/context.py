"""The parse context, built in one place from the register: what is known about a file from outside it.

Every way a file comes in (the upload page, `techbench validate` and `ingest`, the pipeline's
parse of landed files) builds it here, so the upload's check and the pipeline cannot disagree
about a signatory's name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from pipeline.kit.hooks import ParseContext
from pipeline.programme.signatories import RegisterError, load_register


def signatory_names(register: Path) -> dict[str, str]:
    """The register's signatories, slug -> name; empty when the register is missing or unreadable
    (checks that need a name are then skipped, and the pipeline reports the register)."""
    try:
        return {s.slug: s.name for s in load_register(register)}
    except RegisterError:
        return {}


def parse_context(signatory: str | None, stage: int | None, names: Mapping[str, str],
                  received: dt.date | None = None) -> ParseContext:
    """What is known about a file from outside it, the same for every way in: the stage and
    signatory it was sent for, that signatory's name in the register, and when it arrived."""
    return ParseContext(stage=stage, signatory=signatory,
                        signatory_name=names.get(signatory) if signatory else None,
                        received=received or dt.date.today())
