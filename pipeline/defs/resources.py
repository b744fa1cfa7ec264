"""The one resource the assets share (where techbench's data lives), and the executor."""


import dagster as dg

from pipeline.settings import Paths


class TechbenchResource(dg.ConfigurableResource):
    """``home`` empty means ``TECHBENCH_HOME`` or ``./data``; ``workers`` 0 means one per core (max 2)."""

    home: str = ""
    workers: int = 0

    @property
    def paths(self) -> Paths:
        return Paths.from_env(self.home or None)


@dg.definitions
def resources() -> dg.Definitions:
    # In-process execution for materialisations started from the UI too: the steps share one
    # DuckDB file, which allows one writer at a time.
    return dg.Definitions(resources={"techbench": TechbenchResource()}, executor=dg.in_process_executor)
