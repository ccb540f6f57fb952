"""What kind of problem a target column makes: binary, multiclass, regression, or clustering without one.

Detection reads the target's type and distinct values in DuckDB:
text and booleans are classes; a number column with two values is binary;
integers with few distinct values (at most `MAX_CLASSES`, and few per row) are
classes; other numbers are a regression. The user may override it. The
warnings say what would make the scores misleading: imbalance, classes too
small for the folds, rows dropped for a missing target.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb

from workbench.errors import WorkbenchError
from workbench.metadata import column_types
from workbench.names import quote
from workbench.profile.stats import family
from workbench.settings import MODEL_LIMITS
from workbench.workspace import Workspace

TASKS = ("binary", "multiclass", "regression", "clustering")
MAX_CLASSES = 20  # an integer target with more distinct values is a regression


@dataclass
class Warning:
    """Something that would mislead the scores. `kind` is stable (for the command line's JSON)."""

    kind: str  # imbalance | small_class | missing_target | leak | copy_of_target | few_folds
    column: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "column": self.column, "message": self.message}


@dataclass
class Task:
    kind: str  # one of TASKS
    target: str | None
    detected: str  # what detection said (differs from kind when overridden)
    rows: int  # rows with a target (all rows when clustering)
    missing_target: int = 0  # rows dropped because their target is missing
    classes: dict[Any, int] = field(default_factory=dict)  # label -> rows, most frequent first
    folds: int = MODEL_LIMITS.folds
    warnings: list[Warning] = field(default_factory=list)

    @property
    def is_classification(self) -> bool:
        return self.kind in ("binary", "multiclass")

    @property
    def imbalanced(self) -> bool:
        return any(w.kind == "imbalance" for w in self.warnings)

    def as_dict(self) -> dict[str, Any]:
        return {
            "task": self.kind,
            "target": self.target,
            "detected": self.detected,
            "rows": self.rows,
            "missing_target": self.missing_target,
            "classes": {str(k): v for k, v in self.classes.items()},
            "folds": self.folds,
            "warnings": [w.as_dict() for w in self.warnings],
        }


def detect(ws: Workspace, table: str, target: str | None = None, *, task: str | None = None,
           folds: int = MODEL_LIMITS.folds) -> Task:  # fmt: skip
    """The task for `target` in `table` (clustering when there is no target), `task` overriding detection."""
    with ws.connect() as con:
        return detect_on(con, ws.table(table, con).name, target, task=task, folds=folds)


def detect_on(con: duckdb.DuckDBPyConnection, table: str, target: str | None = None, *, task: str | None = None,
              folds: int = MODEL_LIMITS.folds) -> Task:  # fmt: skip
    if task is not None and task not in TASKS:
        raise WorkbenchError(f"Unknown task {task!r}; choose one of: {', '.join(TASKS)}.")
    types = column_types(con, table)
    if target is None:
        if task not in (None, "clustering"):
            raise WorkbenchError(f"A {task} task needs a target column: name the column to predict.")
        (rows,) = con.execute(f"SELECT count(*) FROM {quote(table)}").fetchone()
        return Task("clustering", None, "clustering", int(rows), folds=folds)
    if target not in types:
        raise WorkbenchError(f"{table!r} has no column {target!r}; its columns are: {', '.join(types)}.")
    if task == "clustering":
        raise WorkbenchError("Clustering uses no target: leave the target out to cluster.")
    q = quote(target)
    total, missing, distinct = con.execute(
        f"SELECT count(*), count(*) - count({q}), count(DISTINCT {q}) FROM {quote(table)}"
    ).fetchone()
    rows = int(total - missing)
    if rows == 0:
        raise WorkbenchError(f"The target {target!r} is missing in every row of {table!r}: there is nothing to learn.")
    detected = _detect(types[target], int(distinct), rows)
    kind = task or detected
    if kind in ("binary", "multiclass") and distinct < 2:
        raise WorkbenchError(f"The target {target!r} holds a single value: there is nothing to classify.")
    if kind == "binary" and distinct > 2:
        raise WorkbenchError(f"A binary task needs two classes; {target!r} holds {distinct}.")
    if kind == "regression" and family(types[target]) not in ("numeric", "boolean"):
        raise WorkbenchError(f"A regression needs a number target; {target!r} is {types[target]}.")
    found = Task(kind, target, detected, rows, int(missing), folds=folds)
    if missing:
        found.warnings.append(Warning("missing_target", target,
                                      f"{missing:,} rows have no {target!r}: they are left out of the fit."))
    if found.is_classification:
        counts = con.execute(
            f"SELECT {q}, count(*) AS n FROM {quote(table)} WHERE {q} IS NOT NULL GROUP BY 1 ORDER BY n DESC, 1"
        ).fetchall()
        found.classes = {k: int(n) for k, n in counts}
        _class_warnings(found)
    return found


def _detect(type_: str, distinct: int, rows: int) -> str:
    fam = family(type_)
    if fam in ("text", "boolean", "other", "temporal"):
        return "binary" if distinct <= 2 else "multiclass"
    if distinct <= 2:
        return "binary"
    integer = type_.upper() in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER",
                                "UBIGINT", "HUGEINT", "UHUGEINT")  # fmt: skip
    if integer and distinct <= MAX_CLASSES and distinct <= max(2, rows // 10):
        return "multiclass"
    return "regression"


def _class_warnings(task: Task) -> None:
    counts = list(task.classes.values())
    smallest, largest = min(counts), max(counts)
    small = min(task.classes, key=task.classes.get)
    if smallest < task.folds:
        task.warnings.append(Warning(
            "small_class", task.target,
            f"The class {small!r} has {smallest} rows, fewer than the {task.folds} folds: "
            f"cross-validation uses {max(2, smallest)} folds instead" + (
                "." if smallest >= 2 else ", and a class with one row cannot be validated: merge or drop it."),
        ))  # fmt: skip
        task.folds = max(2, smallest)
    if smallest < MODEL_LIMITS.imbalance * largest:
        task.warnings.append(Warning(
            "imbalance", task.target,
            f"The classes are imbalanced ({small!r}: {smallest:,} rows against {largest:,}): accuracy flatters a "
            "model that ignores the small class, so balanced accuracy and F1 lead.",
        ))  # fmt: skip
