"""Missing values: drop rows, fill with a constant or a statistic (SQL), or impute with scikit-learn."""

from __future__ import annotations

from typing import Any

from workbench.clean.learned import SAMPLE, LearnedStep, sample
from workbench.clean.step import Fragment, Param, Select, Step, column_ref, free_column
from workbench.errors import WorkbenchError
from workbench.names import quote
from workbench.profile.stats import family

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
    """KNN or iterative imputation of numeric columns; the filled columns become DOUBLE."""

    PARAMS_COMMON = (Param("columns", "columns", "the numeric columns to impute (and to learn from)",
                           required=True), INDICATOR, SAMPLE)  # fmt: skip

    kind = "impute"

    def work_columns(self) -> list[tuple[str, str]]:
        return [(c, "DOUBLE") for c in self.columns]

    def select(self, schema: dict[str, str]) -> Select:
        replace = {c: Fragment(f"coalesce({column_ref(c)}::DOUBLE, w.{quote(c)})") for c in self.columns}
        return Select(self.keep(schema, replace, indicators(self, schema)))

    def describe(self) -> str:
        return f"{self.title} of {', '.join(self.columns)} ({self.sample_note()})"


class KnnImpute(Imputer):
    operation = "knn_impute"
    title = "Impute with nearest neighbours"
    explain = ("Fills each missing number with the mean of the k most similar complete rows (scikit-learn's "
               "KNNImputer): similar on the columns the row has. Learns from a sample of this table's complete "
               "rows; on new data it uses the same learned rows.")
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
