"""Plotly figures from profiles: one builder per chart, no Streamlit (usable in a notebook too)."""

from __future__ import annotations

import itertools
import textwrap
from datetime import UTC, datetime

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

from workbench.profile import checks
from workbench.profile.relations import MISSING, Correspondence
from workbench.profile.result import ColumnProfile

BULK, MARKED, WARN, MUTED = "#4c78a8", "#e45756", "#f58518", "#9d9d9d"
# characters per line of a title: the narrowest chart (beside a finding, about 300 px in a 1400 px window)
# holds about this many at TITLE_FONT px
LINE = 36
TITLE_FONT = 14
TICK = 30  # characters per line of a category's label on an axis
TITLE_LINE_PX = 24  # the top margin grows by this per line of title
CATEGORY_COLOURS = qualitative.Plotly  # one colour per category of a scatter's colour column


def wrap(text: str, width: int = LINE) -> str:
    """A title broken into lines of at most `width` characters (plotly never wraps, it cuts); shorter text as it is."""
    if len(text) <= width:
        return text
    return "<br>".join(textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False))


def _uncut(fig: go.Figure, title: str, **layout) -> go.Figure:
    """Title and axis labels that are never cut off: the title wrapped to the chart's width above a top
    margin as tall as its lines (plotly's title automargin cuts off the first line of a wrapped title),
    the other margins grown by plotly to fit the tick labels and axis titles (automargin)."""
    text = wrap(title)
    top = 26 + TITLE_LINE_PX * (text.count("<br>") + 1)
    fig.update_layout(title_text=text, title_font_size=TITLE_FONT, margin={"l": 10, "r": 10, "b": 10, "t": top},
                      **layout)  # fmt: skip
    fig.update_xaxes(automargin=True, title_text=wrap(fig.layout.xaxis.title.text or "") or None)
    fig.update_yaxes(automargin=True, title_text=wrap(fig.layout.yaxis.title.text or "") or None)
    return fig


def _labels(labels: list) -> dict:
    """Category labels of an axis wrapped to lines of `TICK` characters: a long label would push the plot away
    (or be cut off when it cannot)."""
    return {"tickvals": labels, "ticktext": [wrap(str(label), TICK) for label in labels]}


def _layout(fig: go.Figure, title: str, x: str = "", y: str = "rows") -> go.Figure:
    fig.update_layout(xaxis_title=x, yaxis_title=y)
    return _uncut(fig, title, height=320, showlegend=False, bargap=0.05)


def column_figure(col: ColumnProfile) -> go.Figure | None:
    """The distribution chart that best shows what is wrong with this column, or None (nothing to draw)."""
    kind = col.chart.get("kind")
    if kind == "histogram":  # numbers, and text that holds numbers
        return histogram(col)
    if (col.family == "text" and col.semantic not in ("text", "identifier")) or col.family == "boolean":
        return top_values(col)
    if kind == "values":
        return values(col)
    if kind == "dates":
        return dates(col)
    if kind == "lengths":
        return lengths(col)
    return None


def histogram(col: ColumnProfile) -> go.Figure:
    """Bins over the bulk of the data; the values beyond it (outliers, codes) as red bars at both ends."""
    ch, st = col.chart, col.stats
    edges, counts = ch["edges"], ch["counts"]
    centers = [(a + b) / 2 for a, b in itertools.pairwise(edges)]
    fig = go.Figure(go.Bar(x=centers, y=counts, width=ch["width"], marker_color=BULK, name="rows",
                           hovertemplate="%{x:.4g}: %{y:,} rows<extra></extra>"))  # fmt: skip
    notes = []
    for side, n, x in (("below", ch.get("below", 0), edges[0] - ch["width"]),
                       ("above", ch.get("above", 0), edges[-1] + ch["width"])):  # fmt: skip
        if n:
            fig.add_bar(x=[x], y=[n], width=ch["width"], marker_color=MARKED, name=f"{side} {x:.4g}",
                        hovertemplate=f"{n:,} values {side} the range<extra></extra>")  # fmt: skip
            notes.append(f"{n:,} {side}")
    if st.get("outliers"):
        notes.append(f"{st['outliers']:,} outliers")
        low, high = st["fences"]
        for fence in (low, high):
            if edges[0] <= fence <= edges[-1]:
                fig.add_vline(x=fence, line_dash="dot", line_color=MARKED)
    what = f"histogram of its {st['numbers']:,} numbers (stored as text)" if col.numbers_in_text else "histogram"
    title = f"{col.name}: {what}" + (f" (red: {', '.join(notes)})" if notes else "")
    return _layout(fig, title, col.name)


def values(col: ColumnProfile) -> go.Figure:
    codes = {v for v in col.stats.get("sentinels", [])}
    colors = [MARKED if v in codes else BULK for v in col.chart["labels"]]
    fig = go.Figure(go.Bar(x=[str(_plain(v)) for v in col.chart["labels"]], y=col.chart["counts"], marker_color=colors))
    fig.update_xaxes(type="category")
    return _layout(fig, f"{col.name}: rows per value" + (" (red: sentinel codes)" if codes else ""), col.name)


def dates(col: ColumnProfile) -> go.Figure:
    ch = col.chart
    xs = [datetime.fromtimestamp(ch["start"] + (i + 0.5) * ch["width"], tz=UTC) for i in range(ch["bins"])]
    fig = go.Figure(go.Bar(x=xs, y=ch["counts"][: ch["bins"]], marker_color=BULK))
    codes = col.stats.get("sentinels", [])
    if codes:
        shown = ", ".join(str(c) for c in codes)
        fig.add_annotation(text=f"sentinel dates not drawn: {shown}", xref="paper", yref="paper", x=0, y=1.08,
                           showarrow=False, font_color=MARKED)  # fmt: skip
    return _layout(fig, f"{col.name}: rows over time", col.name)


def lengths(col: ColumnProfile) -> go.Figure:
    ch = col.chart
    xs = [s + (ch["width"] - 1) / 2 for s in ch["starts"]]
    fig = go.Figure(go.Bar(x=xs, y=ch["counts"], width=ch["width"], marker_color=BULK))
    sample = f" (sample of {col.stats['sample_rows']:,} rows)" if "sample_rows" in col.stats else ""
    return _layout(fig, f"{col.name}: text length{sample}", "characters")


def top_values(col: ColumnProfile) -> go.Figure:
    """Most frequent values; near-duplicate spellings orange, missing-value tokens red."""
    pairs = col.stats.get("top_values", [])
    variants = {v for c in col.stats.get("clusters", []) for v, _ in c["variants"]}
    canon = {c["canonical"] for c in col.stats.get("clusters", [])}
    colors = []
    for v, _ in pairs:
        text = str(v)
        if isinstance(v, str) and text.strip().lower() in checks.MISSING_TOKENS:
            colors.append(MARKED)
        elif text in variants or text in canon:
            colors.append(WARN)
        else:
            colors.append(BULK)
    labels = [repr(v) if isinstance(v, str) and (v != v.strip() or not v) else str(v) for v, _ in pairs]
    fig = go.Figure(go.Bar(x=[n for _, n in pairs], y=labels, orientation="h", marker_color=colors))
    fig.update_yaxes(autorange="reversed", type="category", **_labels(labels))
    notes = []
    if WARN in colors:
        notes.append("orange: near-duplicate spellings")
    if MARKED in colors:
        notes.append("red: missing-value tokens")
    fig = _layout(fig, f"{col.name}: most frequent values" + (f" ({'; '.join(notes)})" if notes else ""), "rows", "")
    lines = sum(label.count("<br>") + 1 for label in fig.layout.yaxis.ticktext or ())
    return fig.update_layout(height=max(260, 18 * lines + 8 * len(pairs) + fig.layout.margin.t + 60))


def heatmap(matrix: pd.DataFrame, title: str, zmin: float = -1, zmax: float = 1) -> go.Figure:
    fig = go.Figure(go.Heatmap(z=matrix.to_numpy(), x=list(matrix.columns), y=list(matrix.index), zmin=zmin, zmax=zmax,
                               colorscale="RdBu" if zmin < 0 else "Blues", reversescale=zmin < 0,
                               texttemplate="%{z:.2f}"))  # fmt: skip
    fig.update_xaxes(**_labels(list(matrix.columns)))
    fig.update_yaxes(**_labels(list(matrix.index)))
    return _uncut(fig, title, height=max(320, 40 * len(matrix) + 120))


def scatter(frame: pd.DataFrame, x: str, y: str, title: str, colour: str | None = None) -> go.Figure:
    """Points of `frame`; with `colour`, one colour (and legend entry) per category of that column, the most
    frequent first."""
    fig = go.Figure()
    if colour is None:
        fig.add_scattergl(x=frame[x], y=frame[y], mode="markers", marker={"size": 5, "opacity": 0.5, "color": BULK})
        return _layout(fig, title, x, y)
    groups = frame[colour].astype("string").fillna(MISSING)
    for k, category in enumerate(groups.value_counts().index):
        rows = frame[groups == category]
        fig.add_scattergl(x=rows[x], y=rows[y], mode="markers", name=str(category),
                          marker={"size": 5, "opacity": 0.6, "color": CATEGORY_COLOURS[k % len(CATEGORY_COLOURS)]})
    _layout(fig, title, x, y)
    return fig.update_layout(showlegend=True, legend_title_text=wrap(colour, 20))


def missing_pattern(pattern: pd.DataFrame) -> go.Figure:
    """One row per combination of missing columns (red = missing), with its row count."""
    columns = [c for c in pattern.columns if c != "rows"]
    z = pattern[columns].astype(int).to_numpy()
    labels = [f"{n:,} rows" for n in pattern["rows"]]
    fig = go.Figure(go.Heatmap(z=z, x=columns, y=labels, colorscale=[[0, "#e8eef5"], [1, MARKED]], showscale=False,
                               zmin=0, zmax=1, xgap=2, ygap=2))  # fmt: skip
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(**_labels(columns))
    return _uncut(fig, "Which columns are missing together (red = missing)", height=max(260, 26 * len(pattern) + 120))


def biplot(ca: Correspondence, row_name: str, col_name: str) -> go.Figure:
    fig = go.Figure()
    for frame, name, color, symbol in ((ca.rows, row_name, BULK, "circle"), (ca.columns, col_name, MARKED, "diamond")):
        fig.add_scatter(x=frame["dim1"], y=frame["dim2"] if "dim2" in frame else [0] * len(frame), mode="markers+text",
                        text=list(frame.index), textposition="top center", name=name, cliponaxis=False,
                        marker={"color": color, "symbol": symbol, "size": 8 + 30 * frame["mass"]})  # fmt: skip
    e = ca.explained + [0.0]
    fig.update_layout(xaxis_title=f"dimension 1 ({e[0]:.0%} of inertia)", yaxis_title=f"dimension 2 ({e[1]:.0%})")
    return _uncut(fig, f"Correspondence analysis of {row_name} × {col_name}", showlegend=True, height=480)


def _plain(value):
    return int(value) if isinstance(value, float) and value.is_integer() else value
