"""All benchmarks from one set of frames, written back into the warehouse as ``bench_*`` tables.

Order of work: stage deadlines (the tracker's) feed the timeliness metric; metric values for
every latest valid return; each signatory's latest values against its peer groups; trends and
plan lineage across stages; HESA reconciliation; the submission tracker; Appendix A adoption.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import duckdb
import polars as pl

from pipeline.programme import calendar
from pipeline.settings import Paths
from pipeline.store import warehouse
from pipeline.benchmarks import groups, hesa_reconciliation, lineage, metrics, position, tagging, tracker
from pipeline.benchmarks.catalogue import CATALOGUE, IDS
from pipeline.benchmarks.frames import Frames, load_frames

#: Tables written, in the warehouse and the snapshot (prefixed ``bench_``).
TABLES = ("metric_catalogue", "metric_values", "peer_groups", "group_members", "group_stats", "positions",
          "sector_trends",
          "action_lineage", "hesa_reconciliation", "tracker", "appendix_a_tags",
          "appendix_a_adoption")


GROUP_STATS = ("metric", "group_id", "n", "median", "q1", "q3", "median_low", "median_high", "ci_level")


def catalogue_frame() -> pl.DataFrame:
    return pl.DataFrame([{"metric": m.id, "name": m.name, "definition": m.definition, "formula": m.formula,
                          "unit": m.unit, "direction": m.direction, "kind": m.kind, "headline": m.headline,
                          "fields": list(m.fields)} for m in CATALOGUE])


def compute(frames: Frames, today: dt.date, extensions: pl.DataFrame | None = None) -> dict[str, pl.DataFrame]:
    """Every benchmark table; ``extensions`` (``pipeline.programme.calendar.extensions``, none if not given) move
    the tracker's deadlines. Plan lineage (text matching) runs beside the metric work: polars
    releases the GIL, so the two use both cores."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        plan_lineage = pool.submit(lineage.action_lineage, frames.actions, frames.returns)
        # the tracker holds the deadlines too
        track = tracker.tracker(frames.signatories, frames.submissions, today, extensions=extensions)
        wide = metrics.wide_values(frames, track.select("signatory", "stage", "due"))
        latest = metrics.long_values(metrics.latest_values(wide))
        headcounts = latest.filter(pl.col("metric") == "headcount").select("signatory", headcount=pl.col("value"))
        peer_groups, members = groups.peer_groups(frames.signatories, headcounts)
        positions = position.positions(latest.select("signatory", "metric", "value"), members,
                                       {m.id: m.direction for m in CATALOGUE})
        tags = tagging.tag_frames(frames)
        tables = {
            "metric_catalogue": catalogue_frame(),
            # each value with its change since the signatory's previous stage (its trend)
            "metric_values": metrics.long_values(wide, change=True),
            "peer_groups": peer_groups,
            "group_members": members,
            # group statistics once per metric and group; each signatory's place in it per row
            "group_stats": positions.select(GROUP_STATS).unique(["metric", "group_id"]).sort("metric", "group_id"),
            "positions": positions.select(pl.exclude(set(GROUP_STATS) - {"metric", "group_id"} | {"direction"})),
            "sector_trends": lineage.sector_trends_wide(wide, sorted(IDS)),
            "hesa_reconciliation": hesa_reconciliation.reconcile(frames.returns, frames.signatories, frames.hesa),
            "tracker": track,
            "appendix_a_tags": tags,
            "appendix_a_adoption": tagging.adoption(tags, frames.returns),
        }
        tables["action_lineage"] = plan_lineage.result()
    return tables


def write(con: duckdb.DuckDBPyConnection, tables: dict[str, pl.DataFrame]) -> None:
    """Replace every ``bench_*`` table in one transaction."""
    with warehouse.transaction(con):
        for name, frame in tables.items():
            warehouse.insert_frame(con, f"CREATE OR REPLACE TABLE bench_{name} AS SELECT * FROM incoming", frame)


def run(con: duckdb.DuckDBPyConnection, today: dt.date | None = None, paths: Paths | None = None) -> dict[str, int]:
    """Compute and write every table; the tracker applies the extensions in ``paths``' audit trail."""
    extensions = calendar.extensions(paths) if paths is not None else None
    tables = compute(load_frames(con), today or dt.date.today(), extensions)
    write(con, tables)
    return {name: frame.height for name, frame in tables.items()}
