"""The taste map: its points, their roles, the sample it draws and what its notes say."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

from tests.unit.similar_tables import mixed, wine
from workbench import similar
from workbench.errors import WorkbenchError

pytestmark = pytest.mark.usefixtures("fresh_similar_cache")


def test_pca_map_marks_references_and_neighbours_and_says_its_spread(ws):
    frame = wine(ws)
    result = similar.find(ws, "wine", ["10", "20"], id_column="id", k=5)
    similar.clear_cache()  # the map fits the space again when the cache has let it go
    shown = similar.project(ws, result, colour="proline")
    assert shown.method == "pca" and len(shown.frame) == 178
    assert list(shown.frame.columns[:5]) == ["x", "y", "id", "role", "colour"]
    assert shown.frame["role"].value_counts().to_dict() == {"other": 171, "neighbour": 5, "reference": 2}
    assert set(shown.frame.loc[shown.frame["role"] == "reference", "id"]) == {10, 20}
    assert set(shown.frame.loc[shown.frame["role"] == "neighbour", "id"]) == set(result.rows["id"])
    expected = PCA(2).fit(StandardScaler().fit_transform(frame.drop(columns="id"))).explained_variance_ratio_.sum()
    assert np.isclose(shown.explained, expected, atol=1e-4)
    assert f"The two directions shown hold {expected:.0%} of the spread" in shown.notes[0]
    by_id = shown.frame.set_index("id")
    assert by_id.loc[10, "colour"] == frame["proline"][0] and by_id.loc[10, "alcohol"] == frame["alcohol"][0]


def test_a_sample_keeps_references_and_neighbours_and_says_so(ws):
    wine(ws)
    result = similar.find(ws, "wine", ["10"], id_column="id", k=4)
    shown = similar.project(ws, result, max_rows=50, method="tsne")
    assert len(shown.frame) == 50 and shown.method == "tsne"
    assert (shown.frame["role"] != "other").sum() == 5
    assert shown.notes[0] == "A random 50 of 178 rows are drawn; the references and neighbours always."
    assert shown.frame["colour"].isna().all()


def test_gower_map_says_what_it_is_drawn_from(ws):
    mixed(ws)
    result = similar.find(ws, "cellar", ["W001"], id_column="code", k=3)
    assert result.metric == "gower" and result.scaling == "range"
    similar.clear_cache()  # fitted again from what the result says
    shown = similar.project(ws, result, colour="colour")
    assert len(shown.frame) == 60 and np.isfinite(shown.frame[["x", "y"]].to_numpy()).all()
    assert any(n.startswith("Gower distance has no coordinates of its own") for n in shown.notes)
    with pytest.raises(WorkbenchError, match="cellar has no column 'nope' to colour the map by."):
        similar.project(ws, result, colour="nope")
