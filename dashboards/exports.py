"""What the dashboard lets people download, made at the moment of download for the account asking
(``dashboards.web`` serves them by ticket at ``/download/<ticket>``): the role is checked when the
file is made, not when the button was drawn."""

from __future__ import annotations

from dashboards import data, web
from dashboards.session import paths
from pipeline.benchmarks import export
from pipeline.store.snapshot import published

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {"csv": "text/csv", "xlsx": XLSX}


def sector_table(viewer: data.Viewer, name: str, fmt: str) -> tuple[bytes, str, str] | None:
    """A benchmark table as this viewer may see it (``data.sector_table``), as CSV or Excel that
    cannot run as formulas."""
    current = published(paths())
    if current is None or fmt not in FORMATS:
        return None
    table = data.sector_table(data.Snapshot(paths(), current), viewer, name)
    content = export.to_bytes_csv(table, bom=True) if fmt == "csv" else export.to_bytes_xlsx(table, sheet=name)
    return content, f"techbench-{name}-{current.info.version}.{fmt}", FORMATS[fmt]


def data_docs(viewer: data.Viewer) -> tuple[bytes, str, str] | None:
    """The Great Expectations Data Docs site as a zip (steering group only: ``data.data_docs_zip``)."""
    content = data.data_docs_zip(paths(), viewer)
    return None if content is None else (content, "techbench-data-docs.zip", "application/zip")


def register() -> None:
    web.PRODUCERS.update({"sector_table": sector_table, "data_docs": data_docs})
