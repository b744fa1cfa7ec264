"""Sector and signatory reads: the benchmark tables, the sector's headline figures, the register
and one signatory's positions and history.

Sector tables (``pipeline.benchmarks.published``) go through ``pipeline.benchmarks.disclosure``
for everyone but the steering group: peers anonymised, small counts hidden, others rounded.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards.data.access import Denied, Viewer
from dashboards.data.extensions import with_extensions
from dashboards.data.snapshot import Snapshot
from pipeline.benchmarks import disclosure
from pipeline.benchmarks.published import SECTOR_TABLES, positions_query
from pipeline.schema import CORE_THEMES

ALL_GROUP = "all"
# Read with the tables disclosed together, so that pseudonyms are the same across them.
REGISTER = ("_register", "SELECT slug, name FROM signatories")


# Bounded: a disclosed copy of the positions table is tens of MB at 1,000 signatories, one per viewer.
@st.cache_resource(max_entries=32, ttl=3600, show_spinner=False)
def _disclosed(_snap: Snapshot, path: str, version: str, role: str, viewer: str | None, account: str | None,
               names: tuple[str, ...], sqls: tuple[str, ...],
               params: tuple[tuple, ...] | None = None) -> dict[str, pl.DataFrame]:
    """``_snap`` is read, not hashed: its ``path`` and ``version`` are the cache key. ``viewer``: the
    signatory kept visible; ``account``: the reviewer, whose numbering of peers is its own (part of
    the cache key, so that reviewers never share a copy)."""
    params = params or ((),) * len(names)
    tables = {name: _snap.query(sql, p) for name, sql, p in zip(names, sqls, params, strict=True)}
    return disclosure.disclose(tables, viewer, role, account=account)


def _disclose(snap: Snapshot, viewer: Viewer, keep: str | None, names: tuple[str, ...], sqls: tuple[str, ...],
              params: tuple[tuple, ...] | None = None) -> dict[str, pl.DataFrame]:
    """``names``' tables as ``viewer`` may see them, with the signatory ``keep`` left visible."""
    return _disclosed(snap, snap.file, snap.info.version, viewer.role, keep, viewer.pseudonym_account,
                      (*names, REGISTER[0]), (*sqls, REGISTER[1]), params and (*params, ()))


def sector_table(snap: Snapshot, viewer: Viewer, name: str) -> pl.DataFrame:
    """A sector table (a key of ``SECTOR_TABLES``) as this viewer may see it: an institution keeps
    its own name and figures."""
    viewer.require_unchanged()
    sql = SECTOR_TABLES[name]
    if viewer.role == "steering":
        return snap.query(sql)
    return _disclose(snap, viewer, viewer.signatory if viewer.role == "institution" else None, (name,), (sql,))[name]


def signatory_positions(snap: Snapshot, viewer: Viewer, slug: str) -> pl.DataFrame:
    """One signatory's positions against each peer group, with disclosure control for all but steering
    (group figures withheld where fewer than 5 signatories are behind them, group sizes rounded)."""
    viewer.require_signatory(slug)
    sql, params = positions_query(signatory=slug)
    if viewer.role == "steering":
        return snap.query(sql, tuple(params))
    out = _disclose(snap, viewer, slug, ("positions",), (sql,), ((slug,),))
    # every row is the signatory's own, kept visible with exact values: numbers again, for the chart
    return out["positions"].with_columns(pl.col("value").cast(pl.Float64))


# --- the register ---------------------------------------------------------------------------------

def signatories(snap: Snapshot) -> pl.DataFrame:
    """The register's public part (names, type, nation, groups); used to label what a viewer may see."""
    return snap.query("SELECT slug, name, type, nation, signed, cohort, mission_group FROM signatories ORDER BY name")


def visible_signatories(snap: Snapshot, viewer: Viewer) -> pl.DataFrame:
    """The register rows whose profile this viewer may open."""
    reg = signatories(snap)
    allowed = viewer.store.visible_signatories(viewer.user)
    return reg if allowed is None else reg.filter(pl.col("slug").is_in(sorted(allowed)))


def signatory_name(snap: Snapshot | None, slug: str) -> str:
    """The registered name (the slug itself before anything is published or for an unknown slug)."""
    if snap is None:
        return slug
    rows = snap.query("SELECT name FROM signatories WHERE slug = ?", (slug,))
    return rows["name"][0] if rows.height else slug


def benchmarked_signatories(snap: Snapshot) -> set[str]:
    """Slugs of the signatories that have benchmark positions (an accepted return)."""
    return set(snap.query("SELECT DISTINCT signatory FROM bench_positions")["signatory"])


# --- sector aggregates (counts published with disclosure control to all but steering) --------------

def _publish_counts(viewer: Viewer, frame: pl.DataFrame, column: str = "count") -> pl.DataFrame:
    """Add ``shown`` (the count as it may be shown) and make ``column`` the number to plot: exact for
    the steering group; otherwise rounded to 5, with "<5" plotted as 0."""
    if viewer.role == "steering":
        return frame.with_columns(shown=pl.col(column).cast(pl.String))
    shown = disclosure.apply_to_counts(frame.select(column), [column])[column]
    return frame.with_columns(shown=shown, **{column: pl.when(shown == disclosure.SMALL).then(0)
                                                   .otherwise(shown.cast(pl.Int64, strict=False))})


def _latest_sector(snap: Snapshot) -> dict[str, int]:
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
    return {k: int(v) for k, v in row.items()}  # counts, and sums with coalesce: never null


def sector_totals(snap: Snapshot, viewer: Viewer) -> dict[str, str]:
    """The headline figures as this viewer may see them (counts of signatories and returns rounded
    for all but steering; technician totals are sums over the sector and shown rounded to 5)."""
    totals = _latest_sector(snap)
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


# --- the tracker ----------------------------------------------------------------------------------

def tracker_summary(snap: Snapshot, viewer: Viewer) -> pl.DataFrame:
    frame = snap.query("SELECT stage, status, count(*) AS count FROM bench_tracker GROUP BY ALL ORDER BY stage, status")
    return _publish_counts(viewer, frame)




def tracker(snap: Snapshot, viewer: Viewer) -> pl.DataFrame:
    """Tracker rows for the signatories whose profile this viewer may open (steering: all), with the
    extensions granted since the snapshot laid over them (``extensions.with_extensions``)."""
    viewer.require_unchanged()
    # the rows are the viewer's own or assigned signatories' (steering: all): no disclosure control applies
    rows = with_extensions(snap, snap.query(SECTOR_TABLES["tracker"]))
    if viewer.role == "steering":
        return rows
    return rows.filter(pl.col("signatory").is_in(visible_signatories(snap, viewer)["slug"].implode()))


def next_stage(snap: Snapshot | None, viewer: Viewer) -> int:
    """The stage an institution most likely wants to hand in: its earliest overdue or due one."""
    if snap is None or viewer.signatory is None:
        return 1
    rows = snap.query("""SELECT stage FROM bench_tracker WHERE signatory = ? AND status IN ('overdue', 'due')
                         ORDER BY stage LIMIT 1""", (viewer.signatory,))
    return int(rows["stage"][0]) if rows.height else 1


# --- one signatory over time, from the submissions open to the viewer ------------------------------

def signatory_history(snap: Snapshot, viewer: Viewer, slug: str) -> pl.DataFrame:
    """Metric values of the signatory's accepted returns, by stage, for the submissions open to the viewer."""
    rows = snap.query("""SELECT v.submission_id, v.stage, v.metric, c.name AS metric_name, c.unit, v.value, v.change
                         FROM bench_metric_values v JOIN bench_metric_catalogue c USING (metric)
                         WHERE v.signatory = ? ORDER BY c.headline DESC, v.metric, v.stage""", (slug,))
    return viewer.open_rows(rows).drop("submission_id")


def hesa_rows(snap: Snapshot, viewer: Viewer, slug: str) -> pl.DataFrame:
    """The signatory's HESA reconciliation, one row per stage open to the viewer, with technicians per
    100 staff (the catalogue metric, null where HESA's total is not reported for the year)."""
    rows = snap.query("""SELECT b.submission_id, h.stage, h.academic_year, h.declared, h.hesa_proxy, h.total_staff,
                                v.value AS per_100_staff, h.ratio, h.flag, h.note
                         FROM bench_hesa_reconciliation h
                         JOIN submissions b ON b.signatory = h.signatory AND b.stage = h.stage AND b.is_latest_valid
                         LEFT JOIN bench_metric_values v ON v.submission_id = b.submission_id
                                                        AND v.metric = 'technicians_per_100_staff'
                         WHERE h.signatory = ? ORDER BY h.stage""", (slug,))
    return viewer.open_rows(rows).drop("submission_id")


def hesa_reading(row: dict) -> str:
    """One line for a reconciliation row: "HESA: not reported (opted out in 2022/23)" where HESA has
    no figures, else the HESA year, proxy and ratio (and technicians per 100 staff where known)."""
    if row["hesa_proxy"] is None:  # not reported, no UKPRN, year not published, not in HESA, undated
        return f"HESA: {row['flag']}"
    parts = [f"HESA {row['academic_year']}: technician proxy {row['hesa_proxy']:,}",
             f"{row['declared']:,} declared, ratio {row['ratio']:.2f} ({row['flag']})" if row["ratio"] is not None
             else str(row["flag"])]
    if row.get("per_100_staff") is not None:
        parts.append(f"{row['per_100_staff']:.1f} technicians per 100 staff (HESA total {row['total_staff']:,})")
    return "; ".join(parts)
