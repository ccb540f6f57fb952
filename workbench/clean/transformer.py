"""A Clean recipe as one scikit-learn transformer: `fit` refits its steps, `transform` applies them.

The same steps the app applies to tables run here on DataFrames, through an in-memory DuckDB: each
step is fitted on the rows `fit` is given (a fill value, fences, a category mapping, an imputer)
and `transform` applies what was learned, never refitting, as a replay does. So a recipe can go
inside a `Pipeline` and `cross_val_score`: cleaning is refitted on each fold's training rows and
only applied to its validation rows, which is what keeps a score honest.

    t = recipe.to_sklearn()                      # parameters only: clone-able, unfitted
    make_pipeline(t, model).fit(X_train, y)      # the recipe's steps learn from X_train alone

A transformer keeps every row in place (scikit-learn pairs X's rows with y's), so a step that
removes or merges rows (a filter, dropping duplicates, a dedupe merge) cannot be part of one:
`fit` refuses it, naming the step.
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from workbench.clean.run import fit as fit_step
from workbench.clean.step import Step
from workbench.errors import WorkbenchError

INPUT = "recipe_input"


class RecipeTransformer(TransformerMixin, BaseEstimator):
    """Cleaning steps as a transformer over DataFrames.

    Parameters
    ----------
    steps : list of {"operation": name, "params": {...}}
        The steps, in order, as `workbench clean operations` lists them.

    Attributes
    ----------
    fitted_steps_ : list of Step
        The steps with what they learned in `fit`.
    gaps_ : list of str
        What the last `transform` met that `fit` never saw (unseen categories, values that no longer
        convert, more missing values); the gap report of a replay.
    """

    def __init__(self, steps: list[dict[str, Any]] | tuple = ()):
        self.steps = steps

    @classmethod
    def from_fitted(cls, steps: list[Step]) -> RecipeTransformer:
        """A transformer holding steps already fitted (a recipe read from lineage): `transform` applies them as
        they are; `fit` would refit them from their parameters."""
        made = cls([{"operation": s.operation, "params": dict(s.params)} for s in steps])
        made.fitted_steps_ = list(steps)
        return made

    def fit(self, X: pd.DataFrame, y: Any = None) -> RecipeTransformer:
        from workbench import clean

        frame = _frame(X)
        steps = [clean.make(s["operation"], **s.get("params", {})) for s in self.steps]
        with _Tables(frame) as tables:
            for i, step in enumerate(steps, start=1):
                fit_step(tables.con, tables.current(), step)
                tables.apply(step, i, check=False)
            self.feature_names_out_ = np.asarray(tables.columns(), dtype=object)
        self.fitted_steps_ = steps
        self.feature_names_in_ = np.asarray([str(c) for c in frame.columns], dtype=object)
        self.n_features_in_ = frame.shape[1]
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        check_is_fitted(self, "fitted_steps_")
        frame = _frame(X)
        with _Tables(frame) as tables:
            for i, step in enumerate(self.fitted_steps_, start=1):
                tables.apply(step, i, check=True)
            out = tables.frame()
            self.gaps_ = tables.chain.gaps
        out.index = frame.index  # rows stay where they were, so y still lines up
        return out

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "feature_names_out_")
        return self.feature_names_out_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False  # a DataFrame with named columns: the steps name their columns
        tags.input_tags.string = True
        tags.input_tags.allow_nan = True
        tags.requires_fit = True
        return tags


def _frame(X: Any) -> pd.DataFrame:
    if not isinstance(X, pd.DataFrame):
        raise WorkbenchError("A cleaning recipe works on a DataFrame with the table's column names, "
                             f"not on {type(X).__name__}.")  # fmt: skip
    return X


class _Tables:
    """An in-memory database holding the frame, and the steps applied to it one after the other."""

    def __init__(self, frame: pd.DataFrame):
        from workbench.clean.recipe import Chain

        self.con = duckdb.connect()
        self.con.register("recipe_frame", frame.reset_index(drop=True))
        self.con.execute(f"CREATE TABLE {INPUT} AS SELECT * FROM recipe_frame").fetchall()
        self.con.unregister("recipe_frame")
        self.rows = len(frame)
        self.chain = Chain(self.con, INPUT, None)

    def __enter__(self) -> _Tables:
        return self

    def __exit__(self, *exc: object) -> None:
        self.con.close()

    def current(self) -> str:
        return self.chain.as_table()

    def columns(self) -> list[str]:
        return list(self.chain.schema())

    def apply(self, step: Step, index: int, check: bool) -> None:
        schema = self.chain.schema()
        step.check_table(schema)
        step.verify(self.con, self.chain.source)
        self.chain.add(step, schema, f"step {index} ({step.operation})", None, check=check)
        ((rows,),) = self.con.execute(f"SELECT count(*) FROM {self.chain.source.sql} AS s",
                                      self.chain.source.params).fetchall()  # fmt: skip
        if rows != self.rows:
            raise WorkbenchError(
                f"Step {index} ({step.describe()}) changes the rows ({self.rows:,} → {rows:,}): a scikit-learn "
                "transformer must keep every row in place, so this recipe cannot be one. Apply such steps to the "
                "table first, and use the recipe of the steps after them."
            )

    def frame(self) -> pd.DataFrame:
        return self.con.sql(f"SELECT * FROM {self.chain.source.sql} AS s", params=self.chain.source.params).df()
