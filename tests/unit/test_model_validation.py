"""Honest validation on planted tables: time-ordered rows, repeated entities, a cleaning step that learned from the
target. Each board's best learned model is within 0.05 of the honest figure (hand-written scikit-learn on the
honest folds), the warning names what shuffled folds would have said, and the generated code and notebook
reproduce the same validation and scores."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import cross_validate

from benchmarks.validation import honest, planted, sales
from tests.unit.model_tables import put
from workbench import Workspace, clean, model
from workbench.clean import run as clean_run
from workbench.model import explain, validation


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    ws = Workspace(tmp_path_factory.mktemp("honest"))
    specs = planted(ws)
    boards = {case: model.run(ws, spec["table"], spec["target"]) for case, spec in specs.items()}
    return ws, specs, boards


def _best_learned(board) -> float:
    return board.best().mean(board.leading)


def test_time_ordered_sales_validate_in_time_order_with_forecast_baselines(cases):
    ws, specs, boards = cases
    board = boards["sales"]
    assert board.validation.kind == "time" and board.validation.column == "day"
    assert board.header() == "5 folds in time order by 'day', gap 0"
    truth = honest("sales", ws, specs["sales"], board.leading)
    assert truth < -1  # the date's parts cannot forecast a random walk
    assert abs(_best_learned(board) - truth) <= 0.05
    warning = next(w for w in board.warnings if w.kind == "time_order")
    assert warning.message.startswith("The rows are ordered in time: validating on later rows than those fitted; "
                                      "shuffled folds would report R² 0.9")  # fmt: skip
    assert board.comparison["kind"] == "kfold" and board.comparison["mean"] > 0.95
    # every fold validates on rows later than all those it fitted
    for train, test in board.splits:
        assert board.times.iloc[train].max() < board.times.iloc[test].min()
    # forecast baselines, judged apart: the weekly season found, the naive forecast beats seasonal naive
    assert board.validation.season == 7 and "mase" in board.metrics
    baselines = {r.name: r for r in board.forecasts}
    assert set(baselines) == {"naive", "seasonal_naive", "mean"}
    assert baselines["naive"].mean("mase") < 1 < baselines["mean"].mean("mase")
    assert baselines["naive"].mean("r2") > 0.8
    assert baselines["mean"].mean("r2") == pytest.approx(board.result("dummy").mean("r2"))
    picture = validation.fold_picture(board.validation, board.times, board.splits)
    assert list(picture["part"][:2]) == ["training", "validation"] and picture["fold"].max() == 5


def test_repeated_patients_are_grouped_not_dropped_as_a_leak(cases):
    ws, specs, boards = cases
    board = boards["patients"]
    assert board.validation.kind == "group" and board.validation.column == "person"
    assert board.validation.groups == 150
    assert board.features.excluded["person"].startswith("the group column")
    assert not any(w.kind == "leak" for w in board.features.warnings)
    truth = honest("patients", ws, specs["patients"], board.leading)
    assert truth < 0.65 and abs(_best_learned(board) - truth) <= 0.05
    warning = next(w for w in board.warnings if w.kind == "grouped")
    assert "150 values of 'person' appear in several rows each" in warning.message
    assert board.comparison["mean"] > 0.9  # ungrouped folds recognise the patients
    assert "150 values of 'person' appear 6.0 times each on average" in board.validation.why
    oof = board.result("linear").oof
    people = board.groups[oof["row"].to_numpy()]
    assert pd.Series(oof["fold"].to_numpy()).groupby(people).nunique().max() == 1


def test_a_cleaning_step_that_learned_from_the_target_is_left_out_and_named(cases):
    ws, specs, boards = cases
    board = boards["imputed"]
    leak = next(w for w in board.warnings if w.kind == "target_leak")
    assert leak.message.startswith("Step 1 of the recipe (Impute with nearest neighbours of f1, f2, f3, f4, f5, "
                                   "target")  # fmt: skip
    assert "target leakage" in leak.message
    assert board.refit.base == "sensors" and board.refit.steps == [] and len(board.refit.left_out) == 1
    truth = honest("imputed", ws, specs["imputed"], board.leading)
    assert abs(_best_learned(board) - truth) <= 0.05 and truth < 0.58
    flattered = model.run(ws, specs["imputed"]["table"], "target", validation="kfold", refit_cleaning=False,
                          models=["dummy", "hist_gradient_boosting"])  # fmt: skip
    assert _best_learned(flattered) > 0.62  # the filled values tell the class


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    """A table cleaned by a median fill (learns) and a trim (does not): the board refits both in each fold."""
    ws = Workspace(tmp_path_factory.mktemp("refit"))
    rng = np.random.default_rng(3)
    n = 300
    frame = pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n), "colour": rng.choice([" red", "blue "], n)})
    frame["y"] = frame["x"] * 2 + rng.normal(size=n)
    frame.loc[rng.random(n) < 0.3, "x"] = np.nan
    put(ws, "raw", frame)
    first = clean_run.apply(ws, "raw", clean.make("fill_missing", columns=["x"], strategy="mean"))
    second = clean_run.apply(ws, first.name, clean.make("trim", column="colour"))
    return ws, second.name, model.run(ws, second.name, "y", models=["dummy", "linear"])


def test_cleaning_is_refitted_in_each_fold_and_scores_equal_a_hand_written_pipeline(filled):
    ws, table, board = filled
    assert board.refit is not None and board.refit.base == "raw"
    assert [s["operation"] for s in board.refit.steps] == ["fill_missing", "trim"]
    assert any("the cleaning is refitted inside each fold (2 steps from 'raw'" in n for n in board.notes)
    assert "x" in board.X.columns and board.X["x"].isna().sum() > 50  # the folds read the uncleaned rows
    pipe = board.pipeline("linear")
    assert pipe.steps[0][0] == "clean"
    means = {round(float(pipe.fit(board.X.iloc[train], board.y[train])[0].fitted_steps_[0].state["fill"]["x"]), 6)
             for train, _ in board.splits}  # fmt: skip
    assert len(means) == len(board.splits)  # each fold learns its own fill value
    expected = cross_validate(board.pipeline("linear"), board.X, board.y, cv=board.splits, scoring="r2")
    assert board.result("linear").mean("r2") == pytest.approx(float(np.mean(expected["test_score"])), abs=1e-9)
    fitted = model.fit(board, "linear")  # the final model: on the cleaned table, as predictions will see it
    assert fitted.rows == 300 and "clean" not in dict(fitted.pipeline.steps)


def test_the_generated_code_reproduces_time_folds_and_mase(cases, tmp_path):
    ws, specs, boards = cases
    board = boards["sales"]
    name = board.best().name
    script = tmp_path / "sales.py"
    script.write_text(explain.code(board, name, str(ws.db_path)), encoding="utf-8")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True, timeout=600)
    printed = json.loads(out.stdout)
    for metric in ("r2", "mae", "rmse", "mase"):
        assert printed[metric] == pytest.approx(board.result(name).mean(metric), rel=1e-6, abs=1e-9)
    assert "TimeSeriesSplit(gap=0" in script.read_text()


def test_overriding_to_shuffled_folds_keeps_the_warning(cases):
    ws, specs, boards = cases
    board = model.run(ws, "sales", "sales", validation="kfold", models=["dummy", "random_forest"])
    assert board.validation.kind == "kfold" and board.validation.detected == "time"
    warning = next(w for w in board.warnings if w.kind == "shuffled_anyway")
    assert "the rows are ordered in time by 'day'" in warning.message
    assert "(time-ordered folds give R² -" in warning.message
    assert board.result("random_forest").mean("r2") > 0.95


def test_gap_and_test_size_shape_the_time_folds(tmp_path):
    ws = Workspace(tmp_path)
    put(ws, "sales", sales(days=400))
    board = model.run(ws, "sales", "sales", models=["dummy", "linear"], gap=7, test_size=30)
    assert board.header() == "5 folds in time order by 'day', gap 7, 30 rows per validation block"
    for train, test in board.splits:
        assert len(test) == 30 and test.min() - train.max() == 8
    picture = validation.fold_picture(board.validation, board.times, board.splits)
    assert set(picture["part"]) == {"training", "gap", "validation"}
    assert (picture.loc[picture["part"] == "gap", "rows"] == 7).all()


def test_the_chosen_model_is_scored_again_on_rows_kept_aside(tmp_path):
    from sklearn.datasets import make_classification

    ws = Workspace(tmp_path)
    X, y = make_classification(n_samples=2_500, n_features=6, n_informative=3, random_state=0)
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(6)])
    frame["y"] = y
    put(ws, "big", frame)
    board = model.run(ws, "big", "y", models=["dummy", "linear"])
    assert board.held is not None and len(board.held) == 500
    assert not set(board.held) & set(np.concatenate([t for _, t in board.splits]))
    assert board.holdout["model"] == "linear" and board.holdout["rows"] == 500
    assert 0.7 < board.holdout["scores"]["accuracy"] < 1
    assert board.header().endswith("; the chosen model scored again on 500 rows kept aside")
    assert any("on the 500 rows kept aside, never used to choose it" in n for n in board.notes)
    from workbench.model import diagnostics

    chosen = diagnostics.holdout_threshold(board)
    assert 0 < chosen["threshold"] < 1 and 0 < chosen["f1_held"] <= 1 and chosen["f1_folds"] > 0
    script = tmp_path / "big.py"
    script.write_text(explain.code(board, "linear", str(ws.db_path)), encoding="utf-8")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True, timeout=600)
    printed = json.loads(out.stdout)
    assert printed["accuracy"] == pytest.approx(board.result("linear").mean("accuracy"))
    assert printed["holdout"]["accuracy"] == pytest.approx(board.holdout["scores"]["accuracy"])


def test_independent_rows_keep_shuffled_folds_without_warnings(tmp_path):
    from tests.unit.model_tables import mixed

    ws = Workspace(tmp_path)
    put(ws, "mixed", mixed())
    board = model.run(ws, "mixed", "y", models=["dummy", "linear"])
    assert board.validation.kind == "kfold" and board.validation.detected == "kfold"
    assert board.header() == "5 shuffled folds" and board.warnings == [] and board.comparison is None


def test_several_series_validate_in_time_and_forecast_per_series(tmp_path):
    ws = Workspace(tmp_path)
    parts = []
    for i, store in enumerate(["north", "south", "east"]):
        frame = sales(days=200, seed=i)
        frame["sales"] += 1_000 * i  # each store at its own level: a naive forecast across stores would be far off
        frame.insert(0, "store", store)
        parts.append(frame)
    put(ws, "stores", pd.concat(parts).sort_values(["day", "store"], ignore_index=True))
    board = model.run(ws, "stores", "sales", models=["dummy", "linear"])
    assert board.validation.kind == "time" and board.validation.series == "store"
    assert board.header() == "5 folds in time order by 'day', gap 0, 'store' naming each series"
    naive = next(r for r in board.forecasts if r.name == "naive")
    assert naive.mean("r2") > 0.99 and naive.mean("mase") < 1.5  # each store's own yesterday


def test_rows_sharing_a_few_dates_without_series_are_no_timeline(tmp_path):
    ws = Workspace(tmp_path)
    rng = np.random.default_rng(0)
    year = np.sort(rng.integers(1970, 1982, 400))  # a catalogue sorted by model year
    frame = pd.DataFrame({"year": pd.to_datetime(year.astype(str) + "-01-01"), "weight": rng.normal(size=400)})
    frame["origin"] = np.where(frame["weight"] + rng.normal(size=400) > 0, "usa", "europe")
    put(ws, "cars", frame)
    board = model.run(ws, "cars", "origin", models=["dummy", "linear"])
    assert board.validation.kind == "kfold" and board.warnings == []


def test_a_predictive_feature_whose_values_repeat_is_not_taken_for_an_entity(ws):
    """Customers of one tenure churn alike because tenure predicts churn, not because they are one customer:
    a target that is the same within a value is what any good feature shows. Grouping by it dropped the
    best feature (a churn board fell from 0.8 to chance)."""
    rng = np.random.default_rng(5)
    n = 600
    tenure = rng.integers(0, 73, n)
    frame = pd.DataFrame({"tenure": tenure, "charges": rng.uniform(18, 120, n).round(2),
                          "churn": np.where((72 - tenure) / 72 + rng.uniform(-0.3, 0.3, n) > 0.6, "Yes", "No")})
    put(ws, "customers", frame)
    board = model.run(ws, "customers", "churn", models=["dummy", "linear"])
    assert board.validation.kind == "kfold"
    assert "tenure" in board.features.used
    assert board.result("linear").mean("accuracy") > 0.8
