"""The workbench from Python: the app's tables, recipes and models in a notebook or a script.

    import workbench
    ws = workbench.open()                  # the default workspace (WORKBENCH_HOME, else data/), or a folder
    ws.tables()                            # a DataFrame: name, rows, columns, source, parents
    train = ws.df("train")                 # a pandas DataFrame
    ws.add(features, "train_features")     # a new table, its provenance "added from Python"
    ws.clean("train", "fill_missing", columns=["age"], strategy="median")   # a new table, as Clean's Apply
    rec = ws.recipe("train_v3")            # the fitted Clean recipe that made a table
    clean_test = rec.apply(test_df)        # its fitted state applied to a DataFrame; rec.gaps says what was new
    rec.to_sklearn()                       # the same steps as a scikit-learn transformer that refits in `fit`
    model = ws.model("churn")              # a saved model; model.predict(clean_test)
    ws.profile("train")                    # the findings; an HTML table in Jupyter
    ws.show(frame)                         # the frame as a table, and the address of its Explore page
    ws.similar("wine", [12]).rows          # the rows most like wine 12, each distance split by column
    ws.recommenders("ratings", user="who", item="wine", rating="stars").table()   # the honest board
    ws.recommend("ratings", "ana", user="who", item="wine", rating="stars").items  # her top 10, with reasons

A thin face over the library the pages and the command use: every write goes through the same
code (one transaction, lineage, the workspace's lock handling), so a table added here appears in
the open app at its next rerun. Nothing here holds the workspace file between calls: a notebook
never stops the app from writing, and a call that must wait for the app says so on stderr.
Errors are `WorkbenchError`, with the app's messages.
"""

from __future__ import annotations

import inspect
import sys
import uuid
from html import escape
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from workbench import metadata
from workbench.errors import WorkbenchError
from workbench.names import quote, table_columns, table_name_from
from workbench.workspace import Workspace

PYTHON = "python"  # the source_kind of a table added from Python


def open(home: str | Path | None = None) -> Workbench:  # noqa: A001 - `workbench.open()` reads as intended
    """The workspace in `home` (a folder; created if new), or the default one."""
    return Workbench(home)


def _say_waiting(holder: str) -> None:
    print(f"Waiting for the workspace: another process is using it ({holder}). This call goes on when it is free.",
          file=sys.stderr)  # fmt: skip


class Workbench:
    """One workspace seen from Python. Every method opens the workspace for its own call only."""

    def __init__(self, home: str | Path | None = None):
        self.workspace = Workspace(home, on_wait=_say_waiting)

    def __repr__(self) -> str:
        return f"<workbench {self.workspace.home}>"

    # -- reading -------------------------------------------------------------------------------

    def tables(self) -> pd.DataFrame:
        """Every table: name, rows, columns, where it came from, its parents."""
        rows = [{"name": t.name, "rows": t.rows, "columns": t.columns, "source": t.source, "parents": t.parents}
                for t in self.workspace.tables()]  # fmt: skip
        return pd.DataFrame(rows, columns=["name", "rows", "columns", "source", "parents"])

    def df(self, name: str, limit: int | None = None) -> pd.DataFrame:
        """The table as a pandas DataFrame, rows in the table's order (the first `limit` of them if given)."""
        with self.workspace.connect(read_only=True) as con:
            table = self.workspace.table(name, con).name
            limited = " LIMIT ?" if limit is not None else ""
            return con.execute(f"SELECT * FROM {quote(table)}{limited}", [limit] if limit is not None else []).df()

    def relation(self, name: str) -> duckdb.DuckDBPyRelation:
        """The table as a DuckDB relation, on a private in-memory copy: the workspace stays free for the app
        to write while you query it (DuckDB lets one process at a time hold a database file)."""
        frame = self.df(name)
        con = duckdb.connect()
        con.register("copied", frame)
        con.execute(f"CREATE TABLE {quote(name)} AS SELECT * FROM copied").fetchall()
        con.unregister("copied")
        return con.table(quote(name))

    # -- writing -------------------------------------------------------------------------------

    def add(self, frame: pd.DataFrame, name: str, *, replace: bool = False) -> str:
        """Store `frame` as a new table; returns its name (made safe to type in SQL: `Sales 2024` → `sales_2024`).

        With `replace=True` a table of that name that was itself added from Python (and has no tables made
        from it) is replaced: re-running a notebook cell does not pile up copies. Nothing else is ever replaced.
        """
        if not isinstance(frame, pd.DataFrame):
            raise WorkbenchError(f"add() stores a pandas DataFrame, not {type(frame).__name__}.")
        frame = frame.copy(deep=False)
        frame.columns = table_columns(frame.columns)  # as an import names them
        frame = frame.reset_index(drop=True)
        ws = self.workspace
        caller = _caller()
        with ws.connect() as con:
            safe = table_name_from(name)
            existing = metadata.list_tables(con, safe)
            if existing and not replace:
                raise WorkbenchError(f"A table named {safe!r} already exists: choose another name, or pass "
                                     "replace=True to replace a table you added from Python.")  # fmt: skip
            if existing:
                _check_replaceable(con, existing[0])
            view = f"_wb_frame_{uuid.uuid4().hex[:8]}"
            con.register(view, frame)
            try:
                with ws.transaction(con):
                    if existing:
                        con.execute(f"DROP TABLE {quote(safe)}")
                        metadata.forget(con, safe)
                    try:
                        con.execute(f"CREATE TABLE {quote(safe)} AS SELECT * FROM {view}").fetchall()
                    except duckdb.Error as exc:
                        raise WorkbenchError(f"The DataFrame cannot be stored as a table: {exc}") from None
                    metadata.record_table(con, safe, source_kind=PYTHON, operation="add",
                                          source_detail={"caller": caller} if caller else {})  # fmt: skip
            finally:
                con.unregister(view)
        return safe

    def clean(self, table: str, operation: str, **params: Any) -> str:
        """Apply one cleaning step to `table` (as the Clean page's Apply does): a new table, whose name is
        returned; `table` is never changed. The operations: `workbench clean operations`."""
        from workbench import clean

        return clean.apply(self.workspace, table, clean.make(operation, **params)).name

    # -- recipes, models, profiles ----------------------------------------------------------------

    def recipe(self, name: str) -> Recipe:
        """The fitted Clean recipe that made table `name`."""
        from workbench.clean import recipe as recipes
        from workbench.clean.learned import LearnedStep

        made = recipes.recipe(self.workspace, name)
        if not made.steps:
            raise WorkbenchError(f"{name!r} was not made by cleaning steps: there is no recipe.")
        for step in made.steps:
            if isinstance(step, LearnedStep):
                step.load_estimator(self.workspace.home)
        return Recipe(made)

    def model(self, name: str) -> Model:
        """A saved model (`workbench model --save NAME`, or Save on the Model page), loaded after checking its
        SHA-256 and that it holds only trusted types."""
        from workbench.model import persist

        return Model(persist.load(self.workspace, name))

    def profile(self, name: str) -> Profile:
        """Explore's profile of a table: statistics per column and the findings."""
        from workbench.profile import profile_table

        return Profile(profile_table(self.workspace, name))

    # -- similar rows, recommendations --------------------------------------------------------------

    def similar(self, table: str, to: Any, **options: Any) -> Any:
        """The rows of `table` most like the reference row(s) `to` (ids of `id_column`, else row numbers from 1),
        as the Similar page finds them: `.rows`, `.contributions` (each row's distance split by column), `.notes`.
        Options: id_column, columns, exclude, weights, k, where, scaling, categorical (see `similar.find`)."""
        from workbench import similar

        return similar.find(self.workspace, table, to, **options)

    def recommenders(self, table: str, **columns: Any) -> Any:
        """The Recommend page's board on a table of ratings: baselines and learned models on per-user splits.
        Columns: user, item, and optionally rating (none: implicit feedback), time, title; also k, models."""
        from workbench import recommend

        return recommend.evaluate(self.workspace, table, **columns)

    def recommend(self, table: str, who: Any, **columns: Any) -> Any:
        """The top k items user `who` has not rated, each with its `because` (`.items`), beside their ratings
        (`.rated`); `.method` says which model answered. Columns as for `recommenders`, and k, model."""
        from workbench import recommend

        return recommend.for_user(self.workspace, table, who=who, **columns)

    def show(self, frame: pd.DataFrame | str, name: str = "scratch") -> str:
        """Open a table (or a DataFrame, stored first as `name`) on the app's Explore page; returns the address.

        The app already running on this workspace is used, else one is started on a free port."""
        from workbench import running

        table = frame if isinstance(frame, str) else self.add(frame, name, replace=True)
        table = self.workspace.table(table).name
        url = running.explore_url(self.workspace.home, table)
        print(f"{table}: {url}")
        return url


def _check_replaceable(con: duckdb.DuckDBPyConnection, info: metadata.TableInfo) -> None:
    if info.source_kind != PYTHON:
        raise WorkbenchError(f"{info.name!r} was not added from Python ({info.source}): it is never replaced. "
                             "Choose another name.")  # fmt: skip
    children = metadata.dependents(con, info.name)
    if children:
        raise WorkbenchError(f"{info.name!r} is the parent of {', '.join(children)}: it cannot be replaced.")


def _caller() -> str | None:
    """The notebook or script that called into the workbench, for the table's provenance."""
    main = sys.modules.get("__main__")
    notebook = getattr(main, "__session__", None)  # Jupyter sets it to the notebook's path
    if isinstance(notebook, str) and notebook:
        return notebook
    here = Path(__file__).resolve().parent
    for frame in inspect.stack()[2:]:
        path = Path(frame.filename)
        if path.suffix == ".py" and here not in path.resolve().parents and path.is_file():
            return str(path)
    return None


class Recipe:
    """A fitted recipe: `apply` cleans a DataFrame with what the steps learned (never refitting)."""

    def __init__(self, made: Any):
        from workbench.clean.transformer import RecipeTransformer

        self.root, self.steps, self.tables = made.root, made.steps, made.tables
        self._made = made
        self._fitted = RecipeTransformer.from_fitted(made.steps)
        self.gaps = pd.DataFrame(columns=["step", "gap"])

    def __repr__(self) -> str:
        lines = [f"Recipe from {self.root!r}, {len(self.steps)} step{'s' if len(self.steps) != 1 else ''}:"]
        lines += [f"  {i}. {s.describe()}" for i, s in enumerate(self.steps, start=1)]
        return "\n".join(lines)

    def apply(self, frame: pd.DataFrame) -> pd.DataFrame:
        """`frame` cleaned by the fitted steps, as `workbench clean replay` would clean a table; what it holds
        that the fit never saw is in `self.gaps` afterwards."""
        out = self._fitted.transform(frame)
        self.gaps = pd.DataFrame([g.split(": ", 1) for g in self._fitted.gaps_], columns=["step", "gap"])
        return out

    def to_sklearn(self) -> Any:
        """The steps as an unfitted scikit-learn transformer: `fit` refits them (inside each fold of a
        cross-validation), `transform` applies them."""
        return self._made.to_sklearn()


class Model:
    """A saved model: `predict` and `predict_proba` take a DataFrame holding its feature columns."""

    def __init__(self, fitted: Any):
        self.fitted = fitted
        self.pipeline = fitted.pipeline
        self.target, self.features, self.task = fitted.target, fitted.features, fitted.task

    def __repr__(self) -> str:
        return (f"<model {self.fitted.saved['name']!r}: {self.fitted.model} predicting {self.target!r} "
                f"({self.task}) from {len(self.features)} columns of {self.fitted.trained_on!r}>")  # fmt: skip

    def _rows(self, frame: pd.DataFrame) -> pd.DataFrame:
        missing = [c for c in self.features if c not in frame.columns]
        if missing:
            raise WorkbenchError(f"The rows lack the column{'s' if len(missing) > 1 else ''} "
                                 f"{', '.join(map(repr, missing))} the model needs.")  # fmt: skip
        return frame[self.features]

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        return self.pipeline.predict(self._rows(frame))

    def predict_proba(self, frame: pd.DataFrame) -> pd.DataFrame:
        """One column per class, named by the class."""
        if not hasattr(self.pipeline, "predict_proba"):
            raise WorkbenchError(f"This model predicts numbers ({self.task}): it has no class probabilities.")
        proba = self.pipeline.predict_proba(self._rows(frame))
        return pd.DataFrame(proba, columns=list(self.pipeline.classes_), index=frame.index)

    def _repr_html_(self) -> str:
        return self.pipeline._repr_html_()


class Profile:
    """A table's profile: `findings` and `columns` as DataFrames; an HTML table of the findings in Jupyter."""

    def __init__(self, profile: Any):
        self.raw = profile
        self.table, self.rows = profile.table, profile.rows
        self.findings = pd.DataFrame(
            [{"kind": f.kind, "column": f.column, "severity": f.severity, "rows": f.count, "message": f.message,
              "suggestion": f.suggestion} for f in profile.findings],
            columns=["kind", "column", "severity", "rows", "message", "suggestion"],
        )  # fmt: skip
        self.columns = pd.DataFrame(
            [{"column": c.name, "type": c.type, "semantic_type": c.semantic, **c.stats} for c in profile.columns]
        )

    def __repr__(self) -> str:
        return f"<profile of {self.table!r}: {self.rows:,} rows, {len(self.findings)} findings>"

    def _repr_html_(self) -> str:
        head = f"<p><b>{escape(self.table)}</b>: {self.rows:,} rows, {len(self.findings)} findings</p>"
        return head + self.findings.to_html(index=False, escape=True)
