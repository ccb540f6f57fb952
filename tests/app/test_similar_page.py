"""The Similar page: the wines most like one, each distance split by column, the map, the saved table, bad input."""

from __future__ import annotations

import base64
import json
import os

import numpy as np
import pandas as pd
import pytest
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler

from workbench import Workspace

PAGE = "pages/similar.py"
MEASURES = ["alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols", "flavanoids",
            "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue", "od280/od315_of_diluted_wines",
            "proline"]  # fmt: skip


def workspace() -> Workspace:
    return Workspace(os.environ["WORKBENCH_HOME"])


def open_similar(app, table: str = "wine"):
    at = app.run()
    at.session_state["table"] = table
    return at.switch_page(PAGE).run()


def find(at, to: str, **inputs):
    at.text_input(key="similar_to").input(to)
    for key, value in inputs.items():
        widget = at.multiselect(key=key) if key == "similar_columns" else at.text_input(key=key)
        widget.set_value(value)
    at.run()  # the button is enabled once a reference is typed
    return at.button(key="similar_run").click().run()


def figure(at, title_start: str) -> dict:
    figures = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    return next(f for f in figures if f["layout"]["title"]["text"].startswith(title_start))


def numbers(trace: dict, axis: str) -> np.ndarray:
    """A trace's values, whether plotly sent them as a list or as base64 binary."""
    values = trace[axis]
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))
    return np.asarray(values, dtype=float)


def neighbours(at) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if "distance" in d.value.columns)


def test_the_wines_most_like_one_each_explained_mapped_and_saved(app):
    at = open_similar(app)
    assert at.selectbox(key="similar_id").value == "id"  # the id column names the rows
    # the suggestion: every measurement and the cultivar, the id left out
    assert at.multiselect(key="similar_columns").value == [*MEASURES, "cultivar"]
    assert any(c.value == "Left out of the suggestion: `id` (the id column: it names the rows, it does not describe "
               "them)" for c in at.caption)  # fmt: skip
    at = find(at, "12", similar_columns=MEASURES)
    assert not at.exception and not at.error
    found = neighbours(at)
    # the same ten wines, in the same order, as scikit-learn's brute-force search on z-scored columns
    with workspace().connect(read_only=True) as con:
        wine = con.execute("SELECT * FROM wine ORDER BY id").df()
    X = StandardScaler().fit_transform(wine[MEASURES].to_numpy(float))
    _, idx = NearestNeighbors(n_neighbors=11, algorithm="brute").fit(X).kneighbors(X[[11]])
    expected = [int(wine["id"].iloc[i]) for i in idx[0] if wine["id"].iloc[i] != 12][:10]
    assert list(found["id"]) == expected and list(found["rank"]) == list(range(1, 11))
    assert (found["distance"].diff().dropna() >= 0).all() and set(found["reference"]) == {12}
    # the scaling is explained with the table's own numbers
    assert any("proline runs 278-1,680" in i.value for i in at.info)
    # every neighbour's bar adds up to its distance: the stack has one trace per column
    stacked = figure(at, "Each neighbour's distance, split by column")
    assert [t["name"] for t in stacked["data"]] == MEASURES
    totals = np.sum([numbers(t, "x") for t in stacked["data"]], axis=0)
    assert np.allclose(totals, found["distance"].to_numpy(), atol=1e-9)
    # one neighbour explained: a bar per column, largest first
    one = figure(at, f"Row {expected[0]}: the part of each column")
    parts = numbers(one["data"][0], "x")
    assert len(parts) == 13 and np.isclose(parts.sum(), found["distance"].iloc[0]) and (np.diff(parts) <= 0).all()
    smallest = [str(c) for c in one["data"][0]["y"][::-1][:3]]  # the columns it is most alike on
    said = next(m.value for m in at.markdown if m.value.startswith(f"Row `{expected[0]}` is at distance"))
    assert said.endswith("it is most alike on " + ", ".join(f"`{c}`" for c in smallest) + ".")

    at.selectbox(key="similar_colour").set_value("cultivar").run()
    at.button(key="similar_map_run").click().run()
    assert not at.exception and not at.error
    drawn = figure(at, "The rows on their two main directions (PCA)")
    by_name = {t["name"]: t for t in drawn["data"]}
    assert len(numbers(by_name["references"], "x")) == 1 and len(numbers(by_name["neighbours"], "x")) == 10
    assert {"cultivar = class_0", "cultivar = class_1", "cultivar = class_2"} <= set(by_name)
    assert sum(len(numbers(t, "x")) for t in drawn["data"]) == 178  # every wine once
    assert any("of the spread" in c.value for c in at.caption)

    at.button(key="similar_save").click().run()
    assert not at.exception
    assert "Saved `wine_similar`: 10 rows" in at.success[0].value
    saved = workspace().table("wine_similar")
    assert saved.parents == ["wine"] and saved.rows == 10
    with workspace().connect(read_only=True) as con:
        assert [r[0] for r in con.execute("SELECT id FROM wine_similar ORDER BY rank").fetchall()] == expected
    script = next(b for b in at.get("download_button") if b.proto.label.startswith("Download Python"))
    assert script is not None


def test_several_references_and_a_filter_before_ranking(app):
    at = find(open_similar(app), "12, 140", similar_where="proline < 1000")
    assert not at.exception and not at.error
    found = neighbours(at)
    assert len(found) == 10 and (found["proline"] < 1000).all()
    assert set(found["reference"]) <= {12, 140} and not {12, 140} & set(found["id"])


@pytest.mark.parametrize(("inputs", "message"), [
    ({"to": "999"}, "No row of wine has id = 999"),
    ({"to": "12", "similar_weights": "proline=heavy"}, "e.g. alcohol=2: 'proline=heavy' is not."),
    ({"to": "12", "similar_where": "no_such_column > 1"}, "no_such_column"),
    ({"to": "12", "similar_where": "proline > 99999"}, "keeps no row"),
])  # fmt: skip
def test_bad_input_is_one_message_and_writes_nothing(app, inputs, message):
    at = open_similar(app)
    before = {t.name for t in workspace().tables()}
    at = find(at, inputs.pop("to"), **inputs)
    assert not at.exception
    assert message in at.error[0].value.replace("\\", "")
    assert not [d for d in at.dataframe if "distance" in d.value.columns]
    assert {t.name for t in workspace().tables()} == before


def test_rows_clicked_in_the_table_become_the_references(app):
    at = open_similar(app)
    # what the browser sends when rows 12 and 40 of the shown table are ticked
    at.session_state["similar_rows"] = {"selection": {"rows": [11, 39], "columns": [], "cells": []}}
    at.run()
    assert any(c.value == "Picked: 12, 40" for c in at.caption)
    at.button(key="similar_run").click().run()
    assert not at.exception and not at.error
    assert at.subheader[0].value == "The 10 rows most like 12, 40"
    assert set(neighbours(at)["reference"]) <= {12, 40}
