"""The asset graph, top to bottom: register and HESA reference; raw submissions from the landing
zone; parsed returns; validated returns; warehouse tables; benchmarks; the published snapshot.

One run takes every landed file not yet in the warehouse (a batch, not a partition per file:
Dagster's per-run overhead is seconds, so a sector of hundreds of files loads in one run). Each
submission's lineage is kept in the warehouse (``submissions.run_id``).
"""

import datetime as dt
from collections import Counter

import dagster as dg
import polars as pl

from pipeline.defs.resources import TechbenchResource
from pipeline.handin import landing
from pipeline.programme.signatories import load_register
from pipeline.store import snapshot, warehouse
from pipeline.validation import process

#: In-process progress callback (done, total) for `techbench run`'s progress bar.
ON_PROGRESS = None
#: Parsing that `pipeline.run` started before the run (``process.prefetch``), for parsed_returns.
PREFETCHED: process.Prefetch | None = None


@dg.asset(group_name="reference", description="The signatory register in use, as a warehouse table.")
def signatory_register(techbench: TechbenchResource) -> dg.MaterializeResult:
    paths = techbench.paths
    rows = load_register(paths.register)
    frame = pl.DataFrame([{**s.model_dump(mode="python"), "type": s.type.value, "nation": s.nation.value,
                           "peer_groups": list(s.peer_groups)} for s in rows],
                         schema_overrides={"peer_groups": pl.List(pl.String)})
    with warehouse.connect(paths.warehouse) as con:
        warehouse.replace_table(con, "signatories", frame)
    return dg.MaterializeResult(metadata={"signatories": len(rows), "register": str(paths.register)})


@dg.asset(group_name="reference", description="HESA technician proxy by provider and academic year.")
def hesa_reference(techbench: TechbenchResource) -> dg.MaterializeResult:
    from pipeline.registry import Registry

    table = Registry.from_entry_points().get("hesa").reference_tables()["hesa_staff"]()
    with warehouse.connect(techbench.paths.warehouse) as con:
        warehouse.replace_table(con, "hesa_reference", table)
    return dg.MaterializeResult(metadata={"rows": table.height})


@dg.asset(group_name="returns", deps=[signatory_register],
          description="Landed files not yet in the warehouse (complete files only: their sidecar is written last).")
def raw_submissions(context: dg.AssetExecutionContext, techbench: TechbenchResource) -> list[landing.Landed]:
    paths = techbench.paths
    landed = landing.scan(paths.landing)
    with warehouse.connect(paths.warehouse) as con:
        pending = warehouse.unprocessed(con, landed)
    context.add_output_metadata({"landed": len(landed), "pending": len(pending)})
    return pending


@dg.asset(group_name="returns", description="Each pending file read by its plugin.")
def parsed_returns(context: dg.AssetExecutionContext, techbench: TechbenchResource,
                   raw_submissions: list[landing.Landed]) -> list[warehouse.Processed]:
    with warehouse.connect(techbench.paths.warehouse) as con:
        signatories = warehouse.signatory_names(con)
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if ON_PROGRESS:
            ON_PROGRESS(done, len(raw_submissions))

    parsed = process.parse_all(raw_submissions, signatories, workers=techbench.workers or None, progress=tick,
                               prefetched=PREFETCHED)
    context.add_output_metadata({"parsed": len(parsed),
                                 "unreadable": sum(1 for p in parsed if p.report.return_ is None)})
    return parsed


@dg.asset(group_name="returns", description="Parsed returns with the validation rules applied.")
def validated_returns(context: dg.AssetExecutionContext, techbench: TechbenchResource,
                      parsed_returns: list[warehouse.Processed]) -> list[warehouse.Processed]:
    with warehouse.connect(techbench.paths.warehouse) as con:
        signatories = warehouse.signatory_names(con)
    validated = [process.validate_parsed(p, signatories) for p in parsed_returns]
    rejected = Counter(i.rule for p in validated if not p.report.ok for i in p.report.errors)
    context.add_output_metadata({"accepted": sum(p.report.ok for p in validated),
                                 "rejected": sum(not p.report.ok for p in validated),
                                 "rejections_by_rule": dg.MetadataValue.json(dict(rejected))})
    return validated


@dg.asset(group_name="warehouse", deps=[hesa_reference],
          description="Submissions, returns, their lists and issues in DuckDB, one transaction per batch.")
def warehouse_tables(context: dg.AssetExecutionContext, techbench: TechbenchResource,
                     validated_returns: list[warehouse.Processed]) -> dg.MaterializeResult:
    run_id = context.run.run_id
    started = dt.datetime.now(dt.UTC)
    with warehouse.connect(techbench.paths.warehouse) as con:
        for i in range(0, len(validated_returns), warehouse.BATCH):
            warehouse.write_batch(con, validated_returns[i:i + warehouse.BATCH], run_id)
        accepted = sum(p.report.ok for p in validated_returns)
        warehouse.log_run(con, run_id, started, len(validated_returns), accepted, len(validated_returns) - accepted)
        totals = con.execute("SELECT count(*), count(*) FILTER (status = 'accepted') FROM submissions").fetchone()
    return dg.MaterializeResult(metadata={"written": len(validated_returns), "submissions": totals[0],
                                          "accepted_in_total": totals[1]})


@dg.asset(group_name="benchmarks", deps=[warehouse_tables],
          description="Metrics, peer groups, positions, trends, plan lineage, HESA reconciliation, the "
                      "submission tracker and Appendix A adoption (polars), as bench_* tables.")
def benchmarks(techbench: TechbenchResource) -> dg.MaterializeResult:
    from pipeline.benchmarks import compute

    with warehouse.connect(techbench.paths.warehouse) as con:
        counts = compute.run(con, paths=techbench.paths)  # the extensions are in its audit trail
    return dg.MaterializeResult(metadata={name: rows for name, rows in counts.items()})


@dg.asset(group_name="warehouse", deps=[benchmarks],
          description="The read-only copy of the warehouse that the dashboard and CLI readers use.")
def published_snapshot(context: dg.AssetExecutionContext, techbench: TechbenchResource) -> dg.MaterializeResult:
    with warehouse.connect(techbench.paths.warehouse) as con:
        info = snapshot.publish(con, techbench.paths, context.run.run_id)
    return dg.MaterializeResult(metadata={"version": info.version, "path": str(techbench.paths.snapshot)})


PIPELINE = [signatory_register, hesa_reference, raw_submissions, parsed_returns, validated_returns,
            warehouse_tables, benchmarks, published_snapshot]

# In-process: the steps share one DuckDB file (one writer at a time), and a step per subprocess
# would add seconds to every run for nothing; parsing is parallel inside its own step.
process_landing_zone = dg.define_asset_job(
    "process_landing_zone", selection=dg.AssetSelection.assets(*PIPELINE), executor_def=dg.in_process_executor,
    description="Everything from the landing zone to the published snapshot.")
