"""Predicting with a fitted model on any table that has its columns, and the Kaggle submission file.

    fitted = persist.load(ws, "titanic_hgb")
    made = predict.predict(ws, fitted, "test", id_column="PassengerId")   # a new table with lineage
    sub = predict.submission(ws, made.name, "test", id_column="PassengerId", sample_submission="gender_submission")
    sub.problems          # [] when Kaggle's parser will accept it
    sub.write("submission.csv")

Rows are read from DuckDB in batches of `predict_batch_rows` (a Cancel waits
for one batch at most); the predictions table is written in one transaction:
a missing column or a Cancel writes nothing.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench.errors import Cancelled, WorkbenchError
from workbench.jobs import Progress
from workbench.metadata import TableInfo, column_types, dependents, forget, list_tables
from workbench.model import persist
from workbench.model.persist import FittedModel
from workbench.model.pipeline import MODELS
from workbench.names import quote
from workbench.settings import MODEL_LIMITS
from workbench.words import plural
from workbench.workspace import Workspace


def predict(
    ws: Workspace,
    model: FittedModel | str,
    table: str,
    *,
    name: str | None = None,
    id_column: str | None = None,
    replace: str | None = None,
    on_progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> TableInfo:
    """Write a table of predictions for every row of `table`: the id column if named, the prediction
    (named as the target) and, for classes, the probability of each (`proba_<class>`). `replace` names an earlier
    predictions table (see `previous`) that the new one replaces, under its name, in the same transaction."""
    from threadpoolctl import threadpool_limits

    fitted = persist.load(ws, model) if isinstance(model, str) else model
    with ws.connect() as con, con.cursor() as cur:
        source = ws.table(table, cur).name
        schema = column_types(cur, source)
        missing = [c for c in fitted.features if c not in schema]
        if id_column is not None and id_column not in schema:
            missing.append(id_column)
        if missing:
            raise WorkbenchError(f"{source!r} lacks the column{'s' if len(missing) > 1 else ''} "
                                 f"{', '.join(map(repr, missing))} the model needs: nothing was written.")  # fmt: skip
        if replace is not None:
            old = ws.table(replace, cur)
            if old.operation != "predict" or old.parents != [source]:
                raise WorkbenchError(f"{replace!r} is not a predictions table made from {source!r}: it is not "
                                     "replaced, and nothing was written.")  # fmt: skip
        out_name = replace or ws.free_name(name or f"{source}_predictions", cur)
        work = f"_wb_pred_{uuid.uuid4().hex[:8]}"
        keep = [id_column] if id_column else []
        cols = ", ".join(quote(c) for c in dict.fromkeys([*keep, *fitted.features]))
        cur.execute(f"CREATE TEMP TABLE {work}_in AS SELECT row_number() OVER () AS __wb_row, {cols} "
                    f"FROM {quote(source)}")  # fmt: skip
        (total,) = cur.execute(f"SELECT count(*) FROM {work}_in").fetchone()
        step = MODEL_LIMITS.predict_batch_rows
        created = False
        for start in range(0, max(total, 1), step):
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            frame = cur.execute(f"SELECT * FROM {work}_in WHERE __wb_row > ? AND __wb_row <= ? ORDER BY __wb_row",
                                [start, start + step]).df()  # fmt: skip
            if frame.empty:
                break
            with threadpool_limits(MODEL_LIMITS.threads):
                batch = _predict_frame(fitted, frame)
            cur.register("__wb_batch", batch)
            try:
                if created:
                    cur.execute(f"INSERT INTO {work} SELECT * FROM __wb_batch")
                else:
                    cur.execute(f"CREATE TEMP TABLE {work} AS SELECT * FROM __wb_batch")
                    created = True
            finally:
                cur.unregister("__wb_batch")
            if on_progress is not None:
                on_progress(min(start + step, total) / max(total, 1),
                            f"predicting with {MODELS[fitted.model].spoken}")  # fmt: skip
        outputs = [c for c in cur.execute(f"DESCRIBE {work}").fetchall() if c[0] != "__wb_row"] if created else []
        select = ", ".join([*(f"i.{quote(c)}" for c in keep), *(f"p.{quote(c[0])}" for c in outputs)])
        params = {"model": fitted.model, "task": fitted.task, "target": fitted.target, "features": fitted.features,
                  "saved": fitted.saved, "id_column": id_column}  # fmt: skip
        with ws.transaction(cur):
            if replace:
                cur.execute(f"DROP TABLE IF EXISTS {quote(replace)}")
                forget(cur, replace)
            info = ws.create_table_as(
                cur, out_name,
                f"SELECT {select} FROM {work}_in i JOIN {work} p USING (__wb_row) ORDER BY __wb_row",
                source_kind="step", operation="predict", parents=[source], parameters=params,
                sql=f"-- predictions of the {fitted.model} model ({fitted.target}) on {source}",
            )  # fmt: skip
        return info


def previous(ws: Workspace, model: str, target: str, table: str) -> str | None:
    """The newest predictions table an earlier Predict wrote from `table` with the same kind of model and target,
    that nothing was made from since: what a new Predict offers to replace rather than pile up beside it."""
    with ws.connect(read_only=True) as con:
        found = [t for t in list_tables(con) if t.operation == "predict" and t.parents == [table]
                 and t.parameters.get("model") == model and t.parameters.get("target") == target
                 and not dependents(con, t.name)]  # fmt: skip
    found.sort(key=lambda t: t.created_at or 0)
    return found[-1].name if found else None


def recipe_advice(ws: Workspace, trained_on: str | None, table: str, target: str | None) -> str | None:
    """Why `table` should be cleaned with the recipe of `trained_on` before predicting, when it should: the model
    learnt from a cleaned version and `table` is raw (no step made it) with the columns of the recipe's first
    table (the target aside). None otherwise: no recipe, or `table` is itself a cleaned version."""
    from workbench.clean import recipe

    if not trained_on:
        return None
    try:
        with ws.connect(read_only=True) as con:
            made = recipe.read(con, trained_on)
            if not made.steps or ws.table(table, con).source_kind == "step":
                return None
            needed = set(column_types(con, made.root)) - set(column_types(con, table)) - {target}
    except WorkbenchError:  # a table gone since: nothing to advise
        return None
    if needed:
        return None
    return (f"{table!r} looks raw: it has the columns of {made.root!r}, and the model learnt from {trained_on!r}, "
            f"which {plural(len(made.steps), 'cleaning step')} made from {made.root!r}. Without the recipe the "
            "model predicts from values those steps would have changed (values it never saw in training), and "
            f"those predictions can be wrong; with it, {table!r} is cleaned the same way first.")


def _predict_frame(fitted: FittedModel, frame: pd.DataFrame) -> pd.DataFrame:
    X = frame[fitted.features]
    out = pd.DataFrame({"__wb_row": frame["__wb_row"].to_numpy()})
    predicted = fitted.pipeline.predict(X)
    out[fitted.target] = predicted
    if fitted.task in ("binary", "multiclass") and hasattr(fitted.pipeline, "predict_proba"):
        proba = fitted.pipeline.predict_proba(X)
        for i, label in enumerate(fitted.pipeline.classes_):
            out[f"proba_{label}"] = proba[:, i]
    return out


def predict_frame(fitted: FittedModel, frame: pd.DataFrame) -> np.ndarray:
    """Plain predictions for a frame holding the model's feature columns."""
    missing = [c for c in fitted.features if c not in frame.columns]
    if missing:
        raise WorkbenchError(f"The rows lack the column(s) {', '.join(map(repr, missing))} the model needs.")
    return fitted.pipeline.predict(frame[fitted.features])


# -- Kaggle submission ---------------------------------------------------------------------------


@dataclass
class Submission:
    frame: pd.DataFrame
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def csv(self) -> bytes:
        """The file's bytes, only when every check passed."""
        if self.problems:
            raise WorkbenchError("The submission would be rejected: " + "; ".join(self.problems))
        return self.frame.to_csv(index=False).encode()

    def write(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_bytes(self.csv())
        return path


def check_submission(frame: pd.DataFrame, *, id_column: str, target_columns: list[str], test_ids: pd.Series,
                     sample_header: list[str] | None = None) -> list[str]:  # fmt: skip
    """Why Kaggle would reject `frame`; an empty list when it would not."""
    problems: list[str] = []
    expected = [id_column, *target_columns]
    header = list(frame.columns)
    if header != expected:
        problems.append(f"the columns must be exactly {expected}, not {header}")
    if sample_header is not None and header != list(sample_header):
        problems.append(f"the header {header} does not match the sample submission's {list(sample_header)}")
    if id_column not in frame.columns:
        return problems
    ids = frame[id_column]
    if ids.isna().any():
        problems.append(f"{int(ids.isna().sum())} rows have no {id_column}")
    dup = ids[ids.duplicated(keep=False) & ids.notna()].unique()
    if len(dup):
        problems.append(f"{len(dup)} ids appear more than once (e.g. {_examples(dup)})")
    wanted = set(test_ids.dropna().tolist())
    have = set(ids.dropna().tolist())
    if wanted - have:
        problems.append(f"{len(wanted - have)} test ids are missing (e.g. {_examples(sorted(wanted - have, key=str))})")
    if have - wanted:
        problems.append(f"{len(have - wanted)} ids are not in the test table (e.g. "
                        f"{_examples(sorted(have - wanted, key=str))})")  # fmt: skip
    for col in target_columns:
        if col in frame.columns and frame[col].isna().any():
            problems.append(f"{int(frame[col].isna().sum())} rows have no prediction in {col!r}")
    return problems


def _examples(values: Any, n: int = 3) -> str:
    return ", ".join(repr(v.item() if hasattr(v, "item") else v) for v in list(values)[:n])


def sample_submission_table(ws: Workspace, table: str | None = None) -> str | None:
    """The sample submission of the Kaggle competition `table` comes from (by its provenance); else the
    table named like one (sample_submission, gender_submission...) when exactly one is: its header is
    the one Kaggle expects."""
    from workbench.kaggle.importer import competition_source, sample_submission_of  # loaded only when asked

    if table is not None and competition_source(ws, table) is not None:
        return sample_submission_of(ws, table)  # its own competition's, never another one's
    names = [t.name for t in ws.tables() if t.name != table]
    found = [n for n in names if "submission" in n.lower() and not n.lower().endswith("_predictions")]
    return found[0] if len(found) == 1 else None


def submission(ws: Workspace, predictions: str, test_table: str, *, id_column: str,
               target_columns: list[str] | None = None,
               sample_submission: str | None = None) -> Submission:  # fmt: skip
    """The submission frame from a predictions table, checked against the test table's ids (and the
    sample submission's header when given). Its `csv()` / `write()` refuse while a problem remains."""
    with ws.connect() as con:
        pred = ws.table(predictions, con).name
        test = ws.table(test_table, con).name
        pred_cols = list(column_types(con, pred))
        if target_columns is None:
            info = ws.table(pred, con)
            target = info.parameters.get("target")
            target_columns = [target] if target in pred_cols else [c for c in pred_cols if c != id_column][:1]
        header = None
        if sample_submission is not None:
            header = list(column_types(con, ws.table(sample_submission, con).name))
        if id_column not in column_types(con, test):
            raise WorkbenchError(f"The test table {test!r} has no id column {id_column!r}.")
        # the labels as the workspace holds them (a BOOLEAN target writes true/false, an INTEGER one 0/1), not as
        # pandas would print its own types (True, 0.0)
        wanted = [quote(id_column) if c == id_column else f"CAST({quote(c)} AS VARCHAR) AS {quote(c)}"
                  for c in [id_column, *target_columns] if c in pred_cols]  # fmt: skip
        frame = con.execute(f"SELECT {', '.join(wanted)} FROM {quote(pred)}").df()
        test_ids = con.execute(f"SELECT {quote(id_column)} FROM {quote(test)}").df()[id_column]
    problems = check_submission(frame, id_column=id_column, target_columns=target_columns, test_ids=test_ids,
                                sample_header=header)  # fmt: skip
    missing = [c for c in [id_column, *target_columns] if c not in pred_cols]
    if missing:
        problems.insert(0, f"the predictions table {pred!r} has no column {', '.join(map(repr, missing))}")
    return Submission(frame, problems)
