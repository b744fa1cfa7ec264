"""What the dashboard reads, and who may read it: the only module that opens the published snapshot.

Every function here takes a ``Viewer`` and applies its access rules *where the data is read*, not
where menus are drawn (DESIGN §4 item 10):

* a submission's content (return, action plan, answers, contact details, validation issues) is
  returned only for submissions ``AccountStore.can_see_submission`` allows — steering: all;
  reviewer: the ones assigned to them; institution: its own;
* sector tables (benchmarks, tracker, trends) go through ``pipeline.benchmarks.disclosure`` for
  everyone but the steering group: peers anonymised, small counts hidden, others rounded.

Reads are cached per snapshot version (``st.cache_resource``: one copy shared by all sessions,
polars frames are immutable), so a newly published snapshot is picked up on the next rerun and
an old one's entries age out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import duckdb
import polars as pl
import streamlit as st

from dashboards.accounts import AccountStore, User
from pipeline.benchmarks import disclosure
from pipeline.benchmarks.published import SECTOR_TABLES, positions_query
from pipeline.settings import Paths
from pipeline.schema import CORE_THEMES
from pipeline.store.snapshot import Published, SnapshotInfo, published

ALL_GROUP = "all"


class Denied(Exception):
    """The viewer may not see this; the message is meant for them."""


# --- the snapshot, cached per version ------------------------------------------------------------

@st.cache_resource(max_entries=2, show_spinner=False)
def _connection(path: str, version: str) -> duckdb.DuckDBPyConnection:
    """One read-only connection per publication (``path`` is its immutable versioned file)."""
    return duckdb.connect(path, read_only=True)


@st.cache_resource(max_entries=512, show_spinner=False)
def _query(path: str, version: str, sql: str, params: tuple = ()) -> pl.DataFrame:
    """One query's result for one snapshot version (``version`` is part of the cache key)."""
    with _connection(path, version).cursor() as cursor:  # a cursor per call: safe across sessions' threads
        return cursor.sql(sql, params=list(params)).pl()


# Bounded: a disclosed copy of the positions table is tens of MB at 1,000 signatories, one per viewer.
@st.cache_resource(max_entries=32, ttl=3600, show_spinner=False)
def _disclosed(path: str, version: str, role: str, viewer: str | None, account: str | None, names: tuple[str, ...],
               sqls: tuple[str, ...], params: tuple[tuple, ...] | None = None) -> dict[str, pl.DataFrame]:
    """``viewer``: the signatory kept visible; ``account``: the reviewer, whose numbering of peers is
    its own (part of the cache key, so that reviewers never share a copy)."""
    params = params or ((),) * len(names)
    tables = {name: _query(path, version, sql, p) for name, sql, p in zip(names, sqls, params, strict=True)}
    return disclosure.disclose(tables, viewer, role, account=account)


@dataclass(frozen=True)
class Snapshot:
    """The current publication (``pipeline.store.snapshot.published``, read on every rerun: a small JSON
    pointer). Its file is immutable, so connections and results are cached by its path."""

    paths: Paths
    published: Published

    @property
    def info(self) -> SnapshotInfo:
        return self.published.info

    @property
    def file(self) -> str:
        return str(self.published.file)

    def query(self, sql: str, params: Sequence = ()) -> pl.DataFrame:
        return _query(self.file, self.info.version, sql, tuple(params))


# --- who is looking ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Viewer:
    """The signed-in account as the store has it on this rerun; every check asks the store again."""

    user: User
    store: AccountStore

    @classmethod
    def load(cls, store: AccountStore, username: str) -> Viewer | None:
        user = store.get_user(username)
        return None if user is None or user.disabled else cls(user, store)

    @property
    def role(self) -> str:
        return self.user.role

    @property
    def signatory(self) -> str | None:
        return self.user.signatory

    def can_see(self, submission_id: str) -> bool:
        return self.store.can_see_submission(self.user, submission_id)

    def require(self, submission_id: str) -> None:
        if not self.can_see(submission_id):
            raise Denied("You do not have access to this submission: reviewers see the submissions assigned "
                         "to them, institutions their own.")

    def visible(self, submission_ids: Iterable[str]) -> list[str]:
        return self.store.visible_submissions(self.user, submission_ids)

    def can_see_signatory(self, slug: str) -> bool:
        return self.store.can_see_signatory(self.user, slug)

    @property
    def pseudonym_account(self) -> str | None:
        """Whose numbering of peers this viewer gets: a reviewer's own (by account); an institution's
        is its signatory's, shared by its accounts."""
        return self.user.username if self.role == "reviewer" else None


# --- reads ------------------------------------------------------------------------------------

# Read with the tables disclosed together, so that pseudonyms are the same across them.
REGISTER = ("_register", "SELECT slug, name FROM signatories")


def signatory_positions(snap: Snapshot, viewer: Viewer, slug: str) -> pl.DataFrame:
    """One signatory's positions against each peer group, with disclosure control for all but steering
    (group figures withheld where fewer than 5 signatories are behind them, group sizes rounded)."""
    if not viewer.can_see_signatory(slug):
        raise Denied("You do not have access to this signatory.")
    sql, params = positions_query(signatory=slug)
    if viewer.role == "steering":
        return snap.query(sql, tuple(params))
    out = _disclosed(snap.file, snap.info.version, viewer.role, slug, viewer.pseudonym_account,
                     ("positions", REGISTER[0]), (sql, REGISTER[1]), ((slug,), ()))
    # every row is the signatory's own, kept visible with exact values: numbers again, for the chart
    return out["positions"].with_columns(pl.col("value").cast(pl.Float64))


def sector_table(snap: Snapshot, viewer: Viewer, name: str, keep: str | None = None) -> pl.DataFrame:
    """A sector table as this viewer may see it. ``keep``: a signatory left visible (its name kept)
    in a reviewer's view of a submission assigned to them."""
    return sector_tables(snap, viewer, (name,), keep)[name]


def sector_tables(snap: Snapshot, viewer: Viewer, names: Sequence[str], keep: str | None = None) -> dict[str, pl.DataFrame]:
    if keep is not None and not viewer.can_see_signatory(keep):
        raise Denied("You do not have access to this signatory.")
    if viewer.store.get_user(viewer.user.username) != viewer.user:
        raise Denied("Your account has changed or been disabled: sign in again.")
    names = tuple(names)
    sqls = tuple(SECTOR_TABLES[n] for n in names)
    if viewer.role == "steering":
        return {n: snap.query(s) for n, s in zip(names, sqls, strict=True)}
    who = viewer.signatory if viewer.role == "institution" else keep  # the signatory whose name is kept
    out = _disclosed(snap.file, snap.info.version, viewer.role, who, viewer.pseudonym_account,
                     (*names, REGISTER[0]), (*sqls, REGISTER[1]))
    return {n: out[n] for n in names}


def signatories(snap: Snapshot) -> pl.DataFrame:
    """The register's public part (names, type, nation, groups); used to label what a viewer may see."""
    return snap.query("SELECT slug, name, type, nation, signed, cohort, mission_group FROM signatories ORDER BY name")


def submissions(snap: Snapshot, viewer: Viewer, signatory: str | None = None) -> pl.DataFrame:
    """The submissions this viewer may open, newest first, with their status."""
    rows = snap.query("""
        SELECT b.submission_id, b.signatory, s.name AS signatory_name, b.stage, b.original_name, b.sender,
               b.received_at, b.processed_at, b.status, b.errors, b.warnings, b.is_latest_valid, b.plugin
        FROM submissions b LEFT JOIN signatories s ON s.slug = b.signatory
        ORDER BY b.received_at DESC, b.submission_id""")
    if signatory is not None:
        rows = rows.filter(pl.col("signatory") == signatory)
    return rows.filter(pl.col("submission_id").is_in(viewer.visible(rows["submission_id"].to_list())))


def visible_signatories(snap: Snapshot, viewer: Viewer) -> pl.DataFrame:
    """The register rows whose profile this viewer may open."""
    reg = signatories(snap)
    allowed = viewer.store.visible_signatories(viewer.user)
    return reg if allowed is None else reg.filter(pl.col("slug").is_in(sorted(allowed)))


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
        personal = ("lead_name", "lead_email", "lead_phone", "lead_signoff_name", "head_signoff_name")
        if viewer.store.can_see_contact_details(viewer.user, submission_id):
            contact = {k: answers[k] for k in personal}
        answers = {k: v for k, v in answers.items() if k not in personal}
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


# --- sector aggregates (counts published with disclosure control to all but steering) --------------

def _publish_counts(viewer: Viewer, frame: pl.DataFrame, column: str = "count") -> pl.DataFrame:
    """Add ``shown`` (the count as it may be shown) and make ``column`` the number to plot: exact for
    the steering group; otherwise rounded to 5, with "<5" plotted as 0."""
    if viewer.role == "steering":
        return frame.with_columns(shown=pl.col(column).cast(pl.String))
    shown = disclosure.apply_to_counts(frame.select(column), [column])[column]
    return frame.with_columns(shown=shown, **{column: pl.when(shown == disclosure.SMALL).then(0)
                                                   .otherwise(shown.cast(pl.Int64, strict=False))})


def latest_sector(snap: Snapshot) -> dict[str, int]:
    """Sector totals from the latest accepted return of each signatory (exact figures)."""
    row = snap.query("""
        WITH latest AS (
            SELECT r.signatory, r.headcount, r.fte, row_number() OVER (PARTITION BY r.signatory ORDER BY r.stage DESC) AS k
            FROM returns r JOIN submissions b USING (submission_id) WHERE b.is_latest_valid)
        SELECT (SELECT count(*) FROM signatories) AS signatories,
               (SELECT count(*) FROM submissions WHERE status = 'accepted') AS accepted,
               (SELECT count(*) FROM submissions WHERE status = 'rejected') AS rejected,
               (SELECT count(DISTINCT signatory) FROM latest) AS reporting,
               (SELECT coalesce(sum(headcount), 0) FROM latest WHERE k = 1) AS technicians,
               (SELECT coalesce(round(sum(fte)), 0) FROM latest WHERE k = 1) AS fte""").to_dicts()[0]
    return {k: int(v or 0) for k, v in row.items()}


def sector_totals(snap: Snapshot, viewer: Viewer) -> dict[str, str]:
    """The headline figures as this viewer may see them (counts of signatories and returns rounded
    for all but steering; technician totals are sums over the sector and shown rounded to 5)."""
    totals = latest_sector(snap)
    if viewer.role == "steering":
        return {k: f"{v:,}" for k, v in totals.items()}
    return {k: (f"{r:,}" if isinstance(r := disclosure.round_count(v), int) else str(r)) for k, v in totals.items()}


def returns_by_stage(snap: Snapshot, viewer: Viewer) -> pl.DataFrame:
    """Latest submission per signatory and stage: stage, status, count (+ ``shown``)."""
    frame = snap.query("""
        SELECT stage, status, count(*) AS count FROM (
            SELECT signatory, stage, arg_max(status, received_at) AS status FROM submissions GROUP BY ALL)
        GROUP BY ALL ORDER BY stage, status""")
    return _publish_counts(viewer, frame)


def tracker_summary(snap: Snapshot, viewer: Viewer) -> pl.DataFrame:
    frame = snap.query("SELECT stage, status, count(*) AS count FROM bench_tracker GROUP BY ALL ORDER BY stage, status")
    return _publish_counts(viewer, frame)


def theme_coverage(snap: Snapshot, viewer: Viewer) -> pl.DataFrame:
    """For each stage and core theme: the share (%) of accepted plans with at least one action on it.
    For all but steering it is worked out from the rounded counts (an exact 27/28 = 96.43% gives the
    counts away) and withheld where fewer than 5 plans are behind it or 1-4 plans cover the theme."""
    frame = snap.query("""
        WITH plans AS (SELECT submission_id, stage FROM submissions WHERE is_latest_valid),
             themes AS (SELECT unnest(?::VARCHAR[]) AS theme),
             covered AS (SELECT DISTINCT submission_id, theme FROM return_actions)
        SELECT p.stage, t.theme, count(*) AS n, count(c.submission_id) AS covered
        FROM plans p CROSS JOIN themes t LEFT JOIN covered c ON c.submission_id = p.submission_id AND c.theme = t.theme
        GROUP BY ALL ORDER BY p.stage, t.theme""", ([t.value for t in CORE_THEMES],))
    share = pl.col("covered") / pl.col("n") if viewer.role == "steering" else disclosure.rounded_share("covered", "n")
    return frame.select("stage", "theme", (100.0 * share).alias("share"))


def headline_metrics(snap: Snapshot) -> pl.DataFrame:
    return snap.query("SELECT metric, name, unit, direction FROM bench_metric_catalogue WHERE headline ORDER BY metric")


def headline_values(snap: Snapshot, viewer: Viewer) -> pl.DataFrame:
    """Steering only: each signatory's latest value of each headline metric (for distributions)."""
    if viewer.role != "steering":
        raise Denied("Individual signatories' values are shown to the steering group only.")
    return snap.query("""
        SELECT v.signatory, v.metric, v.value FROM bench_metric_values v
        JOIN bench_metric_catalogue c USING (metric)
        WHERE c.headline QUALIFY v.stage = max(v.stage) OVER (PARTITION BY v.signatory)""")


def tracker(snap: Snapshot, viewer: Viewer) -> pl.DataFrame:
    """Tracker rows for the signatories whose profile this viewer may open (steering: all)."""
    rows = snap.query(SECTOR_TABLES["tracker"])
    if viewer.role == "steering":
        return rows
    return rows.filter(pl.col("signatory").is_in(visible_signatories(snap, viewer)["slug"].implode()))


def benchmarked_submission(snap: Snapshot, viewer: Viewer, slug: str) -> dict | None:
    """The submission a signatory's current benchmarks come from (its latest stage's accepted
    return), if this viewer may open it."""
    rows = snap.query("""SELECT submission_id, stage FROM submissions WHERE signatory = ? AND is_latest_valid
                         ORDER BY stage DESC LIMIT 1""", (slug,))
    if rows.is_empty() or not viewer.can_see(rows["submission_id"][0]):
        return None
    return rows.to_dicts()[0]


def signatory_history(snap: Snapshot, viewer: Viewer, slug: str) -> pl.DataFrame:
    """Metric values of the signatory's accepted returns, by stage, for the submissions open to the viewer."""
    rows = snap.query("""SELECT v.submission_id, v.stage, v.metric, c.name AS metric_name, c.unit, v.value, v.change
                         FROM bench_metric_values v JOIN bench_metric_catalogue c USING (metric)
                         WHERE v.signatory = ? ORDER BY c.headline DESC, v.metric, v.stage""", (slug,))
    ids = viewer.visible(rows["submission_id"].unique().to_list())
    return rows.filter(pl.col("submission_id").is_in(ids)).drop("submission_id")


def hesa_rows(snap: Snapshot, viewer: Viewer, slug: str) -> pl.DataFrame:
    rows = snap.query("""SELECT b.submission_id, h.stage, h.academic_year, h.declared, h.hesa_proxy, h.ratio, h.flag
                         FROM bench_hesa_reconciliation h
                         JOIN submissions b ON b.signatory = h.signatory AND b.stage = h.stage AND b.is_latest_valid
                         WHERE h.signatory = ? ORDER BY h.stage""", (slug,))
    ids = viewer.visible(rows["submission_id"].to_list())
    return rows.filter(pl.col("submission_id").is_in(ids)).drop("submission_id")


# --- uploads (institutions) --------------------------------------------------------------------

def signatory_name(snap: Snapshot | None, slug: str) -> str:
    if snap is None:
        return slug
    rows = snap.query("SELECT name FROM signatories WHERE slug = ?", (slug,))
    return rows["name"][0] if rows.height else slug


def next_stage(snap: Snapshot | None, viewer: Viewer) -> int:
    """The stage an institution most likely wants to hand in: its earliest overdue or due one."""
    if snap is None or viewer.signatory is None:
        return 1
    rows = snap.query("""SELECT stage FROM bench_tracker WHERE signatory = ? AND status IN ('overdue', 'due')
                         ORDER BY stage LIMIT 1""", (viewer.signatory,))
    return int(rows["stage"][0]) if rows.height else 1


@st.cache_resource(show_spinner=False)
def _registry():
    from pipeline.registry import Registry

    return Registry.from_entry_points()


@dataclass(frozen=True)
class UploadResult:
    report: object  # pipeline.validation.validate.FileReport
    landed: object | None  # pipeline.handin.landing.Landed, when the file was valid and handed in


def check_upload(viewer: Viewer, name: str, content: bytes, stage: int, paths: Paths | None = None) -> UploadResult:
    """Validate an institution's file for its own signatory; land it only if it is valid."""
    from pipeline.kit.intake import Limits
    from pipeline.handin.landing import land_source
    from pipeline.kit.hooks import ParseContext, SourceFile
    from pipeline.signatories import registered_name
    from pipeline.validation.validate import validate_source

    if viewer.role != "institution" or not viewer.signatory:
        raise Denied("Only institution accounts hand in returns, each for its own signatory.")
    paths = paths or Paths.from_env()
    source = SourceFile(name=name, data=content)
    context = ParseContext(stage=stage, signatory=viewer.signatory,
                           signatory_name=registered_name(paths.register, viewer.signatory))
    report = validate_source(source, _registry(), context=context, limits=Limits.from_env(), path=name)
    landed = None
    if report.ok:
        landed = land_source(source, viewer.signatory, stage, paths.landing, sender=viewer.user.username)
    return UploadResult(report, landed)


def issues_frame(issues: Sequence) -> pl.DataFrame:
    return pl.DataFrame([{"severity": i.severity, "rule": i.rule, "location": i.location, "message": i.message}
                         for i in issues], schema={"severity": pl.String, "rule": pl.String, "location": pl.String,
                                                   "message": pl.String})


def upload_status(paths: Paths, viewer: Viewer) -> pl.DataFrame:
    """An institution's handed-in files, newest first, with what the pipeline made of them so far."""
    from pipeline.handin.landing import scan
    from pipeline.store.warehouse import submission_id

    if viewer.role != "institution" or not viewer.signatory:
        raise Denied("Only institution accounts hand in returns.")
    schema = {"submission_id": pl.String, "original_name": pl.String, "stage": pl.Int64, "received_at": pl.String}
    files = pl.DataFrame([{"submission_id": submission_id(f), "original_name": f.original_name, "stage": f.stage,
                           "received_at": f.received_at.replace("T", " ")[:16]}
                          for f in scan(paths.landing, viewer.signatory)], schema=schema)
    current = published(paths)
    if current is None:
        done = pl.DataFrame(schema={"submission_id": pl.String, "status": pl.String, "processed_at": pl.String,
                                    "errors": pl.Int64, "warnings": pl.Int64})
    else:
        done = Snapshot(paths, current).query(
            """SELECT submission_id, status, strftime(processed_at, '%Y-%m-%d %H:%M') AS processed_at, errors, warnings
               FROM submissions WHERE signatory = ?""", (viewer.signatory,))
    out = files.join(done, on="submission_id", how="left").with_columns(
        state=pl.col("status").fill_null("waiting for the pipeline"))
    return out.sort("received_at", descending=True).select(
        "original_name", "stage", "received_at", "state", "processed_at", "errors", "warnings")


# --- quality and downloads -----------------------------------------------------------------------

def quality_report(paths: Paths, viewer: Viewer) -> dict | None:
    """The Great Expectations results (steering only: examples quote values from any return)."""
    import json

    from pipeline.validation.quality import RESULTS_FILE

    if viewer.role != "steering":
        raise Denied("The Great Expectations results are shown to the steering group only.")
    try:
        return json.loads((paths.quality / RESULTS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@st.cache_resource(max_entries=2, show_spinner=False)
def _zip_folder(folder: str, stamp: float) -> bytes:
    import io
    import zipfile
    from pathlib import Path

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(Path(folder).rglob("*")):
            if f.is_file():
                zf.write(f, f.relative_to(folder))
    return buffer.getvalue()


def data_docs_zip(paths: Paths, viewer: Viewer) -> bytes | None:
    from pipeline.validation.quality import DATA_DOCS_DIR

    if viewer.role != "steering":
        raise Denied("The Great Expectations Data Docs are shown to the steering group only.")
    folder = paths.quality / DATA_DOCS_DIR
    index = folder / "index.html"
    return _zip_folder(str(folder), index.stat().st_mtime) if index.is_file() else None


def benchmarked_signatories(snap: Snapshot) -> set[str]:
    """Slugs of the signatories that have benchmark positions (an accepted return)."""
    return set(snap.query("SELECT DISTINCT signatory FROM bench_positions")["signatory"])
