"""Which columns a model should use, how each is encoded, and why each other one is left out.

One SQL pass over the table gives, per column, its missing share, distinct
count, and for text the length and word count of its values and how many
parse as dates. From those a column is left out when it is the target (or the
group column), nearly always missing, constant, an identifier, free text, or a
date stored as text (its parts are only drawn from a real date column).

Leakage: every kept column is scored alone, a small decision tree fitted on
two thirds of a bounded sample and scored on the rest. A column that alone predicts the
target almost perfectly (or is a copy of it) is flagged and left out: a
score that good almost always means the column was filled in after the fact.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from workbench.metadata import column_types
from workbench.model import data
from workbench.model.pipeline import Columns, ColumnTypes, DateParts, target_values
from workbench.model.task import Task, Warning
from workbench.names import quote
from workbench.profile.stats import family
from workbench.settings import MODEL_LIMITS
from workbench.workspace import Workspace

ID_NAME = re.compile(r"(^|[_\s.-])(id|uuid|guid|key|index)$|^(id|uuid|guid|index)([_\s.-]|$)", re.IGNORECASE)
ID_CAMEL = re.compile(r"[a-z](Id|ID)$")  # PassengerId, userID (but not 'acid')
MIN_ROWS_FOR_ID = 20  # fewer rows: all-distinct values say little


@dataclass
class Features:
    """The suggested features by encoding, the columns left out with their reason, and leakage warnings."""

    columns: Columns
    excluded: dict[str, str] = field(default_factory=dict)  # column -> why it is left out
    warnings: list[Warning] = field(default_factory=list)
    leak_scores: dict[str, float] = field(default_factory=dict)  # column -> its score alone

    @property
    def used(self) -> list[str]:
        return self.columns.all

    def as_dict(self) -> dict[str, Any]:
        return {"used": self.used, "encoding": self.columns.as_dict(), "excluded": self.excluded,
                "warnings": [w.as_dict() for w in self.warnings]}  # fmt: skip


def suggest(ws: Workspace, table: str, task: Task, *, group: str | None = None,
            check_leaks: bool = True) -> Features:  # fmt: skip
    """The features to fit `task` on in `table`, with the reason for each column left out."""
    with ws.connect() as con:
        return suggest_on(con, ws.table(table, con).name, task, group=group, check_leaks=check_leaks)


def suggest_on(con: duckdb.DuckDBPyConnection, table: str, task: Task, *, group: str | None = None,
               check_leaks: bool = True) -> Features:  # fmt: skip
    types = column_types(con, table)
    stats = _column_stats(con, table, types, task.target)
    found = Features(Columns())
    for col, type_ in types.items():
        reason = _reason(col, type_, stats[col], task, group)
        if reason:
            found.excluded[col] = reason
            continue
        fam = family(type_)
        if fam in ("numeric", "boolean"):
            found.columns.numeric.append(col)
        elif fam == "temporal":
            found.columns.dates.append(col)
        elif stats[col]["distinct"] <= MODEL_LIMITS.one_hot_max:
            found.columns.categorical.append(col)
        elif task.target is None:
            found.excluded[col] = (f"many categories ({stats[col]['distinct']:,}): without a target they cannot be "
                                   "target-encoded, and one-hot would swamp the distances")  # fmt: skip
        else:
            found.columns.high_cardinality.append(col)
    if task.target is not None:
        for col in found.used:
            if stats[col].get("copy"):
                _leak(found, col, "copy_of_target", f"{col!r} is a copy of the target {task.target!r}: left out.")
        if check_leaks:
            _check_leaks(con, table, task, found)
    return found


def _column_stats(con, table: str, types: dict[str, str], target: str | None) -> dict[str, dict[str, Any]]:
    exprs: list[str] = ["count(*)"]
    keys: list[tuple[str, str]] = []
    for col, type_ in types.items():
        q, fam = quote(col), family(type_)
        exprs += [f"count({q})", f"count(DISTINCT {q})"]
        keys += [(col, "present"), (col, "distinct")]
        if fam == "numeric" and type_.upper() not in ("FLOAT", "DOUBLE", "REAL") and not type_.upper().startswith(
                "DECIMAL"):  # fmt: skip
            exprs += [f"max({q})::DOUBLE - min({q})::DOUBLE + 1"]
            keys += [(col, "span")]
        if fam == "text":
            exprs += [f"avg(length({q}))", f"avg(length({q}) - length(replace(trim({q}), ' ', '')) + 1)",
                      f"count(try_cast({q} AS TIMESTAMP))"]  # fmt: skip
            keys += [(col, "length"), (col, "words"), (col, "dates")]
        if target is not None and col != target and fam != "other":
            exprs.append(f"count(*) FILTER (WHERE {quote(target)} IS NOT NULL AND "
                         f"{q}::VARCHAR IS DISTINCT FROM {quote(target)}::VARCHAR) = 0")  # fmt: skip
            keys.append((col, "copy"))
    row = con.execute(f"SELECT {', '.join(exprs)} FROM {quote(table)}").fetchone()
    stats: dict[str, dict[str, Any]] = {col: {"rows": row[0]} for col in types}
    for (col, key), value in zip(keys, row[1:]):
        stats[col][key] = value
    return stats


def _reason(col: str, type_: str, s: dict[str, Any], task: Task, group: str | None) -> str | None:
    fam = family(type_)
    rows, present, distinct = s["rows"], s["present"], s["distinct"]
    if col == task.target:
        return "the target"
    if col == group:
        return "the group column: it decides the folds"
    if fam == "other":
        return f"its type {type_} has no encoder in the pipeline"
    missing = 1 - present / rows if rows else 1.0
    if missing > MODEL_LIMITS.max_missing:
        return f"too many missing values ({missing:.0%} of rows)"
    if distinct <= 1:
        return "constant: a single value" + (" besides missing ones" if present < rows else "")
    integer = "span" in s  # a float with a different value in every row is just a measurement
    if (integer or fam == "text") and distinct == present and present >= MIN_ROWS_FOR_ID:
        consecutive = s.get("span") == present
        plain_text = fam == "text" and (s.get("words") or 1) < 1.5
        if ID_NAME.search(col) or ID_CAMEL.search(col) or consecutive or plain_text:
            return "an identifier: a different value in every row, it cannot generalise"
    if fam == "text":
        if present and s["dates"] >= 0.9 * present:
            return "a date stored as text: convert it to a date in Clean so its parts (year, month, ...) can be used"
        if (s["words"] or 0) >= 4 or ((s["length"] or 0) > 30 and distinct > 0.5 * present):
            return "free text (long, mostly distinct values): the default pipeline has no text encoder"
    return None


def _leak(found: Features, col: str, kind: str, message: str) -> None:
    found.warnings.append(Warning(kind, col, message))
    found.excluded[col] = "leak: " + message
    for group in (found.columns.numeric, found.columns.categorical, found.columns.high_cardinality,
                  found.columns.dates):  # fmt: skip
        if col in group:
            group.remove(col)


def _check_leaks(con, table: str, task: Task, found: Features) -> None:
    """Score each feature alone: a small tree fitted on two thirds of a bounded sample, scored on the rest."""
    from sklearn.metrics import balanced_accuracy_score, r2_score
    from sklearn.model_selection import train_test_split
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
    from threadpoolctl import threadpool_limits

    candidates = found.used
    if not candidates:
        return
    rows = data.read(con, table, [*candidates, task.target], target=task.target, stratify=task.is_classification,
                     max_rows=MODEL_LIMITS.leak_rows)  # fmt: skip
    y = target_values(rows.frame[task.target], task.kind)
    if len(y) < 10:
        return
    classes = task.is_classification
    try:
        train, test = train_test_split(np.arange(len(y)), test_size=1 / 3, random_state=0,
                                       stratify=y if classes else None)  # fmt: skip
    except ValueError:  # a class too small to stratify
        train, test = train_test_split(np.arange(len(y)), test_size=1 / 3, random_state=0)
    types = ColumnTypes(numeric=found.columns.numeric,
                        categorical=[*found.columns.categorical, *found.columns.high_cardinality],
                        dates=found.columns.dates).transform(rows.frame)  # fmt: skip
    for col in candidates:
        if col in found.columns.dates:
            x = DateParts().fit(types[[col]]).transform(types[[col]]).to_numpy()
        elif col in found.columns.numeric:
            x = types[[col]].to_numpy(dtype=float)
        else:  # categories as codes: a tree splits them into groups, enough to see a leak
            x = pd.factorize(types[col], use_na_sentinel=True)[0].astype(float).reshape(-1, 1)
        tree = (DecisionTreeClassifier if classes else DecisionTreeRegressor)(max_depth=8, min_samples_leaf=3,
                                                                              random_state=0)  # fmt: skip
        with threadpool_limits(MODEL_LIMITS.threads), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree.fit(x[train], y[train])
            predicted = tree.predict(x[test])
        score = float(balanced_accuracy_score(y[test], predicted) if classes else r2_score(y[test], predicted))
        found.leak_scores[col] = score
        if score >= MODEL_LIMITS.leak_score:
            name = "balanced accuracy" if classes else "R²"
            _leak(found, col, "leak", f"{col!r} alone predicts {task.target!r} almost perfectly ({name} "
                                      f"{score:.3f} on held-out rows): it probably leaks the answer, so it is left "
                                      "out.")  # fmt: skip
