"""Independent reviews and the consensus: drafts that save as they are typed, submission, the lead
reopening a review, who sees whose scores, the lead's consensus, and the steering group's release.

Every read takes the account asking and applies the rules here, the one place they are written:
a reviewer reads their own review, and the others' only as the rubric's ``show_others`` allows
(never / after submitting their own / always); the lead sees every review once their own is in,
to reach consensus; the steering group sees all. Institutions never read reviews: they get the
released feedback report (``feedback``), which carries no reviewer's name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dashboards.accounts.database import User, normalise_username, now_text
from dashboards.review.common import ReviewError, require_role
from dashboards.review.rounds import Rounds
from pipeline.review.rubric import Rubric, load_rubric

CONSENSUS = ""  # the ``username`` of the consensus's rows in review_themes
DISAGREEMENT = 2  # levels apart at which a theme is flagged for the lead (issue 14)


@dataclass(frozen=True)
class ThemeScore:
    level: int | None = None
    strengths: str = ""
    areas: str = ""


@dataclass(frozen=True)
class Comment:
    id: int
    theme: str
    anchor: str
    text: str
    author: str


@dataclass(frozen=True)
class Review:
    round_id: str
    submission_id: str
    reviewer: str
    state: str  # draft or submitted
    themes: dict[str, ThemeScore]
    comments: tuple[Comment, ...]
    updated_at: str
    submitted_at: str | None
    on_team: bool = True  # False: the reviewer has left the team; the review is kept


@dataclass(frozen=True)
class Consensus:
    round_id: str
    submission_id: str
    state: str  # draft, agreed or released
    outcome: str | None
    summary: str
    themes: dict[str, ThemeScore] = field(default_factory=dict)
    released_at: str | None = None


def disagreements(reviews: list[Review]) -> dict[str, tuple[int, int]]:
    """Themes whose submitted levels are ``DISAGREEMENT`` or more apart: theme -> (lowest, highest)."""
    levels: dict[str, list[int]] = {}
    for review in reviews:
        if review.state == "submitted":
            for theme, score in review.themes.items():
                if score.level is not None:
                    levels.setdefault(theme, []).append(score.level)
    return {t: (min(v), max(v)) for t, v in levels.items() if max(v) - min(v) >= DISAGREEMENT}


class Scoring(Rounds):
    _rubric: Rubric | None = None

    @property
    def rubric(self) -> Rubric:
        if self._rubric is None:
            self._rubric = load_rubric()
        return self._rubric

    # --- who is who on a team ----------------------------------------------------------------------

    def _role_on(self, con, round_id: str, submission_id: str, username: str) -> tuple[str, bool] | None:
        """(status, is lead) of a member who declared no conflict, else None."""
        row = con.execute("""SELECT status, slot FROM team_members WHERE round_id = ? AND submission_id = ?
                             AND username = ? AND declaration = 'no conflict'""",
                          (round_id, submission_id, username)).fetchone()
        return None if row is None else (row[0], row[1] == 0)

    def _require_reviewer(self, con, actor: User, round_id: str, submission_id: str) -> bool:
        """Refuse unless ``actor`` is a confirmed member who declared no conflict; returns whether lead."""
        role = self._role_on(con, round_id, submission_id, actor.username)
        if role is None or role[0] != "confirmed":
            raise ReviewError("you are not reviewing this submission (declare no conflict first, if it is yours)")
        return role[1]

    def _consensus_state(self, con, round_id: str, submission_id: str) -> str | None:
        row = con.execute("SELECT state FROM consensus WHERE round_id = ? AND submission_id = ?",
                          (round_id, submission_id)).fetchone()
        return row[0] if row else None

    def _check_theme(self, theme: str, score: ThemeScore) -> None:
        if theme not in {t.id for t in self.rubric.themes}:
            raise ReviewError(f"{theme!r} is not a theme of the rubric")
        if score.level is not None and score.level not in self.rubric.levels:
            raise ReviewError(f"{theme}: {score.level} is not a level of the rubric "
                              f"({', '.join(map(str, self.rubric.levels))})")

    # --- a reviewer's own review --------------------------------------------------------------------

    def save_draft(self, actor: User, round_id: str, submission_id: str, themes: dict[str, ThemeScore]) -> Review:
        """Save (autosave) the reviewer's scores and narrative for the themes given."""
        require_role(self, actor, "reviewer")
        self._open(round_id)
        for theme, score in themes.items():
            self._check_theme(theme, score)
        with self._write() as con:
            self._draft(con, actor, round_id, submission_id)
            before = self._themes(con, round_id, submission_id, actor.username)
            self._write_themes(con, round_id, submission_id, actor.username, themes)
        changed = {t: s.level for t, s in themes.items() if before.get(t) != s}
        if changed:
            self.audit(actor, "review.score", submission_id, {"round": round_id, "levels": changed})
        return self.review(actor, round_id, submission_id, actor.username)

    def _draft(self, con, actor: User, round_id: str, submission_id: str) -> str:
        """Inside a write: refuse unless ``actor`` may still change their review (on the team, not
        submitted, consensus not agreed); start the draft or touch it. Returns the time stamp."""
        self._require_reviewer(con, actor, round_id, submission_id)
        if self._consensus_state(con, round_id, submission_id) in ("agreed", "released"):
            raise ReviewError("the consensus is agreed: reviews can no longer change")
        state = con.execute("SELECT state FROM reviews WHERE round_id = ? AND submission_id = ? AND username = ?",
                            (round_id, submission_id, actor.username)).fetchone()
        if state is not None and state[0] == "submitted":
            raise ReviewError("your review is submitted: ask the lead to reopen it to change it")
        stamp = now_text()
        con.execute("""INSERT INTO reviews (round_id, submission_id, username, state, started_at, updated_at)
                       VALUES (?, ?, ?, 'draft', ?, ?) ON CONFLICT DO UPDATE SET updated_at = excluded.updated_at""",
                    (round_id, submission_id, actor.username, stamp, stamp))
        return stamp

    @staticmethod
    def _write_themes(con, round_id: str, submission_id: str, username: str, themes: dict[str, ThemeScore]) -> None:
        con.executemany("""INSERT INTO review_themes (round_id, submission_id, username, theme, level, strengths, areas)
                           VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET level = excluded.level,
                           strengths = excluded.strengths, areas = excluded.areas""",
                        [(round_id, submission_id, username, t, s.level, s.strengths.strip(), s.areas.strip())
                         for t, s in themes.items()])

    @staticmethod
    def _themes(con, round_id: str, submission_id: str, username: str) -> dict[str, ThemeScore]:
        rows = con.execute("""SELECT theme, level, strengths, areas FROM review_themes WHERE round_id = ?
                              AND submission_id = ? AND username = ?""", (round_id, submission_id, username))
        return {r[0]: ThemeScore(r[1], r[2], r[3]) for r in rows}

    def add_comment(self, actor: User, round_id: str, submission_id: str, theme: str, anchor: str, text: str) -> int:
        """Anchor a comment to a question or an action of the plan (part of the reviewer's draft)."""
        require_role(self, actor, "reviewer")
        self._open(round_id)
        self._check_theme(theme, ThemeScore())
        if not anchor.strip() or not text.strip():
            raise ReviewError("a comment needs what it points to (a question or an action) and its text")
        with self._write() as con:
            stamp = self._draft(con, actor, round_id, submission_id)
            cid = con.execute("""INSERT INTO review_comments (round_id, submission_id, username, theme, anchor, text,
                                 created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id""",
                              (round_id, submission_id, actor.username, theme, anchor.strip(), text.strip(),
                               stamp)).fetchone()[0]
        self.audit(actor, "review.comment", submission_id, {"round": round_id, "theme": theme, "anchor": anchor.strip()})
        return cid

    def delete_comment(self, actor: User, comment_id: int) -> None:
        """Delete one of one's own comments while the review is a draft."""
        require_role(self, actor, "reviewer")
        with self._write() as con:
            row = con.execute("""SELECT c.round_id, c.submission_id, coalesce(r.state, 'draft') FROM review_comments c
                                 LEFT JOIN reviews r USING (round_id, submission_id, username)
                                 WHERE c.id = ? AND c.username = ?""", (comment_id, actor.username)).fetchone()
            if row is None:
                raise ReviewError("there is no such comment of yours")
            if row[2] == "submitted":
                raise ReviewError("your review is submitted: ask the lead to reopen it to change it")
            con.execute("DELETE FROM review_comments WHERE id = ?", (comment_id,))
        self.audit(actor, "review.comment.delete", row[1], {"round": row[0], "comment": comment_id})

    def missing(self, themes: dict[str, ThemeScore]) -> list[str]:
        """What a review still lacks before it can be submitted, theme by theme."""
        out = []
        for t in self.rubric.themes:
            score = themes.get(t.id, ThemeScore())
            lacks = ([] if score.level is not None else ["a level"]) + \
                    [part for part, text in zip(("strengths", "areas to develop"), (score.strengths, score.areas))
                     if part in self.rubric.narrative and not text.strip()]
            if lacks:
                out.append(f"{t.label}: {', '.join(lacks)}")
        return out

    def submit_review(self, actor: User, round_id: str, submission_id: str) -> Review:
        require_role(self, actor, "reviewer")
        self._open(round_id)
        with self._write() as con:
            self._require_reviewer(con, actor, round_id, submission_id)
            if self._consensus_state(con, round_id, submission_id) in ("agreed", "released"):
                raise ReviewError("the consensus is agreed: reviews can no longer change")
            if problems := self.missing(self._themes(con, round_id, submission_id, actor.username)):
                raise ReviewError("before submitting, complete: " + "; ".join(problems))
            con.execute("""UPDATE reviews SET state = 'submitted', submitted_at = ?, updated_at = ?
                           WHERE round_id = ? AND submission_id = ? AND username = ?""",
                        (now_text(), now_text(), round_id, submission_id, actor.username))
        self.audit(actor, "review.submit", submission_id, {"round": round_id})
        return self.review(actor, round_id, submission_id, actor.username)

    def reopen_review(self, actor: User, round_id: str, submission_id: str, reviewer: str) -> None:
        """The lead (or the steering group) sends a submitted review back to draft, until consensus is agreed."""
        role = require_role(self, actor, "reviewer", "steering")
        self._open(round_id)
        reviewer = normalise_username(reviewer)
        with self._write() as con:
            if role == "reviewer" and not self._require_reviewer(con, actor, round_id, submission_id):
                raise ReviewError("only the team's lead reopens a review")
            if self._consensus_state(con, round_id, submission_id) in ("agreed", "released"):
                raise ReviewError("the consensus is agreed: reviews can no longer be reopened")
            done = con.execute("""UPDATE reviews SET state = 'draft', submitted_at = NULL WHERE round_id = ?
                                  AND submission_id = ? AND username = ? AND state = 'submitted'""",
                               (round_id, submission_id, reviewer)).rowcount
        if not done:
            raise ReviewError(f"{reviewer} has no submitted review of this submission")
        self.audit(actor, "review.reopen", submission_id, {"round": round_id, "reviewer": reviewer})

    # --- reading reviews ---------------------------------------------------------------------------

    def _load(self, con, round_id: str, submission_id: str, username: str) -> Review | None:
        row = con.execute("""SELECT r.state, r.updated_at, r.submitted_at, coalesce(m.status IN ('confirmed'), 0)
                             FROM reviews r LEFT JOIN team_members m USING (round_id, submission_id, username)
                             WHERE r.round_id = ? AND r.submission_id = ? AND r.username = ?""",
                          (round_id, submission_id, username)).fetchone()
        if row is None:
            return None
        comments = tuple(Comment(*c) for c in con.execute(
            """SELECT id, theme, anchor, text, username FROM review_comments WHERE round_id = ? AND submission_id = ?
               AND username = ? ORDER BY id""", (round_id, submission_id, username)))
        return Review(round_id, submission_id, username, row[0], self._themes(con, round_id, submission_id, username),
                      comments, row[1], row[2], bool(row[3]))

    def review(self, actor: User, round_id: str, submission_id: str, reviewer: str) -> Review | None:
        """One review, if ``actor`` may read it (see the module's rules)."""
        return next((r for r in self.visible_reviews(actor, round_id, submission_id)
                     if r.reviewer == normalise_username(reviewer)), None)

    def visible_reviews(self, actor: User, round_id: str, submission_id: str) -> list[Review]:
        """The reviews of a submission ``actor`` may read, by reviewer name."""
        role = require_role(self, actor, "steering", "reviewer", "institution")
        if role == "institution":
            return []
        with self._read() as con:
            names = [r[0] for r in con.execute("SELECT username FROM reviews WHERE round_id = ? AND submission_id = ? "
                                               "ORDER BY username", (round_id, submission_id))]
            reviews = [r for n in names if (r := self._load(con, round_id, submission_id, n)) is not None]
            if role == "steering":
                return reviews
            member = self._role_on(con, round_id, submission_id, actor.username)
        if member is None or member[0] != "confirmed":
            return []
        own = next((r for r in reviews if r.reviewer == actor.username), None)
        submitted_own = own is not None and own.state == "submitted"
        rule = self.rubric.show_others
        # the lead needs every review to reach consensus: once their own is in, whatever the rule
        sees_others = rule == "always" or (submitted_own and (member[1] or rule == "after_own"))
        return [r for r in reviews if r.reviewer == actor.username or (sees_others and r.state == "submitted")]
