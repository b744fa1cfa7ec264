"""The synthetic return behind the shipped sample export, and the command that regenerates it.

    .venv/bin/python -m plugins.hr_export.sample

The institution, people and figures are invented (example.ac.uk addresses, 01632 drama numbers);
the return is marked synthetic, and so is every file of the export written from it.
"""

from __future__ import annotations

import datetime as dt

from pipeline.schema import (
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

#: A day on which the sample can be handed in (after both sign-offs).
RECEIVED = dt.date(2019, 7, 1)


def _due(precision: DatePrecision, end: dt.date | None, text: str) -> DueDate:
    return DueDate(precision=precision, end=end, text=text)


def sample_return() -> CanonicalReturn:
    """An invented Stage 1 return that passes every rule without a warning."""
    return CanonicalReturn(
        synthetic=True,
        signatory_name="University of Eastmoor (synthetic)",
        stage=1,
        submission_date=dt.date(2019, 6, 28),
        lead=Person(name="Dr Morwenna Achterberg", email="m.achterberg@eastmoor.example.ac.uk",
                    phone="+44 1632 960 457"),
        profile="The University of Eastmoor is a teaching-led university of 14,000 students on one campus, "
                "with strengths in engineering, life sciences and the creative arts.\n"
                "Technical staff run teaching laboratories, studios, workshops and the university's "
                "research facilities.",
        technician_definition="Technicians are staff whose roles centre on specialist technical skills "
                              "supporting teaching, research or enterprise, including technical managers "
                              "and apprentices, whatever their job title or grade.",
        technicians_narrative="We employ 236 technicians (219.6 FTE). Most work in the three faculties; "
                              "a central team runs shared research facilities and the Création Studio.",
        technicians=Technicians(headcount=236, fte=219.6, areas=[
            Area(name="Faculty of Engineering", headcount=84, fte=80.2),
            Area(name="Faculty of Life Sciences", headcount=71, fte=64.9),
            Area(name="School of Art & Design", headcount=38, fte=33.5),
            Area(name="Research Facilities (central)", headcount=43, fte=41.0),
        ]),
        registrations=[
            Registration(name=Register.RSCITECH, count=14),
            Registration(name=Register.RSCI, count=6),
            Registration(name=Register.ENGTECH, count=9),
            Registration(name=Register.IENG, count=2),
            Registration(name=Register.RITTECH, count=3),
            Registration(name=Register.OTHER, count=4, label="Institute of Science & Technology (MIScT)"),
        ],
        other_metrics=[Metric(name="apprentices", count=7), Metric(name="mentors", count=22),
                       Metric(name="technician network members", count=151)],
        initiatives_before=[
            Initiative(text="A technicians' forum has met each term since 2015."),
            Initiative(text="Technical staff can apply to the staff development fund (up to £500 a year).",
                       theme=Theme.CAREER_DEVELOPMENT),
        ],
        initiatives_since=[
            Initiative(text="Technicians are named in the acknowledgements policy for research outputs.",
                       theme=Theme.VISIBILITY),
            Initiative(text="Annual technician awards at the staff celebration.", theme=Theme.RECOGNITION),
            Initiative(text="Apprenticeship places doubled to eight a year.", theme=Theme.SUSTAINABILITY),
        ],
        action_plan=[
            Action(theme=Theme.VISIBILITY, action="Publish a directory of technical staff and facilities",
                   owner="Head of Technical Services", due=_due(DatePrecision.DAY, dt.date(2019, 12, 20), "20/12/2019"),
                   evidence="Directory online; page views reported each quarter", status=ActionStatus.IN_PROGRESS),
            Action(theme=Theme.RECOGNITION, action="Support two professional registration cohorts a year",
                   owner="Technician Commitment Lead", due=_due(DatePrecision.MONTH, dt.date(2020, 3, 31), "Mar 2020"),
                   evidence="At least 15 new registrations", status=ActionStatus.PLANNED),
            Action(theme=Theme.CAREER_DEVELOPMENT, action="Map technical roles onto a career pathways framework",
                   owner="HR Director", due=_due(DatePrecision.QUARTER, dt.date(2020, 9, 30), "Q3 2020"),
                   evidence="Framework approved; all technical roles mapped", status=ActionStatus.PLANNED),
            Action(theme=Theme.SUSTAINABILITY, action="Succession plan for the technical workforce",
                   owner="Director of Estates and Facilities", due=_due(DatePrecision.YEAR, dt.date(2020, 12, 31), "2020"),
                   evidence="Plan adopted by the Executive Board", status=ActionStatus.PLANNED),
            Action(theme=Theme.EVALUATING_IMPACT, action="Technical staff survey",
                   owner="Technician Commitment Lead", due=_due(DatePrecision.YEAR, dt.date(2020, 7, 31), "2019/20"),
                   evidence="Response rate above 50%; results to the steering group", status=ActionStatus.DONE),
            Action(theme=Theme.VISIBILITY, action="Technician seats on faculty research committees",
                   owner="Deans", due=_due(DatePrecision.MONTH, dt.date(2019, 10, 31), "2019-10"),
                   evidence="A technician member on each committee", status=ActionStatus.DROPPED),
        ],
        technician_voice="A working group of 11 technicians from every faculty drafted the plan, and 96 "
                         "technical staff commented on it at two open meetings.",
        published_url="https://www.eastmoor.example.ac.uk/technicians/commitment",
        sign_off=SignOffs(lead=SignOff(name="Dr Morwenna Achterberg", date=dt.date(2019, 6, 21)),
                          head=SignOff(name="Professor Idris Pennant, Vice-Chancellor", date=dt.date(2019, 6, 28))),
    )


def main() -> None:
    from plugins.hr_export import writer
    from plugins.hr_export.plugin import SAMPLE

    writer.write(sample_return(), SAMPLE)
    print(SAMPLE)


if __name__ == "__main__":
    main()
