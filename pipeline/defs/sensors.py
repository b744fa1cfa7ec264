"""The landing-zone sensor: a run whenever complete files arrive that the snapshot does not have."""

import hashlib

import dagster as dg

from pipeline.defs.assets import process_landing_zone
from pipeline.defs.resources import TechbenchResource
from pipeline.handin.submit import pending


@dg.sensor(job=process_landing_zone, minimum_interval_seconds=2, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Starts a run for every new batch of complete files in the landing zone.")
def landing_zone_sensor(context: dg.SensorEvaluationContext, techbench: TechbenchResource):
    waiting = pending(techbench.paths)
    if not waiting:
        return dg.SkipReason("no new files in the landing zone")
    # Stable key: the sha256 of the pending submissions. While a run works on them the snapshot
    # does not have them yet, so later ticks see the same set and are not run again.
    key = hashlib.sha256("\n".join(waiting).encode()).hexdigest()
    return dg.RunRequest(run_key=key, tags={"techbench/files": str(len(waiting))})
