"""The peer review store (dashboards/review): its schema migrations, role checks, the hard rules of
assignment through the store, the access rules of declarations, recusals and replacements, the
visibility of others' reviews, consensus and release, the feedback an institution reads, and the
audit trail. No snapshot is needed: rounds are opened on submissions given directly."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import sqlite3
import tempfile
import zipfile
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboards.accounts import AccountError, AccountStore
from dashboards.accounts import migrations
from dashboards.review import ReviewError, ReviewStore
from dashboards.review.rounds import RoundSubmission
from dashboards.review.scoring import ThemeScore
from pipeline.programme import audit
from pipeline.review.rubric import DEFAULT_RUBRIC, load_rubric
from pipeline.settings import Paths

PASSWORD = "correct horse battery"
FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)  # test accounts only
SETTINGS = dict(deadline=None, max_examples=int(25 * float(os.environ.get("TECHBENCH_PROPERTY_SCALE", "1"))))
WINDOW = dt.date(2026, 7, 31)
TYPES = {"alpha": "university", "beta": "university", "gamma": "research institute", "delta": "college",
         "epsilon": "university", "zeta": "research institute"}
# distinctive reviewer names, looked for in what the institution reads
TEAM = ("revquillon", "revmarrowby", "revtattersall")


def sid(slug: str, stage: int = 1) -> str:
    return f"{slug}|{stage}|" + hashlib.sha256(f"{slug}-{stage}".encode()).hexdigest()


def sub(slug: str, stage: int = 1) -> RoundSubmission:
    return RoundSubmission(sid(slug, stage), slug, slug.title(), TYPES[slug], stage)


class World:
    """A home with a steering account, an institution per signatory and reviewers with profiles."""

    def __init__(self, root: Path) -> None:
        self.paths = Paths.from_env(root)
        self.accounts = AccountStore.for_paths(self.paths, hasher=FAST)
        self.store = ReviewStore.for_paths(self.paths)
        self.steer = self.accounts.add_user("steer", PASSWORD, "steering")

    def user(self, name: str):
        return self.accounts.get_user(name)

    def reviewer(self, name: str, home: str, *, max_load: int = 3, trained: bool = True, conflicts=()):
        if self.user(name) is None:
            self.accounts.add_user(name, PASSWORD, "reviewer")
        self.store.set_profile(self.steer, name, institution=home, institution_type=TYPES.get(home, "university"),
                               max_load=max_load, email=f"{name}@example.invalid",
                               trained_on=dt.date(2026, 1, 1) if trained else None)
        for slug in conflicts:
            self.store.declare_conflict(self.steer, name, slug, "former employer")
        return self.user(name)

    def institution(self, slug: str):
        name = f"inst-{slug}"
        return self.user(name) or self.accounts.add_user(name, PASSWORD, "institution", slug)

    def open(self, submissions, round_id: str | None = None, team_size: int = 3, window: dt.date = WINDOW):
        return self.store.open_round(self.steer, window, window + dt.timedelta(days=30),
                                     window + dt.timedelta(days=60), list(submissions), team_size=team_size,
                                     round_id=round_id)

    def team(self, round_id: str, submission_id: str, names) -> None:
        self.store.set_team(self.steer, round_id, submission_id, list(names))
        self.store.confirm_teams(self.steer, round_id)

    def full_review(self, name: str, round_id: str, submission_id: str, level: int = 3, submit: bool = True):
        user = self.user(name)
        self.store.save_draft(user, round_id, submission_id, themes(level, f"by {name}"))
        return self.store.submit_review(user, round_id, submission_id) if submit else None

    def through_consensus(self, round_id: str, submission_id: str, names=TEAM, release: bool = False) -> None:
        for name in names:
            self.store.declare(self.user(name), round_id, submission_id, conflict=False)
        self.store.add_comment(self.user(names[0]), round_id, submission_id, "visibility", "Action 1",
                               "Name an owner for this action.")
        for name in names:
            self.full_review(name, round_id, submission_id)
        self.store.save_consensus(self.user(names[0]), round_id, submission_id, themes=themes(3, "agreed"),
                                  summary="A steady plan.", outcome="accepted", agree=True)
        if release:
            self.store.release(self.steer, round_id, submission_id)


def themes(level: int = 3, words: str = "") -> dict[str, ThemeScore]:
    return {t.id: ThemeScore(level, f"Strengths {words}".strip(), f"Areas {words}".strip())
            for t in load_rubric().themes}


@pytest.fixture
def world(tmp_path) -> World:
    w = World(tmp_path)
    for name, home in zip(TEAM, ("beta", "gamma", "delta")):
        w.reviewer(name, home)
    return w


@pytest.fixture
def one_round(world):
    """Round r1 on alpha's stage 1 with TEAM confirmed (revquillon leads)."""
    world.open([sub("alpha"), sub("epsilon")], round_id="r1")
    world.team("r1", sid("alpha"), TEAM)
    return world


# --- migrations ----------------------------------------------------------------------------------------

def test_a_file_of_the_old_schema_without_a_version_is_migrated(tmp_path):
    path = tmp_path / "app.sqlite3"
    con = sqlite3.connect(path)
    for statement in migrations.statements(migrations.ACCOUNTS):
        con.execute(statement)
    con.execute("INSERT INTO users (username, role, signatory, password_hash, created_at) "
                "VALUES ('old', 'steering', NULL, 'x', '2024-01-01')")
    con.commit()
    assert con.execute("PRAGMA user_version").fetchone()[0] == 0
    con.close()
    store = ReviewStore(path)
    assert store.schema_version() == migrations.LATEST
    with sqlite3.connect(path) as con:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert con.execute("SELECT username FROM users").fetchall() == [("old",)]
    assert {"reviewer_profiles", "review_rounds", "team_members", "reviews", "consensus", "outbox"} <= tables


def test_a_file_newer_than_the_code_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "app.sqlite3"
    ReviewStore(path)
    with sqlite3.connect(path) as con:
        con.execute(f"PRAGMA user_version = {migrations.LATEST + 1}")
    for opener in (ReviewStore, AccountStore):
        with pytest.raises(AccountError, match=rf"schema version {migrations.LATEST + 1}, newer than this "
                                               rf"techbench \({migrations.LATEST}\): upgrade techbench"):
            opener(path)


def test_migrating_twice_is_a_no_op(tmp_path):
    path = tmp_path / "app.sqlite3"

    def schema():
        with sqlite3.connect(path) as con:
            return sorted(con.execute("SELECT type, name, sql FROM sqlite_master").fetchall(), key=str)

    ReviewStore(path)
    first = schema()
    assert ReviewStore(path).schema_version() == migrations.LATEST
    AccountStore(path)
    assert schema() == first


# --- role checks ----------------------------------------------------------------------------------------

STEERING_ACTIONS = {
    "set_profile": lambda s, a: s.set_profile(a, TEAM[0], institution="beta", institution_type="university",
                                              max_load=2),
    "open_round": lambda s, a: s.open_round(a, WINDOW, WINDOW, WINDOW, [sub("zeta")], round_id="r9"),
    "propose_teams": lambda s, a: s.propose_teams(a, "r1"),
    "set_team": lambda s, a: s.set_team(a, "r1", sid("epsilon"), [TEAM[0]]),
    "confirm_teams": lambda s, a: s.confirm_teams(a, "r1"),
    "propose_replacement": lambda s, a: s.propose_replacement(a, "r1", sid("alpha"), TEAM[1]),
    "replace_member": lambda s, a: s.replace_member(a, "r1", sid("alpha"), TEAM[1], "revspare"),
    "return_consensus": lambda s, a: s.return_consensus(a, "r1", sid("alpha"), "why"),
    "release": lambda s, a: s.release(a, "r1", sid("alpha")),
    "close_round": lambda s, a: s.close_round(a, "r1"),
    "states": lambda s, a: s.states(a, "r1"),
    "send_reminders": lambda s, a: s.send_reminders(a),
    "outbox": lambda s, a: s.outbox(a),
    "score_rows": lambda s, a: s.score_rows(a, "r1"),
    "comment_rows": lambda s, a: s.comment_rows(a, "r1"),
    "calibration": lambda s, a: s.calibration(a, "r1"),
    "audit_entries": lambda s, a: s.audit_entries(a),
}


@pytest.mark.parametrize("action", sorted(STEERING_ACTIONS))
def test_steering_actions_are_refused_to_reviewers_institutions_and_disabled_accounts(one_round, action):
    w = one_round
    w.reviewer("revspare", "zeta")
    w.accounts.add_user("steer2", PASSWORD, "steering")
    w.accounts.disable("steer2")
    before = (w.store.members("r1", active_only=False), w.store.rounds(), w.store.profile(TEAM[0]))
    for actor in (w.user(TEAM[0]), w.institution("alpha"), w.user("steer2")):
        with pytest.raises(ReviewError):
            STEERING_ACTIONS[action](w.store, actor)
    assert (w.store.members("r1", active_only=False), w.store.rounds(), w.store.profile(TEAM[0])) == before


def test_a_stale_session_of_a_disabled_steering_account_is_refused(one_round):
    w = one_round
    stale = w.steer
    w.accounts.disable("steer")
    with pytest.raises(ReviewError, match="disabled"):
        w.store.propose_teams(stale, "r1")


# --- the hard rules of assignment, through the store ----------------------------------------------------

@st.composite
def panels(draw):
    slugs = sorted(TYPES)
    submitting = draw(st.lists(st.sampled_from(slugs), min_size=1, max_size=6, unique=True))
    reviewers = draw(st.lists(st.tuples(st.sampled_from(slugs), st.integers(0, 4), st.booleans(),
                                        st.lists(st.sampled_from(slugs), max_size=2, unique=True)),
                              min_size=1, max_size=8))
    team_size = draw(st.integers(1, 3))
    return submitting, reviewers, team_size


@settings(**SETTINGS)
@given(panels())
def test_proposed_teams_never_break_the_hard_rules(panel):
    submitting, reviewers, team_size = panel
    with tempfile.TemporaryDirectory() as root:
        w = World(Path(root))
        profiles = {}
        for k, (home, load, trained, conflicts) in enumerate(reviewers):
            name = f"rev{k}"
            w.reviewer(name, home, max_load=load, trained=trained, conflicts=conflicts)
            profiles[name] = (home, load, trained, set(conflicts))
        w.open([sub(s) for s in submitting], round_id="r", team_size=team_size)
        proposal = w.store.propose_teams(w.steer, "r")
        w.store.confirm_teams(w.steer, "r")
        loads: dict[str, int] = {}
        for m in w.store.members("r"):
            home, load, trained, conflicts = profiles[m.username]
            signatory = m.submission_id.split("|")[0]
            assert home != signatory, "own institution"
            assert signatory not in conflicts, "declared conflict"
            assert trained, "untrained"
            loads[m.username] = loads.get(m.username, 0) + 1
        assert all(loads[n] <= profiles[n][1] for n in loads)
        assert all(len(t.members) <= team_size for t in proposal.teams.values())
        assert sum(len(t.members) for t in proposal.teams.values()) == sum(loads.values())


def test_an_untrained_reviewer_is_refused_by_hand_too(one_round):
    w = one_round
    w.reviewer("revnew", "zeta", trained=False)
    with pytest.raises(ReviewError, match="not trained"):
        w.store.set_team(w.steer, "r1", sid("epsilon"), ["revnew"])


# --- declarations, recusals, replacements and access ----------------------------------------------------

def test_access_is_granted_only_by_declaring_no_conflict(one_round):
    w = one_round
    rev = w.user(TEAM[1])
    assert not w.accounts.can_see_submission(rev, sid("alpha"))  # confirmed, not declared
    with pytest.raises(ReviewError, match="declare no conflict first"):
        w.store.save_draft(rev, "r1", sid("alpha"), themes())
    w.store.declare(rev, "r1", sid("alpha"), conflict=False)
    assert w.accounts.can_see_submission(rev, sid("alpha"))
    assert not w.accounts.can_see_submission(rev, sid("epsilon"))  # not on its team


def test_a_recusal_records_the_conflict_frees_the_slot_and_grants_nothing(one_round):
    w = one_round
    rev = w.user(TEAM[2])
    with pytest.raises(ReviewError, match="say why"):
        w.store.declare(rev, "r1", sid("alpha"), conflict=True)
    w.store.declare(rev, "r1", sid("alpha"), conflict=True, reason="I examined their staff last year")
    assert not w.accounts.can_see_submission(rev, sid("alpha"))
    assert w.store.profile(TEAM[2]).conflicts == {"alpha": "I examined their staff last year"}
    assert TEAM[2] not in [m.username for m in w.store.members("r1", sid("alpha"))]
    w.reviewer("revspare", "zeta")
    assert w.store.propose_replacement(w.steer, "r1", sid("alpha"), TEAM[2]).proposed == "revspare"


def test_a_reviewer_with_a_conflict_cannot_see_a_submission_assigned_by_hand(one_round):
    w = one_round
    w.accounts.assign(TEAM[0], sid("epsilon"))
    assert w.accounts.can_see_submission(w.user(TEAM[0]), sid("epsilon"))
    w.store.declare_conflict(w.user(TEAM[0]), TEAM[0], "epsilon", "my partner works there")
    assert not w.accounts.can_see_submission(w.user(TEAM[0]), sid("epsilon"))
    assert "epsilon" not in w.accounts.visible_signatories(w.user(TEAM[0]))


def test_no_conflict_cannot_be_declared_against_a_conflict_on_record(one_round):
    w = one_round
    w.store.declare_conflict(w.steer, TEAM[1], "alpha", "found out after the teams were confirmed")
    with pytest.raises(ReviewError, match="recuse instead"):
        w.store.declare(w.user(TEAM[1]), "r1", sid("alpha"), conflict=False)
    with pytest.raises(ReviewError, match="declare no conflict first"):
        w.store.save_draft(w.user(TEAM[1]), "r1", sid("alpha"), themes())
    w.store.declare(w.user(TEAM[1]), "r1", sid("alpha"), conflict=True, reason="as recorded")
    assert not w.accounts.can_see_submission(w.user(TEAM[1]), sid("alpha"))


def test_a_reviewer_declares_only_their_own_conflicts(one_round):
    with pytest.raises(ReviewError, match="only their own"):
        one_round.store.declare_conflict(one_round.user(TEAM[0]), TEAM[1], "epsilon", "because")


def test_replacing_a_member_keeps_the_review_they_started(one_round):
    w = one_round
    w.reviewer("revspare", "zeta")
    leaving = w.user(TEAM[1])
    w.store.declare(leaving, "r1", sid("alpha"), conflict=False)
    w.store.save_draft(leaving, "r1", sid("alpha"), {"visibility": ThemeScore(2, "started", "")})
    w.store.replace_member(w.steer, "r1", sid("alpha"), TEAM[1], "revspare")
    assert not w.accounts.can_see_submission(leaving, sid("alpha"))
    kept = {r.reviewer: r for r in w.store.visible_reviews(w.steer, "r1", sid("alpha"))}
    assert kept[TEAM[1]].themes["visibility"] == ThemeScore(2, "started", "") and not kept[TEAM[1]].on_team
    members = w.store.members("r1", sid("alpha"))
    assert [m.username for m in members] == [TEAM[0], "revspare", TEAM[2]]  # the slot is kept
    assert w.store.pending_reviews("r1", sid("alpha")) == sorted([TEAM[0], "revspare", TEAM[2]])


# --- who sees whose review ------------------------------------------------------------------------------

@pytest.mark.parametrize("rule", ["never", "after_own", "always"])
def test_others_reviews_are_shown_as_the_rubric_says(one_round, tmp_path, monkeypatch, rule):
    text = DEFAULT_RUBRIC.read_text(encoding="utf-8")
    assert "show_others: after_own" in text
    copy = tmp_path / "rubric.yaml"
    copy.write_text(text.replace("show_others: after_own", f"show_others: {rule}"), encoding="utf-8")
    monkeypatch.setenv("TECHBENCH_RUBRIC", str(copy))
    w = one_round
    store = ReviewStore.for_paths(w.paths)  # the rubric is cached per instance
    assert store.rubric.show_others == rule
    lead, b, c = (w.user(n) for n in TEAM)
    for u in (lead, b, c):
        store.declare(u, "r1", sid("alpha"), conflict=False)
    w.full_review(TEAM[1], "r1", sid("alpha"))  # b has submitted
    w.full_review(TEAM[2], "r1", sid("alpha"), submit=False)  # c has a draft

    def seen(user):
        return {r.reviewer for r in store.visible_reviews(user, "r1", sid("alpha"))}

    assert seen(c) == ({TEAM[2], TEAM[1]} if rule == "always" else {TEAM[2]})
    assert seen(b) == {TEAM[1]}  # c's is a draft: never shown to others; the lead has not started
    store.submit_review(c, "r1", sid("alpha"))
    assert seen(c) == ({TEAM[2]} if rule == "never" else {TEAM[1], TEAM[2]})
    assert seen(lead) == ({TEAM[1], TEAM[2]} if rule == "always" else set())  # the lead has not started
    w.full_review(TEAM[0], "r1", sid("alpha"))
    assert seen(lead) == set(TEAM)  # the lead sees all once their own is in, whatever the rule
    assert store.visible_reviews(w.institution("alpha"), "r1", sid("alpha")) == []
    assert {r.reviewer for r in store.visible_reviews(w.steer, "r1", sid("alpha"))} == set(TEAM)


# --- consensus and release ------------------------------------------------------------------------------

def test_consensus_waits_for_every_review_and_agreeing_needs_every_field(one_round):
    w = one_round
    for name in TEAM:
        w.store.declare(w.user(name), "r1", sid("alpha"), conflict=False)
    lead = w.user(TEAM[0])
    w.full_review(TEAM[0], "r1", sid("alpha"))
    w.full_review(TEAM[1], "r1", sid("alpha"))
    with pytest.raises(ReviewError, match="waiting for 1 review"):
        w.store.save_consensus(lead, "r1", sid("alpha"), themes=themes(), summary="s", outcome="accepted", agree=True)
    w.full_review(TEAM[2], "r1", sid("alpha"))
    with pytest.raises(ReviewError, match="only the team's lead"):
        w.store.save_consensus(w.user(TEAM[1]), "r1", sid("alpha"), themes=themes(), summary="s", outcome="accepted")
    partial = {"visibility": ThemeScore(3, "good", "")}
    with pytest.raises(ReviewError, match="before agreeing, complete"):
        w.store.save_consensus(lead, "r1", sid("alpha"), themes=partial, summary="s", outcome="accepted", agree=True)
    for summary, outcome, lacking in (("", "accepted", "a summary"), ("s", None, "an outcome")):
        with pytest.raises(ReviewError, match=lacking):
            w.store.save_consensus(lead, "r1", sid("alpha"), themes=themes(), summary=summary, outcome=outcome,
                                   agree=True)
    with pytest.raises(ReviewError, match="not an outcome"):
        w.store.save_consensus(lead, "r1", sid("alpha"), themes=themes(), summary="s", outcome="splendid")
    with pytest.raises(ReviewError, match="only an agreed consensus"):
        w.store.release(w.steer, "r1", sid("alpha"))  # nothing agreed yet (a draft at most)
    w.store.save_consensus(lead, "r1", sid("alpha"), themes=themes(), summary="s", outcome="accepted")
    with pytest.raises(ReviewError, match="only an agreed consensus"):
        w.store.release(w.steer, "r1", sid("alpha"))  # a draft consensus
    agreed = w.store.save_consensus(lead, "r1", sid("alpha"), themes=themes(), summary="s", outcome="accepted",
                                    agree=True)
    assert agreed.state == "agreed"
    with pytest.raises(ReviewError, match="no longer change"):
        w.store.save_draft(w.user(TEAM[1]), "r1", sid("alpha"), themes())
    w.store.release(w.steer, "r1", sid("alpha"))
    assert w.store._consensus("r1", sid("alpha")).state == "released"
    assert {r.reviewer for r in w.store.visible_reviews(w.steer, "r1", sid("alpha"))} == set(TEAM)  # kept


def test_a_round_closes_only_when_every_report_is_released(one_round):
    w = one_round
    w.through_consensus("r1", sid("alpha"), release=True)
    with pytest.raises(ReviewError, match="1 submission"):
        w.store.close_round(w.steer, "r1")
    assert w.store.round("r1").status == "open"


# --- the feedback the institution reads -----------------------------------------------------------------

def docx_strings(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())


def pdf_strings(data: bytes) -> str:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join([page.extract_text() or "" for page in pdf.pages] + [str(pdf.metadata)])


def test_the_institution_reads_only_its_released_report_and_it_names_no_reviewer(one_round):
    from pipeline.review.feedback import to_docx, to_pdf

    w = one_round
    inst, other = w.institution("alpha"), w.institution("epsilon")
    w.through_consensus("r1", sid("alpha"))
    assert w.store.released(inst) == []
    with pytest.raises(ReviewError, match="not released to you"):
        w.store.report(inst, "r1", sid("alpha"))
    assert w.store.can_read_report(w.steer, "r1", sid("alpha"))  # the steering group previews
    w.store.release(w.steer, "r1", sid("alpha"))
    assert [r.submission_id for r in w.store.released(inst)] == [sid("alpha")]
    assert w.store.released(other) == []
    with pytest.raises(ReviewError):
        w.store.report(other, "r1", sid("alpha"))
    report = w.store.report(inst, "r1", sid("alpha"))
    assert report.outcome == "accepted" and report.summary == "A steady plan."
    assert "Name an owner for this action." in docx_strings(to_docx(report))  # the anchored comment
    for text in (repr(report), docx_strings(to_docx(report)), pdf_strings(to_pdf(report))):
        for name in TEAM:
            assert name not in text


def test_reviewers_of_a_later_stage_see_the_earlier_feedback_and_others_do_not(one_round):
    w = one_round
    w.through_consensus("r1", sid("alpha"), release=True)
    w.reviewer("revlater", "zeta")
    w.reviewer("revelse", "zeta")
    w.open([sub("alpha", 2), sub("epsilon", 1)], round_id="r2", window=dt.date(2027, 1, 31))
    w.team("r2", sid("alpha", 2), ["revlater"])
    w.team("r2", sid("epsilon", 1), ["revelse"])
    later, other = w.user("revlater"), w.user("revelse")
    assert w.store.released(later) == []  # not before declaring no conflict (no access yet)
    w.store.declare(later, "r2", sid("alpha", 2), conflict=False)
    w.store.declare(other, "r2", sid("epsilon", 1), conflict=False)
    assert [r.submission_id for r in w.store.released(later)] == [sid("alpha")]
    assert w.store.report(later, "r1", sid("alpha")).stage == 1
    assert w.store.released(other) == []
    with pytest.raises(ReviewError):
        w.store.report(other, "r1", sid("alpha"))


# --- the audit trail ------------------------------------------------------------------------------------

def test_the_audit_trail_records_each_assignment_declaration_score_and_release_with_its_actor(one_round):
    w = one_round
    w.through_consensus("r1", sid("alpha"), release=True)
    entries = w.store.audit_entries(w.steer)
    by = lambda action: [(e.actor, e.subject) for e in entries if e.action == action]  # noqa: E731
    assert sorted(by("review.assign")) == [("steer", sid("alpha"))] * 3
    assert {e.details["reviewer"] for e in entries if e.action == "review.assign"} == set(TEAM)
    assert sorted(by("review.declare")) == sorted((n, sid("alpha")) for n in TEAM)
    assert sorted(set(by("review.score"))) == sorted((n, sid("alpha")) for n in TEAM)
    assert by("review.submit") and by("review.consensus.agree") == [(TEAM[0], sid("alpha"))]
    assert by("review.release") == [("steer", sid("alpha"))]
    assert by("review.round.open") == [("steer", "r1")]
    assert all(e.at for e in entries)
    assert entries == audit.entries(w.paths, action_prefix="review.")


def test_a_reviewer_trained_during_the_round_can_take_a_freed_place(one_round):
    w = one_round
    late = w.reviewer("revlatecomer", "zeta", trained=False)
    w.store.declare(w.user("revmarrowby"), "r1", sid("alpha"), conflict=True, reason="co-authored their plan")
    assert w.store.propose_replacement(w.steer, "r1", sid("alpha"), "revmarrowby").proposed is None
    with sqlite3.connect(w.store.path) as con:  # the round opened ten days ago
        con.execute("UPDATE review_rounds SET opened_at = ? WHERE id = 'r1'",
                    ((dt.date.today() - dt.timedelta(days=10)).isoformat() + "T09:00:00+00:00",))
    w.store.set_profile(w.steer, "revlatecomer", institution="zeta", institution_type=TYPES["zeta"], max_load=3,
                        trained_on=dt.date.today() - dt.timedelta(days=1))  # trained since
    assert w.store.propose_replacement(w.steer, "r1", sid("alpha"), "revmarrowby").proposed == late.username


def test_sending_a_consensus_back_needs_a_reason_and_an_open_round(one_round):
    w = one_round
    w.through_consensus("r1", sid("alpha"))
    with pytest.raises(ReviewError, match="say why"):
        w.store.return_consensus(w.steer, "r1", sid("alpha"), "  ")
    w.store.return_consensus(w.steer, "r1", sid("alpha"), "the summary contradicts Recognition")
    assert w.store.consensus(w.steer, "r1", sid("alpha")).state == "draft"


def test_an_agreed_consensus_awaiting_release_is_not_the_team_s_overdue_work(one_round):
    w = one_round
    w.through_consensus("r1", sid("alpha"))
    late = WINDOW + dt.timedelta(days=365)
    state = {s.submission_id: s for s in w.store.states(w.steer, "r1", today=late)}[sid("alpha")]
    assert state.state == "consensus" and state.due is None and not state.overdue
