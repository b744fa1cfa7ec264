"""Signing in, the list of views and who may open each, and the frame every view starts with.

``VIEWS`` is the one list both the navigation (``app.py``) and the views' own checks read: the
menu shows a role only its views, and each view refuses a role not in its list even when reached
directly (hidden navigation is not access control, DESIGN §4 item 10).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st

from dashboards.accounts import ROLES, AccountStore, SignInLocked, store_path
from dashboards.data import Denied, Snapshot, Viewer
from pipeline.settings import Paths
from pipeline.snapshot import published

USER_KEY = "techbench_username"
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


def current_viewer() -> Viewer | None:
    """The signed-in account, read from the store on every rerun (a disabled account is signed out)."""
    username = st.session_state.get(USER_KEY)
    if not username:
        return None
    viewer = Viewer.load(store(), username)
    if viewer is None:
        st.session_state.pop(USER_KEY, None)
    return viewer


def sign_in_page() -> None:
    st.title("techbench")
    st.caption("Benchmarks of the Technician Commitment — sign in with the account the steering group gave you.")
    with st.form("sign_in"):
        username = st.text_input("Username", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        try:
            user = store().authenticate(username, password) if username and password else None
        except SignInLocked as exc:
            st.error(str(exc))
            return
        if user is None:
            st.error("That username and password do not match an active account.")
        else:
            st.session_state[USER_KEY] = user.username
            st.rerun()


def sign_out() -> None:
    for key in list(st.session_state.keys()):
        del st.session_state[key]


def sidebar(viewer: Viewer) -> None:
    with st.sidebar:
        who = ROLE_NAMES[viewer.role] + (f" · {viewer.signatory}" if viewer.signatory else "")
        st.markdown(f"**{viewer.user.username}**  \n{who}")
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
        st.warning("Please sign in to continue.")
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
        st.warning("**SYNTHETIC DATA** — generated for demonstration and testing; these are not real "
                   "institutions' returns.", icon=":material/science:")
    return Frame(viewer, Snapshot(home, current))


def stop_if_denied(exc: Denied) -> None:
    st.error(str(exc), icon=":material/block:")
    st.stop()
