"""Correlations, Cramer's V, correspondence analysis and missing-value patterns on known tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.errors import WorkbenchError
from workbench.profile import figures, profile_table, relations


@pytest.fixture
def con(ws):
    with ws.connect() as con:
        con.execute("""CREATE TABLE r AS SELECT i::DOUBLE AS x, 2 * i + 1 AS y, -i AS z,
                       ['a', 'b'][1 + i % 2] AS p, ['u', 'v'][1 + i % 2] AS q, ['s', 't', 't'][1 + i % 3] AS w,
                       CASE WHEN i % 4 = 0 THEN NULL ELSE i END AS m1, CASE WHEN i % 4 = 0 THEN NULL ELSE 1 END AS m2,
                       CASE WHEN i % 10 = 0 THEN 'NA' ELSE (3 * i + 0.5)::VARCHAR END AS t, 'same' AS k,
                       DATE '2024-01-01' + i::INT AS d
                       FROM range(120) t(i)""")
        yield con


def test_correlations(con):
    m = relations.correlations(con, "r", ["x", "y", "z"])
    assert m.loc["x", "y"] == pytest.approx(1.0) and m.loc["x", "z"] == pytest.approx(-1.0)


def test_cramers_v_and_contingency(con):
    ct = relations.contingency(con, "r", "p", "q")
    assert ct.to_numpy().tolist() == [[60, 0], [0, 60]]
    v = relations.cramers_v(con, "r", ["p", "q", "w"])
    assert v.loc["p", "q"] == pytest.approx(1.0)
    assert v.loc["p", "w"] < 0.2
    with pytest.raises(WorkbenchError):
        relations.contingency(con, "r", "p", "p")


def test_correspondence_analysis_matches_chi_square():
    counts = pd.DataFrame([[30, 10, 5], [10, 30, 5], [5, 5, 40]], index=list("abc"), columns=list("xyz"))
    ca = relations.correspondence(counts)
    n = counts.to_numpy().sum()
    expected = np.outer(counts.sum(axis=1), counts.sum(axis=0)) / n
    chi2 = ((counts.to_numpy() - expected) ** 2 / expected).sum()
    assert ca.inertia == pytest.approx(chi2 / n)
    assert sum(ca.explained) == pytest.approx(1.0)
    # row coordinates weighted by their masses are centred
    assert (ca.rows["dim1"] * ca.rows["mass"]).sum() == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(WorkbenchError):
        relations.correspondence(pd.DataFrame([[1, 2]], index=["a"], columns=["x", "y"]))


def test_missing_patterns(con):
    pattern = relations.missing_pattern(con, "r", ["m1", "m2"])
    assert pattern.to_dict("records") == [{"m1": False, "m2": False, "rows": 90}, {"m1": True, "m2": True, "rows": 30}]
    together = relations.missing_together(con, "r", ["m1", "m2"])
    assert together.loc["m1", "m2"] == pytest.approx(1.0)
    assert len(relations.sample(con, "r", ["x", "y"], rows=50)) == 50


def test_text_holding_numbers_is_read_as_its_numbers(con):
    m = relations.correlations(con, "r", ["x", "t"], as_text=["t"])
    assert m.loc["x", "t"] == pytest.approx(1.0)  # 3i + 0.5 against i, over the rows where t is a number
    frame = relations.sample(con, "r", ["x", "t"], rows=200, as_text=["t"])
    assert frame["t"].dtype == "float64" and frame["t"].isna().sum() == 12 and frame["t"].max() == 357.5


def test_columns_of_each_chart_and_why_the_others_are_left_out(ws, con):
    columns = profile_table(ws, "r").columns
    assert relations.numbers(columns) == ["x", "t"]  # t: text holding numbers
    assert relations.categories(columns) == relations.colours(columns) == ["p", "q", "w"]
    assert relations.left_out(columns, relations.numbers(columns)) == {
        "identifiers: they label rows, they do not measure anything": ["y", "z", "m1"],
        "categories, not numbers: see Cramér's V": ["p", "q", "w"], "a single value throughout": ["m2", "k"],
        "dates": ["d"]}  # fmt: skip
    assert relations.left_out(columns, relations.categories(columns))["numbers: see Correlations"] == ["x", "t"]


def test_the_most_associated_pair(con):
    v = relations.cramers_v(con, "r", ["w", "p", "q"])
    assert relations.most_associated(v) == ("p", "q")  # V = 1: one decides the other
    assert relations.most_associated(v.loc[["w"], ["w"]]) is None  # no pair


def test_scatter_coloured_by_a_category_and_titles_wrapped_to_fit():
    frame = pd.DataFrame({"a": [1, 2, 3, 4], "b": [4, 3, 2, 1], "kind": ["u", "v", "v", None]})
    fig = figures.scatter(frame, "a", "b", "b against a, with a title far too long to fit on one line of a chart",
                          "kind")  # fmt: skip
    assert [(t.name, list(t.x)) for t in fig.data] == [("v", [2, 3]), ("u", [1]), ("(missing)", [4])]
    assert len({t.marker.color for t in fig.data}) == 3 and fig.layout.showlegend is True
    assert fig.layout.title.text == "b against a, with a title far too<br>long to fit on one line of a chart"
    assert fig.layout.margin.t == 26 + 2 * 24 and fig.layout.xaxis.automargin and fig.layout.yaxis.automargin
    assert figures.wrap("short") == "short" and figures.wrap("word " * 30, 20).count("<br>") == 7
