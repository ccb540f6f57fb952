"""The leaderboard: known scores on bundled data, metrics as scikit-learn computes them, sampling, groups,
Cancel and the time budget."""

from __future__ import annotations

import threading
import time
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, f1_score, log_loss, mean_absolute_error, r2_score, roc_auc_score

from tests.unit.model_tables import bundled, mixed, put
from workbench import Workspace, model
from workbench.errors import Cancelled


@pytest.fixture(scope="module")
def boards(tmp_path_factory):
    ws = Workspace(tmp_path_factory.mktemp("model_boards"))
    bundled(ws, "wine")
    bundled(ws, "diabetes")
    progress: list[tuple[float, str]] = []
    wine = model.run(ws, "wine", "target", on_progress=lambda f, m: progress.append((f, m)))
    return {"wine": wine, "diabetes": model.run(ws, "diabetes", "target"), "progress": progress}


def test_wine_scores_in_known_ranges_beside_the_dummy(boards):
    board = boards["wine"]
    assert board.names() == ["dummy", "linear", "knn", "random_forest", "hist_gradient_boosting"]
    assert all(r.status == "done" for r in board.results)
    linear = board.result("linear")
    assert 0.96 <= linear.mean("accuracy") <= 1.0  # scaled logistic regression, ~0.98
    assert board.result("dummy").mean("accuracy") < 0.45
    assert board.result("dummy").mean("roc_auc") == pytest.approx(0.5)
    assert board.beats_dummy("linear") and board.best().name != "dummy"
    assert board.leading == "accuracy" and not board.sampled
    table = board.table()
    assert list(table.columns[:4]) == ["model", "status", "accuracy", "accuracy_std"]
    assert len(linear.folds) == 5 and linear.mean("fit_time") > 0


def test_progress_per_model_and_fold(boards):
    messages = [m for _, m in boards["progress"]]
    assert messages[0] == "reading the rows" and messages[-1] == "done"
    assert "Dummy baseline: fold 1 of 5" in messages and "Random forest: fold 5 of 5" in messages
    fractions = [f for f, _ in boards["progress"]]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_diabetes_ridge_r2(boards):
    board = boards["diabetes"]
    assert board.task.kind == "regression" and board.leading == "r2"
    assert 0.45 <= board.result("linear").mean("r2") <= 0.53  # ~0.49 on 5 folds
    assert abs(board.result("dummy").mean("r2")) < 0.05
    assert 40 <= board.result("linear").mean("mae") <= 48


def test_each_metric_matches_scikit_learn_on_the_out_of_fold_predictions(boards):
    board = boards["wine"]
    for name in ("linear", "knn", "hist_gradient_boosting"):
        result = board.result(name)
        oof = result.oof
        assert sorted(oof["row"]) == list(range(178))
        proba_cols = ["proba_0", "proba_1", "proba_2"]
        for fold in range(5):
            part = oof[oof["fold"] == fold]
            proba = part[proba_cols].to_numpy()
            got = result.folds[fold]
            assert got["accuracy"] == pytest.approx(accuracy_score(part["actual"], part["predicted"]))
            assert got["f1"] == pytest.approx(f1_score(part["actual"], part["predicted"], average="macro"))
            assert got["roc_auc"] == pytest.approx(roc_auc_score(part["actual"], proba, multi_class="ovr"))
            assert got["log_loss"] == pytest.approx(log_loss(part["actual"], proba, labels=[0, 1, 2]))
    diabetes = boards["diabetes"].result("linear")
    part = diabetes.oof[diabetes.oof["fold"] == 0]
    assert diabetes.folds[0]["r2"] == pytest.approx(r2_score(part["actual"], part["predicted"]))
    assert diabetes.folds[0]["mae"] == pytest.approx(mean_absolute_error(part["actual"], part["predicted"]))


def test_above_the_row_cap_a_stratified_sample_and_said_so(ws):
    bundled(ws, "breast_cancer")
    board = model.run(ws, "breast_cancer", "target", models=["dummy", "linear"], max_rows=200)
    assert board.sampled and len(board.X) in range(199, 202) and board.rows.total == 569
    assert "stratified sample of" in board.notes[0] and "569" in board.notes[0]
    share = np.mean(board.y == 1)
    assert share == pytest.approx(357 / 569, abs=0.01)  # the class shares are kept
    assert board.result("linear").mean("accuracy") > 0.9


def test_grouped_folds_keep_each_group_on_one_side(ws):
    rng = np.random.default_rng(1)
    n = 240
    frame = pd.DataFrame({"farm": np.repeat(np.arange(12), 20), "x": rng.normal(size=n)})
    frame["y"] = frame["x"] * 2 + frame["farm"] + rng.normal(size=n)
    put(ws, "farms", frame)
    board = model.run(ws, "farms", "y", models=["dummy", "linear"], group="farm", folds=4)
    assert "farm" not in board.features.used and board.features.excluded["farm"].startswith("the group column")
    oof = board.result("linear").oof
    farms = board.groups[oof["row"].to_numpy()]
    assert pd.Series(oof["fold"].to_numpy()).groupby(farms).nunique().max() == 1
    assert board.header() == "4 folds grouped by 'farm' (12 groups, each on one side of every fold)"


def slow_table(ws) -> str:
    rng = np.random.default_rng(0)
    n = 20_000
    frame = pd.DataFrame(rng.normal(size=(n, 10)), columns=[f"f{i}" for i in range(10)])
    frame["y"] = (frame["f0"] + rng.normal(size=n) > 0).astype(int)
    return put(ws, "slow", frame)


def test_cancel_stops_a_slow_fit_and_its_worker(ws):
    slow_table(ws)
    cancel = threading.Event()
    started = time.monotonic()
    threading.Timer(1.5, cancel.set).start()
    with pytest.raises(Cancelled):
        model.run(ws, "slow", "y", models=["random_forest"], cancel=cancel)
    assert time.monotonic() - started < 20  # 5 forest fits on 16,000 rows would take far longer on one thread
    import multiprocessing

    assert not [p for p in multiprocessing.active_children() if p.name == "workbench-model"]


def test_the_time_budget_stops_the_board_and_says_what_finished(ws):
    slow_table(ws)
    board = model.run(ws, "slow", "y", models=["dummy", "random_forest"], time_budget=4)
    assert not board.finished
    assert board.result("random_forest").status == "unfinished"
    assert any("time budget" in n for n in board.notes)


def test_encoders_are_fitted_inside_the_folds_so_a_noise_category_scores_chance(ws):
    """200 categories of 2 rows each and a coin-flip target: target-encoding them on the whole table would
    'learn' every row's answer; fitted inside each fold it cannot, and the score stays at chance."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score
    from sklearn.preprocessing import TargetEncoder

    rng = np.random.default_rng(3)
    n = 400
    frame = pd.DataFrame({"shop": [f"s{i // 2}" for i in range(n)], "y": rng.integers(0, 2, n).astype(str)})
    frame.loc[:9, "y"] = None  # rows without a target are dropped and counted
    put(ws, "noise", frame)
    board = model.run(ws, "noise", "y", models=["dummy", "linear"], feature_columns=["shop"])
    assert board.features.columns.high_cardinality == ["shop"]
    assert board.task.missing_target == 10 and len(board.X) == 390
    assert board.result("linear").mean("roc_auc") < 0.6
    # the same model with the encoder fitted outside the folds sees the leak
    known = frame.dropna()
    encoded = TargetEncoder(target_type="binary", smooth=0.0, cv=2).fit(known[["shop"]], known["y"])
    leaky = encoded.transform(known[["shop"]])  # transform (not fit_transform): in-sample encodings
    assert cross_val_score(LogisticRegression(), leaky, known["y"], cv=5, scoring="roc_auc").mean() > 0.8


def test_the_board_as_json(boards):
    import json

    data = json.loads(json.dumps(boards["wine"].as_dict()))
    assert data["task"] == "multiclass" and data["leading_metric"] == "accuracy"
    linear = next(m for m in data["models"] if m["model"] == "linear")
    assert set(linear) >= {"accuracy", "roc_auc", "log_loss", "fit_time", "beats_dummy"}
    assert linear["beats_dummy"] is True and linear["accuracy"]["std"] > 0
    assert data["features"]["excluded"] == {"target": "the target"}


def test_the_fold_scores_are_scikit_learns_scorers_on_the_same_folds(ws):
    """One prediction pass per fold gives what each scorer computes with its own predict, predict_proba or
    decision_function calls (binary ROC AUC ranks by the decision function where the model has one)."""
    from sklearn.model_selection import cross_validate

    from workbench.model.leaderboard import METRICS, scoring

    put(ws, "mixed", mixed(240).drop(columns=["v"]))
    board = model.run(ws, "mixed", "y", models=["linear", "knn", "random_forest", "hist_gradient_boosting"])
    assert board.task.kind == "binary"
    for result in board.results:
        expected = cross_validate(board.pipeline(result.name), board.X, board.y, cv=board.splits,
                                  scoring=scoring(board.task))  # fmt: skip
        for metric, (_, sign) in METRICS["binary"].items():
            got = [fold[metric] for fold in result.folds]
            assert got == pytest.approx(sign * expected[f"test_{metric}"], abs=1e-12), (result.name, metric)


@pytest.mark.parametrize("table", ["wine", "mixed", "diabetes"])
def test_the_labels_from_one_prediction_pass_are_each_models_own_predict(ws, table):
    from workbench.model.worker import predictions

    if table == "mixed":
        put(ws, table, mixed(240).drop(columns=["v"]))
    else:
        bundled(ws, table)
    target = "y" if table == "mixed" else "target"
    board = model.run(ws, table, target, models=["dummy"])
    train, test = board.splits[0]
    for name in model.MODELS:
        fitted = board.pipeline(name).fit(board.X.iloc[train], board.y[train])
        predicted, proba, _ = predictions(fitted, board.X.iloc[test])
        assert np.array_equal(predicted, fitted.predict(board.X.iloc[test])), name
        if board.task.is_classification:
            assert np.array_equal(proba, fitted.predict_proba(board.X.iloc[test])), name


@pytest.mark.parametrize("rows", [10, 11, 1001])
def test_the_median_strategy_imputes_what_scikit_learns_median_does(rows):
    from sklearn.impute import SimpleImputer

    from workbench.model.pipeline import Median

    rng = np.random.default_rng(rows)
    X = rng.normal(size=(rows, 4))
    X[rng.random(X.shape) < 0.2] = np.nan
    X[:, 3] = np.nan  # a column without any value is dropped by both
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the empty column: a mean of nothing, and a skipped feature
        ours = SimpleImputer(strategy=Median(), add_indicator=True).fit(X)
        theirs = SimpleImputer(strategy="median", add_indicator=True).fit(X)
        assert np.array_equal(ours.statistics_, theirs.statistics_, equal_nan=True)
        assert np.isnan(ours.statistics_[3]) and not np.isnan(ours.statistics_[:3]).any()
        assert np.array_equal(ours.transform(X), theirs.transform(X))


@pytest.mark.parametrize(("classes", "positive"), [
    ({False: 7, True: 3}, True), ({"No": 70, "Yes": 30}, "Yes"), ({"No": 30, "Yes": 70}, "Yes"),
    ({0: 3, 1: 7}, 1), ({"stayed": 70, "churned": 30}, "churned"),  # no yes: the smaller class
    ({"a": 5, "b": 5}, "b"),  # a tie: the larger label, as scikit-learn
])  # fmt: skip
def test_the_positive_class_is_the_one_named_yes_else_the_smaller(classes, positive):
    from workbench.model.task import Task

    assert model.positive_label(Task("binary", "y", "binary", sum(classes.values()), classes=classes)) == positive
