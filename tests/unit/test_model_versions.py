"""Did cleaning help? The best model scored on each version of a table, bounded, with progress and Cancel."""

from __future__ import annotations

import threading

import pytest

from tests.unit.test_model_persist_predict import _sentinel_tables
from workbench import model
from workbench.errors import Cancelled, WorkbenchError
from workbench.model import versions


def test_each_version_is_scored_with_the_best_model_only(ws):
    cleaned = _sentinel_tables(ws)
    board = model.run(ws, cleaned, "price", models=["dummy", "linear", "knn"])
    best = board.best().name
    seen: list[tuple[float, str]] = []
    found = versions.compare(ws, board, on_progress=lambda f, m: seen.append((f, m)))
    frame = found.frame
    assert list(frame["version"]) == ["houses_raw", cleaned]
    assert frame["step"][0] == "raw" and frame["model"].tolist() == [model.MODELS[best].title] * 2
    assert frame["error"].tolist() == ["", ""]
    assert frame["mean"][1] == pytest.approx(board.result(best).mean("r2"))  # the same folds, the same score
    assert frame["mean"][0] < frame["mean"][1]  # the -999 codes hurt: cleaning helped
    assert found.notes == [f"each version is scored with {model.MODELS[best].spoken} only, the best model on this "
                           "board (beside the dummy): 2 versions x 2 models x 5 folds = 20 fits"]  # fmt: skip
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any(m.startswith(f"{cleaned} (2 of 2): ") for _, m in seen)


def test_cancel_stops_the_comparison(ws):
    cleaned = _sentinel_tables(ws)
    board = model.run(ws, cleaned, "price", models=["dummy", "linear"])
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        versions.compare(ws, board, cancel=cancel)


def test_a_table_without_versions_says_so(ws):
    _sentinel_tables(ws)
    board = model.run(ws, "houses_raw", "price", models=["dummy", "linear"])
    with pytest.raises(WorkbenchError, match="no earlier version"):
        versions.compare(ws, board)
