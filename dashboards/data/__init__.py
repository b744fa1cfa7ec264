"""What the dashboard reads, and who may read it: ``from dashboards import data``, then ``data.X``.

Every read takes a ``Viewer`` and applies its access rules *where the data is read*, not where
menus are drawn (DESIGN §4 item 10). One module per concern:

* ``snapshot``: ``Snapshot``, the published file, its connection and the cache of query results
  per snapshot version (the only module that opens it);
* ``access``: ``Viewer`` (the signed-in account, asked again at every check) and ``Denied``;
* ``submissions``: one submission's content (``submission``, ``SubmissionDetail``), the list of
  those a viewer may open, their labels and validation issues;
* ``sector``: the sector tables (``sector_table``, ``SECTOR_TABLES``' names) and headline figures
  with disclosure control for all but steering, the register, the tracker, one signatory's
  positions and history;
* ``uploads``: an institution's upload check (``check_upload``) and the status of its files;
* ``quality``: the Great Expectations results and Data Docs (steering only);
* ``extensions``: granting an extension (steering only) and the extensions recorded;
* ``register``: the signatory register to read and change (add, correct), its problems and its audit
  trail (steering only).
"""

from dashboards.data.access import Denied, Viewer
from dashboards.data.extensions import EXTENSION_PENDING, ExtensionRefused, grant_extension, recorded_extensions
from dashboards.data.quality import data_docs_zip, quality_report
from dashboards.data.register import (
    add_signatory,
    correct_signatory,
    register_problems,
    register_rows,
    register_trail,
)
from dashboards.data.sector import (
    ALL_GROUP,
    benchmarked_signatories,
    headline_metrics,
    headline_values,
    hesa_rows,
    next_stage,
    returns_by_stage,
    sector_table,
    sector_totals,
    signatory_history,
    signatory_name,
    signatory_positions,
    theme_coverage,
    tracker,
    tracker_summary,
    visible_signatories,
)
from dashboards.data.snapshot import Snapshot
from dashboards.data.submissions import (
    SubmissionDetail,
    benchmarked_submission,
    issues,
    submission,
    submission_label,
    submission_labels,
    submissions,
)
from dashboards.data.uploads import UploadResult, check_upload, issues_frame, upload_status
from pipeline.benchmarks.published import SECTOR_TABLES

__all__ = [
    "ALL_GROUP", "EXTENSION_PENDING", "SECTOR_TABLES", "Denied", "ExtensionRefused", "Snapshot", "SubmissionDetail",
    "UploadResult", "Viewer", "benchmarked_signatories", "benchmarked_submission", "check_upload", "data_docs_zip",
    "grant_extension", "headline_metrics", "headline_values", "hesa_rows", "issues", "issues_frame", "next_stage",
    "quality_report", "recorded_extensions", "returns_by_stage", "sector_table", "sector_totals",
    "signatory_history", "signatory_name", "signatory_positions", "submission", "submission_label",
    "submission_labels", "submissions", "theme_coverage", "tracker", "tracker_summary", "upload_status",
    "visible_signatories",
]
