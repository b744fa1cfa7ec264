"""The steering group's peer review pages (views/rounds.py, views/calibration.py) under AppTest, on a
copy of the shared synthetic sector with reviewer accounts and profiles of its own (the shared home
is left as it is): opening a round, proposing and confirming teams, tracking, release, reminders,
the export producer and calibration; other roles are refused and shown nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import string

import pytest
from dashboard_support import APP, OTHER_INSTITUTION, PASSWORD, signed_in
from streamlit.testing.v1 import AppTest

from dashboards import data, exports
from dashboards.accounts import AccountStore
from dashboards.review import ReviewStore
from dashboards.review.scoring import ThemeScore
from dashboards.review.windows import window_submissions, windows
from pipeline.benchmarks.export import FORMULA_START
from pipeline.settings import Paths

TRAINED = dt.date(2024, 1, 15)
FORMULA = '=HYPERLINK("http://attacker.example","x")'


@pytest.fixture(scope="module")
def review_home(dashboard_home, tmp_path_factory) -> Paths:
    """A copy of the shared sector with its own accounts: steer, rev (reviewer, no profile), inst and
    six trained reviewers r1..r6 plus an untrained one (r0). r1 is from the first submission's
    institution of the newest window; r2 declared a conflict with the second's."""
    paths = Paths.from_env(tmp_path_factory.mktemp("review_pages") / "home")
    shutil.copytree(dashboard_home.paths.home, paths.home, ignore=shutil.ignore_patterns("app.sqlite3*", "audit.jsonl"))
    accounts = AccountStore.for_paths(paths)
    accounts.add_user("steer", PASSWORD, "steering")
    accounts.add_user("rev", PASSWORD, "reviewer", OTHER_INSTITUTION)
    accounts.add_user("inst", PASSWORD, "institution", "imperial")
    store = ReviewStore.for_paths(paths)
    steer = accounts.get_user("steer")
    newest = window_submissions(paths, windows(paths)[0][0])
    homes = [newest[0].signatory, "york", "essex", "leeds", "bristol", "cardiff"]
    types = ["university", "university", "research institute", "university", "research institute", "university"]
    for i, (inst, kind) in enumerate(zip(homes, types, strict=True), start=1):
        accounts.add_user(f"r{i}", PASSWORD, "reviewer", inst)
        store.set_profile(steer, f"r{i}", institution=inst, institution_type=kind, max_load=4,
                          email=f"r{i}@example.ac.uk", trained_on=TRAINED)
    accounts.add_user("r0", PASSWORD, "reviewer", "kent")
    store.set_profile(steer, "r0", institution="kent", institution_type="university", max_load=4, trained_on=None)
    store.declare_conflict(steer, "r2", newest[1].signatory, "former employer")
    return paths


@pytest.fixture
def home(review_home, monkeypatch) -> Paths:
    monkeypatch.setenv("TECHBENCH_HOME", str(review_home.home))
    monkeypatch.setenv("TECHBENCH_DISCLOSURE_SALT", "test salt")
    for name in ("TECHBENCH_SMTP_HOST", "TECHBENCH_SMTP_SENDER"):
        monkeypatch.delenv(name, raising=False)
    return review_home


def user(paths: Paths, name: str):
    return AccountStore.for_paths(paths).get_user(name)


def page(key: str, username: str = "steer") -> AppTest:
    signed_in(username)
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    at.switch_page(f"views/{key}.py")
    at.run()
    assert not at.exception, at.exception
    return at


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def texts(at: AppTest) -> str:
    """Every text on the page, with ``ui.plain``'s escapes taken out."""
    shown = "\n".join(str(e.value) for kind in (at.markdown, at.caption, at.info, at.warning, at.error, at.success)
                      for e in kind)
    return re.sub(r"\\([" + re.escape(string.punctuation) + "])", r"\1", shown)


# each table of the pages by a column only it has
COLUMN = {"rounds_teams": "Other members", "rounds_loads": "Submissions in this round", "rounds_states": "Next due",
          "rounds_tasks": "What", "rounds_declarations": "Declaration", "rounds_outbox": "Subject",
          "rounds_audit": "Action", "calibration_themes": "Why not computed",
          "calibration_distances": "Themes compared"}


def table(at: AppTest, name: str):
    """The table (pandas) ``name`` of the page, None when it is not shown."""
    return next((d.value for d in at.dataframe if COLUMN[name] in d.value.columns), None)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def score_and_submit(store: ReviewStore, paths: Paths, round_id: str, sid: str, name: str, level: int,
                     strengths: str = "clear evidence") -> None:
    reviewer = user(paths, name)
    store.declare(reviewer, round_id, sid, conflict=False)
    themes = {t.id: ThemeScore(level, strengths, "more to do") for t in store.rubric.themes}
    store.save_draft(reviewer, round_id, sid, themes)
    store.submit_review(reviewer, round_id, sid)


# --- access ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["rounds", "calibration"])
@pytest.mark.parametrize("username", ["r1", "inst"])
def test_other_roles_are_refused_and_shown_nothing(home, key, username):
    signed_in(username)  # the page is not in their navigation: run its script directly
    at = AppTest.from_file(str(APP.parent / "views" / f"{key}.py"), default_timeout=120).run()
    assert not at.exception
    assert any("not available to" in e.value for e in at.error)
    assert not at.dataframe and not at.metric and not at.button and not at.selectbox
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        signed_in(username)
        nav = AppTest.from_file(str(APP), default_timeout=120)
        nav.run()
        nav.switch_page(f"views/{key}.py")


# --- a round through the page -----------------------------------------------------------------------

def test_a_round_from_opening_to_release_through_the_page(home):
    store = ReviewStore.for_paths(home)
    window = windows(home)[0][0]
    expected = window_submissions(home, window)
    at = page("rounds")
    at.selectbox(key="rounds_open_window").set_value(window).run()
    assert f"collects **{len(expected)}** accepted submission" in texts(at)
    button(at, "Open the round").click().run()
    assert not at.exception, at.exception
    round_id = window.strftime("%Y-%m")
    assert [s.submission_id for s in store.round_submissions(round_id)] == [s.submission_id for s in expected]
    assert at.selectbox(key="rounds_round").value == round_id

    at.button(key="rounds_propose").click().run()
    assert not at.exception, at.exception
    teams = table(at, "rounds_teams")
    assert teams is not None and len(teams) == len(expected)
    profiles = {p.username: p for p in store.profiles()}
    members = store.members(round_id)
    assert members and "r0" not in {m.username for m in members}  # untrained: never proposed
    subs = {s.submission_id: s for s in expected}
    for m in members:
        sub = subs[m.submission_id]
        assert profiles[m.username].institution != sub.signatory
        assert sub.signatory not in profiles[m.username].conflicts
    loads = table(at, "rounds_loads")
    assert all(row["Submissions in this round"] <= row["Maximum"] for row in loads.to_dict("records"))

    # adjusting a team: an untrained or own-institution reviewer is shown as a problem before saving
    first = expected[0]
    at.selectbox(key="rounds_adjust_sub").set_value(first.submission_id).run()
    at.multiselect(key=f"rounds_adjust_team_{first.submission_id}").set_value(["r0", "r1"]).run()
    problems = " ".join(e.value for e in at.error)
    assert "r0" in problems and "not trained" in problems and "own institution" in problems
    assert at.button(key="rounds_adjust_save").disabled

    at.button(key="rounds_confirm").click().run()
    assert not at.exception, at.exception
    states = table(at, "rounds_states")
    assert set(states["State"]) == {"assigned"}
    assert metrics(at)["Assigned"] == str(len(expected))
    declarations = table(at, "rounds_declarations")
    assert set(declarations["Declaration"]) == {"not yet declared"}

    # a recusal, then a replacement proposed and made on the page; the state moves on
    team = store.members(round_id, first.submission_id)
    leaving = team[-1].username
    store.declare(user(home, leaving), round_id, first.submission_id, conflict=True, reason="co-author")
    at.run()
    key = f"{first.submission_id}|{leaving}"
    at.selectbox(key="rounds_replace_leaving").set_value(key).run()
    at.button(key="rounds_replace_propose").click().run()
    assert not at.exception, at.exception
    proposed = at.session_state["rounds_replacement"][1].proposed
    assert proposed is not None and proposed not in {m.username for m in team}
    at.button(key="rounds_replace_do").click().run()
    assert not at.exception, at.exception
    after = store.members(round_id, first.submission_id)
    assert proposed in {m.username for m in after} and leaving not in {m.username for m in after}
    assert "co-author" in set(table(at, "rounds_declarations")["Reason"])

    # reviews: in review, then consensus; the lead agrees; the page previews and releases
    for i, m in enumerate(store.members(round_id, first.submission_id)):
        score_and_submit(store, home, round_id, first.submission_id, m.username, 2 + i % 2,
                         strengths=FORMULA if i == 0 else "clear evidence")
    second = expected[1]
    store.declare(user(home, store.members(round_id, second.submission_id)[0].username), round_id,
                  second.submission_id, conflict=False)
    at.run()
    by_label = {row["Submission"]: row["State"] for row in table(at, "rounds_states").to_dict("records")}
    assert by_label[first.label] == "consensus" and by_label[second.label] == "in review"
    lead = user(home, store.members(round_id, first.submission_id)[0].username)
    store.save_consensus(lead, round_id, first.submission_id, agree=True, summary="A clear plan.",
                         outcome=store.rubric.outcomes[0],
                         themes={t.id: ThemeScore(3, "strong", "keep going") for t in store.rubric.themes})
    at.run()
    assert "A clear plan" in texts(at)  # the preview
    at.button(key="rounds_release").click().run()
    assert not at.exception, at.exception
    by_label = {row["Submission"]: row["State"] for row in table(at, "rounds_states").to_dict("records")}
    assert by_label[first.label] == "released"
    audit = table(at, "rounds_audit")
    assert audit["Action"].iloc[0] == "review.release"  # newest first

    # the submission tracker shows each submission's review state (steering group only)
    tracker = page("tracker")
    statuses = tracker.multiselect(key="tracker_status")
    statuses.set_value(statuses.options).run()
    shown = next(d.value for d in tracker.dataframe if "review" in d.value.columns)
    state = {(r["signatory_name"], r["stage"]): r["review"] for r in shown.to_dict("records")}
    assert state[(first.signatory_name, first.stage)] == "released"
    assert state[(second.signatory_name, second.stage)].startswith("in review")
    assert all("review" not in d.value.columns for d in page("tracker", "rev").dataframe)

    # the export: formula-safe CSV for the steering group, nothing for a reviewer or an institution
    steer = data.Viewer.load(AccountStore.for_paths(home), "steer")
    content, name, media = exports.round_export(steer, round_id, "csv", "scores")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["submission_id", "signatory", "stage", "reviewer"] and media == "text/csv"
    cells = [cell for row in rows[1:] if not row[0].startswith("#") for cell in row]
    assert f"'{FORMULA}" in cells and not any(cell.startswith(FORMULA_START) for cell in cells)
    assert exports.round_export(steer, round_id, "csv", "comments") is not None
    workbook = exports.round_export(steer, round_id, "xlsx", "all")
    assert workbook is not None and workbook[0][:2] == b"PK"
    for other in ("r3", "inst"):
        assert exports.round_export(data.Viewer.load(AccountStore.for_paths(home), other), round_id, "csv",
                                    "scores") is None

    # calibration: alpha with the items it rests on, or the reason it is not computed
    cal = page("calibration")
    cal.selectbox(key="calibration_round").set_value(round_id).run()
    assert "never what a submission" in texts(cal)
    figures = metrics(cal)
    assert int(figures["Items"]) >= 1 and "Pairable values" in figures
    if figures["Alpha, all themes"] == "not computed":
        assert "Not computed:" in texts(cal)
    assert table(cal, "calibration_themes") is not None
    distances = table(cal, "calibration_distances")
    assert set(distances["Reviewer"]) == {m.username for m in store.members(round_id, first.submission_id)}
    assert set(distances["Themes compared"]) == {len(store.rubric.themes)}


def test_reminders_with_e_mail_off_fill_the_outbox_as_not_sent(home):
    store = ReviewStore.for_paths(home)
    steer = user(home, "steer")
    window = windows(home)[2][0]
    today = dt.date.today()
    opened = store.open_round(steer, window, today + dt.timedelta(days=3), today + dt.timedelta(days=10),
                              window_submissions(home, window))
    store.propose_teams(steer, opened.id)
    store.confirm_teams(steer, opened.id)
    at = page("rounds")
    at.selectbox(key="rounds_round").set_value(opened.id).run()
    assert "E-mail is off" in texts(at) and "TECHBENCH_SMTP_HOST" in texts(at)
    at.button(key="rounds_remind").click().run()
    assert not at.exception, at.exception
    outbox = table(at, "rounds_outbox")
    assert outbox is not None and len(outbox) >= 1 and set(outbox["Status"]) == {"not sent"}
    assert "reminder(s) composed" in texts(at) and "not sent" in texts(at)
    tasks = table(at, "rounds_tasks")
    assert tasks is not None and set(tasks["What"]) == {"declaration"}


def test_calibration_shows_the_reason_when_alpha_cannot_be_computed(home):
    store = ReviewStore.for_paths(home)
    steer = user(home, "steer")
    window = windows(home)[3][0]
    opened = store.open_round(steer, window, window + dt.timedelta(weeks=6), window + dt.timedelta(weeks=8),
                              window_submissions(home, window))
    at = page("calibration")
    at.selectbox(key="calibration_round").set_value(opened.id).run()
    assert metrics(at)["Alpha, all themes"] == "not computed" and metrics(at)["Items"] == "0"
    assert "Not computed: no submission was scored by two or more reviewers" in texts(at)


def test_a_calibration_exercise_puts_every_eligible_reviewer_on_one_sample(home):
    store = ReviewStore.for_paths(home)
    window = windows(home)[1][0]
    sample = window_submissions(home, window)[0]
    at = page("calibration")
    at.selectbox(key="calibration_sample").set_value(sample.submission_id).run()
    assert "reviewer(s) would score it" in texts(at)
    button(at, "Open the calibration exercise").click().run()
    assert not at.exception, at.exception
    opened = next(r for r in store.rounds() if r.kind == "calibration")
    eligible = {p.username for p in store.profiles() if p.trained_on and p.institution != sample.signatory
                and sample.signatory not in p.conflicts}
    assert opened.team_size == len(eligible)
    members = store.members(opened.id)
    assert {m.username for m in members} == eligible and {m.status for m in members} == {"confirmed"}
    assert at.selectbox(key="calibration_round").value == opened.id
    assert metrics(at)["Alpha, all themes"] == "not computed"


def test_names_reasons_and_narratives_are_shown_as_text(home):
    """A hostile institution name, recusal reason, narrative, summary and comment reach the pages escaped."""
    from dataclasses import replace

    from test_untrusted_text import HOSTILE, PIECES, assert_shown_as_text, hostile_bodies

    store = ReviewStore.for_paths(home)
    steer = user(home, "steer")
    window = windows(home)[4][0]
    sub = replace(window_submissions(home, window)[0], signatory_name=f"Uni {HOSTILE}")
    today = dt.date.today()
    store.open_round(steer, window, today + dt.timedelta(days=3), today + dt.timedelta(days=9), [sub],
                     team_size=2, round_id="hostile")
    store.propose_teams(steer, "hostile")
    store.confirm_teams(steer, "hostile")
    lead, other = store.members("hostile", sub.submission_id)
    store.declare(user(home, other.username), "hostile", sub.submission_id, conflict=True, reason=f"Reason {HOSTILE}")
    reviewer = user(home, lead.username)
    store.declare(reviewer, "hostile", sub.submission_id, conflict=False)
    themes = {t.id: ThemeScore(3, f"Strength {HOSTILE}", f"Area {HOSTILE}") for t in store.rubric.themes}
    store.save_draft(reviewer, "hostile", sub.submission_id, themes)
    store.add_comment(reviewer, "hostile", sub.submission_id, store.rubric.themes[0].id, f"Anchor {HOSTILE}",
                      f"Comment {HOSTILE}")
    store.submit_review(reviewer, "hostile", sub.submission_id)
    store.save_consensus(reviewer, "hostile", sub.submission_id, themes=themes, summary=f"Summary {HOSTILE}",
                         outcome=store.rubric.outcomes[0], agree=True)
    for key in ("rounds", "calibration"):
        at = page(key)
        at.selectbox(key=f"{key}_round").set_value("hostile").run()
        bodies = hostile_bodies(at)
        if key == "rounds":
            assert all(any(w in b for b in bodies) for w in ("Uni ", "Summary ", "Strength ", "Comment ")), bodies
        for body in bodies:
            assert_shown_as_text(body, pieces=tuple(p for p in PIECES if p != "# Heading"))
