"""Plotly figures from profiles: one builder per chart, no Streamlit (usable in a notebook too)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pandas as pd
import plotly.graph_objects as go

from workbench.profile import checks
from workbench.profile.relations import Correspondence
from workbench.profile.result import ColumnProfile

BULK, MARKED, WARN, MUTED = "#4c78a8", "#e45756", "#f58518", "#9d9d9d"


def _layout(fig: go.Figure, title: str, x: str = "", y: str = "rows") -> go.Figure:
    fig.update_layout(title=title, xaxis_title=x, yaxis_title=y, height=320,
                      margin={"l": 40, "r": 10, "t": 40, "b": 40}, showlegend=False, bargap=0.05)  # fmt: skip
    return fig


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
    fig.update_yaxes(autorange="reversed", type="category")
    notes = []
    if WARN in colors:
        notes.append("orange: near-duplicate spellings")
    if MARKED in colors:
        notes.append("red: missing-value tokens")
    fig = _layout(fig, f"{col.name}: most frequent values" + (f" ({'; '.join(notes)})" if notes else ""), "rows", "")
    fig.update_layout(height=max(260, 22 * len(pairs) + 80))
    return fig


def heatmap(matrix: pd.DataFrame, title: str, zmin: float = -1, zmax: float = 1) -> go.Figure:
    fig = go.Figure(go.Heatmap(z=matrix.to_numpy(), x=list(matrix.columns), y=list(matrix.index), zmin=zmin, zmax=zmax,
                               colorscale="RdBu" if zmin < 0 else "Blues", reversescale=zmin < 0,
                               texttemplate="%{z:.2f}"))  # fmt: skip
    fig.update_layout(title=title, height=max(320, 40 * len(matrix) + 120), margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return fig


def scatter(frame: pd.DataFrame, x: str, y: str, title: str) -> go.Figure:
    marker = {"size": 5, "opacity": 0.5, "color": BULK}
    fig = go.Figure(go.Scattergl(x=frame[x], y=frame[y], mode="markers", marker=marker))
    return _layout(fig, title, x, y)


def missing_pattern(pattern: pd.DataFrame) -> go.Figure:
    """One row per combination of missing columns (red = missing), with its row count."""
    columns = [c for c in pattern.columns if c != "rows"]
    z = pattern[columns].astype(int).to_numpy()
    labels = [f"{n:,} rows" for n in pattern["rows"]]
    fig = go.Figure(go.Heatmap(z=z, x=columns, y=labels, colorscale=[[0, "#e8eef5"], [1, MARKED]], showscale=False,
                               zmin=0, zmax=1, xgap=2, ygap=2))  # fmt: skip
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_layout(title="Which columns are missing together (red = missing)",
                      height=max(260, 26 * len(pattern) + 120),
                      margin={"l": 10, "r": 10, "t": 40, "b": 10})  # fmt: skip
    return fig


def biplot(ca: Correspondence, row_name: str, col_name: str) -> go.Figure:
    fig = go.Figure()
    for frame, name, color, symbol in ((ca.rows, row_name, BULK, "circle"), (ca.columns, col_name, MARKED, "diamond")):
        fig.add_scatter(x=frame["dim1"], y=frame["dim2"] if "dim2" in frame else [0] * len(frame), mode="markers+text",
                        text=list(frame.index), textposition="top center", name=name,
                        marker={"color": color, "symbol": symbol, "size": 8 + 30 * frame["mass"]})  # fmt: skip
    e = ca.explained + [0.0]
    fig.update_layout(title=f"Correspondence analysis of {row_name} × {col_name}", showlegend=True, height=480,
                      xaxis_title=f"dimension 1 ({e[0]:.0%} of inertia)", yaxis_title=f"dimension 2 ({e[1]:.0%})",
                      margin={"l": 40, "r": 10, "t": 40, "b": 40})  # fmt: skip
    return fig


def _plain(value):
    return int(value) if isinstance(value, float) and value.is_integer() else value
