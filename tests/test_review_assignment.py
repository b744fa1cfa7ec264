"""Assignment of reviewers to submissions: the hard rules hold on any panel, loads are even where the
rules allow, teams mix institution types where they can, leads rotate, the same input gives the same
proposal, a team that cannot be filled says why, and a recusal is replaced without touching the rest."""

from __future__ import annotations

import datetime as dt
import os
import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.review.assignment import Team, propose, reassign
from pipeline.review.panel import Reviewer, Submission, TeamSettings, exclusion

INSTITUTIONS = [f"inst-{i}" for i in range(8)]
TYPES = ["university", "research institute", "college"]
SETTINGS = dict(deadline=None, max_examples=int(150 * float(os.environ.get("TECHBENCH_PROPERTY_SCALE", "1"))))


@st.composite
def panels(draw, strict: bool = True):
    """A random round: submissions, reviewers (some untrained, unavailable, conflicted when ``strict``)
    and settings."""
    kind = {i: draw(st.sampled_from(TYPES)) for i in INSTITUTIONS}
    signatories = draw(st.lists(st.sampled_from(INSTITUTIONS), max_size=20))
    submissions = [Submission(f"{slug}|{n}|x", slug, kind[slug]) for n, slug in enumerate(signatories)]
    reviewers = []
    for n in range(draw(st.integers(0, 14))):
        home = draw(st.sampled_from(INSTITUTIONS))
        conflicts = {c: "former employer" for c in draw(st.sets(st.sampled_from(INSTITUTIONS), max_size=2))}
        trained = draw(st.sampled_from([True, False, None, dt.date(2024, 1, 1), dt.date(2026, 1, 1)]))
        reviewers.append(Reviewer(f"rev-{n:02d}", home, kind[home], max_load=draw(st.integers(0, 5)),
                                  trained=trained if strict else True,
                                  available=draw(st.booleans()) if strict else True,
                                  conflicts=conflicts if strict else {}, times_led=draw(st.integers(0, 3))))
    team = TeamSettings(team_size=draw(st.integers(1, 4)), as_of=dt.date(2025, 3, 1))
    return submissions, reviewers, team


def max_filled(submissions, reviewers, team) -> int:
    """The most slots any assignment can fill: a maximum flow, submission slots -> eligible reviewers -> loads."""
    nodes = ["source", *[s.id for s in submissions], *[r.username for r in reviewers], "sink"]
    capacity = Counter()
    for s in submissions:
        capacity["source", s.id] = team.team_size
        for r in reviewers:
            if exclusion(r, s, team) is None:
                capacity[s.id, r.username] = 1
    for r in reviewers:
        capacity[r.username, "sink"] = r.max_load
    flow = 0
    while True:
        parent, queue = {"source": None}, ["source"]
        while queue and "sink" not in parent:
            here = queue.pop(0)
            for there in nodes:
                if there not in parent and capacity[here, there] > 0:
                    parent[there] = here
                    queue.append(there)
        if "sink" not in parent:
            return flow
        node = "sink"
        while parent[node] is not None:
            capacity[parent[node], node] -= 1
            capacity[node, parent[node]] += 1
            node = parent[node]
        flow += 1


@settings(**SETTINGS)
@given(panels())
def test_the_hard_rules_hold_on_any_panel(panel):
    submissions, reviewers, team = panel
    proposal = propose(submissions, reviewers, team)
    by_name = {r.username: r for r in reviewers}
    assert list(proposal.teams) == sorted(s.id for s in submissions)
    for s in submissions:
        members = proposal.teams[s.id].members
        assert len(set(members)) == len(members) <= team.team_size
        for name in members:
            reviewer = by_name[name]
            assert reviewer.institution != s.signatory and s.signatory not in reviewer.conflicts
            assert reviewer.is_trained(team.as_of) and reviewer.available
    counted = Counter(m for t in proposal.teams.values() for m in t.members)
    assert proposal.loads == {r.username: counted[r.username] for r in sorted(reviewers, key=lambda r: r.username)}
    assert all(proposal.loads[r.username] <= r.max_load for r in reviewers)


@settings(**SETTINGS)
@given(panels())
def test_teams_are_filled_as_far_as_any_assignment_could(panel):
    submissions, reviewers, team = panel
    proposal = propose(submissions, reviewers, team)
    assert sum(proposal.loads.values()) == max_filled(submissions, reviewers, team)


@settings(**SETTINGS)
@given(panels())
def test_every_short_team_is_explained(panel):
    submissions, reviewers, team = panel
    proposal = propose(submissions, reviewers, team)
    short = {f.submission: f for f in proposal.shortfalls}
    for s in submissions:
        members = proposal.teams[s.id].members
        assert (s.id in short) == (len(members) < team.team_size)
        if s.id in short:
            explained = short[s.id]
            assert (explained.needed, explained.found) == (team.team_size, len(members))
            # every reviewer not on the team is counted under the rule that kept them away
            assert sum(explained.reasons.values()) == len(reviewers) - len(members)
            assert "not chosen" not in explained.reasons
            assert f"{len(members)} of {team.team_size} reviewers found" in str(explained)


@settings(**SETTINGS)
@given(panels(), st.randoms(use_true_random=False))
def test_the_same_round_gives_the_same_proposal(panel, rng):
    submissions, reviewers, team = panel
    shuffled_subs, shuffled_revs = submissions[:], reviewers[:]
    rng.shuffle(shuffled_subs)
    rng.shuffle(shuffled_revs)
    assert propose(shuffled_subs, shuffled_revs, team) == propose(submissions, reviewers, team)


@settings(**SETTINGS)
@given(panels(strict=False))
def test_loads_differ_by_at_most_one_when_the_rules_allow(panel):
    """Reviewers who may take any submission (none from a submitting institution), with room to spare:
    the work is spread so that loads differ by at most one."""
    submissions, reviewers, team = panel
    submitting = {s.signatory for s in submissions}
    reviewers = [Reviewer(r.username, r.institution, r.institution_type, max_load=len(submissions) + 1,
                          trained=True) for r in reviewers if r.institution not in submitting]
    proposal = propose(submissions, reviewers, team)
    if len(reviewers) >= team.team_size:
        assert proposal.shortfalls == ()
        assert max(proposal.loads.values()) - min(proposal.loads.values()) <= 1


def test_teams_mix_institution_types_where_they_can():
    """The university reviewers come first by name, yet every team gets a research institute reviewer."""
    submissions = [Submission(f"uni-{i}|1|x", f"uni-{i}", "university") for i in range(6)]
    reviewers = ([Reviewer(f"a-uni-{i}", f"uni-{i}", "university", max_load=5, trained=True) for i in range(6)]
                 + [Reviewer(f"z-ri-{i}", f"ri-{i}", "research institute", max_load=5, trained=True)
                    for i in range(3)])
    proposal = propose(submissions, reviewers)
    kind = {r.username: r.institution_type for r in reviewers}
    for t in proposal.teams.values():
        assert len(t.members) == 3
        assert len({kind[m] for m in t.members}) == 2
    assert proposal.single_type == ()
    assert max(proposal.loads.values()) - min(proposal.loads.values()) <= 1


def test_one_type_teams_are_listed_when_nothing_else_is_possible():
    submissions = [Submission("uni-0|1|x", "uni-0", "university")]
    reviewers = [Reviewer(f"r{i}", f"uni-{i + 1}", "university", max_load=1, trained=True) for i in range(3)]
    assert propose(submissions, reviewers).single_type == ("uni-0|1|x",)


def test_the_lead_is_who_has_led_least():
    submissions = [Submission("uni-9|1|x", "uni-9", "university")]
    reviewers = [Reviewer("ann", "uni-1", "university", max_load=1, trained=True, times_led=2),
                 Reviewer("bob", "uni-2", "university", max_load=1, trained=True, times_led=0),
                 Reviewer("cat", "uni-3", "university", max_load=1, trained=True, times_led=1)]
    assert propose(submissions, reviewers).teams["uni-9|1|x"] == Team("uni-9|1|x", ("bob", "ann", "cat"))
    # within a round the lead rotates too: three teams of the same three, each leads once
    three = [Submission(f"uni-9|{n}|x", "uni-9", "university") for n in (1, 2, 3)]
    fresh = [Reviewer(n, f"uni-{i}", "university", max_load=3, trained=True) for i, n in enumerate("xyz")]
    assert sorted(t.lead for t in propose(three, fresh).teams.values()) == ["x", "y", "z"]


def test_a_team_that_cannot_be_filled_says_why():
    submission = Submission("essex|1|x", "essex", "university")
    other = Submission("ucl|1|x", "ucl", "research institute")  # only "busy" may review it
    reviewers = [Reviewer("home", "essex", "university", max_load=3, trained=True, conflicts={"ucl": "secondment"}),
                 Reviewer("conflicted", "kent", "university", max_load=3, trained=True,
                          conflicts={"essex": "partner in a joint bid", "ucl": "former employer"}),
                 Reviewer("new", "york", "university", max_load=3, trained=False),
                 Reviewer("away", "hull", "university", max_load=3, trained=True, available=False),
                 Reviewer("later", "bath", "university", max_load=3, trained=dt.date(2025, 6, 1)),
                 Reviewer("busy", "leeds", "university", max_load=1, trained=True),
                 Reviewer("able", "ucl", "research institute", max_load=3, trained=True)]
    proposal = propose([submission, other], reviewers, TeamSettings(team_size=3, as_of=dt.date(2025, 3, 1)))
    assert proposal.teams["essex|1|x"].members == ("able",)
    assert proposal.teams["ucl|1|x"].members == ("busy",)
    essex = next(f for f in proposal.shortfalls if f.submission == "essex|1|x")
    assert essex.reasons == {"own institution": 1, "declared conflict": 1, "not trained": 2,
                             "not available": 1, "at maximum load": 1}
    assert str(essex) == ("essex|1|x: 1 of 3 reviewers found; not enough eligible reviewers (1 own institution, "
                          "1 declared conflict, 2 not trained, 1 not available, 1 at maximum load)")


def test_bad_input_is_refused():
    s = Submission("a|1|x", "a", "university")
    with pytest.raises(ValueError, match="given twice"):
        propose([s, s], [])
    with pytest.raises(ValueError, match="given twice"):
        propose([s], [Reviewer("r", "b", "university", max_load=1)] * 2)
    with pytest.raises(ValueError, match="at least one"):
        TeamSettings(team_size=0)


def round_of(n_institutions: int, n_submissions: int, n_reviewers: int, seed: int = 1):
    rng = random.Random(seed)
    institutions = [f"inst-{i}" for i in range(n_institutions)]
    kind = {i: rng.choice(["university", "university", "research institute", "college"]) for i in institutions}
    submissions = [Submission(f"{slug}|{n}|x", slug, kind[slug])
                   for n, slug in enumerate(rng.choices(institutions, k=n_submissions))]
    reviewers = [Reviewer(f"rev-{k:03d}", (home := rng.choice(institutions)), kind[home],
                          max_load=rng.choice([3, 4, 5, 6, 8]), trained=rng.random() < 0.95,
                          available=rng.random() < 0.95,
                          conflicts={rng.choice(institutions): "former employer"} if rng.random() < 0.3 else {})
                 for k in range(n_reviewers)]
    return submissions, reviewers


@pytest.mark.parametrize("sizes", [(120, 130, 100), (140, 150, 60)])
def test_a_realistic_round_accounts_for_every_slot(sizes):
    submissions, reviewers = round_of(*sizes)
    proposal = propose(submissions, reviewers)
    assert sum(proposal.loads.values()) == 3 * len(submissions) - sum(f.needed - f.found for f in proposal.shortfalls)


def recusal_round():
    submissions = [Submission(f"uni-{i}|1|x", f"uni-{i}", "university") for i in range(4)]
    reviewers = [Reviewer(f"r{i}", f"uni-{i % 4}", "university" if i % 2 else "college", max_load=3, trained=True)
                 for i in range(8)]
    return submissions, reviewers


def test_a_recusal_is_replaced_and_the_other_slots_stay():
    submissions, reviewers = recusal_round()
    teams = propose(submissions, reviewers).teams
    target = submissions[0]
    for position, recused in enumerate(teams[target.id].members):
        replacement = reassign(teams, target, recused, reviewers)
        before, after = teams[target.id].members, replacement.team.members
        assert replacement.proposed not in before and replacement.proposed == after[position]
        assert [m for i, m in enumerate(after) if i != position] == [m for i, m in enumerate(before) if i != position]
        chosen = next(r for r in reviewers if r.username == replacement.proposed)
        assert exclusion(chosen, target, TeamSettings()) is None
        assert Counter(m for t in teams.values() for m in t.members)[chosen.username] < chosen.max_load


def test_a_recusal_that_cannot_be_replaced_says_why():
    submissions, reviewers = recusal_round()
    teams = propose(submissions, reviewers).teams
    target = submissions[0]
    lead, *others = teams[target.id].members
    everyone_else = [r.username for r in reviewers if r.username not in teams[target.id].members]
    replacement = reassign(teams, target, lead, reviewers, exclude=everyone_else)
    assert replacement.proposed is None and replacement.team.members == tuple(others)
    assert replacement.shortfall.reasons["recused"] == 1 + sum(1 for r in reviewers if r.username in everyone_else
                                                               and r.institution != target.signatory)
    with pytest.raises(ValueError, match="not on the team"):
        reassign(teams, target, "nobody", reviewers)


@settings(**SETTINGS)
@given(panels(), st.data())
def test_reassign_keeps_the_rules_on_any_panel(panel, data):
    submissions, reviewers, team = panel
    proposal = propose(submissions, reviewers, team)
    staffed = [s for s in submissions if proposal.teams[s.id].members]
    if not staffed:
        return
    target = data.draw(st.sampled_from(staffed))
    recused = data.draw(st.sampled_from(proposal.teams[target.id].members))
    replacement = reassign(proposal.teams, target, recused, reviewers, team)
    loads = Counter(m for t in proposal.teams.values() for m in t.members)
    if replacement.proposed is not None:
        chosen = next(r for r in reviewers if r.username == replacement.proposed)
        assert chosen.username not in proposal.teams[target.id].members
        assert exclusion(chosen, target, team) is None and loads[chosen.username] < chosen.max_load
    else:
        assert replacement.shortfall is not None and replacement.shortfall.reasons.get("recused") == 1
