"""Synthetic returns for the shipped samples and for checking a mapping by writing and reading.

Each comes from the synthetic sector's generator (``pipeline.kit.samples.make_return``) for an
invented signatory with the slug its mapping serves, with a fixed seed and dates, plus a
registration of kind "other" with its label. Every organisation, person and address is invented
(``example.ac.uk``); the returns are marked ``synthetic`` and the workbooks written from them carry
the synthetic-data banner.
"""

from __future__ import annotations

import datetime as dt
import random

from pipeline.kit.samples import Member, Nation, Signatory, SignatoryType, make_return
from pipeline.schema import CanonicalReturn, Register, Registration

SEED = 2023


def _member(slug: str, name: str, type_: SignatoryType) -> Member:
    return Member(Signatory(slug=slug, name=name, type=type_, nation=Nation.ENGLAND, signed=dt.date(2021, 9, 1),
                            cohort="2021", plugin="mapped_workbook", synthetic=True))


def _returns(member: Member, *submitted: dt.date) -> CanonicalReturn:
    """The member's return for each stage in turn (each carrying the last one's plan forward); the last."""
    rng, ret = random.Random(f"{SEED}|{member.signatory.slug}"), None
    for stage, date in enumerate(submitted, 1):
        ret = make_return(member, stage, date, ret, rng)
    return ret


def northmoor() -> CanonicalReturn:
    """Northmoor University, Stage 1, handed in October 2023 (synthetic)."""
    ret = _returns(_member("northmoor-university", "Northmoor University", SignatoryType.UNIVERSITY),
                   dt.date(2023, 10, 16))
    ret.registrations.append(Registration(name=Register.OTHER, count=2, label="Institute of Science & Technology (MIST)"))
    return ret


def fenwick() -> CanonicalReturn:
    """The Fenwick Institute, Stage 2, handed in March 2024 (synthetic)."""
    ret = _returns(_member("fenwick-institute", "The Fenwick Institute", SignatoryType.RESEARCH_INSTITUTE),
                   dt.date(2022, 3, 30), dt.date(2024, 3, 28))
    ret.registrations.append(Registration(name=Register.OTHER, count=3, label="Society for the Environment (REnv)"))
    return ret


#: The synthetic return written as each shipped sample, by signatory slug.
EXAMPLES = {"northmoor-university": northmoor, "fenwick-institute": fenwick}


def example(slug: str | None = None) -> CanonicalReturn:
    """The synthetic return for ``slug``, or Northmoor's for any other layout."""
    return EXAMPLES.get(slug or "", northmoor)()
