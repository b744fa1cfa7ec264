"""The one resource the assets share: where techbench's data lives."""


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
    return dg.Definitions(resources={"techbench": TechbenchResource()})
