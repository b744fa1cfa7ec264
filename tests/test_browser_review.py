"""A whole peer review round in Chromium, as its users do it: the steering group opens the round and
confirms the proposed teams, three reviewers declare no conflict and score, the lead agrees the
consensus, the steering group releases it, and the institution reads and downloads its report,
which names no reviewer. A screenshot of each step goes to ``test-output/screenshots/review-*``.

The reviewers' profiles are set up through the store (the profile form has its own AppTest test);
everything else goes through the pages."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator

import dashboard_support
import pytest
from dashboard_support import PASSWORD
from test_browser import assert_no_exception, browser, open_view, screenshot, sign_in, wait_idle  # noqa: F401

from dashboards.review import ReviewStore
from dashboards.review.windows import window_submissions, windows
from pipeline.review.rubric import load_rubric
from pipeline.store.snapshot import open_snapshot

# distinctive names, searched for in what the institution sees
REVIEWERS = ("panelgrebe", "panelheron", "panelkestrel")
INSTITUTION_ACCOUNT = "reviewed"


@pytest.fixture(scope="module")
def round_home(tmp_path_factory):
    """A published synthetic sector; three trained reviewers with profiles; the newest window's first
    submission is the one followed, and its institution gets an account."""
    home = dashboard_support.build_home(tmp_path_factory.mktemp("review-browser"), signatories=12, stages=2)
    window = windows(home.paths)[0][0]  # the page offers the newest window first
    target = window_submissions(home.paths, window)[0]
    in_window = {s.signatory for s in window_submissions(home.paths, window)}
    with open_snapshot(home.paths) as con:
        register = con.sql("SELECT slug, CAST(type AS VARCHAR) FROM signatories ORDER BY slug").fetchall()
    homes = [(slug, kind) for slug, kind in register if slug not in in_window][:len(REVIEWERS)]
    assert len(homes) == len(REVIEWERS), "the sector is too small for three reviewers from outside the window"
    store = ReviewStore.for_paths(home.paths)
    steer = home.store.get_user("steer")
    for name, (slug, kind) in zip(REVIEWERS, homes, strict=True):
        home.store.add_user(name, PASSWORD, "reviewer")
        store.set_profile(steer, name, institution=slug, institution_type=kind, max_load=20,
                          email=f"{name}@example.invalid", trained_on=dt.date.today() - dt.timedelta(days=30))
    home.store.add_user(INSTITUTION_ACCOUNT, PASSWORD, "institution", target.signatory)
    return home, store, target


@pytest.fixture(scope="module")
def server(round_home, tmp_path_factory) -> Iterator[str]:
    home, _, _ = round_home
    with dashboard_support.served(home.paths, tmp_path_factory.mktemp("review-server") / "streamlit.log") as url:
        yield url


@pytest.fixture
def fresh(server, browser):  # noqa: F811 - the browser fixture imported above
    """A page in a new browser context for each person (signing in afresh)."""
    contexts = []

    def open_page():
        context = browser.new_context(viewport={"width": 1400, "height": 900}, base_url=server)
        context.set_default_timeout(60_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def click(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
    wait_idle(page)


def tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    wait_idle(page)


def choose(combobox, page, option: str) -> None:
    """Pick ``option`` in a selectbox by typing it, as a keyboard user does, and check it took."""
    combobox.click()
    page.keyboard.type(option)
    page.get_by_role("option", name=option).first.wait_for()
    page.keyboard.press("Enter")
    wait_idle(page)
    assert combobox.input_value() == option, (option, combobox.input_value())


def theme_block(page, label: str):
    """The expander of one rubric theme in the review form (opened if it is closed)."""
    summary = page.locator("details summary").filter(has=page.get_by_text(label, exact=True))
    for _ in range(20):  # while a rerun swaps the form, the old expander and the new one are both there
        if summary.count() == 1:
            break
        page.wait_for_timeout(250)
        wait_idle(page)
    block = summary.locator("xpath=ancestor::details[1]")
    if block.get_attribute("open") is None:
        summary.click()
        wait_idle(page)
    return block


def pick_level(page, theme: str, label: str) -> None:
    """Choose a theme's level (again if a rerun swallowed the click: Chromium may click while the
    previous field's save redraws the form)."""
    for _ in range(3):
        block = theme_block(page, theme)
        block.get_by_text(label, exact=True).click()
        wait_idle(page)
        if theme_block(page, theme).get_by_role("radio", name=label).is_checked():
            return
    raise AssertionError(f"{theme}: the level {label!r} could not be chosen")


def page_text(page) -> str:
    return page.locator('[data-testid="stApp"]').inner_text() + page.content()


def test_a_whole_round_from_opening_to_the_institution_s_report(fresh, round_home):
    home, store, target = round_home
    rubric = load_rubric()
    level = {t.id: 2 + i % 2 for i, t in enumerate(rubric.themes)}  # what the team agrees
    first = rubric.themes[0].id  # scored two levels apart, to be flagged to the lead

    # 1. The steering group opens the round on the newest window, proposes and confirms the teams.
    steering = fresh()
    sign_in(steering, "steer")
    open_view(steering, "Review rounds")
    assert_no_exception(steering, "Review rounds")
    click(steering, "Open the round")
    steering.get_by_text(re.compile(r"Round .* opened with \d+ submission")).wait_for()
    screenshot(steering, "review-1-steering-opened-round")
    click(steering, "Propose teams")
    steering.get_by_text(re.compile(r"Teams proposed for \d+ submission")).wait_for()
    click(steering, "Confirm teams")
    steering.get_by_text(re.compile(r"team place\(s\) confirmed")).wait_for()
    assert_no_exception(steering, "Review rounds after confirming")
    screenshot(steering, "review-2-steering-confirmed-teams")
    [rnd] = store.rounds()
    team = store.members(rnd.id, target.submission_id)
    assert [m.status for m in team] == ["confirmed"] * 3 and {m.username for m in team} == set(REVIEWERS)
    lead = team[0].username

    # 2. Each reviewer declares no conflict, then scores every theme; the form saves as they go.
    for i, name in enumerate(sorted(REVIEWERS, key=lambda n: n == lead)):  # the lead last
        page = fresh()
        sign_in(page, name)
        open_view(page, "My reviews")
        task = page.get_by_role("combobox", name="Open")
        if target.signatory_name not in task.input_value():
            task.click()
            page.get_by_role("option", name=re.compile(re.escape(target.label))).click()
            wait_idle(page)
        assert page.get_by_text("Before you open this submission, declare").count() == 1
        assert page.get_by_text("The submission", exact=True).count() == 0  # no content before declaring
        click(page, "I have no conflict of interest")
        page.get_by_text("Declared: no conflict").wait_for()
        page.get_by_text("The submission", exact=True).wait_for()
        wait_idle(page)
        for t in rubric.themes:
            mine = (1 if i == 0 else 3) if t.id == first else level[t.id]  # the first theme: 1, 3, 3
            pick_level(page, t.label, f"{mine} — {rubric.level(mine).label}")
            block = theme_block(page, t.label)
            block.get_by_role("textbox", name="Strengths").fill(f"{t.label}: technicians named on the intranet.")
            block.get_by_role("textbox", name="Strengths").press("Tab")
            wait_idle(page)
            block = theme_block(page, t.label)
            block.get_by_role("textbox", name="Areas to develop").fill(f"{t.label}: date and own each action.")
            block.get_by_role("textbox", name="Areas to develop").press("Tab")
            wait_idle(page)
        page.get_by_text(re.compile(r"Draft saved \d\d:\d\d:\d\d")).wait_for()
        draft = store.visible_reviews(home.store.get_user("steer"), rnd.id, target.submission_id)
        saved = next(r for r in draft if r.reviewer == name).themes  # saved as typed, before submitting
        assert {t: s.level for t, s in saved.items()} == {
            t.id: (1 if i == 0 else 3) if t.id == first else level[t.id] for t in rubric.themes}
        screenshot(page, f"review-3-{'lead' if name == lead else f'reviewer{i + 1}'}-scored")
        click(page, "Submit review")
        page.get_by_text("Review submitted.").wait_for()
        assert_no_exception(page, f"My reviews of {name}")
        if name != lead:
            continue

        # 3. The lead sees the reviews side by side, the disagreement flagged, and agrees the consensus.
        page.get_by_text("Lead: the consensus").wait_for()
        assert page.get_by_text(re.compile("Scores differ by 2 levels")).count() >= 1
        for n, t in enumerate(rubric.themes):
            choose(page.get_by_role("combobox", name="Agreed level").nth(n), page,
                   f"{level[t.id]} — {rubric.level(level[t.id]).label}")
            page.get_by_role("textbox", name="Agreed strengths").nth(n).fill(f"{t.label}: a clear commitment.")
            page.get_by_role("textbox", name="Agreed areas to develop").nth(n).fill(f"{t.label}: evidence impact.")
        page.get_by_role("textbox", name="Summary").fill("A credible plan with room to evidence its impact.")
        choose(page.get_by_role("combobox", name=re.compile("^Outcome")), page, "accepted with recommendations")
        click(page, "Agree consensus")
        page.get_by_text("Consensus agreed").wait_for()
        assert_no_exception(page, "the lead's consensus")
        screenshot(page, "review-4-lead-agreed-consensus")

    # 4. The steering group previews and releases the report.
    steering.reload()
    wait_idle(steering)
    tab(steering, "Preview & release")
    steering.get_by_text("accepted with recommendations").first.wait_for()
    screenshot(steering, "review-5-steering-preview")
    click(steering, "Release")
    steering.get_by_text(re.compile("released: the institution can read it now")).wait_for()
    screenshot(steering, "review-6-steering-released")

    # 5. The institution reads its report and downloads it; no reviewer is named in either.
    institution = fresh()
    sign_in(institution, INSTITUTION_ACCOUNT)
    open_view(institution, "Review feedback")
    assert_no_exception(institution, "Review feedback")
    institution.get_by_text("accepted with recommendations").first.wait_for()
    screenshot(institution, "review-7-institution-feedback")
    text = page_text(institution)
    assert rubric.themes[0].label in text and "A credible plan" in text
    assert not [name for name in REVIEWERS if name in text]
    href = institution.get_by_role("link", name="Download (Word)").get_attribute("href")
    reply = institution.request.get(href)
    assert reply.ok and reply.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml")
    with zipfile.ZipFile(io.BytesIO(reply.body())) as docx:
        xml = " ".join(docx.read(n).decode("utf-8", "replace") for n in docx.namelist() if n.endswith(".xml"))
    assert "accepted with recommendations" in xml and "A credible plan" in xml
    assert not [name for name in REVIEWERS if name in xml]
