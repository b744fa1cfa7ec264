"""The dashboard in a real browser: Streamlit served as ``techbench serve`` does, driven by Playwright
with Debian's Chromium (``/usr/bin/chromium``; ``make test`` installs it, ``playwright install`` cannot
download browsers here).

The tests sign in as each role, hand in the example Word return as an institution and follow it
through the pipeline, open every view as the steering group, and check a reviewer is refused a
submission not assigned to them. A full-page screenshot of each view is written to
``test-output/screenshots/`` at the repository root.

They use a home of their own (the upload changes the published snapshot), not the shared
``dashboard_home``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

import dashboard_support
from dashboard_support import EXAMPLE, PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
REPO = Path(__file__).resolve().parent.parent
SCREENSHOTS = REPO / "test-output" / "screenshots"
WIDTH, HEIGHT = 1400, 900
WAIT_MS = 60_000  # generous: the machine may be slow, nothing here is a timing requirement

# The navigation each role sees (dashboards.session.VIEWS), in order; url paths in brackets.
ALL_VIEWS = {"Sector overview": "overview", "Submission tracker": "tracker", "Institution profile": "profile",
             "Compare submissions": "compare", "Upload a return": "upload", "Data quality": "quality",
             "Methodology": "methodology", "Downloads": "downloads", "Signatory register": "register",
             "My reviews": "reviews", "Review feedback": "feedback", "Review rounds": "rounds",
             "Review calibration": "calibration"}
ONLY = {"Upload a return": "institution", "Signatory register": "steering", "My reviews": "reviewer",
        "Review rounds": "steering", "Review calibration": "steering"}
STEERING_VIEWS = [title for title in ALL_VIEWS if ONLY.get(title, "steering") == "steering"]
REVIEWER_VIEWS = [title for title in ALL_VIEWS if ONLY.get(title, "reviewer") == "reviewer"]
INSTITUTION_VIEWS = [title for title in ALL_VIEWS if ONLY.get(title, "institution") == "institution"]

# The app is idle: the script is not running, no element is left stale from the previous run,
# Streamlit's "Running..." status widget is gone, and no element still shows the placeholder it has
# while its code loads (multiselects and dataframes are loaded lazily).
IDLE = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return app !== null && app.dataset.testScriptState === 'notRunning'
        && app.dataset.testConnectionState === 'CONNECTED'
        && !document.querySelector('[data-stale="true"]')
        && !document.querySelector('[data-testid="stStatusWidget"]')
        && !document.querySelector('[data-testid="stSkeleton"], [data-testid="stSkeletonElement"]');
}"""

# The rows of a Streamlit dataframe, read from the accessibility table the grid (glide-data-grid)
# renders inside its canvas once the canvas has focus; null until that table exists.
GRID_ROWS = """canvas => {
    const table = canvas.querySelector('table[role="grid"]');
    if (!table) return null;
    const headers = [...table.querySelectorAll('thead th')].map(th => th.textContent);
    return [...table.querySelectorAll('tbody tr')].map(tr =>
        Object.fromEntries([...tr.querySelectorAll('td')].map((td, i) => [headers[i], td.textContent])));
}"""


# --- the server and the browser ------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser_home(tmp_path_factory) -> dashboard_support.DashboardHome:
    """A published synthetic sector for these tests only (the upload test changes its snapshot)."""
    return dashboard_support.build_home(tmp_path_factory.mktemp("browser"), signatories=20, stages=2)


@pytest.fixture(scope="module")
def server(browser_home, tmp_path_factory) -> Iterator[str]:
    """The dashboard served for the browser home; yields its base URL."""
    with dashboard_support.served(browser_home.paths, tmp_path_factory.mktemp("server") / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(f"{CHROMIUM} is missing: the browser tests drive Debian's Chromium, which `make test` installs "
                    "(apt-get install chromium chromium-driver); `playwright install` cannot download browsers here.")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def page(server, browser):  # the server (and its pipeline run) before Playwright starts its event loop
    """A fresh browser context (a new Streamlit session: nobody signed in)."""
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, base_url=server)
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


# --- helpers -------------------------------------------------------------------------------------

def wait_idle(page) -> None:
    page.wait_for_function(IDLE, timeout=WAIT_MS)


def sign_in(page, username: str, path: str = "/") -> None:
    """Load the app at ``path`` (a new session, signed out: every address shows the sign-in form)
    and sign in; waits for the role's navigation. The view the address names then opens."""
    page.goto(path)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.locator('[data-testid="stSidebarNav"]').wait_for()
    wait_idle(page)


def navigation(page) -> list[str]:
    return [text.split("\n")[-1].strip() for text in
            page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()]


def open_view(page, title: str) -> None:
    """Open a view from the sidebar (keeps the session) and wait until it has rendered."""
    page.locator('[data-testid="stSidebarNav"] a', has_text=title).click()
    page.locator("h1", has_text=title).wait_for()
    wait_idle(page)


def assert_no_exception(page, what: str) -> None:
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, f"{what} shows an exception:\n" + "\n---\n".join(exceptions.all_inner_texts())


def screenshot(page, name: str) -> Path:
    """A full-page screenshot. Streamlit scrolls inside its main area, not the document, so the
    viewport is made as tall as that area's content first."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.evaluate("() => document.activeElement?.blur()")  # no focus ring on a grid read before
    for _ in range(5):
        height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]')?.scrollHeight ?? 0")
        if height <= page.viewport_size["height"]:
            break
        page.set_viewport_size({"width": WIDTH, "height": height + 20})
        wait_idle(page)
        page.wait_for_timeout(300)  # let charts and grids lay themselves out again at the new size
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    return path


def grid_rows(grid) -> list[dict[str, str]]:
    """The rows of a Streamlit dataframe (only the rows the grid shows: keep such tables short)."""
    canvas = grid.locator('canvas[data-testid="data-grid-canvas"]')
    canvas.focus()
    deadline = time.monotonic() + WAIT_MS / 1000
    while (rows := canvas.evaluate(GRID_ROWS)) is None:
        if time.monotonic() > deadline:
            raise AssertionError("the dataframe's accessibility table did not appear")
        canvas.focus()
        time.sleep(0.2)
    return rows


def wait_for_rows(page, predicate, what: str) -> list[dict[str, str]]:
    """Poll the page's last dataframe until one of its rows satisfies ``predicate`` (the grid may be
    re-drawn meanwhile, e.g. by a fragment that refreshes itself)."""
    deadline = time.monotonic() + WAIT_MS / 1000
    rows: list[dict[str, str]] = []
    while True:
        grid = page.locator('[data-testid="stDataFrame"]')
        if grid.count():
            try:
                rows = grid_rows(grid.last)
            except Exception:  # noqa: BLE001 - the grid was re-rendered under us: read it again
                rows = []
            if any(predicate(r) for r in rows):
                return rows
        if time.monotonic() > deadline:
            shot = screenshot(page, "failed-" + "-".join(what.lower().split()))
            raise AssertionError(f"{what}: no matching row after {WAIT_MS // 1000} s; the table shows {rows} "
                                 f"(screenshot: {shot})")
        time.sleep(0.5)


def alerts(page) -> list[str]:
    return page.locator('[data-testid="stAlert"]').all_inner_texts()


# --- the tests -----------------------------------------------------------------------------------

def test_institution_uploads_a_return_and_follows_it_through_the_pipeline(page, browser_home):
    from pipeline.store.snapshot import open_snapshot

    sign_in(page, "inst")
    assert navigation(page) == INSTITUTION_VIEWS
    open_view(page, "Upload a return")
    assert_no_exception(page, "Upload a return")

    stage = page.get_by_role("combobox", name="Stage")
    if not stage.input_value().startswith("Stage 1"):  # it defaults to the earliest overdue or due stage
        stage.click()
        page.get_by_role("option", name="Stage 1", exact=False).first.click()
        wait_idle(page)
    assert stage.input_value().startswith("Stage 1 ")

    page.locator('input[type="file"]').set_input_files(str(EXAMPLE))
    success = page.locator('[data-testid="stAlertContentSuccess"]', has_text="is valid")
    success.wait_for()
    wait_idle(page)
    text = success.inner_text()
    assert f"{EXAMPLE.name} is valid" in text and "has been handed in for stage 1" in text, text
    assert_no_exception(page, "Upload a return after the upload")
    # The validation report: "No issues found", or a table of issues each with its place in the file.
    if page.locator('[data-testid="stAlertContentSuccess"]', has_text="No issues found").count() == 0:
        issues = grid_rows(page.locator('[data-testid="stDataFrame"]').first)
        assert issues and all(row.get("Where in the file") for row in issues), issues
    screenshot(page, "institution-upload-validated")

    # The pipeline, run as an operator (or the serve watcher) runs it: `techbench run`, a process of its own.
    run = subprocess.run([sys.executable, "-c", "from pipeline.cli import app; app()", "run",
                          "--home", str(browser_home.paths.home)], capture_output=True, text=True)
    assert run.returncode == 0 and "1 new file(s): 1 accepted" in run.stdout, run.stdout + run.stderr
    with open_snapshot(browser_home.paths) as con:
        [(version,)] = con.sql("SELECT version FROM snapshot_meta").fetchall()
        names = [r[0] for r in con.sql("SELECT original_name FROM submissions WHERE signatory = ? AND stage = 1 "
                                       "AND status = 'accepted'", params=[dashboard_support.INSTITUTION]).fetchall()]
    assert EXAMPLE.name in names, names

    # "Your submissions" refreshes itself every few seconds: the file turns from waiting to accepted.
    rows = wait_for_rows(page, lambda r: r.get("File") == EXAMPLE.name and r.get("State") == "accepted",
                         "Your submissions after the pipeline run")
    mine = [r for r in rows if r["File"] == EXAMPLE.name]
    assert len(mine) == 1 and mine[0]["Stage"] == "1" and mine[0]["Errors"] == "0", mine
    screenshot(page, "institution-upload-processed")

    open_view(page, "Submission tracker")  # a new run of the script: it reads the new snapshot
    assert_no_exception(page, "Submission tracker")
    page.locator('[data-testid="stCaptionContainer"]', has_text=f"snapshot {version}").wait_for()
    rows = wait_for_rows(page, lambda r: r.get("Signatory") == "Imperial College London" and r.get("Stage") == "1",
                         "Submission tracker")
    stage1 = next(r for r in rows if r["Signatory"] == "Imperial College London" and r["Stage"] == "1")
    assert stage1["Status"] == "submitted", stage1
    assert {r["Signatory"] for r in rows} == {"Imperial College London"}, rows  # its own rows only
    screenshot(page, "institution-tracker")


def test_steering_group_sees_every_view(page):
    sign_in(page, "steer")
    assert navigation(page) == STEERING_VIEWS
    for title in STEERING_VIEWS:
        open_view(page, title)
        assert_no_exception(page, f"{title} (steering)")
        assert page.locator("h1").first.inner_text().strip() == title
        screenshot(page, f"steering-{ALL_VIEWS[title]}")


def test_reviewer_is_refused_a_submission_not_assigned_to_them(page, browser_home):
    ids = [browser_home.assigned[0], browser_home.unassigned[0]]
    sign_in(page, "rev", "/compare?submissions=" + ",".join(quote(i, safe="") for i in ids))  # a shared link
    assert "Upload a return" not in navigation(page)
    assert navigation(page) == REVIEWER_VIEWS
    page.locator("h1", has_text="Compare submissions").wait_for()
    wait_idle(page)
    refusal = page.locator('[data-testid="stAlertContentError"]', has_text="You do not have access")
    refusal.wait_for()
    slug, stage = browser_home.unassigned[0].split("|")[:2]
    assert f"You do not have access to submission {slug} stage {stage}" in refusal.inner_text()
    assert page.locator("h2", has_text="Headline figures").count() == 0  # nothing of the comparison shown
    assert_no_exception(page, "Compare submissions (reviewer)")
    screenshot(page, "reviewer-compare-refused")


def test_signed_in_across_reloads_and_tabs_until_signing_out(page):
    sign_in(page, "rev", "/tracker")  # a shared link opens its view once signed in
    page.locator("h1", has_text="Submission tracker").wait_for()
    cookie = next(c for c in page.context.cookies() if c["name"] == "techbench_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    page.reload()  # reloading keeps the user signed in
    page.locator("h1", has_text="Submission tracker").wait_for()
    wait_idle(page)
    other = page.context.new_page()  # so does a link opened in a new tab
    other.goto("/methodology")
    other.locator("h1", has_text="Methodology").wait_for()
    wait_idle(other)
    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("You are not signed in").wait_for()
    other.locator('[data-testid="stSidebarNav"] a', has_text="Sector overview").click()  # its next step ...
    other.get_by_text("You are not signed in").wait_for()  # ... finds the session ended
    assert other.locator("h1", has_text="Sector overview").count() == 0
    other.reload()  # the other tab is signed out too: its next page load is the sign-in form
    other.get_by_role("button", name="Sign in").wait_for()
    assert "/signin" in other.url
