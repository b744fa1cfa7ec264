"""Pieces of page shared by several views: counts by stage and status, a validation report, an
action plan, contact details, a positions table; and ``plain``, through which every text from a
return, the register, a file name or a link goes before it reaches Markdown."""

from __future__ import annotations

import re
import string

import polars as pl
import streamlit as st

from dashboards import charts
from dashboards.charts import THEME_ORDER
from dashboards.data import SubmissionDetail

SEVERITY_LABEL = {"error": "Error", "warning": "Warning"}
MISSING = "—"  # how a table shows a value that is not there

WORD_JOINER = "\u2060"  # invisible, and no line break at it
_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
# Streamlit's frontend replaces ":smile:"-like shortcodes (emoji, its logo) in the text itself, after
# Markdown escapes are gone: an invisible character after the colon keeps them as they were typed.
_SHORTCODE = re.compile(r":(?=[\w+-]+:)")


def plain(text: object) -> str:
    """``text`` (from a return, the register, a file name, a link) written so that Streamlit's Markdown
    shows its characters as they are: never a link, an image, HTML, a heading or list, LaTeX
    (``$``), a colour or icon directive (``:red[…]``, ``:material/…:``) or an emoji shortcode.

    Every ASCII punctuation character is backslash-escaped (CommonMark shows the character itself);
    each line break becomes a hard line break, with the line's leading and trailing whitespace
    dropped (a browser would not show it, and indentation would start a code block), as are blank
    lines at either end; a word joiner goes inside ``:word:`` shortcodes. ``None`` is "". Use the
    result inside Markdown of our own (``f"**{plain(name)}**"``) or on its own; element bodies,
    expander, tab and metric labels are Markdown, selectbox options and dataframe cells are not."""
    if text is None:
        return ""
    text = str(text).replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")
    lines = [line.strip() for line in text.split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    escaped = (_PUNCTUATION.sub(r"\\\1", _SHORTCODE.sub(":" + WORD_JOINER, line)) for line in lines)
    return "\\\n".join(escaped)  # a backslash at the end of a line: a hard line break


def row_height(texts: pl.Series, chars_per_line: int, max_lines: int = 5) -> int | None:
    """A row height at which the longest of ``texts`` wraps onto its lines (at most ``max_lines``),
    rather than being cut off; None (one line) when every text fits."""
    longest = texts.drop_nulls().cast(pl.String).str.len_chars().max() or 0
    lines = min(-(-longest // chars_per_line), max_lines)
    return lines * 19 + 18 if lines > 1 else None


def status_counts(counts: pl.DataFrame, title: str) -> None:
    """Counts by ``stage`` and ``status`` as stacked bars, and in figures below them: there a count
    too small to draw ("<5" to all but the steering group) is still read."""
    st.altair_chart(charts.status_by_stage(counts, title=title), width="stretch")
    statuses = charts.status_order(counts["status"].unique().to_list())
    figures = (counts.pivot(on="status", index="stage", values="shown", sort_columns=False)
               .select("stage", *statuses).fill_null("0").sort("stage"))
    with st.expander(f"{title} in figures"):
        st.dataframe(figures, hide_index=True, width="stretch",
                     column_config={"stage": "Stage", **{s: s.capitalize() for s in statuses}})


def issues_table(issues: pl.DataFrame) -> None:
    """Findings with where they are in the file (``severity``, ``rule``, ``location``, ``message``)."""
    if issues.is_empty():
        st.success("No issues found.", icon=":material/check_circle:")
        return
    shown = issues.with_columns(pl.col("severity").replace_strict(SEVERITY_LABEL, default=pl.col("severity")))
    st.dataframe(shown.select("severity", "location", "message", "rule"), hide_index=True, width="stretch",
                 row_height=row_height(shown["message"], chars_per_line=60),
                 column_config={"severity": st.column_config.TextColumn("Severity", width="small"),
                                "location": st.column_config.TextColumn("Where in the file", width="medium"),
                                "message": st.column_config.TextColumn("What to do", width="large"),
                                "rule": st.column_config.TextColumn("Rule", width="small")})


def action_plan(actions: pl.DataFrame) -> None:
    """The plan's actions, one tab per theme (core themes first)."""
    if actions.is_empty():
        st.info("The return has no action plan.")
        return
    no_theme = "(no theme)"
    by_theme = actions.with_columns(pl.col("theme").fill_null(no_theme)).partition_by("theme", as_dict=True)
    by_theme = {key[0]: rows.drop("theme") for key, rows in by_theme.items()}
    themes = [t for t in THEME_ORDER if t in by_theme] + sorted(set(by_theme) - {*THEME_ORDER, no_theme})
    themes += [no_theme] if no_theme in by_theme else []
    for tab, theme in zip(st.tabs([f"{plain(t)} ({by_theme[t].height})" for t in themes]), themes, strict=True):
        rows = by_theme[theme]
        with tab:
            if "theme_inferred" in rows.columns:  # themes techbench suggested: said, and shown per action
                if guessed := int(rows["theme_inferred"].fill_null(False).sum()):
                    st.caption(f"{guessed} of these actions have no theme in the plan: techbench suggested "
                               f"{plain(theme)} from their wording (inferred, not counted in benchmarks). "
                               "Dates marked (inferred) were taken from the action's text.")
                rows = rows.with_columns(pl.when(pl.col("theme_inferred")).then(pl.lit("inferred"))
                                         .otherwise(pl.lit("stated")).alias("theme_inferred"))
            st.dataframe(rows, hide_index=True, width="stretch", placeholder=MISSING,
                         row_height=row_height(pl.concat([rows["action"], rows["evidence"]]), chars_per_line=40),
                         column_config={"action": st.column_config.TextColumn("Action", width="large"),
                                        "owner": "Owner", "due": "Due", "evidence": "Evidence of success",
                                        "status": "Status", "theme_inferred": "Theme",
                                        "details": st.column_config.TextColumn("Plan's own columns", width="large")})


def contact(detail: SubmissionDetail, whose: str = "") -> None:
    """The lead's contact details, only when the data layer released them to this viewer (``whose``:
    plain text naming the submission, escaped here)."""
    if detail.contact is None:
        return
    c = detail.contact
    with st.expander("Contact details (personal data)" + (f" — {plain(whose)}" if whose else ""),
                     icon=":material/contact_mail:"):
        c = {k: plain(v or MISSING) for k, v in c.items()}
        st.markdown(f"**Lead:** {c['lead_name']}  \n**E-mail:** {c['lead_email']}  \n**Phone:** {c['lead_phone']}  \n"
                    f"**Signed off by:** {c['lead_signoff_name']} (lead), {c['head_signoff_name']} (head of institution)")


def positions_table(positions: pl.DataFrame) -> pl.DataFrame:
    """Positions as a readable table: metric, group, value, median [95% interval], quintile, reading."""
    def fmt(x) -> str:
        return "" if x is None else f"{x:,.3g}" if isinstance(x, float) else str(x)

    return positions.select(
        pl.col("metric_name").alias("Metric"), pl.col("group_label").alias("Peer group"),
        pl.col("n").cast(pl.String).alias("Signatories in group"),
        pl.col("value").map_elements(fmt, return_dtype=pl.String).alias("Value"),
        pl.struct("median", "median_low", "median_high").map_elements(
            lambda r: "withheld" if r["median"] is None else f"{fmt(r['median'])} [{fmt(r['median_low'])}, {fmt(r['median_high'])}]",
            return_dtype=pl.String).alias("Group median [95% interval]"),
        pl.col("quintile_label").alias("Quintile"), pl.col("wording").alias("Reading"), pl.col("unit").alias("Unit"),
    )
