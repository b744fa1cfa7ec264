"""The landing-zone sensor: a run whenever complete files arrive that the snapshot does not have."""

import hashlib

import dagster as dg

from pipeline.handin import landing

from pipeline.store import warehouse
from pipeline.defs.assets import process_landing_zone
from pipeline.defs.resources import TechbenchResource
from pipeline.store.snapshot import open_snapshot


def pending_ids(techbench: TechbenchResource) -> list[str]:
    """Landed submissions the published snapshot does not hold yet (the sensor never opens the
    warehouse, which a run may be writing)."""
    paths = techbench.paths
    landed = {warehouse.submission_id(f) for f in landing.scan(paths.landing)}
    try:
        with open_snapshot(paths) as con:
            done = {r[0] for r in con.execute("SELECT submission_id FROM submissions").fetchall()}
    except FileNotFoundError:
        done = set()
    return sorted(landed - done)


@dg.sensor(job=process_landing_zone, minimum_interval_seconds=2, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Starts a run for every new batch of complete files in the landing zone.")
def landing_zone_sensor(context: dg.SensorEvaluationContext, techbench: TechbenchResource):
    pending = pending_ids(techbench)
    if not pending:
        return dg.SkipReason("no new files in the landing zone")
    # Stable key: the sha256 of the pending submissions. While a run works on them the snapshot
    # does not have them yet, so later ticks see the same set and are not run again.
    key = hashlib.sha256("\n".join(pending).encode()).hexdigest()
    return dg.RunRequest(run_key=key, tags={"techbench/files": str(len(pending))})
