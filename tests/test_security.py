"""The running dashboard attacked over its own protocols, as each role and as a stranger.

The server is started as ``techbench serve`` starts it; the attacks use plain HTTP and Streamlit's
websocket protocol (``streamlit_client``), never the functions behind them. Each test is one hole
found by attacking the dashboard (issue 10) and fails on the code before its fix. The browser's side
of the same (reloads, tabs, signing out) is in ``test_browser.py``.
"""

from __future__ import annotations

import concurrent.futures
import csv
import io
import time
import urllib.parse

import pytest
from dashboard_support import PASSWORD, served
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit_client import AppSession, Browser, button_press, refused

from dashboards.accounts import MAX_FAILURES

SIGNED_OUT = "You are not signed in"


@pytest.fixture(scope="module")
def server(dashboard_home, tmp_path_factory):
    log = tmp_path_factory.mktemp("security") / "streamlit.log"
    with served(dashboard_home.paths, log, {"TECHBENCH_DISCLOSURE_SALT": "test salt"}) as url:
        yield url


@pytest.fixture
def account(dashboard_home):
    """A fresh account of a given role (tests disable and lock accounts: never the shared ones)."""
    made = []

    def make(role: str = "steering", signatory: str | None = None) -> str:
        name = f"acct{time.monotonic_ns()}"
        dashboard_home.store.add_user(name, PASSWORD, role, signatory)
        made.append(name)
        return name

    return make


def signed_in(server: str, username: str) -> Browser:
    browser = Browser(server)
    reply = browser.sign_in(username, PASSWORD)
    assert reply.status == 303, reply.text
    return browser


# --- strangers --------------------------------------------------------------------------------------

def test_a_stranger_gets_only_the_sign_in_page(server):
    stranger = Browser(server)
    for path in ("/", "/compare?submissions=x", "/downloads"):
        reply = stranger.request(path)
        assert reply.status == 303 and reply.headers["Location"].startswith("/signin"), path
    assert stranger.request("/signin").status == 200
    for path in ("/_stcore/host-config", "/media/0123abcd.csv"):
        assert stranger.request(path).status == 401, path
    assert refused(stranger) == 403  # no websocket: the app never runs for a stranger


def test_metrics_and_the_agent_api_are_served_to_nobody(server, account):
    steering = signed_in(server, account("steering"))
    for who in (Browser(server), steering):
        assert who.request("/_stcore/metrics").status == 404
        assert who.request("/_stcore/agent/openapi.json").status == 404
        assert b"session" not in who.request("/_stcore/metrics").body


def test_a_forged_widget_state_shows_a_reference_never_a_traceback(server, account):
    browser = signed_in(server, account("reviewer"))
    with AppSession(browser) as app:
        kind, widget = app.run(page="downloads").widgets["Table"]
        assert kind == "selectbox"
        run = app.run(widgets=[WidgetState(id=widget, double_array_value={"data": [1.0]})])  # not a selectbox value
    assert not run.exceptions, run.exceptions  # no exception element, so no stack trace, paths or source
    assert run.shows("Something went wrong on this page. It has been logged with reference")
    assert not any("Traceback" in t or ".py" in t for t in run.texts)


# --- sessions and signing in ------------------------------------------------------------------------

def test_the_session_cookie_is_http_only_same_site_and_new_at_every_sign_in(server, account):
    name = account("institution", "imperial")
    browser = Browser(server)
    reply = browser.sign_in(name, PASSWORD, next_path="/tracker")
    assert reply.status == 303 and reply.headers["Location"] == "/tracker"  # a shared link opens once signed in
    cookie = reply.headers["Set-Cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie and "max-age=" in cookie
    first = browser.cookie("techbench_session")
    again = Browser(server)  # signs in again in a browser that still holds the first session's cookie
    form = again.request("/signin")
    again.set_cookie("techbench_session", first)
    csrf = form.text.split('name="csrf" value="')[1].split('"')[0]
    body = urllib.parse.urlencode({"csrf": csrf, "username": name, "password": PASSWORD}).encode()
    assert again.request("/signin", data=body).status == 303
    assert again.cookie("techbench_session") not in (None, first)
    assert browser.request("/").status == 303  # the old session was ended by the new sign-in


def test_sign_in_refuses_a_foreign_redirect_and_a_missing_form_token(server, account):
    name = account()
    browser = Browser(server)
    reply = browser.sign_in(name, PASSWORD, next_path="//attacker.example/x")
    assert reply.status == 303 and reply.headers["Location"] == "/"
    body = urllib.parse.urlencode({"username": name, "password": PASSWORD}).encode()
    assert Browser(server).request("/signin", data=body).status == 403  # login CSRF: no form token


def test_a_bare_streamlit_session_id_resumes_nothing(server, account):
    victim = signed_in(server, account("steering"))
    with AppSession(victim) as app:
        run = app.run()
        assert run.shows("Steering group")
        stolen = app.session_id
        # A stranger presenting the session id is refused outright ...
        assert refused(Browser(server), resume=stolen) == 403
        # ... and another signed-in account presenting it gets a session of its own, as itself.
        attacker = signed_in(server, account("institution", "imperial"))
        with AppSession(attacker, resume=stolen) as hijack:
            taken = hijack.run()
            assert hijack.session_id != stolen
            assert taken.shows("Institution · imperial") and not taken.shows("Steering group")
        # The id also appears in upload URLs: an upload into the victim's session needs the victim's sign-in.
        upload = f"/_stcore/upload_file/{stolen}/file-1"
        assert attacker.request(upload, data=b"x", method="PUT").status == 403
        assert Browser(server).request(upload, data=b"x", method="PUT").status == 401
        assert app.run().shows("Steering group")  # the victim is undisturbed


def test_concurrent_guesses_get_no_more_than_the_limit(server, account):
    name = account("reviewer")
    attackers = [Browser(server) for _ in range(4 * MAX_FAILURES)]
    forms = [a.request("/signin") for a in attackers]
    assert all(f.status == 200 for f in forms)

    def guess(i: int) -> int:
        return attackers[i].sign_in(name, f"wrong guess {i}").status

    with concurrent.futures.ThreadPoolExecutor(len(attackers)) as pool:
        statuses = list(pool.map(guess, range(len(attackers))))
    assert statuses.count(401) <= MAX_FAILURES, statuses  # passwords actually checked
    assert statuses.count(429) >= len(attackers) - MAX_FAILURES
    reply = Browser(server).sign_in(name, PASSWORD)
    assert reply.status == 429 and "Too many wrong passwords" in reply.text  # locked, even for the right one


def test_a_disabled_account_loses_its_open_page_and_its_downloads(server, account, dashboard_home):
    name = account("institution", "imperial")
    browser = signed_in(server, name)
    with AppSession(browser) as app:
        assert app.run(page="upload").shows("Hand in a return")
        link = app.run(page="downloads").link_urls[0]
        assert browser.request(link).status == 200
        dashboard_home.store.disable(name)
        after = app.run(page="upload")  # the same open page, its next step
        assert after.shows(SIGNED_OUT) and not after.shows("Hand in a return") and "dataframe" not in after.kinds
    assert browser.request(link).status in (303, 401)  # the download went with the session
    assert browser.request("/").status == 303
    assert refused(browser) == 403


def test_the_upload_page_s_self_refreshing_list_stops_when_the_account_is_disabled(server, account, dashboard_home):
    name = account("institution", "imperial")
    with AppSession(signed_in(server, name)) as app:
        fragment = app.run(page="upload").fragments[0]
        before = app.run(fragment=fragment)  # what the browser does every few seconds
        assert "dataframe" in before.kinds or before.shows("Nothing handed in yet")
        dashboard_home.store.disable(name)
        refresh = app.run(fragment=fragment)
    assert refresh.shows("Your session has ended")
    assert "dataframe" not in refresh.kinds and not refresh.shows("Nothing handed in yet")


def test_signing_out_ends_the_session_in_every_tab(server, account):
    browser = signed_in(server, account("reviewer"))
    with AppSession(browser) as tab1, AppSession(browser) as tab2:
        assert tab1.run().shows("Peer reviewer") and tab2.run().shows("Peer reviewer")
        out = tab1.run(widgets=[button_press(tab1.run().widgets["Sign out"][1])])
        assert out.shows(SIGNED_OUT)
        assert tab2.run().shows(SIGNED_OUT)
    assert browser.request("/").status == 303
    assert refused(browser) == 403


# --- downloads --------------------------------------------------------------------------------------

def test_downloads_need_the_sign_in_that_asked_for_them(server, account):
    steering = signed_in(server, account("steering"))
    with AppSession(steering) as app:
        run = app.run(page="downloads")
    csv_link = next(u for u in run.link_urls if u.startswith("/download/"))
    got = steering.request(csv_link)
    assert got.status == 200 and "attachment" in got.headers["Content-Disposition"]
    assert got.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(got.body.decode("utf-8-sig"))))
    assert rows[0][:2] == ["signatory", "signatory_name"] and len(rows) > 1
    assert Browser(server).request(csv_link).status in (303, 401)  # a pasted or logged link: nothing
    institution = signed_in(server, account("institution", "imperial"))
    assert institution.request(csv_link).status == 404  # another account's session: nothing either
    assert not any(u.startswith("/media/") for u in run.link_urls)


def test_a_download_link_expires():
    from dashboards import web

    url = web.issue_ticket("digest", "sector_table", name="positions", fmt="csv")
    ticket = url.removeprefix(web.DOWNLOAD)
    assert web._ticket(ticket, "digest") is not None
    assert web._ticket(ticket, "another sign-in") is None
    later = time.time() + web.TICKET_SECONDS + 1
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(web.time, "time", lambda: later)
        assert web._ticket(ticket, "digest") is None


# --- the signatory register (steering group only) ----------------------------------------------------

def test_the_register_page_gives_other_roles_no_form_no_data_and_no_write(server, account, dashboard_home):
    from pipeline.programme import audit

    paths = dashboard_home.paths
    register, trail = paths.register.read_bytes(), audit.entries(paths)
    with AppSession(signed_in(server, account("steering"))) as app:
        shown = app.run(page="register")
    assert not shown.exceptions and "dataframe" in shown.kinds and shown.shows("Add a signatory or correct one")
    assert {"UKPRN", "Save the correction", "Add the signatory"} <= set(shown.widgets)
    forged = [WidgetState(id=shown.widgets["UKPRN"][1], string_value="10007143"),
              button_press(shown.widgets["Save the correction"][1]),
              button_press(shown.widgets["Add the signatory"][1])]
    for who in (account("institution", "imperial"), account("reviewer")):
        with AppSession(signed_in(server, who)) as app:
            asked = app.run(page="register")
            sent = app.run(widgets=forged)  # the steering form's own widgets, submitted from this session
        for run in (asked, sent):  # the page is not in their navigation: Streamlit runs their first page
            assert not run.exceptions and not run.shows("Signatory register") and not run.shows("Add a signatory")
            assert not {"UKPRN", "Signatory", "Save the correction", "Add the signatory"} & set(run.widgets)
    assert paths.register.read_bytes() == register and audit.entries(paths) == trail
