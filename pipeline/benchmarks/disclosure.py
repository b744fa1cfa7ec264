"""Disclosure control: what a benchmark table may show to anyone but the steering group.

**In plain English.** The steering group sees everything. Whenever techbench shows or exports a
table to anyone else — an institution looking at its own position, a peer reviewer — it first
applies the same kind of protection HESA and OpenSAFELY apply to their statistics:

- **Peers are anonymised.** Every other signatory becomes "Peer 1", "Peer 2", …; an institution
  still sees its own name. The numbers are given in a scrambled order decided by a secret key, so
  "Peer 1" is not the first name in the alphabet, and the same peer keeps the same number across
  the tables of one publication. Each institution and each peer reviewer has a numbering of its
  own, so someone who recognises a peer cannot tell anyone else its number. Rows are put in "Peer"
  order, so the order of a table cannot give names away either. Things that would give a peer
  away on their own — its web address, UKPRN, input format, the free text of its plan, the file
  identifier — are removed for peers.
- **Small counts are hidden, others rounded.** A count of 1, 2, 3 or 4 is shown as "<5"; 0 stays 0
  (there is nothing to protect); every other count is rounded to the nearest 5 (7 is shown as 5, 8
  as 10, 12 as 10, 13 as 15). That holds for every count about peers: sizes of groups, and each
  peer's technician headcount and numbers of actions and initiatives. A peer's change in such a
  count since the previous stage, and its distance from the group median, are withheld: with the
  median beside it, they would give the exact count back. A share ("38% of signatories", "96% of
  plans cover the theme") is worked out from the rounded counts and is withheld when its count is
  "<5" or fewer than 5 are behind it. An institution sees its own counts exactly.
- **Nothing that links a peer to public data.** HESA publishes each provider's staff figures by
  academic year, and the register of signatories is public, with the signing dates from which each
  stage's window and due date follow. Beside "Peer 3", a HESA figure with its year, or a due date,
  could be looked up in those public lists to find out who Peer 3 is — and rounding does not
  prevent it (HESA rounds its own figures to 5). So for peers the HESA figures (the technician
  proxy, its academic year, and the ratio and reading worked out from them) and every date
  (window opening, due date, date submitted) are withheld. An institution sees its own.
- **No group figure from fewer than 5 signatories.** A median, quartile, interval, quintile or its
  wording ("high", "broadly in line") is blank when the group behind it has fewer than 5 members:
  with 3 peers, a median is one peer's figure.
- **No personal data.** Names, e-mail addresses and phone numbers of institutional leads and the
  names on the sign-offs are never in anything published to anyone but the steering group.

**Technically.** ``disclose(tables, viewer, role, salt=..., account=...)`` is the single entry
point; ``role`` is ``"steering"`` (tables returned unchanged), ``"institution"`` (``viewer`` = its
own slug, required) or ``"reviewer"`` (``viewer`` = the one signatory left visible, e.g. the
submission under review, or ``None`` for none; ``account`` = the reviewer's account). Reviewers
and institutions get the same control. Columns are recognised by name (the constants below); a
table with other count columns names them in ``counts={table: [...]}``. For each table, in this order:

1. Personal data dropped: ``PERSONAL_COLUMNS`` and any column whose name contains ``email``,
   ``phone`` or ``telephone``, or ends in ``signoff_name`` / ``sign_off_name``.
2. Identifying columns dropped (``IDENTIFYING_COLUMNS``: ukprn, published_url; and, in a table
   with a ``slug`` column, i.e. the register, ``plugin`` and ``source``) — after each row's
   signatory has been worked out (step 6), so that a HESA row is linked by its UKPRN.
3. Group statistics suppressed: when the table has ``n`` and any ``GROUP_STATISTIC_COLUMNS``
   (median, mean, q1, q3, p25, p75, lower, upper, interval, ci, benchmark, diff/difference,
   quintile, wording, favourable, band, percentile, rank, and ``median_*``, ``quintile_*``,
   ``diff_*``… — the columns of ``position.positions``), those are set to null on rows with n < 5
   (or n null) — ``suppress_small_groups``. Uses the exact n, before rounding.
4. Shares: a ``share``/``rate`` column in a table with ``signatories`` (the numerator) and ``n``
   (the denominator), like Appendix A adoption, is recomputed from the rounded counts (OpenSAFELY:
   derive statistics from the rounded figures, so that they cannot be used to undo the rounding),
   and is null where the numerator is 1–4 or n < 5.
5. Counts: ``COUNT_COLUMNS`` (n, count, signatories, members, headcount, declared, hesa_proxy,
   submitted, late, …), columns named ``*_count`` or ``n_*``, numeric dtype only →
   ``apply_to_counts``: the column becomes String: null stays null, 0 → "0", 0 < x < 5 → "<5",
   x ≥ 5 → the nearest multiple of 5, as text. A String column is used (rather than a number plus a
   separate display column) so that a published count is never mistaken for missing (null) or
   zero, and every cell of one column has one type. In a table that identifies signatories, the
   viewer's own rows keep their exact counts (as text) — except group sizes (``n``,
   ``signatories``, …), which are about peers too. In a table of metric values (``metric`` and a
   numeric ``value``: positions, metric values), ``value`` becomes String the same way: on rows of
   a count metric (``COUNT_METRICS``: the catalogue's ``kind == "count"``) that are not the
   viewer's it is the published count; elsewhere the exact value as text. On those rows
   ``VALUE_DIFFERENCES`` (change, diff, diff_low, diff_high) are nulled: value = median + diff.
   ``rounded_share(numerator, denominator)`` is step 4's rule on its own, for shares worked out
   outside a table (the dashboard's theme coverage).
6. Peers pseudonymised: signatory identity columns (``signatory``, ``slug``; the slug part of
   ``submission_id``; a UKPRN found in the register, for HESA tables; ``signatory_name``,
   ``provider``, and ``name`` in the register) become "Peer k" for every signatory but the viewer.
   Numbering: all slugs found in the tables (plus names that could not be linked to a slug) but
   the viewer are ordered by HMAC-SHA256(key, slug) and numbered 1…N, with key = HMAC-SHA256(salt,
   "reviewer" + account) for a reviewer's account (``account=``), else HMAC-SHA256(salt, "viewer"
   + viewer) — so numbers are stable for a salt, a viewer (an institution, or a reviewer account)
   and a register, do not follow the alphabet, and differ between viewers (viewers comparing their
   views cannot pool them into a key, nor pass a recognised peer's number on). ``submission_id``
   becomes ``Peer k|stage|<HMAC token>`` (the file hash could be matched against a published plan).
   Free-text columns (``FREE_TEXT_COLUMNS``: text, action, owner, evidence, …) are nulled on peers'
   rows — they often name the institution — and so are
   ``LINKING_COLUMNS`` (hesa_proxy, technician_proxy, academic_year, year_start, ratio, flag, …)
   and every Date/Datetime column: they join a peer to HESA's public tables or, through the public
   register's signing dates, to its due dates and windows. (In a table without signatory identity,
   the same on rows whose name column is not the viewer's.) Rows of such tables are then stably
   sorted viewer first, then by peer number, so that row order (often alphabetical by slug) does
   not undo the pseudonyms.

The salt is a secret of the steering group: anyone who knows it and the register can undo the
numbering. It is taken from ``salt=``, else the environment variable
``TECHBENCH_DISCLOSURE_SALT``, else a random salt made once per process (pseudonyms then change
between processes — safe, but not stable across publications).

Rounding rule: nearest multiple of 5, halves up (``floor(x / 5 + 0.5) * 5``). Whole counts never
fall on a half (5 is odd: 7 → 5, 8 → 10, 12 → 10, 13 → 15); the rule only matters for non-integer
counts (7.5 → 10). Counts are never negative (``ValueError``). HESA rounds 0, 1, 2 to 0; here, as
the issue asks, 1–4 are shown as "<5" and 0 as 0. Residual risk, not handled here:
quasi-identifiers (signing date, cohort, nation, type, mission group, exact headcount band) can
single out a peer in a small sector; views should show only those a benchmark needs. A peer's
exact rates (per 100 technicians, per cent change) beside its rounded counts can narrow the counts
behind them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import polars as pl

from pipeline.benchmarks.catalogue import CATALOGUE, HESA_METRICS
from pipeline.benchmarks.pseudonyms import SALT_VARIABLE, anonymise, pseudonyms, token, view_key
from pipeline.benchmarks.rounding import MIN_GROUP, SMALL, apply_to_counts, round_count, rounded_share
from pipeline.ids import ROLES

#: The public names, with those of the counts (``rounding``) and pseudonyms (``pseudonyms``) modules.
__all__ = ["MIN_GROUP", "SALT_VARIABLE", "SMALL", "anonymise", "apply_to_counts", "count_columns", "disclose",
           "group_statistic_columns", "is_personal", "pseudonyms", "round_count", "rounded_share",
           "suppress_small_groups"]

PERSONAL_COLUMNS = frozenset({
    "lead_name", "lead_email", "lead_phone", "lead_signoff_name", "head_signoff_name", "head_name",
    "lead_signoff", "head_signoff", "signoff_name", "contact_name", "contact_email", "contact_phone",
})
_PERSONAL_PATTERN = re.compile(r"e-?mail|phone|telephone|sign_?off_name$")
IDENTIFYING_COLUMNS = frozenset({"ukprn", "published_url", "url", "domain"})
REGISTER_ONLY_IDENTIFYING = frozenset({"plugin", "source"})  # dropped only from a table with ``slug``
SLUG_COLUMNS = ("signatory", "slug")
NAME_COLUMNS = ("signatory_name", "provider")  # "name" too, in a table with ``slug`` (the register)
FREE_TEXT_COLUMNS = frozenset({
    "text", "action", "owner", "evidence", "due_text", "profile", "technician_voice", "technician_definition",
    "technicians_narrative", "note", "notes", "comment", "comments", "feedback", "message",
})
COUNT_COLUMNS = frozenset({
    "n", "count", "signatories", "headcount", "submitted", "submissions", "late", "overdue", "missing", "expected",
    "received", "registered", "registrations", "technicians", "apprentices", "mentors", "members", "peers",
    "declared", "hesa_proxy", "technician_proxy",
})
_COUNT_PATTERN = re.compile(r"(^n_|_count$|_n$|^count_)")
GROUP_COUNT_COLUMNS = frozenset({"n", "signatories", "peers", "members"})  # about a group: never exact for the viewer
GROUP_STATISTIC_COLUMNS = frozenset({
    "median", "mean", "average", "q1", "q3", "p10", "p25", "p50", "p75", "p90", "lower_quartile", "upper_quartile",
    "iqr", "min", "max", "sd", "std", "lower", "upper", "ci_low", "ci_high", "interval", "interval_low",
    "interval_high", "benchmark", "difference", "diff", "quintile", "wording", "band", "percentile", "rank", "z",
    "zscore", "favourable",
})
_GROUP_STATISTIC_PATTERN = re.compile(
    r"^(median|mean|q[13]|p\d{1,2}|quartile|quintile|interval|ci|lower|upper|benchmark|wording|band|percentile|diff)_"
    r"|_(median|mean|q1|q3|p25|p75|quartile|quintile|wording|band|lower|upper|ci_low|ci_high|benchmark|percentile)$")
SHARE_NUMERATORS = {"share": "signatories", "rate": "signatories"}  # share of the n signatories in the table
# In a table of metric values (``metric`` beside ``value``), the value of a count metric is a count;
# a difference from it (the change since the last stage, the distance from a median shown beside it)
# would undo its rounding.
COUNT_METRICS = frozenset(m.id for m in CATALOGUE if m.kind == "count")
METRIC_VALUE = "value"
VALUE_DIFFERENCES = frozenset({"change", "diff", "diff_low", "diff_high"})
# Withheld on peers' rows: they join a pseudonym to public data. HESA publishes each provider's
# staff figures by academic year (the reconciliation's ratio and flag are computed from them), and
# the register's signing dates give each signatory's windows and due dates. Every date or time
# column is withheld too.
LINKING_COLUMNS = frozenset({
    "hesa_proxy", "technician_proxy", "total_non_academic", "total_staff", "academic_year", "year_start", "ratio",
    "flag",
    # "published phase N" names a peer's signing period as surely as its signing date would (the
    # dates beside it, falls_due and extended_from, are withheld as every date is: by type)
    "due_basis",
})


# --- group statistics ---------------------------------------------------------------------------
def group_statistic_columns(frame: pl.DataFrame) -> list[str]:
    return [c for c in frame.columns if c in GROUP_STATISTIC_COLUMNS or _GROUP_STATISTIC_PATTERN.search(c)]


def suppress_small_groups(positions: pl.DataFrame, n_column: str = "n", min_n: int = MIN_GROUP,
                          columns: Sequence[str] | None = None) -> pl.DataFrame:
    """Null the group statistics (median, quartiles, interval, quintile, wording, …: see
    ``GROUP_STATISTIC_COLUMNS``, or ``columns``) on every row whose group has fewer than
    ``min_n`` members (or an unknown n). Other columns — e.g. a signatory's own value — stay."""
    if n_column not in positions.columns:
        raise ValueError(f"no group size column {n_column!r}")
    stats = [c for c in (columns if columns is not None else group_statistic_columns(positions))
             if c in positions.columns and c != n_column]
    small = pl.col(n_column).is_null() | (pl.col(n_column) < min_n)
    return positions.with_columns(pl.when(small).then(pl.lit(None)).otherwise(pl.col(c)).cast(positions.schema[c])
                                  .alias(c) for c in stats)


# --- the entry point ----------------------------------------------------------------------------
def is_personal(column: str) -> bool:
    return column in PERSONAL_COLUMNS or bool(_PERSONAL_PATTERN.search(column.lower()))


def count_columns(frame: pl.DataFrame, extra: Iterable[str] = ()) -> list[str]:
    extra = set(extra)
    return [c for c, t in frame.schema.items()
            if (c in extra or c in COUNT_COLUMNS or _COUNT_PATTERN.search(c)) and (t.is_numeric() or c in extra)]


def _slug_column(frame: pl.DataFrame) -> str | None:
    return next((c for c in SLUG_COLUMNS if c in frame.columns and frame.schema[c] == pl.String), None)


def _identity(frame: pl.DataFrame, ukprn_to_slug: Mapping[str, str]) -> pl.Expr | None:
    """The slug of each row's signatory, if the table identifies signatories: its slug column,
    else the slug part of ``submission_id``, else its UKPRN looked up in the register (HESA)."""
    slug = _slug_column(frame)
    if slug:
        return pl.col(slug)
    if "submission_id" in frame.columns:
        return pl.col("submission_id").cast(pl.String).str.split("|").list.first()
    if "ukprn" in frame.columns and ukprn_to_slug:
        return pl.col("ukprn").cast(pl.String).replace_strict(dict(ukprn_to_slug), default=None,
                                                              return_dtype=pl.String)
    return None


def _lookups(tables: Mapping[str, pl.DataFrame]) -> tuple[dict[str, str], dict[str, str]]:
    """name -> slug and ukprn -> slug, from every table that has a slug column (the register)."""
    names: dict[str, str] = {}
    ukprns: dict[str, str] = {}
    for frame in tables.values():
        slug = _slug_column(frame)
        if slug is None:
            continue
        for name_col in (*NAME_COLUMNS, "name") if slug == "slug" else NAME_COLUMNS:
            if name_col in frame.columns:
                for s, n in frame.select(slug, pl.col(name_col).cast(pl.String)).unique().iter_rows():
                    if s is not None and n is not None:
                        names.setdefault(n, s)
        if "ukprn" in frame.columns:
            for s, u in frame.select(slug, pl.col("ukprn").cast(pl.String)).unique().iter_rows():
                if s is not None and u is not None:
                    ukprns.setdefault(u, s)
    return names, ukprns


def _universe(tables: Mapping[str, pl.DataFrame], name_to_slug: Mapping[str, str],
              ukprn_to_slug: Mapping[str, str]) -> tuple[set[str], set[str]]:
    slugs: set[str] = set()
    unlinked: set[str] = set()
    for frame in tables.values():
        ident = _identity(frame, ukprn_to_slug)
        if ident is not None:
            slugs.update(v for v in frame.select(ident.alias("s"))["s"].unique().to_list() if v is not None)
        else:
            for c in NAME_COLUMNS:
                if c in frame.columns:
                    unlinked.update(v for v in frame[c].cast(pl.String).unique().to_list()
                                    if v is not None and v not in name_to_slug)
    return slugs, unlinked


def _links(frame: pl.DataFrame, column: str) -> bool:
    """Whether ``column`` could join a peer's row to public data (withheld on peers' rows)."""
    return column in LINKING_COLUMNS or frame.schema[column].is_temporal()


_SLUG = "__disclosure_slug"
_ORDER = "__disclosure_order"


def _disclose_one(frame: pl.DataFrame, viewer: str | None, peer: dict[str, str], order: dict[str, int],
                  name_to_slug: Mapping[str, str], ukprn_to_slug: Mapping[str, str], key: bytes,
                  extra_counts: Sequence[str]) -> pl.DataFrame:
    is_register = "slug" in frame.columns
    identity = _identity(frame, ukprn_to_slug)
    if identity is not None:  # before identifying columns (ukprn) are dropped
        frame = frame.with_columns(identity.alias(_SLUG))
    drop = [c for c in frame.columns
            if is_personal(c) or c in IDENTIFYING_COLUMNS or (is_register and c in REGISTER_ONLY_IDENTIFYING)]
    frame = frame.drop(drop)

    # group statistics, then shares from rounded counts, then counts (all on exact n)
    if "n" in frame.columns and frame.schema["n"].is_numeric() and group_statistic_columns(frame):
        frame = suppress_small_groups(frame)
    for share, num in SHARE_NUMERATORS.items():
        if (share in frame.columns and num in frame.columns and frame.schema[num].is_numeric()
                and "n" in frame.columns and frame.schema["n"].is_numeric()):
            frame = frame.with_columns(rounded_share(num, "n").alias(share))

    ident = pl.col(_SLUG) if identity is not None else None
    own = (ident == viewer).fill_null(False) if ident is not None and viewer is not None else None
    counted = count_columns(frame, extra_counts)
    frame = apply_to_counts(frame, [c for c in counted if c in GROUP_COUNT_COLUMNS])
    frame = apply_to_counts(frame, [c for c in counted if c not in GROUP_COUNT_COLUMNS], exact=own)
    if {METRIC_VALUE, "metric"} <= set(frame.columns) and frame.schema[METRIC_VALUE].is_numeric():
        peer_row = ~own if own is not None else pl.lit(True)
        peer_count = pl.col("metric").is_in(sorted(COUNT_METRICS)) & peer_row
        # a peer's HESA metric is its own HESA figure divided into its headcount: withheld, like the figure
        peer_hesa = pl.col("metric").is_in(sorted(HESA_METRICS)) & peer_row
        frame = frame.with_columns(pl.when(peer_count | peer_hesa).then(None).otherwise(pl.col(c)).alias(c)
                                   for c in VALUE_DIFFERENCES if c in frame.columns)
        frame = apply_to_counts(frame, [METRIC_VALUE], exact=~peer_count)
        frame = frame.with_columns(pl.when(peer_hesa).then(None).otherwise(pl.col(METRIC_VALUE)).alias(METRIC_VALUE))
    if ident is None:
        # no signatory identity: only names that could be linked (or not) to a signatory
        names = [c for c in NAME_COLUMNS if c in frame.columns]
        if not names:
            return frame
        slugs = {c: pl.col(c).cast(pl.String).replace(dict(name_to_slug)) for c in names}
        mine = {c: (s == viewer).fill_null(False) if viewer is not None else pl.lit(False) for c, s in slugs.items()}
        return frame.with_columns(
            [pl.when(mine[c]).then(pl.col(c)).otherwise(slugs[c].replace(peer)).alias(c) for c in names]
            + [pl.when(pl.any_horizontal(*mine.values())).then(pl.col(c)).otherwise(None).alias(c)
               for c in frame.columns if _links(frame, c)])

    is_peer = (ident != viewer).fill_null(True) if viewer is not None else pl.lit(True)
    pseudonym = ident.replace_strict(peer, default=None, return_dtype=pl.String)
    frame = frame.with_columns(ident.replace_strict(order, default=0, return_dtype=pl.Int64).alias(_ORDER))
    updates = []
    for c in frame.columns:
        if c in SLUG_COLUMNS or c in NAME_COLUMNS or (is_register and c == "name"):
            updates.append(pl.when(is_peer).then(pseudonym).otherwise(pl.col(c).cast(pl.String)).alias(c))
        elif c == "submission_id":
            ids = frame[c].cast(pl.String).drop_nulls().unique().to_list()
            tokens = {v: token(key, v) for v in ids}  # one HMAC per distinct submission, not per row
            parts = pl.col(c).cast(pl.String).str.split("|")
            masked = pl.concat_str([pseudonym, parts.list.get(1, null_on_oob=True).fill_null(""),
                                    pl.col(c).cast(pl.String).replace_strict(tokens, default=None,
                                                                             return_dtype=pl.String)],
                                   separator="|")
            updates.append(pl.when(is_peer).then(masked).otherwise(pl.col(c).cast(pl.String)).alias(c))
        elif c in FREE_TEXT_COLUMNS or _links(frame, c):
            updates.append(pl.when(is_peer).then(pl.lit(None)).otherwise(pl.col(c)).cast(frame.schema[c]).alias(c))
    return frame.with_columns(updates).sort(_ORDER, maintain_order=True).drop(_ORDER, _SLUG)


def disclose(tables: Mapping[str, pl.DataFrame], viewer: str | None, role: str, *,
             salt: str | bytes | None = None, account: str | None = None,
             counts: Mapping[str, Sequence[str]] | None = None) -> dict[str, pl.DataFrame]:
    """The tables as they may be published to ``role`` (see the module notes).

    ``steering``: unchanged. ``institution``: ``viewer`` (its slug) required and kept visible.
    ``reviewer``: ``viewer`` optional (the one signatory kept visible); ``account``, the reviewer's
    account name, gives each reviewer a numbering of its own. Pseudonyms are numbered over every
    signatory found in ``tables`` (include the register for numbers that stay the same across
    publications), with ``salt`` (secret; see ``SALT_VARIABLE``).
    """
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {ROLES}")
    if role == "steering":
        return dict(tables)
    if role == "institution" and not viewer:
        raise ValueError("an institution's view needs its own slug as viewer")
    key = view_key(salt, role, viewer, account)
    name_to_slug, ukprn_to_slug = _lookups(tables)
    slugs, unlinked = _universe(tables, name_to_slug, ukprn_to_slug)
    peer = pseudonyms(slugs | unlinked, {viewer} if viewer else set(), salt=key)
    order = {s: int(p.split()[1]) for s, p in peer.items()}
    counts = counts or {}
    return {name: _disclose_one(frame, viewer, peer, order, name_to_slug, ukprn_to_slug, key, counts.get(name, ()))
            for name, frame in tables.items()}
