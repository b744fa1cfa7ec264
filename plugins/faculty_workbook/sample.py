"""The synthetic return behind the shipped sample workbook, and the command that writes it.

The return comes from the synthetic sector's generator (``pipeline.kit.samples.make_return``) for a
fictional institution, with a fixed seed and dates, plus a registration of kind "other" with its
label so the workbook's registrations table shows one. It is marked synthetic, so the sample can
never pass for a real signatory's return. Regenerate the sample after changing the layout:

    .venv/bin/python -m plugins.faculty_workbook.sample
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from pipeline.kit.samples import Member, Nation, Signatory, SignatoryType, make_return, stable_bytes
from pipeline.schema import CanonicalReturn, Register, Registration

SEED = 2019
SUBMITTED = dt.date(2019, 6, 14)

MEMBER = Member(Signatory(slug="westmoor", name="Westmoor College of Science, Technology and Medicine (synthetic)",
                          type=SignatoryType.UNIVERSITY, nation=Nation.ENGLAND, signed=dt.date(2019, 1, 1),
                          cohort="2019", plugin="faculty_workbook", synthetic=True))


def synthetic_example() -> CanonicalReturn:
    """A complete, valid Stage 1 return of a fictional university (synthetic)."""
    ret = make_return(MEMBER, 1, SUBMITTED, None, random.Random(SEED))
    ret.registrations.append(Registration(name=Register.OTHER, count=5, label="Institute of Science & Technology (MIScT)"))
    return ret


def main() -> Path:
    from plugins.faculty_workbook.plugin import SAMPLE
    from plugins.faculty_workbook.writer import write

    SAMPLE.parent.mkdir(parents=True, exist_ok=True)
    path = write(synthetic_example(), SAMPLE)
    stable_bytes(path)
    return path


if __name__ == "__main__":
    print(main())
