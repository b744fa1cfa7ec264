"""The lead's consensus, the steering group's release, and who may read the feedback.

The lead records agreed levels, a narrative per theme, a summary and an outcome (from the rubric's
configurable list) once every current member's review is submitted; the individual reviews are
kept. "Agreed" freezes the reviews; the steering group previews and releases. A released report
is read by the institution (its own), the steering group, and the reviewers of the institution's
later submissions, beside the new one. The report is built from the consensus and the anchored
comments only, so no reviewer's name can reach it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dashboards.accounts.database import User, now_text
from dashboards.review.common import ReviewError, require_role
from dashboards.review.scoring import CONSENSUS, Consensus, Scoring, ThemeScore


@dataclass(frozen=True)
class Released:
    """A released feedback report as a list entry: which submission, when."""

    round_id: str
    submission_id: str
    signatory: str
    signatory_name: str
    stage: int
    released_at: str


class Consensuses(Scoring):
    def _require_lead(self, con, actor: User, round_id: str, submission_id: str) -> None:
        if not self._require_reviewer(con, actor, round_id, submission_id):
            raise ReviewError("only the team's lead records the consensus")

    def pending_reviews(self, round_id: str, submission_id: str) -> list[str]:
        """Current team members whose review is not submitted yet."""
        with self._read() as con:
            rows = con.execute("""SELECT m.username FROM team_members m LEFT JOIN reviews r
                                  USING (round_id, submission_id, username) WHERE m.round_id = ? AND m.submission_id = ?
                                  AND m.status = 'confirmed' AND coalesce(r.state, '') <> 'submitted'
                                  ORDER BY m.username""", (round_id, submission_id)).fetchall()
        return [r[0] for r in rows]

    def save_consensus(self, actor: User, round_id: str, submission_id: str, *, themes: dict[str, ThemeScore],
                       summary: str, outcome: str | None, agree: bool = False) -> Consensus:
        """Record (or update) the consensus; ``agree`` marks it agreed, which needs every theme's level and
        narrative, the summary and an outcome of the rubric."""
        require_role(self, actor, "reviewer")
        self._open(round_id)
        for theme, score in themes.items():
            self._check_theme(theme, score)
        if outcome is not None and outcome not in self.rubric.outcomes:
            raise ReviewError(f"{outcome!r} is not an outcome of the rubric ({', '.join(self.rubric.outcomes)})")
        if waiting := self.pending_reviews(round_id, submission_id):
            raise ReviewError(f"waiting for {len(waiting)} review(s) to be submitted first")
        with self._write() as con:
            self._require_lead(con, actor, round_id, submission_id)
            if self._consensus_state(con, round_id, submission_id) in ("agreed", "released"):
                raise ReviewError("the consensus is already agreed")
            self._write_themes(con, round_id, submission_id, CONSENSUS, themes)
            if agree:
                lacks = self.missing(self._themes(con, round_id, submission_id, CONSENSUS))
                lacks += ["a summary"] if not summary.strip() else []
                lacks += ["an outcome"] if outcome is None else []
                if lacks:
                    raise ReviewError("before agreeing, complete: " + "; ".join(lacks))
            con.execute("""INSERT INTO consensus (round_id, submission_id, state, outcome, summary, recorded_by, recorded_at)
                           VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET state = excluded.state,
                           outcome = excluded.outcome, summary = excluded.summary, recorded_by = excluded.recorded_by,
                           recorded_at = excluded.recorded_at""",
                        (round_id, submission_id, "agreed" if agree else "draft", outcome, summary.strip(),
                         actor.username, now_text()))
        self.audit(actor, "review.consensus.agree" if agree else "review.consensus.save", submission_id,
                   {"round": round_id, "outcome": outcome, "levels": {t: s.level for t, s in themes.items()}})
        return self._consensus(round_id, submission_id)

    def return_consensus(self, actor: User, round_id: str, submission_id: str, reason: str) -> None:
        """The steering group sends an agreed (not yet released) consensus back to the lead."""
        require_role(self, actor, "steering")
        self._open(round_id)
        if not reason.strip():
            raise ReviewError("say why it goes back: the lead reads the reason")
        with self._write() as con:
            if con.execute("UPDATE consensus SET state = 'draft' WHERE round_id = ? AND submission_id = ? "
                           "AND state = 'agreed'", (round_id, submission_id)).rowcount == 0:
                raise ReviewError("only an agreed, unreleased consensus can be sent back")
        self.audit(actor, "review.consensus.return", submission_id, {"round": round_id, "reason": reason.strip()})

    def _consensus(self, round_id: str, submission_id: str) -> Consensus | None:
        with self._read() as con:
            row = con.execute("""SELECT state, outcome, summary, released_at FROM consensus WHERE round_id = ?
                                 AND submission_id = ?""", (round_id, submission_id)).fetchone()
            themes = self._themes(con, round_id, submission_id, CONSENSUS)
        return None if row is None else Consensus(round_id, submission_id, row[0], row[1], row[2], themes, row[3])

    def consensus(self, actor: User, round_id: str, submission_id: str) -> Consensus | None:
        """The consensus as the steering group or a current team member sees it (institutions read the report)."""
        role = require_role(self, actor, "steering", "reviewer")
        if role == "reviewer":
            with self._read() as con:
                member = self._role_on(con, round_id, submission_id, actor.username)
            if member is None or member[0] != "confirmed":
                return None
        return self._consensus(round_id, submission_id)

    def release(self, actor: User, round_id: str, submission_id: str) -> None:
        """Release an agreed consensus's report to the institution (steering group only). The round closes
        itself when its last report is released."""
        require_role(self, actor, "steering")
        self._open(round_id)
        with self._write() as con:
            if con.execute("""UPDATE consensus SET state = 'released', released_by = ?, released_at = ?
                              WHERE round_id = ? AND submission_id = ? AND state = 'agreed'""",
                           (actor.username, now_text(), round_id, submission_id)).rowcount == 0:
                raise ReviewError("only an agreed consensus can be released")
            pending = con.execute("""SELECT count(*) FROM round_submissions s LEFT JOIN consensus c
                                     USING (round_id, submission_id) WHERE s.round_id = ?
                                     AND coalesce(c.state, '') <> 'released'""", (round_id,)).fetchone()[0]
            if not pending:
                con.execute("UPDATE review_rounds SET status = 'closed', closed_at = ? WHERE id = ?",
                            (now_text(), round_id))
        self.audit(actor, "review.release", submission_id, {"round": round_id, "round_closed": not pending})

    # --- the feedback, for those who may read it ----------------------------------------------------

    def released(self, actor: User, signatory: str | None = None) -> list[Released]:
        """Released reports ``actor`` may read (of one signatory if given), newest stage first: steering
        all; an institution its own; a reviewer those of institutions whose later submission they review."""
        role = require_role(self, actor, "steering", "reviewer", "institution")
        with self._read() as con:
            rows = con.execute("""SELECT c.round_id, c.submission_id, s.signatory, s.signatory_name, s.stage, c.released_at
                                  FROM consensus c JOIN round_submissions s USING (round_id, submission_id)
                                  JOIN review_rounds r ON r.id = c.round_id
                                  WHERE c.state = 'released' AND r.kind = 'round'
                                  ORDER BY s.signatory_name, s.stage DESC""").fetchall()
            own = con.execute("SELECT signatory FROM users WHERE username = ?", (actor.username,)).fetchone()[0]
            reviewing = con.execute("""SELECT DISTINCT s.signatory, s.stage FROM assignments a
                                       JOIN round_submissions s USING (submission_id)""" +
                                    " WHERE a.username = ?", (actor.username,)).fetchall()
            conflicts = {r[0] for r in con.execute("SELECT signatory FROM reviewer_conflicts WHERE username = ?",
                                                   (actor.username,))}
        out = [Released(*r) for r in rows if signatory is None or r[2] == signatory]
        if role == "steering":
            return out
        if role == "institution":
            return [r for r in out if r.signatory == own]
        later = {}
        for slug, stage in reviewing:
            later[slug] = max(later.get(slug, 0), stage)
        return [r for r in out if r.signatory != own and r.signatory not in conflicts
                and r.stage < later.get(r.signatory, 0)]

    def can_read_report(self, actor: User, round_id: str, submission_id: str) -> bool:
        """Released and listed for ``actor``; or agreed, for the steering group's preview."""
        if any(r.round_id == round_id and r.submission_id == submission_id for r in self.released(actor)):
            return True
        if require_role(self, actor, "steering", "reviewer", "institution") == "steering":
            current = self._consensus(round_id, submission_id)
            return current is not None and current.state == "agreed"
        return False

    def report(self, actor: User, round_id: str, submission_id: str, *, synthetic: bool = False):
        """The feedback report (``pipeline.review.feedback.FeedbackReport``) if ``actor`` may read it."""
        from pipeline.review.feedback import from_consensus

        if not self.can_read_report(actor, round_id, submission_id):
            raise ReviewError("this feedback is not released to you")
        current = self._consensus(round_id, submission_id)
        sub = self.round_submission(round_id, submission_id)
        with self._read() as con:
            comments = con.execute("""SELECT c.theme, c.anchor, c.text FROM review_comments c JOIN reviews r
                                      USING (round_id, submission_id, username) WHERE c.round_id = ?
                                      AND c.submission_id = ? AND r.state = 'submitted' ORDER BY c.id""",
                                   (round_id, submission_id)).fetchall()
        released = dt.date.fromisoformat(current.released_at[:10]) if current.released_at else None
        return from_consensus(
            self.rubric, institution=sub.signatory_name, signatory=sub.signatory, stage=sub.stage,
            submission_id=submission_id, round_name=round_id, outcome=current.outcome or "", summary=current.summary,
            agreed={t: s.level for t, s in current.themes.items()},
            narratives={t: {"strengths": s.strengths, "areas to develop": s.areas} for t, s in current.themes.items()},
            comments=[tuple(c) for c in comments], released_on=released, synthetic=synthetic)
