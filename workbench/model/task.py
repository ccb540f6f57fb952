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

    kind: str  # imbalance | small_class | missing_target | leak | copy_of_target | few_folds | many_features
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
    refusal: str | None = None  # why no model can be cross-validated on this target, said before any fit

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
            "refusal": self.refusal,
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
    elif rows < 2:
        found.refusal = (f"Too few rows to cross-validate: {_rows(rows)} with a target, and a regression needs at "
                         "least 2, to learn from one and test on the other.")  # fmt: skip
    elif rows < folds:
        found.folds = rows
        found.warnings.append(Warning("few_folds", target, f"Only {_rows(rows)} with a target: cross-validation "
                                                           f"uses {rows} folds instead of {folds}."))  # fmt: skip
    return found


def _rows(n: int) -> str:
    return f"{n:,} row" if n == 1 else f"{n:,} rows"


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
    if smallest < 2:
        rare = [k for k, n in task.classes.items() if n < 2]
        shown = ", ".join(f"{k!r}: {_rows(n)}" for k, n in list(task.classes.items())[:12])
        more = f" and {len(task.classes) - 12:,} more" if len(task.classes) > 12 else ""
        task.refusal = (
            f"Too few rows per class to cross-validate: {len(rare):,} of the {len(task.classes):,} classes "
            f"{'has' if len(rare) == 1 else 'have'} a single row ({', '.join(map(repr, rare[:5]))}), and every "
            f"class needs at least 2 rows, one to learn from and one to test on (at least {task.folds} for "
            f"{task.folds} folds). The classes of {task.target!r} in {task.rows:,} rows: {shown}{more}. Merge the "
            "rare classes or filter their rows out (Clean), or choose another target.")  # fmt: skip
        return
    if smallest < task.folds:
        task.warnings.append(Warning(
            "small_class", task.target,
            f"The class {small!r} has {_rows(smallest)}, fewer than the {task.folds} folds: cross-validation uses "
            f"{smallest} folds instead.",
        ))  # fmt: skip
        task.folds = smallest
    if smallest < MODEL_LIMITS.imbalance * largest:
        task.warnings.append(Warning(
            "imbalance", task.target,
            f"The classes are imbalanced ({small!r}: {smallest:,} rows against {largest:,}): accuracy flatters a "
            "model that ignores the small class, so balanced accuracy and F1 lead.",
        ))  # fmt: skip
