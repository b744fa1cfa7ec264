"""The HESA reference plugin.

Provides two reference tables (see :mod:`plugins.hesa.reader`): ``hesa_staff``, HESA staff
headcounts of every UK provider per academic year with the SOC major group 3 technician proxy and
whether the provider reported its non-academic staff; ``hesa_staff_sector``, the UK per year. It
reads no returns, so it implements only ``techbench_plugin_info`` and ``techbench_reference_tables``.

Wherever figures from it are shown, show :data:`ATTRIBUTION` with them (CC BY 4.0).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipeline.kit import PluginInfo, hookimpl
from plugins.hesa.common import ATTRIBUTION, LICENCE

__all__ = ["ATTRIBUTION", "INFO", "LICENCE", "techbench_plugin_info", "techbench_reference_tables"]

INFO = PluginInfo(
    name="hesa",
    version="2.0.0",
    description=(
        "HESA open data DT025 Table 1 for every UK provider, 2014/15 to 2023/24, as the 'hesa_staff' "
        "reference table: non-academic staff in SOC major group 3 (a technician proxy, not a technician "
        "count), all non-academic staff and all staff, rounded to 5, or 'not reported' where a provider "
        "opted out of the non-academic return. "
        + ATTRIBUTION
    ),
    formats=["csv"],
    signatories=None,
)


@hookimpl
def techbench_plugin_info() -> PluginInfo:
    return INFO


@hookimpl
def techbench_reference_tables() -> dict[str, Callable[[], Any]]:
    from plugins.hesa import reader  # polars only when the tables are asked for

    return {"hesa_staff": reader.load_hesa, "hesa_staff_sector": reader.load_hesa_sector}
