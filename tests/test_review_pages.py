"""The peer review pages under AppTest: "My reviews" (declaration before access, autosave, submission,
the visibility rule, the lead's consensus) and "Review feedback" (released reports only, no reviewer
names, hostile narrative shown as text).

Rounds are built on the shared synthetic home with ``ReviewStore`` directly; each test has reviewer
accounts of its own, so the tests do not depend on one another (nor touch the shared ``rev``)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from dashboard_support import INSTITUTION, OTHER_INSTITUTION, PASSWORD
from test_dashboard import open_page
from test_untrusted_text import BEACON, COLOUR, IMG, LINK, MATH, assert_shown_as_text, markdown_bodies

from dashboards import exports, ui
from dashboards.review import ReviewStore
from dashboards.review.rounds import RoundSubmission
from dashboards.review.scoring import ThemeScore
from pipeline.review.rubric import load_rubric
from pipeline.store.snapshot import open_snapshot

HOSTILE = f"<script>alert(1)</script> **bold** [link](javascript:alert(1)) {BEACON} {LINK} {IMG} {MATH} {COLOUR}"
TODAY = dt.date.today()
_ids = itertools.count(1)


@pytest.fixture
def home(dashboard_home, monkeypatch):
    monkeypatch.setenv("TECHBENCH_HOME", str(dashboard_home.paths.home))
    monkeypatch.setenv("TECHBENCH_DISCLOSURE_SALT", "test salt")
    return dashboard_home


def reviews_store(home) -> ReviewStore:
    return ReviewStore.for_paths(home.paths)


def steer(home):
    return home.store.get_user("steer")


def user(home, name):
    return home.store.get_user(name)


def accepted(home, signatory: str | None = None) -> list[RoundSubmission]:
    """Latest accepted submissions as a round holds them, by signatory and stage: of ``signatory``, or of
    the signatories other than INSTITUTION and OTHER_INSTITUTION."""
    sql = """SELECT b.submission_id, b.signatory, coalesce(s.name, b.signatory), coalesce(CAST(s.type AS VARCHAR), 'x'),
                    b.stage FROM submissions b LEFT JOIN signatories s ON s.slug = b.signatory
             WHERE b.is_latest_valid AND b.status = 'accepted' ORDER BY b.signatory, b.stage"""
    with open_snapshot(home.paths) as con:
        rows = [RoundSubmission(*r) for r in con.sql(sql).fetchall()]
    if signatory is None:  # other signatories than the institution's and the reviewers' own
        return [r for r in rows if r.signatory not in (INSTITUTION, OTHER_INSTITUTION)]
    return [r for r in rows if r.signatory == signatory]


def reviewers(home, n: int) -> list[str]:
    """``n`` new trained reviewer accounts (of OTHER_INSTITUTION) with profiles."""
    store = reviews_store(home)
    names = []
    for _ in range(n):
        name = f"pr{next(_ids)}x{TODAY:%j}"
        home.store.add_user(name, PASSWORD, "reviewer", OTHER_INSTITUTION)
        store.set_profile(steer(home), name, institution=OTHER_INSTITUTION, institution_type="university",
                          max_load=20, trained_on=dt.date(2024, 1, 1))
        names.append(name)
    return names


def team_round(home, sub: RoundSubmission, names: list[str], *, review_due: dt.date | None = None) -> str:
    """A round of its own on ``sub`` with the confirmed team ``names`` (lead first); returns its id."""
    store = reviews_store(home)
    round_id = f"test-{next(_ids)}"
    due = review_due or TODAY + dt.timedelta(days=30)
    store.open_round(steer(home), dt.date(2026, 7, 31), due, due + dt.timedelta(days=14), [sub], round_id=round_id,
                     team_size=len(names))
    store.set_team(steer(home), round_id, sub.submission_id, names)
    store.confirm_teams(steer(home), round_id)
    return round_id


def full_review(level: int, text: str = "Clear evidence") -> dict[str, ThemeScore]:
    return {t.id: ThemeScore(level, f"{text} ({t.id})", f"More to do ({t.id})") for t in load_rubric().themes}


def declared_and_submitted(home, round_id, sid, name, level, text="Clear evidence"):
    store = reviews_store(home)
    store.declare(user(home, name), round_id, sid, conflict=False)
    store.save_draft(user(home, name), round_id, sid, full_review(level, text))
    store.submit_review(user(home, name), round_id, sid)


def all_text(at) -> str:
    """Every string the page shows: element bodies, labels, options, table cells."""
    parts = markdown_bodies(at)
    for kind in (at.selectbox, at.radio, at.text_area, at.text_input, at.button):
        for e in kind:
            parts.append(str(e.label))
            parts += [str(o) for o in getattr(e, "options", ()) or ()]
            parts.append(str(getattr(e, "value", "")))
    for d in at.dataframe:
        parts.append(d.value.to_pandas().to_csv() if hasattr(d.value, "to_pandas") else d.value.to_csv())
    return "\n".join(parts)


def every_node(node):
    """Every element and block of an AppTest page, depth first."""
    yield node
    for child in getattr(node, "children", {}).values():
        yield from every_node(child)


def labelled(elements, label: str):
    return next(e for e in elements if e.label == label)


def prefix(round_id, sid) -> str:
    return f"rv_{round_id}_{sid}"


# --- declaration before access -------------------------------------------------------------------------

def test_no_content_before_declaring_then_no_conflict_opens_it(home):
    sub = accepted(home)[3]
    name, = reviewers(home, 1)
    round_id = team_round(home, sub, [name])
    at = open_page("reviewer", "reviews", user=name)
    assert not at.exception
    shown = all_text(at)
    assert sub.signatory_name in shown and "to declare" in shown
    assert "The submission" not in shown and not at.expander and not at.tabs and not at.radio
    assert not home.store.can_see_submission(user(home, name), sub.submission_id)

    at.button(key=f"{prefix(round_id, sub.submission_id)}_no_conflict").click().run()
    assert not at.exception
    shown = all_text(at)
    assert "The submission" in shown and "Institutional profile" in [e.label for e in at.expander]
    assert at.radio  # the review form
    assert home.store.can_see_submission(user(home, name), sub.submission_id)


def test_recusing_needs_a_reason_and_leaves_the_team_and_its_access(home):
    sub = accepted(home)[4]
    name, = reviewers(home, 1)
    round_id = team_round(home, sub, [name])
    at = open_page("reviewer", "reviews", user=name)
    recuse = next(b for b in at.button if b.label == "Recuse")
    recuse.click().run()
    assert any("say why" in e.value for e in at.error)
    assert [m.username for m in reviews_store(home).members(round_id)] == [name]

    at.text_input(key=f"{prefix(round_id, sub.submission_id)}_reason").input("I examined their technicians")
    next(b for b in at.button if b.label == "Recuse").click().run()
    assert not at.exception
    assert reviews_store(home).members(round_id) == []
    assert not home.store.can_see_submission(user(home, name), sub.submission_id)
    assert "not on any confirmed review team" in all_text(at)
    assert sub.signatory in reviews_store(home).profile(name).conflicts


# --- the review form -----------------------------------------------------------------------------------

def test_a_level_chosen_in_the_form_is_saved_at_once(home):
    sub = accepted(home)[5]
    name, = reviewers(home, 1)
    round_id = team_round(home, sub, [name])
    reviews_store(home).declare(user(home, name), round_id, sub.submission_id, conflict=False)
    at = open_page("reviewer", "reviews", user=name)
    key = f"{prefix(round_id, sub.submission_id)}_visibility"
    at.radio(key=f"{key}_level").set_value(3).run()
    assert not at.exception
    saved = reviews_store(home).review(user(home, name), round_id, sub.submission_id, name)
    assert saved.state == "draft" and saved.themes["visibility"].level == 3
    at.text_area(key=f"{key}_strengths").input("Named in every job description").run()
    saved = reviews_store(home).review(user(home, name), round_id, sub.submission_id, name)
    assert saved.themes["visibility"] == ThemeScore(3, "Named in every job description", "")
    assert "Draft saved" in all_text(at)


def test_submitting_an_incomplete_review_lists_what_is_missing_and_does_not_submit(home):
    sub = accepted(home)[6]
    name, = reviewers(home, 1)
    round_id = team_round(home, sub, [name])
    store = reviews_store(home)
    store.declare(user(home, name), round_id, sub.submission_id, conflict=False)
    store.save_draft(user(home, name), round_id, sub.submission_id,
                     {t: ThemeScore(2, s.strengths, "") for t, s in full_review(2).items()})
    at = open_page("reviewer", "reviews", user=name)
    at.button(key=f"{prefix(round_id, sub.submission_id)}_submit").click().run()
    assert not at.exception
    problems = " ".join(e.value for e in at.error)
    assert ui.plain("Visibility: areas to develop") in problems
    assert ui.plain("Technician voice: areas to develop") in problems
    assert store.review(user(home, name), round_id, sub.submission_id, name).state == "draft"


def test_other_reviews_are_hidden_until_one_s_own_is_submitted(home):
    sub = accepted(home)[7]
    lead, first, second = reviewers(home, 3)
    round_id = team_round(home, sub, [lead, first, second])
    sid = sub.submission_id
    declared_and_submitted(home, round_id, sid, first, 2, text="First reviewer's view")
    reviews_store(home).declare(user(home, second), round_id, sid, conflict=False)
    at = open_page("reviewer", "reviews", user=second)
    assert not at.exception
    assert not any(first in e.label for e in at.expander) and "First reviewer" not in all_text(at)
    assert "once yours is submitted" in all_text(at)
    reviews_store(home).save_draft(user(home, second), round_id, sid, full_review(3))
    at.button(key=f"{prefix(round_id, sid)}_submit").click().run()
    assert not at.exception
    assert reviews_store(home).review(user(home, second), round_id, sid, second).state == "submitted"
    assert f"{first} (submitted)" in [e.label for e in at.expander] and "First reviewer" in all_text(at)


def test_a_reviewer_s_hostile_narrative_is_shown_as_text(home):
    sub = accepted(home)[8]
    first, second = reviewers(home, 2)
    round_id = team_round(home, sub, [first, second])
    sid = sub.submission_id
    declared_and_submitted(home, round_id, sid, second, 2, text=HOSTILE)
    declared_and_submitted(home, round_id, sid, first, 2)
    at = open_page("reviewer", "reviews", user=first)
    bodies = [b for b in markdown_bodies(at) if "attacker" in b]
    assert bodies
    for body in bodies:
        assert_shown_as_text(body, pieces=(BEACON, LINK, IMG, MATH, COLOUR, "<script>", "**bold**",
                                           "[link](javascript:alert(1))"))


# --- the lead -----------------------------------------------------------------------------------------

def test_the_lead_s_consensus_flags_scores_two_levels_apart(home):
    sub = accepted(home)[9]
    lead, other = reviewers(home, 2)
    round_id = team_round(home, sub, [lead, other])
    sid = sub.submission_id
    declared_and_submitted(home, round_id, sid, other, 1)
    at = open_page("reviewer", "reviews", user=lead)
    reviews_store(home).declare(user(home, lead), round_id, sid, conflict=False)
    at.run()
    assert "waiting for" in all_text(at)
    store = reviews_store(home)
    store.save_draft(user(home, lead), round_id, sid, {**full_review(1), "visibility": ThemeScore(4, "a", "b")})
    store.submit_review(user(home, lead), round_id, sid)
    at.run()
    assert not at.exception
    flags = [w.value for w in at.warning if "differ" in w.value]
    assert flags == ["Scores differ by 3 levels (from 1 to 4): discuss before agreeing."]
    assert any(s.label.startswith("Outcome (techbench's default") for s in at.selectbox)
    assert any(b.label == "Reopen" for b in at.button)
    # agreeing from the form: every theme's level and narrative, a summary and an outcome
    p = prefix(round_id, sid)
    for t in store.rubric.themes:
        at.selectbox(key=f"{p}_c_{t.id}_level").set_value(2)
        at.text_area(key=f"{p}_c_{t.id}_strengths").input("Agreed strengths")
        at.text_area(key=f"{p}_c_{t.id}_areas").input("Agreed areas")
    at.text_area(key=f"{p}_c_summary").input("Summary")
    at.selectbox(key=f"{p}_c_outcome").set_value("accepted with recommendations")
    next(b for b in at.button if b.label == "Agree consensus").click().run()
    assert not at.exception, at.exception
    agreed = store.consensus(user(home, lead), round_id, sid)
    assert agreed.state == "agreed" and agreed.outcome == "accepted with recommendations"
    assert {s.level for s in agreed.themes.values()} == {2}


# --- feedback -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def institution_feedback(dashboard_home):
    """Imperial's stage 1 reviewed and released (with hostile narrative and an anchored comment), its
    stage 2 agreed but not released; returns (released ids, unreleased ids, reviewer names)."""
    home = dashboard_home
    subs = accepted(home, INSTITUTION)
    assert len(subs) >= 2
    store = reviews_store(home)
    names = reviewers(home, 2)
    out = []
    for sub, release in ((subs[0], True), (subs[1], False)):
        round_id = team_round(home, sub, names)
        sid = sub.submission_id
        for name in names[::-1]:
            declared_and_submitted(home, round_id, sid, name, 3)
        # comments are made on drafts: the lead reopens their own review, comments and submits again
        store.reopen_review(user(home, names[0]), round_id, sid, names[0])
        store.add_comment(user(home, names[0]), round_id, sid, "visibility", "Action 1", f"Comment {HOSTILE}")
        store.submit_review(user(home, names[0]), round_id, sid)
        themes = {t: ThemeScore(3, f"Strengths {HOSTILE}", "Areas to develop") for t in full_review(3)}
        store.save_consensus(user(home, names[0]), round_id, sid, themes=themes, summary=f"Summary {HOSTILE}",
                             outcome="accepted", agree=True)
        if release:
            store.release(steer(home), round_id, sid)
        out.append((round_id, sid))
    return out[0], out[1], names


def test_an_institution_sees_its_released_report_and_not_an_unreleased_one(home, institution_feedback):
    released, unreleased, names = institution_feedback
    at = open_page("institution", "feedback")
    assert not at.exception
    options = at.selectbox(key="feedback_report").options
    assert any(f"round {released[0]}" in o for o in options)
    assert not any(f"round {unreleased[0]}" in o for o in options)
    shown = all_text(at)
    assert "Outcome:" in shown and "Agreed level:" in shown and "Established" in shown
    assert "techbench" in shown and "default" in shown  # the rubric's source line
    for name in names:  # no reviewer's name anywhere on the page
        assert name not in shown
    for body in [b for b in markdown_bodies(at) if "attacker" in b]:
        assert_shown_as_text(body, pieces=(BEACON, LINK, IMG, MATH, COLOUR, "<script>", "**bold**",
                                           "[link](javascript:alert(1))"))
    assert any("Summary" in b and "attacker" in b for b in markdown_bodies(at))
    assert any("Comment" in b and "attacker" in b for b in markdown_bodies(at))


def test_no_reviewer_name_in_any_element_of_the_institution_s_page(home, institution_feedback):
    _, _, names = institution_feedback
    at = open_page("institution", "feedback")
    assert not at.exception
    nodes = "\n".join(str(getattr(node, "proto", "")) for node in every_node(at._tree))
    assert "Agreed level" in nodes and "inst" in nodes  # the scan sees the page (and the signed-in account)
    dump = nodes + all_text(at)
    for name in names:
        assert name not in dump


def test_the_steering_group_previews_agreed_reports(home, institution_feedback):
    released, unreleased, _ = institution_feedback
    at = open_page("steering", "feedback")
    options = at.selectbox(key="feedback_report").options
    assert any(f"round {released[0]}" in o for o in options)
    assert any(f"round {unreleased[0]}" in o and "PREVIEW" in o for o in options)


def test_a_reviewer_of_the_next_stage_sees_the_earlier_feedback(home, institution_feedback):
    released, _, _ = institution_feedback
    later = [s for s in accepted(home, INSTITUTION) if s.stage > 1]
    name, = reviewers(home, 1)
    round_id = team_round(home, later[-1], [name])
    reviews_store(home).declare(user(home, name), round_id, later[-1].submission_id, conflict=False)
    at = open_page("reviewer", "reviews", user=name)
    assert not at.exception
    assert "Feedback on this institution's earlier stages" in all_text(at)
    feedback = open_page("reviewer", "feedback", user=name)
    assert any(f"round {released[0]}" in o for o in feedback.selectbox(key="feedback_report").options)


def test_the_feedback_download_rechecks_access(home, institution_feedback):
    from dashboards.data import Viewer

    released, unreleased, _ = institution_feedback
    inst = Viewer.load(home.store, "inst")
    other = Viewer.load(home.store, "other")
    content, name, media = exports.feedback(inst, *released, fmt="pdf")
    assert content.startswith(b"%PDF") and name.startswith("SYNTHETIC_feedback_") and media == "application/pdf"
    content, name, _ = exports.feedback(inst, *released, fmt="docx")
    assert content[:2] == b"PK" and name.endswith(".docx")
    assert exports.feedback(inst, *unreleased, fmt="pdf") is None  # agreed, not released
    assert exports.feedback(other, *released, fmt="pdf") is None  # another institution
    assert exports.feedback(inst, *released, fmt="exe") is None
    steering = Viewer.load(home.store, "steer")
    assert exports.feedback(steering, *unreleased, fmt="docx") is not None  # the preview


def test_comments_are_anchored_to_an_action_listed_and_deleted(home):
    sub = accepted(home)[10]
    name, = reviewers(home, 1)
    round_id = team_round(home, sub, [name])
    store = reviews_store(home)
    store.declare(user(home, name), round_id, sub.submission_id, conflict=False)
    at = open_page("reviewer", "reviews", user=name)
    anchor = labelled(at.selectbox, "Points to (a question or an action)")
    action = next(o for o in anchor.options if o.startswith("Action 1: "))
    labelled(at.selectbox, "Theme").set_value("recognition")
    anchor.set_value(action)
    labelled(at.text_area, "Comment").input("No owner for this action")
    next(b for b in at.button if b.label == "Add comment").click().run()
    assert not at.exception
    review = store.review(user(home, name), round_id, sub.submission_id, name)
    assert [(c.theme, c.anchor, c.text) for c in review.comments] == [("recognition", action.strip(),
                                                                             "No owner for this action")]
    assert any("No owner for this action" in b for b in markdown_bodies(at))
    at.button(key=f"{prefix(round_id, sub.submission_id)}_delete_{review.comments[0].id}").click().run()
    assert store.review(user(home, name), round_id, sub.submission_id, name).comments == ()
