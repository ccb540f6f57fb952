"""A model as one scikit-learn `Pipeline`: column types, a `ColumnTransformer` of preprocessing, an estimator.

Everything the model learns from data, imputation values, category lists,
target encodings, scaling, lives inside the pipeline, so cross-validation fits
it inside each fold and never sees the validation rows.

    types    ColumnTypes: numbers to float, text to object (pandas 3 string
             columns are refused by check_array where numbers are needed),
             dates to datetime64: whatever dtypes DuckDB handed out
    prep     ColumnTransformer:
               numbers       median imputation (+ missing indicators), scaled when the model needs it
               categories    one-hot up to `one_hot_max` distinct values (unknown ones ignored)
               many values   target encoding (cross-fitted by scikit-learn, with a fixed split)
               dates         year, month, day, weekday, hour; imputed
    model    the estimator

Two small transformers are ours (`ColumnTypes`, `DateParts`); they import
nothing from the workbench, so the generated code copies their source as is.
skrub's encoders were considered: scikit-learn's OneHotEncoder and
TargetEncoder cover the plain cases, skrub is not installed and its API still
moves (pre-1.0), and dirty categories are Clean's job before the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler, TargetEncoder

from workbench.errors import WorkbenchError


class ColumnTypes(TransformerMixin, BaseEstimator):
    """Give each column the dtype its branch expects: numbers float64, categories object, dates datetime64."""

    def __init__(self, numeric=(), categorical=(), dates=()):
        self.numeric = numeric
        self.categorical = categorical
        self.dates = dates

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        out = pd.DataFrame(index=X.index)
        for c in self.numeric:
            col = X[c]
            if col.dtype == bool or str(col.dtype) == "boolean":
                col = col.astype("float64")
            out[c] = pd.to_numeric(col, errors="coerce").astype("float64")
        for c in self.categorical:
            col = X[c]
            out[c] = col.astype(object).where(col.notna(), np.nan)
        for c in self.dates:
            out[c] = pd.to_datetime(X[c], errors="coerce")
        return out

    def get_feature_names_out(self, input_features=None):
        return np.asarray([*self.numeric, *self.categorical, *self.dates], dtype=object)


class DateParts(TransformerMixin, BaseEstimator):
    """Each date column as its year, month, day, weekday and hour (NaN where the date is missing)."""

    PARTS = ("year", "month", "day", "weekday", "hour")

    def fit(self, X, y=None):
        self.columns_ = list(X.columns)
        return self

    def transform(self, X):
        out = {}
        for c in self.columns_:
            d = pd.to_datetime(X[c], errors="coerce").dt
            for part, values in zip(self.PARTS, (d.year, d.month, d.day, d.day_of_week, d.hour)):
                out[f"{c}_{part}"] = values.astype("float64").to_numpy()
        return pd.DataFrame(out, index=X.index)

    def get_feature_names_out(self, input_features=None):
        return np.asarray([f"{c}_{p}" for c in self.columns_ for p in self.PARTS], dtype=object)


@dataclass(frozen=True)
class ModelKind:
    name: str
    title: str
    scale: bool  # needs scaled inputs (distances, penalised coefficients)
    classifier: Any
    regressor: Any


def _dummy_c(seed: int) -> Any:
    return DummyClassifier(strategy="prior")


def _dummy_r(seed: int) -> Any:
    return DummyRegressor(strategy="mean")


def _linear_c(seed: int) -> Any:
    return LogisticRegression(max_iter=2000)


def _linear_r(seed: int) -> Any:
    return Ridge(alpha=1.0)


def _knn_c(seed: int) -> Any:
    return KNeighborsClassifier(n_neighbors=15)


def _knn_r(seed: int) -> Any:
    return KNeighborsRegressor(n_neighbors=15)


def _rf_c(seed: int) -> Any:
    return RandomForestClassifier(n_estimators=100, min_samples_leaf=2, n_jobs=1, random_state=seed)


def _rf_r(seed: int) -> Any:
    return RandomForestRegressor(n_estimators=100, min_samples_leaf=2, n_jobs=1, random_state=seed)


def _hgb_c(seed: int) -> Any:
    return HistGradientBoostingClassifier(random_state=seed)


def _hgb_r(seed: int) -> Any:
    return HistGradientBoostingRegressor(random_state=seed)


MODELS: dict[str, ModelKind] = {
    m.name: m
    for m in (
        ModelKind("dummy", "Dummy baseline", False, _dummy_c, _dummy_r),
        ModelKind("linear", "Linear (logistic / ridge)", True, _linear_c, _linear_r),
        ModelKind("knn", "k-nearest neighbours", True, _knn_c, _knn_r),
        ModelKind("random_forest", "Random forest", False, _rf_c, _rf_r),
        ModelKind("hist_gradient_boosting", "Histogram gradient boosting", False, _hgb_c, _hgb_r),
    )
}


@dataclass
class Columns:
    """The features by how they are encoded."""

    numeric: list[str] = field(default_factory=list)  # numbers and booleans
    categorical: list[str] = field(default_factory=list)  # one-hot
    high_cardinality: list[str] = field(default_factory=list)  # target-encoded
    dates: list[str] = field(default_factory=list)  # date parts

    @property
    def all(self) -> list[str]:
        return [*self.numeric, *self.categorical, *self.high_cardinality, *self.dates]

    def as_dict(self) -> dict[str, list[str]]:
        return {"numeric": self.numeric, "categorical": self.categorical,
                "high_cardinality": self.high_cardinality, "dates": self.dates}  # fmt: skip


def splitter(task: str, folds: int, seed: int, grouped: bool = False) -> Any:
    """The cross-validation: stratified for classes, grouped when a group column is named."""
    from sklearn.model_selection import GroupKFold

    if grouped:
        return GroupKFold(n_splits=folds)
    if task in ("binary", "multiclass"):
        return StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return KFold(n_splits=folds, shuffle=True, random_state=seed)


def preprocessor(columns: Columns, task: str | None, *, scale: bool, seed: int = 0) -> Pipeline:
    """The column-type step and the ColumnTransformer for `columns`; `task` None means no target (clustering)."""
    if not columns.all:
        raise WorkbenchError("No features left to fit on: choose at least one feature column.")

    def scaled(steps: list) -> list:
        return [*steps, ("scale", StandardScaler())] if scale else steps

    parts = []
    if columns.numeric:
        numeric = scaled([("impute", SimpleImputer(strategy="median", add_indicator=True))])
        parts.append(("numbers", Pipeline(numeric), columns.numeric))
    if columns.categorical:
        onehot = [("impute", SimpleImputer(strategy="constant", fill_value="(missing)")),
                  ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False))]  # fmt: skip
        parts.append(("categories", Pipeline(onehot), columns.categorical))
    if columns.high_cardinality:
        if task is None:
            raise WorkbenchError("Target encoding needs a target: leave high-cardinality columns out to cluster.")
        target_type = "continuous" if task == "regression" else task
        encoder = TargetEncoder(target_type=target_type, cv=splitter(task, 5, seed))
        steps = [("impute", SimpleImputer(strategy="constant", fill_value="(missing)")), ("target", encoder)]
        parts.append(("many_values", Pipeline(scaled(steps)), columns.high_cardinality))
    if columns.dates:
        dates = scaled([("parts", DateParts()), ("impute", SimpleImputer(strategy="median"))])
        parts.append(("dates", Pipeline(dates), columns.dates))
    types = ColumnTypes(numeric=list(columns.numeric), categorical=[*columns.categorical, *columns.high_cardinality],
                        dates=list(columns.dates))  # fmt: skip
    return Pipeline([("types", types), ("prep", ColumnTransformer(parts, remainder="drop"))])


def build(model: str, task: str, columns: Columns, seed: int = 0) -> Pipeline:
    """The unfitted pipeline of `model` ("dummy", "linear", "knn", "random_forest", "hist_gradient_boosting")."""
    if model not in MODELS:
        raise WorkbenchError(f"Unknown model {model!r}; the models are: {', '.join(MODELS)}.")
    kind = MODELS[model]
    make = kind.regressor if task == "regression" else kind.classifier
    prep = preprocessor(columns, task, scale=kind.scale, seed=seed)
    return Pipeline([*prep.steps, ("model", make(seed))])


def target_values(series: pd.Series, task: str) -> np.ndarray:
    """The target as scikit-learn wants it: floats for a regression, plain labels (text as str) for classes."""
    if task == "regression":
        return pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    values = series.to_numpy()
    if values.dtype.kind in "OUT" or str(series.dtype) in ("str", "string"):
        return np.asarray([str(v) for v in values], dtype=object)
    return values.copy()
