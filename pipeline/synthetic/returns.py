"""Making one synthetic return: a signatory's people, technicians, registrations and action plan.

Actions are drawn from Appendix A's own wording ("Establish: <activity>"), so the Appendix A rules
tag them; a later stage carries part of the previous plan forward with its progress.
"""

from __future__ import annotations

import datetime as dt
import random

from pipeline.appendix_a import ACTIVITIES
from pipeline.kit.normalise import add_months
from pipeline.schema import (
    CORE_THEMES,
    Action,
    ActionStatus,
    Area,
    CanonicalReturn,
    DatePrecision,
    DueDate,
    Initiative,
    Metric,
    Person,
    Register,
    Registration,
    SignOff,
    SignOffs,
    Technicians,
    Theme,
)
from pipeline.programme.signatories import Nation, SignatoryType
from pipeline.synthetic.sector import IMPERIAL_AREAS, Member, seeded_rng

FIRST = ("Alex", "Sam", "Priya", "Tom", "Aisha", "Chris", "Jenna", "Mark", "Fiona", "Rhys", "Niamh", "Omar",
         "Grace", "Dev", "Hannah", "Callum", "Mei", "Olu", "Ruth", "Iain")
LAST = ("Okafor", "Hughes", "Patel", "MacLeod", "Evans", "Byrne", "Khan", "Thompson", "Clarke", "Singh",
        "Fraser", "Williams", "Murphy", "Ahmed", "Campbell", "Jones", "Chen", "Taylor", "Reid", "Lewis")
AREAS = ("Faculty of Science", "Faculty of Engineering", "Faculty of Medicine and Health",
         "Faculty of Arts and Humanities", "Faculty of Social Sciences", "Central Technical Services",
         "School of Biosciences", "School of Chemistry", "School of Physics", "Estates and Facilities",
         "IT and Digital Services", "Research Core Facilities")
OWNERS = ("Head of Technical Services", "Technician Commitment Lead", "HR Director", "Deans of Faculty",
          "Apprenticeships Manager", "Technical Managers' Forum", "Director of Research", "Staff Development Team")
EVIDENCE = ("Results reported annually to the Technician Commitment steering group",
            "Number of technicians taking part, recorded each quarter",
            "Staff survey scores for technical staff, compared with the previous survey",
            "Web pages live and page views reported each term",
            "Policy approved by Council and published",
            "Uptake recorded in the HR system and reported to the Technical Managers' Forum")
VERBS = ("Establish", "Deliver", "Embed", "Review and extend", "Launch")
BEFORE = ("A technicians' network meeting termly", "A staff development fund open to technical staff",
          "HEaTED institutional membership", "Technical staff representation on the staff forum",
          "An annual technical staff conference")


def _due(rng: random.Random, start: dt.date, horizon: int) -> DueDate:
    """A target date between two months after ``start`` and two months before the horizon ends."""
    latest = add_months(start, horizon - 2)
    day = add_months(start, 2) + dt.timedelta(days=rng.randint(0, (latest - add_months(start, 2)).days))
    kind = rng.choices(["day", "month", "quarter", "year"], weights=[25, 45, 20, 10])[0]
    if kind == "year" and dt.date(day.year, 12, 31) <= latest:
        return DueDate(precision=DatePrecision.YEAR, end=dt.date(day.year, 12, 31), text=str(day.year))
    if kind == "quarter":
        q = (day.month - 1) // 3 + 1
        end = add_months(dt.date(day.year, 3 * q, 1), 1) - dt.timedelta(days=1)
        if end <= latest:
            return DueDate(precision=DatePrecision.QUARTER, end=end, text=f"Q{q} {day.year}")
    if kind in ("month", "year", "quarter") and (month := month_due(day)).end <= latest:
        return month
    return DueDate(precision=DatePrecision.DAY, end=day, text=day.strftime("%d/%m/%Y"))


def month_due(day: dt.date) -> DueDate:
    """The month of ``day`` as a target date ("Sep 2020", ending on its last day)."""
    end = add_months(dt.date(day.year, day.month, 1), 1) - dt.timedelta(days=1)
    return DueDate(precision=DatePrecision.MONTH, end=end, text=day.strftime("%b %Y"))


def _areas(rng: random.Random, member: Member, headcount: int) -> list[Area]:
    if member.signatory.slug == "imperial":
        pairs = list(IMPERIAL_AREAS)
    else:
        names = rng.sample(AREAS, k=min(len(AREAS), rng.randint(2, 6), max(1, headcount)))
        weights = [rng.uniform(0.5, 3) for _ in names]
        counts = [max(1, int(headcount * w / sum(weights))) for w in weights]
        counts[0] += headcount - sum(counts)
        if counts[0] < 1:  # tiny organisations: one area
            names, counts = names[:1], [headcount]
        pairs = list(zip(names, counts))
    return [Area(name=n, headcount=h, fte=round(h * rng.uniform(0.82, 0.98), 1)) for n, h in pairs]


def hesa_anchor(member: Member, submitted: dt.date) -> tuple[int, int] | None:
    """(academic year start, technician proxy) the headcount is drawn near: HESA's latest reported
    year before the submission's academic year, else its first reported year; None without HESA."""
    if not member.hesa:
        return None
    year = submitted.year if submitted.month >= 8 else submitted.year - 1
    return next(((y, p) for y, p in reversed(member.hesa) if y < year), member.hesa[0])


def _headcount(rng: random.Random, member: Member, submitted: dt.date, stage: int) -> int:
    if member.headcount:
        return member.headcount
    if anchor := hesa_anchor(member, submitted):
        outlier = seeded_rng(member.signatory.slug, "outlier").random() < 0.15
        band = rng.uniform(1.35, 1.6) if outlier else rng.uniform(0.8, 1.2)
        return max(5, int(anchor[1] * band))
    base = seeded_rng(member.signatory.slug, "size")
    size = member.size or int(min(1000, max(25, base.lognormvariate(5.0, 0.75))))
    return max(10, int(size * (1 + 0.03 * (stage - 1)) * rng.uniform(0.96, 1.04)))


def make_return(member: Member, stage: int, submitted: dt.date, previous: CanonicalReturn | None,
                rng: random.Random) -> CanonicalReturn:
    """Stage ``stage`` of ``member``'s return, handed in on ``submitted``; ``previous`` is its last stage's."""
    s = member.signatory
    head_date = submitted
    lead_date = submitted - dt.timedelta(days=rng.randint(0, 14))
    lead = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    domain = f"{s.slug}.example.ac.uk"
    headcount = _headcount(rng, member, submitted, stage)
    areas = _areas(rng, member, headcount)
    horizon = 24 if stage <= 2 else 36
    registrations = []
    for register, share in ((Register.RSCITECH, 0.08), (Register.RSCI, 0.04), (Register.CSCI, 0.02),
                            (Register.ENGTECH, 0.03), (Register.IENG, 0.01), (Register.CENG, 0.01),
                            (Register.RITTECH, 0.01), (Register.RENVTECH, 0.005)):
        count = int(headcount * rng.uniform(0, share) * (1 + 0.3 * (stage - 1)))
        if count:
            registrations.append(Registration(name=register, count=count))
    actions: list[Action] = []
    if previous is not None:  # carry part of the previous plan forward with its progress
        for old in previous.action_plan:
            if rng.random() < 0.5:
                status = rng.choices([ActionStatus.DONE, ActionStatus.IN_PROGRESS, ActionStatus.DROPPED], [5, 4, 1])[0]
                actions.append(old.model_copy(update={"status": status, "due": _due(rng, submitted, horizon)}))
    for theme in (*CORE_THEMES, Theme.EVALUATING_IMPACT):
        own = [a for a in ACTIVITIES if a.theme is theme] or [None]
        for _ in range(rng.randint(1, 3) if theme in CORE_THEMES else rng.randint(0, 1)):
            activity = rng.choice(own)
            text = activity.text if activity else "Biennial technical staff survey to evaluate impact"
            actions.append(Action(theme=theme, action=f"{rng.choice(VERBS)}: {text}", owner=rng.choice(OWNERS),
                                  due=_due(rng, submitted, horizon), evidence=rng.choice(EVIDENCE),
                                  status=rng.choice([ActionStatus.PLANNED, ActionStatus.PLANNED, ActionStatus.IN_PROGRESS])))
    since = [Initiative(theme=a.theme, text=a.text) for a in rng.sample(ACTIVITIES, k=rng.randint(3, 7))]
    words = rng.randint(60, 180)
    profile = " ".join(
        (f"{s.name} is a {s.type.value} in {s.nation.value if s.nation is not Nation.INTERNATIONAL else 'Europe'} "
         f"with {headcount} technical staff.").split()
        + ["Technical staff support teaching, research and enterprise across the organisation."] * (words // 10)
    )
    return CanonicalReturn(
        synthetic=True,
        signatory_name=s.name,
        stage=stage,
        submission_date=submitted,
        lead=Person(name=lead, email=f"{lead.lower().replace(' ', '.')}@{domain}",
                    phone=f"+44 1632 960 {rng.randint(0, 999):03d}"),
        profile=profile,
        technician_definition="Staff who use specialist technical skills and knowledge to support research, "
        "teaching and enterprise, whatever their job title.",
        technicians_narrative=f"We employ {headcount} technicians across {len(areas)} areas.",
        technicians=Technicians(headcount=headcount, fte=round(sum(a.fte for a in areas), 1), areas=areas),
        registrations=registrations,
        other_metrics=[Metric(name="apprentices", count=float(int(headcount * rng.uniform(0, 0.03)))),
                       Metric(name="mentors", count=float(int(headcount * rng.uniform(0, 0.1))))],
        initiatives_before=[Initiative(text=t) for t in rng.sample(BEFORE, k=rng.randint(1, 3))],
        initiatives_since=since,
        action_plan=actions,
        technician_voice="The plan was drafted by a working group of technicians from every area and "
        "consulted on at open forums for all technical staff.",
        published_url=f"https://www.{domain}/technician-commitment",
        sign_off=SignOffs(lead=SignOff(name=lead, date=lead_date),
                          head=SignOff(name=f"Professor {rng.choice(FIRST)} {rng.choice(LAST)}, "
                                       f"{'Vice-Chancellor' if s.type is SignatoryType.UNIVERSITY else 'Director'}",
                                       date=head_date)),
    )
