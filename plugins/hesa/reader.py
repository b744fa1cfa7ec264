"""The HESA reference tables, ``hesa_staff`` and ``hesa_staff_sector``, for every UK provider.

Source of the figures: HESA DT025 Table 1, one file per academic year, 2014/15 to 2023/24
(``data/dt025_table1/``, read by :mod:`plugins.hesa.dt025`). The Scottish long extract the plugin
also ships publishes the same figures for its 18 providers and 8 years (checked cell by cell in
``tests/test_hesa.py``), so DT025 is the one source of figures; the extract adds only what DT025
lacks, the nation and region of its providers (DT025 Table 1 as published has no "Country of HE
provider" or "Region of HE provider" column: they are filters, set to "All").

``hesa_staff``: one row per provider and academic year in which it is in DT025.

========================  ==========================================================================
column                    meaning
========================  ==========================================================================
``ukprn``                 8-digit UK Provider Reference Number (str)
``provider``              provider name as HESA published it that year, without the ``*`` (str)
``academic_year``         "2018/19" (str)
``year_start``            2018 (Int64)
``technician_proxy``      non-academic staff in SOC major group 3 ("Associate professional (and
                          technical) occupations"), headcount (Int64; null when not reported)
``total_non_academic``    all non-academic staff, headcount (Int64; null when not reported)
``total_staff``           all staff, academic and non-academic, excluding atypical staff,
                          headcount (Int64; null when not reported: HESA leaves it blank too)
``rounded_to``            5: HESA rounds every count to the nearest 5 (Int64)
``hesa_status``           "reported", or "not reported": the provider opted out of the
                          non-academic staff return that year (England and Northern Ireland, from
                          2019/20; ``*`` in DT025). Its three figures are then null, never 0, and
                          the row is kept (str)
``nation``                "Scotland" for the providers of the Scottish extract, else null: not
                          known from DT025 (str)
``region``                HESA's "Region of HE provider" where the extract gives it, else null (str)
========================  ==========================================================================

``hesa_staff_sector``: one row per academic year, the same columns (``ukprn``, ``nation``,
``region`` null; ``provider`` "Total") plus ``providers`` (providers in DT025 that year) and
``providers_not_reported``. Where HESA published its own UK total row (2014/15 to 2018/19) the
figures are HESA's and ``hesa_status`` is "reported". From 2019/20 HESA left the non-academic
cells and the total of that row blank, because opted-out providers are missing from them; the
figures are then the sums over the providers that reported (each rounded to 5, so the sum carries
up to 2.5 per provider of rounding) and ``hesa_status`` is "sum of reported providers": a floor
of the UK figure, not the UK figure. Never mix the two kinds of year into one trend line unmarked.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from plugins.hesa.common import ATTRIBUTION, DATA_DIR, LICENCE, ROUNDED_TO, SOC3_LABELS, HesaFormatError
from plugins.hesa.dt025 import NOT_REPORTED, REPORTED, SECTOR_ROW_NAME, read_dt025
from plugins.hesa.long_extract import SCOTLAND_PATH, provider_places

__all__ = [
    "ATTRIBUTION", "DT025_DIR", "HesaFormatError", "LICENCE", "NOT_REPORTED", "OUTPUT_SCHEMA", "REPORTED",
    "ROUNDED_TO", "SCOTLAND_PATH", "SECTOR_SCHEMA", "SOC3_LABELS", "SUMMED", "dt025_files", "load_hesa",
    "load_hesa_sector",
]

DT025_DIR = DATA_DIR / "dt025_table1"
DT025_PATTERN = "dt025-table-1_*.csv"
#: ``hesa_status`` of a sector year whose figures are sums over the providers that reported.
SUMMED = "sum of reported providers"

OUTPUT_SCHEMA = {
    "ukprn": pl.String, "provider": pl.String, "academic_year": pl.String, "year_start": pl.Int64,
    "technician_proxy": pl.Int64, "total_non_academic": pl.Int64, "total_staff": pl.Int64, "rounded_to": pl.Int64,
    "hesa_status": pl.String, "nation": pl.String, "region": pl.String,
}
SECTOR_SCHEMA = {**OUTPUT_SCHEMA, "providers": pl.Int64, "providers_not_reported": pl.Int64}
FIGURES = ("technician_proxy", "total_non_academic", "total_staff")


def dt025_files(source: Path = DT025_DIR) -> list[Path]:
    """The DT025 files of ``source``: itself if a file, else its ``dt025-table-1_*.csv``."""
    source = Path(source)
    if source.is_file():
        return [source]
    if not source.is_dir():
        raise FileNotFoundError(f"{source}: no such file or folder of HESA DT025 Table 1 files")
    files = sorted(source.glob(DT025_PATTERN))
    if not files:
        raise HesaFormatError(source, None, f"no HESA DT025 Table 1 files ({DT025_PATTERN}) in this folder")
    return files


def _rows(source: Path) -> pl.DataFrame:
    """Every row of every file, with the file it came from; one file per academic year."""
    frames = [read_dt025(path).with_columns(file=pl.lit(str(path))) for path in dt025_files(source)]
    rows = pl.concat(frames)
    per_year = rows.group_by("academic_year").agg(pl.col("file").unique().sort()).filter(pl.col("file").list.len() > 1)
    if per_year.height:
        year, files = per_year.row(0)
        raise HesaFormatError(files[1], None, f"a second file for {year} (the first is {files[0]}); keep one")
    return rows


def load_hesa(source: Path = DT025_DIR, places: Path | None = SCOTLAND_PATH) -> pl.DataFrame:
    """The ``hesa_staff`` table (columns in the module docstring) from the DT025 files in ``source``
    (a folder, or one file), with nation and region from the long extract ``places`` (None: null).
    Raises :class:`HesaFormatError` naming the file and line of anything not as HESA publishes it."""
    providers = _rows(source).filter(pl.col("ukprn").is_not_null())
    if places is None:
        located = providers.with_columns(nation=pl.lit(None, pl.String), region=pl.lit(None, pl.String))
    else:
        located = providers.join(provider_places(places), on="ukprn", how="left")
    return (
        located.with_columns(rounded_to=pl.lit(ROUNDED_TO, pl.Int64))
        .select(pl.col(name).cast(dtype) for name, dtype in OUTPUT_SCHEMA.items())
        .sort("ukprn", "year_start")
    )


def load_hesa_sector(source: Path = DT025_DIR) -> pl.DataFrame:
    """The ``hesa_staff_sector`` table: one row per academic year; how its figures are made where
    HESA's own total is blank is in the module docstring."""
    rows = _rows(source)
    reported = pl.col("hesa_status") == REPORTED
    sums = (
        rows.filter(pl.col("ukprn").is_not_null())
        .group_by("academic_year", "year_start")
        .agg(
            providers=pl.len(),
            providers_not_reported=(pl.col("hesa_status") == NOT_REPORTED).sum(),
            **{f"_sum_{f}": pl.col(f).filter(reported).sum() for f in FIGURES},
        )
    )
    hesa = rows.filter(pl.col("ukprn").is_null()).select("academic_year", *FIGURES)
    published = pl.col("total_non_academic").is_not_null()
    return (
        sums.join(hesa, on="academic_year", how="left")
        .with_columns(
            ukprn=pl.lit(None, pl.String), provider=pl.lit(SECTOR_ROW_NAME), rounded_to=pl.lit(ROUNDED_TO, pl.Int64),
            nation=pl.lit(None, pl.String), region=pl.lit(None, pl.String),
            hesa_status=pl.when(published).then(pl.lit(REPORTED)).otherwise(pl.lit(SUMMED)),
            **{f: pl.when(published).then(pl.col(f)).otherwise(pl.col(f"_sum_{f}")) for f in FIGURES},
        )
        .select(pl.col(name).cast(dtype) for name, dtype in SECTOR_SCHEMA.items())
        .sort("year_start")
    )
