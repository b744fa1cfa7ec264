"""Demo accounts, one per role, for `techbench demo` on SYNTHETIC returns (of the real register by default).

Passwords are made afresh at each demo (never stored in the repository), printed, and kept in
``<home>/demo-logins.txt`` (owner-only) so that a later ``techbench serve`` can show them again.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from dashboards.accounts import AccountStore
from dashboards.serve import write_private
from pipeline.ids import submission_signatory, submission_stage
from pipeline.settings import Paths
from pipeline.store.snapshot import open_snapshot

LOGINS_FILE = "demo-logins.txt"
INSTITUTION = "imperial"  # a real founding signatory (seeds); its returns in the demo are synthetic
REVIEWER_OWN = "essex"  # the reviewer's own institution, which they are never assigned


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    note: str


def create_demo_accounts(paths: Paths, reviews: int = 3) -> list[DemoLogin]:
    """(Re)create the three demo accounts with new passwords; the reviewer is assigned the latest
    accepted submissions of ``reviews`` signatories (the demo institution's among them)."""
    store = AccountStore.for_paths(paths)
    with open_snapshot(paths) as con:
        slugs = {r[0] for r in con.sql("SELECT slug FROM signatories").fetchall()}
        latest = [r[0] for r in con.sql("""
            SELECT submission_id FROM submissions WHERE is_latest_valid AND signatory <> ?
            QUALIFY stage = max(stage) OVER (PARTITION BY signatory)
            ORDER BY signatory = ? DESC, signatory""", params=[REVIEWER_OWN, INSTITUTION]).fetchall()]
    institution = INSTITUTION if INSTITUTION in slugs else sorted(slugs)[0]
    own = REVIEWER_OWN if REVIEWER_OWN in slugs else None
    wanted = [("steering", "steering", None), ("reviewer", "reviewer", own), ("institution", "institution", institution)]
    logins = []
    for username, role, signatory in wanted:
        password = secrets.token_urlsafe(12)
        if store.get_user(username) is None:
            store.add_user(username, password, role, signatory)
        else:
            store.set_password(username, password)
        logins.append((username, password, role, signatory))
    assigned = latest[:reviews]
    for submission_id in assigned:
        store.assign("reviewer", submission_id)
    notes = {"steering": "sees everything",
             "reviewer": f"of {own or 'no institution'}; assigned {len(assigned)} submissions: "
                         + ", ".join(f"{submission_signatory(s)} stage {submission_stage(s)}" for s in assigned),
             "institution": f"{institution}: its own returns in full, peers anonymised; can upload"}
    result = [DemoLogin(u, p, r, notes[r]) for u, p, r, _ in logins]
    path = paths.home / LOGINS_FILE
    path.unlink(missing_ok=True)
    write_private(path, "".join(f"{d.username}\t{d.password}\t{d.role}\t{d.note}\n" for d in result))
    return result


def saved_logins(paths: Paths) -> list[DemoLogin]:
    try:
        lines = (paths.home / LOGINS_FILE).read_text().splitlines()
    except OSError:
        return []
    return [DemoLogin(*line.split("\t", 3)) for line in lines if line.count("\t") == 3]
