"""Appendix A of the self-assessment form: example activities for each theme.

The text is the form's own (seed 002). Each activity has a stable id so that initiatives and
actions can be tagged with it (benchmarks of adoption) and the synthetic sector can draw on it.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.schema import Theme


@dataclass(frozen=True)
class Activity:
    id: str
    theme: Theme
    text: str


ACTIVITIES: tuple[Activity, ...] = (
    Activity("vis-count", Theme.VISIBILITY, "Organisations can identify how many technicians they employ"),
    Activity("vis-job-descriptions", Theme.VISIBILITY, "Technician roles have clear job descriptions"),
    Activity("vis-authorship", Theme.VISIBILITY, "A consistent policy that where technicians have contributed to "
             "research outputs and grants, they are named as authors"),
    Activity("vis-marketing", Theme.VISIBILITY, "Technicians to feature in organisation prospectuses and marketing materials"),
    Activity("vis-committees", Theme.VISIBILITY, "Technicians to sit on decision making committees where appropriate"),
    Activity("vis-grant-costing", Theme.VISIBILITY, "Technicians visible in costing mechanisms for research grants"),
    Activity("vis-celebrating", Theme.VISIBILITY, "A mechanism for celebrating technician achievements across the organisation"),
    Activity("vis-strategy", Theme.VISIBILITY, "Organisation strategy documents to include technicians where appropriate"),
    Activity("vis-network", Theme.VISIBILITY, "A vibrant 'Technician Network'"),
    Activity("rec-registration-comms", Theme.RECOGNITION, "Organisation communicates the opportunity to become "
             "professionally registered to technical staff (Science Council, Engineering Council, BCS)"),
    Activity("rec-employer-champion", Theme.RECOGNITION, "Conferment of the organisational level Science Council "
             "Employer Champion award in recognition of the support given to technical staff to gain professional "
             "registration and engage in continued professional development"),
    Activity("rec-teaching-accreditation", Theme.RECOGNITION, "Recognition and support of the teaching aspect of many "
             "technician roles through the accreditation of teaching practice through the Higher Education Academy"),
    Activity("rec-internal-awards", Theme.RECOGNITION, "Internal award schemes recognise the contribution of technical staff"),
    Activity("rec-external-awards", Theme.RECOGNITION, "Nominations to external award schemes that recognise the "
             "contribution of technical staff"),
    Activity("car-pathways", Theme.CAREER_DEVELOPMENT, "Technician specific professional career paths/frameworks which "
             "clearly document progression opportunities"),
    Activity("car-development", Theme.CAREER_DEVELOPMENT, "Professional development opportunities, signposted to "
             "technicians and aligned to career pathways"),
    Activity("car-case-studies", Theme.CAREER_DEVELOPMENT, "A dedicated webpage showcasing case studies of technician careers"),
    Activity("car-job-families", Theme.CAREER_DEVELOPMENT, "Expansion of technician specific job families in recognition "
             "of high level technical specialisms"),
    Activity("sus-succession", Theme.SUSTAINABILITY, "Appropriate succession planning for technical roles including the "
             "analysis of technician profiles to ensure future sustainability of skills within the organisation"),
    Activity("sus-secondment", Theme.SUSTAINABILITY, "Secondment/placement programmes for technical staff to develop new skills"),
    Activity("sus-apprenticeships", Theme.SUSTAINABILITY, "A technician trainee/apprenticeship programme"),
    Activity("sus-levy", Theme.SUSTAINABILITY, "Utilisation of the Apprenticeship Levy to train and upskill existing staff"),
)

BY_ID = {a.id: a for a in ACTIVITIES}
