"""Every validation rule, with a return that trips it and one that does not."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import pytest
from returns import CONTEXT, northgate

from pipeline.validation import rules
from pipeline.schema import (
    Action,
    Area,
    CanonicalReturn,
    DatePrecision,
    DueDate,
    Metric,
    Register,
    Registration,
    Theme,
)


def issues(ret: CanonicalReturn, rule_id: str):
    return [i for i in rules.check(ret, CONTEXT) if i.rule == rule_id]


def due(text: str, end: dt.date | None, precision=DatePrecision.MONTH) -> DueDate:
    return DueDate(precision=DatePrecision.ONGOING if end is None else precision, end=end, text=text)


def set_email(r, v): r.lead.email = v
def set_profile(r, v): r.profile = v
def set_url(r, v): r.published_url = v


# rule id -> (break it, keep it valid but close to the edge)
CASES: dict[str, tuple[Callable, Callable | None]] = {
    "required": (lambda r: set_email(r, None), None),
    "email.format": (lambda r: set_email(r, "p.ramanathan at northgate"), lambda r: set_email(r, "a.b+tc@x.ac.uk")),
    "profile.length": (lambda r: set_profile(r, "word " * 251), lambda r: set_profile(r, "word " * 250)),
    "headcount.positive": (lambda r: setattr(r.technicians, "headcount", 0), None),
    "counts.non_negative": (lambda r: setattr(r.technicians.areas[0], "headcount", -1), None),
    "areas.sum": (lambda r: setattr(r.technicians, "headcount", 413), None),
    "areas.headcount": (lambda r: setattr(r.technicians.areas[0], "headcount", None), None),
    "fte.headcount": (lambda r: setattr(r.technicians.areas[3], "fte", 37.0),
                      lambda r: setattr(r.technicians.areas[3], "fte", 36.0)),
    "registrations.headcount": (
        lambda r: r.registrations.append(Registration(name=Register.RSCITECH, count=413)),
        lambda r: r.registrations.append(Registration(name=Register.RSCITECH, count=412))),
    "registrations.total": (
        lambda r: r.registrations.extend([Registration(name=Register.RSCI, count=300),
                                          Registration(name=Register.CSCI, count=200)]),
        lambda r: r.registrations.extend([Registration(name=Register.RSCI, count=212),
                                          Registration(name=Register.CSCI, count=200)])),
    "themes.coverage": (lambda r: r.action_plan.pop(4), lambda r: r.action_plan.pop(5)),
    "action.theme": (lambda r: setattr(r.action_plan[0], "theme", None), None),
    "action.incomplete": (lambda r: setattr(r.action_plan[0], "owner", None), None),
    "action.due_horizon": (
        lambda r: setattr(r.action_plan[0], "due", due("Dec 2020", dt.date(2020, 12, 31))),
        lambda r: setattr(r.action_plan[0], "due", due("20/11/2020", dt.date(2020, 11, 20), DatePrecision.DAY))),
    "action.due_ongoing": (lambda r: setattr(r.action_plan[0], "due", due("Ongoing", None)), None),
    "url.absolute": (lambda r: set_url(r, "www.northgate.example.ac.uk/tc"),
                     lambda r: set_url(r, "http://northgate.example.ac.uk")),
    "signatory.name_mismatch": (lambda r: setattr(r, "signatory_name", "University of Southgate"),
                                lambda r: setattr(r, "signatory_name", "The university of Northgate.")),
    "signoff.missing": (lambda r: setattr(r.sign_off.head, "date", None), None),
    "signoff.future": (lambda r: setattr(r.sign_off.lead, "date", CONTEXT.received + dt.timedelta(days=1)),
                       lambda r: setattr(r.sign_off.lead, "date", CONTEXT.received)),
}


def test_every_rule_has_cases():
    assert {r.id for r in rules.RULES} == set(CASES)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_trips_on_a_broken_return(rule_id):
    ret = northgate()
    CASES[rule_id][0](ret)
    found = issues(ret, rule_id)
    assert found, f"{rule_id} did not fire"
    severity = next(r.severity for r in rules.RULES if r.id == rule_id)
    for issue in found:
        assert issue.severity == severity
        assert issue.field and issue.location == rules.locate(ret.provenance.fields, issue.field)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_passes_a_valid_return(rule_id):
    ret = northgate()
    keep = CASES[rule_id][1]
    if keep:
        keep(ret)
    assert issues(ret, rule_id) == []


def test_the_name_check_allows_for_how_names_are_written_and_needs_the_registered_name():
    ret = northgate()
    for written in ("UNIVERSITY OF NORTHGATE", "The University of Northgate", "University of Northgate (UoN)"):
        ret.signatory_name = written
        assert issues(ret, "signatory.name_mismatch") == [], written
    ret.signatory_name = "Imperial College London"
    [issue] = issues(ret, "signatory.name_mismatch")
    assert "names 'Imperial College London'" in issue.message and "University of Northgate" in issue.message
    unknown = dataclasses.replace(CONTEXT, signatory_name=None)  # e.g. `techbench validate` without --signatory
    assert [i for i in rules.check(ret, unknown) if i.rule == "signatory.name_mismatch"] == []


def test_missing_answers_are_each_named():
    ret = CanonicalReturn()
    fields = {i.field for i in issues(ret, "required")}
    assert fields == set(rules.REQUIRED)


def test_area_sum_ignores_rows_without_a_headcount():
    ret = northgate()
    ret.technicians.areas.append(Area(name="Library", headcount=None))
    assert issues(ret, "areas.sum") == []
    assert [i.field for i in issues(ret, "areas.headcount")] == ["/technicians/areas/4/headcount"]


def test_horizon_is_36_months_at_stage_3_and_past_dates_are_flagged():
    ret = northgate()
    ret.action_plan[0].due = due("Sep 2021", dt.date(2021, 9, 30))
    assert issues(ret, "action.due_horizon")
    ret.stage = 3
    assert issues(ret, "action.due_horizon") == []
    ret.action_plan[0].due = due("Jan 2018", dt.date(2018, 1, 31))
    [issue] = issues(ret, "action.due_horizon")
    assert "before the submission date" in issue.message


def test_incomplete_action_names_each_missing_part():
    ret = northgate()
    ret.action_plan.append(Action(theme=Theme.RECOGNITION, action="Award scheme"))
    fields = [i.field for i in issues(ret, "action.incomplete")]
    assert fields == ["/action_plan/6/owner", "/action_plan/6/due", "/action_plan/6/evidence"]


def test_negative_metric_is_reported():
    ret = northgate()
    ret.other_metrics.append(Metric(name="apprentices", count=-2))
    assert [i.field for i in issues(ret, "counts.non_negative")] == ["/other_metrics/0/count"]


def test_issue_location_comes_from_provenance():
    ret = northgate()
    ret.lead.email = "nobody"
    [issue] = issues(ret, "email.format")
    assert issue.location == "table 1, row 3, column 2"
