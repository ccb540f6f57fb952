"""An opened model's diagnostics: precision-recall per fold, calibration, decision thresholds (checked against
scikit-learn on the out-of-fold probabilities) and permutation importance on held-out folds (a planted signal)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.calibration import calibration_curve
from sklearn.metrics import average_precision_score, f1_score, precision_score, recall_score

from tests.unit.model_tables import bundled, put
from workbench import Workspace, model
from workbench.errors import WorkbenchError
from workbench.model import diagnostics


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    ws = Workspace(tmp_path_factory.mktemp("model_diagnostics"))
    bundled(ws, "breast_cancer")
    bundled(ws, "wine")
    return ws


@pytest.fixture(scope="module")
def cancer(ws):
    return model.run(ws, "breast_cancer", "target", models=["dummy", "linear"])


def _positive(board, name):
    oof = board.result(name).oof
    return (oof["actual"] == 1).to_numpy(), oof["proba_1"].to_numpy(), oof["fold"].to_numpy()


def test_precision_recall_one_curve_per_fold_with_scikit_learns_average_precision(cancer):
    curves = diagnostics.precision_recall(cancer, "linear")
    actual, proba, fold = _positive(cancer, "linear")
    assert sorted(curves.curves["fold"].unique()) == [0, 1, 2, 3, 4]
    expected = [average_precision_score(actual[fold == f], proba[fold == f]) for f in range(5)]
    assert curves.average_precision == pytest.approx(expected)
    assert curves.mean > 0.97  # scaled logistic regression on breast cancer ranks almost perfectly
    assert curves.base_rate == pytest.approx(357 / 569)  # the benign share: positive is the larger label, 1
    dummy = diagnostics.precision_recall(cancer, "dummy")
    assert dummy.mean == pytest.approx(dummy.base_rate, abs=0.02)  # no skill: precision is the base rate


def test_calibration_is_scikit_learns_curve_on_the_out_of_fold_probabilities(cancer):
    points = diagnostics.calibration(cancer, "linear", bins=5)
    actual, proba, _ = _positive(cancer, "linear")
    observed, predicted = calibration_curve(actual, proba, n_bins=5)
    assert points["predicted"].tolist() == pytest.approx(predicted.tolist())
    assert points["observed"].tolist() == pytest.approx(observed.tolist())
    assert (points["observed"] - points["predicted"]).abs().max() < 0.25  # roughly on the diagonal


def test_thresholds_match_scikit_learn_and_the_best_f1_is_the_maximum(cancer):
    view = diagnostics.thresholds(cancer, "linear")
    actual, proba, _ = _positive(cancer, "linear")
    called = proba >= view.best
    assert view.best_f1 == pytest.approx(f1_score(actual, called))
    assert view.best_row["precision"] == pytest.approx(precision_score(actual, called))
    assert view.best_row["recall"] == pytest.approx(recall_score(actual, called))
    assert view.default_f1 == pytest.approx(f1_score(actual, proba >= 0.5))
    assert view.best_f1 >= view.default_f1 and view.best_f1 == view.frame["f1"].max()
    assert view.frame["threshold"].is_monotonic_increasing
    assert view.frame["recall"].is_monotonic_decreasing  # a higher threshold never finds more positives


def test_curves_refuse_a_multiclass_target(ws):
    board = model.run(ws, "wine", "target", models=["dummy"])
    with pytest.raises(WorkbenchError, match="binary"):
        diagnostics.thresholds(board, "dummy")


def test_permutation_importance_finds_the_planted_feature(ws):
    rng = np.random.default_rng(3)
    n = 400
    frame = pd.DataFrame({f"noise{i}": rng.normal(size=n) for i in range(4)})
    frame["signal"] = rng.normal(size=n)
    frame["y"] = frame["signal"] * 2 + rng.normal(scale=0.3, size=n)
    put(ws, "planted", frame)
    board = model.run(ws, "planted", "y", models=["linear"], folds=3)
    progress: list[tuple[float, str]] = []
    ranked = diagnostics.permutation_importance(board, "linear", repeats=3, max_rows=50,
                                                on_progress=lambda f, m: progress.append((f, m)))  # fmt: skip
    assert [f for f, _ in progress] == pytest.approx([1 / 3, 2 / 3, 1]) and progress[-1][1].endswith("3 of 3")
    assert ranked["feature"].iloc[0] == "signal"
    assert ranked["mean"].iloc[0] > 1.0  # shuffling the signal costs more than the whole R² (~0.97)
    assert ranked["mean"].iloc[1:].abs().max() < 0.05  # the noise columns carry nothing
    assert set(ranked["feature"]) == {"signal", "noise0", "noise1", "noise2", "noise3"}
    assert (ranked["std"] >= 0).all() and ranked["mean"].is_monotonic_decreasing
