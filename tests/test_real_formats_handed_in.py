"""The official form saved as .odt and as PDF goes the whole way a Word return goes: the upload
page's check hands it in, and the pipeline accepts it into the warehouse."""

from __future__ import annotations

from pathlib import Path

import office
from dashboard_support import PASSWORD

from dashboards import data
from dashboards.accounts import AccountStore
from pipeline.run import run_pipeline
from pipeline.settings import Paths
from pipeline.store.snapshot import open_snapshot

NORTHGATE = Path(__file__).resolve().parent.parent / "plugins" / "official_form" / "samples" / \
    "example_return_northgate_stage1.docx"


def test_odt_and_pdf_forms_are_handed_in_on_the_upload_page_and_accepted_by_the_pipeline(tmp_path):
    paths = Paths.from_env(tmp_path / "home")
    store = AccountStore.for_paths(paths)
    store.add_user("lead", PASSWORD, "institution", "imperial")
    viewer = data.Viewer.load(store, "lead")
    for stage, converted in ((1, office.one(NORTHGATE, "odt")), (2, office.one(NORTHGATE, "pdf"))):
        result = data.check_upload(viewer, converted.name, converted.read_bytes(), stage, paths)
        assert result.report.ok and result.landed is not None and result.landed.new, result.report.issues
    summary = run_pipeline(paths)
    assert summary.success and summary.accepted == 2 and summary.rejected == 0
    with open_snapshot(paths) as con:
        rows = con.sql("SELECT s.original_name, s.status, r.headcount FROM submissions s "
                       "JOIN returns r USING (submission_id) ORDER BY s.stage").fetchall()
    assert [(name.rsplit(".", 1)[1], status) for name, status, _ in rows] == [("odt", "accepted"), ("pdf", "accepted")]
    assert rows[0][2] == rows[1][2] is not None  # the same headcount from both formats
