"""Validation rules over the canonical return.

Each rule has a stable id, a severity and a one-line summary, and yields (field, message) pairs;
the field is a JSON pointer into the return, and the place in the source file comes from the
return's provenance. Errors stop a return from being accepted; warnings are advice.
`techbench rules` lists them all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from pipeline.kit.hooks import WHOLE_FILE, Issue, ParseContext, Severity, locate
from pipeline.kit.normalise import add_months
from pipeline.schema import CORE_THEMES, CanonicalReturn, DatePrecision

Finding = tuple[str, str]
Check = Callable[[CanonicalReturn, ParseContext], Iterable[Finding]]

PROFILE_MAX_WORDS = 250
EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")
URL_RE = re.compile(r"^https?://[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?$", re.I)


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    summary: str
    check: Check


RULES: list[Rule] = []


def rule(rule_id: str, severity: Severity, summary: str) -> Callable[[Check], Check]:
    def register(fn: Check) -> Check:
        RULES.append(Rule(rule_id, severity, summary, fn))
        return fn

    return register


def check(ret: CanonicalReturn, context: ParseContext) -> list[Issue]:
    return [
        Issue(rule=r.id, severity=r.severity, field=field,
              location=locate(ret.provenance and ret.provenance.fields, field), message=message)
        for r in RULES
        for field, message in r.check(ret, context)
    ]


# --- the rules ------------------------------------------------------------------------------

REQUIRED: dict[str, tuple[Callable[[CanonicalReturn], object], str]] = {
    "/signatory_name": (lambda r: r.signatory_name, "the organisation's name"),
    "/stage": (lambda r: r.stage, "the stage of this return (1, 2, 3, ...)"),
    "/lead/name": (lambda r: r.lead.name, "the institutional lead's name"),
    "/lead/email": (lambda r: r.lead.email, "the institutional lead's e-mail"),
    "/lead/phone": (lambda r: r.lead.phone, "the institutional lead's contact number"),
    "/profile": (lambda r: r.profile, "the organisation profile"),
    "/technician_definition": (lambda r: r.technician_definition, "how the organisation defines technicians"),
    "/technicians/headcount": (lambda r: r.technicians.headcount, "the number of technicians (headcount)"),
    "/initiatives_since": (lambda r: r.initiatives_since, "initiatives since becoming a signatory"),
    "/action_plan": (lambda r: r.action_plan, "the action plan"),
    "/technician_voice": (lambda r: r.technician_voice, "evidence of the technician voice"),
    "/published_url": (lambda r: r.published_url, "the web address where the action plan is published"),
}


@rule("required", "error", "Every question of the form is answered.")
def _required(r: CanonicalReturn, _: ParseContext) -> Iterator[Finding]:
    for pointer, (get, what) in REQUIRED.items():
        value = get(r)
        if value is None or value == "" or value == []:
            yield pointer, f"Please give {what}; it is missing."


def institution_key(name: str) -> str:
    """A name with case, punctuation and a leading or inner "the" set aside."""
    return re.sub(r"[^a-z0-9]+", " ", name.lower()).replace(" the ", " ").strip().removeprefix("the ")


@rule("signatory.name_mismatch", "warning",
      "The organisation named in the return is the signatory it was handed in for.")
def _signatory_name(r: CanonicalReturn, context: ParseContext) -> Iterator[Finding]:
    if not r.signatory_name or not context.signatory_name:
        return
    named, registered = institution_key(r.signatory_name), institution_key(context.signatory_name)
    if named and registered and named not in registered and registered not in named:
        yield "/signatory_name", (
            f"The return names '{r.signatory_name}', but it was handed in for {context.signatory_name}. "
            "Check that this is the right file; if the organisation's name has changed, tell the steering group.")


@rule("email.format", "error", "The lead's e-mail address is well formed.")
def _email(r: CanonicalReturn, _: ParseContext) -> Iterator[Finding]:
    if r.lead.email and not EMAIL_RE.match(r.lead.email):
        yield "/lead/email", f"'{r.lead.email}' is not a valid e-mail address (expected name@example.ac.uk)."


@rule("profile.length", "error", f"The organisation profile is at most {PROFILE_MAX_WORDS} words.")
def _profile(r: CanonicalReturn, _: ParseContext) -> Iterator[Finding]:
    words = len((r.profile or "").split())
    if words > PROFILE_MAX_WORDS:
        yield "/profile", (f"The profile has {words} words; the form allows up to {PROFILE_MAX_WORDS}. "
                           f"Please shorten it by {words - PROFILE_MAX_WORDS} words.")


@rule("headcount.positive", "error", "The technician headcount is a positive whole number.")
def _headcount(r: CanonicalReturn, _: ParseContext) -> Iterator[Finding]:
    if r.technicians.headcount is not None and r.technicians.headcount <= 0:
        yield "/technicians/headcount", (
            f"The number of technicians is {r.technicians.headcount}; it must be at least 1.")


@rule("counts.non_negative", "error", "Headcounts, FTEs, registrations and other counts are not negative.")
def _non_negative(r: CanonicalReturn, _: ParseContext) -> Iterator[Finding]:
    for i, area in enumerate(r.technicians.areas):
        for attr in ("headcount", "fte"):
            value = getattr(area, attr)
            if value is not None and value < 0:
                yield f"/technicians/areas/{i}/{attr}", f"'{area.name}' has a negative {attr} ({value})."
    for i, reg in enumerate(r.registrations):
        if reg.count < 0:
            yield f"/registrations/{i}/count", f"The number registered as {reg.name} is negative ({reg.count})."
    for i, metric in enumerate(r.other_metrics):
        if metric.count < 0:
            yield f"/other_metrics/{i}/count", f"'{metric.name}' is negative ({metric.count:g})."


@rule("areas.sum", "error", "Technicians by area add up to the total headcount.")
def _areas_sum(r: CanonicalReturn, _: ParseContext) -> Iterator[Finding]:
    counts = [a.headcount for a in r.technicians.areas]
    total = r.technicians.headcount
    if counts and total is not None and None not in counts and sum(counts) != total:
        yield "/technicians/headcount", (
            f"The areas add up to {sum(counts)} technicians but the total given is {total}. "
            "Correct the area rows or the total.")


@rule("areas.headcount", "warning", "Every area row gives its headcount.")
def _area_headcount(r: CanonicalReturn, _: ParseContext) -> Iterator[Finding]:
    for i, area in enumerate(r.technicians.areas):
        if area.headcount is None:
            yield f"/technicians/areas/{i}/headcount", f"'{area.name}' has no headcount."


@rule("fte.headcount", "warning", "FTE is not larger than headcount.")
def _fte(r: CanonicalReturn, _: ParseContext) -> Iterator[Finding]:
    t = r.technicians
    if t.fte is not None and t.headcount is not None and t.fte > t.headcount:
        yield "/technicians/fte", f"The total FTE ({t.fte:g}) is larger than the headcount ({t.headcount})."
    for i, area in enumerate(t.areas):
        if area.fte is not None and area.headcount is not None and area.fte > area.headcount:
            yield f"/technicians/areas/{i}/fte", (
                f"'{area.name}' has more FTE ({area.fte:g}) than people ({area.headcount}).")


@rule("registrations.headcount", "error", "No register counts more technicians than the headcount.")
def _registrations(r: CanonicalReturn, _: ParseContext) -> Iterator[Finding]:
    total = r.technicians.headcount
    if total is None:
        return
    for i, reg in enumerate(r.registrations):
        if reg.count > total:
            yield f"/registrations/{i}/count", (
                f"{reg.count} technicians registered as {reg.label or reg.name.value} is more than the "
                f"{total} technicians in the return.")


@rule("registrations.total", "warning", "All registrations together do not exceed the headcount.")
def _registrations_total(r: CanonicalReturn, _: ParseContext) -> Iterator[Finding]:
    total = r.technicians.headcount
    registered = sum(reg.count for reg in r.registrations)
    if total is not None and registered > total and all(reg.count <= total for reg in r.registrations):
        yield "/registrations", (
            f"Registrations add up to {registered}, more than the {total} technicians. That is possible "
            "only if people hold several registrations; please check the figures.")


@rule("themes.coverage", "warning", "The action plan has at least one action for each of the four themes.")
def _themes(r: CanonicalReturn, _: ParseContext) -> Iterator[Finding]:
    if not r.action_plan:
        return
    covered = {a.theme for a in r.action_plan if "theme" not in a.inferred}
    missing = [t.value for t in CORE_THEMES if t not in covered]
    if missing:
        suggested = any("theme" in a.inferred for a in r.action_plan)
        yield "/action_plan", f"The action plan has no action for {', '.join(missing)}." + (
            " (Themes techbench suggested from the actions' wording are not counted: give each action its "
            "theme.)" if suggested else "")


@rule("action.theme", "warning", "Every action names one of the Technician Commitment themes.")
def _action_theme(r: CanonicalReturn, _: ParseContext) -> Iterator[Finding]:
    for i, a in enumerate(r.action_plan):
        if a.theme is not None and "theme" in a.inferred:
            yield f"/action_plan/{i}/theme", (
                f"This action names no theme; techbench suggests {a.theme.value} from its wording (shown as "
                "inferred, never counted as your plan's own). Add a Theme column to state it.")
        elif a.theme is None:
            yield f"/action_plan/{i}/theme", (
                "This action has no recognised theme (Visibility, Recognition, Career Development, "
                "Sustainability or Evaluating Impact).")


@rule("action.incomplete", "warning", "Every action has a description, an owner, a due date and evidence of impact.")
def _action_complete(r: CanonicalReturn, _: ParseContext) -> Iterator[Finding]:
    parts = {"action": "a description", "owner": "an owner (lead)", "due": "a target date",
             "evidence": "how its impact will be evidenced"}
    for i, a in enumerate(r.action_plan):
        for attr, what in parts.items():
            if attr == "due" and a.due is not None and "due" in a.inferred:
                yield f"/action_plan/{i}/due", (
                    f"Action {i + 1} has no target date of its own; techbench inferred '{a.due.text}' from its "
                    "text (shown as inferred, never counted as your plan's own). Add a target date column.")
            elif getattr(a, attr) in (None, ""):
                yield f"/action_plan/{i}/{attr}", f"Action {i + 1} has no {what.split(' ', 1)[1]}; please give {what}."


@rule("action.due_horizon", "warning", "Due dates fall inside the plan's horizon from the submission date.")
def _horizon(r: CanonicalReturn, _: ParseContext) -> Iterator[Finding]:
    months = r.plan_horizon_months
    if months is None or r.submission_date is None:
        return
    start, end = r.submission_date, add_months(r.submission_date, months)
    for i, a in enumerate(r.action_plan):
        if a.due is None or a.due.end is None:
            continue
        if a.due.end > end:
            yield f"/action_plan/{i}/due", (
                f"'{a.due.text}' is after the end of this {months}-month plan ({end:%d %b %Y}).")
        elif a.due.end < start:
            yield f"/action_plan/{i}/due", (
                f"'{a.due.text}' is before the submission date ({start:%d %b %Y}); "
                "a plan's actions should lie ahead.")


@rule("action.due_ongoing", "warning", "Due dates are time-bound ('ongoing' is not).")
def _ongoing(r: CanonicalReturn, _: ParseContext) -> Iterator[Finding]:
    for i, a in enumerate(r.action_plan):
        if a.due is not None and a.due.precision is DatePrecision.ONGOING:
            yield f"/action_plan/{i}/due", (
                f"'{a.due.text}' is not time-bound; give a date by which the action will be reviewed.")
        elif a.due is not None and a.due.end is None and a.due.plan_year is not None:
            yield f"/action_plan/{i}/due", (
                f"'{a.due.text}' is a year of the plan, but the plan's start (its submission date) is not "
                "known, so it is kept as year " f"{a.due.plan_year} of the plan without a date.")


@rule("url.absolute", "error", "The published URL is an absolute http(s) address.")
def _url(r: CanonicalReturn, _: ParseContext) -> Iterator[Finding]:
    if r.published_url and not URL_RE.match(r.published_url):
        yield "/published_url", (
            f"'{r.published_url}' is not a full web address; give it as https://www.example.ac.uk/page.")


SIGNERS = {"lead": "the institutional lead", "head": "the head of institution"}


@rule("signoff.missing", "error", "The lead and the head of institution have both signed and dated the return.")
def _signoff(r: CanonicalReturn, _: ParseContext) -> Iterator[Finding]:
    for key, who in SIGNERS.items():
        s = getattr(r.sign_off, key)
        if not s.name:
            yield f"/sign_off/{key}/name", f"The sign-off by {who} has no name."
        if s.date is None:
            yield f"/sign_off/{key}/date", f"The sign-off by {who} has no date."


@rule("signoff.future", "error", "Sign-off dates are not after the day the return is handed in.")
def _signoff_future(r: CanonicalReturn, context: ParseContext) -> Iterator[Finding]:
    for key, who in SIGNERS.items():
        s = getattr(r.sign_off, key)
        if s.date is not None and s.date > context.received:
            yield f"/sign_off/{key}/date", (
                f"The sign-off by {who} is dated {s.date:%d %b %Y}, after the day it was handed in "
                f"({context.received:%d %b %Y}).")
