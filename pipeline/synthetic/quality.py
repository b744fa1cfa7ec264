"""How diligently a signatory writes its action plans: a latent trait that varies its returns the
way real published plans vary (tests/data/real_plans: owners "to be identified", dates such as
"Ongoing", "From Oct 2022", "Aug 2022; Aug 2023", plans without some themes, actions "carried
forward" with their old dates).

Each signatory's quality (0 sparse .. 1 diligent) is drawn once from (seed, slug); the sparser it
is, the more of its actions lack an owner or a date, carry a vague date, the more likely a plan
misses a core theme, and the more carried-forward actions keep the date they had. These are
warnings of the panel's checklist, never errors: a varied return is still a valid one.
``plan_warnings`` gives the rules a plan trips, as the validator judges the return in memory, so the
manifest can say which warnings each file must raise (a later stage inherits its predecessor's
looseness through the actions it carries forward, defective or not).
"""

from __future__ import annotations

import datetime as dt
import random

from pipeline.kit.hooks import ParseContext
from pipeline.kit.normalise import add_months, parse_due
from pipeline.schema import CORE_THEMES, ActionStatus, CanonicalReturn
from pipeline.synthetic.sector import seeded_rng
from pipeline.validation.rules import check

#: The only rules variation may trip: all warnings.
VARIATION_RULES = frozenset({"action.incomplete", "action.due_ongoing", "action.due_horizon", "themes.coverage"})


def draw_quality(seed: int, slug: str) -> float:
    """A signatory's latent diligence: most fair, some diligent, some sparse (mean about 0.6)."""
    return round(seeded_rng(seed, slug, "quality").betavariate(2.0, 1.3), 2)


def _vague_text(rng: random.Random, ret: CanonicalReturn) -> str:
    """A readable but loose target date inside the plan's horizon, written as real plans write them."""
    start = ret.submission_date
    end = add_months(start, ret.plan_horizon_months or 24)
    day = add_months(start, rng.randint(3, (ret.plan_horizon_months or 24) - 4))
    kind = rng.choices(["ongoing", "from", "academic", "milestones", "end of"], weights=[35, 15, 25, 10, 15])[0]
    academic = day.year if day.month >= 8 else day.year - 1
    if kind == "academic" and dt.date(academic + 1, 7, 31) <= end:
        return f"{academic}/{(academic + 1) % 100:02d}"
    if kind == "milestones" and add_months(day, 12) <= end:
        return f"{day:%b %Y}; {add_months(day, 12):%b %Y}"
    if kind == "end of":
        return f"End of {day:%B %Y}"
    if kind == "from":
        return f"From {day:%b %Y}"
    return rng.choice(["Ongoing", "ongoing"])


def plan_warnings(ret: CanonicalReturn, context: ParseContext) -> frozenset[str]:
    """The variation rules ``ret`` trips, as the validator judges it in memory."""
    return frozenset({issue.rule for issue in check(ret, context)} & VARIATION_RULES)


def vary(ret: CanonicalReturn, quality: float, previous: CanonicalReturn | None, rng: random.Random,
         context: ParseContext) -> None:
    """Loosen ``ret``'s plan (in place) as a signatory of ``quality`` would."""
    sparse = 1.0 - quality
    themes = list(CORE_THEMES)
    rng.shuffle(themes)
    dropped = themes[:1] if rng.random() < 0.55 * sparse ** 1.2 else []
    if dropped and rng.random() < 0.3 * sparse:
        dropped = themes[:2]
    plan = [a for a in ret.action_plan if a.theme not in dropped]
    ret.action_plan = plan if plan else ret.action_plan
    before = {a.action: a for a in previous.action_plan} if previous is not None else {}
    for action in ret.action_plan:
        if (old := before.get(action.action)) is not None and rng.random() < 0.7 * sparse:
            action.due, action.status = old.due, ActionStatus.IN_PROGRESS  # carried forward as it was
            continue
        if rng.random() < 0.45 * sparse ** 1.5:
            action.owner = None
        roll = rng.random()
        if roll < 0.25 * sparse ** 1.5:
            action.due = None
        elif roll < 0.5 * sparse:
            action.due = parse_due(_vague_text(rng, ret))
    if extra := {issue.rule for issue in check(ret, context)} - VARIATION_RULES:  # a generator bug
        raise AssertionError(f"variation tripped {sorted(extra)} on {ret.signatory_name}: it must leave a valid return")
