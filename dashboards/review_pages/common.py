"""What the steering group's review pages share: running an action with its outcome kept for the
next run (success above, the refusal next to the form that asked), and choosing a round. The
store and the report's drawing are every review page's: ``dashboards.review_session``."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from dashboards import ui
from dashboards.review import ReviewError, ReviewStore
from dashboards.review.common import require_role
from dashboards.review_session import review_store
from dashboards.session import open_view, stop_if_denied

DONE_KEY = "review_pages_done"


def open_steering_page(key: str):
    """``session.open_view`` for a steering page of peer review, then the store's own role check
    before anything is drawn; returns (the acting account, the store)."""
    frame = open_view(key)
    store = review_store()
    try:
        require_role(store, frame.viewer.user, "steering")
    except ReviewError as exc:
        stop_if_denied(exc)
    return frame.viewer.user, store


def act(form: str, action: Callable[[], object], done: str | Callable[[object], str]) -> None:
    """Run ``action``; on success keep ``done`` (or ``done(result)``) to show at the top, on a
    ``ReviewError`` keep its message for ``form`` (see ``problem``); then run the page again."""
    try:
        result = action()
    except (ReviewError, ValueError) as exc:
        st.session_state[f"{form}_error"] = str(exc)
    else:
        st.session_state.pop(f"{form}_error", None)
        st.session_state[DONE_KEY] = done(result) if callable(done) else done
    st.rerun()


def problem(form: str) -> None:
    """The reason the last action of ``form`` was refused, if it was (shown once)."""
    if (message := st.session_state.pop(f"{form}_error", None)) is not None:
        st.error(ui.plain(message), icon=":material/error:")


def done_message() -> None:
    if (message := st.session_state.pop(DONE_KEY, None)) is not None:
        st.success(ui.plain(message), icon=":material/task_alt:")


def choose_round(store: ReviewStore, key: str, label: str = "Round"):
    """A selectbox of every round, newest first (``None`` when there is none). ``select(key, id)``
    before a rerun makes the next run show that round."""
    rounds = store.rounds()
    if not rounds:
        return None
    if (wanted := st.session_state.pop(f"{key}_next", None)) is not None:
        st.session_state[key] = wanted
    by_id = {r.id: r for r in rounds}
    if st.session_state.get(key) not in by_id:
        st.session_state.pop(key, None)
    chosen = st.selectbox(label, list(by_id), key=key, format_func=lambda i: _round_label(by_id[i]))
    return by_id.get(chosen)


def select(key: str, round_id: str) -> None:
    st.session_state[f"{key}_next"] = round_id


def _round_label(r) -> str:
    kind = "calibration exercise" if r.kind == "calibration" else f"window closing {r.window_closes:%d %b %Y}"
    return f"{r.id} · {kind} · {r.status}"


def fmt_date(day) -> str:
    return ui.MISSING if day is None else f"{day:%d %b %Y}"
