"""Synthetic returns for the shipped samples and for checking a mapping by writing and reading.

Every organisation, person and address here is invented (``example.ac.uk``); the returns are
marked ``synthetic`` and the workbooks written from them carry the synthetic-data banner.
"""

from __future__ import annotations

import datetime as dt

from pipeline.schema import (Action, ActionStatus, Area, CanonicalReturn, DatePrecision, DueDate, Initiative, Metric,
                             Person, Register, Registration, SignOff, SignOffs, Technicians, Theme)


def _month(year: int, month: int, text: str) -> DueDate:
    import calendar

    return DueDate(precision=DatePrecision.MONTH, end=dt.date(year, month, calendar.monthrange(year, month)[1]),
                   text=text)


def northmoor() -> CanonicalReturn:
    """Northmoor University, Stage 1, handed in October 2023 (synthetic)."""
    return CanonicalReturn(
        synthetic=True,
        signatory_name="Northmoor University",
        stage=1,
        submission_date=dt.date(2023, 10, 16),
        lead=Person(name="Dr Hannah Okafor", email="h.okafor@northmoor.example.ac.uk", phone="01632 960 441"),
        profile="Northmoor University is a teaching-led university of 14,000 students on one campus, with "
        "four schools and a growing research base in materials and health sciences.",
        technician_definition="Technicians are staff in the technical job family, and others whose role is "
        "mainly to provide specialist technical skills, whatever their job title.",
        technicians_narrative="We employ 186 technicians: most work in the schools' teaching laboratories "
        "and workshops, and a central team runs the shared research facilities.",
        technicians=Technicians(headcount=186, fte=171.5, areas=[
            Area(name="School of Science", headcount=74, fte=69.0),
            Area(name="School of Engineering", headcount=58, fte=54.5),
            Area(name="School of Health", headcount=31, fte=27.0),
            Area(name="Shared Research Facilities", headcount=23, fte=21.0),
        ]),
        registrations=[Registration(name=Register.RSCITECH, count=9), Registration(name=Register.ENGTECH, count=4),
                       Registration(name=Register.OTHER, count=2, label="Institute of Science & Technology (MIST)")],
        other_metrics=[Metric(name="apprentices", count=6), Metric(name="technician mentors", count=11)],
        initiatives_before=[
            Initiative(text="A technicians' forum meets each term.", theme=Theme.VISIBILITY),
            Initiative(text="Technical staff can apply to the staff development fund."),
        ],
        initiatives_since=[
            Initiative(text="Technicians are named in the acknowledgements of research outputs.",
                       theme=Theme.VISIBILITY),
            Initiative(text="A technician category was added to the annual staff awards.", theme=Theme.RECOGNITION),
            Initiative(text="Two technicians were supported through RSciTech registration.",
                       theme=Theme.CAREER_DEVELOPMENT),
            Initiative(text="A workforce age profile was reviewed with HR.", theme=Theme.SUSTAINABILITY),
        ],
        action_plan=[
            Action(theme=Theme.VISIBILITY, action="Publish a directory of technical staff and facilities",
                   owner="Head of Technical Services", due=_month(2024, 3, "Mar 2024"),
                   evidence="Directory live; page views reported each term", status=ActionStatus.IN_PROGRESS),
            Action(theme=Theme.RECOGNITION, action="Run a professional registration cohort each year",
                   owner="Technician Commitment lead", due=_month(2024, 9, "Sep 2024"),
                   evidence="At least 10 registrations achieved", status=ActionStatus.PLANNED),
            Action(theme=Theme.CAREER_DEVELOPMENT, action="Agree a technical career pathways framework",
                   owner="Director of HR", due=DueDate(precision=DatePrecision.QUARTER, end=dt.date(2025, 3, 31),
                                                      text="Q1 2025"),
                   evidence="Framework approved; all technical roles mapped", status=ActionStatus.PLANNED),
            Action(theme=Theme.SUSTAINABILITY, action="Recruit four technical apprentices a year",
                   owner="Apprenticeships manager", due=DueDate(precision=DatePrecision.DAY,
                                                               end=dt.date(2025, 7, 31), text="31/07/2025"),
                   evidence="Apprentices recruited and retained", status=ActionStatus.PLANNED),
            Action(theme=Theme.EVALUATING_IMPACT, action="Survey technical staff every two years",
                   owner="Technician Commitment lead", due=_month(2025, 6, "Jun 2025"),
                   evidence="Response rate above 50%; results to the steering group", status=ActionStatus.PLANNED),
        ],
        technician_voice="The plan was written by a working group of eight technicians from every school and "
        "discussed at two open meetings.",
        published_url="https://www.northmoor.example.ac.uk/technicians/commitment",
        sign_off=SignOffs(lead=SignOff(name="Dr Hannah Okafor", date=dt.date(2023, 10, 9)),
                          head=SignOff(name="Professor Ian Lowther, Vice-Chancellor", date=dt.date(2023, 10, 16))),
    )


def fenwick() -> CanonicalReturn:
    """The Fenwick Institute, Stage 2, handed in March 2024 (synthetic)."""
    return CanonicalReturn(
        synthetic=True,
        signatory_name="The Fenwick Institute",
        stage=2,
        submission_date=dt.date(2024, 3, 28),
        lead=Person(name="Sam Idowu", email="sam.idowu@fenwick.example.ac.uk", phone="+44 1632 960 872"),
        profile="The Fenwick Institute is an independent research institute of 600 staff working on plant "
        "and soil science, with field stations in two counties.",
        technician_definition="All staff on technical grades T1 to T6, including glasshouse, field and "
        "laboratory technicians and research software engineers.",
        technicians_narrative="Our 97 technical staff work in three science divisions and in the "
        "institute's operations team, which runs the field stations.",
        technicians=Technicians(headcount=97, fte=88.6, areas=[
            Area(name="Plant Sciences", headcount=38, fte=35.0),
            Area(name="Soil and Water", headcount=27, fte=24.6),
            Area(name="Data and Computing", headcount=12, fte=11.0),
            Area(name="Operations and Field Stations", headcount=20, fte=18.0),
        ]),
        registrations=[Registration(name=Register.RSCI, count=5), Registration(name=Register.CSCI, count=1),
                       Registration(name=Register.OTHER, count=3, label="Society for the Environment (REnv)")],
        other_metrics=[Metric(name="technicians on the institute's committees", count=7),
                       Metric(name="training days per technician", count=4.5)],
        initiatives_before=[
            Initiative(text="Technical staff sit on the institute's health and safety committee.",
                       theme=Theme.VISIBILITY),
            Initiative(text="A training budget for every technical team.", theme=Theme.CAREER_DEVELOPMENT),
        ],
        initiatives_since=[
            Initiative(text="Technicians present their work at the annual science day.", theme=Theme.VISIBILITY),
            Initiative(text="Technical contributions are recorded in the institute's publications database.",
                       theme=Theme.RECOGNITION),
            Initiative(text="A mentoring scheme pairs new and experienced technicians.",
                       theme=Theme.CAREER_DEVELOPMENT),
            Initiative(text="Two apprenticeships in field technology were created.", theme=Theme.SUSTAINABILITY),
            Initiative(text="A baseline survey of technical staff was run.", theme=Theme.EVALUATING_IMPACT),
        ],
        action_plan=[
            Action(theme=Theme.VISIBILITY, action="Add technical staff profiles to the institute website",
                   owner="Head of Communications", due=_month(2024, 9, "Sep 2024"),
                   evidence="Profiles published for every technical team", status=ActionStatus.IN_PROGRESS),
            Action(theme=Theme.RECOGNITION, action="Name technicians on every dataset the institute publishes",
                   owner="Head of Data and Computing", due=_month(2024, 12, "Dec 2024"),
                   evidence="Share of datasets naming technicians", status=ActionStatus.PLANNED),
            Action(theme=Theme.CAREER_DEVELOPMENT, action="Fund professional registration for ten technicians",
                   owner="Director of Operations", due=DueDate(precision=DatePrecision.YEAR,
                                                              end=dt.date(2025, 12, 31), text="2025"),
                   evidence="Ten registrations achieved", status=ActionStatus.PLANNED),
            Action(theme=Theme.SUSTAINABILITY, action="Plan succession for technicians retiring by 2027",
                   owner="Head of HR", due=_month(2025, 6, "Jun 2025"),
                   evidence="Succession plan agreed for each division", status=ActionStatus.DONE),
            Action(theme=Theme.EVALUATING_IMPACT, action="Repeat the technical staff survey",
                   owner="Technician Commitment lead", due=DueDate(precision=DatePrecision.QUARTER,
                                                                  end=dt.date(2025, 12, 31), text="Q4 2025"),
                   evidence="Results compared with the 2023 baseline", status=ActionStatus.PLANNED),
        ],
        technician_voice="A panel of eleven technicians from every division drafted the actions, and all "
        "technical staff were invited to comment on the draft.",
        published_url="https://www.fenwick.example.ac.uk/about/technician-commitment",
        sign_off=SignOffs(lead=SignOff(name="Sam Idowu", date=dt.date(2024, 3, 20)),
                          head=SignOff(name="Dr Ruth Abernethy, Director", date=dt.date(2024, 3, 28))),
    )


#: The synthetic return written as each shipped sample, by signatory slug.
EXAMPLES = {"northmoor-university": northmoor, "fenwick-institute": fenwick}


def example(slug: str | None = None) -> CanonicalReturn:
    """The synthetic return for ``slug``, or Northmoor's for any other layout."""
    return EXAMPLES.get(slug or "", northmoor)()
