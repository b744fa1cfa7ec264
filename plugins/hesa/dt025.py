"""Read one HESA DT025 Table 1 file ("HE staff by HE provider and activity standard occupational
classification", headcount) as HESA publishes it: one academic year, one row per provider, wide.

The layout (``data/README.md``): title, licence and filter lines, then the header row, found by
its first cell "UKPRN" wherever it is; an academic block of SOC major groups ending with "Total
academic staff"; a non-academic block whose labels repeat the academic ones with a trailing space,
ending with "Total non-academic staff"; then "Total". Columns are told apart by their block (never
by the trailing space). Counts are text with thousands separators ("1,655"), rounded to 5. A
provider that opted out of the non-academic return has ``*`` after its name and blank
non-academic cells and total: its status is "not reported" and those figures are null. The sector
row has no UKPRN and the name "Total".

The csv module rather than polars: the header is not on the first line, names repeat, and every
problem must be reported with its line; the ten shipped files (2,000 rows) read in milliseconds.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from plugins.hesa.common import ROUNDED_TO, SOC3_LABELS, HesaFormatError

REPORTED, NOT_REPORTED = "reported", "not reported"
SECTOR_ROW_NAME = "Total"
OPTED_OUT_MARK = "*"

#: SOC major group labels a block may hold (SOC2010 and SOC2020 wordings; HESA's academic block
#: folds groups 4-9 into "Clerical and manual occupations").
SOC_LABELS = frozenset({
    "Managers, directors and senior officials", "Professional occupations", *SOC3_LABELS,
    "Administrative and secretarial occupations", "Skilled trades occupations",
    "Caring, leisure and other service occupations", "Sales and customer service occupations",
    "Process, plant and machine operatives", "Elementary occupations", "Clerical and manual occupations",
})
#: Filters the table must not be narrowed by: a Full-time-only file would give other figures.
UNFILTERED = ("Country of HE provider", "Region of HE provider", "Mode of employment")
REFERENCE_ID = "DT025 Table 1"

ROW_SCHEMA = {
    "ukprn": pl.String, "provider": pl.String, "academic_year": pl.String, "year_start": pl.Int64,
    "hesa_status": pl.String, "technician_proxy": pl.Int64, "total_non_academic": pl.Int64,
    "total_staff": pl.Int64, "line": pl.Int64,
}

_UKPRN = re.compile(r"\d{8}")
_COUNT = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")
_YEAR = re.compile(r"(\d{4})/(\d{2})")
_YEAR_IN_NAME = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True)
class _Layout:
    """Where the figures are in the header: column indexes."""

    width: int
    academic: range  # the academic block with its total
    non_academic: range  # the non-academic block with its total, and "Total"
    technician_proxy: int
    total_non_academic: int
    total: int


def _layout(path: Path, line: int, header: list[str]) -> _Layout:
    names = [name.strip() for name in header]

    def refuse(problem: str) -> HesaFormatError:
        return HesaFormatError(path, line, f"{problem}; this is not HESA DT025 Table 1 as published")

    if names[:2] != ["UKPRN", "HE Provider"]:
        raise refuse(f"the header starts {names[:2]}, expected ['UKPRN', 'HE Provider']")
    for needed in ("Total academic staff", "Total non-academic staff", "Total"):
        if names.count(needed) != 1:
            raise refuse(f"the header has {names.count(needed)} columns {needed!r}, expected one")
    academic_total, non_academic_total = names.index("Total academic staff"), names.index("Total non-academic staff")
    if not 2 < academic_total < non_academic_total or names[-1] != "Total" or non_academic_total != len(names) - 2:
        raise refuse("the columns are not an academic block ending 'Total academic staff', a non-academic "
                     "block ending 'Total non-academic staff', then 'Total'")
    for start, end in ((2, academic_total), (academic_total + 1, non_academic_total)):
        block = names[start:end]
        unknown = [name for name in block if name not in SOC_LABELS]
        if unknown or len(set(block)) != len(block):
            raise refuse(f"the block {block} has unknown or repeated occupation groups {unknown or block}")
    soc3 = [i for i in range(academic_total + 1, non_academic_total) if names[i] in SOC3_LABELS]
    if len(soc3) != 1:
        raise refuse(f"the non-academic block has no column for SOC major group 3 ({' or '.join(SOC3_LABELS)})")
    return _Layout(len(names), range(2, academic_total + 1), range(academic_total + 1, len(names)),
                   soc3[0], non_academic_total, len(names) - 1)


def _year(path: Path, metadata: dict[str, tuple[str, int]]) -> str:
    """The academic year from the 'Academic year' filter line, checked against the file name."""
    in_name = _YEAR_IN_NAME.search(path.name)
    from_name = f"{in_name[1]}/{in_name[2]}" if in_name else None
    value, line = metadata.get("Academic year", (from_name, None))
    match = _YEAR.fullmatch(value or "")
    if not match or (int(match[1]) + 1) % 100 != int(match[2]):
        raise HesaFormatError(path, line, f"academic year {value!r}: expected one year like '2018/19' in the "
                                          "'Academic year' filter line or the file name (dt025-table-1_2018-19.csv)")
    if from_name and value != from_name:
        raise HesaFormatError(path, line, f"the file holds {value} but its name says {from_name}")
    return value


def _metadata(path: Path, line: int, fields: list[str], metadata: dict[str, tuple[str, int]]) -> None:
    """Record 'Key:,value' and 'Filters:,key,value' lines; refuse a narrowed or different table."""
    first = fields[0].strip() if fields else ""
    if _UKPRN.fullmatch(first):
        raise HesaFormatError(path, line, "a provider row before any header row (a row starting 'UKPRN', "
                                          "'HE Provider'): not HESA DT025 Table 1 as published")
    if first in ("Filters:", "") and len(fields) >= 3 and fields[1].strip():
        key, value = fields[1].strip(), fields[2].strip()
    elif first.endswith(":") and len(fields) >= 2:
        key, value = first[:-1], fields[1].strip()
    else:
        return
    metadata[key] = (value, line)
    if key in UNFILTERED and value != "All":
        raise HesaFormatError(path, line, f"the table is filtered to {key} = {value!r}; techbench reads the "
                                          "unfiltered table (every filter 'All' but the academic year)")
    if key == "Reference ID" and value != REFERENCE_ID:
        raise HesaFormatError(path, line, f"Reference ID {value!r}: this reader reads {REFERENCE_ID}")


def _count(path: Path, line: int, column: str, text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not _COUNT.fullmatch(text):
        raise HesaFormatError(path, line, f"{column!r} is {text!r}; expected a whole number of staff "
                                          "(thousands may be separated: '1,655') or nothing")
    value = int(text.replace(",", ""))
    if value % ROUNDED_TO:
        raise HesaFormatError(path, line, f"{column!r} is {text}, not a multiple of {ROUNDED_TO}: HESA rounds "
                                          f"every count to {ROUNDED_TO}, so this file is not as HESA published it")
    return value


def _row(path: Path, line: int, fields: list[str], header: list[str], layout: _Layout, year: str) -> dict:
    if len(fields) != layout.width:
        raise HesaFormatError(path, line, f"the row has {len(fields)} fields; the header has {layout.width}")
    ukprn, name = fields[0].strip(), fields[1].strip()
    opted_out = name.endswith(OPTED_OUT_MARK)
    name = name.removesuffix(OPTED_OUT_MARK).rstrip()
    if not name:
        raise HesaFormatError(path, line, "'HE Provider' is empty")
    if not ukprn and name != SECTOR_ROW_NAME:
        raise HesaFormatError(path, line, f"{name!r} has no UKPRN (only the sector row {SECTOR_ROW_NAME!r} may)")
    if ukprn and not _UKPRN.fullmatch(ukprn):
        raise HesaFormatError(path, line, f"UKPRN {ukprn!r} for {name!r} is not an 8-digit number")
    counts = {i: _count(path, line, f"{header[i].strip()}, column {i + 1}", fields[i]) for i in range(2, layout.width)}
    blank = [i for i in counts if counts[i] is None]
    if any(i in layout.academic for i in blank):
        raise HesaFormatError(path, line, f"{name!r}: academic staff figures are blank; HESA publishes them for every "
                                          "provider")
    if blank and (blank != list(layout.non_academic) or (ukprn and not opted_out)):
        raise HesaFormatError(path, line, f"{name!r}: some non-academic figures are blank but not all, or without "
                                          f"the '{OPTED_OUT_MARK}' HESA puts after a provider that did not report them")
    if opted_out and not blank:
        raise HesaFormatError(path, line, f"{name!r} is marked '{OPTED_OUT_MARK}' (non-academic staff not reported) "
                                          "but has non-academic figures")
    return {
        "ukprn": ukprn or None, "provider": name, "academic_year": year, "year_start": int(year[:4]),
        "hesa_status": NOT_REPORTED if blank else REPORTED, "technician_proxy": counts[layout.technician_proxy],
        "total_non_academic": counts[layout.total_non_academic], "total_staff": counts[layout.total], "line": line,
    }


def read_dt025(path: Path) -> pl.DataFrame:
    """Every row of one DT025 Table 1 file, the sector "Total" row included (``ukprn`` null):
    columns of :data:`ROW_SCHEMA` (``line`` = the row's line in the file). Raises
    :class:`HesaFormatError` naming the file and line for anything not as HESA publishes it."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8").lstrip("\ufeff")  # HESA writes the byte-order mark twice
    except UnicodeDecodeError as exc:
        raise HesaFormatError(path, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    metadata: dict[str, tuple[str, int]] = {}
    rows: list[dict] = []
    seen: dict[str, int] = {}
    layout = header = year = None
    try:
        for fields in reader:
            line = reader.line_num
            if layout is None:
                if fields and fields[0].strip() == "UKPRN":
                    header, layout, year = fields, _layout(path, line, fields), _year(path, metadata)
                else:
                    _metadata(path, line, fields, metadata)
                continue
            if not any(f.strip() for f in fields):
                continue
            row = _row(path, line, fields, header, layout, year)
            key = row["ukprn"] or SECTOR_ROW_NAME
            if key in seen:
                raise HesaFormatError(path, line, f"a second row for {row['provider']!r} (UKPRN {row['ukprn']}); "
                                                  f"the first is on line {seen[key]}")
            seen[key] = line
            rows.append(row)
    except csv.Error as exc:
        raise HesaFormatError(path, reader.line_num, f"not a readable CSV file ({exc})") from None
    if layout is None:
        raise HesaFormatError(path, reader.line_num or 1, "no header row (a row starting 'UKPRN', 'HE Provider') "
                                                          "anywhere in the file: not HESA DT025 Table 1")
    if not any(r["ukprn"] for r in rows):
        raise HesaFormatError(path, reader.line_num, "no provider rows after the header")
    return pl.DataFrame(rows, schema=ROW_SCHEMA)
