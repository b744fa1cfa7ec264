"""Read HESA Staff open data Table 1 in its long layout: the Scottish extract the plugin ships.

One row per provider x year x mode x marker combination x SOC group (``data/README.md``). Since
DT025 (:mod:`plugins.hesa.dt025`) covers the same providers and years with the same figures, this
file is no longer a source of figures for ``hesa_staff``: :func:`provider_places` gives the
nation and region DT025 lacks, and :func:`load_long_extract` stays as the evidence that the two
publications agree (``tests/test_hesa.py``) and for anyone holding other long extracts.

:func:`load_long_extract` returns the provider rows (the sector "Total" row is left out) with the
first eight columns of ``hesa_staff``; which raw rows feed each figure is in :data:`SELECTION`,
and ``plugins/hesa/README.md`` says why. Each figure is exactly one published cell (never a sum
of rounded cells); a figure HESA left empty stays null, never 0.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import polars as pl

from plugins.hesa.common import DATA_DIR, ROUNDED_TO, SOC3_LABELS, HesaFormatError

SCOTLAND_PATH = DATA_DIR / "hesa_staff_scotland_2014-15_to_2021-22.csv"

#: Columns of HESA Staff open data Table 1, as published (the first one after the byte-order mark).
EXPECTED_COLUMNS = (
    "UKPRN",
    "HE Provider",
    "Country of HE provider",
    "Region of HE provider",
    "Mode of employment",
    "Atypical marker",
    "Academic marker",
    "Contract marker",
    "Academic Year",
    "Activity standard occupational classification",
    "Number",
)

SECTOR_ROW_NAME = "Total"

#: The one raw row (per provider and year) each figure is taken from. Labels are compared after
#: trimming surrounding spaces, so "Associate professional and technical occupations " (HESA's
#: label in the non-academic block, with a trailing space) matches.
#:
#: * Mode "All" only: Full-time + Part-time repeat the same staff (and differ from "All" by
#:   rounding), so adding them to "All" would double count.
#: * Contract marker "Non-academic" for the non-academic figures: the block with Contract marker
#:   "All (excluding atypical)" repeats exactly the same non-academic cells (checked for every
#:   cell of the 2014/15-2021/22 file), so only one of the two blocks may be used.
#: * Atypical marker "Non-atypical": the file has no atypical non-academic staff at all; atypical
#:   staff appear only as "Academic atypical", which is neither non-academic nor in "Total".
SELECTION: dict[str, dict[str, str]] = {
    "technician_proxy": {
        "Mode of employment": "All",
        "Atypical marker": "Non-atypical",
        "Academic marker": "Non-academic",
        "Contract marker": "Non-academic",
        "Activity standard occupational classification": SOC3_LABELS[0],
    },
    "total_non_academic": {
        "Mode of employment": "All",
        "Atypical marker": "Non-atypical",
        "Academic marker": "Non-academic",
        "Contract marker": "Non-academic",
        "Activity standard occupational classification": "Total non-academic staff",
    },
    "total_staff": {
        "Mode of employment": "All",
        "Atypical marker": "Non-atypical",
        "Academic marker": "All",
        "Contract marker": "All (excluding atypical)",
        "Activity standard occupational classification": "Total",
    },
}

OUTPUT_SCHEMA = {
    "ukprn": pl.String,
    "provider": pl.String,
    "academic_year": pl.String,
    "year_start": pl.Int64,
    "technician_proxy": pl.Int64,
    "total_non_academic": pl.Int64,
    "total_staff": pl.Int64,
    "rounded_to": pl.Int64,
}

_YEAR = re.compile(r"^(\d{4})/(\d{2})$")
_FIRST_DATA_LINE = 2  # line 1 is the header


def _check_header(path: Path) -> None:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), None)
    except UnicodeDecodeError as exc:
        raise HesaFormatError(path, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if not header:
        raise HesaFormatError(path, 1, "the file is empty; expected a header row with the HESA columns")
    found = [name.strip() for name in header]
    missing = [c for c in EXPECTED_COLUMNS if c not in found]
    unexpected = [c for c in found if c not in EXPECTED_COLUMNS]
    repeated = sorted({c for c in found if found.count(c) > 1})
    if missing or unexpected or repeated:
        parts = []
        if missing:
            parts.append("missing " + ", ".join(repr(c) for c in missing))
        if unexpected:
            parts.append("unexpected " + ", ".join(repr(c) for c in unexpected))
        if repeated:
            parts.append("repeated " + ", ".join(repr(c) for c in repeated))
        raise HesaFormatError(
            path,
            1,
            "the columns are not those of HESA Staff open data Table 1 (" + "; ".join(parts) + "). "
            "Expected: " + ", ".join(EXPECTED_COLUMNS),
        )


def _ragged_line(path: Path) -> tuple[int, int] | None:
    """(line, number of fields) of the first row without exactly one field per column, if any.
    Only called once something is already wrong, so the slow csv-module scan costs nothing."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            width = len(next(reader, []))
            for fields in reader:
                if fields and len(fields) != width:
                    return reader.line_num, len(fields)
    except (UnicodeDecodeError, csv.Error):
        return None
    return None


def _ragged_error(path: Path) -> HesaFormatError | None:
    ragged = _ragged_line(path)
    if ragged is None:
        return None
    line, fields = ragged
    return HesaFormatError(path, line, f"the row has {fields} fields; expected {len(EXPECTED_COLUMNS)}")


def _first_bad(frame: pl.DataFrame, bad: pl.Expr) -> dict | None:
    rows = frame.filter(bad).head(1).to_dicts()
    return rows[0] if rows else None


def _read_raw(path: Path) -> pl.DataFrame:
    _check_header(path)
    try:
        raw = pl.read_csv(path, infer_schema=False, encoding="utf8")
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as exc:
        raise _ragged_error(path) or HesaFormatError(path, None, f"not a readable CSV file: {exc}") from None
    raw = raw.rename({c: c.lstrip("\ufeff").strip() for c in raw.columns})
    return raw.select(
        pl.int_range(_FIRST_DATA_LINE, pl.len() + _FIRST_DATA_LINE, dtype=pl.Int64).alias("line"),
        *(pl.col(c).str.strip_chars().replace("", None).alias(c) for c in EXPECTED_COLUMNS),
    )


def _validate(path: Path, raw: pl.DataFrame) -> pl.DataFrame:
    """Check every row and add the typed columns ``n`` (Int64) and ``year_start``."""
    required = [c for c in EXPECTED_COLUMNS if c not in ("UKPRN", "Number")]
    for column in required:
        row = _first_bad(raw, pl.col(column).is_null())
        if row:
            raise _ragged_error(path) or HesaFormatError(path, row["line"], f"'{column}' is empty")

    is_sector = pl.col("UKPRN").is_null() & (pl.col("HE Provider") == SECTOR_ROW_NAME)
    row = _first_bad(raw, ~is_sector & ~pl.col("UKPRN").fill_null("").str.contains(r"^\d{8}$"))
    if row:
        raise HesaFormatError(
            path, row["line"], f"UKPRN {row['UKPRN']!r} for {row['HE Provider']!r} is not an 8-digit number"
        )

    year = pl.col("Academic Year").str.extract_groups(_YEAR.pattern)
    typed = raw.with_columns(
        year_start=year.struct.field("1").cast(pl.Int64, strict=False),
        _year_end=year.struct.field("2").cast(pl.Int64, strict=False),
        n=pl.col("Number").cast(pl.Int64, strict=False),
    )
    row = _first_bad(
        typed,
        pl.col("year_start").is_null() | ((pl.col("year_start") + 1) % 100 != pl.col("_year_end")),
    )
    if row:
        raise HesaFormatError(
            path, row["line"], f"'Academic Year' is {row['Academic Year']!r}; expected a year like '2018/19'"
        )
    row = _first_bad(typed, pl.col("Number").is_not_null() & (pl.col("n").is_null() | (pl.col("n") < 0)))
    if row:
        raise HesaFormatError(
            path, row["line"], f"'Number' is {row['Number']!r}; expected a whole number of staff or nothing"
        )
    row = _first_bad(typed, pl.col("n") % ROUNDED_TO != 0)
    if row:
        raise HesaFormatError(
            path,
            row["line"],
            f"'Number' is {row['n']}, not a multiple of {ROUNDED_TO}: HESA open data is rounded to "
            f"the nearest {ROUNDED_TO}, so this is not a HESA open-data file or it has been edited",
        )
    return typed.drop("_year_end")


def _measure() -> pl.Expr:
    """Name of the figure a raw row feeds (null for the rows not used)."""
    expr = pl.lit(None, dtype=pl.String)
    for name, where in reversed(SELECTION.items()):
        condition = pl.all_horizontal(pl.col(column) == value for column, value in where.items())
        expr = pl.when(condition).then(pl.lit(name)).otherwise(expr)
    return expr


def _table(path: Path, rows: pl.DataFrame) -> pl.DataFrame:
    """One row per (UKPRN, provider, year) of ``rows`` with the figures of :data:`SELECTION`."""
    # The sector row has no UKPRN; a placeholder keeps joins and pivots simple.
    rows = rows.with_columns(pl.col("UKPRN").fill_null(""))
    key = ["UKPRN", "HE Provider", "Academic Year"]
    picked = rows.with_columns(measure=_measure()).filter(pl.col("measure").is_not_null())

    repeated = (
        picked.group_by([*key, "measure"])
        .agg(pl.col("line").sort(), pl.len().alias("count"))
        .filter(pl.col("count") > 1)
        .sort(pl.col("line").list.get(1))
        .head(1)
        .to_dicts()
    )
    if repeated:
        r = repeated[0]
        raise HesaFormatError(
            path,
            r["line"][1],
            f"{r['HE Provider']} {r['Academic Year']}: a second row for {r['measure']} "
            f"(first on line {r['line'][0]}); each figure must be published once",
        )

    everyone = rows.select(key).unique()
    present = picked.select([*key, "measure"]).unique()
    for name, where in SELECTION.items():
        have = present.filter(pl.col("measure") == name).select(key)
        gap = everyone.join(have, on=key, how="anti").sort(key).head(1).to_dicts()
        if gap:
            g = gap[0]
            wanted = ", ".join(f"{c} = {v!r}" for c, v in where.items())
            raise HesaFormatError(
                path,
                None,
                f"{g['HE Provider']} (UKPRN {g['UKPRN'] or 'none'}) {g['Academic Year']}: no row for "
                f"{name} ({wanted}); a figure HESA did not publish must still have its row, with an "
                "empty Number",
            )

    if picked.is_empty():
        return pl.DataFrame(schema=OUTPUT_SCHEMA)
    return (
        picked.pivot(on="measure", index=key, values="n", aggregate_function=None)
        .rename({"UKPRN": "ukprn", "HE Provider": "provider", "Academic Year": "academic_year"})
        .with_columns(
            ukprn=pl.col("ukprn").replace("", None),
            year_start=pl.col("academic_year").str.slice(0, 4).cast(pl.Int64),
            rounded_to=pl.lit(ROUNDED_TO, dtype=pl.Int64),
        )
        .select(pl.col(name).cast(dtype) for name, dtype in OUTPUT_SCHEMA.items())
        .sort("ukprn", "year_start", nulls_last=True)
    )


def _load(path: Path) -> pl.DataFrame:
    path = Path(path)
    return _validate(path, _read_raw(path))


def load_long_extract(path: Path = SCOTLAND_PATH) -> pl.DataFrame:
    """One row per provider and academic year (the sector "Total" row left out): ``ukprn``,
    ``provider``, ``academic_year``, ``year_start``, ``technician_proxy``, ``total_non_academic``,
    ``total_staff``, ``rounded_to``. Raises :class:`HesaFormatError` (naming the file and, where
    there is one, the line) if the file is not HESA Staff open data Table 1 as expected, and
    ``FileNotFoundError`` if it is missing."""
    rows = _load(path)
    providers = rows.filter(pl.col("UKPRN").is_not_null())
    if providers.is_empty():
        raise HesaFormatError(path, None, "no provider rows (only a sector total, or no data at all)")
    return _table(Path(path), providers)


def provider_places(path: Path = SCOTLAND_PATH) -> pl.DataFrame:
    """``ukprn``, ``nation``, ``region``: each provider's "Country of HE provider" and "Region of HE
    provider" as the long extract gives them (one row per provider; its latest year wins)."""
    rows = _load(path).filter(pl.col("UKPRN").is_not_null())
    return (
        rows.sort("year_start")
        .group_by("UKPRN")
        .agg(pl.col("Country of HE provider").last().alias("nation"), pl.col("Region of HE provider").last().alias("region"))
        .rename({"UKPRN": "ukprn"})
        .sort("ukprn")
    )
