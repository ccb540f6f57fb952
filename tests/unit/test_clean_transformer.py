"""A recipe as a scikit-learn transformer: the same values as the workbench's tables, refitted inside folds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import KFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from workbench import clean
from workbench.clean import recipe as recipes
from workbench.clean.transformer import RecipeTransformer
from workbench.errors import WorkbenchError


def houses(n: int = 60, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    area = rng.uniform(40, 200, n).round(1)
    frame = pd.DataFrame({
        "area": area,
        "rooms": pd.array(rng.integers(1, 7, n), dtype="Int64"),
        "price": (area * 3000 + rng.normal(0, 5000, n)).round(0),
        "colour": rng.choice(["red", "Red", "blue", "green"], n),
        "garage": rng.choice(["12", "7", "n/a", "3"], n),
    })  # fmt: skip
    frame.loc[frame.index % 7 == 3, "area"] = np.nan
    return frame


@pytest.fixture
def made(ws):
    """A table cleaned by three steps in the workspace, and its recipe."""
    _add(ws, houses(), "houses")
    table = "houses"
    for operation, params in [("fill_missing", {"columns": ["area"], "strategy": "mean"}),
                              ("change_case", {"column": "colour"}),
                              ("to_number", {"column": "garage"})]:  # fmt: skip
        table = clean.apply(ws, table, clean.make(operation, **params)).name
    return ws, table, recipes.recipe(ws, table)


def _add(ws, frame: pd.DataFrame, name: str) -> None:
    with ws.connect() as con:
        con.register("frame", frame)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM frame").fetchall()
        con.unregister("frame")


def read(ws, table: str) -> pd.DataFrame:
    with ws.connect() as con:
        return con.execute(f"SELECT * FROM {table} ORDER BY rowid").df()


def test_fitted_on_the_same_rows_it_gives_the_workbench_s_table_value_for_value(made):
    ws, table, recipe = made
    raw, expected = read(ws, "houses"), read(ws, table)
    got = recipe.to_sklearn().fit(raw).transform(raw)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert got["area"].isna().sum() == 0 and set(got["colour"]) == {"red", "blue", "green"}
    assert list(got.columns) == list(expected.columns)


def test_the_fitted_recipe_applies_without_refitting(made):
    ws, table, recipe = made
    raw = read(ws, "houses")
    fitted = RecipeTransformer.from_fitted(recipe.steps)
    new = raw.head(5).assign(area=np.nan, colour=["RED", "Blue", "purple", "green", "red"])
    out = fitted.transform(new)
    assert out["area"].tolist() == [pytest.approx(raw["area"].mean())] * 5  # train's mean, not the new rows'
    assert out["colour"].tolist() == ["red", "blue", "purple", "green", "red"]
    assert any("area" in gap and "missing" in gap for gap in fitted.gaps_)  # more missing than when fitted


def test_inside_cross_validation_each_fold_refits_its_steps_on_its_own_training_rows(made):
    ws, table, recipe = made
    raw = read(ws, "houses")
    X, y = raw[["area", "rooms"]], raw["price"]
    fill = {"operation": "fill_missing", "params": {"columns": ["area"], "strategy": "mean"}}
    transformer = RecipeTransformer([fill])
    pipe = make_pipeline(transformer, FunctionTransformer(lambda f: f.astype(float)), LinearRegression())
    folds = KFold(4, shuffle=True, random_state=1)
    result = cross_validate(pipe, X, y, cv=folds, return_estimator=True)
    learned = [est[0].fitted_steps_[0].state["fill"]["area"] for est in result["estimator"]]
    expected = [X.iloc[train]["area"].mean() for train, _ in folds.split(X)]
    assert learned == pytest.approx(expected)  # each fold's mean of its own training rows
    assert len(set(np.round(learned, 6))) == 4  # so the fill differs per fold
    assert np.isfinite(result["test_score"]).all()


def test_clone_gives_an_unfitted_copy_with_the_same_parameters(made):
    _, _, recipe = made
    t = recipe.to_sklearn().fit(houses())
    copy = clone(t)
    assert copy.get_params() == t.get_params() and not hasattr(copy, "fitted_steps_")
    assert [s["operation"] for s in copy.get_params()["steps"]] == ["fill_missing", "change_case", "to_number"]


def test_a_step_that_removes_rows_cannot_be_a_transformer():
    t = RecipeTransformer([{"operation": "drop_missing", "params": {"columns": ["area"]}}])
    with pytest.raises(WorkbenchError, match=r"Step 1 .* changes the rows \(60 → 51\)"):
        t.fit(houses())


def test_a_missing_column_and_a_non_dataframe_are_refused_plainly():
    t = RecipeTransformer([{"operation": "change_case", "params": {"column": "colour"}}])
    with pytest.raises(WorkbenchError, match="colour"):
        t.fit(houses().drop(columns="colour"))
    with pytest.raises(WorkbenchError, match="DataFrame"):
        t.fit(np.zeros((3, 2)))


# scikit-learn's own checks that apply to a transformer of named DataFrame columns. The others feed it
# numpy arrays or sparse matrices, which a recipe cannot read: its steps name the columns they change.
DATAFRAME_CHECKS = [
    "check_estimator_cloneable", "check_estimator_repr", "check_no_attributes_set_in_init",
    "check_parameters_default_constructible", "check_do_not_raise_errors_in_init_or_set_params",
    "check_get_params_invariance", "check_set_params", "check_estimators_unfitted", "check_mixin_order",
    "check_n_features_in_after_fitting", "check_get_feature_names_out_error", "check_set_output_transform",
    "check_set_output_transform_pandas", "check_global_output_transform_pandas",
]  # fmt: skip


@pytest.mark.parametrize("check", DATAFRAME_CHECKS)
def test_scikit_learn_s_checks_that_apply_to_a_dataframe_transformer(check):
    import sklearn.utils.estimator_checks as checks

    getattr(checks, check)("RecipeTransformer", RecipeTransformer([{"operation": "change_case",
                                                                   "params": {"column": "colour"}}]))


def test_fit_returns_self_is_idempotent_leaves_parameters_alone_and_pickles():
    import pickle

    steps = [{"operation": "fill_missing", "params": {"columns": ["area"], "strategy": "median"}},
             {"operation": "cluster_spellings", "params": {"column": "colour"}}]  # fmt: skip
    t = RecipeTransformer(steps)
    before = repr(t.get_params())
    frame = houses()
    assert t.fit(frame) is t
    assert repr(t.get_params()) == before  # fit learns into attributes ending in _, never into parameters
    once = t.transform(frame)
    again = t.fit(frame).transform(frame)
    pd.testing.assert_frame_equal(once, again)
    copy = pickle.loads(pickle.dumps(t))
    pd.testing.assert_frame_equal(copy.transform(frame.iloc[::-1]), once.iloc[::-1])  # row order follows the input


def test_a_scikit_learn_step_is_fitted_in_memory_and_applied_to_new_rows():
    frame = houses()
    t = RecipeTransformer([{"operation": "knn_impute", "params": {"columns": ["area", "price"], "n_neighbors": 3}}])
    out = t.fit(frame).transform(frame)
    assert out["area"].notna().all() and (out["area"] == frame["area"]).sum() == frame["area"].notna().sum()
    new = frame.head(3).assign(area=np.nan)
    filled = t.transform(new)["area"]
    assert filled.notna().all() and filled.between(frame["area"].min(), frame["area"].max()).all()
