"""The fictional sector's register (made-up signatories beside the seed facts and HESA's Scottish
providers), and what every synthetic sector's members share (``Member``, ``seeded_rng``, formats).

Everything in the fictional register is invented except what the seeds and HESA give (Imperial's
founding date and 783 technicians by faculty, Essex's founding date, the 18 Scottish providers'
names, UKPRNs and HESA technician proxies). Each signatory's format is drawn among the plugins that
write returns. The real register's sector is built in :mod:`pipeline.synthetic.real`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass

from pipeline.registry import Registry
from pipeline.programme.signatories import Nation, Signatory, SignatoryType

PLACE_A = ("Ash", "Bram", "Cal", "Dun", "Elm", "Fen", "Glen", "Hart", "Ivy", "Kings", "Lark", "Marl",
           "North", "Oak", "Pen", "Quarry", "Raven", "Stan", "Thorn", "Wey")
PLACE_B = ("ford", "moor", "wick", "bury", "dale", "field", "ham", "ley", "mouth", "stead", "ton",
           "well", "brook", "cliffe", "gate", "holm")
PLACE_C = ("", "North ", "South ", "East ", "West ", "Upper ", "Lower ", "Great ", "Little ")
UNIVERSITY_NAMES = ("University of {p}", "{p} University", "{p} Metropolitan University", "{p} Trent University")
INSTITUTE_NAMES = ("{p} Research Institute", "{p} Institute of Technology", "{p} Laboratory")
OTHER_NAMES = ("{p} College", "{p} School of Art")
MISSION_GROUPS = ("Russell Group", "MillionPlus", "University Alliance", "GuildHE")
PEER_GROUPS = ("Northern Technicians Partnership", "Southern Research Facilities Group",
               "Specialist Institutions Forum")

# Seed facts.
SEED_SLUGS = ("imperial", "essex")
IMPERIAL_AREAS = (("Engineering", 139), ("Medicine", 253), ("Natural Sciences", 151), ("Support Services", 240))


@dataclass(frozen=True)
class Member:
    """A signatory of the synthetic sector and how its returns are written."""

    signatory: Signatory
    fmt: str | None = None
    headcount: int | None = None  # fixed base headcount (seed facts), else drawn
    hesa: tuple[tuple[int, int], ...] = ()  # (academic year start, technician proxy), reported years only
    size: int | None = None  # base headcount drawn from the sector's spread (no HESA figure), else made up
    quality: float | None = None  # latent diligence, 0 sparse .. 1 diligent; None: every plan as the form asks
    signed: dt.date | None = None  # a drawn signing date (the register states none, or only its year)
    notes: tuple[tuple[str, str], ...] = ()  # manifest column -> what is real and what is drawn

    @property
    def signed_on(self) -> dt.date:
        """The signing date the return dates follow: the drawn one, else the register's."""
        return self.signed or self.signatory.signed


def seeded_rng(*parts: object) -> random.Random:
    """A generator seeded by ``parts``: the same parts give the same draws in any process."""
    return random.Random(hashlib.sha256("|".join(map(str, parts)).encode()).digest())


def _slug(name: str) -> str:
    out = "".join(c.lower() if c.isalnum() else "-" for c in name)
    return "-".join(filter(None, out.split("-")))[:60]


def _hesa_providers(registry: Registry) -> dict[str, tuple[str, tuple[tuple[int, int], ...]]]:
    """UKPRN -> (provider name, ((year start, proxy), ...)) of the Scottish providers in the HESA
    plugin's table, if installed (the table covers the UK; only Scottish rows name their nation)."""
    try:
        table = registry.get("hesa").reference_tables()["hesa_staff"]()
    except Exception:
        return {}
    out: dict[str, tuple[str, list]] = {}
    for row in table.iter_rows(named=True):
        if row.get("nation", Nation.SCOTLAND.value) != Nation.SCOTLAND.value:
            continue
        name, years = out.setdefault(row["ukprn"], (row["provider"], []))
        if row["technician_proxy"] is not None:
            years.append((row["year_start"], row["technician_proxy"]))
    return {k: (name, tuple(sorted(years))) for k, (name, years) in out.items()}


def plugin_choice(rng: random.Random, registry: Registry) -> tuple[str, str | None]:
    """A plugin that writes returns, and its format, drawn in the sector's proportions."""
    options = [("official_form", "docx", 27), ("official_form", "xlsx", 9), ("official_form", "json", 9),
               ("faculty_workbook", None, 25), ("hr_export", None, 30)]
    options = [o for o in options if writes(registry, o[0])]
    plugin, fmt, _ = rng.choices(options, weights=[o[2] for o in options])[0]
    return plugin, fmt


def writes(registry: Registry, name: str) -> bool:
    try:
        return registry.get(name).writes_returns
    except Exception:
        return False


def build_register(n: int, seed: int, registry: Registry) -> list[Member]:
    """The fictional register of ``n`` signatories: the seeds, the mapped workbooks' signatories,
    HESA's Scottish providers, then made-up ones."""
    rng = seeded_rng(seed, "register")
    members: list[Member] = []
    founders = dt.date(2017, 5, 1)

    def add(member: Member) -> None:
        if len(members) < n:
            members.append(member)

    add(Member(Signatory(slug="imperial", name="Imperial College London", type=SignatoryType.UNIVERSITY,
                         nation=Nation.ENGLAND, signed=founders, cohort="2017 founders",
                         mission_group="Russell Group", plugin="faculty_workbook" if writes(registry, "faculty_workbook")
                         else "official_form", synthetic=True,
                         source="seed 000/003: founding signatory May 2017, 783 technical staff; returns synthetic"),
               headcount=sum(h for _, h in IMPERIAL_AREAS)))
    add(Member(Signatory(slug="essex", name="University of Essex", type=SignatoryType.UNIVERSITY,
                         nation=Nation.ENGLAND, signed=founders, cohort="2017 founders", plugin="official_form",
                         synthetic=True, source="seed 004: founding signatory 2017, third action plan; returns synthetic"),
               fmt="docx"))
    if writes(registry, "mapped_workbook"):
        for slug in registry.get("mapped_workbook").info.signatories or []:
            add(Member(Signatory(slug=slug, name=slug.replace("-", " ").title(), type=SignatoryType.UNIVERSITY,
                                 nation=Nation.ENGLAND, signed=dt.date(2019, 3, 1), cohort="2019",
                                 plugin="mapped_workbook", synthetic=True, source="synthetic")))
    for ukprn, (name, years) in sorted(_hesa_providers(registry).items()):
        signed = dt.date(rng.choice((2017, 2017, 2018, 2019, 2020)), rng.randint(1, 12), 1)
        plugin, fmt = plugin_choice(rng, registry)
        add(Member(Signatory(slug=_slug(name.removeprefix("The ")), name=name, type=SignatoryType.UNIVERSITY,
                             nation=Nation.SCOTLAND, ukprn=ukprn, signed=max(signed, founders),
                             cohort="2017 founders" if signed <= founders else str(signed.year),
                             plugin=plugin, synthetic=True,
                             source="name and UKPRN from HESA; signing date and returns synthetic"),
                   fmt=fmt, hesa=years))
    used = {m.signatory.slug for m in members}
    i = 0
    while len(members) < n:
        i += 1
        place = rng.choice(PLACE_C) + rng.choice(PLACE_A) + rng.choice(PLACE_B)
        kind = rng.choices([SignatoryType.UNIVERSITY, SignatoryType.RESEARCH_INSTITUTE, SignatoryType.OTHER],
                           weights=[80, 15, 5])[0]
        pattern = {SignatoryType.UNIVERSITY: UNIVERSITY_NAMES, SignatoryType.RESEARCH_INSTITUTE: INSTITUTE_NAMES,
                   SignatoryType.OTHER: OTHER_NAMES}[kind]
        name = rng.choice(pattern).format(p=place)
        slug = _slug(name)
        if slug in used:
            continue
        used.add(slug)
        nation = rng.choices(list(Nation), weights=[85, 0, 7, 4, 4])[0]
        founder = rng.random() < 0.25
        signed = founders if founder else dt.date(2017, 6, 1) + dt.timedelta(days=rng.randint(0, 365 * 7))
        plugin, fmt = plugin_choice(rng, registry)
        mission = rng.choice(MISSION_GROUPS) if kind is SignatoryType.UNIVERSITY and rng.random() < 0.4 else None
        groups = (rng.choice(PEER_GROUPS),) if rng.random() < 0.3 else ()
        add(Member(Signatory(slug=slug, name=name, type=kind, nation=nation, signed=signed,
                             cohort="2017 founders" if founder else str(signed.year), mission_group=mission,
                             peer_groups=groups, plugin=plugin, synthetic=True, source="synthetic"), fmt=fmt))
    return members

