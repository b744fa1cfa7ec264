"""Where a round stands, for the steering group: each submission's review state, what is due and
overdue, reminders (sent over SMTP when configured, always kept in the outbox), every score and
comment of a round as a table to export, and the calibration figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dashboards.accounts.database import User, now_text
from dashboards.review.common import require_role
from dashboards.review.consensus import CONSENSUS, Consensuses

#: A submission's review state, in the order a round moves through them.
STATES = ("unassigned", "assigned", "in review", "consensus", "released")


@dataclass(frozen=True)
class SubmissionState:
    round_id: str
    submission_id: str
    label: str
    state: str
    lead: str | None
    team: tuple[str, ...]
    reviews_submitted: int
    reviews_started: int
    due: dt.date | None  # the next date that matters: reviews due, then consensus due
    overdue: bool


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    created_at: str
    recipient: str
    address: str | None
    subject: str
    body: str
    status: str
    detail: str


class Tracking(Consensuses):
    def states(self, actor: User, round_id: str, today: dt.date | None = None) -> list[SubmissionState]:
        """Every submission of the round with its state (steering group only)."""
        require_role(self, actor, "steering")
        current = self.round(round_id)
        today = today or dt.date.today()
        with self._read() as con:
            reviews = {(r[0], r[1]): r[2] for r in con.execute(
                "SELECT submission_id, username, state FROM reviews WHERE round_id = ?", (round_id,))}
            consensus = dict(con.execute("SELECT submission_id, state FROM consensus WHERE round_id = ?", (round_id,)))
        members: dict[str, list] = {}
        for m in self.members(round_id):
            members.setdefault(m.submission_id, []).append(m)
        out = []
        for sub in self.round_submissions(round_id):
            team = members.get(sub.submission_id, [])
            confirmed = [m for m in team if m.status == "confirmed"]
            submitted = sum(reviews.get((sub.submission_id, m.username)) == "submitted" for m in confirmed)
            started = sum((sub.submission_id, m.username) in reviews for m in confirmed)
            agreed = consensus.get(sub.submission_id)
            if agreed == "released":
                state = "released"
            elif agreed is not None or (confirmed and submitted == len(confirmed)):
                state = "consensus"
            elif started or any(m.declaration for m in confirmed):
                state = "in review"
            elif confirmed:
                state = "assigned"
            else:
                state = "unassigned"
            # an agreed consensus waits for the steering group's release, not for the team
            due = None if agreed == "agreed" else {"assigned": current.review_due, "in review": current.review_due,
                                                   "consensus": current.consensus_due}.get(state)
            out.append(SubmissionState(round_id, sub.submission_id, sub.label, state,
                                       next((m.username for m in team if m.is_lead), None),
                                       tuple(m.username for m in team), submitted, started, due,
                                       due is not None and today > due and current.status == "open"))
        return out

    def review_states(self, actor: User, today: dt.date | None = None) -> dict[tuple[str, int], str]:
        """(signatory, stage) -> the review state of its submission in the latest round that has it (steering
        group only), for the submission tracker."""
        require_role(self, actor, "steering")
        out: dict[tuple[str, int], str] = {}
        for rnd in sorted((r for r in self.rounds() if r.kind == "round"), key=lambda r: (r.opened_at, r.id)):
            subs = {s.submission_id: s for s in self.round_submissions(rnd.id)}
            for state in self.states(actor, rnd.id, today):
                sub = subs[state.submission_id]
                out[(sub.signatory, int(sub.stage))] = state.state + (" (overdue)" if state.overdue else "")
        return out

    def tasks(self, round_id: str):
        """What each person still has to do in an open round (``pipeline.review.reminders.Task``)."""
        from pipeline.review.reminders import Task

        current = self.round(round_id)
        if current is None or current.status != "open":
            return []
        with self._read() as con:
            rows = con.execute("""SELECT m.username, p.email, m.submission_id, s.signatory_name, s.stage, m.slot,
                                         m.declaration, coalesce(r.state, ''), coalesce(c.state, '')
                                  FROM team_members m JOIN round_submissions s USING (round_id, submission_id)
                                  LEFT JOIN reviewer_profiles p USING (username)
                                  LEFT JOIN reviews r USING (round_id, submission_id, username)
                                  LEFT JOIN consensus c USING (round_id, submission_id)
                                  WHERE m.round_id = ? AND m.status = 'confirmed'
                                  ORDER BY m.username, m.submission_id""", (round_id,)).fetchall()
        pending = {}
        for name, _, sid, _, _, _, _, state, _ in rows:
            pending[sid] = pending.get(sid, 0) + (state != "submitted")
        out = []
        for name, email, sid, inst, stage, slot, declaration, state, agreed in rows:
            label = f"{inst}, stage {stage} (round {round_id})"
            if declaration is None:
                out.append(Task(name, email, "declaration", label, current.review_due))
            elif state != "submitted":
                out.append(Task(name, email, "review", label, current.review_due))
            elif slot == 0 and not pending[sid] and agreed not in ("agreed", "released"):
                out.append(Task(name, email, "consensus", label, current.consensus_due))
        return out

    def send_reminders(self, actor: User, today: dt.date | None = None, settings=None,
                       dashboard_url: str | None = None) -> list[OutboxEntry]:
        """Compose reminders for what is due soon or overdue in every open round, send them when e-mail
        is configured, and keep each in the outbox with what happened (steering group only)."""
        from pipeline.review import reminders

        require_role(self, actor, "steering")
        settings = settings or reminders.mail_settings()
        tasks = [t for r in self.rounds() if r.status == "open" for t in self.tasks(r.id)]
        messages = reminders.compose(tasks, today or dt.date.today(), dashboard_url=dashboard_url)
        results = reminders.send(messages, settings)
        stamp = now_text()
        with self._write() as con:
            ids = [con.execute("""INSERT INTO outbox (created_at, recipient, address, subject, body, status, detail)
                                  VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id""",
                               (stamp, m.recipient, m.to, m.subject, m.body, res.status, res.detail)).fetchone()[0]
                   for m, res in zip(messages, results)]
        self.audit(actor, "review.remind", "outbox", {"messages": len(ids), "e-mail on": settings.enabled})
        return [e for e in self.outbox(actor) if e.id in set(ids)]

    def outbox(self, actor: User, limit: int = 500) -> list[OutboxEntry]:
        """Reminders composed so far, newest first (steering group only)."""
        require_role(self, actor, "steering")
        with self._read() as con:
            rows = con.execute("SELECT id, created_at, recipient, address, subject, body, status, detail FROM outbox "
                               "ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [OutboxEntry(*r) for r in rows]

    # --- exports and calibration (steering group only) ---------------------------------------------

    def score_rows(self, actor: User, round_id: str) -> list[dict]:
        """Every score and narrative of a round, reviewers' and the consensus's, one row per theme."""
        require_role(self, actor, "steering")
        with self._read() as con:
            rows = con.execute("""SELECT t.submission_id, s.signatory, s.stage,
                                         CASE t.username WHEN '' THEN '(consensus)' ELSE t.username END,
                                         coalesce(r.state, c.state), t.theme, t.level, t.strengths, t.areas
                                  FROM review_themes t JOIN round_submissions s USING (round_id, submission_id)
                                  LEFT JOIN reviews r USING (round_id, submission_id, username)
                                  LEFT JOIN consensus c ON c.round_id = t.round_id AND c.submission_id = t.submission_id
                                       AND t.username = ''
                                  WHERE t.round_id = ? ORDER BY s.signatory, s.stage, t.username = '', t.username, t.theme""",
                               (round_id,)).fetchall()
        keys = ("submission_id", "signatory", "stage", "reviewer", "state", "theme", "level", "strengths",
                "areas_to_develop")
        return [dict(zip(keys, r)) for r in rows]

    def comment_rows(self, actor: User, round_id: str) -> list[dict]:
        require_role(self, actor, "steering")
        with self._read() as con:
            rows = con.execute("""SELECT c.submission_id, s.signatory, s.stage, c.username, c.theme, c.anchor, c.text,
                                         c.created_at FROM review_comments c JOIN round_submissions s
                                         USING (round_id, submission_id) WHERE c.round_id = ? ORDER BY c.id""",
                               (round_id,)).fetchall()
        keys = ("submission_id", "signatory", "stage", "reviewer", "theme", "anchor", "comment", "created_at")
        return [dict(zip(keys, r)) for r in rows]

    def calibration(self, actor: User, round_id: str):
        """(alpha overall and per theme, each reviewer's distance from consensus) for a round's submitted
        reviews (steering group only)."""
        from pipeline.review.calibration import ConsensusScore, Score, distances_from_consensus, round_agreement

        rows = [r for r in self.score_rows(actor, round_id)]
        scores = [Score(r["submission_id"], r["theme"], r["reviewer"], r["level"]) for r in rows
                  if r["reviewer"] != "(consensus)" and r["state"] == "submitted"]
        agreed = [ConsensusScore(r["submission_id"], r["theme"], r["level"]) for r in rows
                  if r["reviewer"] == "(consensus)" and r["state"] in ("agreed", "released")]
        return round_agreement(scores), distances_from_consensus(scores, agreed)


__all__ = ["CONSENSUS", "STATES", "OutboxEntry", "SubmissionState", "Tracking"]
