"""Peer review attacked on the running dashboard, over HTTP and Streamlit's own websocket protocol
(``streamlit_client``), as each role: reaching a submission by link before declaring or against a
declared conflict, forging another page's widgets to declare, score or release, and an institution
reaching its feedback before release or finding a reviewer's name in what it is sent.

Each test opens its own round (own ids, own accounts) on the shared published sector, so it depends
on no other test; rounds on made-up signatories keep their feedback apart from other tests'."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
import zipfile

import pytest
from dashboard_support import PASSWORD, served
from streamlit_client import AppSession, Browser, button_press

from dashboards.review import ReviewStore
from dashboards.review.rounds import RoundSubmission
from dashboards.review.scoring import ThemeScore
from pipeline.ids import submission_signatory, submission_stage
from pipeline.review.rubric import load_rubric
from pipeline.store.snapshot import open_snapshot

NO_ACCESS = "You do not have access"
_serial = itertools.count()


@pytest.fixture(scope="module")
def server(dashboard_home, tmp_path_factory):
    log = tmp_path_factory.mktemp("review-security") / "streamlit.log"
    with served(dashboard_home.paths, log, {"TECHBENCH_DISCLOSURE_SALT": "test salt"}) as url:
        yield url


class Panel:
    """A round of its own on the shared home, with fresh reviewers (named distinctively)."""

    def __init__(self, home) -> None:
        self.home, self.n = home, next(_serial)
        self.store = ReviewStore.for_paths(home.paths)
        self.steer = home.store.get_user("steer")
        self.names = [f"attackrev{self.n}x{i}" for i in range(3)]
        for i, name in enumerate(self.names):
            home.store.add_user(name, PASSWORD, "reviewer")
            self.store.set_profile(self.steer, name, institution=f"panel-home-{i}", institution_type="university",
                                   max_load=5, trained_on=dt.date(2026, 1, 1))

    def user(self, name: str):
        return self.home.store.get_user(name)

    def open(self, submissions: list[RoundSubmission]) -> str:
        round_id = f"attack-{self.n}"
        self.store.open_round(self.steer, dt.date(2026, 7, 31), dt.date(2026, 9, 30), dt.date(2026, 10, 31),
                              submissions, round_id=round_id)
        for s in submissions:
            self.store.set_team(self.steer, round_id, s.submission_id, self.names)
        self.store.confirm_teams(self.steer, round_id)
        return round_id

    def to_consensus(self, round_id: str, sid: str, summary: str) -> None:
        themes = {t.id: ThemeScore(3, "Named technicians on every lab door.", "Date each action.")
                  for t in load_rubric().themes}
        for name in self.names:
            self.store.declare(self.user(name), round_id, sid, conflict=False)
            self.store.save_draft(self.user(name), round_id, sid, themes)
            self.store.add_comment(self.user(name), round_id, sid, "visibility", "Action 2", "Give this action an owner.")
            self.store.submit_review(self.user(name), round_id, sid)
        self.store.save_consensus(self.user(self.names[0]), round_id, sid, themes=themes, summary=summary,
                                  outcome="accepted", agree=True)


def real(home, submission_id: str) -> RoundSubmission:
    with open_snapshot(home.paths) as con:
        name = con.sql("SELECT name FROM signatories WHERE slug = ?",
                       params=[submission_signatory(submission_id)]).fetchall()[0][0]
    return RoundSubmission(submission_id, submission_signatory(submission_id), name, "university",
                           submission_stage(submission_id))


def made_up(slug: str, stage: int = 1) -> RoundSubmission:
    sid = f"{slug}|{stage}|" + hashlib.sha256(slug.encode()).hexdigest()
    return RoundSubmission(sid, slug, slug.replace("-", " ").title(), "university", stage)


def signed_in(server: str, username: str) -> Browser:
    browser = Browser(server)
    assert browser.sign_in(username, PASSWORD).status == 303
    return browser


def by_link(app: AppSession, submission_id: str, other: str):
    """The two ways a link opens a submission: a comparison and the signatory's profile."""
    return (app.run(page="compare", query=f"submissions={submission_id},{other}"),
            app.run(page="profile", query=f"signatory={submission_signatory(submission_id)}"))


def test_a_team_member_reaches_nothing_before_declaring_not_even_by_link(server, dashboard_home):
    panel = Panel(dashboard_home)
    target, other = dashboard_home.unassigned[0], dashboard_home.unassigned[1]
    sub = real(dashboard_home, target)
    round_id = panel.open([sub])
    with AppSession(signed_in(server, panel.names[1])) as app:
        for run in by_link(app, target, other):
            assert not run.exceptions and run.shows(NO_ACCESS) and "dataframe" not in run.kinds
        page = app.run(page="reviews")
        assert page.shows("Before you open this submission") and not page.shows("The submission")
        assert "I have no conflict of interest" in page.widgets
        app.run(page="reviews", widgets=[button_press(page.widgets["I have no conflict of interest"][1])])
        declared = app.run(page="reviews")  # the page after the action's own rerun
        assert not declared.exceptions and declared.shows("The submission")  # the positive control
        compare, profile = by_link(app, target, other)
        assert not profile.shows(NO_ACCESS)
    assert panel.store.members(round_id, target)[1].declaration == "no conflict"


def test_a_declared_conflict_closes_a_submission_even_one_assigned_by_hand(server, dashboard_home):
    panel = Panel(dashboard_home)
    name, target = panel.names[0], dashboard_home.unassigned[2]
    dashboard_home.store.assign(name, target)
    with AppSession(signed_in(server, name)) as app:
        assert not by_link(app, target, dashboard_home.unassigned[3])[1].shows(NO_ACCESS)  # open before
        panel.store.declare_conflict(panel.user(name), name, submission_signatory(target), "my sister leads it")
        for run in by_link(app, target, dashboard_home.unassigned[3]):  # the same open session, next step
            assert not run.exceptions and run.shows(NO_ACCESS) and "dataframe" not in run.kinds


def test_widgets_forged_from_a_team_member_s_page_declare_and_score_nothing(server, dashboard_home):
    panel = Panel(dashboard_home)
    target = dashboard_home.unassigned[4]
    round_id = panel.open([real(dashboard_home, target)])
    with AppSession(signed_in(server, panel.names[0])) as member:
        declare = member.run(page="reviews").widgets["I have no conflict of interest"][1]
    outsider = f"attackout{panel.n}"
    dashboard_home.store.add_user(outsider, PASSWORD, "reviewer")
    with AppSession(signed_in(server, outsider)) as app:
        asked = app.run(page="reviews")
        sent = app.run(page="reviews", widgets=[button_press(declare)])
        again = app.run(page="reviews")
    for run in (asked, sent, again):
        assert not run.exceptions and not run.shows("The submission") and not run.shows("Your review")
    assert [m.declaration for m in panel.store.members(round_id, target)] == [None, None, None]
    assert not dashboard_home.store.can_see_submission(dashboard_home.store.get_user(outsider), target)


def test_the_steering_release_button_forged_by_a_reviewer_or_an_institution_releases_nothing(server, dashboard_home):
    panel = Panel(dashboard_home)
    sub = made_up(f"forge-university-{panel.n}")
    round_id = panel.open([sub])
    panel.to_consensus(round_id, sub.submission_id, "Forged release test.")
    steer = f"attacksteer{panel.n}"
    dashboard_home.store.add_user(steer, PASSWORD, "steering")
    with AppSession(signed_in(server, steer)) as app:
        shown = app.run(page="rounds")  # the round chooser shows the newest round first: ours
        assert "Release" in shown.widgets, sorted(shown.widgets)
        release = shown.widgets["Release"][1]
    inst = f"attackinst{panel.n}"
    dashboard_home.store.add_user(inst, PASSWORD, "institution", sub.signatory)
    for who in (panel.names[0], inst):
        with AppSession(signed_in(server, who)) as app:
            asked = app.run(page="rounds")
            sent = app.run(page="rounds", widgets=[button_press(release)])
            again = app.run(page="rounds")
        for run in (asked, sent, again):
            assert not run.exceptions and not run.shows("Review rounds") and not run.shows("released")
    assert panel.store.consensus(panel.steer, round_id, sub.submission_id).state == "agreed"


def test_an_institution_gets_no_feedback_before_release_and_no_reviewer_name_after(server, dashboard_home):
    panel = Panel(dashboard_home)
    sub = made_up(f"feedback-university-{panel.n}")
    round_id = panel.open([sub])
    summary = f"Summary {panel.n} with owners and dates"  # nothing Markdown escapes: found as sent
    panel.to_consensus(round_id, sub.submission_id, summary)
    inst = f"attackfb{panel.n}"
    dashboard_home.store.add_user(inst, PASSWORD, "institution", sub.signatory)
    browser = signed_in(server, inst)
    with AppSession(browser) as app:
        before = app.run(page="feedback")
        assert not before.exceptions and before.shows("No feedback has been released to you yet")
        assert not before.link_urls and not any(summary in t for t in before.texts)
        panel.store.release(panel.steer, round_id, sub.submission_id)
        after = app.run(page="feedback")
    assert any(summary in t for t in after.texts)
    sent = "\n".join(after.texts + after.link_urls + list(after.widgets))
    assert not [n for n in panel.names if n in sent]
    downloads = [u for u in after.link_urls if u.startswith("/download/")]
    assert len(downloads) == 2  # Word and PDF
    for url in downloads:
        got = browser.request(url)
        assert got.status == 200
        if got.headers["Content-Type"].startswith("application/vnd.openxmlformats"):
            with zipfile.ZipFile(io.BytesIO(got.body)) as docx:
                body = " ".join(docx.read(n).decode("utf-8", "replace") for n in docx.namelist())
            assert summary in body
        else:
            body = got.body.decode("latin-1")
        assert not [n for n in panel.names if n in body]
        other = signed_in(server, "other")  # another institution, with the link: nothing
        assert other.request(url).status == 404
