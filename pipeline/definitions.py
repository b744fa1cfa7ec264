"""The Dagster code location: everything under pipeline/defs/, loaded the dg way.

`make dagster` (or `dagster dev`) serves it; `techbench run` materialises the same assets
in-process.
"""

from pathlib import Path

import dagster as dg


@dg.definitions
def defs() -> dg.Definitions:
    return dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
