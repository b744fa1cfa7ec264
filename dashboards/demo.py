"""Demo accounts for `techbench demo` on SYNTHETIC returns (of the real register by default), and a
peer review round in progress.

Passwords are made afresh at each demo (never stored in the repository), printed, and kept in
``<home>/demo-logins.txt`` (owner-only) so that a later ``techbench serve`` can show them again.

Besides one account per role there are five more reviewers (``reviewer2`` .. ``reviewer6``), each
with a profile naming a real signatory of the register as their institution; ``reviewer6`` is not
trained, to show that an untrained reviewer is never assigned. The steering group opens a round
for the most recent window with at least five accepted submissions (else the largest), proposes
and confirms the teams, and the round is moved along so that every state shows: teams left short
(unassigned), assigned, in review (the demo reviewer has declared no conflict on one submission,
has a draft on another and has yet to declare on a third), consensus agreed and waiting for
release, and released. The demo institution's latest submission is taken to release, in a second
round for its window when it is not in the first, so that it sees a feedback report. Every score
and narrative is SYNTHETIC and says so. Running the demo again reuses the rounds.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from dataclasses import dataclass

from dashboards.accounts import AccountStore
from dashboards.serve import write_private
from pipeline.settings import Paths
from pipeline.store.snapshot import open_snapshot

LOGINS_FILE = "demo-logins.txt"
INSTITUTION = "imperial"  # a real founding signatory (seeds); its returns in the demo are synthetic
REVIEWER_OWN = "essex"  # the reviewer's own institution, which they are never assigned
REVIEWERS = ("reviewer", "reviewer2", "reviewer3", "reviewer4", "reviewer5", "reviewer6")
UNTRAINED = "reviewer6"  # shows the rule: an untrained reviewer is never assigned
MAX_LOAD = 3
MIN_ROUND = 5  # the round is opened for the most recent window with at least this many submissions
SYNTHETIC = "SYNTHETIC demo text, made up by techbench, not a real reviewer's words"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    note: str


def create_demo_accounts(paths: Paths, reviews: int = 3) -> list[DemoLogin]:
    """(Re)create the demo accounts with new passwords, give the reviewers profiles, and set up (or
    reuse) a peer review round in progress. ``reviews``: how many submissions the demo reviewer is
    on in the round at most (their maximum load)."""
    store = AccountStore.for_paths(paths)
    with open_snapshot(paths) as con:
        types = {r[0]: r[1] for r in con.sql("SELECT slug, CAST(type AS VARCHAR) FROM signatories").fetchall()}
    institution = INSTITUTION if INSTITUTION in types else sorted(types)[0]
    homes = _reviewer_homes(types, institution)
    wanted = [("steering", "steering", None), ("reviewer", "reviewer", homes["reviewer"]),
              ("institution", "institution", institution)] + [(n, "reviewer", homes[n]) for n in REVIEWERS[1:]]
    logins = []
    for username, role, signatory in wanted:
        password = secrets.token_urlsafe(12)
        if store.get_user(username) is None:
            store.add_user(username, password, role, signatory)
        else:
            store.set_password(username, password)
        logins.append((username, password, role))
    notes = {"steering": "sees everything; runs the peer review rounds (also: techbench review --as steering)",
             "institution": f"{institution}: its own returns in full, peers anonymised; can upload; "
                            "reads its released peer review feedback"}
    notes |= _round_in_progress(paths, store, institution, homes, types, max(1, reviews))
    result = [DemoLogin(u, p, r, notes.get(u, "")) for u, p, r in logins]
    path = paths.home / LOGINS_FILE
    path.unlink(missing_ok=True)
    write_private(path, "".join(f"{d.username}\t{d.password}\t{d.role}\t{d.note}\n" for d in result))
    return result


def _reviewer_homes(types: dict[str, str], institution: str) -> dict[str, str]:
    """Each demo reviewer's own institution: the demo reviewer's is REVIEWER_OWN; the others are real
    signatories taken a type at a time (so that teams can mix types), never the demo institution."""
    first = REVIEWER_OWN if REVIEWER_OWN in types else next((s for s in sorted(types) if s != institution),
                                                            institution)
    by_type: dict[str, list[str]] = {}
    for slug, kind in sorted(types.items()):
        if slug not in (institution, first):
            by_type.setdefault(kind, []).append(slug)
    order: list[str] = []
    while any(by_type.values()):
        order += [by_type[kind].pop(0) for kind in sorted(by_type) if by_type[kind]]
    order = order or [first]
    return {"reviewer": first} | {name: order[i % len(order)] for i, name in enumerate(REVIEWERS[1:])}


# --- the round in progress --------------------------------------------------------------------------

def _round_in_progress(paths: Paths, accounts: AccountStore, institution: str, homes: dict[str, str],
                       types: dict[str, str], load: int) -> dict[str, str]:
    """Profiles for the demo reviewers and a round moved along to show every state; the notes to
    print beside each reviewer's login."""
    from dashboards.review import ReviewStore, windows

    store = ReviewStore.for_paths(paths)
    steering = accounts.get_user("steering")
    today = dt.date.today()
    for name in REVIEWERS:
        store.set_profile(steering, name, institution=homes[name], institution_type=types[homes[name]],
                          max_load=load if name == "reviewer" else MAX_LOAD, email=f"{name}@example.invalid",
                          trained_on=None if name == UNTRAINED else today - dt.timedelta(days=90))
    found = windows.windows(paths)
    notes = {name: f"of {homes[name]} ({types[homes[name]]}); " + ("NOT trained, so never assigned (the rule)"
                                                                   if name == UNTRAINED else
                                                                   f"trained; up to {MAX_LOAD} per round")
             for name in REVIEWERS}
    if not found:
        return notes
    main = next((w for w, n in found if n >= MIN_ROUND), max(found, key=lambda wn: (wn[1], wn[0]))[0])
    demo = _Demo(store, accounts, steering, today)
    own = next(((w, s.submission_id) for w, _ in found for s in windows.window_submissions(paths, w)
                if s.signatory == institution), None)
    main_id = demo.open(main, windows.window_submissions(paths, main), own[1] if own and own[0] == main else None)
    released = None
    if own is not None and own[0] != main:
        released = (demo.open(own[0], windows.window_submissions(paths, own[0]), own[1]), own[1])
    elif own is not None:
        released = (main_id, own[1])
    states = demo.stage(main_id, released[1] if released and released[0] == main_id else None)
    if released and released[0] != main_id:
        demo.finish(*released, release=True)
    _drop_old_assignments(store, accounts)
    for name in REVIEWERS:
        teams = [m for m in store.members(main_id) if m.username == name and m.status == "confirmed"]
        if teams and name != "reviewer":
            notes[name] += f"; on {len(teams)} team(s) in round {main_id}" + \
                           (f", lead of {sum(m.is_lead for m in teams)}" if any(m.is_lead for m in teams) else "")
    mine = "; ".join(f"{what}: {label}" for what, label in states.items())
    notes["reviewer"] = f"of {homes['reviewer']}; round {main_id}" + (f": {mine}" if mine else "")
    return notes


def _drop_old_assignments(store, accounts: AccountStore) -> None:
    """Earlier demos assigned the reviewer by hand; now access comes from declaring on a round's team."""
    declared = {m.submission_id for r in store.rounds() for m in store.members(r.id)
                if m.username == "reviewer" and m.declaration == "no conflict"}
    for submission_id in accounts.assignments("reviewer"):
        if submission_id not in declared:
            accounts.unassign("reviewer", submission_id)


class _Demo:
    """The steps of the demo round, each done only if not done already (a second demo reuses it)."""

    def __init__(self, store, accounts: AccountStore, steering, today: dt.date) -> None:
        self.store, self.accounts, self.steering, self.today = store, accounts, steering, today

    def open(self, window: dt.date, submissions, first: str | None = None) -> str:
        """Open the window's round (or reuse it), propose and confirm its teams; ``first`` (the demo
        institution's submission) is given a team before the others, so that it is never left short."""
        store, round_id = self.store, window.strftime("%Y-%m")
        current = store.round(round_id)
        if current is None:
            current = store.open_round(self.steering, window, self.today + dt.timedelta(days=14),
                                       self.today + dt.timedelta(days=35), submissions)
        if current.status == "open" and not any(m.status == "confirmed" for m in store.members(round_id)):
            if first is not None:
                names = [p.username for p in store.profiles() if not store.check_team(round_id, first, [p.username])]
                if names:
                    store.set_team(self.steering, round_id, first, names[:current.team_size])
                    store.confirm_teams(self.steering, round_id)
            store.propose_teams(self.steering, round_id)
            store.confirm_teams(self.steering, round_id)
        return round_id

    def stage(self, round_id: str, release: str | None) -> dict[str, str]:
        """Move the round along: one consensus agreed, one released (``release`` if given), and the demo
        reviewer's three states. Returns what the demo reviewer has where."""
        store = self.store
        if store.round(round_id).status != "open":
            return {}
        size = store.round(round_id).team_size
        subs = store.round_submissions(round_id)
        labels = {s.submission_id: s.label for s in subs}
        teams = {s.submission_id: [m.username for m in store.members(round_id, s.submission_id)
                                   if m.status == "confirmed"] for s in subs}
        full = [s for s in labels if len(teams[s]) == size]
        without = [s for s in full if "reviewer" not in teams[s] and s != release]
        spare = without + [s for s in full if s not in without and s != release]
        if release is not None and teams.get(release):
            self.finish(round_id, release, release=True)
        elif spare:
            self.finish(round_id, spare.pop(0), release=True)
        if spare:
            self.finish(round_id, spare.pop(0), release=False)
        if store.round(round_id).status != "open":  # its last report was released: it closed itself
            return {}
        busy = [s for s in labels if store.consensus(self.steering, round_id, s) is not None]
        mine = [s for s in labels if "reviewer" in teams[s] and s not in busy]
        user = self.accounts.get_user("reviewer")
        out = {}
        for what, sid in zip(("declared no conflict", "a draft", "yet to declare"), mine):
            if what != "yet to declare":
                self.declare(round_id, sid, user)
            if what == "a draft" and store.review(user, round_id, sid, user.username) is None:
                first = store.rubric.themes[:2]
                store.save_draft(user, round_id, sid, {t.id: self.score(round_id, sid, user.username, t)
                                                       for t in first})
            out[what] = labels[sid]
        for sid in busy:
            if "reviewer" in teams[sid]:
                out.setdefault("also submitted a review of", labels[sid])
        return out

    def declare(self, round_id: str, submission_id: str, user) -> None:
        member = next(m for m in self.store.members(round_id, submission_id) if m.username == user.username)
        if member.declaration is None:
            self.store.declare(user, round_id, submission_id, conflict=False)

    def score(self, round_id: str, submission_id: str, username: str, theme):
        from dashboards.review.scoring import ThemeScore

        levels = self.store.rubric.levels
        base = random.Random(f"{round_id}|{submission_id}|{theme.id}").randrange(len(levels))
        level = levels[min(len(levels) - 1, max(0, base + random.Random(f"{username}|{theme.id}").choice((-1, 0, 0, 1))))]
        return ThemeScore(level, f"{SYNTHETIC}: strengths seen under {theme.label} in this submission.",
                          f"{SYNTHETIC}: what to develop next under {theme.label}.")

    def finish(self, round_id: str, submission_id: str, *, release: bool) -> None:
        """Every member declares, scores and submits; the lead agrees the consensus; the steering group
        releases it if ``release``."""
        from dashboards.review.scoring import ThemeScore

        store = self.store
        current = store.consensus(self.steering, round_id, submission_id)
        members = [m for m in store.members(round_id, submission_id) if m.status == "confirmed"]
        if not members or store.round(round_id).status != "open":
            return
        if current is None or current.state == "draft":
            for m in members:
                user = self.accounts.get_user(m.username)
                self.declare(round_id, submission_id, user)
                mine = store.review(user, round_id, submission_id, user.username)
                if mine is not None and mine.state == "submitted":
                    continue
                store.save_draft(user, round_id, submission_id,
                                 {t.id: self.score(round_id, submission_id, user.username, t)
                                  for t in store.rubric.themes})
                if mine is None and m.is_lead:
                    theme = store.rubric.themes[0]
                    store.add_comment(user, round_id, submission_id, theme.id, "Action plan, first action",
                                      f"{SYNTHETIC}: name an owner and a date for this action.")
                store.submit_review(user, round_id, submission_id)
            lead = self.accounts.get_user(members[0].username)
            reviews = store.visible_reviews(lead, round_id, submission_id)
            agreed = {}
            for t in store.rubric.themes:
                levels = sorted(r.themes[t.id].level for r in reviews if t.id in r.themes)
                agreed[t.id] = ThemeScore(levels[len(levels) // 2],
                                          f"{SYNTHETIC}: the team's agreed strengths under {t.label}.",
                                          f"{SYNTHETIC}: the team's agreed areas to develop under {t.label}.")
            store.save_consensus(lead, round_id, submission_id, themes=agreed, agree=True,
                                 summary=f"{SYNTHETIC}: the team's summary of this submission and its plan.",
                                 outcome=store.rubric.outcomes[min(1, len(store.rubric.outcomes) - 1)])
        if release and store.consensus(self.steering, round_id, submission_id).state == "agreed":
            store.release(self.steering, round_id, submission_id)


def saved_logins(paths: Paths) -> list[DemoLogin]:
    try:
        lines = (paths.home / LOGINS_FILE).read_text().splitlines()
    except OSError:
        return []
    return [DemoLogin(*line.split("\t", 3)) for line in lines if line.count("\t") == 3]
