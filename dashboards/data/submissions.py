"""Reads of single submissions (their return, action plan, answers, contact details and validation
issues), each only for the submissions the viewer may open."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from dashboards.data.access import Denied, Viewer
from dashboards.data.snapshot import Snapshot

# The return's fields that name or reach a person: released only with ``can_see_contact_details``.
PERSONAL = ("lead_name", "lead_email", "lead_phone", "lead_signoff_name", "head_signoff_name")


def submissions(snap: Snapshot, viewer: Viewer, signatory: str | None = None) -> pl.DataFrame:
    """The submissions this viewer may open, newest first, with their status."""
    rows = snap.query("""
        SELECT b.submission_id, b.signatory, s.name AS signatory_name, b.stage, b.original_name, b.sender,
               b.received_at, b.processed_at, b.status, b.errors, b.warnings, b.is_latest_valid, b.plugin
        FROM submissions b LEFT JOIN signatories s ON s.slug = b.signatory
        ORDER BY b.received_at DESC, b.submission_id""")
    if signatory is not None:
        rows = rows.filter(pl.col("signatory") == signatory)
    return viewer.open_rows(rows)


@dataclass(frozen=True)
class SubmissionDetail:
    """Everything the dashboard shows of one submission, read only after the access check."""

    submission_id: str
    meta: dict
    answers: dict | None  # None: the file could not be read at all
    contact: dict | None  # None: not allowed (or not given)
    areas: pl.DataFrame
    registrations: pl.DataFrame
    initiatives: pl.DataFrame
    actions: pl.DataFrame
    issues: pl.DataFrame
    metrics: pl.DataFrame


def submission_label(meta: dict) -> str:
    when = meta.get("received_at")
    date = when.date().isoformat() if isinstance(when, dt.datetime) else str(when or "")[:10]
    return f"{meta.get('signatory_name') or meta['signatory']} — stage {meta['stage']} ({meta['status']}, {date})"


def submission_labels(rows: pl.DataFrame) -> dict[str, str]:
    """``submission_id`` → its label, for the rows of ``submissions()`` (choosers' display names)."""
    return {r["submission_id"]: submission_label(r) for r in rows.to_dicts()}


def submission(snap: Snapshot, viewer: Viewer, submission_id: str) -> SubmissionDetail:
    viewer.require(submission_id)
    q = lambda sql: snap.query(sql, (submission_id,))  # noqa: E731
    meta = q("""SELECT b.*, s.name AS signatory_name FROM submissions b LEFT JOIN signatories s ON s.slug = b.signatory
                WHERE b.submission_id = ?""")
    if meta.is_empty():
        raise Denied("There is no such submission in the published data.")
    ret = q("""SELECT signatory_name AS name_in_return, submission_date, profile, technician_definition,
                      technicians_narrative, technician_voice, headcount, fte, published_url, plan_horizon_months,
                      lead_name, lead_email, lead_phone, lead_signoff_name, lead_signoff_date, head_signoff_name,
                      head_signoff_date FROM returns WHERE submission_id = ?""")
    answers = ret.to_dicts()[0] if ret.height else None
    contact = None
    if answers is not None:
        if viewer.store.can_see_contact_details(viewer.user, submission_id):
            contact = {k: answers[k] for k in PERSONAL}
        answers = {k: v for k, v in answers.items() if k not in PERSONAL}
    return SubmissionDetail(
        submission_id, meta.to_dicts()[0], answers, contact,
        areas=q("SELECT name, headcount, fte FROM return_areas WHERE submission_id = ? ORDER BY ordinal"),
        registrations=q("SELECT register, label, count FROM return_registrations WHERE submission_id = ? ORDER BY ordinal"),
        initiatives=q("SELECT phase, theme, text FROM return_initiatives WHERE submission_id = ? ORDER BY ordinal"),
        # an inferred date is marked in words; the plan's own columns ("#", "Rationale", ...) as "heading: text" lines
        actions=q("""SELECT theme, coalesce(theme_inferred, false) AS theme_inferred, action, owner,
                            coalesce(due_text, CAST(due_end AS VARCHAR))
                              || CASE WHEN due_inferred THEN ' (inferred)' ELSE '' END AS due, evidence, status,
                            (SELECT string_agg(e.header || ': ' || e.text, chr(10) ORDER BY e.position)
                             FROM return_action_extras e WHERE e.submission_id = a.submission_id
                             AND e.action_ordinal = a.ordinal) AS details
                     FROM return_actions a WHERE submission_id = ? ORDER BY ordinal"""),
        issues=q("SELECT severity, rule, location, message, field FROM issues WHERE submission_id = ? ORDER BY ordinal"),
        metrics=q("""SELECT c.name AS metric, v.value, c.unit, v.change, c.headline FROM bench_metric_values v
                     JOIN bench_metric_catalogue c USING (metric) WHERE v.submission_id = ? ORDER BY c.headline DESC, v.metric"""),
    )


def issues(snap: Snapshot, viewer: Viewer, signatory: str | None = None) -> pl.DataFrame:
    """Validation findings on the submissions this viewer may open (of one signatory, if given)."""
    ids = submissions(snap, viewer, signatory)["submission_id"]
    rows = snap.query("""SELECT i.submission_id, b.signatory, b.stage, i.severity, i.rule, i.location, i.message
                         FROM issues i JOIN submissions b USING (submission_id) ORDER BY i.submission_id, i.ordinal""")
    return rows.filter(pl.col("submission_id").is_in(ids.implode()))


def benchmarked_submission(snap: Snapshot, viewer: Viewer, slug: str) -> dict | None:
    """The submission a signatory's current benchmarks come from (its latest stage's accepted
    return), if this viewer may open it."""
    rows = snap.query("""SELECT submission_id, stage FROM submissions WHERE signatory = ? AND is_latest_valid
                         ORDER BY stage DESC LIMIT 1""", (slug,))
    if rows.is_empty() or not viewer.can_see(rows["submission_id"][0]):
        return None
    return rows.to_dicts()[0]
