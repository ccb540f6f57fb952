"""Large tables: a random forest's trees and k-NN's training rows are bounded (and the board says so); the
bounded k-NN still scores, saves, reloads and is reproduced by the generated code."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.unit.model_tables import put
from tests.unit.test_model_explain import run_code
from workbench import Workspace, model
from workbench.model import pipeline
from workbench.model.pipeline import Columns, RowCap
from workbench.settings import MODEL_LIMITS

ROWS = 32_000  # above both bounds (20,000); 3 folds leave 21,333 training rows, so k-NN's fit subsamples


@pytest.fixture(scope="module")
def board(tmp_path_factory):
    ws = Workspace(tmp_path_factory.mktemp("model_large"))
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"a": rng.normal(size=ROWS), "b": rng.normal(size=ROWS)})
    frame["y"] = np.where(frame["a"] + 0.5 * frame["b"] + rng.normal(scale=0.5, size=ROWS) > 0.8, "yes", "no")
    put(ws, "big", frame)
    return ws, model.run(ws, "big", "y", models=["dummy", "knn"], folds=3)


def test_the_bounds_apply_above_the_limits_only():
    columns = Columns(numeric=["a", "b"])
    forest = pipeline.build("random_forest", "binary", columns, rows=100_000)[-1]
    assert forest.max_samples == pytest.approx(MODEL_LIMITS.forest_rows / 100_000)
    knn = pipeline.build("knn", "regression", columns, rows=100_000)[-1]
    assert isinstance(knn, RowCap) and knn.max_rows == MODEL_LIMITS.knn_rows and not hasattr(knn, "predict_proba")
    assert pipeline.build("random_forest", "binary", columns, rows=5_000)[-1].max_samples is None
    assert type(pipeline.build("knn", "binary", columns, rows=5_000)[-1]).__name__ == "KNeighborsClassifier"
    assert pipeline.bound_notes(["dummy", "linear"], 10**6) == []


def test_a_large_board_bounds_knn_and_says_so(board):
    ws, board = board
    assert any(n.startswith("k-nearest neighbours: fitted on 20,000 training rows") for n in board.notes)
    assert not any(n.startswith("random forest") for n in board.notes)  # not on this board
    knn = board.result("knn")
    assert knn.status == "done" and knn.mean("accuracy") > board.result("dummy").mean("accuracy") + 0.1
    fitted = model.fit(board, "knn")
    inner = fitted.pipeline[-1]
    assert inner.estimator_.n_samples_fit_ == 20_000 and list(inner.classes_) == ["no", "yes"]
    share = (board.y == "yes").mean()  # stratified: the sample keeps the classes' shares
    assert (inner.estimator_._y == list(inner.classes_).index("yes")).mean() == pytest.approx(share, abs=0.001)
    model.save(ws, fitted, "big_knn")  # RowCap is on the trust list
    back = model.load(ws, "big_knn")
    rows = board.X.iloc[:500]
    assert np.array_equal(back.pipeline.predict_proba(rows), fitted.pipeline.predict_proba(rows))


def test_the_generated_code_reproduces_the_bounded_knn(board, tmp_path):
    ws, board = board
    source = model.code(board, "knn", str(ws.db_path))
    assert "class RowCap" in source and "RowCap(estimator=KNeighborsClassifier" in source
    got = run_code(source, tmp_path)
    assert got["accuracy"] == pytest.approx(board.result("knn").mean("accuracy"), abs=1e-9)
