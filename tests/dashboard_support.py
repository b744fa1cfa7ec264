"""A published SYNTHETIC sector with one account per role, shared by the dashboard's AppTest and
browser tests (built once per test session: generating and running it takes a while)."""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from dashboards import session, web
from dashboards.accounts import AccountStore
from pipeline.run import run_pipeline
from pipeline.settings import Paths
from pipeline.store.snapshot import open_snapshot
from pipeline.synthetic import generate, read_manifest

AS_OF = dt.date(2026, 11, 1)
PASSWORD = "correct horse battery"  # test accounts only, in a temporary home
INSTITUTION = "imperial"
OTHER_INSTITUTION = "essex"  # the reviewer's own institution
APP = Path(__file__).resolve().parent.parent / "dashboards" / "app.py"
EXAMPLE = Path(__file__).resolve().parent.parent / "plugins" / "official_form" / "samples" / \
    "example_return_northgate_stage1.docx"


@dataclass(frozen=True)
class DashboardHome:
    paths: Paths
    store: AccountStore
    assigned: list[str]  # the reviewer's submissions
    unassigned: list[str]  # accepted submissions of other signatories, not assigned to the reviewer
    own_institution: list[str]  # INSTITUTION's submissions
    other_institution: list[str]  # OTHER_INSTITUTION's submissions


def build_home(root: Path, signatories: int = 30, stages: int = 3, seed: int = 4) -> DashboardHome:
    from test_pipeline import land_sector

    sector = root / "sector"
    generate(sector, signatories=signatories, stages=stages, seed=seed, as_of=AS_OF, workers=1)
    paths = Paths.from_env(root / "home")
    land_sector(sector, paths, read_manifest(sector))
    assert run_pipeline(paths, quality=True).success
    store = AccountStore.for_paths(paths)
    store.add_user("steer", PASSWORD, "steering")
    store.add_user("rev", PASSWORD, "reviewer", OTHER_INSTITUTION)
    store.add_user("inst", PASSWORD, "institution", INSTITUTION)
    store.add_user("other", PASSWORD, "institution", OTHER_INSTITUTION)
    with open_snapshot(paths) as con:
        ids = [r[0] for r in con.sql("SELECT submission_id FROM submissions WHERE is_latest_valid "
                                     "ORDER BY signatory, stage").fetchall()]
        by = lambda slug: [r[0] for r in con.sql(  # noqa: E731
            "SELECT submission_id FROM submissions WHERE signatory = ? ORDER BY stage", params=[slug]).fetchall()]
        own, other = by(INSTITUTION), by(OTHER_INSTITUTION)
    others = [i for i in ids if not i.startswith((INSTITUTION + "|", OTHER_INSTITUTION + "|"))]
    assigned = [own[-1], others[0]]
    for submission_id in assigned:
        store.assign("rev", submission_id)
    unassigned = [i for i in others if i not in assigned]
    return DashboardHome(paths, store, assigned, unassigned, own, other)


# --- signing in under AppTest ----------------------------------------------------------------------
# AppTest runs the app without a browser, so there is no cookie: the app reads the sign-in cookie
# through ``session.request_cookies``, which in this test process returns ``COOKIES``.
COOKIES: dict[str, str] = {}
session.request_cookies = lambda: dict(COOKIES)


def signed_in(username: str | None) -> str | None:
    """Make the AppTest "browser" carry a new sign-in session of ``username`` (None: no cookie);
    returns the session token."""
    COOKIES.clear()
    if username is None:
        return None
    token = AccountStore.for_paths(Paths.from_env()).start_session(username)
    COOKIES[web.COOKIE] = token
    return token


# --- the running server -----------------------------------------------------------------------------
SERVER_START_S = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.read().decode().strip() == "ok"
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def served(paths: Paths, log_path: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """The dashboard served as ``techbench serve`` serves it (without the pipeline watcher), on a free
    port; yields its base URL. Fails the test with the server's log if it does not come up."""
    import os

    from dashboards.serve import stop, streamlit_process

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    saved = {k: os.environ.get(k) for k in env or {}}
    os.environ.update(env or {})
    try:
        with open(log_path, "wb") as log:
            process = streamlit_process(paths, port, "127.0.0.1", stdout=log, stderr=subprocess.STDOUT)
    finally:
        for k, v in saved.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
    try:
        deadline = time.monotonic() + SERVER_START_S
        while not healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                state = f"exited with status {process.returncode}" if process.poll() is not None else \
                    f"did not answer {url}/_stcore/health within {SERVER_START_S} s"
                pytest.fail(f"The dashboard server {state}. Its log:\n{log_path.read_text(errors='replace')}")
            time.sleep(0.25)
        yield url
    finally:
        stop(process)
