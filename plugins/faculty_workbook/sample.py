"""The synthetic return behind the shipped sample workbook, and the command that writes it.

Everything here is invented (a fictional institution, people and figures, laid out the way a large
university reports: by faculty, by theme) and the return is marked synthetic, so the sample can
never pass for a real signatory's return. Regenerate the sample after changing the layout:

    .venv/bin/python -m plugins.faculty_workbook.sample
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipeline.normalise import parse_due
from pipeline.schema import (
    Action,
    ActionStatus,
    Area,
    CanonicalReturn,
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

V, R, C, S, E = (Theme.VISIBILITY, Theme.RECOGNITION, Theme.CAREER_DEVELOPMENT, Theme.SUSTAINABILITY,
                 Theme.EVALUATING_IMPACT)


def _action(theme: Theme, action: str, owner: str, due: str, evidence: str, status: ActionStatus) -> Action:
    return Action(theme=theme, action=action, owner=owner, due=parse_due(due), evidence=evidence, status=status)


def synthetic_example() -> CanonicalReturn:
    """A complete, valid Stage 1 return of a fictional university (synthetic)."""
    return CanonicalReturn(
        synthetic=True,
        signatory_name="Westmoor College of Science, Technology and Medicine (synthetic example)",
        stage=1,
        submission_date=dt.date(2019, 6, 14),
        lead=Person(name="Dr Samira Okafor", email="s.okafor@westmoor.example.ac.uk", phone="+44 20 7946 0958"),
        profile=(
            "Westmoor is a fictional science, engineering and medicine college invented for techbench's tests. "
            "It has 18,000 students and 8,200 staff in three faculties (Engineering, Medicine and Natural "
            "Sciences) and a central Support Services division, on four campuses."),
        technician_definition=(
            "Technical staff are colleagues in the technical job family and those in other job families "
            "whose role is mainly to apply specialist technical skills to research, teaching or operations: "
            "laboratory, workshop, IT, facilities and maintenance technicians."),
        technicians_narrative=(
            "We employ 740 technical staff: 128 in Engineering, 236 in Medicine, 162 in Natural Sciences and "
            "214 in Support Services (estates, ICT and central facilities)."),
        technicians=Technicians(headcount=740, fte=702.5, areas=[
            Area(name="Engineering", headcount=128, fte=124.0),
            Area(name="Medicine", headcount=236, fte=219.5),
            Area(name="Natural Sciences", headcount=162, fte=154.0),
            Area(name="Support Services", headcount=214, fte=205.0),
        ]),
        registrations=[
            Registration(name=Register.RSCI, count=10),
            Registration(name=Register.CSCI, count=4),
            Registration(name=Register.RSCITECH, count=2),
            Registration(name=Register.ENGTECH, count=3),
            Registration(name=Register.OTHER, count=5, label="Institute of Science & Technology (MIScT)"),
        ],
        other_metrics=[
            Metric(name="technician apprentices", count=6),
            Metric(name="trained technical mentors", count=24),
            Metric(name="Technicians' Network members", count=310),
        ],
        initiatives_before=[
            Initiative(text="A Technicians' Network for all technical staff, meeting each term since 2015."),
            Initiative(text="Technical Managers' Forum in each faculty."),
            Initiative(text="Engineering workshop apprenticeships (two a year).", theme=S),
        ],
        initiatives_since=[
            Initiative(text="Technicians' Portal launched, with profiles of technical staff and facilities.", theme=V),
            Initiative(text="Four Technical Managers' Forums and a bi-monthly technicians' newsletter.", theme=V),
            Initiative(text="Pilot support programme: 16 technicians applied for RSci or CSci.", theme=R),
            Initiative(text="Affiliate membership of the National Technicians' Development Centre.", theme=C),
            Initiative(text="Technical mentors recruited and trained for the staff mentoring scheme.", theme=C),
            Initiative(text="Scoping of a laboratory technician apprenticeship.", theme=S),
        ],
        action_plan=[
            _action(V, "Hold an annual Technicians' Festival open to all technical staff", "Technician Commitment lead",
                    "Jul 2020", "Festival held; attendance from every faculty", ActionStatus.PLANNED),
            _action(V, "Agree a policy on naming technicians in research papers", "Vice-Provost (Research)",
                    "Q2 2020", "Policy approved and published on the Portal", ActionStatus.IN_PROGRESS),
            _action(R, "Run the professional registration programme each year, adding engineering technicians",
                    "Learning and Development Centre", "Dec 2020", "30 registrations achieved by the end of 2020",
                    ActionStatus.IN_PROGRESS),
            _action(R, "Nominate technicians for external awards", "Faculty Operating Officers", "Sep 2020",
                    "At least 5 nominations a year", ActionStatus.PLANNED),
            _action(C, "Develop technical career pathways with the NTDC", "Director of HR", "Mar 2021",
                    "Pathways published; 100 staff mapped to them", ActionStatus.PLANNED),
            _action(C, "Launch the staff mentoring scheme for technical staff", "Learning and Development Centre",
                    "Sep 2019", "40 mentoring pairs in the first year", ActionStatus.IN_PROGRESS),
            _action(S, "Start a laboratory technician apprenticeship", "Apprenticeships Manager", "Sep 2020",
                    "First cohort of 6 apprentices enrolled", ActionStatus.PLANNED),
            _action(S, "Review the age profile of the technical workforce for succession planning",
                    "Faculty Operating Officers", "31/05/2021", "Succession plans in every faculty",
                    ActionStatus.PLANNED),
            _action(E, "Survey technical staff on the Commitment's progress", "Technician Commitment Steering Group",
                    "Q1 2021", "Response rate above 40%; results reported to the Provost's Board",
                    ActionStatus.PLANNED),
        ],
        technician_voice=(
            "The plan was drafted by a steering group of eleven technical staff from every faculty and Support "
            "Services, and consulted on at the Technical Managers' Forums and an open Technicians' Network meeting."),
        published_url="https://www.westmoor.example.ac.uk/technicians/technician-commitment",
        sign_off=SignOffs(lead=SignOff(name="Dr Samira Okafor", date=dt.date(2019, 6, 10)),
                          head=SignOff(name="Professor Helen Marsh, President", date=dt.date(2019, 6, 14))),
    )


def main() -> Path:
    from plugins.faculty_workbook.plugin import SAMPLE
    from plugins.faculty_workbook.writer import write

    SAMPLE.parent.mkdir(parents=True, exist_ok=True)
    return write(synthetic_example(), SAMPLE)


if __name__ == "__main__":
    print(main())
