"""The warehouse quality suite: a clean warehouse passes and gets Data Docs; each planted fault is
named with its table, expectation and an offending row; an empty warehouse is checked, not a crash."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pipeline.validation.quality import RESULTS_FILE, TABLES, QualityReport, run_quality_suite
from pipeline.store.warehouse import connect, flag_latest_valid

ALPHA_OLD = "alpha|1|aaa"
ALPHA_NEW = "alpha|1|bbb"
BETA = "beta|2|ccc"
GAMMA_REJECTED = "gamma|1|ddd"


def _good_rows(con) -> None:
    """A small, clean warehouse: alpha re-submitted stage 1, beta stage 2, gamma's file rejected."""
    con.execute("""
        INSERT INTO signatories (slug, name, type, nation, ukprn, signed, cohort, mission_group, peer_groups, plugin,
                                 synthetic, source) VALUES
            ('alpha', 'University of Alpha', 'university', 'England', '10000001', DATE '2017-05-01', '2017 founders',
             NULL, ['north'], 'official_form', TRUE, NULL),
            ('beta', 'Beta Institute', 'research institute', 'Scotland', NULL, DATE '2019-03-01', '2019',
             NULL, [], 'hr_export', TRUE, NULL),
            ('gamma', 'Gamma College', 'other', 'Wales', '10000003', DATE '2020-01-01', '2020',
             NULL, [], 'faculty_workbook', TRUE, NULL);
        INSERT INTO hesa_reference (ukprn, provider, academic_year, year_start, technician_proxy, total_non_academic,
                                    total_staff, rounded_to, hesa_status) VALUES
            ('10000001', 'University of Alpha', '2021/22', 2021, 415, 2000, 5000, 5, 'reported'),
            ('10000001', 'University of Alpha', '2022/23', 2022, NULL, NULL, NULL, 5, 'not reported');
        INSERT INTO submissions (submission_id, sha256, signatory, stage, file, received_at, size, status,
                                 errors, warnings, processed_at, run_id) VALUES
            ('alpha|1|aaa', 'aaa', 'alpha', 1, 'a1.docx', TIMESTAMPTZ '2024-01-01 10:00+00', 10, 'accepted', 0, 1, now(), 'r1'),
            ('alpha|1|bbb', 'bbb', 'alpha', 1, 'a2.docx', TIMESTAMPTZ '2024-02-01 10:00+00', 10, 'accepted', 0, 0, now(), 'r1'),
            ('beta|2|ccc', 'ccc', 'beta', 2, 'b.zip', TIMESTAMPTZ '2024-01-05 10:00+00', 10, 'accepted', 0, 0, now(), 'r1'),
            ('gamma|1|ddd', 'ddd', 'gamma', 1, 'g.xlsx', TIMESTAMPTZ '2024-01-07 10:00+00', 10, 'rejected', 2, 0, now(), 'r1');
        INSERT INTO returns (submission_id, signatory, stage, schema_version, synthetic, headcount, fte, canonical) VALUES
            ('alpha|1|aaa', 'alpha', 1, '1.0', TRUE, 120, 100.5, '{}'),
            ('alpha|1|bbb', 'alpha', 1, '1.0', TRUE, 125, 110.0, '{}'),
            ('beta|2|ccc', 'beta', 2, '1.0', TRUE, NULL, NULL, '{}'),
            ('gamma|1|ddd', 'gamma', 1, '1.0', TRUE, 40, 38.0, '{}');
        INSERT INTO return_areas VALUES ('alpha|1|bbb', 0, 'Engineering', 60, 55.0), ('alpha|1|bbb', 1, 'Science', 65, 55.0);
        INSERT INTO return_registrations VALUES
            ('alpha|1|bbb', 0, 'RSciTech', NULL, 12), ('alpha|1|bbb', 1, 'other', 'IST Fellow', 0),
            ('beta|2|ccc', 0, 'EngTech', NULL, 3);
        INSERT INTO return_metrics VALUES ('alpha|1|bbb', 0, 'apprentices', 4);
        INSERT INTO return_initiatives VALUES
            ('alpha|1|bbb', 0, 'before', 'Visibility', 'Technician profiles'),
            ('alpha|1|bbb', 1, 'since', NULL, 'A network');
        INSERT INTO return_actions (submission_id, ordinal, theme, action, owner, due_precision, due_end, due_text,
                                    evidence, status) VALUES
            ('alpha|1|bbb', 0, 'Visibility', 'Web pages', 'Comms', 'month', DATE '2025-09-30', 'Sep 2025', 'Page views', 'planned'),
            ('alpha|1|bbb', 1, 'Career Development', 'Mentoring', 'HR', 'ongoing', NULL, 'ongoing', NULL, NULL),
            ('beta|2|ccc', 0, NULL, 'Survey', NULL, 'year', DATE '2026-12-31', '2026', NULL, 'in progress');
        INSERT INTO issues VALUES
            ('alpha|1|aaa', 0, 'email.format', 'warning', '/lead/email', 'table 1, row 3', 'Check the email'),
            ('gamma|1|ddd', 0, 'plan.horizon', 'error', '/action_plan/0/due', 'Actions!B7', 'Too late'),
            ('gamma|1|ddd', 1, 'file.unknown_format', 'error', NULL, 'whole file', 'Unreadable');
    """)
    flag_latest_valid(con)


def _failure(report: QualityReport, table: str, expectation: str, column: str):
    matches = [e for e in report.table(table).failures if e.expectation == expectation and e.column == column]
    assert matches, f"{table}: no failing {expectation} on {column}; failures: {report.table(table).failures}"
    return matches[0]


def test_importing_the_module_does_not_import_great_expectations():
    code = "import sys, pipeline.validation.quality; print('great_expectations' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_clean_warehouse_passes_and_publishes_data_docs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # anything GX wrote to the working directory would show up here
    con = connect(tmp_path / "w.duckdb")
    _good_rows(con)
    out = tmp_path / "quality"

    report = run_quality_suite(con, out)

    assert report.success, report.summary()
    assert [t.table for t in report.tables] == [t.name for t in TABLES]
    assert report.table("submissions").rows == 4 and report.table("return_actions").rows == 3
    assert all(e.success and e.unexpected_count == 0 for t in report.tables for e in t.expectations)
    assert report.data_docs_index == out / "data_docs" / "index.html"
    index = report.data_docs_index.read_text(encoding="utf-8")
    assert "techbench_returns" in index and "techbench_submissions" in index
    results = json.loads((out / RESULTS_FILE).read_text(encoding="utf-8"))
    assert results["success"] is True
    assert {t["table"] for t in results["tables"]} == {t.name for t in TABLES}
    assert "PASSED" in report.summary()
    assert {p.name for p in tmp_path.iterdir() if not p.name.startswith("w.duckdb")} == {"quality"}

    # A second run replaces the site: one validation page per table, not one per run.
    run_quality_suite(con, out)
    assert len(list((out / "data_docs" / "validations").rglob("*.html"))) == len(TABLES)


def test_planted_faults_are_named_with_an_offending_row(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    _good_rows(con)
    con.execute(f"""
        UPDATE returns SET headcount = 0 WHERE submission_id = '{BETA}';
        UPDATE returns SET headcount = 0, fte = 0 WHERE submission_id = '{GAMMA_REJECTED}';
        UPDATE submissions SET is_latest_valid = TRUE WHERE submission_id = '{ALPHA_OLD}';
        UPDATE return_actions SET theme = 'Wellbeing' WHERE submission_id = '{ALPHA_NEW}' AND ordinal = 1;
        UPDATE issues SET severity = 'info' WHERE submission_id = '{ALPHA_OLD}';
        UPDATE issues SET location = '' WHERE submission_id = '{GAMMA_REJECTED}' AND ordinal = 0;
        UPDATE return_registrations SET count = -2 WHERE submission_id = '{BETA}';
    """)

    report = run_quality_suite(con, tmp_path / "out")

    assert not report.success
    headcount = _failure(report, "returns", "expect_column_values_to_be_between", "headcount")
    assert headcount.unexpected_count == 1  # gamma's return was rejected: its headcount is not held to the range
    assert headcount.examples == [{"headcount": 0, "submission_id": BETA}]

    latest = _failure(report, "submissions", "expect_column_values_to_be_between", "latest_valid_in_group")
    assert {e["submission_id"] for e in latest.examples} == {ALPHA_OLD, ALPHA_NEW}
    assert {e["latest_valid_in_group"] for e in latest.examples} == {2}

    theme = _failure(report, "return_actions", "expect_column_values_to_be_in_set", "theme")
    assert theme.examples == [{"theme": "Wellbeing", "submission_id": ALPHA_NEW, "ordinal": 1}]
    severity = _failure(report, "issues", "expect_column_values_to_be_in_set", "severity")
    assert severity.examples[0]["severity"] == "info" and severity.examples[0]["submission_id"] == ALPHA_OLD
    location = _failure(report, "issues", "expect_column_values_to_match_regex", "location")
    assert location.examples[0]["location"] == "" and location.examples[0]["submission_id"] == GAMMA_REJECTED
    count = _failure(report, "return_registrations", "expect_column_values_to_be_between", "count")
    assert count.examples[0]["count"] == -2 and count.examples[0]["submission_id"] == BETA

    assert {name for name, _ in report.failures} == {"returns", "submissions", "return_actions", "issues",
                                                    "return_registrations"}
    assert report.table("signatories").success and report.table("hesa_reference").success

    summary = report.summary()
    assert "FAILED" in summary
    for table, outcome in report.failures:
        assert table in summary and outcome.expectation in summary
    assert "Wellbeing" in summary and BETA in summary

    results = json.loads(report.results_path.read_text(encoding="utf-8"))
    assert results["success"] is False
    by_table = {t["table"]: t for t in results["tables"]}
    assert by_table["return_actions"]["success"] is False and by_table["signatories"]["success"] is True
    (page,) = (report.data_docs_index.parent / "validations" / "techbench_return_actions").rglob("*.html")
    assert "Wellbeing" in page.read_text(encoding="utf-8")


def test_orphan_child_rows_and_bad_reference_data_are_reported(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    _good_rows(con)
    con.execute("""
        INSERT INTO return_actions (submission_id, ordinal, theme) VALUES ('nobody|1|zzz', 0, 'Visibility');
        UPDATE signatories SET nation = 'Atlantis' WHERE slug = 'beta';
        UPDATE hesa_reference SET technician_proxy = 417 WHERE academic_year = '2021/22';
    """)

    report = run_quality_suite(con, tmp_path / "out")

    orphan = _failure(report, "return_actions", "expect_column_values_to_be_in_set", "has_return")
    assert orphan.examples[0]["submission_id"] == "nobody|1|zzz"
    nation = _failure(report, "signatories", "expect_column_values_to_be_in_set", "nation")
    assert nation.examples == [{"nation": "Atlantis", "slug": "beta"}]
    hesa = _failure(report, "hesa_reference", "expect_column_values_to_be_in_set", "technician_proxy_remainder")
    assert hesa.examples[0]["academic_year"] == "2021/22"


def test_hesa_figures_are_empty_exactly_when_not_reported(tmp_path):
    """An opted-out provider's figures are never 0 or filled in, a reporting one's never missing, and the
    status is one of the two: each break is named with its row."""
    con = connect(tmp_path / "w.duckdb")
    _good_rows(con)
    con.execute("""
        UPDATE hesa_reference SET total_staff = 0 WHERE academic_year = '2022/23';
        INSERT INTO hesa_reference (ukprn, provider, academic_year, year_start, technician_proxy, total_non_academic,
                                    total_staff, rounded_to, hesa_status) VALUES
            ('10000003', 'Gamma College', '2021/22', 2021, NULL, 900, 1500, 5, 'reported'),
            ('10000003', 'Gamma College', '2022/23', 2022, 100, 900, 1500, 5, 'opted out');
    """)

    report = run_quality_suite(con, tmp_path / "out")

    both = _failure(report, "hesa_reference", "expect_column_values_to_be_in_set", "figures_null_iff_not_reported")
    rows = {(e["ukprn"], e["academic_year"]) for e in both.examples}
    assert ("10000001", "2022/23") in rows  # "not reported" with a figure (0): caught
    assert ("10000003", "2021/22") in rows  # "reported" without its technician proxy: caught
    status = _failure(report, "hesa_reference", "expect_column_values_to_be_in_set", "hesa_status")
    assert status.examples == [{"hesa_status": "opted out", "ukprn": "10000003", "academic_year": "2022/23"}]
    assert {name for name, _ in report.failures} == {"hesa_reference"}


def test_empty_warehouse_is_checked_without_error(tmp_path):
    con = connect(tmp_path / "w.duckdb")

    report = run_quality_suite(con, tmp_path / "out")

    assert report.success
    assert all(t.rows == 0 for t in report.tables)
    assert report.data_docs_index.is_file()
    assert report.summary().count("no rows") == len(TABLES)


def test_a_missing_table_fails_before_writing_anything(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    con.execute("DROP TABLE issues")
    with pytest.raises(Exception, match="issues"):
        run_quality_suite(con, tmp_path / "out")
    assert not (tmp_path / "out").exists()
