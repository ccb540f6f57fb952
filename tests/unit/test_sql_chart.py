"""The quick chart's suggestion from a result's types, and the figure it draws."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.sql.chart import ChartSpec, figure, kind_of, suggest


@pytest.mark.parametrize(
    ("duckdb_type", "kind"),
    [("BIGINT", "numeric"), ("UTINYINT", "numeric"), ("DECIMAL(18,3)", "numeric"), ("DOUBLE", "numeric"),
     ("DATE", "temporal"), ("TIMESTAMP WITH TIME ZONE", "temporal"), ("VARCHAR", "category"),
     ("BOOLEAN", "category"), ("INTEGER[]", "category")],
)  # fmt: skip
def test_kinds(duckdb_type, kind):
    assert kind_of(duckdb_type) == kind


def test_suggestions_follow_the_types():
    assert suggest(["day", "n"], ["DATE", "BIGINT"]) == ChartSpec("line", "day", "n", None)
    assert suggest(["origin", "mpg"], ["VARCHAR", "DOUBLE"]) == ChartSpec("bar", "origin", "mpg", None)
    assert suggest(["a", "b", "s"], ["DOUBLE", "INTEGER", "VARCHAR"]) == ChartSpec("bar", "s", "b", None)
    assert suggest(["a", "b"], ["DOUBLE", "INTEGER"]) == ChartSpec("scatter", "a", "b", None)
    assert suggest(["a"], ["DOUBLE"]) == ChartSpec("histogram", "a", None, None)
    assert suggest(["s"], ["VARCHAR"]) == ChartSpec("histogram", "s", None, None)
    assert suggest([], []) is None


def test_figures_draw_the_chosen_kind():
    frame = pd.DataFrame({"x": [3, 1, 2], "y": [30, 10, 20], "c": ["a", "b", "a"]})
    line = figure(frame, ChartSpec("line", "x", "y", None))
    assert line.data[0].type == "scatter" and list(line.data[0].x) == [1, 2, 3]
    assert figure(frame, ChartSpec("bar", "c", "y", None)).data[0].type == "bar"
    assert figure(frame, ChartSpec("histogram", "y", None, "c")).data[0].type == "histogram"
    with pytest.raises(ValueError):
        figure(frame, ChartSpec("pie", "x", "y"))
