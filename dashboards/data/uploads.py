"""Handing in a return from the dashboard (institutions only, each for its own signatory): the
upload check, and the status of the files handed in."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
import streamlit as st

from dashboards.data.access import Denied, Viewer
from pipeline.handin.submit import HandIn, hand_in, statuses
from pipeline.settings import Paths


@st.cache_resource(show_spinner=False)
def _registry():
    from pipeline.registry import Registry

    return Registry.from_entry_points()


#: What an upload comes to: the check's report, the landed file (None when refused) and why refused.
UploadResult = HandIn


def _institution(viewer: Viewer) -> str:
    if viewer.role != "institution" or not viewer.signatory:
        raise Denied("Only institution accounts hand in returns, each for its own signatory.")
    return viewer.signatory


def check_upload(viewer: Viewer, name: str, content: bytes, stage: int, paths: Paths | None = None) -> UploadResult:
    """Check an institution's file for its own signatory and land it only if it is valid: the one
    hand-in path (``pipeline.handin.submit``) that `techbench ingest --check` also takes."""
    from pipeline.kit import SourceFile

    signatory = _institution(viewer)
    return hand_in(SourceFile(name=name, data=content), signatory, stage, viewer.user.username,
                   paths or Paths.from_env(), _registry())


def issues_frame(issues: Sequence) -> pl.DataFrame:
    """A check's findings as the table ``ui.issues_table`` shows."""
    return pl.DataFrame([{"severity": i.severity, "rule": i.rule, "location": i.location, "message": i.message}
                         for i in issues], schema={"severity": pl.String, "rule": pl.String, "location": pl.String,
                                                   "message": pl.String})


def upload_status(paths: Paths, viewer: Viewer) -> pl.DataFrame:
    """An institution's handed-in files, newest first, with what the pipeline made of them so far."""
    signatory = _institution(viewer)
    schema = {"original_name": pl.String, "stage": pl.Int64, "received_at": pl.String, "state": pl.String,
              "processed_at": pl.String, "errors": pl.Int64, "warnings": pl.Int64}
    rows = [{"original_name": s.original_name, "stage": s.stage, "received_at": s.received_at.replace("T", " ")[:16],
             "state": s.state, "processed_at": s.processed_at, "errors": s.errors, "warnings": s.warnings}
            for s in statuses(paths, signatory)]
    return pl.DataFrame(rows, schema=schema).sort("received_at", descending=True, maintain_order=True)
