"""A quick chart of a query result: a kind and columns suggested from the result's types, then editable."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from workbench.profile.stats import family

KINDS = ("bar", "line", "scatter", "histogram")



def kind_of(duckdb_type: str) -> str:
    """numeric, temporal or category: the type's family (workbench.profile.stats.family)."""
    kind = family(duckdb_type)
    return kind if kind in ("numeric", "temporal") else "category"


@dataclass
class ChartSpec:
    kind: str
    x: str
    y: str | None = None
    color: str | None = None


def suggest(columns: list[str], types: list[str]) -> ChartSpec | None:
    """Line over time, bars per category, scatter of two numbers, else a histogram."""
    by_kind: dict[str, list[str]] = {"numeric": [], "temporal": [], "category": []}
    for column, kind in zip(columns, types):
        by_kind[kind_of(kind)].append(column)
    numeric, temporal, category = by_kind["numeric"], by_kind["temporal"], by_kind["category"]
    color = category[0] if category else None
    if temporal and numeric:
        return ChartSpec("line", temporal[0], numeric[-1], color)
    if category and numeric:
        return ChartSpec("bar", category[0], numeric[-1], category[1] if len(category) > 1 else None)
    if len(numeric) >= 2:
        return ChartSpec("scatter", numeric[0], numeric[1], color)
    if numeric or category:
        return ChartSpec("histogram", (numeric or category)[0], None, color if numeric else None)
    return None


def figure(frame: pd.DataFrame, spec: ChartSpec) -> go.Figure:
    if spec.kind not in KINDS:
        raise ValueError(f"unknown chart kind {spec.kind!r}")
    draw = getattr(px, spec.kind)
    options = {"x": spec.x, "color": spec.color}
    if spec.kind != "histogram" or spec.y:
        options["y"] = spec.y
    if spec.kind == "line":
        frame = frame.sort_values(spec.x)
    return draw(frame, **options)
