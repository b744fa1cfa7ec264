"""HESA reconciliation: each declared technician headcount against HESA's published proxy.

In plain English
----------------
There is no national count of technicians. The nearest published figure is HESA's count of a
provider's non-academic staff in "associate professional and technical occupations" (SOC major
group 3). For every signatory that has a UK Provider Reference Number (UKPRN), techbench puts the
headcount it declared in each return next to that HESA figure for the academic year in which the
return is dated (academic years run from 1 August to 31 July), and divides one by the other.

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
* "no HESA data for that year" - the HESA extract has no row for that provider and academic year
  (a year outside the extract, or a provider not in it: the shipped extract covers the 18
  Scottish providers, 2014/15 to 2021/22);
* "not published" - HESA has a row but published no figure (e.g. English and Northern Irish
  providers that opted out of non-academic returns since 2019/20);
* "no submission date" - the return is undated, so its academic year is unknown;
* "no declared headcount" - the return gives no total headcount.

Technically
-----------
Inputs: ``returns`` (the latest valid returns, ``Frames.returns``: ``signatory``, ``stage``,
``submission_date``, ``headcount``), ``signatories`` (``slug``, ``ukprn``) and ``hesa``
(``ukprn``, ``academic_year``, ``year_start``, ``technician_proxy`` nullable; the
``hesa_reference`` table or ``plugins.hesa.reader.load_hesa()``).

* ``year_start = year(submission_date)`` if ``month(submission_date) >= 8`` else
  ``year(submission_date) - 1``; ``academic_year = f"{year_start}/{(year_start + 1) % 100:02d}"``
  (31 Jul 2019 -> 2018/19; 1 Aug 2019 -> 2019/20).
* Left join on (``ukprn``, ``year_start``); ``declared = headcount``,
  ``hesa_proxy = technician_proxy`` (null when no row or not published).
* ``ratio = declared / hesa_proxy`` (Float64, unrounded) when both are present and
  ``hesa_proxy > 0``, else null. A published proxy of 0 with a positive declared count is
  "above band" (declared 0 against 0: "within band"); no ratio is computed.
* ``flag``, first that applies: "no UKPRN" (ukprn null) > "no submission date" > "no HESA data
  for that year" (no HESA row) > "not published" (proxy null) > "no declared headcount"
  (headcount null) > "below band" (ratio < BAND[0]) > "above band" (ratio > BAND[1]) >
  "within band" (BAND[0] <= ratio <= BAND[1], inclusive).
* One output row per input return, sorted by signatory and stage; ``stage`` Int64,
  ``declared`` and ``hesa_proxy`` Int64. ``ukprn`` and ``academic_year`` are shown whenever
  known, also on rows that could not be compared. Returns of slugs not in the register have no
  UKPRN.

HESA data must carry the attribution in ``plugins.hesa.reader.ATTRIBUTION`` wherever shown.
"""

from __future__ import annotations

import polars as pl

#: (low, high): declared / proxy inside this closed interval is "within band". 2/3 and 3/2 are
#: symmetric on a ratio scale; see the module docstring for why the band is this wide.
BAND = (2 / 3, 3 / 2)

#: Academic years start on 1 August (HESA's reporting year runs 1 August - 31 July).
YEAR_START_MONTH = 8

FLAGS = ("within band", "above band", "below band", "no UKPRN", "no submission date", "no HESA data for that year",
         "not published", "no declared headcount")

SCHEMA = {"signatory": pl.String, "stage": pl.Int64, "submission_date": pl.Date, "ukprn": pl.String,
          "academic_year": pl.String, "declared": pl.Int64, "hesa_proxy": pl.Int64, "ratio": pl.Float64,
          "flag": pl.String}


def academic_year_start(day: pl.Expr) -> pl.Expr:
    """The first calendar year of the academic year (1 Aug - 31 Jul) containing ``day``."""
    return (day.dt.year() - (day.dt.month() < YEAR_START_MONTH).cast(pl.Int32)).cast(pl.Int64)


def academic_year_label(year_start: pl.Expr) -> pl.Expr:
    """2018 -> "2018/19"."""
    return pl.format("{}/{}", year_start, ((year_start + 1) % 100).cast(pl.String).str.zfill(2))


def reconcile(returns: pl.DataFrame, signatories: pl.DataFrame, hesa: pl.DataFrame) -> pl.DataFrame:
    """Declared headcount against the HESA proxy for every return given (pass the latest valid
    ones): columns of :data:`SCHEMA`; the rules are in the module docstring."""
    register = signatories.select(pl.col("slug").cast(pl.String).alias("signatory"),
                                  pl.col("ukprn").cast(pl.String))
    reference = (
        hesa.select(pl.col("ukprn").cast(pl.String), pl.col("year_start").cast(pl.Int64),
                    pl.col("technician_proxy").cast(pl.Int64).alias("hesa_proxy"))
        .filter(pl.col("ukprn").is_not_null())
        .unique(["ukprn", "year_start"], keep="first", maintain_order=True)
        .with_columns(_in_hesa=pl.lit(True))
    )
    declared, proxy = pl.col("declared"), pl.col("hesa_proxy")
    comparable = declared.is_not_null() & proxy.is_not_null()
    ratio = pl.when(comparable & (proxy > 0)).then(declared.cast(pl.Float64) / proxy.cast(pl.Float64))
    low, high = BAND
    flag = (
        pl.when(pl.col("ukprn").is_null()).then(pl.lit("no UKPRN"))
        .when(pl.col("submission_date").is_null()).then(pl.lit("no submission date"))
        .when(pl.col("_in_hesa").is_null()).then(pl.lit("no HESA data for that year"))
        .when(proxy.is_null()).then(pl.lit("not published"))
        .when(declared.is_null()).then(pl.lit("no declared headcount"))
        .when(proxy == 0).then(pl.when(declared > 0).then(pl.lit("above band")).otherwise(pl.lit("within band")))
        .when(pl.col("ratio") < low).then(pl.lit("below band"))
        .when(pl.col("ratio") > high).then(pl.lit("above band"))
        .otherwise(pl.lit("within band"))
    )
    return (
        returns.select(pl.col("signatory").cast(pl.String), pl.col("stage").cast(pl.Int64),
                       pl.col("submission_date").cast(pl.Date), pl.col("headcount").cast(pl.Int64).alias("declared"))
        .join(register, on="signatory", how="left")
        .with_columns(year_start=academic_year_start(pl.col("submission_date")))
        .join(reference, on=["ukprn", "year_start"], how="left")
        .with_columns(academic_year=academic_year_label(pl.col("year_start")), ratio=ratio)
        .with_columns(flag=flag)
        .select(list(SCHEMA))
        .cast(SCHEMA)  # type: ignore[arg-type]
        .sort("signatory", "stage")
    )


__all__ = ["BAND", "FLAGS", "SCHEMA", "academic_year_label", "academic_year_start", "reconcile"]
