"""Propose review teams for a round, and a replacement after a recusal.

**In plain English.** Each submission of a round gets a team of reviewers (three by default, one
of them the lead who writes the consensus). techbench proposes the teams; the steering group
adjusts and confirms them. A reviewer is never put on a submission of their own institution, of
an institution they declared a conflict with, before their training date, when unavailable, or
beyond the most submissions they said they can take in a round: these rules are never broken.
Within them, techbench tries, in this order, to fill every team, to spread the work evenly, to mix
institutions of different types (universities, research institutes, others) on a team, and to let
the reviewers who have led least lead. A team that cannot be filled is proposed as far as it goes,
with the count of reviewers each rule kept away. Before opening a submission each member declares
"no conflict" or recuses; a recused reviewer's slot is offered to another reviewer under the same
rules, and a review already started is never discarded. These defaults are techbench's own: the
programme publishes no rules for forming teams.

**Technically.** Hard rules (never broken): the eligibility rules of :mod:`pipeline.review.panel`
and each reviewer's maximum load. Soft goals, in this order: fill every team; spread the work
evenly (loads differ by at most one where the rules allow); reviewers from institutions of
different types on a team; the lead the member who has led least.

How: submissions with the fewest eligible reviewers are staffed first, each slot going to the
least-loaded eligible reviewer (a type not yet on the team breaking ties, then the name); a team
left short takes a reviewer from another team that can be staffed otherwise; then single moves
from a reviewer with two or more reviews above another even out the loads, and moves to a less
loaded reviewer of a new type widen teams of one type. Every order is by id or name, so the same
input gives the same proposal. A team that cannot be filled is proposed as far as it goes, with
a :class:`Shortfall` saying how many reviewers each rule kept away.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pipeline.review.panel import FULL, REASONS, Reviewer, Submission, TeamSettings, exclusion, unique


@dataclass(frozen=True)
class Team:
    """The reviewers proposed for one submission: the lead first, then the others by name."""

    submission: str
    members: tuple[str, ...]

    @property
    def lead(self) -> str | None:
        return self.members[0] if self.members else None


@dataclass(frozen=True)
class Shortfall:
    """A team with fewer reviewers than wanted, and why: how many reviewers each rule kept away."""

    submission: str
    needed: int
    found: int
    reasons: dict[str, int]

    def __str__(self) -> str:
        why = ", ".join(f"{count} {reason}" for reason, count in self.reasons.items()) or "no reviewers at all"
        return (f"{self.submission}: {self.found} of {self.needed} reviewers found; not enough eligible "
                f"reviewers ({why})")


@dataclass(frozen=True)
class Proposal:
    """Teams by submission id, every reviewer's load, the teams left short and the teams of one type."""

    teams: dict[str, Team]
    loads: dict[str, int]
    shortfalls: tuple[Shortfall, ...]
    single_type: tuple[str, ...]


@dataclass(frozen=True)
class Replacement:
    """A proposed replacement for a recused reviewer's slot (it keeps the slot's role: lead or not)."""

    submission: str
    recused: str
    proposed: str | None
    team: Team
    shortfall: Shortfall | None = None


class _Round:
    """The working state: who may take which submission, the teams so far and every reviewer's load."""

    def __init__(self, submissions: Iterable[Submission], reviewers: Iterable[Reviewer], settings: TeamSettings):
        self.settings = settings
        self.submissions = unique(submissions, "id", "submission")
        self.reviewers = {r.username: r for r in unique(reviewers, "username", "reviewer")}
        self.eligible = {s.id: [name for name, r in self.reviewers.items() if exclusion(r, s, settings) is None]
                         for s in self.submissions}
        self.eligible_set = {sid: set(names) for sid, names in self.eligible.items()}
        self.team: dict[str, list[str]] = {s.id: [] for s in self.submissions}
        self.load = dict.fromkeys(self.reviewers, 0)
        self.member_of: dict[str, set[str]] = {name: set() for name in self.reviewers}
        self.stand_ins: dict[str, str | None] = {}  # who could join a team now; forgotten on any change

    def type_of(self, name: str) -> str:
        return self.reviewers[name].institution_type

    def has_room(self, name: str) -> bool:
        return self.load[name] < self.reviewers[name].max_load

    def types(self, sid: str, without: str | None = None) -> Counter:
        return Counter(self.type_of(m) for m in self.team[sid] if m != without)

    def add(self, sid: str, name: str) -> None:
        self.team[sid].append(name)
        self.load[name] += 1
        self.member_of[name].add(sid)
        self.stand_ins.clear()

    def move(self, sid: str, old: str, new: str) -> None:
        self.team[sid][self.team[sid].index(old)] = new
        self.load[old] -= 1
        self.load[new] += 1
        self.member_of[old].discard(sid)
        self.member_of[new].add(sid)
        self.stand_ins.clear()

    def teams_of(self, name: str) -> list[str]:
        return sorted(self.member_of[name])

    def short(self) -> list[str]:
        return [s.id for s in self.submissions if len(self.team[s.id]) < self.settings.team_size]

    def candidates(self, sid: str, exclude: Iterable[str] = (), among: Iterable[str] | None = None) -> list[str]:
        """Eligible reviewers with room, not on the team: least loaded first, a new type first, then by name."""
        on_team, types = set(self.team[sid]) | set(exclude), self.types(sid)
        pool = self.eligible[sid] if among is None else [n for n in among if n in self.eligible_set[sid]]
        free = [n for n in pool if n not in on_team and self.has_room(n)]
        return sorted(free, key=lambda n: (self.load[n], types[self.type_of(n)], n))

    def fill(self, sid: str) -> None:
        while len(self.team[sid]) < self.settings.team_size and (pick := self.candidates(sid)):
            self.add(sid, pick[0])

    def repair(self, sid: str) -> None:
        """Fill a short team with a full reviewer taken from a team that another reviewer can join instead."""
        while len(self.team[sid]) < self.settings.team_size:
            if not self._augment(sid):
                return

    def _augment(self, sid: str) -> bool:
        free = [n for n in self.reviewers if self.has_room(n)]
        if not free:
            return False
        busy = sorted((n for n in self.eligible[sid] if n not in self.team[sid] and not self.has_room(n)),
                      key=lambda n: (self.load[n], n))
        for name in busy:
            for other in self.teams_of(name):
                if other not in self.stand_ins:
                    self.stand_ins[other] = next(iter(self.candidates(other, among=free)), None)
                if (stand_in := self.stand_ins[other]) is not None:
                    self.move(other, name, stand_in)  # name changes team: its load is unchanged
                    self.add(sid, name)
                    return True
        return False

    def balance(self) -> None:
        """Move single reviews from a reviewer with two or more above another until none can move; each
        move lowers the sum of squared loads, so this ends. Moves that keep a team's types come first."""
        while (found := self._balance_move()) is not None:
            self.move(*found)

    def _balance_move(self) -> tuple[str, str, str] | None:
        fallback = None
        by_load = sorted(self.load, key=lambda n: (self.load[n], n))
        for high in sorted(self.load, key=lambda n: (-self.load[n], n)):
            lows = [n for n in by_load if self.load[n] <= self.load[high] - 2 and self.has_room(n)]
            if not lows:
                continue
            for sid in self.teams_of(high):
                before = len(self.types(sid))
                for low in lows:
                    if low in self.eligible_set[sid] and low not in self.team[sid]:
                        after = len(self.types(sid, without=high) + Counter([self.type_of(low)]))
                        if after >= before:
                            return sid, high, low
                        fallback = fallback or (sid, high, low)
        return fallback

    def diversify(self) -> None:
        """Swap a member of a repeated type for a less loaded eligible reviewer of a type not on the team."""
        for s in self.submissions:
            while (found := self._diversity_move(s.id)) is not None:
                self.move(s.id, *found)

    def _diversity_move(self, sid: str) -> tuple[str, str] | None:
        types = self.types(sid)
        repeated = sorted((m for m in self.team[sid] if types[self.type_of(m)] > 1),
                          key=lambda m: (-self.load[m], m))
        for member in repeated:
            for name in self.candidates(sid):
                if self.type_of(name) not in types and self.load[name] < self.load[member]:
                    return member, name
        return None

    def shortfall(self, submission: Submission, exclude: Iterable[str] = ()) -> Shortfall | None:
        members = self.team[submission.id]
        if len(members) >= self.settings.team_size:
            return None
        reasons: Counter = Counter()
        for name, reviewer in self.reviewers.items():
            if name in members:
                continue
            reason = exclusion(reviewer, submission, self.settings)
            if reason is None and name in exclude:
                reason = "recused"
            reasons[reason or (FULL if not self.has_room(name) else "not chosen")] += 1
        order = {reason: i for i, reason in enumerate(("recused", *REASONS))}
        counts = {r: reasons[r] for r in sorted(reasons, key=lambda r: order.get(r, len(order)))}
        return Shortfall(submission.id, self.settings.team_size, len(members), counts)

    def lead_first(self, sid: str, led: Counter) -> Team:
        """The team with its lead first: the member who has led least (earlier rounds and this one)."""
        members = sorted(self.team[sid])
        if not members:
            return Team(sid, ())
        lead = min(members, key=lambda n: (self.reviewers[n].times_led + led[n], n))
        led[lead] += 1
        return Team(sid, (lead, *(m for m in members if m != lead)))


def propose(submissions: Iterable[Submission], reviewers: Iterable[Reviewer],
            settings: TeamSettings = TeamSettings()) -> Proposal:
    """A proposed team for every submission of a round, for the steering group to adjust and confirm."""
    state = _Round(submissions, reviewers, settings)
    for s in sorted(state.submissions, key=lambda s: (len(state.eligible[s.id]), s.id)):
        state.fill(s.id)
    for sid in state.short():
        state.repair(sid)
    state.balance()
    for sid in state.short():
        state.fill(sid)
        state.repair(sid)
    state.diversify()
    led: Counter = Counter()
    teams = {s.id: state.lead_first(s.id, led) for s in state.submissions}
    shortfalls = tuple(f for s in state.submissions if (f := state.shortfall(s)) is not None)
    single = tuple(s.id for s in state.submissions
                   if len(state.team[s.id]) > 1 and len(state.types(s.id)) == 1)
    return Proposal(teams, dict(state.load), shortfalls, single)


def reassign(teams: Mapping[str, Team], submission: Submission, recused: str, reviewers: Iterable[Reviewer],
             settings: TeamSettings = TeamSettings(), exclude: Iterable[str] = ()) -> Replacement:
    """Propose one reviewer for the slot ``recused`` leaves on ``submission``'s team, under the same rules,
    with loads counted over ``teams`` (the round as it stands). The other members and their slots are
    untouched; the newcomer takes the recused reviewer's place and role (with no one to propose, the
    team is returned without the slot, so its next member comes first). ``exclude``: reviewers who
    recused from this submission before."""
    current = teams.get(submission.id)
    if current is None or recused not in current.members:
        raise ValueError(f"{recused!r} is not on the team of {submission.id!r}")
    state = _Round([submission], reviewers, settings)
    state.load.update(Counter(m for team in teams.values() for m in team.members if m in state.load))
    state.team[submission.id] = [m for m in current.members if m != recused]
    barred = {recused, *exclude}
    picks = state.candidates(submission.id, exclude=barred)
    slots = list(current.members)
    if not picks:
        return Replacement(submission.id, recused, None, Team(submission.id, tuple(m for m in slots if m != recused)),
                           state.shortfall(submission, exclude=barred))
    slots[slots.index(recused)] = picks[0]
    return Replacement(submission.id, recused, picks[0], Team(submission.id, tuple(slots)))
