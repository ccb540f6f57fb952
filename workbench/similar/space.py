"""The space rows are compared in: how each column is scaled, and the distance with its parts per column.

Two metrics. Euclidean on scaled numbers: each number measured in standard deviations from its mean (z-score,
population standard deviation as scikit-learn's StandardScaler) or in interquartile ranges from its median
(robust, as RobustScaler); a category one-hot encoded, each indicator scaled by 1/sqrt(2) so that one mismatch
(a 1 leaving one indicator and entering another) weighs like one standard deviation of a number. A missing number
is filled with its column's centre (0 once scaled), a missing category with its most frequent one. A weight w
multiplies the column's squared difference (its values are scaled by sqrt(w)). The distance's part per column is
w_j (x_j - r_j)^2 / d: the parts add up to d.

Gower on mixed tables: a number's difference divided by its column's range, a category 0 when equal and 1 when
not; the distance is the weighted mean over the columns present in both rows (Gower's rule: a column missing in
either row is skipped). The part per column is w_j delta_j s_j / sum_j w_j delta_j: again they add up to d.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from workbench.errors import WorkbenchError
from workbench.settings import SIMILAR_LIMITS

SCALINGS = ("zscore", "robust")
CATEGORICAL = ("auto", "gower", "onehot")
ONE_HOT_SCALE = 1 / math.sqrt(2)  # one mismatch = two indicators differing by this = one standard deviation


def is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_bool_dtype(series) or (pd.api.types.is_numeric_dtype(series))


def _numbers(series: pd.Series) -> np.ndarray:
    """The column as floats; an infinite value is missing (no distance or spread can be measured from it)."""
    x = pd.to_numeric(series, errors="coerce").astype("float64").to_numpy(na_value=np.nan)
    return np.where(np.isinf(x), np.nan, x)


def _texts(series: pd.Series) -> np.ndarray:
    """A categorical column's values as text (None where missing), as the generated code reads them."""
    missing = series.isna().to_numpy()
    return np.where(missing, None, series.astype(str).to_numpy(dtype=object))


class Space:
    """scikit-learn shaped: the choices in `__init__`, `fit(df)` learns each column's centre and spread (or
    range) and categories, `transform(df)` gives the matrix distances are measured on, `parts` their split."""

    def __init__(self, columns: list[str], scaling: str = "zscore", categorical: str = "auto",
                 weights: dict[str, float] | None = None):  # fmt: skip
        if scaling not in SCALINGS:
            raise WorkbenchError(f"Unknown scaling {scaling!r}; choose one of: {', '.join(SCALINGS)}.")
        if categorical not in CATEGORICAL:
            raise WorkbenchError(f"Unknown categorical handling {categorical!r}; choose one of: "
                                 f"{', '.join(CATEGORICAL)}.")  # fmt: skip
        self.columns = list(columns)
        self.scaling = scaling
        self.categorical = categorical
        self.weights = dict(weights or {})

    # -- fitting -----------------------------------------------------------------------------------------

    def fit(self, df: pd.DataFrame) -> Space:
        unknown = [c for c in self.weights if c not in self.columns]
        if unknown:
            raise WorkbenchError(f"A weight is given for {unknown[0]!r}, which is not one of the columns compared.")
        bad = {c: w for c, w in self.weights.items() if not (isinstance(w, (int, float)) and w >= 0 and
                                                              math.isfinite(w))}  # fmt: skip
        if bad:
            col = next(iter(bad))
            raise WorkbenchError(f"The weight of {col!r} must be a number of 0 or more, not {bad[col]!r}.")
        self.numeric_ = [c for c in self.columns if is_numeric(df[c])]
        self.categorical_ = [c for c in self.columns if c not in self.numeric_]
        self.metric_ = ("gower" if self.categorical == "gower" or (self.categorical == "auto" and self.categorical_)
                        else "euclidean")  # fmt: skip
        self.weight_ = np.array([float(self.weights.get(c, 1.0)) for c in self.columns])
        if not self.weight_.sum() > 0:
            raise WorkbenchError("Every column has weight 0: give at least one column a weight above 0.")
        self.centre_, self.spread_, self.min_, self.max_, self.mean_, self.missing_ = {}, {}, {}, {}, {}, {}
        for c in self.numeric_:
            x = _numbers(df[c])
            present = x[~np.isnan(x)]
            self.missing_[c] = int(len(x) - len(present))
            if not len(present):
                raise WorkbenchError(f"{c!r} has no value in any row: leave it out.")
            self.min_[c], self.max_[c] = float(present.min()), float(present.max())
            self.mean_[c] = float(present.mean())
            if self.scaling == "zscore":
                centre, spread = float(present.mean()), float(present.std())
            else:
                q1, median, q3 = np.percentile(present, [25, 50, 75])
                centre, spread = float(median), float(q3 - q1)
            self.centre_[c], self.spread_[c] = centre, spread if spread > 0 else 1.0
        self.categories_, self.mode_ = {}, {}
        for c in self.categorical_:
            values = pd.Series(_texts(df[c]), dtype=object).dropna()
            self.missing_[c] = int(len(df) - len(values))
            if not len(values):
                raise WorkbenchError(f"{c!r} has no value in any row: leave it out.")
            counts = values.value_counts()
            self.categories_[c] = sorted(counts.index)
            if self.metric_ == "euclidean" and len(counts) > SIMILAR_LIMITS.one_hot_max:
                raise WorkbenchError(f"{c!r} has {len(counts):,} different values: too many for one-hot columns "
                                     f"(at most {SIMILAR_LIMITS.one_hot_max}); compare it by Gower distance "
                                     "(categorical gower), or leave it out.")  # fmt: skip
            # the most frequent, the smallest of equals first (as SimpleImputer's most_frequent)
            self.mode_[c] = min(counts.index[counts == counts.max()])
        return self

    def fit_transform(self, df: pd.DataFrame, dtype=np.float64) -> np.ndarray:
        return self.fit(df).transform(df, dtype=dtype)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {"columns": self.columns, "scaling": self.scaling, "categorical": self.categorical,
                "weights": self.weights}  # fmt: skip

    @property
    def metric(self) -> str:
        return self.metric_

    def range_(self, c: str) -> float:
        span = self.max_[c] - self.min_[c]
        return span if span > 0 else 1.0

    # -- transforming ------------------------------------------------------------------------------------

    def output_columns(self) -> list[str]:
        """The source column of each of the matrix's columns (one-hot indicators repeat their column)."""
        if self.metric_ == "gower":
            return list(self.columns)
        out = []
        for c in self.columns:
            out += [c] * (len(self.categories_[c]) if c in self.categories_ else 1)
        return out

    def transform(self, df: pd.DataFrame, dtype=np.float64) -> np.ndarray:
        """Euclidean: the scaled, weighted, filled matrix (one-hot indicators for categories). Gower: numbers
        divided by their range (NaN kept where missing), categories as their code (NaN where missing or unseen).
        Written column by column into one array of `dtype` (a million rows x 20 in float32: 80 MB)."""
        sources = self.output_columns()
        out = np.zeros((len(df), len(sources)), dtype=dtype, order="F")  # filled by columns, read by rows
        at = 0
        for j, c in enumerate(self.columns):
            root = math.sqrt(self.weight_[j])
            if c in self.numeric_:
                x = _numbers(df[c])
                if self.metric_ == "gower":
                    out[:, at] = (x - self.min_[c]) / self.range_(c)
                else:
                    z = (x - self.centre_[c]) / self.spread_[c]
                    z[np.isnan(z)] = 0.0
                    out[:, at] = root * z
                at += 1
                continue
            texts = _texts(df[c])
            codes = pd.Categorical(texts, categories=self.categories_[c]).codes.astype(np.int64)
            if self.metric_ == "gower":
                out[:, at] = np.where(codes < 0, np.nan, codes)
                at += 1
                continue
            codes[pd.isna(texts)] = self.categories_[c].index(self.mode_[c])
            seen = np.flatnonzero(codes >= 0)
            out[seen, at + codes[seen]] = root * ONE_HOT_SCALE
            at += len(self.categories_[c])
        return np.ascontiguousarray(out)

    # -- distances ---------------------------------------------------------------------------------------

    def distances(self, X: np.ndarray, ref: np.ndarray) -> np.ndarray:
        """Distance of every row of the transformed X to one transformed reference row."""
        X, ref = np.asarray(X), np.asarray(ref, dtype=np.float64)
        if self.metric_ == "euclidean":
            diff = X.astype(np.float64, copy=False) - ref
            return np.sqrt(np.einsum("ij,ij->i", diff, diff))
        top, bottom = np.zeros(len(X)), np.zeros(len(X))
        for j, c in enumerate(self.columns):
            w = self.weight_[j]
            x = X[:, j].astype(np.float64, copy=False)
            present = ~np.isnan(x) & (not math.isnan(ref[j]))
            s = (np.abs(x - ref[j]) if c in self.numeric_ else (x != ref[j]).astype(np.float64))
            top += np.where(present, w * np.nan_to_num(s), 0.0)
            bottom += np.where(present, w, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(bottom > 0, top / np.where(bottom > 0, bottom, 1.0), np.nan)

    def parts(self, X: np.ndarray, ref: np.ndarray) -> np.ndarray:
        """Per row of X and per column of `self.columns`: that column's part of the distance to `ref`; each
        row's parts sum to its distance (all 0 at distance 0)."""
        X, ref = np.asarray(X, dtype=np.float64), np.asarray(ref, dtype=np.float64)
        out = np.zeros((len(X), len(self.columns)))
        if self.metric_ == "euclidean":
            sq = (X - ref) ** 2
            d = np.sqrt(sq.sum(axis=1))
            sources = np.array(self.output_columns(), dtype=object)
            for j, c in enumerate(self.columns):
                out[:, j] = sq[:, sources == c].sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                return np.where(d[:, None] > 0, out / np.where(d > 0, d, 1.0)[:, None], 0.0)
        bottom = np.zeros(len(X))
        for j, c in enumerate(self.columns):
            w = self.weight_[j]
            x = X[:, j]
            present = ~np.isnan(x) & (not math.isnan(ref[j]))
            s = (np.abs(x - ref[j]) if c in self.numeric_ else (x != ref[j]).astype(np.float64))
            out[:, j] = np.where(present, w * np.nan_to_num(s), 0.0)
            bottom += np.where(present, w, 0.0)
        return out / np.where(bottom > 0, bottom, 1.0)[:, None]

    def as_dict(self) -> dict[str, Any]:
        return {"metric": self.metric_, "scaling": self.scaling, "categorical": self.categorical,
                "numeric": {c: {"centre": self.centre_[c], "spread": self.spread_[c], "min": self.min_[c],
                                "max": self.max_[c]} for c in self.numeric_},
                "categories": {c: list(v) for c, v in self.categories_.items()},
                "weights": {c: float(w) for c, w in zip(self.columns, self.weight_)}}  # fmt: skip
