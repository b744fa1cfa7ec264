"""The real sector's members: the shipped register of signatories, with synthetic returns to come.

Real: each signatory's name, UKPRN, signing date and source (the register,
``pipeline/config/signatories.csv``), and the HESA technician proxy each headcount is drawn near.
Drawn, and said so in the manifest: the format each signatory's returns are written in, its
quality as a plan writer, a base headcount from the sector's spread where HESA has no reported
figure for it (no UKPRN, a UKPRN HESA does not hold, or never reported), and a signing date inside
the programme's window where the register states none. The register rows written beside the
returns are marked synthetic, because every return in the sector is.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipeline.registry import Registry
from pipeline.programme.signatories import DEFAULT_REGISTER, load_register
from pipeline.synthetic.quality import draw_quality
from pipeline.synthetic.sector import IMPERIAL_AREAS, Member, plugin_choice, seeded_rng, writes

#: The seeds' formats: Imperial's 783 technicians by faculty in the faculty workbook, Essex's official form.
SEED_FORMATS = {"imperial": ("faculty_workbook", None), "essex": ("official_form", "docx")}
#: The programme's window for a signing date the register does not state: launch to the register's cut.
WINDOW = (dt.date(2017, 5, 1), dt.date(2024, 12, 1))


def _hesa(registry: Registry) -> tuple[dict[str, tuple[tuple[int, int], ...]], set[str], list[int]]:
    """HESA's reported technician proxies per UKPRN, the UKPRNs HESA holds at all, and the sector's
    spread (every provider's proxy in the latest year), or nothing if the HESA plugin is missing."""
    try:
        table = registry.get("hesa").reference_tables()["hesa_staff"]()
    except Exception:
        return {}, set(), []
    reported: dict[str, list[tuple[int, int]]] = {}
    for row in table.sort("year_start").iter_rows(named=True):
        if row["hesa_status"] == "reported" and row["technician_proxy"]:
            reported.setdefault(row["ukprn"], []).append((row["year_start"], row["technician_proxy"]))
    latest = max((years[-1][0] for years in reported.values()), default=0)
    spread = sorted(p for years in reported.values() for y, p in years if y == latest)
    return {k: tuple(v) for k, v in reported.items()}, set(table["ukprn"]), spread


def _signing(seed: int, signatory) -> tuple[dt.date | None, str]:
    """A signing date to draw return dates from when the register gives none; the manifest's note."""
    signed = getattr(signatory, "signed", None)
    rng = seeded_rng(seed, signatory.slug, "signed")
    if signed is not None and getattr(signatory, "signed_precision", "month") == "year":
        drawn = signed.replace(month=rng.randint(1, 12))
        return drawn, f"signed {signed:%Y} per the register (year only); month drawn ({drawn:%Y-%m}); return dates drawn"
    if signed is not None:
        return None, f"signed {signed:%Y-%m} per the register; return dates drawn"
    drawn = WINDOW[0] + dt.timedelta(days=rng.randint(0, (WINDOW[1] - WINDOW[0]).days))
    return drawn.replace(day=1), f"signing date not stated in the register; drawn {drawn:%Y-%m} (synthetic)"


def _size(seed: int, signatory, hesa: dict, held: set[str], spread: list[int]) -> tuple[tuple, int | None, str]:
    """HESA's reported years for the signatory, else a base size drawn from the sector's spread; the note."""
    ukprn = signatory.ukprn
    if ukprn in hesa:
        return hesa[ukprn], None, f"for UKPRN {ukprn}"
    why = ("no UKPRN in the register" if not ukprn else
           f"HESA does not hold UKPRN {ukprn}" if ukprn not in held else f"HESA: not reported for UKPRN {ukprn}")
    if not spread:
        return (), None, f"{why}; made up (HESA plugin not installed)"
    size = seeded_rng(seed, signatory.slug, "spread").choice(spread)
    return (), size, f"{why}; drawn from the sector's spread of HESA proxies ({size}, synthetic)"


def real_register(seed: int, registry: Registry, limit: int | None = None,
                  path: Path = DEFAULT_REGISTER) -> list[Member]:
    """The register's signatories (the first ``limit``, if given) as members of a synthetic sector."""
    hesa, held, spread = _hesa(registry)
    members = []
    for signatory in load_register(path)[:limit]:
        rng = seeded_rng(seed, signatory.slug, "format")
        own = signatory.plugin != "official_form" and writes(registry, signatory.plugin)
        seeded = signatory.slug in SEED_FORMATS and writes(registry, SEED_FORMATS[signatory.slug][0])
        plugin, fmt = ((signatory.plugin, None) if own else SEED_FORMATS[signatory.slug] if seeded
                       else plugin_choice(rng, registry))
        drawn, dates_note = _signing(seed, signatory)
        if signatory.slug == "imperial":  # the seed documents: 783 technical staff by faculty
            years, size, size_note = (), None, "seed document: 783 technical staff by faculty (2018)"
        else:
            years, size, size_note = _size(seed, signatory, hesa, held, spread)
        source = "; ".join(filter(None, (signatory.source, "returns SYNTHETIC (techbench demo)")))
        members.append(Member(
            signatory.model_copy(update={"plugin": plugin, "synthetic": True, "source": source}),
            fmt=fmt, headcount=sum(h for _, h in IMPERIAL_AREAS) if signatory.slug == "imperial" else None,
            hesa=years, size=size, quality=draw_quality(seed, signatory.slug), signed=drawn,
            notes=(("headcount_source", size_note), ("dates_source", dates_note),
                   ("format_source", "the register's plugin" if own else "the seed's format" if seeded
                    else "drawn (synthetic)"))))
    return members
