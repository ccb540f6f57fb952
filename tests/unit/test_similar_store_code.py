"""A Similar result saved as a table with lineage, and the generated scikit-learn script printing the same
neighbours."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from tests.unit.model_tables import put
from tests.unit.similar_tables import mixed, wine
from workbench import similar
from workbench.similar.store import PART

pytestmark = pytest.mark.usefixtures("fresh_similar_cache")


def test_save_writes_the_neighbours_with_lineage(ws):
    wine(ws)
    result = similar.find(ws, "wine", ["10", "30"], id_column="id", k=5, where="alcohol > 13")
    info = similar.save(ws, result, "like_first")
    assert info.name == "like_first" and info.rows == 5
    assert info.parents == ["wine"] and info.operation == "similar"
    assert info.parameters["to"] == [10, 30] and info.parameters["where"] == "alcohol > 13"
    assert info.parameters["columns"] == result.columns and info.parameters["scaling"] == "zscore"
    assert "nearest to id 10, 30" in info.sql
    saved = ws.preview("like_first")
    assert list(saved.columns[:4]) == ["rank", "id", "distance", "reference"]
    assert list(saved.columns[4:4 + len(result.columns)]) == [PART + c for c in result.columns]
    assert saved["id"].tolist() == result.rows["id"].tolist()
    assert np.allclose(saved[[PART + c for c in result.columns]].sum(axis=1), saved["distance"])
    assert saved["alcohol"].tolist() == result.rows["alcohol"].tolist()
    # a second save gets its own name
    assert similar.save(ws, result, "like_first").name == "like_first_2"


def test_save_writes_nothing_on_an_error(ws):
    wine(ws)
    result = similar.find(ws, "wine", ["10"], id_column="id", k=3)
    ws.drop("wine")
    before = {t.name for t in ws.tables()}
    with pytest.raises(Exception, match="no table named 'wine'"):
        similar.save(ws, result, "near")
    assert {t.name for t in ws.tables()} == before


def _printed(script: str, tmp_path) -> list[list[str]]:
    path = tmp_path / "similar_code.py"
    path.write_text(script)
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert lines[0] == "rank\tid\tdistance\treference"
    return [ln.split("\t") for ln in lines[1:]]


@pytest.mark.parametrize("options", [
    {"id_column": "id", "to": ["10", "1500"], "k": 6, "where": "proline > 600"},
    {"to": ["7"], "k": 5, "scaling": "robust", "weights": {"hue": 3.0}, "exclude": "proline"},
])  # fmt: skip
def test_code_prints_the_same_neighbours_euclidean(ws, tmp_path, options):
    wine(ws)
    result = similar.find(ws, "wine", options.pop("to"), **options)
    rows = _printed(similar.code(result, ws.db_path), tmp_path)
    assert [r[1] for r in rows] == [str(v) for v in result.rows["id"]]
    assert np.allclose([float(r[2]) for r in rows], result.rows["distance"], rtol=1e-7)
    assert [r[3] for r in rows] == [str(v) for v in result.rows["reference"]]


@pytest.mark.parametrize("categorical", ["gower", "onehot"])
def test_code_prints_the_same_neighbours_mixed(ws, tmp_path, categorical):
    mixed(ws)
    result = similar.find(ws, "cellar", ["W004", "W010"], id_column="code", k=7, categorical=categorical)
    rows = _printed(similar.code(result, ws.db_path), tmp_path)
    assert [r[1] for r in rows] == result.rows["id"].tolist()
    assert np.allclose([float(r[2]) for r in rows], result.rows["distance"], rtol=1e-7)


def test_an_infinite_number_counts_as_missing_in_the_workbench_and_in_the_code(ws, tmp_path):
    frame = wine(ws)
    frame.loc[[3, 8], "hue"] = np.inf
    frame.loc[[5], "proline"] = -np.inf
    put(ws, "wine_inf", frame)
    frame.loc[[3, 8], "hue"] = np.nan
    frame.loc[[5], "proline"] = np.nan
    put(ws, "wine_nan", frame)
    infinite = similar.find(ws, "wine_inf", ["10"], id_column="id", k=6)
    missing = similar.find(ws, "wine_nan", ["10"], id_column="id", k=6)
    assert infinite.rows["id"].tolist() == missing.rows["id"].tolist()
    assert np.allclose(infinite.rows["distance"], missing.rows["distance"])
    rows = _printed(similar.code(infinite, ws.db_path), tmp_path)
    assert [r[1] for r in rows] == [str(v) for v in infinite.rows["id"]]
    assert np.allclose([float(r[2]) for r in rows], infinite.rows["distance"], rtol=1e-7)
