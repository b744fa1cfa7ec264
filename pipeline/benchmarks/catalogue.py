"""The metric catalogue: every benchmark metric defined once, for people and for code.

Each :class:`MetricDef` says what a metric means in plain English (for the steering group and
the dashboards), how it is computed exactly (``formula``, including when it is empty), its unit,
which way is better, and which fields of the canonical return it reads (JSON pointers, ``*`` for
every item of a list). ``pipeline.benchmarks.metrics`` computes exactly the metrics listed here.

``kind`` tells later steps how a value may be treated: ``"count"`` values count people or things
and are subject to disclosure control when published; ``"rate"`` values are ratios (per 100
technicians) or changes (per cent, difference of rates); ``"share"`` values are parts of a whole in
per cent (0–100; a yes/no check is 100 or 0, so its average over a group is the share of
signatories meeting it); ``"score"`` values are bounded scores; ``"days"`` are differences between
dates.

``hesa`` marks a metric computed with HESA's published figures (DT025 Table 1, matched to the
return's academic year by :mod:`pipeline.benchmarks.hesa_reconciliation`): it carries HESA's
attribution wherever shown, and a peer's value is withheld, since with HESA's public table it
would say who the peer is. ``disclosure`` states each metric's rule in words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.schema import CORE_THEMES, Register, Theme

DIRECTIONS = ("higher", "lower", "neither")
KINDS = ("count", "rate", "share", "score", "days")
_ID = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")


@dataclass(frozen=True)
class MetricDef:
    id: str
    name: str
    definition: str            # plain English, one or two sentences
    formula: str               # exact: numerator, denominator, when empty (null)
    unit: str
    direction: str             # "higher" | "lower" | "neither": which way is better
    fields: tuple[str, ...]    # canonical return fields used (JSON pointers)
    headline: bool = False     # one of the few shown first on dashboards
    kind: str = "rate"         # "count" | "rate" | "share" | "score" | "days"
    hesa: bool = False         # computed with HESA figures: attribution shown, peers' values withheld

    def __post_init__(self) -> None:
        if not _ID.match(self.id):
            raise ValueError(f"metric id {self.id!r} is not snake_case")
        if self.direction not in DIRECTIONS:
            raise ValueError(f"metric {self.id}: direction {self.direction!r} is not one of {DIRECTIONS}")
        if self.kind not in KINDS:
            raise ValueError(f"metric {self.id}: kind {self.kind!r} is not one of {KINDS}")
        for attr in ("name", "definition", "formula", "unit"):
            if not getattr(self, attr).strip():
                raise ValueError(f"metric {self.id}: {attr} is empty")
        if not self.fields or not all(f.startswith("/") for f in self.fields):
            raise ValueError(f"metric {self.id}: fields must be JSON pointers")

    @property
    def disclosure(self) -> str:
        """The disclosure rule applied to this metric outside the steering group, in words."""
        if self.hesa:
            return ("A peer's value is withheld (with HESA's public table it would identify the peer); an "
                    "institution sees its own; group figures need at least 5 signatories.")
        if self.kind == "count":
            return ("A peer's value is rounded to the nearest 5 (1-4 shown as \"<5\"); an institution sees its "
                    "own exactly; group figures need at least 5 signatories.")
        return "Values shown as computed; group figures need at least 5 signatories."


def theme_key(theme: Theme) -> str:
    """``Theme.CAREER_DEVELOPMENT`` -> ``"career_development"`` (the suffix of per-theme ids)."""
    return theme.name.lower()


def register_key(register: Register) -> str:
    """``Register.RSCITECH`` -> ``"rscitech"`` (the suffix of per-register ids)."""
    return register.name.lower()


def _register_name(register: Register) -> str:
    return "other registers" if register is Register.OTHER else register.value


HEADCOUNT = "/technicians/headcount"
REGISTRATIONS = ("/registrations/*/name", "/registrations/*/count")
DUE = ("/action_plan/*/due/precision", "/action_plan/*/due/end", "/action_plan/*/inferred")
SIGNOFFS = ("/sign_off/lead/name", "/sign_off/lead/date", "/sign_off/head/name", "/sign_off/head/date")
PER_100_NULL = "null when the headcount is missing or not positive"

_CORE_NAMES = ", ".join(t.value for t in CORE_THEMES)


def _catalogue() -> tuple[MetricDef, ...]:
    m: list[MetricDef] = []
    add = m.append

    # --- technicians ---------------------------------------------------------------------
    add(MetricDef(
        "headcount", "Technicians (headcount)",
        "How many technicians the organisation reports, counting people.",
        "technicians.headcount as returned (the form's total row, else the sum of its areas); "
        "null when not given.",
        "technicians", "neither", (HEADCOUNT,), headline=True, kind="count"))
    add(MetricDef(
        "fte", "Technicians (FTE)",
        "How many technicians the organisation reports, in full-time equivalents.",
        "technicians.fte as returned; null when not given.",
        "FTE", "neither", ("/technicians/fte",), kind="count"))

    # --- recognition: professional registration -----------------------------------------
    add(MetricDef(
        "registrations_per_100", "Professional registrations per 100 technicians",
        "How many professional registrations (RSciTech, EngTech, CEng, ...) the organisation's "
        "technicians hold, for every 100 technicians. A person with two registrations counts twice.",
        f"100 × sum(registrations[*].count over every register) / technicians.headcount; a return "
        f"listing no registrations counts 0; {PER_100_NULL}.",
        "per 100 technicians", "higher", (*REGISTRATIONS, HEADCOUNT), headline=True, kind="rate"))
    for reg in Register:
        add(MetricDef(
            f"registrations_per_100_{register_key(reg)}",
            f"{_register_name(reg)} registrations per 100 technicians",
            (f"How many technicians are registered as {reg.value}, for every 100 technicians."
             if reg is not Register.OTHER else
             "How many registrations on other professional registers (not those listed separately) "
             "technicians hold, for every 100 technicians."),
            f"100 × sum(registrations[*].count where name = '{reg.value}') / technicians.headcount; "
            f"0 when the register is not listed; {PER_100_NULL}.",
            "per 100 technicians", "higher", (*REGISTRATIONS, HEADCOUNT), kind="rate"))

    # --- the action plan -----------------------------------------------------------------
    add(MetricDef(
        "actions", "Actions in the plan",
        "How many actions the organisation's action plan contains.",
        "count(action_plan[*]), including actions without a recognised theme; 0 for an empty plan.",
        "actions", "neither", ("/action_plan",), kind="count"))
    for theme in Theme:
        add(MetricDef(
            f"actions_{theme_key(theme)}", f"Actions on {theme.value}",
            f"How many actions in the plan address the {theme.value} theme.",
            f"count(action_plan[*] where theme = '{theme.value}' as stated: a theme techbench "
            "inferred from the wording ('theme' in action.inferred) is not counted); 0 when none.",
            "actions", "neither", ("/action_plan/*/theme", "/action_plan/*/inferred"), kind="count"))
    add(MetricDef(
        "actions_per_100", "Actions per 100 technicians",
        "How many actions the plan contains for every 100 technicians, so that plans of large and "
        "small organisations can be compared.",
        f"100 × count(action_plan[*]) / technicians.headcount; {PER_100_NULL}.",
        "per 100 technicians", "neither", ("/action_plan", HEADCOUNT), kind="rate"))
    add(MetricDef(
        "themes_covered", "Core themes covered",
        f"How many of the four core themes ({_CORE_NAMES}) have at least one action in the plan.",
        f"count of the themes {_CORE_NAMES} with ≥ 1 action_plan[*] of that theme as stated "
        "(inferred themes not counted) (0–4); 0 for an empty plan.",
        "themes", "higher", ("/action_plan/*/theme", "/action_plan/*/inferred"), headline=True, kind="score"))
    add(MetricDef(
        "smart_share", "SMART actions",
        "The share of actions that name an owner, have a target date (not just 'ongoing') and say "
        "how their impact will be evidenced.",
        "100 × count(action_plan[*] with a non-blank owner, a due date whose precision is not "
        "'ongoing' (due.end present) and a non-blank evidence) / count(action_plan[*]); null when "
        "the plan has no actions. Only stated values count: a date techbench inferred from the "
        "evidence or progress text ('due' in action.inferred) is no target date here.",
        "%", "higher", ("/action_plan/*/owner", *DUE, "/action_plan/*/evidence"), headline=True,
        kind="share"))
    add(MetricDef(
        "due_in_horizon_share", "Target dates within the plan period",
        "Of the actions with a target date, the share due within the plan's period (24 months at "
        "Stages 1 and 2, 36 months from Stage 3) from the date of the return.",
        "100 × count(dated actions with submission_date ≤ due.end ≤ submission_date + "
        "plan_horizon_months, months added calendar-wise and clipped to the month's end, both ends "
        "inclusive) / count(dated actions), where dated = due stated (not inferred), present and "
        "not 'ongoing'; null when "
        "there are no dated actions, or the submission date or stage is missing.",
        "%", "higher", (*DUE, "/submission_date", "/stage"), kind="share"))

    # --- initiatives since signing -------------------------------------------------------
    add(MetricDef(
        "initiatives_since", "Initiatives since signing",
        "How many initiatives the organisation reports having taken since it signed the Commitment.",
        "count(initiatives_since[*]), themed or not; 0 when none are listed.",
        "initiatives", "higher", ("/initiatives_since",), kind="count"))
    for theme in CORE_THEMES:
        add(MetricDef(
            f"initiatives_since_{theme_key(theme)}", f"Initiatives since signing on {theme.value}",
            f"How many initiatives since signing the organisation reports under the {theme.value} theme.",
            f"count(initiatives_since[*] where theme = '{theme.value}'); 0 when none.",
            "initiatives", "higher", ("/initiatives_since/*/theme",), kind="count"))

    # --- compliance ----------------------------------------------------------------------
    add(MetricDef(
        "url_published", "Plan published online",
        "Whether the return gives the web address where the organisation publishes its status "
        "and action plan (100 = yes, 0 = no; averaged over a group it is the share that do).",
        "100 if published_url is present and not blank, else 0.",
        "%", "higher", ("/published_url",), kind="share"))
    add(MetricDef(
        "voice_evidenced", "Technician voice evidenced",
        "Whether the return shows how technicians themselves were involved (100 = yes, 0 = no).",
        "100 if technician_voice is present and not blank, else 0.",
        "%", "higher", ("/technician_voice",), kind="share"))
    add(MetricDef(
        "both_signoffs", "Signed off by lead and head",
        "Whether both the institutional lead and the head of the institution signed and dated "
        "the return (100 = yes, 0 = no).",
        "100 if sign_off.lead.name, sign_off.lead.date, sign_off.head.name and sign_off.head.date "
        "are all present (names not blank), else 0.",
        "%", "higher", SIGNOFFS, kind="share"))
    add(MetricDef(
        "compliance_score", "Compliance",
        "The share of three basic requirements met: plan published online, technician voice "
        "evidenced, signed off by both lead and head.",
        "(url_published + voice_evidenced + both_signoffs) / 3, each 100 or 0; never null.",
        "%", "higher", ("/published_url", "/technician_voice", *SIGNOFFS), headline=True, kind="share"))

    # --- timeliness ----------------------------------------------------------------------
    add(MetricDef(
        "timeliness_days", "Days early (+) or late (−)",
        "How many days before the stage's deadline the return is dated; a negative number means "
        "it came late.",
        "stage deadline (from the tracker's deadlines for this signatory and stage) − "
        "submission_date, in days; positive = early, 0 = on the day, negative = late; null when "
        "there is no deadline or no submission date.",
        "days", "higher", ("/submission_date", "/stage"), headline=True, kind="days"))

    # --- against HESA's published figures ----------------------------------------------
    hesa_null = ("null when the reconciliation flag says why: no UKPRN, no submission date, year not "
                 "published, not in HESA that year, not reported (opted out in <year>), or no declared headcount")
    add(MetricDef(
        "technicians_per_100_staff", "Technicians per 100 staff (HESA total)",
        "How many technicians the return declares for every 100 staff of the provider, academic and "
        "non-academic, as HESA counts them for the academic year of the return (or the latest year HESA "
        "has published). Only where the provider reported its staff to HESA that year.",
        f"100 × technicians.headcount / HESA total_staff (DT025 Table 1, all staff excluding atypical, "
        f"rounded to 5 by HESA) for the provider's UKPRN and the HESA year of the reconciliation; "
        f"{hesa_null}, or when total_staff is 0.",
        "per 100 staff", "neither", (HEADCOUNT, "/submission_date"), kind="rate", hesa=True))
    add(MetricDef(
        "hesa_proxy_ratio", "Technicians declared against the HESA proxy",
        "The return's technician headcount divided by HESA's technician proxy (non-academic staff in "
        "associate professional (and technical) occupations) for the same provider and year: about 1 "
        "when the two agree; between 0.67 and 1.5 is within the expected band.",
        f"technicians.headcount / HESA technician_proxy, as the HESA reconciliation's ratio; {hesa_null}, "
        "or when the proxy is 0.",
        "ratio", "neither", (HEADCOUNT, "/submission_date"), kind="rate", hesa=True))

    # --- change since the previous stage -------------------------------------------------
    add(MetricDef(
        "headcount_change_pct", "Change in technicians since the previous stage",
        "How much the technician headcount has grown (or shrunk) since the organisation's return "
        "for the previous stage, in per cent.",
        "100 × (headcount − headcount at stage − 1) / headcount at stage − 1, using the same "
        "signatory's latest valid return for stage − 1; null at Stage 1, when that return does "
        "not exist, or when either headcount is missing or the earlier one is not positive.",
        "%", "neither", (HEADCOUNT, "/stage"), kind="rate"))
    add(MetricDef(
        "registrations_per_100_change", "Change in registrations per 100 technicians since the previous stage",
        "How much registrations per 100 technicians have risen (or fallen) since the organisation's "
        "return for the previous stage.",
        "registrations_per_100 − registrations_per_100 at stage − 1 (same signatory, latest valid "
        "return for stage − 1); null at Stage 1, when that return does not exist, or when either "
        "value is null.",
        "per 100 technicians", "higher", (*REGISTRATIONS, HEADCOUNT, "/stage"), kind="rate"))
    return tuple(m)


CATALOGUE: tuple[MetricDef, ...] = _catalogue()
BY_ID: dict[str, MetricDef] = {d.id: d for d in CATALOGUE}
if len(BY_ID) != len(CATALOGUE):  # pragma: no cover - a catalogue edit gone wrong
    raise ValueError("duplicate metric ids in CATALOGUE")
IDS: tuple[str, ...] = tuple(d.id for d in CATALOGUE)
HEADLINE: tuple[str, ...] = tuple(d.id for d in CATALOGUE if d.headline)
#: Metrics computed with HESA figures: attribution wherever shown; peers' values withheld.
HESA_METRICS: frozenset[str] = frozenset(d.id for d in CATALOGUE if d.hesa)
