"""Asset checks: no reader crashed, every landed file is accounted for, the warehouse passes the
Great Expectations suite, and the snapshot matches the warehouse."""

import dagster as dg

from pipeline.handin import landing
from pipeline.store import warehouse
from pipeline.defs.assets import published_snapshot, validated_returns, warehouse_tables
from pipeline.defs.resources import TechbenchResource
from pipeline.store.snapshot import open_snapshot

INTERNAL_RULES = ("plugin.failed", "internal.error")


@dg.asset_check(asset=validated_returns, description="No plugin or rule failed internally on any file.")
def no_internal_failures(validated_returns: list[warehouse.Processed]) -> dg.AssetCheckResult:
    failed = [p.landed.path.name for p in validated_returns
              if any(i.rule in INTERNAL_RULES for i in p.report.issues)]
    return dg.AssetCheckResult(passed=not failed, severity=dg.AssetCheckSeverity.ERROR,
                               metadata={"files": dg.MetadataValue.json(failed[:50]), "count": len(failed)})


@dg.asset_check(asset=warehouse_tables, description="Every landed file is in the warehouse (once: "
                "submission_id is its primary key).")
def every_landed_file_accounted_for(techbench: TechbenchResource) -> dg.AssetCheckResult:
    landed = {warehouse.submission_id(f) for f in landing.scan(techbench.paths.landing)}
    with warehouse.connect(techbench.paths.warehouse) as con:
        stored = warehouse.processed_ids(con)
    missing = sorted(landed - stored)
    return dg.AssetCheckResult(passed=not missing,
                               metadata={"landed": len(landed), "in_warehouse": len(stored),
                                         "missing": dg.MetadataValue.json(missing[:50])})


@dg.asset_check(asset=published_snapshot, description="The Great Expectations suite over the warehouse tables as "
                "published (Data Docs under data/quality/). It runs on the snapshot, after publishing, so a "
                "new file reaches readers without waiting for it.")
def great_expectations_suite(techbench: TechbenchResource) -> dg.AssetCheckResult:
    # In its own process (started when the run began, so Great Expectations is imported by then):
    # the suite over the whole snapshot, as published.
    from pipeline.validation import quality_worker

    report = quality_worker.check_snapshot(techbench.paths)
    return dg.AssetCheckResult(passed=report.success, severity=dg.AssetCheckSeverity.WARN,
                               metadata={"summary": report.summary(), "data_docs": str(report.data_docs_index)})


@dg.asset_check(asset=published_snapshot, description="Readers see what the pipeline wrote.")
def snapshot_matches_warehouse(techbench: TechbenchResource) -> dg.AssetCheckResult:
    query = "SELECT count(*), count(*) FILTER (is_latest_valid) FROM submissions"
    with warehouse.connect(techbench.paths.warehouse) as con:
        written = con.execute(query).fetchone()
    with open_snapshot(techbench.paths) as con:
        published = con.execute(query).fetchone()
    return dg.AssetCheckResult(passed=written == published,
                               metadata={"warehouse": list(written), "snapshot": list(published)})


CHECKS = [no_internal_failures, every_landed_file_accounted_for, great_expectations_suite, snapshot_matches_warehouse]
