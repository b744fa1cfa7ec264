"""The dashboard's Altair charts: one function per kind of chart, labelled with names and units."""

from __future__ import annotations

import altair as alt
import polars as pl

from pipeline.schema import Theme

STATUS_COLOURS = {
    "submitted": "#2e7d32", "accepted": "#2e7d32", "due": "#f9a825", "not yet due": "#90a4ae",
    "overdue": "#c62828", "rejected": "#6a1b9a", "due date unknown": "#8d6e63",
}
THEME_ORDER = [t.value for t in Theme]  # the four core themes, then Evaluating Impact


def status_order(statuses: list[str]) -> list[str]:
    """Statuses in the order of STATUS_COLOURS, any others after them."""
    return [s for s in STATUS_COLOURS if s in statuses] + sorted(s for s in statuses if s not in STATUS_COLOURS)


def _status_scale(statuses: list[str]) -> alt.Scale:
    known = status_order(statuses)
    return alt.Scale(domain=known, range=[STATUS_COLOURS.get(s, "#546e7a") for s in known])


def status_by_stage(frame: pl.DataFrame, title: str) -> alt.Chart:
    """Stacked bars: ``stage`` × ``status``, the height ``count``, the tooltip ``shown`` (the count as
    this viewer may see it)."""
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("stage:O", title="Stage", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("count:Q", title=title, stack="zero"),
        color=alt.Color("status:N", title="Status", scale=_status_scale(frame["status"].unique().to_list())),
        tooltip=["stage:O", "status:N", alt.Tooltip("shown:N", title=title)],
    ).properties(height=260)


def histogram(frame: pl.DataFrame, unit: str) -> alt.Chart:
    """Distribution of ``value`` across signatories. (Charts here carry no title: the page names
    them, in text that wraps in a narrow column.)"""
    return alt.Chart(frame).mark_bar(opacity=0.85).encode(
        x=alt.X("value:Q", bin=alt.Bin(maxbins=25), title=unit),
        y=alt.Y("count():Q", title="Signatories"),
        tooltip=[alt.Tooltip("value:Q", bin=True, title=unit), alt.Tooltip("count():Q", title="Signatories")],
    ).properties(height=200)


def quartile_box(frame: pl.DataFrame, unit: str) -> alt.LayerChart:
    """One metric's spread (``q1``, ``median``, ``q3``; optional ``own``): the middle half of the
    sector as a bar, its median as a tick, the viewer's own value as a point."""
    base = alt.Chart(frame).encode(y=alt.Y("group:N", title=None))
    values = [v for c in ("q1", "median", "q3", "own") if c in frame.columns for v in frame[c].to_list() if v is not None]
    low, high = min(values), max(values)
    pad = (high - low) * 0.08 or max(abs(high) * 0.05, 1)  # room for points at the edges, and for a single value
    box = base.mark_bar(height=18, opacity=0.35).encode(
        x=alt.X("q1:Q", title=unit, scale=alt.Scale(domain=[low - pad, high + pad], nice=False)),
        x2="q3:Q",
        tooltip=[alt.Tooltip("q1:Q", title="Lower quartile"), alt.Tooltip("median:Q", title="Median"),
                 alt.Tooltip("q3:Q", title="Upper quartile")])
    layers = [box, base.mark_tick(thickness=3, size=22, color="black").encode(x="median:Q")]
    if "own" in frame.columns:
        layers.append(base.mark_point(filled=True, size=100, color="#c62828").encode(
            x="own:Q", tooltip=[alt.Tooltip("own:Q", title="Yours")]))
    return alt.layer(*layers).properties(height=70)


def heatmap(frame: pl.DataFrame, x: str, y: str, value: str, title: str, fmt: str = ".0f") -> alt.LayerChart:
    """A grid of ``value`` (0-100) by ``x`` and ``y`` with the figure written in each cell (so no
    legend, which would take the width of a narrow column from the grid)."""
    base = alt.Chart(frame).encode(
        x=alt.X(f"{x}:N", title=x.replace("_", " ").capitalize(), sort=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y(f"{y}:N", title=None, sort=THEME_ORDER if y == "theme" else None, axis=alt.Axis(labelLimit=200)))
    cells = base.mark_rect().encode(
        color=alt.Color(f"{value}:Q", legend=None, scale=alt.Scale(scheme="blues", domain=[0, 100])),
        tooltip=[f"{x}:N", f"{y}:N", alt.Tooltip(f"{value}:Q", title=title, format=fmt)])
    text = base.mark_text(baseline="middle").encode(
        text=alt.Text(f"{value}:Q", format=fmt),
        color=alt.condition(f"datum.{value} > 60", alt.value("white"), alt.value("black")))
    return (cells + text).properties(height=40 * frame[y].n_unique() + 40)


def trend(frame: pl.DataFrame, unit: str) -> alt.LayerChart:
    """Median across stages with the interquartile band (``stage``, ``median``, ``q1``, ``q3``)."""
    base = alt.Chart(frame).encode(x=alt.X("stage:O", title="Stage", axis=alt.Axis(labelAngle=0)))
    band = base.mark_area(opacity=0.25).encode(y=alt.Y("q1:Q", title=unit), y2="q3:Q")
    line = base.mark_line(point=True).encode(y="median:Q", tooltip=["stage", "median", "q1", "q3", "n"])
    return (band + line).properties(height=200)


def positions(frame: pl.DataFrame, unit: str) -> alt.LayerChart:
    """One metric against each peer group: the group's 95% interval for its median (bar), the
    median (tick) and this signatory's value (point)."""
    base = alt.Chart(frame).encode(y=alt.Y("group_label:N", title=None, sort=None, axis=alt.Axis(labelLimit=320)))
    interval = base.mark_bar(height=12, opacity=0.35).encode(
        x=alt.X("median_low:Q", title=unit, scale=alt.Scale(zero=False)), x2="median_high:Q",
        tooltip=[alt.Tooltip("group_label:N", title="Group"), alt.Tooltip("median:Q", title="Median"),
                 alt.Tooltip("median_low:Q", title="95% interval from"), alt.Tooltip("median_high:Q", title="to"),
                 alt.Tooltip("wording:N", title="Reading")])
    median = base.mark_tick(thickness=3, size=16, color="black").encode(x="median:Q")
    value = base.mark_point(filled=True, size=90, color="#c62828").encode(
        x="value:Q", tooltip=[alt.Tooltip("value:Q", title="This signatory"), "quintile_label:N", "wording:N"])
    # The height includes the x axis; rows closer than ~40 px make Vega hide overlapping group names.
    return (interval + median + value).properties(height=44 * max(frame.height, 1) + 60)


def grouped_bars(frame: pl.DataFrame, category: str, series: str, value: str, title: str) -> alt.Chart:
    """Bars of ``value`` per ``category``, one colour per ``series`` (side by side)."""
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X(f"{category}:N", title=None, sort=THEME_ORDER if category == "theme" else None,
                axis=alt.Axis(labelAngle=0, labelLimit=200)),
        xOffset=f"{series}:N",
        y=alt.Y(f"{value}:Q", title=title),
        color=alt.Color(f"{series}:N", title=None, legend=alt.Legend(orient="bottom", labelLimit=400)),
        tooltip=[f"{series}:N", f"{category}:N", alt.Tooltip(f"{value}:Q", title=title)],
    ).properties(height=260)


def history(frame: pl.DataFrame, unit: str) -> alt.Chart:
    """A signatory's value of one metric across stages (``stage``, ``value``)."""
    return alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X("stage:O", title="Stage", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("value:Q", title=unit), tooltip=["stage", "value"],
    ).properties(height=180)


def bar_counts(frame: pl.DataFrame, category: str, value: str, title: str) -> alt.Chart:
    return alt.Chart(frame).mark_bar().encode(
        y=alt.Y(f"{category}:N", title=None, sort="-x", axis=alt.Axis(labelLimit=300)),
        x=alt.X(f"{value}:Q", title=title, axis=alt.Axis(tickMinStep=1, format="d")),
        tooltip=[f"{category}:N", f"{value}:Q"]).properties(height=30 * max(frame.height, 1) + 50)  # room for every label
