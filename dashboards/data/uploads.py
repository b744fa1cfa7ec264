"""Handing in a return from the dashboard (institutions only, each for its own signatory): the
upload check, and the status of the files handed in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl
import streamlit as st

from dashboards.data.access import Denied, Viewer
from dashboards.data.snapshot import Snapshot
from pipeline.settings import Paths
from pipeline.store.snapshot import published


@st.cache_resource(show_spinner=False)
def _registry():
    from pipeline.registry import Registry

    return Registry.from_entry_points()


@dataclass(frozen=True)
class UploadResult:
    report: object  # pipeline.validation.validate.FileReport
    landed: object | None  # pipeline.handin.landing.Landed, when the file was valid and handed in


def check_upload(viewer: Viewer, name: str, content: bytes, stage: int, paths: Paths | None = None) -> UploadResult:
    """Validate an institution's file for its own signatory; land it only if it is valid."""
    from pipeline.handin.landing import land_source
    from pipeline.kit.hooks import ParseContext, SourceFile
    from pipeline.kit.intake import Limits
    from pipeline.signatories import registered_name
    from pipeline.validation.validate import validate_source

    if viewer.role != "institution" or not viewer.signatory:
        raise Denied("Only institution accounts hand in returns, each for its own signatory.")
    paths = paths or Paths.from_env()
    source = SourceFile(name=name, data=content)
    context = ParseContext(stage=stage, signatory=viewer.signatory,
                           signatory_name=registered_name(paths.register, viewer.signatory))
    report = validate_source(source, _registry(), context=context, limits=Limits.from_env(), path=name)
    landed = None
    if report.ok:
        landed = land_source(source, viewer.signatory, stage, paths.landing, sender=viewer.user.username)
    return UploadResult(report, landed)


def issues_frame(issues: Sequence) -> pl.DataFrame:
    """A check's findings as the table ``ui.issues_table`` shows."""
    return pl.DataFrame([{"severity": i.severity, "rule": i.rule, "location": i.location, "message": i.message}
                         for i in issues], schema={"severity": pl.String, "rule": pl.String, "location": pl.String,
                                                   "message": pl.String})


def upload_status(paths: Paths, viewer: Viewer) -> pl.DataFrame:
    """An institution's handed-in files, newest first, with what the pipeline made of them so far."""
    from pipeline.handin.landing import scan
    from pipeline.store.warehouse import submission_id

    if viewer.role != "institution" or not viewer.signatory:
        raise Denied("Only institution accounts hand in returns.")
    schema = {"submission_id": pl.String, "original_name": pl.String, "stage": pl.Int64, "received_at": pl.String}
    files = pl.DataFrame([{"submission_id": submission_id(f), "original_name": f.original_name, "stage": f.stage,
                           "received_at": f.received_at.replace("T", " ")[:16]}
                          for f in scan(paths.landing, viewer.signatory)], schema=schema)
    current = published(paths)
    if current is None:
        done = pl.DataFrame(schema={"submission_id": pl.String, "status": pl.String, "processed_at": pl.String,
                                    "errors": pl.Int64, "warnings": pl.Int64})
    else:
        done = Snapshot(paths, current).query(
            """SELECT submission_id, status, strftime(processed_at, '%Y-%m-%d %H:%M') AS processed_at, errors, warnings
               FROM submissions WHERE signatory = ?""", (viewer.signatory,))
    out = files.join(done, on="submission_id", how="left").with_columns(
        state=pl.col("status").fill_null("waiting for the pipeline"))
    return out.sort("received_at", descending=True).select(
        "original_name", "stage", "received_at", "state", "processed_at", "errors", "warnings")
