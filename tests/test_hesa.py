"""The HESA reference plugin: ``hesa_staff`` and ``hesa_staff_sector`` from the real HESA files it ships.

DT025 figures checked by hand come from plugins/hesa/data/dt025_table1/dt025-table-1_<year>.csv;
the Scottish long extract's from plugins/hesa/data/hesa_staff_scotland_2014-15_to_2021-22.csv. Each
test names the raw lines (as `grep -n` numbers them) it was checked against.
"""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest

from pipeline.registry import Registry
from plugins.hesa import plugin as hesa_plugin
from plugins.hesa.long_extract import EXPECTED_COLUMNS, SCOTLAND_PATH, load_long_extract
from plugins.hesa.reader import (
    ATTRIBUTION,
    DT025_DIR,
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
    """The Scottish long extract, read on its own."""
    return load_long_extract()


def row(table: pl.DataFrame, ukprn: str, year: str) -> dict:
    rows = table.filter(ukprn=ukprn, academic_year=year).to_dicts()
    assert len(rows) == 1, f"{ukprn} {year}: {len(rows)} rows"
    return rows[0]


def raw_lines() -> list[str]:
    """The shipped file's lines, byte-order mark removed (line 1 = header)."""
    return SCOTLAND_PATH.read_text(encoding="utf-8-sig").splitlines()


def write_csv(path: Path, lines: list[str]) -> Path:
    """Write lines as HESA publishes them: UTF-8 with a byte-order mark, CRLF line ends."""
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))
    return path


def provider_year_lines(ukprn: str, year: str) -> list[str]:
    """The raw rows of one provider and year (UKPRN and year are plain fields in every row)."""
    return [line for line in raw_lines()[1:] if line.startswith(ukprn + ",") and f",{year}," in line]


# --- the Scottish long extract ---------------------------------------------------------------------


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


# --- the Scottish long extract: quirks and bad files -----------------------------------------


def test_unpublished_provider_figure_is_null_not_zero(tmp_path):
    lines = provider_year_lines("10007790", "2018/19")
    blanked = [line.rsplit(",", 1)[0] + "," if ",Total non-academic staff," in line else line for line in lines]
    table = load_long_extract(write_csv(tmp_path / "hesa.csv", [",".join(EXPECTED_COLUMNS), *blanked]))
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
    table = load_long_extract(write_csv(tmp_path / "hesa.csv", [",".join(EXPECTED_COLUMNS), *lines]))
    real = load_long_extract().filter(pl.col("ukprn") == "10007790", pl.col("year_start").is_in([2016, 2017, 2018]))
    assert table.equals(real)
    assert table["technician_proxy"].null_count() == 0


def test_wrong_header_raises_a_clear_error_naming_file_and_line(tmp_path):
    lines = raw_lines()[:50]
    lines[0] = lines[0].replace("Number", "FTE")
    path = write_csv(tmp_path / "not_hesa.csv", lines)
    with pytest.raises(HesaFormatError) as caught:
        load_long_extract(path)
    message = str(caught.value)
    assert str(path) in message and "line 1" in message
    assert "'Number'" in message and "'FTE'" in message
    assert caught.value.line == 1 and caught.value.path == path


def test_unrelated_csv_is_refused(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("name,email\nA,a@example.ac.uk\n", encoding="utf-8")
    with pytest.raises(HesaFormatError, match=r"other\.csv, line 1: the columns are not"):
        load_long_extract(path)


def test_bad_number_is_reported_on_its_line(tmp_path):
    lines = [",".join(EXPECTED_COLUMNS), *provider_year_lines("10007790", "2018/19")]
    lines[3] = lines[3].rsplit(",", 1)[0] + ",12"  # not rounded to 5
    with pytest.raises(HesaFormatError, match=r"hesa\.csv, line 4: 'Number' is 12, not a multiple of 5"):
        load_long_extract(write_csv(tmp_path / "hesa.csv", lines))


def test_a_repeated_cell_is_refused_rather_than_double_counted(tmp_path):
    lines = [",".join(EXPECTED_COLUMNS), *provider_year_lines("10007790", "2018/19")]
    proxy = next(i for i, line in enumerate(lines) if ",Non-academic,Non-academic,2018/19," + PROXY_LABEL in line)
    lines.append(lines[proxy])
    with pytest.raises(HesaFormatError, match=rf"line {len(lines)}: .*second row for technician_proxy"):
        load_long_extract(write_csv(tmp_path / "hesa.csv", lines))




# --- DT025 Table 1: every UK provider, 2014/15 to 2023/24 ------------------------------------

UK_YEARS = [f"{y}/{(y + 1) % 100:02d}" for y in range(2014, 2024)]
IMPERIAL, ESSEX, YORK = "10003270", "10007791", "10007167"


@pytest.fixture(scope="module")
def uk() -> pl.DataFrame:
    return load_hesa()


def dt025_lines(year: str) -> list[str]:
    return (DT025_DIR / f"dt025-table-1_{year.replace('/', '-')}.csv").read_text(encoding="utf-8").splitlines()


def write_dt025(tmp_path: Path, year: str, lines: list[str]) -> Path:
    """A copy under the published file's name (the reader checks the year in it), CRLF as HESA."""
    path = tmp_path / f"dt025-table-1_{year.replace('/', '-')}.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return path


def test_the_plugin_ships_its_data_and_licence():
    assert sorted(p.name for p in DT025_DIR.iterdir()) == [f"dt025-table-1_{y.replace('/', '-')}.csv" for y in UK_YEARS]
    assert DT025_DIR.parent == Path(hesa_plugin.__file__).parent / "data"  # not ../shared: in the repository
    readme = " ".join((DT025_DIR.parent / "README.md").read_text(encoding="utf-8").split())
    assert "Creative Commons Attribution 4.0" in readme and "DT025 Table 1" in readme
    assert ATTRIBUTION in readme and hesa_plugin.ATTRIBUTION == ATTRIBUTION


def test_one_row_per_provider_and_year_with_the_published_provider_counts(uk):
    assert dict(uk.schema) == {
        "ukprn": pl.String, "provider": pl.String, "academic_year": pl.String, "year_start": pl.Int64,
        "technician_proxy": pl.Int64, "total_non_academic": pl.Int64, "total_staff": pl.Int64, "rounded_to": pl.Int64,
        "hesa_status": pl.String, "nation": pl.String, "region": pl.String,
    }
    per_year = dict(uk.group_by("academic_year").len().iter_rows())
    assert per_year == dict(zip(UK_YEARS, [164, 163, 164, 165, 166, 196, 213, 216, 223, 227]))
    assert not uk.select("ukprn", "academic_year").is_duplicated().any()
    assert uk["ukprn"].str.contains(r"^\d{8}$").all() and "Total" not in uk["provider"]
    assert not uk["provider"].str.ends_with("*").any()


def test_imperial_and_essex_have_a_proxy_every_year(uk):
    for ukprn in (IMPERIAL, ESSEX):
        rows = uk.filter(ukprn=ukprn).sort("year_start")
        assert rows["academic_year"].to_list() == UK_YEARS
        assert rows["technician_proxy"].null_count() == 0 and set(rows["hesa_status"]) == {"reported"}
    # 2014-15 line 83: "10003270","Imperial College of Science, Technology and Medicine",... non-academic
    #   "Associate professional occupations " 745, Total non-academic staff "3,790", Total "8,135"
    assert {k: v for k, v in row(uk, IMPERIAL, "2014/15").items() if k != "nation" and k != "region"} == {
        "ukprn": IMPERIAL, "provider": "Imperial College of Science, Technology and Medicine",
        "academic_year": "2014/15", "year_start": 2014, "technician_proxy": 745, "total_non_academic": 3790,
        "total_staff": 8135, "rounded_to": 5, "hesa_status": "reported"}
    # 2023-24 line 102: proxy "1,070", non-academic "4,385", Total "8,925" (thousands separators)
    assert [row(uk, IMPERIAL, "2023/24")[c] for c in ("technician_proxy", "total_non_academic", "total_staff")] == [
        1070, 4385, 8925]
    # 2014-15 line 66 and 2023-24 line 82: "The University of Essex", proxy 265 and 295
    assert row(uk, ESSEX, "2014/15")["technician_proxy"] == 265
    assert row(uk, ESSEX, "2023/24")["technician_proxy"] == 295


def test_an_opted_out_provider_is_not_reported_never_zero_or_dropped(uk):
    york = uk.filter(ukprn=YORK).sort("year_start")
    assert york["academic_year"].to_list() == UK_YEARS and set(york["provider"]) == {"The University of York"}
    before, after = york.filter(pl.col("year_start") < 2019), york.filter(pl.col("year_start") >= 2019)
    assert set(before["hesa_status"]) == {"reported"} and before["technician_proxy"].null_count() == 0
    # 2018-19 line 182: proxy 650, non-academic "2,435", Total "4,370"; 2019-20 line 212: "The University of York*"
    assert [row(uk, YORK, "2018/19")[c] for c in ("technician_proxy", "total_non_academic", "total_staff")] == [
        650, 2435, 4370]
    assert set(after["hesa_status"]) == {"not reported"}
    for column in ("technician_proxy", "total_non_academic", "total_staff"):
        assert after[column].null_count() == 5, column
    # Status and null figures go together, and the README's counts of opted-out providers hold.
    not_reported = uk.filter(hesa_status="not reported")
    assert not_reported.select(pl.col("technician_proxy", "total_non_academic", "total_staff").null_count()).row(0) \
        == (not_reported.height,) * 3
    assert uk.filter(hesa_status="reported")["total_staff"].null_count() == 0
    counts = dict(not_reported.group_by("academic_year").len().iter_rows())
    assert counts == dict(zip(UK_YEARS[5:], [65, 83, 86, 97, 102]))
    assert set(uk["hesa_status"]) == {"reported", "not reported"}


def test_figures_are_rounded_and_nested(uk):
    for column in ("technician_proxy", "total_non_academic", "total_staff"):
        assert (uk[column].drop_nulls() % 5 == 0).all(), column
    reported = uk.filter(hesa_status="reported")
    assert (reported["technician_proxy"] <= reported["total_non_academic"]).all()
    assert (reported["total_non_academic"] <= reported["total_staff"]).all()


def test_both_soc3_labels_are_read(tmp_path, uk):
    lines = dt025_lines("2018/19")
    assert '"Associate professional occupations "' in lines[15]  # the 2025 release's label, every file
    lines[15] = lines[15].replace('"Associate professional occupations "',
                                  '"Associate professional and technical occupations "')  # the older label
    older = load_hesa(write_dt025(tmp_path, "2018/19", lines), places=SCOTLAND_PATH)
    assert older.equals(uk.filter(academic_year="2018/19"))


def test_dt025_and_the_scottish_extract_agree_where_they_overlap(uk, table):
    # The evidence for one source of truth: all 18 providers x 8 years, every figure and name equal.
    scottish = pl.col("ukprn").is_in(table["ukprn"].unique().to_list())
    overlap = uk.filter(scottish & pl.col("year_start").is_between(2014, 2021))
    assert overlap.height == table.height == 18 * 8
    assert overlap.select(table.columns).sort("ukprn", "year_start").equals(table.sort("ukprn", "year_start"))
    assert set(uk.filter(scottish)["nation"]) == {"Scotland"}
    assert uk.filter(~scottish)["nation"].null_count() == uk.height - 18 * 10


def test_sector_table_covers_every_uk_year():
    sector = load_hesa_sector()
    assert sector["academic_year"].to_list() == UK_YEARS and set(sector["provider"]) == {"Total"}
    # 2014-15 line 181: ,"Total",... proxy "45,830", non-academic "205,500", Total "403,835"
    first = sector.row(0, named=True)
    assert (first["technician_proxy"], first["total_non_academic"], first["total_staff"], first["hesa_status"]) == (
        45830, 205500, 403835, "reported")
    # From 2019/20 HESA's own row is blank: the figures are the sums of the providers that reported.
    uk = load_hesa()
    for r in sector.filter(pl.col("year_start") >= 2019).iter_rows(named=True):
        year = uk.filter(academic_year=r["academic_year"])
        assert r["hesa_status"] == "sum of reported providers"
        assert r["technician_proxy"] == year["technician_proxy"].sum()
        assert (r["providers"], r["providers_not_reported"]) == (
            year.height, year.filter(hesa_status="not reported").height)


def edited(lines: list[str], index: int, field: int, value: str) -> list[str]:
    """``lines`` with field ``field`` of line ``index`` (0-based) set to ``value``, quoted as HESA does."""
    fields = next(csv.reader([lines[index]]))
    fields[field] = value
    return [*lines[:index], ",".join(f'"{f}"' for f in fields), *lines[index + 1:]]


# Lines of dt025-table-1_2018-19.csv: 11 ",Mode of employment,All ", 16 header, 17 Aberdeen, 18 Abertay
# (non-academic total "285" in column 17), 19 Aberystwyth ("1,185" in column 17), 21 Anglia Ruskin.
@pytest.mark.parametrize("edit, line, message", [
    (lambda ls: ls[:15] + ls[16:], 16, r"a provider row before any header row"),
    (lambda ls: ["name,email", "A,a@example.ac.uk"], 2, r"no header row .* not HESA DT025 Table 1"),
    (lambda ls: edited(ls, 18, 16, "1.185"), 19, r"'Total non-academic staff, column 17' is '1\.185'"),
    (lambda ls: edited(ls, 20, 9, "n/a"), 21, r"'Associate professional occupations, column 10' is 'n/a'"),
    (lambda ls: edited(ls, 17, 1, "Abertay University*"), 18, r"marked '\*'.*but has non-academic figures"),
    (lambda ls: edited(ls, 17, 16, ""), 18, r"blank but not all, or without the '\*'"),
    (lambda ls: [*ls[:10], ls[10].replace("All", "Full-time"), *ls[11:]], 11, r"filtered to Mode of employment"),
    (lambda ls: [*ls[:17], ls[16], *ls[17:]], 18, r"second row for 'The University of Aberdeen'.*line 17"),
])
def test_a_malformed_file_is_refused_naming_file_and_line(tmp_path, edit, line, message):
    path = write_dt025(tmp_path, "2018/19", edit(dt025_lines("2018/19")))
    with pytest.raises(HesaFormatError, match=message) as caught:
        load_hesa(path)
    assert caught.value.path == path and caught.value.line == line
    assert str(caught.value).startswith(f"{path}, line {line}: ")


def test_a_year_twice_or_in_the_wrong_file_is_refused(tmp_path):
    lines = dt025_lines("2018/19")
    write_dt025(tmp_path, "2018/19", lines)
    (tmp_path / "dt025-table-1_2018-19 (copy).csv").write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(HesaFormatError, match=r"a second file for 2018/19"):
        load_hesa(tmp_path)
    (tmp_path / "other").mkdir()
    wrong = write_dt025(tmp_path / "other", "2019/20", lines)
    with pytest.raises(HesaFormatError, match=r"line 12: the file holds 2018/19 but its name says 2019/20"):
        load_hesa(wrong)


def test_plugin_is_registered_and_serves_both_tables(uk):
    plugin = Registry.from_entry_points().get("hesa")
    assert plugin.info.formats == ["csv"] and plugin.info.signatories is None
    assert not plugin.reads_returns  # a reference plugin: no detect/parse
    tables = plugin.reference_tables()
    assert tables["hesa_staff"]().equals(uk)
    assert tables["hesa_staff_sector"]().height == 10
