"""Peer groups: who each signatory is compared with.

**In plain English.** Each signatory is compared with several groups of peers at once: all
signatories; signatories of the same type (universities, research institutes, others); of the
same nation; of the same UK region; of a similar size (by its latest number of technicians:
small, under 100; medium, 100 to 299; large, 300 to 599; very large, 600 or more); of the same
mission group (for example the Russell Group); and any custom peer group the steering group
records for it in the register.
A signatory whose return gives no headcount is in no size group. Nation and region come from the
signatory register, not from HESA: HESA's staff tables (DT025 Table 1) have no nation or region
column, so a signatory whose register row gives no region is in no region group. A group with
fewer than 5 members is never shown: its figures would be unstable, and could point at single
institutions.

**Technically.** `peer_groups(signatories, headcounts)` returns `groups` (`group_id`, `kind`,
`label`, `members`) and `membership` (`group_id`, `signatory`):

| kind | group_id | label |
| --- | --- | --- |
| all | `all` | All signatories |
| type | `type:<type>` | Universities, Research institutes, Other signatories |
| nation | `nation:<nation>` | England, Scotland, Wales, Northern Ireland, International |
| region | `region:<region>` | the register's UK region, e.g. North West (none when blank) |
| size | `size:<band>` | Small (under 100 technicians), Medium (100–299 …), Large (300–599 …), Very large (600 or more …) |
| mission | `mission:<mission_group>` | the register's mission group, e.g. Russell Group |
| custom | `custom:<name>` | each name in the register's `peer_groups` |

Size band by latest headcount h (one row per signatory, chosen by the caller): small 0 ≤ h < 100,
medium 100 ≤ h < 300, large 300 ≤ h < 600, very large h ≥ 600 (each band includes its lower
bound; `SIZE_BANDS`); a null, missing or negative headcount gives no size group. Custom group
names and regions are trimmed (a blank region, or a register without the column, is no region),
and a name listed twice for one signatory counts once. A group with fewer than
`MIN_GROUP_SIZE` = 5 members is left out of both `groups` and `membership`, so no benchmark
is ever computed for it. This is a rule about a group's *members*; whether a group has enough
*values* of a given measure is decided in the position step. Computed with polars expressions
over the whole register (no loop over signatories or groups).
"""

from __future__ import annotations

import polars as pl

MIN_GROUP_SIZE = 5
"""Groups with fewer members than this are not reported (disclosure control and stability)."""

SIZE_BANDS: tuple[tuple[str, int, int | None, str], ...] = (
    # (band, lowest headcount included, first headcount excluded (None: no upper limit), label)
    ("small", 0, 100, "Small (under 100 technicians)"),
    ("medium", 100, 300, "Medium (100–299 technicians)"),
    ("large", 300, 600, "Large (300–599 technicians)"),
    ("very large", 600, None, "Very large (600 or more technicians)"),
)
"""Size bands by latest technician headcount; each band includes its lower bound."""

KINDS: tuple[str, ...] = ("all", "type", "nation", "region", "size", "mission", "custom")
"""The kinds of peer group, in the order they are listed."""

ALL_LABEL = "All signatories"
TYPE_LABELS = {
    "university": "Universities",
    "research institute": "Research institutes",
    "other": "Other signatories",
}
NATION_LABELS = {"international": "International"}

GROUPS_SCHEMA = {"group_id": pl.String, "kind": pl.String, "label": pl.String, "members": pl.Int64}
MEMBERSHIP_SCHEMA = {"group_id": pl.String, "signatory": pl.String}


def size_band(headcount: pl.Expr) -> pl.Expr:
    """The band name (``SIZE_BANDS``) of a headcount expression; null for a null or negative headcount."""
    (first, low, high, _), *rest = SIZE_BANDS  # four constants, not data

    def within(low: int, high: int | None) -> pl.Expr:
        return headcount >= low if high is None else (headcount >= low) & (headcount < high)

    expr = pl.when(within(low, high)).then(pl.lit(first))
    for band, low, high, _ in rest:
        expr = expr.when(within(low, high)).then(pl.lit(band))
    return expr.otherwise(pl.lit(None, dtype=pl.String))


def _labelled(values: pl.Expr, labels: dict[str, str]) -> pl.Expr:
    return values.replace_strict(labels, default=values, return_dtype=pl.String)


def peer_groups(signatories: pl.DataFrame, headcounts: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The reported peer groups and their members.

    ``signatories``: the register (``Frames.signatories``: slug, type, nation, region if the
    register has it, mission_group, peer_groups, …). ``headcounts``: ``signatory``, ``headcount`` — the latest headcount, at most
    one row per signatory (a null headcount, or no row, means no size group).

    Returns ``(groups, membership)``: ``groups`` has ``group_id, kind, label, members`` in the
    order of ``KINDS`` (size bands in ascending order, other groups by label); ``membership``
    has ``group_id, signatory``. Groups with fewer than ``MIN_GROUP_SIZE`` members are in neither.
    """
    duplicated = headcounts.filter(pl.col("signatory").is_duplicated())["signatory"].unique().sort()
    if len(duplicated):
        raise ValueError(f"headcounts has more than one row for: {', '.join(duplicated.head(5).to_list())}")

    sig = signatories.select(
        pl.col("slug").alias("signatory"),
        pl.col("type").cast(pl.String),
        pl.col("nation").cast(pl.String),
        (pl.col("region") if "region" in signatories.columns else pl.lit(None)).cast(pl.String).str.strip_chars()
        .alias("region"),
        pl.col("mission_group").cast(pl.String).str.strip_chars(),
        pl.col("peer_groups").cast(pl.List(pl.String)),
    )
    sizes = sig.select("signatory").join(
        headcounts.select(pl.col("signatory").cast(pl.String), pl.col("headcount")), on="signatory", how="left"
    ).select("signatory", size_band(pl.col("headcount")).alias("band"))

    band_order = {band: i for i, (band, *_rest) in enumerate(SIZE_BANDS)}
    band_labels = {band: label for band, _, _, label in SIZE_BANDS}

    def part(frame: pl.DataFrame, kind: str, key: str, label: pl.Expr, order: pl.Expr) -> pl.DataFrame:
        return frame.filter(pl.col(key).is_not_null() & (pl.col(key) != "")).select(
            pl.format(f"{kind}:{{}}", pl.col(key)).alias("group_id") if kind != "all" else pl.lit("all").alias("group_id"),
            pl.lit(kind).alias("kind"),
            label.alias("label"),
            pl.lit(KINDS.index(kind)).alias("_kind_order"),
            order.cast(pl.Int64).alias("_order"),
            "signatory",
        )

    custom = (
        sig.filter(pl.col("peer_groups").list.len() > 0)
        .select("signatory", pl.col("peer_groups").alias("name"))
        .explode("name", empty_as_null=False)  # empty lists were filtered out just above
        .with_columns(pl.col("name").str.strip_chars())
    )
    zero = pl.lit(0)
    long = pl.concat(
        [
            part(sig.with_columns(pl.lit("all").alias("_all")), "all", "_all", pl.lit(ALL_LABEL), zero),
            part(sig, "type", "type", _labelled(pl.col("type"), TYPE_LABELS), zero),
            part(sig, "nation", "nation", _labelled(pl.col("nation"), NATION_LABELS), zero),
            part(sig, "region", "region", pl.col("region"), zero),
            part(sizes, "size", "band", pl.col("band").replace_strict(band_labels, return_dtype=pl.String),
                 pl.col("band").replace_strict(band_order, return_dtype=pl.Int64)),
            part(sig, "mission", "mission_group", pl.col("mission_group"), zero),
            part(custom, "custom", "name", pl.col("name"), zero),
        ]
    ).unique(subset=["group_id", "signatory"], keep="first")

    groups = (
        long.group_by("group_id", "kind", "label", "_kind_order", "_order")
        .agg(pl.len().cast(pl.Int64).alias("members"))
        .filter(pl.col("members") >= MIN_GROUP_SIZE)
        .sort("_kind_order", "_order", "label", "group_id")
    )
    membership = (
        long.join(groups.select("group_id"), on="group_id", how="semi")
        .sort("_kind_order", "_order", "label", "group_id", "signatory")
        .select("group_id", "signatory")
    )
    return groups.select(*GROUPS_SCHEMA).cast(GROUPS_SCHEMA), membership.cast(MEMBERSHIP_SCHEMA)
