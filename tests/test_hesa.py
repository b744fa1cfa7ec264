"""The HESA reference plugin: the ``hesa_staff`` table read from the real HESA extract it ships.

Figures checked by hand come from plugins/hesa/data/hesa_staff_scotland_2014-15_to_2021-22.csv;
each test names the raw lines (as `grep -n` numbers them, header = line 1) it was checked against.
"""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest

from pipeline.registry import Registry
from plugins.hesa import plugin as hesa_plugin
from plugins.hesa.reader import (
    ATTRIBUTION,
    DEFAULT_PATH,
    EXPECTED_COLUMNS,
    HesaFormatError,
    load_hesa,
    load_hesa_sector,
)

YEARS = ["2014/15", "2015/16", "2016/17", "2017/18", "2018/19", "2019/20", "2020/21", "2021/22"]
PROXY_LABEL = "Associate professional and technical occupations"

SCOTTISH_PROVIDERS = {
    "10002681": "Glasgow School of Art",
    "10005337": "Queen Margaret University, Edinburgh",
    "10005500": "Robert Gordon University",
    "10005561": "Royal Conservatoire of Scotland",
    "10005700": "SRUC",
    "10007114": "University of the Highlands and Islands",
    "10007762": "Glasgow Caledonian University",
    "10007764": "Heriot-Watt University",
    "10007772": "Edinburgh Napier University",
    "10007783": "The University of Aberdeen",
    "10007790": "The University of Edinburgh",
    "10007794": "The University of Glasgow",
    "10007800": "The University of the West of Scotland",
    "10007803": "The University of St. Andrews",
    "10007804": "The University of Stirling",
    "10007805": "The University of Strathclyde",
    "10007849": "Abertay University",
    "10007852": "The University of Dundee",
}


@pytest.fixture(scope="module")
def table() -> pl.DataFrame:
    return load_hesa()


def row(table: pl.DataFrame, ukprn: str, year: str) -> dict:
    rows = table.filter(ukprn=ukprn, academic_year=year).to_dicts()
    assert len(rows) == 1, f"{ukprn} {year}: {len(rows)} rows"
    return rows[0]


def raw_lines() -> list[str]:
    """The shipped file's lines, byte-order mark removed (line 1 = header)."""
    return DEFAULT_PATH.read_text(encoding="utf-8-sig").splitlines()


def write_csv(path: Path, lines: list[str]) -> Path:
    """Write lines as HESA publishes them: UTF-8 with a byte-order mark, CRLF line ends."""
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))
    return path


def provider_year_lines(ukprn: str, year: str) -> list[str]:
    """The raw rows of one provider and year (UKPRN and year are plain fields in every row)."""
    return [line for line in raw_lines()[1:] if line.startswith(ukprn + ",") and f",{year}," in line]


# --- the shipped table -----------------------------------------------------------------------


def test_the_plugin_is_self_contained_and_ships_the_licence():
    data = Path(hesa_plugin.__file__).parent / "data"
    assert DEFAULT_PATH.parent == data and DEFAULT_PATH.is_file()
    readme = (data / "README.md").read_text(encoding="utf-8")
    assert "Creative Commons Attribution 4.0" in readme
    assert ATTRIBUTION in " ".join(readme.split())
    assert hesa_plugin.ATTRIBUTION == ATTRIBUTION
    assert ATTRIBUTION.startswith("Contains HESA Data: Copyright Higher Education Statistics Agency Limited.")


def test_one_row_per_scottish_provider_and_year(table):
    assert table.columns == [
        "ukprn", "provider", "academic_year", "year_start",
        "technician_proxy", "total_non_academic", "total_staff", "rounded_to",
    ]
    assert dict(table.schema) == {
        "ukprn": pl.String, "provider": pl.String, "academic_year": pl.String, "year_start": pl.Int64,
        "technician_proxy": pl.Int64, "total_non_academic": pl.Int64, "total_staff": pl.Int64,
        "rounded_to": pl.Int64,
    }
    assert table.height == 18 * 8
    assert table.select("ukprn", "academic_year").is_duplicated().sum() == 0
    per_provider = table.group_by("ukprn").agg(pl.col("academic_year").sort())
    assert per_provider.height == 18
    assert all(years == YEARS for years in per_provider["academic_year"].to_list())
    assert set(zip(table["academic_year"], table["year_start"])) == {(y, int(y[:4])) for y in YEARS}


def test_ukprns_are_8_digits_and_name_the_right_provider(table):
    assert table["ukprn"].str.contains(r"^\d{8}$").all()
    names = table.group_by("ukprn").agg(pl.col("provider").unique())
    assert {u: n for u, n in names.iter_rows()} == {u: [n] for u, n in SCOTTISH_PROVIDERS.items()}
    # The sector "Total" row (empty UKPRN) is not a provider.
    assert "Total" not in table["provider"].to_list()
    assert table["ukprn"].null_count() == 0


def test_edinburgh_2018_19_matches_the_published_cells(table):
    # line 3897: 10007790,...,All,Non-atypical,Non-academic,Non-academic,2018/19,
    #            "Associate professional and technical occupations " (one trailing space),1595
    # line 3904: ...,All,Non-atypical,Non-academic,Non-academic,2018/19,Total non-academic staff,7100
    # line 3920: ...,All,Non-atypical,All,All (excluding atypical),2018/19,Total,14410
    # Not double counted: line 3912 repeats 1595 under Contract marker "All (excluding atypical)",
    # and lines 3933/3969 split it into Full-time 1170 + Part-time 425; none of those is added.
    assert row(table, "10007790", "2018/19") == {
        "ukprn": "10007790", "provider": "The University of Edinburgh", "academic_year": "2018/19", "year_start": 2018,
        "technician_proxy": 1595, "total_non_academic": 7100, "total_staff": 14410, "rounded_to": 5,
    }


def test_provider_name_with_a_comma_is_read_whole(table):
    # lines 8541, 8548, 8564: 10005337,"Queen Margaret University, Edinburgh",...,2021/22:
    # proxy 70, Total non-academic staff 225, Total 525
    r = row(table, "10005337", "2021/22")
    assert r["provider"] == "Queen Margaret University, Edinburgh"
    assert (r["technician_proxy"], r["total_non_academic"], r["total_staff"]) == (70, 225, 525)


def test_year_on_year_change_is_the_published_one(table):
    # line 5301: 10002681,Glasgow School of Art,...,Non-academic,Non-academic,2015/16,<proxy label>,75
    # line 5409: same cell for 2016/17: 20 (a real drop in the published SOC coding, kept as is)
    assert row(table, "10002681", "2015/16")["technician_proxy"] == 75
    assert row(table, "10002681", "2016/17")["technician_proxy"] == 20


def test_every_figure_is_rounded_to_5_or_null(table):
    assert (table["rounded_to"] == 5).all()
    for column in ("technician_proxy", "total_non_academic", "total_staff"):
        values = table[column].drop_nulls()
        assert (values % 5 == 0).all(), column
        assert (values >= 0).all(), column


def test_proxy_is_part_of_non_academic_which_is_part_of_all_staff(table):
    # A double-counted selection (both Contract-marker blocks, or All + Full-time + Part-time)
    # would push the proxy past the non-academic total somewhere.
    assert (table["technician_proxy"] <= table["total_non_academic"]).all()
    assert (table["total_non_academic"] <= table["total_staff"]).all()
    assert table.select(pl.col("technician_proxy").is_null().sum()).item() == 0  # all published


def test_trailing_space_labels_still_yield_the_proxy_every_year(table):
    # In the non-academic block HESA writes the SOC 3 label with a trailing space in every year.
    rows = list(csv.reader(raw_lines()))
    header = rows[0]
    occ, mode, contract = (header.index(c) for c in (
        "Activity standard occupational classification", "Mode of employment", "Contract marker"))
    raw_labels = {
        r[occ] for r in rows[1:]
        if r[occ].strip() == PROXY_LABEL and r[mode] == "All" and r[contract] == "Non-academic"
    }
    assert raw_labels == {PROXY_LABEL + " "}
    assert table.filter(pl.col("technician_proxy").is_null()).is_empty()


# --- sector totals ---------------------------------------------------------------------------


def test_sector_totals_unpublished_years_are_null_not_zero():
    sector = load_hesa_sector()
    assert sector["academic_year"].to_list() == YEARS
    assert sector["ukprn"].null_count() == 8 and set(sector["provider"]) == {"Total"}
    # lines 15993, 16000, 16016: ,Total,...,2018/19: proxy 5690, non-academic 25935, Total 49515
    r2018 = sector.filter(academic_year="2018/19").row(0, named=True)
    assert (r2018["technician_proxy"], r2018["total_non_academic"], r2018["total_staff"]) == (5690, 25935, 49515)
    # lines 16101, 16108, 16124: the same cells for 2019/20 have an empty Number
    later = sector.filter(pl.col("year_start") >= 2019)
    assert later.height == 3
    for column in ("technician_proxy", "total_non_academic", "total_staff"):
        assert later[column].null_count() == 3, column


def test_sector_total_is_the_sum_of_the_providers_up_to_rounding(table):
    sector = load_hesa_sector().filter(pl.col("total_staff").is_not_null())
    sums = table.group_by("academic_year").agg(pl.col("total_staff").sum())
    joined = sector.join(sums, on="academic_year", suffix="_sum")
    assert joined.height == 5
    assert ((joined["total_staff"] - joined["total_staff_sum"]).abs() <= 18 * 5).all()


# --- quirks and bad files --------------------------------------------------------------------


def test_unpublished_provider_figure_is_null_not_zero(tmp_path):
    lines = provider_year_lines("10007790", "2018/19")
    blanked = [line.rsplit(",", 1)[0] + "," if ",Total non-academic staff," in line else line for line in lines]
    table = load_hesa(write_csv(tmp_path / "hesa.csv", [",".join(EXPECTED_COLUMNS), *blanked]))
    r = row(table, "10007790", "2018/19")
    assert r["total_non_academic"] is None
    assert (r["technician_proxy"], r["total_staff"]) == (1595, 14410)


def test_labels_with_one_two_or_no_trailing_spaces_are_the_same_group(tmp_path):
    def relabel(lines: list[str], spaces: str) -> list[str]:
        return [line.replace(PROXY_LABEL + " ,", PROXY_LABEL + spaces + ",") for line in lines]

    lines = (
        relabel(provider_year_lines("10007790", "2016/17"), "")
        + relabel(provider_year_lines("10007790", "2017/18"), "  ")
        + provider_year_lines("10007790", "2018/19")
    )
    table = load_hesa(write_csv(tmp_path / "hesa.csv", [",".join(EXPECTED_COLUMNS), *lines]))
    real = load_hesa().filter(pl.col("ukprn") == "10007790", pl.col("year_start").is_in([2016, 2017, 2018]))
    assert table.equals(real)
    assert table["technician_proxy"].null_count() == 0


def test_wrong_header_raises_a_clear_error_naming_file_and_line(tmp_path):
    lines = raw_lines()[:50]
    lines[0] = lines[0].replace("Number", "FTE")
    path = write_csv(tmp_path / "not_hesa.csv", lines)
    with pytest.raises(HesaFormatError) as caught:
        load_hesa(path)
    message = str(caught.value)
    assert str(path) in message and "line 1" in message
    assert "'Number'" in message and "'FTE'" in message
    assert caught.value.line == 1 and caught.value.path == path


def test_unrelated_csv_is_refused(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("name,email\nA,a@example.ac.uk\n", encoding="utf-8")
    with pytest.raises(HesaFormatError, match=r"other\.csv, line 1: the columns are not"):
        load_hesa(path)


def test_bad_number_is_reported_on_its_line(tmp_path):
    lines = [",".join(EXPECTED_COLUMNS), *provider_year_lines("10007790", "2018/19")]
    lines[3] = lines[3].rsplit(",", 1)[0] + ",12"  # not rounded to 5
    with pytest.raises(HesaFormatError, match=r"hesa\.csv, line 4: 'Number' is 12, not a multiple of 5"):
        load_hesa(write_csv(tmp_path / "hesa.csv", lines))


def test_a_repeated_cell_is_refused_rather_than_double_counted(tmp_path):
    lines = [",".join(EXPECTED_COLUMNS), *provider_year_lines("10007790", "2018/19")]
    proxy = next(i for i, line in enumerate(lines) if ",Non-academic,Non-academic,2018/19," + PROXY_LABEL in line)
    lines.append(lines[proxy])
    with pytest.raises(HesaFormatError, match=rf"line {len(lines)}: .*second row for technician_proxy"):
        load_hesa(write_csv(tmp_path / "hesa.csv", lines))


# --- the plugin ------------------------------------------------------------------------------


def test_plugin_is_registered_and_serves_the_table(table):
    plugin = Registry.from_entry_points().get("hesa")
    assert plugin.info.formats == ["csv"] and plugin.info.signatories is None
    assert not plugin.reads_returns  # a reference plugin: no detect/parse
    tables = plugin.reference_tables()
    assert tables["hesa_staff"]().equals(table)
    assert tables["hesa_staff_sector"]().height == 8

