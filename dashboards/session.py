"""Who is signed in, the list of views and who may open each, and the frame every view starts with.

``VIEWS`` is the one list both the navigation (``app.py``) and the views' own checks read: the
menu shows a role only its views, and each view refuses a role not in its list even when reached
directly (hidden navigation is not access control, DESIGN §4 item 10).

The signed-in account comes from the sign-in session cookie (``dashboards.web``), read and checked
against the account store on every run and every fragment run: never from Streamlit's session
state, which a client that resumes a Streamlit session would inherit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboards import ui, web
from dashboards.accounts import AccountStore, store_path, token_hash
from dashboards.data import Denied, Snapshot, Viewer
from pipeline.ids import ROLES
from pipeline.settings import Paths
from pipeline.store.snapshot import published

SIGNED_IN_KEY = "techbench_sign_in"  # the token hash of the sign-in session this Streamlit session belongs to
ROLE_NAMES = {"steering": "Steering group", "reviewer": "Peer reviewer", "institution": "Institution"}


@dataclass(frozen=True)
class View:
    key: str
    file: str  # relative to app.py
    title: str
    icon: str
    roles: tuple[str, ...] = ROLES
    needs_snapshot: bool = True


VIEWS = (
    View("overview", "views/overview.py", "Sector overview", ":material/insights:"),
    View("tracker", "views/tracker.py", "Submission tracker", ":material/event_available:"),
    View("profile", "views/profile.py", "Institution profile", ":material/account_balance:"),
    View("compare", "views/compare.py", "Compare submissions", ":material/compare_arrows:"),
    View("upload", "views/upload.py", "Upload a return", ":material/upload_file:", ("institution",),
         needs_snapshot=False),
    View("quality", "views/quality.py", "Data quality", ":material/fact_check:"),
    View("methodology", "views/methodology.py", "Methodology", ":material/menu_book:", needs_snapshot=False),
    View("downloads", "views/downloads.py", "Downloads", ":material/download:"),
    View("register", "views/register.py", "Signatory register", ":material/edit_note:", ("steering",),
         needs_snapshot=False),
    View("reviews", "views/reviews.py", "My reviews", ":material/rate_review:", ("reviewer",), needs_snapshot=False),
    View("feedback", "views/feedback.py", "Review feedback", ":material/feedback:", needs_snapshot=False),
    View("rounds", "views/rounds.py", "Review rounds", ":material/groups:", ("steering",), needs_snapshot=False),
    View("calibration", "views/calibration.py", "Review calibration", ":material/balance:", ("steering",),
         needs_snapshot=False),
)
BY_KEY = {v.key: v for v in VIEWS}


def views_for(role: str) -> list[View]:
    return [v for v in VIEWS if role in v.roles]


@st.cache_resource(show_spinner=False)
def _store(path: str) -> AccountStore:
    return AccountStore(path)


def paths() -> Paths:
    return Paths.from_env()


def store() -> AccountStore:
    return _store(str(store_path(paths())))


def request_cookies() -> dict[str, str]:
    """The cookies of the browser connection this run serves (tests replace this function)."""
    return dict(st.context.cookies)


def _forget_session_state() -> None:
    for key in list(st.session_state.keys()):
        del st.session_state[key]


def current_viewer() -> Viewer | None:
    """The account whose live sign-in session cookie this connection carries, else ``None``.

    A Streamlit session belongs to the sign-in that first ran it: if the cookie now names another
    sign-in (or none), everything the session held is forgotten before anything is drawn."""
    token = request_cookies().get(web.COOKIE)
    user = store().session_user(token) if token else None
    digest = token_hash(token) if user is not None else None
    bound = st.session_state.get(SIGNED_IN_KEY)
    if bound is not None and bound != digest:
        _forget_session_state()
    if user is None:
        return None
    st.session_state[SIGNED_IN_KEY] = digest
    ctx = get_script_run_ctx()
    if ctx is not None:
        web.bind(ctx.session_id, digest)
    return Viewer(user, store())


def sign_in_link(message: str) -> None:
    """Say why the page cannot be shown and link to the sign-in page (which returns here)."""
    st.warning(message, icon=":material/lock:")
    st.link_button("Sign in", web.SIGN_IN, type="primary", icon=":material/login:")


def signed_out_page() -> None:
    """Drawn when no live sign-in comes with the connection (the session ended while the page was open:
    signed out in another tab, timed out, or the account disabled)."""
    st.title("techbench")
    sign_in_link("You are not signed in (your session has ended): please sign in again.")


def download_link(label: str, kind: str, **params: str) -> None:
    """A button that downloads a file made when clicked, for this sign-in only (``dashboards.web``)."""
    digest = st.session_state.get(SIGNED_IN_KEY)
    if digest is not None:
        st.link_button(label, web.issue_ticket(digest, kind, **params), icon=":material/download:")


def sign_out() -> None:
    store().end_session(request_cookies().get(web.COOKIE))  # the cookie stops working in every tab
    _forget_session_state()


def sidebar(viewer: Viewer) -> None:
    with st.sidebar:
        who = ROLE_NAMES[viewer.role] + (f" · {viewer.signatory}" if viewer.signatory else "")
        st.markdown(f"**{ui.plain(viewer.user.username)}**  \n{ui.plain(who)}")
        st.button("Sign out", on_click=sign_out, icon=":material/logout:")


@dataclass(frozen=True)
class Frame:
    viewer: Viewer
    snap: Snapshot | None


def open_view(key: str) -> Frame:
    """Check the account and its role for this view, then draw the common header.

    Stops the script (``st.stop``) with a message when the view may not be shown."""
    view = BY_KEY[key]
    viewer = current_viewer()
    if viewer is None:
        sign_in_link("Please sign in to continue.")
        st.stop()
    if viewer.role not in view.roles:
        st.error(f"“{view.title}” is not available to {ROLE_NAMES[viewer.role].lower()} accounts.")
        st.stop()
    st.title(view.title)
    home = paths()
    current = published(home)
    if current is None:
        if view.needs_snapshot:
            st.info("No data has been published yet: the pipeline publishes a snapshot after its first run.")
            st.stop()
        return Frame(viewer, None)
    info = current.info
    when = info.published_at.astimezone(dt.UTC).strftime("%d %b %Y, %H:%M UTC")
    st.caption(f"Data as of {when} · snapshot {info.version}")
    if info.synthetic:
        st.warning("**SYNTHETIC RETURNS** — the returns were generated for demonstration and testing; they "
                   "are not what these institutions submitted. The signatory register and the HESA figures "
                   "are real.", icon=":material/science:")
    return Frame(viewer, Snapshot(home, current))


def stop_if_denied(exc: Denied) -> None:
    st.error(str(exc), icon=":material/block:")
    st.stop()
