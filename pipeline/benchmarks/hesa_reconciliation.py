"""HESA reconciliation: each declared technician headcount against HESA's published figures.

In plain English
----------------
There is no national count of technicians. The nearest published figure is HESA's count of a
provider's non-academic staff in "associate professional (and technical) occupations" (SOC major
group 3), from HESA open data DT025 Table 1, which covers every UK provider returning staff data,
2014/15 to 2023/24. For every signatory that has a UK Provider Reference Number (UKPRN), techbench
puts the headcount it declared in each return next to that HESA figure, and divides one by the
other. The same HESA row gives the provider's total staff, for technicians per 100 staff.

Which HESA year: the academic year in which the return is dated (UK academic years run from
1 August to 31 July: a return of 31 July 2019 is compared with 2018/19, one of 1 August 2019 with
2019/20). HESA publishes a year well after it ends, so a recent return's year is often not
published yet: it is then compared with the latest year HESA has published, and the note says so
("HESA has not published 2024/25 yet: compared with 2023/24, the latest published year"). The
HESA year actually used is in ``academic_year``.

The HESA figure is a rough yardstick, not the true number: it also counts non-technical
associate professionals (some finance, HR, marketing, student-support and library roles), it
leaves out technical staff HESA codes elsewhere (skilled trades, some professional roles), HESA
rounds every count to the nearest 5, and the provider's own count may use a different definition
and date. So only a large difference means something: a ratio between 2/3 (0.67) and 3/2 (1.5)
is "within band"; above 1.5 is "above band" and below 0.67 is "below band" - both worth a look,
neither an error. The band is symmetric: 1.5 times more and 1.5 times fewer are treated alike.

Where no comparison is possible the row says why, and no figure is made up (never a 0):

* "no UKPRN" - the register gives the signatory no UKPRN (e.g. research institutes,
  international signatories);
* "no submission date" - the return is undated, so its academic year is unknown;
* "year not published" - the return's academic year is before the first year of HESA's tables
  (2014/15), or there are no HESA figures at all;
* "not in HESA that year" - HESA's table for that year has no row for the UKPRN (the provider did
  not return staff data to HESA that year, or is not a HESA provider);
* "not reported (opted out in 2022/23)" - the provider is in HESA's table but opted out of the
  non-academic staff return that year (England and Northern Ireland, from 2019/20; the
  University of York is one): HESA published no technician proxy and no totals for it;
* "no declared headcount" - the return gives no total headcount.

Technically
-----------
Inputs: ``returns`` (the latest valid returns, ``Frames.returns``: ``signatory``, ``stage``,
``submission_date``, ``headcount``), ``signatories`` (``slug``, ``ukprn``) and ``hesa``
(``ukprn``, ``year_start``, ``technician_proxy``, ``total_staff``, ``hesa_status``; the
``hesa_reference`` table or ``plugins.hesa.reader.load_hesa()``; a table without
``hesa_status`` counts a row with a null proxy as not reported).

* The return's year: ``year(submission_date)`` if ``month(submission_date) >= 8`` else
  ``year(submission_date) - 1``; ``academic_year_label(2018) = "2018/19"``.
* The HESA year used: ``min(return's year, latest year_start in hesa)`` - the latest over the
  whole table (every published year holds every provider returning that year), not the
  provider's own latest row. A return's year before the earliest ``year_start`` is "year not
  published"; ``note`` says which year was used when it differs from the return's.
* Left join on (``ukprn``, HESA year); ``declared = headcount``; ``hesa_proxy =
  technician_proxy`` and ``total_staff`` as published (null when not reported or no row).
* ``ratio = declared / hesa_proxy`` (Float64, unrounded) when both are present and
  ``hesa_proxy > 0``, else null. A published proxy of 0 with a positive declared count is
  "above band" (declared 0 against 0: "within band"); no ratio is computed.
* ``flag``, first that applies: "no UKPRN" > "no submission date" > "year not published" >
  "not in HESA that year" > "not reported (opted out in <HESA year>)" > "no declared headcount"
  > "below band" (ratio < BAND[0]) > "above band" (ratio > BAND[1]) > "within band" (BAND[0] <=
  ratio <= BAND[1], inclusive). ``FLAGS`` lists them, with "not reported" for the whole family.
* One output row per input return, sorted by signatory and stage (columns ``SCHEMA``); ``ukprn``
  and ``academic_year`` are shown whenever known, also on rows that could not be compared.
  Returns of slugs not in the register have no UKPRN.

Wherever HESA figures are shown or exported, :data:`ATTRIBUTION` goes with them (HESA's CC BY 4.0
licence; the same text as ``plugins.hesa.reader.ATTRIBUTION``, which the pipeline may not import).
"""

from __future__ import annotations

import polars as pl

#: HESA's required attribution (CC BY 4.0), shown wherever a HESA figure is shown or exported.
ATTRIBUTION = (
    "Contains HESA Data: Copyright Higher Education Statistics Agency Limited. HESA cannot accept "
    "responsibility for any inferences or conclusions derived by third parties from its data."
)

#: (low, high): declared / proxy inside this closed interval is "within band". 2/3 and 3/2 are
#: symmetric on a ratio scale; see the module docstring for why the band is this wide.
BAND = (2 / 3, 3 / 2)

#: Academic years start on 1 August (HESA's reporting year runs 1 August - 31 July).
YEAR_START_MONTH = 8

#: ``hesa_status`` values (``plugins.hesa``): the provider returned its non-academic staff or not.
REPORTED, NOT_REPORTED = "reported", "not reported"

BANDS = ("within band", "above band", "below band")
NO_UKPRN, UNDATED, YEAR_NOT_PUBLISHED, NOT_IN_HESA, NO_HEADCOUNT = (
    "no UKPRN", "no submission date", "year not published", "not in HESA that year", "no declared headcount")
#: Every flag; "not reported" stands for "not reported (opted out in <year>)".
FLAGS = (*BANDS, NO_UKPRN, UNDATED, YEAR_NOT_PUBLISHED, NOT_IN_HESA, NOT_REPORTED, NO_HEADCOUNT)

SCHEMA = {"signatory": pl.String, "stage": pl.Int64, "submission_date": pl.Date, "ukprn": pl.String,
          "academic_year": pl.String, "declared": pl.Int64, "hesa_proxy": pl.Int64, "total_staff": pl.Int64,
          "ratio": pl.Float64, "flag": pl.String, "note": pl.String}

_HESA_COLUMNS = {"ukprn": pl.String, "year_start": pl.Int64, "technician_proxy": pl.Int64,
                 "total_staff": pl.Int64, "hesa_status": pl.String}


def academic_year_start(day: pl.Expr) -> pl.Expr:
    """The first calendar year of the academic year (1 Aug - 31 Jul) containing ``day``."""
    return (day.dt.year() - (day.dt.month() < YEAR_START_MONTH).cast(pl.Int32)).cast(pl.Int64)


def academic_year_label(year_start: pl.Expr) -> pl.Expr:
    """2018 -> "2018/19"."""
    return pl.format("{}/{}", year_start, ((year_start + 1) % 100).cast(pl.String).str.zfill(2))


def _reference(hesa: pl.DataFrame) -> pl.DataFrame:
    """One row per (ukprn, year_start) with the columns used here; missing columns are null
    (an empty frame is a table with no rows), a missing status follows the proxy."""
    frame = hesa.with_columns(pl.lit(None, dtype).alias(c) for c, dtype in _HESA_COLUMNS.items()
                              if c not in hesa.columns)
    status = pl.coalesce(pl.col("hesa_status").cast(pl.String),
                         pl.when(pl.col("technician_proxy").is_null()).then(pl.lit(NOT_REPORTED))
                         .otherwise(pl.lit(REPORTED)))
    return (
        frame.select(pl.col(c).cast(dtype) for c, dtype in _HESA_COLUMNS.items())
        .with_columns(hesa_status=status)
        .filter(pl.col("ukprn").is_not_null() & pl.col("year_start").is_not_null())
        .unique(["ukprn", "year_start"], keep="first", maintain_order=True)
        .rename({"year_start": "_hesa_year", "technician_proxy": "hesa_proxy"})
    )


def reconcile(returns: pl.DataFrame, signatories: pl.DataFrame, hesa: pl.DataFrame) -> pl.DataFrame:
    """Declared headcount against the HESA figures for every return given (pass the latest valid
    ones): columns of :data:`SCHEMA`; the rules are in the module docstring."""
    reference = _reference(hesa)
    first, latest = reference["_hesa_year"].min(), reference["_hesa_year"].max()
    ukprn = pl.col("ukprn") if "ukprn" in signatories.columns else pl.lit(None)
    register = signatories.select(pl.col("slug").cast(pl.String).alias("signatory"),
                                  ukprn.cast(pl.String).alias("ukprn"))
    own_year = pl.col("_own_year")
    hesa_year = pl.min_horizontal(own_year, pl.lit(latest, pl.Int64))
    before_tables = pl.lit(first is None) | (own_year < pl.lit(first, pl.Int64))
    hesa_label = academic_year_label(pl.col("_hesa_year"))
    declared, proxy = pl.col("declared"), pl.col("hesa_proxy")
    low, high = BAND
    flag = (
        pl.when(pl.col("ukprn").is_null()).then(pl.lit(NO_UKPRN))
        .when(pl.col("submission_date").is_null()).then(pl.lit(UNDATED))
        .when(pl.col("_before_tables")).then(pl.lit(YEAR_NOT_PUBLISHED))
        .when(pl.col("hesa_status").is_null()).then(pl.lit(NOT_IN_HESA))
        .when(pl.col("hesa_status") == NOT_REPORTED).then(pl.format(f"{NOT_REPORTED} (opted out in {{}})", hesa_label))
        .when(declared.is_null()).then(pl.lit(NO_HEADCOUNT))
        .when(proxy.is_null()).then(pl.lit(NOT_REPORTED))  # a "reported" row without its figure: never a band
        .when(proxy == 0).then(pl.when(declared > 0).then(pl.lit("above band")).otherwise(pl.lit("within band")))
        .when(pl.col("ratio") < low).then(pl.lit("below band"))
        .when(pl.col("ratio") > high).then(pl.lit("above band"))
        .otherwise(pl.lit("within band"))
    )
    note = (
        pl.when(pl.col("_before_tables") & own_year.is_not_null() & pl.lit(first is not None))
        .then(pl.format("HESA's tables start at {}.", academic_year_label(pl.lit(first, pl.Int64))))
        .when(pl.col("_hesa_year") < own_year)
        .then(pl.format("HESA has not published {} yet: compared with {}, the latest published year.",
                        academic_year_label(own_year), hesa_label))
    )
    return (
        returns.select(pl.col("signatory").cast(pl.String), pl.col("stage").cast(pl.Int64),
                       pl.col("submission_date").cast(pl.Date), pl.col("headcount").cast(pl.Int64).alias("declared"))
        .join(register, on="signatory", how="left")
        .with_columns(_own_year=academic_year_start(pl.col("submission_date")))
        .with_columns(_before_tables=before_tables.fill_null(False),
                      _hesa_year=pl.when(before_tables.not_()).then(hesa_year).otherwise(own_year))
        .join(reference, on=["ukprn", "_hesa_year"], how="left")
        .with_columns(academic_year=hesa_label,
                      ratio=pl.when(declared.is_not_null() & (proxy > 0))
                      .then(declared.cast(pl.Float64) / proxy.cast(pl.Float64)))
        .with_columns(flag=flag, note=note)
        .with_columns(pl.when(pl.col("flag").is_in(BANDS)).then(pl.col("ratio")).alias("ratio"))
        .select(list(SCHEMA))
        .cast(SCHEMA)  # type: ignore[arg-type]
        .sort("signatory", "stage")
    )


__all__ = ["ATTRIBUTION", "BAND", "BANDS", "FLAGS", "NOT_REPORTED", "REPORTED", "SCHEMA", "academic_year_label",
           "academic_year_start", "reconcile"]
