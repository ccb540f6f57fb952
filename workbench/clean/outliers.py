"""Outliers: fences on one column (IQR, MAD) in SQL, or a model of several columns (scikit-learn).

First flag, look, then decide: `action` flags the rows in a new column, removes
them, caps values at the fitted fences (winsorising) or sets them to NULL.
"""

from __future__ import annotations

from typing import Any

from workbench.clean.learned import SAMPLE, LearnedStep, sample
from workbench.clean.step import Fragment, Param, Select, Step, column_ref, free_column, work_column
from workbench.errors import WorkbenchError
from workbench.names import quote

ACTIONS = ("flag", "remove", "cap", "null")
MAD_SCALE = 0.6745  # makes the MAD comparable to a standard deviation on normal data (Iglewicz and Hoaglin)


class Fences(Step):
    operation = "outliers"
    title = "Outliers of one column"
    column_family = "numeric"
    explain = ("Finds values far from the bulk of one column. IQR: beyond k times the interquartile range "
               "(the spread of the middle half) outside the quartiles; k = 3 marks only far-out values. "
               "MAD: a robust z-score above the threshold (3.5 is usual). The fences are learned from this "
               "table and reused on new data.")
    PARAMS = (Param("column", "column", "the numeric column", required=True),
              Param("method", "choice", "iqr or mad", "iqr", ("iqr", "mad")),
              Param("k", "number", "iqr: how many interquartile ranges beyond the quartiles", 3.0),
              Param("threshold", "number", "mad: the robust z-score above which a value is an outlier", 3.5),
              Param("action", "choice", "flag (new column), remove the rows, cap at the fences, or set to NULL",
                    "flag", ACTIONS))  # fmt: skip

    def learn(self, con, table, schema) -> dict[str, Any]:
        c = f"{quote(self.column)}::DOUBLE"
        q1, median, q3 = con.execute(
            f"SELECT quantile_cont({c}, 0.25), median({c}), quantile_cont({c}, 0.75) FROM {quote(table)}"
        ).fetchone()
        if median is None:
            raise WorkbenchError(f"{self.column!r} has no values to learn fences from.")
        if self.method == "iqr":
            low, high = q1 - self.k * (q3 - q1), q3 + self.k * (q3 - q1)
        else:
            (mad,) = con.execute(f"SELECT median(abs({c} - ?)) FROM {quote(table)}", [median]).fetchone()
            if not mad:
                raise WorkbenchError(f"Half the values of {self.column!r} are equal: the MAD is 0, use iqr.")
            spread = self.threshold * mad / MAD_SCALE
            low, high = median - spread, median + spread
        return {"fences": [float(low), float(high)]}

    def outside(self) -> Fragment:
        low, high = self.state["fences"]
        return Fragment(f"({column_ref(self.column)} < ? OR {column_ref(self.column)} > ?)", [low, high])

    def select(self, schema: dict[str, str]) -> Select:
        c, out = column_ref(self.column), self.outside()
        low, high = self.state["fences"]
        if self.action == "flag":
            flag = Fragment(f"coalesce({out.sql}, false)", out.params)
            return Select(self.keep(schema, add=[(free_column(schema, f"{self.column}_outlier"), flag)]))
        if self.action == "remove":
            return Select(self.keep(schema), where=Fragment(f"NOT coalesce({out.sql}, false)", out.params))
        if self.action == "cap":
            capped = Fragment(f"CASE WHEN {c} IS NULL THEN NULL ELSE greatest(least({c}, ?), ?) END", [high, low])
            return Select(self.keep(schema, {self.column: capped}))
        return Select(self.keep(schema, {self.column: Fragment(f"CASE WHEN {out.sql} THEN NULL ELSE {c} END",
                                                               out.params)}))  # fmt: skip

    def describe(self) -> str:
        low, high = self.state["fences"]
        verb = {"flag": "Flag", "remove": "Remove", "cap": "Cap", "null": "Set to NULL"}[self.action]
        return f"{verb} values of {self.column} outside [{low:g}, {high:g}] ({self.method})"


class OutlierModel(LearnedStep):
    operation = "outlier_model"
    title = "Outliers across several columns"
    explain = ("Finds rows that are unusual as a whole, even when each value alone looks normal. Isolation "
               "forest: rows that random splits isolate quickly. Local outlier factor: rows in sparser "
               "neighbourhoods than their neighbours'. `contamination` is the share of rows expected to be "
               "outliers ('auto' lets the method decide). Rows with a missing value are not scored.")
    PARAMS = (Param("columns", "columns", "the numeric columns to look at together", required=True),
              Param("method", "choice", "isolation_forest or lof", "isolation_forest", ("isolation_forest", "lof")),
              Param("contamination", "text", "expected share of outliers, e.g. 0.01, or auto", "auto"),
              Param("action", "choice", "flag (new column) or remove the rows", "flag", ("flag", "remove")),
              SAMPLE)  # fmt: skip

    def validate(self) -> None:
        if self.contamination != "auto":
            try:
                share = float(self.contamination)
            except ValueError:
                share = -1.0
            if not 0 < share <= 0.5:
                raise WorkbenchError("contamination is 'auto' or a share of rows between 0 and 0.5, e.g. 0.01.")

    def make_estimator(self):
        contamination = "auto" if self.contamination == "auto" else float(self.contamination)
        if self.method == "isolation_forest":
            from sklearn.ensemble import IsolationForest

            return IsolationForest(contamination=contamination, random_state=0)
        from sklearn.neighbors import LocalOutlierFactor
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        return make_pipeline(StandardScaler(), LocalOutlierFactor(novelty=True, contamination=contamination))

    def fit_frame(self, con, table):
        complete = " AND ".join(f"{quote(c)} IS NOT NULL" for c in self.columns)
        return sample(con, table, self.columns, self.sample, where=complete)

    kind = "outliers"

    def work_columns(self) -> list[tuple[str, str]]:
        return [(work_column(0), "BOOLEAN")]

    def select(self, schema: dict[str, str]) -> Select:
        if self.action == "remove":
            return Select(self.keep(schema), where=Fragment(f"NOT coalesce(w.{work_column(0)}, false)"))
        return Select(self.keep(schema, add=[(free_column(schema, "outlier"), Fragment(f"w.{work_column(0)}"))]))

    def describe(self) -> str:
        verb = "Flag" if self.action == "flag" else "Remove"
        return f"{verb} outlying rows of {', '.join(self.columns)} ({self.method}, {self.sample_note()})"


OPERATIONS = [Fences, OutlierModel]
