"""The Great Expectations results on the published snapshot and its Data Docs site (steering group
only: their examples quote values from any return)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import streamlit as st

from dashboards.data.access import Denied, Viewer
from pipeline.settings import Paths


def quality_report(paths: Paths, viewer: Viewer) -> dict | None:
    """The suite's results as the pipeline wrote them, or ``None`` before its first run."""
    from pipeline.validation.quality import RESULTS_FILE

    if viewer.role != "steering":
        raise Denied("The Great Expectations results are shown to the steering group only.")
    try:
        return json.loads((paths.quality / RESULTS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@st.cache_resource(max_entries=2, show_spinner=False)
def _zip_folder(folder: str, stamp: float) -> bytes:
    """``folder`` zipped; ``stamp`` (its index's modification time) is the cache key's version."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(Path(folder).rglob("*")):
            if f.is_file():
                zf.write(f, f.relative_to(folder))
    return buffer.getvalue()


def data_docs_zip(paths: Paths, viewer: Viewer) -> bytes | None:
    """The Data Docs site as a zip, or ``None`` before the first run wrote it."""
    from pipeline.validation.quality import DATA_DOCS_DIR

    if viewer.role != "steering":
        raise Denied("The Great Expectations Data Docs are shown to the steering group only.")
    folder = paths.quality / DATA_DOCS_DIR
    index = folder / "index.html"
    return _zip_folder(str(folder), index.stat().st_mtime) if index.is_file() else None
