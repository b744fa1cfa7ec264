"""The synthetic return behind the shipped sample export, and the command that regenerates it.

    .venv/bin/python -m plugins.hr_export.sample

The return comes from the synthetic sector's generator (``pipeline.kit.samples.make_return``) for an
invented institution, with a fixed seed and dates, plus a registration of kind "other" with its label and
a done and a dropped action, so the export's files show every kind of code. It is marked synthetic, and so is every file of the
export written from it.
"""

from __future__ import annotations

import datetime as dt
import random

from pipeline.kit.samples import Member, Nation, Signatory, SignatoryType, make_return, stable_bytes
from pipeline.schema import ActionStatus, CanonicalReturn, Register, Registration

SEED = 2019
#: The sample's submission (and head of organisation's sign-off) date.
SUBMITTED = dt.date(2019, 6, 28)
#: A day on which the sample can be handed in (after both sign-offs).
RECEIVED = dt.date(2019, 7, 1)

MEMBER = Member(Signatory(slug="eastmoor", name="University of Eastmoor (synthetic)", type=SignatoryType.UNIVERSITY,
                          nation=Nation.ENGLAND, signed=dt.date(2019, 1, 1), cohort="2019", plugin="hr_export",
                          synthetic=True))


def sample_return() -> CanonicalReturn:
    """An invented Stage 1 return that passes every rule without a warning."""
    ret = make_return(MEMBER, 1, SUBMITTED, None, random.Random(SEED))
    ret.registrations.append(Registration(name=Register.OTHER, count=4, label="Institute of Science & Technology (MIScT)"))
    ret.action_plan[-2].status = ActionStatus.DROPPED
    ret.action_plan[-1].status = ActionStatus.DONE
    return ret


def main() -> None:
    from plugins.hr_export import writer
    from plugins.hr_export.plugin import SAMPLE

    writer.write(sample_return(), SAMPLE)
    stable_bytes(SAMPLE)
    print(SAMPLE)


if __name__ == "__main__":
    main()
