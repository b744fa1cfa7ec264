"""The synthetic sector: every plugin's format, seeded defects and plan warnings found exactly, seed
facts, determinism; the real register's sector (the demo's) with headcounts near HESA and plans that
vary as real ones do."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from pathlib import Path

import pytest

from pipeline.schema import CORE_THEMES
from pipeline.kit.hooks import ParseContext
from pipeline.programme.signatories import load_register
from pipeline.registry import Registry
from pipeline.synthetic import VARIATION_RULES, generate, read_manifest
from pipeline.validation.validate import validate_path

AS_OF = dt.date(2026, 11, 1)


def validated(out: Path) -> list:
    """(manifest row, validation report) for every file of the sector at ``out``."""
    registry = Registry.from_entry_points()
    return [(row, validate_path(out / row["file"], registry, context=ParseContext(
        stage=int(row["stage"]), signatory=row["signatory"], received=dt.date.fromisoformat(row["received"]))))
            for row in read_manifest(out)]


def hesa_reported() -> dict[str, list[tuple[int, int]]]:
    """UKPRN -> the years HESA reported a technician proxy, with the proxy."""
    hesa = Registry.from_entry_points().get("hesa").reference_tables()["hesa_staff"]()
    reported: dict[str, list[tuple[int, int]]] = {}
    for r in hesa.sort("year_start").iter_rows(named=True):
        if r["hesa_status"] == "reported" and r["technician_proxy"]:
            reported.setdefault(r["ukprn"], []).append((r["year_start"], r["technician_proxy"]))
    return reported


def proxy_before(years: list[tuple[int, int]], submitted: dt.date) -> int:
    """HESA's latest reported proxy for a year before the submission's academic year, else its first."""
    year = submitted.year if submitted.month >= 8 else submitted.year - 1
    return next((p for y, p in reversed(years) if y < year), years[0][1])


@pytest.fixture(scope="module")
def sector(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sector")
    generate(out, signatories=60, stages=3, seed=5, as_of=AS_OF, workers=2)
    return out


@pytest.fixture(scope="module")
def reports(sector):
    return validated(sector)


@pytest.fixture(scope="module")
def real(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("real")
    generate(out, signatories=None, stages=3, seed=5, as_of=AS_OF, workers=2, sector="real")
    return out


@pytest.fixture(scope="module")
def real_reports(real):
    return validated(real)


def test_validator_finds_exactly_the_seeded_defects(reports):
    for row, report in reports:
        expected = set(filter(None, row["expected_rules"].split(";")))
        found = {i.rule for i in report.issues}
        assert found == expected, (row["file"], row["defect"], [i.model_dump() for i in report.issues])
    defective = sum(1 for row, _ in reports if row["defect"])
    assert 0.04 <= defective / len(reports) <= 0.2


def test_every_file_is_read_by_its_registered_plugin_and_says_synthetic(sector, reports):
    register = {s.slug: s for s in load_register(sector / "register.csv")}
    for row, report in reports:
        assert report.plugin == register[row["signatory"]].plugin == row["plugin"]
        assert report.return_.synthetic
    formats = Counter((row["plugin"], row["format"]) for row, _ in reports)
    assert {("official_form", "docx"), ("official_form", "xlsx"), ("official_form", "json"),
            ("faculty_workbook", "xlsx"), ("hr_export", "zip"), ("mapped_workbook", "xlsx")} <= set(formats)
    assert all(s.synthetic for s in register.values())
    assert "SYNTHETIC DATA" in (sector / "README.txt").read_text()


def test_seed_facts(sector, reports):
    by_signatory = {}
    for row, report in reports:
        by_signatory.setdefault(row["signatory"], []).append(report.return_)
    imperial = by_signatory["imperial"][0]
    assert imperial.signatory_name == "Imperial College London"
    assert [(a.name, a.headcount) for a in imperial.technicians.areas] == [
        ("Engineering", 139), ("Medicine", 253), ("Natural Sciences", 151), ("Support Services", 240)]
    assert imperial.technicians.headcount == 783
    assert len(by_signatory["essex"]) == 3  # on its third action plan
    register = {s.slug: s for s in load_register(sector / "register.csv")}
    assert register["imperial"].signed == register["essex"].signed == dt.date(2017, 5, 1)
    scottish = [s for s in register.values() if s.ukprn]
    assert len(scottish) == 18 and all(s.nation.value == "Scotland" for s in scottish)
    assert register["university-of-edinburgh"].ukprn == "10007790"


def assert_near_hesa(reports, register) -> int:
    """Headcounts of signatories HESA reports lie near the proxy of the latest year before the return;
    how many returns were checked."""
    reported = hesa_reported()
    ratios = []
    for row, report in reports:
        s = register[row["signatory"]]
        if s.ukprn in reported and s.slug != "imperial" and row["defect"] != "areas-do-not-add-up":
            proxy = proxy_before(reported[s.ukprn], dt.date.fromisoformat(row["submitted"]))
            ratios.append(report.return_.technicians.headcount / proxy)
    assert ratios and sum(0.75 <= r <= 1.25 for r in ratios) / len(ratios) >= 0.7
    assert all(0.7 <= r <= 1.7 for r in ratios)
    return len(ratios)


def test_scottish_headcounts_lie_near_their_hesa_proxy(sector, reports):
    assert_near_hesa(reports, {s.slug: s for s in load_register(sector / "register.csv")})


def test_stage_dates_follow_signing(sector):
    register = {s.slug: s for s in load_register(sector / "register.csv")}
    rows = read_manifest(sector)
    for row in rows:
        submitted = dt.date.fromisoformat(row["submitted"])
        assert submitted > register[row["signatory"]].signed
        assert dt.date.fromisoformat(row["received"]) <= AS_OF
    by = {(r["signatory"], int(r["stage"])): dt.date.fromisoformat(r["submitted"]) for r in rows}
    for (slug, stage), day in by.items():
        if stage > 1:
            assert (day - by[(slug, stage - 1)]).days > 600


def test_same_seed_same_bytes(tmp_path):
    def digest(out: Path) -> dict[str, str]:
        return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(out.rglob("*")) if p.is_file()}

    generate(tmp_path / "a", signatories=25, stages=2, seed=9, as_of=AS_OF, workers=1)
    generate(tmp_path / "b", signatories=25, stages=2, seed=9, as_of=AS_OF, workers=2)
    generate(tmp_path / "c", signatories=25, stages=2, seed=10, as_of=AS_OF, workers=1)
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert digest(tmp_path / "a") != digest(tmp_path / "c")


def test_later_stages_read_in_every_format(tmp_path):
    """Stage 4 and later (the submissions after Stage 3) are written into every format and read
    back without a complaint about the stage (the workbooks and the HR export once took 1-3 only)."""
    out = tmp_path / "five"
    generate(out, signatories=30, stages=5, seed=2, as_of=dt.date(2030, 1, 1), workers=1)
    registry = Registry.from_entry_points()
    later = [r for r in read_manifest(out) if int(r["stage"]) > 3]
    assert {r["plugin"] for r in later} >= {"official_form", "faculty_workbook", "hr_export"}
    for row in later:
        report = validate_path(out / row["file"], registry, context=ParseContext(
            stage=int(row["stage"]), signatory=row["signatory"], received=dt.date.fromisoformat(row["received"])))
        assert {i.rule for i in report.issues} == set(filter(None, row["expected_rules"].split(";"))), row["file"]
        assert report.return_.stage == int(row["stage"])


# --- the real register's sector: the demo's ---------------------------------------------------------

def test_real_sector_is_the_register_with_synthetic_returns(real, real_reports):
    shipped = {s.slug: s for s in load_register()}
    written = {s.slug: s for s in load_register(real / "register.csv")}
    assert written.keys() == shipped.keys()
    for slug, s in written.items():
        assert (s.name, s.ukprn, s.signed) == (shipped[slug].name, shipped[slug].ukprn, shipped[slug].signed)
        assert s.synthetic  # every return of this sector is
    assert {row["signatory"] for row, _ in real_reports} <= shipped.keys()
    for row, report in real_reports:
        assert report.return_.synthetic and report.return_.signatory_name == shipped[row["signatory"]].name
        assert report.plugin == written[row["signatory"]].plugin == row["plugin"]
        assert row["headcount_source"] and row["dates_source"] and row["format_source"]
    readme = (real / "README.txt").read_text()
    assert "SYNTHETIC RETURNS" in readme and "register of signatories" in readme and "HESA" in readme


def test_real_headcounts_lie_near_hesa_or_say_they_were_drawn(real, real_reports):
    register = {s.slug: s for s in load_register(real / "register.csv")}
    assert assert_near_hesa(real_reports, register) >= 20
    reported = hesa_reported()
    for row, _ in real_reports:
        s = register[row["signatory"]]
        if s.slug == "imperial":
            assert row["headcount_source"].startswith("seed document")
        elif s.ukprn in reported:
            assert row["headcount_source"].startswith("drawn near HESA's") and s.ukprn in row["headcount_source"]
        else:
            assert "drawn from the sector's spread" in row["headcount_source"], row
    stated = {s.slug: s.signed for s in load_register()}
    for row in read_manifest(real):
        assert ("not stated" in row["dates_source"]) == (stated[row["signatory"]] is None), row


def test_real_plans_vary_with_each_signatorys_quality_and_stay_valid(real_reports):
    for row, report in real_reports:
        found = {i.rule for i in report.issues}
        assert found == set(filter(None, row["expected_rules"].split(";"))), (row["file"], report.issues)
        if not row["defect"]:
            assert report.ok and found <= VARIATION_RULES
    latest = {}
    for row, report in real_reports:
        if not row["defect"]:
            latest[row["signatory"]] = report.return_
    smart = {slug: sum(bool(a.owner and a.due and a.due.end and a.evidence) for a in r.action_plan)
             / len(r.action_plan) for slug, r in latest.items()}
    assert len(set(smart.values())) >= 5 and min(smart.values()) < 0.9 and max(smart.values()) == 1
    missing_theme = [r for r in latest.values() if {a.theme for a in r.action_plan} < set(CORE_THEMES)]
    assert 0 < len(missing_theme) < len(latest) / 2
    vague = [a for r in latest.values() for a in r.action_plan if a.due and a.due.text.lower().startswith(
        ("ongoing", "from", "end of")) or a.due and "/" in a.due.text and len(a.due.text) == 7]
    assert vague
    qualities = {row["signatory"]: float(row["quality"]) for row, _ in real_reports}
    assert min(qualities.values()) < 0.4 and max(qualities.values()) > 0.8


def test_real_sector_same_seed_same_bytes(tmp_path):
    def digest(out: Path) -> dict[str, str]:
        return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(out.rglob("*")) if p.is_file()}

    generate(tmp_path / "a", signatories=12, stages=2, seed=9, as_of=AS_OF, workers=1, sector="real")
    generate(tmp_path / "b", signatories=12, stages=2, seed=9, as_of=AS_OF, workers=2, sector="real")
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert {r["signatory"] for r in read_manifest(tmp_path / "a")} <= {s.slug for s in load_register()[:12]}
