"""Review rounds and their teams: open a round for a submission window, propose and adjust teams,
confirm them, the reviewers' conflict declarations, and replacements after a recusal.

A member's ``status`` moves proposed -> confirmed, then recused (they declared a conflict) or removed
(the steering group replaced them). Access to the submission is granted only when a confirmed
member declares "no conflict" (an ``assignments`` row, the one grant every dashboard read checks),
and taken back on removal. A replaced member's review, if started, is kept.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, replace

from dashboards.accounts.database import User, normalise_username, now_text
from dashboards.review.common import Audited, ReviewError, require_role
from dashboards.review.reviewers import Reviewers
from pipeline.review.assignment import Proposal, Replacement, Team, propose, reassign
from pipeline.review.panel import Submission, TeamSettings, exclusion

ACTIVE = ("proposed", "confirmed")


@dataclass(frozen=True)
class RoundSubmission:
    submission_id: str
    signatory: str
    signatory_name: str
    signatory_type: str
    stage: int

    def as_submission(self) -> Submission:
        return Submission(self.submission_id, self.signatory, self.signatory_type)

    @property
    def label(self) -> str:
        return f"{self.signatory_name}, stage {self.stage}"


@dataclass(frozen=True)
class Round:
    id: str
    kind: str
    window_closes: dt.date
    review_due: dt.date
    consensus_due: dt.date
    team_size: int
    status: str
    opened_by: str
    opened_at: str
    closed_at: str | None


@dataclass(frozen=True)
class Member:
    round_id: str
    submission_id: str
    username: str
    slot: int
    status: str
    declaration: str | None
    reason: str | None

    @property
    def is_lead(self) -> bool:
        return self.slot == 0


ROUND_COLUMNS = ("id, kind, window_closes, review_due, consensus_due, team_size, status, opened_by, opened_at, "
                 "closed_at")
MEMBER_COLUMNS = "round_id, submission_id, username, slot, status, declaration, reason"


def _round(row) -> Round:
    day = dt.date.fromisoformat
    return Round(row[0], row[1], day(row[2]), day(row[3]), day(row[4]), *row[5:])


class Rounds(Reviewers, Audited):
    # --- rounds -----------------------------------------------------------------------------------

    def open_round(self, actor: User, window: dt.date, review_due: dt.date, consensus_due: dt.date,
                   submissions: list[RoundSubmission], *, team_size: int = 3, kind: str = "round",
                   round_id: str | None = None) -> Round:
        """Open a round on ``submissions`` (the accepted submissions of the window, or a calibration
        sample); steering group only."""
        require_role(self, actor, "steering")
        round_id = round_id or (window.strftime("%Y-%m") if kind == "round" else f"calibration-{window.isoformat()}")
        if not submissions:
            raise ReviewError(f"no accepted submissions to review in the window closing {window:%d %b %Y}")
        if consensus_due < review_due:
            raise ReviewError("the consensus is due after the reviews, not before")
        if team_size < 1:
            raise ReviewError("a team needs at least one reviewer (its lead)")
        with self._write() as con:
            if con.execute("SELECT 1 FROM review_rounds WHERE id = ?", (round_id,)).fetchone():
                raise ReviewError(f"round {round_id} is already open (or was): one round per window")
            con.execute(f"INSERT INTO review_rounds ({ROUND_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, NULL)",
                        (round_id, kind, window.isoformat(), review_due.isoformat(), consensus_due.isoformat(),
                         team_size, actor.username, now_text()))
            con.executemany("""INSERT INTO round_submissions (round_id, submission_id, signatory, signatory_name,
                                      signatory_type, stage) VALUES (?, ?, ?, ?, ?, ?)""",
                            [(round_id, s.submission_id, s.signatory, s.signatory_name, s.signatory_type, s.stage)
                             for s in submissions])
        self.audit(actor, "review.round.open", round_id, {"kind": kind, "window": window.isoformat(),
                                                           "review_due": review_due.isoformat(),
                                                           "consensus_due": consensus_due.isoformat(),
                                                           "submissions": len(submissions), "team_size": team_size})
        return self.round(round_id)

    def round(self, round_id: str) -> Round | None:
        with self._read() as con:
            row = con.execute(f"SELECT {ROUND_COLUMNS} FROM review_rounds WHERE id = ?", (round_id,)).fetchone()
        return None if row is None else _round(row)

    def rounds(self) -> list[Round]:
        """Every round, newest first."""
        with self._read() as con:
            rows = con.execute(f"SELECT {ROUND_COLUMNS} FROM review_rounds ORDER BY opened_at DESC, id DESC").fetchall()
        return [_round(r) for r in rows]

    def _open(self, round_id: str) -> Round:
        current = self.round(round_id)
        if current is None:
            raise ReviewError(f"there is no round {round_id!r}")
        if current.status != "open":
            raise ReviewError(f"round {round_id} is closed")
        return current

    def round_submissions(self, round_id: str) -> list[RoundSubmission]:
        with self._read() as con:
            rows = con.execute("""SELECT submission_id, signatory, signatory_name, signatory_type, stage
                                  FROM round_submissions WHERE round_id = ? ORDER BY signatory_name, stage""",
                               (round_id,)).fetchall()
        return [RoundSubmission(*r) for r in rows]

    def round_submission(self, round_id: str, submission_id: str) -> RoundSubmission:
        for s in self.round_submissions(round_id):
            if s.submission_id == submission_id:
                return s
        raise ReviewError(f"{submission_id} is not in round {round_id}")

    def close_round(self, actor: User, round_id: str) -> Round:
        """Close a round once every submission's feedback is released (a calibration round any time)."""
        require_role(self, actor, "steering")
        current = self._open(round_id)
        with self._write() as con:
            pending = con.execute("""SELECT count(*) FROM round_submissions s LEFT JOIN consensus c
                                     USING (round_id, submission_id) WHERE s.round_id = ?
                                     AND coalesce(c.state, '') <> 'released'""", (round_id,)).fetchone()[0]
            if pending and current.kind == "round":
                raise ReviewError(f"{pending} submission(s) of round {round_id} have no released feedback yet")
            con.execute("UPDATE review_rounds SET status = 'closed', closed_at = ? WHERE id = ?", (now_text(), round_id))
        self.audit(actor, "review.round.close", round_id)
        return self.round(round_id)

    # --- teams ------------------------------------------------------------------------------------

    def members(self, round_id: str, submission_id: str | None = None, *, active_only: bool = True) -> list[Member]:
        """The round's team members (of one submission if given), lead first; only proposed and confirmed
        ones unless ``active_only`` is False."""
        sql = f"SELECT {MEMBER_COLUMNS} FROM team_members WHERE round_id = ?"
        params: list = [round_id]
        if submission_id is not None:
            sql, params = sql + " AND submission_id = ?", [*params, submission_id]
        if active_only:
            sql += " AND status IN ('proposed', 'confirmed')"
        with self._read() as con:
            rows = con.execute(sql + " ORDER BY submission_id, slot, username", params).fetchall()
        return [Member(*r) for r in rows]

    def teams(self, round_id: str) -> dict[str, Team]:
        out: dict[str, list[str]] = {s.submission_id: [] for s in self.round_submissions(round_id)}
        for m in self.members(round_id):
            out[m.submission_id].append(m.username)
        return {sid: Team(sid, tuple(names)) for sid, names in out.items()}

    @staticmethod
    def _settings(current: Round) -> TeamSettings:
        """Teams of the round's size, with training completed by today (a reviewer trained during the
        round can take a place freed by a recusal)."""
        return TeamSettings(team_size=current.team_size, as_of=dt.date.today())

    def propose_teams(self, actor: User, round_id: str) -> Proposal:
        """Propose teams for the submissions not yet confirmed (steering group); the proposal is saved
        as 'proposed' members for the steering group to adjust and confirm."""
        require_role(self, actor, "steering")
        current = self._open(round_id)
        confirmed = {m.submission_id for m in self.members(round_id) if m.status == "confirmed"}
        todo = [s.as_submission() for s in self.round_submissions(round_id) if s.submission_id not in confirmed]
        panel = self.panel(round_id)
        held = Counter(m.username for m in self.members(round_id) if m.status == "confirmed")
        reviewers = [replace(r, max_load=max(0, r.max_load - held[r.username])) for r in panel]
        proposal = propose(todo, reviewers, self._settings(current))
        with self._write() as con:
            for sid, team in proposal.teams.items():
                con.execute("DELETE FROM team_members WHERE round_id = ? AND submission_id = ? AND status = 'proposed'",
                            (round_id, sid))
                con.executemany(f"INSERT INTO team_members ({MEMBER_COLUMNS}) VALUES (?, ?, ?, ?, 'proposed', NULL, NULL)",
                                [(round_id, sid, name, slot) for slot, name in enumerate(team.members)])
        self.audit(actor, "review.teams.propose", round_id, {"submissions": len(todo),
                                                              "short": [str(s) for s in proposal.shortfalls]})
        return proposal

    def check_team(self, round_id: str, submission_id: str, names: list[str]) -> list[str]:
        """What breaks the hard rules in giving ``submission_id`` the team ``names`` (empty: nothing)."""
        current = self._open(round_id)
        sub = self.round_submission(round_id, submission_id).as_submission()
        panel = {r.username: r for r in self.panel(round_id)}
        load = Counter(m.username for m in self.members(round_id) if m.submission_id != submission_id)
        problems = []
        if len(set(names)) != len(names):
            problems.append("a reviewer is listed twice")
        for name in names:
            reviewer = panel.get(name)
            if reviewer is None:
                problems.append(f"{name}: no reviewer profile (or the account is disabled)")
            elif (why := exclusion(reviewer, sub, self._settings(current))) is not None:
                problems.append(f"{name}: {why}")
            elif load[name] + 1 > reviewer.max_load:
                problems.append(f"{name}: would exceed their maximum of {reviewer.max_load} in this round")
        return problems

    def set_team(self, actor: User, round_id: str, submission_id: str, names: list[str]) -> None:
        """Replace a not-yet-confirmed team's proposal (lead first); refused if it breaks a hard rule."""
        require_role(self, actor, "steering")
        names = [normalise_username(n) for n in names if n.strip()]
        if any(m.status == "confirmed" for m in self.members(round_id, submission_id)):
            raise ReviewError("this team is confirmed: replace members one at a time instead")
        if problems := self.check_team(round_id, submission_id, names):
            raise ReviewError("; ".join(problems))
        with self._write() as con:
            con.execute("DELETE FROM team_members WHERE round_id = ? AND submission_id = ? AND status = 'proposed'",
                        (round_id, submission_id))
            con.executemany(f"INSERT INTO team_members ({MEMBER_COLUMNS}) VALUES (?, ?, ?, ?, 'proposed', NULL, NULL)",
                            [(round_id, submission_id, name, slot) for slot, name in enumerate(names)])
        self.audit(actor, "review.team.set", submission_id, {"round": round_id, "team": names})

    def confirm_teams(self, actor: User, round_id: str) -> int:
        """Confirm every proposed member of the round; returns how many were confirmed."""
        require_role(self, actor, "steering")
        self._open(round_id)
        with self._write() as con:
            rows = con.execute("""UPDATE team_members SET status = 'confirmed' WHERE round_id = ? AND status = 'proposed'
                                  RETURNING submission_id, username, slot""", (round_id,)).fetchall()
        self.audit_many(actor, [("review.assign", sid, {"round": round_id, "reviewer": name, "lead": slot == 0})
                                for sid, name, slot in sorted(rows)])
        return len(rows)

    # --- declarations and replacements -------------------------------------------------------------

    def _membership(self, con, round_id: str, submission_id: str, username: str):
        return con.execute("SELECT status, declaration, slot FROM team_members WHERE round_id = ? AND submission_id = ? "
                           "AND username = ?", (round_id, submission_id, username)).fetchone()

    def declare(self, actor: User, round_id: str, submission_id: str, *, conflict: bool, reason: str = "") -> None:
        """A team member's declaration before opening the submission: no conflict (access is granted)
        or a conflict (they recuse; the reason is recorded as a declared conflict and the slot is freed)."""
        require_role(self, actor, "reviewer")
        self._open(round_id)
        sub = self.round_submission(round_id, submission_id)
        if conflict and not reason.strip():
            raise ReviewError("say why you recuse: the reason is kept with your declared conflicts")
        with self._write() as con:
            row = self._membership(con, round_id, submission_id, actor.username)
            if row is None or row[0] != "confirmed":
                raise ReviewError("you are not on this submission's confirmed team")
            if row[1] is not None:
                raise ReviewError(f"you have already declared ({row[1]})")
            if not conflict and con.execute("SELECT 1 FROM reviewer_conflicts WHERE username = ? AND signatory = ?",
                                            (actor.username, sub.signatory)).fetchone():
                raise ReviewError(f"a conflict with {sub.signatory_name} is on record for you: recuse instead")
            stamp = now_text()
            if conflict:
                con.execute("""UPDATE team_members SET status = 'recused', declaration = 'recused', declared_at = ?,
                               reason = ? WHERE round_id = ? AND submission_id = ? AND username = ?""",
                            (stamp, reason.strip(), round_id, submission_id, actor.username))
                self._add_conflict(con, actor.username, sub.signatory, reason)
            else:
                con.execute("""UPDATE team_members SET declaration = 'no conflict', declared_at = ?
                               WHERE round_id = ? AND submission_id = ? AND username = ?""",
                            (stamp, round_id, submission_id, actor.username))
                con.execute("INSERT OR IGNORE INTO assignments (username, submission_id, assigned_at) VALUES (?, ?, ?)",
                            (actor.username, submission_id, stamp))
        self.audit(actor, "review.recuse" if conflict else "review.declare", submission_id,
                   {"round": round_id, **({"reason": reason.strip()} if conflict else {"declaration": "no conflict"})})

    def propose_replacement(self, actor: User, round_id: str, submission_id: str, leaving: str) -> Replacement:
        """Who could take ``leaving``'s slot, under the same rules (reviewers who recused before are left out)."""
        require_role(self, actor, "steering")
        current = self._open(round_id)
        teams = self.teams(round_id)
        leaving = normalise_username(leaving)
        recused = [m.username for m in self.members(round_id, submission_id, active_only=False) if m.status == "recused"]
        if leaving in recused:  # a recused member has left the team already: give the slot back to replace
            slot = next(m.slot for m in self.members(round_id, submission_id, active_only=False) if m.username == leaving)
            names = list(teams[submission_id].members)
            names.insert(min(slot, len(names)), leaving)
            teams[submission_id] = Team(submission_id, tuple(names))
        return reassign(teams, self.round_submission(round_id, submission_id).as_submission(), leaving,
                        self.panel(round_id), self._settings(current), exclude=recused)

    def replace_member(self, actor: User, round_id: str, submission_id: str, leaving: str, joining: str) -> None:
        """Put ``joining`` in ``leaving``'s slot (and role). ``leaving`` loses access; a review they
        started is kept, never discarded."""
        require_role(self, actor, "steering")
        leaving, joining = normalise_username(leaving), normalise_username(joining)
        with self._read() as con:
            row = self._membership(con, round_id, submission_id, leaving)
        if row is None or row[0] not in ("confirmed", "recused", "proposed"):
            raise ReviewError(f"{leaving} is not on this submission's team")
        others = [m.username for m in self.members(round_id, submission_id) if m.username != leaving]
        problems = [p for p in self.check_team(round_id, submission_id, others + [joining])
                    if p.startswith(f"{joining}:") or "twice" in p]
        if problems:
            raise ReviewError("; ".join(problems))
        status = "confirmed" if row[0] != "proposed" else "proposed"
        with self._write() as con:
            con.execute("""UPDATE team_members SET status = CASE status WHEN 'recused' THEN 'recused' ELSE 'removed' END,
                           slot = -1 - slot WHERE round_id = ? AND submission_id = ? AND username = ?""",
                        (round_id, submission_id, leaving))
            con.execute("DELETE FROM assignments WHERE username = ? AND submission_id = ?", (leaving, submission_id))
            con.execute(f"""INSERT INTO team_members ({MEMBER_COLUMNS}) VALUES (?, ?, ?, ?, ?, NULL, NULL)
                            ON CONFLICT (round_id, submission_id, username) DO UPDATE SET status = excluded.status,
                            slot = excluded.slot, declaration = NULL, reason = NULL""",
                        (round_id, submission_id, joining, row[2] if row[2] >= 0 else -1 - row[2], status))
        self.audit(actor, "review.reassign", submission_id, {"round": round_id, "leaving": leaving, "joining": joining})
