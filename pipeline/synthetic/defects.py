"""The deliberate defects of the synthetic sector, and the validation rules each must trip.

About ``DEFECT_RATE`` of returns carry one defect; the manifest records its rules so that tests
can check that the validator finds exactly those.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.kit.normalise import add_months
from pipeline.schema import CORE_THEMES, CanonicalReturn, DatePrecision, DueDate, Register, Registration
from pipeline.synthetic.returns import month_due

DEFECT_RATE = 0.10


@dataclass(frozen=True)
class Defect:
    """A defect: its id in the manifest, the rules it must trip, and how it spoils a return
    (``apply(return, rng, received)``, in place)."""

    id: str
    rules: frozenset[str]
    apply: Callable[[CanonicalReturn, random.Random, dt.date], None]


def _set_action(attr: str, value: Callable[[CanonicalReturn, random.Random], object]):
    def apply(r: CanonicalReturn, rng: random.Random, _: dt.date) -> None:
        setattr(rng.choice(r.action_plan), attr, value(r, rng))
    return apply


def _drop_theme(r: CanonicalReturn, rng: random.Random, _: dt.date) -> None:
    theme = rng.choice(CORE_THEMES)
    r.action_plan = [a for a in r.action_plan if a.theme is not theme]


DEFECTS: tuple[Defect, ...] = (
    Defect("bad-email", frozenset({"email.format"}),
           lambda r, rng, _: setattr(r.lead, "email", r.lead.email.replace("@", " at "))),
    Defect("relative-url", frozenset({"url.absolute"}),
           lambda r, rng, _: setattr(r, "published_url", r.published_url.removeprefix("https://"))),
    Defect("long-profile", frozenset({"profile.length"}),
           lambda r, rng, _: setattr(r, "profile", r.profile + " More about us." * rng.randint(90, 120))),
    Defect("areas-do-not-add-up", frozenset({"areas.sum"}),
           lambda r, rng, _: setattr(r.technicians, "headcount", r.technicians.headcount + rng.randint(3, 40))),
    Defect("too-many-registered", frozenset({"registrations.headcount"}),
           lambda r, rng, _: r.registrations.insert(0, Registration(
               name=Register.RSCITECH, count=r.technicians.headcount + rng.randint(5, 50)))),
    Defect("unsigned-by-head", frozenset({"signoff.missing"}),
           lambda r, rng, _: setattr(r.sign_off.head, "date", None)),
    Defect("signed-after-upload", frozenset({"signoff.future"}),
           lambda r, rng, received: setattr(r.sign_off.head, "date", received + dt.timedelta(days=rng.randint(3, 30)))),
    Defect("no-technician-voice", frozenset({"required"}), lambda r, rng, _: setattr(r, "technician_voice", None)),
    Defect("theme-without-actions", frozenset({"themes.coverage"}), _drop_theme),
    Defect("action-without-owner", frozenset({"action.incomplete"}), _set_action("owner", lambda r, rng: None)),
    Defect("due-beyond-horizon", frozenset({"action.due_horizon"}), _set_action("due", lambda r, rng: month_due(
        add_months(r.submission_date, r.plan_horizon_months + rng.randint(3, 9))))),
    Defect("ongoing-action", frozenset({"action.due_ongoing"}),
           _set_action("due", lambda r, rng: DueDate(precision=DatePrecision.ONGOING, text="Ongoing"))),
    Defect("fte-above-headcount", frozenset({"fte.headcount"}),
           lambda r, rng, _: setattr(r.technicians.areas[0], "fte", r.technicians.areas[0].headcount + 1.5)),
)
