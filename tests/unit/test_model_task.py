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
