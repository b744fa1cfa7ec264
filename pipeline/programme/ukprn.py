"""UKPRN checks for the register: is each UK Provider Reference Number a known provider, and does the
name the register gives match the provider's name?

The reference is the Department for Education's list of HE providers (``config/ukprn_providers.csv``,
provenance and licence in ``config/README-ukprn_providers.md``). Names match loosely — case, a
leading "The", curly apostrophes, "&" for "and" and punctuation do not count — and otherwise only
through :data:`ALIASES`, a short table of names each provider is known by elsewhere, with the
source that uses the name. Nothing fuzzier: a similar-looking name is how a wrong UKPRN (Durham's
10007143 given to Essex, whose UKPRN is 10007791) would hide.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pipeline.programme.signatories import Problem, Signatory

REFERENCE = Path(__file__).resolve().parent.parent / "config" / "ukprn_providers.csv"

#: UKPRN -> ((another name of the provider, the source that uses it), ...).
ALIASES: dict[str, tuple[tuple[str, str], ...]] = {
    "10003270": (("Imperial College of Science, Technology and Medicine",
                  "its legal name; HESA's DT025 Table 1 lists UKPRN 10003270 under it"),),
}


@dataclass(frozen=True)
class Provider:
    ukprn: str
    name: str
    closed: str | None  # the date the DfE list gives for a closed provider


def normalise(name: str) -> str:
    """A name with the differences that do not identify a provider removed."""
    text = name.casefold().replace("’", "'").replace("&", " and ")
    text = re.sub(r"[^\w\s]", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text.removeprefix("the ")


@cache
def _providers(path: Path) -> dict[str, Provider]:
    with path.open(encoding="utf-8", newline="") as fh:
        return {r["ukprn"]: Provider(r["ukprn"], r["name"], r.get("closed") or None) for r in csv.DictReader(fh)}


def providers(path: Path = REFERENCE) -> dict[str, Provider]:
    return _providers(path)


def names_for(ukprn: str, known: dict[str, Provider] | None = None) -> list[str]:
    """Every name that matches ``ukprn``: the reference's, then its aliases."""
    provider = (known or providers()).get(ukprn)
    return ([provider.name] if provider else []) + [alias for alias, _ in ALIASES.get(ukprn, ())]


def ukprn_problem(signatory: Signatory, known: dict[str, Provider] | None = None) -> str | None:
    """What is wrong with the signatory's UKPRN, or None. Synthetic rows are not checked (their
    names are made up)."""
    if signatory.ukprn is None or signatory.synthetic:
        return None
    known = known or providers()
    provider = known.get(signatory.ukprn)
    if provider is None:
        return f"{signatory.ukprn} is not a UK provider in the DfE reference list"
    if normalise(signatory.name) not in {normalise(n) for n in names_for(signatory.ukprn, known)}:
        hint = [u for u, p in known.items() if normalise(p.name) == normalise(signatory.name)]
        also = f"; '{signatory.name}' is {hint[0]}" if hint else ""
        return f"{signatory.ukprn} is '{provider.name}', not '{signatory.name}'{also}"
    if provider.closed:
        return f"{signatory.ukprn} ('{provider.name}') is closed ({provider.closed}) in the DfE reference list"
    return None


def ukprn_problems(rows: Iterable[tuple[int, Signatory]], known: dict[str, Provider] | None = None) -> list[Problem]:
    """Each row's UKPRN problem, and a UKPRN given to two signatories, with the line."""
    found, seen = [], {}
    for line, signatory in rows:
        message = ukprn_problem(signatory, known)
        if message is None and signatory.ukprn and not signatory.synthetic and signatory.ukprn in seen:
            message = f"{signatory.ukprn} is already given on line {seen[signatory.ukprn]}"
        if message:
            found.append(Problem(line, "ukprn", message))
        if signatory.ukprn:
            seen.setdefault(signatory.ukprn, line)
    return found
