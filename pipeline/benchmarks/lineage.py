"""Trends across stages, and what became of each planned action (plan lineage).

Sector trends
=============

In plain English
----------------
For every measure and every stage, how the signatories that reported it compare: how many
reported it (n), the middle value (median) and the range the middle half of them fall in (from
the lower quartile, q1, to the upper quartile, q3). Stage 1 against Stage 2 against Stage 3
shows whether the sector as a whole moves. Different signatories reach each stage, so a change
between stages mixes real change with a change in who is counted.

Technically
-----------
Input ``values``: ``signatory, stage, metric, value`` (Float64; one row per signatory, stage and
metric, e.g. ``pipeline.benchmarks.metrics.metric_values``). Null and NaN values are left out.
Per (metric, stage): ``n`` = number of non-null values; ``median``; ``q1``/``q3`` = 25th/75th
percentiles with linear interpolation between order statistics (numpy's default, R type 7:
0-based position ``p·(n−1)`` in the sorted values). A (metric, stage) with only nulls has
``n = 0`` and null statistics. Duplicate (signatory, stage, metric) rows raise ``ValueError``.
Small ``n`` is not suppressed here: disclosure control happens before publication. Sorted by
metric, stage.

Signatory trends
================

In plain English
----------------
Each signatory's own value of each measure at each stage, with how much it changed since the
stage before (e.g. +12 technicians since Stage 1). No change is shown at the first stage, or when
either of the two values is missing.

Technically
-----------
One row per input row, sorted by signatory, metric, stage: ``change = value(stage) −
value(stage − 1)`` for the same signatory and metric; null when there is no row for stage − 1 or
either value is null (a skipped stage is not bridged). Duplicate (signatory, stage, metric) rows
raise ``ValueError``.

Plan lineage
============

In plain English
----------------
Each stage's action plan should be picked up in the next stage's return. For every action in a
signatory's plan at one stage, techbench looks for the same action in the signatory's plan at the
next stage and reports what that return says about it:

* **done** - the action reappears marked as done;
* **in progress** - it reappears planned, in progress, or without a status;
* **dropped** - it reappears marked as dropped, or it does not reappear at all. "Not carried
  forward" is counted as dropped even though some organisations simply leave completed actions
  out; the steering group should read "dropped" as "not reported as done or continuing".

Actions are only compared within the same theme (a Recognition action is never matched with a
Career Development one; actions without a theme are compared only with other actions without a
theme). Wording changes between plans, so the comparison is on key words, ignoring small words
such as "the" and "and", the words "technician", "technical" and "staff" that almost every
action contains, and endings such as "-s", "-ed", "-ing". The score runs from 0 (no key word in
common) to 1 (the same key words): twice the number of shared key words divided by the number of
key words of both texts together. Two actions are taken to be the same when they score at least
0.5. For example "Launch a technician network across all faculties" (launch, network, faculty)
and "Technician network launched in every faculty" (network, launch, every, faculty) share 3
key words out of 3 + 4 and score 6/7 = 0.86. Each action in the next plan is used for at most one
earlier action: when two earlier actions resemble the same later one, the closer pair wins
and the other earlier action looks for its next-best match. Actions in a signatory's latest
plan are not listed (there is nothing yet to say about them), nor are actions of a stage whose
next stage has no return.

Technically
-----------
Inputs: ``actions`` (``Frames.actions``: ``submission_id, ordinal, theme, action, status``) and
``returns`` (``Frames.returns``, latest valid: ``submission_id, signatory, stage``, at most one
per signatory and stage). For each signatory and stage k with a return at k + 1:

* Key words of a text: lowercase; split into runs of letters and digits (``[^\\W_]+``); drop
  :data:`STOP_WORDS`; light suffix stripping (``-ies`` → ``-y``; then, unless the word ends in
  ``-ss``, one of ``-ing``, ``-ed``, ``-es``, ``-e``, ``-s`` is removed if at least 3 characters
  remain), so "pages"/"page", "created"/"create"/"creating" and "faculties"/"faculty" coincide
  (a crude stand-in for a real stemmer: "embedded" and "embed" do not); drop
  :data:`STOP_WORDS` again; keep the set. Raw text is split on spaces and each distinct token is
  normalised once (vocabulary), matched back by a 64-bit hash (a collision between two distinct
  tokens is astronomically unlikely at any realistic vocabulary size).
* Similarity = Sørensen–Dice coefficient of the two key-word sets, ``2·|A ∩ B| / (|A| + |B|)``
  (0 when either set is empty); a candidate pair needs the same theme (null = null) and
  similarity ≥ :data:`THRESHOLD` (0.5, i.e. Jaccard ≥ 1/3).
* One-to-one greedy assignment: candidates sorted by similarity descending, ties by earlier
  ordinal then later ordinal; each pair is accepted unless its earlier or later action is
  already matched. (Computed vectorised as rounds of "mutually best" pairs, which gives the same
  result as the sequential greedy under that strict order.)
* ``outcome``: matched and later ``status`` = "done" → "done"; = "dropped" → "dropped"; planned,
  in progress or null → "in progress"; unmatched → "dropped" (``matched_ordinal`` and
  ``similarity`` null).
* Output: ``signatory, stage, ordinal, theme, action, next_stage (= stage + 1), outcome,
  matched_ordinal, similarity``, one row per action of a stage-k plan with a stage-(k+1) return,
  sorted by signatory, stage, ordinal. A stage-(k+1) return with an empty plan makes every
  stage-k action "dropped".
"""

from __future__ import annotations

import inspect

import polars as pl

#: Minimum Sørensen–Dice similarity of key-word sets for two actions to be the same action.
THRESHOLD = 0.5

#: Words ignored when comparing action texts: common English function words, and the words
#: almost every action of a Technician Commitment plan contains.
STOP_WORDS = frozenset("""
a about above across after again against all also am an and any are as at be been before being
below between both but by can could did do does doing during e each eg etc few for from further g
had has have having he her here hers how i ie if in including into is it its itself just may
me might more most must my no nor not now of off on once only onto or other our ours out over own
per same shall she should so some such than that the their theirs them then there these they
this those through to too under until up upon us very via was we were what when where which
while who whom whose why will with within would you your
technician technicians technical staff
""".split())

TREND_SCHEMA = {"metric": pl.String, "stage": pl.Int64, "n": pl.Int64, "median": pl.Float64, "q1": pl.Float64,
                "q3": pl.Float64}
SIGNATORY_TREND_SCHEMA = {"signatory": pl.String, "metric": pl.String, "stage": pl.Int64, "value": pl.Float64,
                          "change": pl.Float64}
LINEAGE_SCHEMA = {"signatory": pl.String, "stage": pl.Int64, "ordinal": pl.Int64, "theme": pl.String,
                  "action": pl.String, "next_stage": pl.Int64, "outcome": pl.String, "matched_ordinal": pl.Int64,
                  "similarity": pl.Float64}
OUTCOMES = DONE, IN_PROGRESS, DROPPED = ("done", "in progress", "dropped")


# --- trends -------------------------------------------------------------------------------------
def _has_duplicates(frame: pl.DataFrame, keys: list[str]) -> bool:
    """Whether two rows share ``keys``: a 64-bit hash screen first, the exact check only if it fires."""
    if frame.select(pl.struct(keys).hash().n_unique()).item() == frame.height:
        return False
    return frame.select(pl.struct(keys).is_duplicated().any()).item()


def _values(values: pl.DataFrame) -> pl.DataFrame:
    v = values.select(pl.col("signatory").cast(pl.String), pl.col("stage").cast(pl.Int64),
                      pl.col("metric").cast(pl.String), pl.col("value").cast(pl.Float64).fill_nan(None))
    if _has_duplicates(v, ["signatory", "stage", "metric"]):
        raise ValueError("values must have at most one row per signatory, stage and metric")
    return v


def _trend(value: pl.Expr, prefix: str = "") -> list[pl.Expr]:
    """n, median, q1, q3 of a value column (NaN already made null), as ``TREND_SCHEMA`` names them."""
    return [value.count().alias(f"{prefix}n"), value.median().alias(f"{prefix}median"),
            value.quantile(0.25, "linear").alias(f"{prefix}q1"), value.quantile(0.75, "linear").alias(f"{prefix}q3")]


def sector_trends(values: pl.DataFrame) -> pl.DataFrame:
    """n, median and quartiles of each metric at each stage; see the module docstring."""
    return _trends(_values(values).group_by("metric", "stage").agg(_trend(pl.col("value"))))


def sector_trends_wide(wide: pl.DataFrame, metrics: list[str]) -> pl.DataFrame:
    """:func:`sector_trends` of a wide frame (``stage`` and one value column per metric, at most
    one row per signatory and stage, e.g. ``pipeline.benchmarks.metrics.wide_values``): the same
    table, aggregated per stage column by column instead of over returns × metrics rows."""
    stats = wide.group_by("stage").agg(*[e for m in metrics for e in _trend(pl.col(m).fill_nan(None), f"{m}|")])
    return _trends(pl.concat([stats.select(pl.lit(m, pl.String).alias("metric"), "stage",
                                           *[pl.col(f"{m}|{c}").alias(c) for c in ("n", "median", "q1", "q3")])
                              for m in metrics]))


def _trends(stats: pl.DataFrame) -> pl.DataFrame:
    return stats.select(list(TREND_SCHEMA)).cast(TREND_SCHEMA).sort("metric", "stage")  # type: ignore[arg-type]


def signatory_trends(values: pl.DataFrame) -> pl.DataFrame:
    """Each signatory's value per metric and stage with the change since stage − 1."""
    v = _values(values).sort("signatory", "metric", "stage")
    # sorted, so stage − 1 of the same signatory and metric, if present, is the row before
    same = (pl.col("signatory") == pl.col("signatory").shift(1)) & (pl.col("metric") == pl.col("metric").shift(1))
    follows = same & (pl.col("stage") == pl.col("stage").shift(1) + 1)
    return (
        v.with_columns(change=pl.when(follows).then(pl.col("value") - pl.col("value").shift(1)))
        .select(list(SIGNATORY_TREND_SCHEMA))
        .cast(SIGNATORY_TREND_SCHEMA)  # type: ignore[arg-type]
    )


# --- plan lineage -------------------------------------------------------------------------------
_STOP = pl.Series(sorted(STOP_WORDS), dtype=pl.String)


def _stem(word: pl.Expr) -> pl.Expr:
    y = word.str.replace(r"^(.{2,})ies$", "${1}y")
    return pl.when(y.str.ends_with("ss")).then(y).otherwise(y.str.replace(r"^(.{3,}?)(?:ing|ed|es|e|s)$", "${1}"))


def key_words(texts: pl.Series) -> list[set[str]]:
    """The key-word set of each text, as the similarity uses them (for inspection and tests)."""
    frame = pl.DataFrame({"aid": pl.int_range(texts.len(), eager=True, dtype=pl.UInt64),
                          "text": texts.cast(pl.String)})
    words, vocabulary = _key_words(frame)
    names = dict(vocabulary.select("wid", "stem").unique().iter_rows())
    found = {aid: {names[w] for w in wids} for aid, wids in words.iter_rows()}
    return [found.get(i, set()) for i in range(texts.len())]


def similarity(a: str, b: str) -> float:
    """Sørensen–Dice similarity of the key-word sets of two texts (0 if either has none)."""
    x, y = key_words(pl.Series([a, b]))
    return 2 * len(x & y) / (len(x) + len(y)) if x and y else 0.0


_EXPLODE = {"empty_as_null": True} if "empty_as_null" in inspect.signature(pl.DataFrame.explode).parameters else {}


def _key_words(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``(words, vocabulary)``: ``words`` has ``aid`` and ``wid`` (list of the distinct key-word
    ids of the ``text`` of that ``aid`` in ``frame``; texts without key words are left out);
    ``vocabulary`` has ``h`` (hash of a space-separated token), ``wid`` and ``stem``.

    Speed: texts are only split on spaces here; lowercasing, the word regex, stop-words and
    stemming run once per distinct space-separated token (the vocabulary), not per occurrence,
    and tokens are matched to it by a 64-bit hash.
    """
    raw = frame.select("aid", token=pl.col("text").str.split(" ")).explode("token", **_EXPLODE)
    vocabulary = (
        raw.select(pl.col("token").unique()).drop_nulls()
        .with_columns(word=pl.col("token").str.to_lowercase().str.extract_all(r"[^\W_]+"))
        .explode("word", **_EXPLODE)
        .filter(pl.col("word").is_not_null() & ~pl.col("word").is_in(_STOP.implode()))
        .with_columns(stem=_stem(pl.col("word")))
        .filter(~pl.col("stem").is_in(_STOP.implode()))
        .select(h=pl.col("token").hash(), wid=pl.col("stem").rank("dense").cast(pl.UInt32), stem="stem")
    )
    words = (
        raw.select("aid", h=pl.col("token").hash())
        .join(vocabulary.select("h", "wid"), on="h", how="inner")
        .group_by("aid")
        .agg(pl.col("wid").unique())
    )
    return words, vocabulary


def _outcome(status: pl.Expr) -> pl.Expr:
    s = status.str.strip_chars().str.to_lowercase()
    return (pl.when(s == DONE).then(pl.lit(DONE))
            .when(s == DROPPED).then(pl.lit(DROPPED))
            .otherwise(pl.lit(IN_PROGRESS)))


def _greedy(candidates: pl.DataFrame) -> pl.DataFrame:
    """One-to-one greedy assignment of ``candidates`` (``prev, next, sim, prev_ord, next_ord``)."""
    ranked = candidates.sort(["sim", "prev_ord", "next_ord", "prev", "next"],
                             descending=[True, False, False, False, False]).with_row_index("rank")
    chosen: list[pl.DataFrame] = []
    while ranked.height:
        best = ranked.filter((pl.col("rank") == pl.col("rank").min().over("prev"))
                             & (pl.col("rank") == pl.col("rank").min().over("next")))
        chosen.append(best)
        ranked = (ranked.join(best.select("prev"), on="prev", how="anti")
                  .join(best.select("next"), on="next", how="anti"))
    if not chosen:
        return candidates.clear().select("prev", "next", "sim")
    return pl.concat(chosen).select("prev", "next", "sim")


def action_lineage(actions: pl.DataFrame, returns: pl.DataFrame) -> pl.DataFrame:
    """What the next stage's return says about each planned action; see the module docstring."""
    ret = (
        returns.select(pl.col("submission_id").cast(pl.String), pl.col("signatory").cast(pl.String),
                       pl.col("stage").cast(pl.Int64))
        .filter(pl.col("stage").is_not_null())
    )
    if ret.select(pl.struct("signatory", "stage").is_duplicated().any()).item():
        raise ValueError("returns must have at most one row per signatory and stage (pass the latest valid ones)")
    # transitions k -> k+1 that exist, numbered
    transitions = (
        ret.select("signatory", "stage")
        .join(ret.select("signatory", (pl.col("stage") - 1).alias("stage")), on=["signatory", "stage"], how="semi")
        .with_row_index("tid")
        .with_columns(pl.col("tid").cast(pl.UInt64))
    )
    acts = (
        actions.select(pl.col("submission_id").cast(pl.String), pl.col("ordinal").cast(pl.Int64),
                       pl.col("theme").cast(pl.String), pl.col("action").cast(pl.String),
                       pl.col("status").cast(pl.String))
        .join(ret, on="submission_id", how="inner")
        .with_row_index("aid")
        .with_columns(pl.col("aid").cast(pl.UInt64),
                      theme_id=pl.col("theme").fill_null("").rank("dense").cast(pl.UInt64))
    )
    prev = acts.join(transitions, on=["signatory", "stage"], how="inner")
    nxt = acts.with_columns(k=pl.col("stage") - 1).join(
        transitions, left_on=["signatory", "k"], right_on=["signatory", "stage"], how="inner")

    # Key words of every distinct action text, once (plans repeat wording; cheaper than first finding
    # the actions next to a transition), as lists indexed by text id.
    texts = (acts.select(pl.col("action").unique()).with_row_index("text_id")
             .with_columns(pl.col("text_id").cast(pl.UInt64)))
    words, _ = _key_words(texts.select(aid="text_id", text="action"))
    lists = (texts.select(aid="text_id").join(words, on="aid", how="left", maintain_order="left")["wid"])
    text_of = acts.join(texts, on="action", how="left", nulls_equal=True, maintain_order="left")["text_id"]
    # Candidate pairs: same transition and same theme, joined as ids only; then the Dice coefficient
    # of the key words, computed once per distinct pair of texts and joined back by a one-integer key.
    themes = int(acts["theme_id"].max() or 0) + 1
    group = pl.col("tid") * themes + pl.col("theme_id")  # (transition, theme) as one integer key
    ids = (prev.select("aid", "ordinal", g=group)
           .join(nxt.select("aid", "ordinal", g=group), on="g", suffix="_next")
           .select(prev="aid", next="aid_next", prev_ord="ordinal", next_ord="ordinal_next"))
    ids = ids.with_columns(key=text_of.gather(ids["prev"]) * texts.height + text_of.gather(ids["next"]))
    keys = ids.select(pl.col("key").unique())
    a, b = lists.gather(keys["key"] // texts.height), lists.gather(keys["key"] % texts.height)
    dice = keys.with_columns(sim=(2.0 * a.list.set_intersection(b).list.len() / (a.list.len() + b.list.len()))
                             .fill_null(0.0))
    pairs = ids.join(dice.filter(pl.col("sim") >= THRESHOLD), on="key", how="inner").drop("key")
    matches = _greedy(pairs).join(
        acts.select(next="aid", matched_ordinal="ordinal", next_status="status"), on="next")
    return (
        prev.join(matches, left_on="aid", right_on="prev", how="left")
        .with_columns(
            next_stage=pl.col("stage") + 1,
            outcome=pl.when(pl.col("next").is_null()).then(pl.lit(DROPPED))
            .otherwise(_outcome(pl.col("next_status"))),
            similarity=pl.col("sim"),
        )
        .select(list(LINEAGE_SCHEMA))
        .cast(LINEAGE_SCHEMA)  # type: ignore[arg-type]
        .sort("signatory", "stage", "ordinal")
    )


__all__ = ["OUTCOMES", "STOP_WORDS", "THRESHOLD", "action_lineage", "key_words", "sector_trends", "sector_trends_wide",
           "signatory_trends", "similarity"]
