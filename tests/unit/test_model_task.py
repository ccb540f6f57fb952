"""Task detection and the warnings about the target, on bundled datasets and planted tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.unit.model_tables import bundled, put
from workbench import WorkbenchError, model


@pytest.mark.parametrize(("name", "task"), [("wine", "multiclass"), ("diabetes", "regression"),
                                            ("breast_cancer", "binary")])  # fmt: skip
def test_detected_task_of_the_bundled_datasets(ws, name, task):
    bundled(ws, name)
    found = model.detect(ws, name, "target")
    assert found.kind == task == found.detected
    assert found.warnings == []


def test_no_target_is_clustering_and_an_override_wins(ws):
    bundled(ws, "wine")
    assert model.detect(ws, "wine").kind == "clustering"
    found = model.detect(ws, "wine", "target", task="regression")
    assert (found.kind, found.detected) == ("regression", "multiclass")
    with pytest.raises(WorkbenchError, match="two classes"):
        model.detect(ws, "wine", "target", task="binary")
    with pytest.raises(WorkbenchError, match="no column 'nope'"):
        model.detect(ws, "wine", "nope")


def test_text_target_missing_rows_imbalance_and_a_class_too_small_for_the_folds(ws):
    labels = ["a"] * 80 + ["b"] * 12 + ["c"] * 3 + [None] * 5
    put(ws, "t", pd.DataFrame({"x": np.arange(100.0), "label": labels}))
    found = model.detect(ws, "t", "label")
    assert found.kind == "multiclass"
    assert found.rows == 95 and found.missing_target == 5
    assert found.classes == {"a": 80, "b": 12, "c": 3}
    kinds = {w.kind: w for w in found.warnings}
    assert set(kinds) == {"missing_target", "imbalance", "small_class"}
    assert kinds["small_class"].column == "label" and "'c' has 3 rows" in kinds["small_class"].message
    assert found.folds == 3  # fewer folds, said so
    assert "balanced accuracy" in kinds["imbalance"].message


def test_integer_codes_are_classes_and_many_integers_a_regression(ws):
    rng = np.random.default_rng(0)
    put(ws, "t", pd.DataFrame({"grade": rng.integers(1, 6, 200), "price": rng.integers(100, 10_000, 200),
                               "ok": rng.random(200) > 0.5}))  # fmt: skip
    assert model.detect(ws, "t", "grade").kind == "multiclass"
    assert model.detect(ws, "t", "price").kind == "regression"
    assert model.detect(ws, "t", "ok").kind == "binary"


def test_too_few_rows_per_class_is_refused_before_fitting_with_the_numbers(ws):
    from tests.unit.model_tables import put
    from workbench import WorkbenchError, model

    put(ws, "pools", pd.DataFrame({"area": np.arange(7.0), "quality": ["Ex", "Ex", "Gd", "Gd", "Fa", "Fa", "TA"]}))
    task = model.detect(ws, "pools", "quality")
    assert task.refusal == (
        "Too few rows per class to cross-validate: 1 of the 4 classes has a single row ('TA'), and every class "
        "needs at least 2 rows, one to learn from and one to test on (at least 5 for 5 folds). The classes of "
        "'quality' in 7 rows: 'Ex': 2 rows, 'Fa': 2 rows, 'Gd': 2 rows, 'TA': 1 row. Merge the rare classes or "
        "filter their rows out (Clean), or choose another target.")  # fmt: skip
    with pytest.raises(WorkbenchError) as caught:
        model.run(ws, "pools", "quality")
    assert str(caught.value) == task.refusal
    # with 2 rows in every class, the folds shrink to 2 and the models fit
    put(ws, "pools2", pd.DataFrame({"area": np.arange(8.0), "quality": ["Ex", "Ex", "Gd", "Gd", "Fa", "Fa", "TA",
                                                                        "TA"]}))  # fmt: skip
    task = model.detect(ws, "pools2", "quality")
    assert task.refusal is None and task.folds == 2
    assert [w.message for w in task.warnings if w.kind == "small_class"] == [
        "The class 'Ex' has 2 rows, fewer than the 5 folds: cross-validation uses 2 folds instead."]
    board = model.run(ws, "pools2", "quality", models=["dummy", "knn"])
    assert board.result("dummy").status == "done"
    knn = board.result("knn")  # 15 neighbours among 4 training rows: it fails, and the board says why
    assert knn.status == "failed" and knn.error in [f"fold {i} of 2: it compares each row with its 15 nearest "
                                                    "training rows, and this fold has only 4 to learn from"
                                                    for i in (1, 2)]  # fmt: skip
