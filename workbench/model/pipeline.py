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
               free text     only for the columns the user names: TF-IDF of a bounded vocabulary,
                             reduced to a few dozen numbers by a truncated SVD (`TextEncoder`)
    model    the estimator

Five small classes are ours (`ColumnTypes`, `DateParts`, `Median`,
`TextEncoder`, and `RowCap`, which bounds k-NN's training rows on large
tables); they import nothing from the workbench, so the generated code copies
their source as is. On large tables a random forest's trees each see a bounded
sample (`max_samples`): `row_bound`.
skrub's encoders were considered: scikit-learn's OneHotEncoder and
TargetEncoder cover the plain cases, skrub is not installed and its API still
moves (pre-1.0), and dirty categories are Clean's job before the model. For
free text, skrub's StringEncoder is the same TF-IDF and SVD (on character
n-grams) and its TextEncoder needs a language model downloaded from a hub; the
words of tasting notes are what carries their meaning, and scikit-learn's own
pieces keep the generated code free of another dependency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, MetaEstimatorMixin, TransformerMixin, clone, is_classifier
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import TruncatedSVD
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler, TargetEncoder
from sklearn.utils import resample
from sklearn.utils.metaestimators import available_if

from workbench.errors import WorkbenchError
from workbench.settings import MODEL_LIMITS


class ColumnTypes(TransformerMixin, BaseEstimator):
    """Give each column the dtype its branch expects: numbers float64, categories object, dates datetime64, free
    text str (empty where missing)."""

    def __init__(self, numeric=(), categorical=(), dates=(), text=()):
        self.numeric = numeric
        self.categorical = categorical
        self.dates = dates
        self.text = text

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        out = {}  # one frame built at the end: inserting columns one by one is slow in pandas
        for c in self.numeric:
            col = X[c]
            if col.dtype != "float64":  # already float: no conversion, which copies the column each time
                if col.dtype == bool or str(col.dtype) == "boolean":
                    col = col.astype("float64")
                col = pd.to_numeric(col, errors="coerce").astype("float64")
            out[c] = col
        for c in self.categorical:
            col = X[c]
            out[c] = col.astype(object).where(col.notna(), np.nan)
        for c in self.dates:
            out[c] = pd.to_datetime(X[c], errors="coerce")
        for c in self.text:
            col = X[c]
            out[c] = col.astype(object).where(col.notna(), "").astype(str)
        return pd.DataFrame(out, index=X.index)

    def get_feature_names_out(self, input_features=None):
        return np.asarray([*self.numeric, *self.categorical, *self.dates, *self.text], dtype=object)


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


class Median:
    """SimpleImputer's `strategy`: each column's median, the value strategy="median" gives, from np.median of the
    present values rather than a masked array's sort (0.1 s instead of 0.9 s for 160,000 rows x 20 columns)."""

    def __call__(self, values):
        return np.median(values)

    def __repr__(self):
        return "Median()"


class TextEncoder(TransformerMixin, BaseEstimator):
    """One free-text column as `components` numbers: the TF-IDF weights of its `vocabulary` most frequent words
    (rare words weigh more, repeats less), reduced by a truncated SVD to the directions along which the texts
    differ most (latent semantic analysis). With fewer distinct words than that, the weights themselves."""

    def __init__(self, vocabulary, components, random_state=0):
        self.vocabulary = vocabulary
        self.components = components
        self.random_state = random_state

    def fit(self, X, y=None):
        self.column_ = X.columns[0]
        self.tfidf_ = TfidfVectorizer(max_features=self.vocabulary, sublinear_tf=True, strip_accents="unicode")
        weights = self.tfidf_.fit_transform(X.iloc[:, 0])
        few = weights.shape[1] <= self.components
        self.svd_ = None if few else TruncatedSVD(self.components, random_state=self.random_state).fit(weights)
        return self

    def transform(self, X):
        weights = self.tfidf_.transform(X.iloc[:, 0])
        return self.svd_.transform(weights) if self.svd_ is not None else weights.toarray()

    def get_feature_names_out(self, input_features=None):
        if self.svd_ is None:
            return np.asarray([f"{self.column_}_{w}" for w in self.tfidf_.get_feature_names_out()], dtype=object)
        return np.asarray([f"{self.column_}_topic{i}" for i in range(self.svd_.n_components)], dtype=object)


class RowCap(MetaEstimatorMixin, BaseEstimator):
    """Fit `estimator` on at most `max_rows` of the training rows, drawn at random (stratified by class for a
    classifier). k-NN compares each row to predict with every training row, so beyond some tens of thousands
    of rows more training rows cost much prediction time for little accuracy."""

    def __init__(self, estimator=None, max_rows=20_000, random_state=0):
        self.estimator = estimator
        self.max_rows = max_rows
        self.random_state = random_state

    def fit(self, X, y):
        if len(y) > self.max_rows:
            X, y = resample(X, y, replace=False, n_samples=self.max_rows, random_state=self.random_state,
                            stratify=y if is_classifier(self.estimator) else None)  # fmt: skip
        self.estimator_ = clone(self.estimator).fit(X, y)
        if hasattr(self.estimator_, "classes_"):
            self.classes_ = self.estimator_.classes_
        return self

    def predict(self, X):
        return self.estimator_.predict(X)

    @available_if(lambda self: hasattr(self.estimator, "predict_proba"))
    def predict_proba(self, X):
        return self.estimator_.predict_proba(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = self.estimator.__sklearn_tags__()
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags, tags.regressor_tags = inner.classifier_tags, inner.regressor_tags
        return tags

@dataclass(frozen=True)
class ModelKind:
    name: str
    title: str  # for a table or a list: "Histogram gradient boosting"
    spoken: str  # inside a sentence: "gradient boosting"
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
        ModelKind("dummy", "Dummy baseline", "the dummy baseline", False, _dummy_c, _dummy_r),
        ModelKind("linear", "Linear (logistic / ridge)", "the linear model", True, _linear_c, _linear_r),
        ModelKind("knn", "k-nearest neighbours", "k-nearest neighbours", True, _knn_c, _knn_r),
        ModelKind("random_forest", "Random forest", "the random forest", False, _rf_c, _rf_r),
        ModelKind("hist_gradient_boosting", "Histogram gradient boosting", "gradient boosting", False, _hgb_c, _hgb_r),
    )
}


@dataclass
class Columns:
    """The features by how they are encoded."""

    numeric: list[str] = field(default_factory=list)  # numbers and booleans
    categorical: list[str] = field(default_factory=list)  # one-hot
    high_cardinality: list[str] = field(default_factory=list)  # target-encoded
    dates: list[str] = field(default_factory=list)  # date parts
    text: list[str] = field(default_factory=list)  # free text, TF-IDF and SVD (only when the user asks)

    @property
    def all(self) -> list[str]:
        return [*self.numeric, *self.categorical, *self.high_cardinality, *self.dates, *self.text]

    def as_dict(self) -> dict[str, list[str]]:
        return {"numeric": self.numeric, "categorical": self.categorical,
                "high_cardinality": self.high_cardinality, "dates": self.dates, "text": self.text}  # fmt: skip


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
        numeric = scaled([("impute", SimpleImputer(strategy=Median(), add_indicator=True))])
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
        dates = scaled([("parts", DateParts()), ("impute", SimpleImputer(strategy=Median()))])
        parts.append(("dates", Pipeline(dates), columns.dates))
    for i, c in enumerate(columns.text):
        encoder = TextEncoder(MODEL_LIMITS.text_vocabulary, MODEL_LIMITS.text_components, random_state=seed)
        parts.append((f"text{i}", Pipeline(scaled([("words", encoder)])), [c]))
    types = ColumnTypes(numeric=list(columns.numeric), categorical=[*columns.categorical, *columns.high_cardinality],
                        dates=list(columns.dates), text=list(columns.text))  # fmt: skip
    return Pipeline([("types", types), ("prep", ColumnTransformer(parts, remainder="drop"))])


def build(model: str, task: str, columns: Columns, seed: int = 0, rows: int | None = None) -> Pipeline:
    """The unfitted pipeline of `model` ("dummy", "linear", "knn", "random_forest", "hist_gradient_boosting"),
    bounded for a table of `rows` rows (see `row_bound`)."""
    if model not in MODELS:
        raise WorkbenchError(f"Unknown model {model!r}; the models are: {', '.join(MODELS)}.")
    kind = MODELS[model]
    estimator = (kind.regressor if task == "regression" else kind.classifier)(seed)
    bound = row_bound(model, rows)
    if bound and model == "random_forest":
        estimator.set_params(max_samples=bound / rows)  # a share of each fit's rows, drawn anew for every tree
    elif bound and model == "knn":
        estimator = RowCap(estimator, max_rows=bound, random_state=seed)
    prep = preprocessor(columns, task, scale=kind.scale, seed=seed)
    return Pipeline([*prep.steps, ("model", estimator)])


def row_bound(model: str, rows: int | None) -> int | None:
    """The rows a random forest's tree or k-NN's memory is limited to on a table of `rows` rows (None: all).
    A forest's trees each draw a bootstrap sample anyway; smaller samples fit much faster and barely move its
    score on large tables. k-NN's prediction time grows with its training rows."""
    limit = {"random_forest": MODEL_LIMITS.forest_rows, "knn": MODEL_LIMITS.knn_rows}.get(model)
    return limit if limit and rows and rows > limit else None


def bound_notes(models, rows: int) -> list[str]:
    """The leaderboard's notes on `row_bound` for the chosen `models`."""
    texts = {"random_forest": "random forest: each tree fitted on a sample of about {:,} rows (max_samples), as "
                              "the table is large",
             "knn": "k-nearest neighbours: fitted on {:,} training rows drawn at random (stratified for classes), "
                    "as the table is large"}  # fmt: skip
    return [texts[m].format(row_bound(m, rows)) for m in models if row_bound(m, rows)]


def target_values(series: pd.Series, task: str) -> np.ndarray:
    """The target as scikit-learn wants it: floats for a regression, plain labels (text as str) for classes."""
    if task == "regression":
        return pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    values = series.to_numpy()
    if values.dtype.kind in "OUT" or str(series.dtype) in ("str", "string"):
        return np.asarray([str(v) for v in values], dtype=object)
    return values.copy()
