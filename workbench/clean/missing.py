"""Missing values: drop rows, fill with a constant or a statistic (SQL), or impute with scikit-learn."""

from __future__ import annotations

from typing import Any

import numpy as np

from workbench.clean.learned import SAMPLE, LearnedStep, sample
from workbench.clean.step import WORK_ROW, Fragment, Param, Select, Step, column_ref, free_column, work_column
from workbench.errors import WorkbenchError
from workbench.names import quote
from workbench.profile.stats import INTEGER_TYPES, family
from workbench.words import plural

COLUMNS = Param("columns", "columns", "the columns to fill", required=True)
INDICATOR = Param("indicator", "bool", "add a column <name>_was_missing saying which rows were filled", False)


def indicators(step: Step, schema: dict[str, str]) -> list[tuple[str, Fragment]]:
    if not step.indicator:
        return []
    return [(free_column(schema, f"{c}_was_missing"), Fragment(f"{column_ref(c)} IS NULL")) for c in step.columns]


class FillMissing(Step):
    operation = "fill_missing"
    title = "Fill missing values"
    explain = ("Replaces NULLs with one value per column: a constant you give, or the mean, median or most "
               "frequent value learned from this table (and reused as-is when the recipe runs on new data, "
               "like scikit-learn's SimpleImputer).")
    PARAMS = (COLUMNS,
              Param("strategy", "choice", "constant, mean, median or mode (most frequent)", "median",
                    ("constant", "mean", "median", "mode")),
              Param("value", "text", "the constant, with strategy=constant"),
              INDICATOR)  # fmt: skip

    def validate(self) -> None:
        if self.strategy == "constant" and self.value is None:
            raise WorkbenchError("fill_missing with strategy=constant needs a value.")

    def learn(self, con, table, schema) -> dict[str, Any]:
        fills = {}
        for c in self.columns:
            kind = family(schema[c])
            if self.strategy in ("mean", "median") and kind != "numeric":
                raise WorkbenchError(f"The {self.strategy} of {c!r} ({schema[c]}) is not defined: "
                                     "use mode or constant.")
            if self.strategy == "constant":
                (value,) = con.execute(f"SELECT TRY_CAST(? AS {schema[c]})", [self.value]).fetchone()
                if value is None:
                    raise WorkbenchError(f"{self.value!r} is not a value of {c!r} ({schema[c]}).")
            else:
                agg = {"mean": "avg", "median": "median", "mode": "mode"}[self.strategy]
                (value,) = con.execute(f"SELECT {agg}({quote(c)}) FROM {quote(table)}").fetchone()
                if value is None:
                    raise WorkbenchError(f"{c!r} has no values to learn a {self.strategy} from.")
            fills[c] = value if isinstance(value, (int, float, str, bool)) else str(value)
        return {"fill": fills}

    def select(self, schema: dict[str, str]) -> Select:
        replace = {}
        for c, value in self.state["fill"].items():
            ref = column_ref(c)
            # an integer column filled with a mean keeps the exact mean: the column becomes DOUBLE
            cast = "DOUBLE" if isinstance(value, float) and family(schema[c]) == "numeric" else schema[c]
            replace[c] = Fragment(f"coalesce(CAST({ref} AS {cast}), CAST(? AS {cast}))", [str(value)])
        return Select(self.keep(schema, replace, indicators(self, schema)))

    def describe(self) -> str:
        shown = ", ".join(f"{c} with {v!r}" for c, v in self.state["fill"].items())
        return f"Fill missing values ({self.strategy}): {shown}"


class DropMissing(Step):
    operation = "drop_missing"
    title = "Drop rows with missing values"
    explain = "Removes the rows where any of the chosen columns is NULL. Use it when such rows are few."
    PARAMS = (Param("columns", "columns", "the columns that must be present", required=True),)

    def select(self, schema: dict[str, str]) -> Select:
        where = " AND ".join(f"{column_ref(c)} IS NOT NULL" for c in self.columns)
        return Select(self.keep(schema), where=Fragment(where))


class Imputer(LearnedStep):
    """KNN or iterative imputation of numeric columns.

    A model can answer values no row holds (-0.2 bathrooms, 1.81 cars): each filled value is set within the
    range the column held when fitted (learned over the whole table, part of the fitted state), and rounded
    when every value it held was a whole number. An integer column keeps its type; the others become DOUBLE.
    Both are SQL over the work table, so a replay and the exports do the same."""

    PARAMS_COMMON = (Param("columns", "columns", "the numeric columns to impute (and to learn from)",
                           required=True), INDICATOR, SAMPLE)  # fmt: skip

    kind = "impute"

    def work_columns(self) -> list[tuple[str, str]]:
        return [(work_column(i), "DOUBLE") for i in range(len(self.columns))]

    def _work(self, c: str) -> str:
        """The work table's column holding the model's value for `c`."""
        return f"w.{work_column(self.columns.index(c))}"

    def learn(self, con, table, schema) -> dict[str, Any]:
        state = super().learn(con, table, schema)
        exprs = ", ".join(f"min({quote(c)}::DOUBLE), max({quote(c)}::DOUBLE), "
                          f"coalesce(bool_and({quote(c)}::DOUBLE = round({quote(c)}::DOUBLE)), false)"
                          for c in self.columns)  # fmt: skip
        row = con.execute(f"SELECT {exprs} FROM {quote(table)}").fetchone()
        ranges = {c: [row[3 * i], row[3 * i + 1]] for i, c in enumerate(self.columns)}
        whole = [c for i, c in enumerate(self.columns) if row[3 * i + 2]]
        integer = [c for c in self.columns if _is_integer(schema[c])]
        return {**state, "range": ranges, "whole": whole, "integer": integer}

    def _filled(self, c: str) -> str:
        """SQL: the model's value for `c`, within the fitted range, rounded when the column holds whole numbers."""
        low, high = self.state.get("range", {}).get(c, [None, None])
        value = self._work(c)
        if low is not None:
            value = f"least(greatest({value}, {float(low)!r}), {float(high)!r})"
        return f"round({value})" if c in self.state.get("whole", []) else value

    def select(self, schema: dict[str, str]) -> Select:
        replace = {}
        for c in self.columns:
            kept = c in self.state.get("integer", []) and _is_integer(schema[c])
            cast = schema[c] if kept else "DOUBLE"
            replace[c] = Fragment(f"coalesce({column_ref(c)}::{cast}, CAST({self._filled(c)} AS {cast}))")
        return Select(self.keep(schema, replace, indicators(self, schema)))

    def notes(self, con, source: str, work: str) -> list[str]:
        """What the preview says of the filled values: how many the model put outside the fitted range."""
        out = []
        for c in self.columns:
            low, high = self.state.get("range", {}).get(c, [None, None])
            if low is None:
                continue
            below, above, filled = con.execute(
                f"SELECT count(*) FILTER ({self._work(c)} < ?), count(*) FILTER ({self._work(c)} > ?), count(*) "
                f"FROM {source} AS t JOIN {work} AS w ON w.{WORK_ROW} = t.rowid WHERE t.{quote(c)} IS NULL",
                [low, high]).fetchone()  # fmt: skip
            if below or above:
                out.append(f"{c}: {plural(below + above, 'filled value')} of {filled:,} fell outside the range the "
                           f"column held when fitted, {low:g} to {high:g} ({below:,} below, {above:,} above), and "
                           f"{'was' if below + above == 1 else 'were'} set to the nearest end of it.")  # fmt: skip
            if c in self.state.get("whole", []) and filled:
                out.append(f"{c} holds whole numbers only: its filled values are rounded to whole numbers.")
        return out

    def describe(self) -> str:
        return (f"{self.title} of {', '.join(self.columns)} ({self.sample_note()}); filled values kept within "
                "each column's range and rounded where it holds whole numbers")


def _is_integer(type_: str) -> bool:
    return type_.upper() in INTEGER_TYPES


class KnnImpute(Imputer):
    operation = "knn_impute"
    title = "Impute with nearest neighbours"
    explain = ("Fills each missing number with the mean of the k most similar complete rows (scikit-learn's "
               "KNNImputer): similar on the columns the row has, each column scaled first (minus its mean, divided "
               "by its standard deviation, learned here) so that a column of large numbers does not decide alone. "
               "Learns from a sample of this table's complete rows; on new data it uses the same learned rows.")
    PARAMS = (*Imputer.PARAMS_COMMON, Param("n_neighbors", "integer", "how many similar rows to average", 5))

    def fit_frame(self, con, table):
        """Complete rows only: they are the donors (see portable.knn_fill)."""
        complete = " AND ".join(f"{quote(c)} IS NOT NULL" for c in self.columns)
        frame, total = sample(con, table, self.columns, self.sample, where=complete)
        if len(frame) < self.n_neighbors:
            raise WorkbenchError(f"knn_impute needs at least {self.n_neighbors} rows with every chosen column "
                                 f"present; {table!r} has {len(frame)}.")
        return frame, total

    def make_estimator(self):
        from sklearn.impute import KNNImputer

        return KNNImputer(n_neighbors=self.n_neighbors)

    def fit_estimator(self, matrix):
        """KNNImputer on standardised columns; the centre and scale ride on the estimator (portable.knn_fill)."""
        center = np.nanmean(matrix, axis=0)
        scale = np.nanstd(matrix, axis=0)
        scale[~(scale > 0)] = 1.0
        estimator = self.make_estimator().fit((matrix - center) / scale)
        estimator.wb_center_, estimator.wb_scale_ = center, scale
        return estimator

    def describe(self) -> str:
        return super().describe() + "; distances on columns scaled to unit standard deviation"


class IterativeImpute(Imputer):
    operation = "iterative_impute"
    title = "Impute with a model of each column"
    explain = ("Predicts each missing number from the other chosen columns with a regression, in rounds "
               "(scikit-learn's IterativeImputer, like MICE). Learns from a sample of this table.")
    PARAMS = (*Imputer.PARAMS_COMMON, Param("max_iter", "integer", "rounds of regression", 10))

    def make_estimator(self):
        from sklearn.experimental import enable_iterative_imputer  # noqa: F401
        from sklearn.impute import IterativeImputer

        return IterativeImputer(max_iter=self.max_iter, random_state=0, keep_empty_features=True)


OPERATIONS = [FillMissing, DropMissing, KnnImpute, IterativeImpute]
