"""Which columns a model should use, how each is encoded, and why each other one is left out.

One SQL pass over the table gives, per column, its missing share, distinct
count, and for text the length and word count of its values and how many
parse as dates. From those a column is left out when it is the target (or the
group column), nearly always missing, constant, an identifier, free text, or a
date stored as text (its parts are only drawn from a real date column).

Over `MODEL_LIMITS.max_features` usable columns (a Kaggle table of 5,000), only those scoring best alone
are kept, with a warning saying so.

Leakage: every kept column is scored alone on a bounded sample, each held-out
row predicted from the training rows with the same (or the nearest) value. A
column that alone predicts the target almost perfectly (or is a copy of it) is
flagged and left out: a score that good almost always means the column was
filled in after the fact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from workbench.metadata import column_types
from workbench.model import data
from workbench.model.pipeline import Columns, ColumnTypes, target_values
from workbench.model.task import Task, Warning
from workbench.names import quote
from workbench.profile import semantic
from workbench.profile.stats import family
from workbench.settings import MODEL_LIMITS
from workbench.workspace import Workspace

IDENTIFIER = "an identifier: a different value in every row, it cannot generalise"


# the reason a free-text column is left out: the one reason the user can undo, by choosing it as text
FREE_TEXT = "free text (long, mostly distinct values): choose it as a text column to encode it by its words"


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

    @property
    def free_text(self) -> list[str]:
        """The columns left out as free text, which the user may have encoded by their words."""
        return [c for c, why in self.excluded.items() if why == FREE_TEXT]

    def as_dict(self) -> dict[str, Any]:
        return {"used": self.used, "encoding": self.columns.as_dict(), "excluded": self.excluded,
                "warnings": [w.as_dict() for w in self.warnings]}  # fmt: skip


def suggest(ws: Workspace, table: str, task: Task, *, group: str | None = None, time: str | None = None,
            check_leaks: bool = True) -> Features:  # fmt: skip
    """The features to fit `task` on in `table`, with the reason for each column left out."""
    with ws.connect() as con:
        return suggest_on(con, ws.table(table, con).name, task, group=group, time=time, check_leaks=check_leaks)


def suggest_on(con: duckdb.DuckDBPyConnection, table: str, task: Task, *, group: str | None = None,
               time: str | None = None, check_leaks: bool = True) -> Features:  # fmt: skip
    """`group` and `time` are the validation's columns: the leak check holds out whole groups, or the latest
    rows, as the folds will (a date predicts its neighbour's value, which is no leak when folds follow time)."""
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
            _check_leaks(con, table, task, found, group=group, time=time)
            _keep_strongest(found, task)
    return found


def _column_stats(con, table: str, types: dict[str, str], target: str | None) -> dict[str, dict[str, Any]]:
    """Per column: rows, present values, distinct values, and the figures `_reason` reads. A fractional number's
    distinct count only tells whether it is constant: exact for that, estimated otherwise (an exact count of a
    million distinct floats costs a third of a second per column)."""
    exprs: list[str] = ["count(*)"]
    keys: list[tuple[str, str]] = []
    for col, type_ in types.items():
        q, fam = quote(col), family(type_)
        fractional = type_.upper() in ("FLOAT", "DOUBLE", "REAL") or type_.upper().startswith("DECIMAL")
        distinct = (f"CASE WHEN min({q}) = max({q}) THEN 1 ELSE greatest(2, approx_count_distinct({q})) END"
                    if fractional else f"count(DISTINCT {q})")  # fmt: skip
        exprs += [f"count({q})", distinct]
        keys += [(col, "present"), (col, "distinct")]
        if fam == "numeric" and not fractional:
            exprs += [f"max({q})::DOUBLE - min({q})::DOUBLE + 1"]
            keys += [(col, "span")]
        if fam == "text":
            exprs += [f"avg(length({q}))", f"avg(length({q}) - length(replace(trim({q}), ' ', '')) + 1)",
                      f"count(try_cast({q} AS TIMESTAMP))"]  # fmt: skip
            keys += [(col, "length"), (col, "words"), (col, "dates")]
        if target is not None and col != target and fam != "other":
            # compared as text only across kinds of value: casting a million numbers to text takes seconds
            t = quote(target)
            a, b = (q, t) if fam == family(types[target]) else (f"{q}::VARCHAR", f"{t}::VARCHAR")
            exprs.append(f"count(*) FILTER (WHERE {t} IS NOT NULL AND {a} IS DISTINCT FROM {b}) = 0")
            keys.append((col, "copy"))
    # In statements of a bounded number of aggregates: one over a 5,000-column table (15,000 of them) took DuckDB
    # past 3 GB and crashed it.
    step, row = MODEL_LIMITS.stats_aggregates, []
    for start in range(0, len(exprs), step):
        row += con.execute(f"SELECT {', '.join(exprs[start:start + step])} FROM {quote(table)}").fetchone()
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
    # the profile's decision (Explore's identifier finding); a float with a different value in every row is just
    # a measurement
    if semantic.identifier(integer="span" in s, text=fam == "text", distinct=distinct, present=present,
                           spaces=(s.get("words") or 1) - 1):  # fmt: skip
        return IDENTIFIER
    if fam == "text":
        if present and s["dates"] >= 0.9 * present:
            return "a date stored as text: convert it to a date in Clean so its parts (year, month, ...) can be used"
        if (s["words"] or 0) >= 4 or ((s["length"] or 0) > 30 and distinct > 0.5 * present):
            return FREE_TEXT
    return None


def _leak(found: Features, col: str, kind: str, message: str) -> None:
    found.warnings.append(Warning(kind, col, message))
    _leave_out(found, col, "leak: " + message)


def _leave_out(found: Features, col: str, reason: str) -> None:
    found.excluded[col] = reason
    for group in (found.columns.numeric, found.columns.categorical, found.columns.high_cardinality,
                  found.columns.dates):  # fmt: skip
        if col in group:
            group.remove(col)


def _check_leaks(con, table: str, task: Task, found: Features, *, group: str | None = None,
                 time: str | None = None) -> None:  # fmt: skip
    """Score each feature alone on two thirds of a bounded sample, scored on the rest (see `_alone`): the latest
    third in time, or whole groups, when the folds follow time or groups."""
    from sklearn.model_selection import GroupShuffleSplit, train_test_split

    candidates = found.used
    if not candidates:
        return
    extra = [c for c in (group, time) if c]
    rows = data.read(con, table, list(dict.fromkeys([*candidates, task.target, *extra])), target=task.target,
                     stratify=task.is_classification, max_rows=MODEL_LIMITS.leak_rows)  # fmt: skip
    y = target_values(rows.frame[task.target], task.kind)
    if len(y) < 10:
        return
    classes = task.is_classification
    positions = np.arange(len(y))
    if time:
        order = np.argsort(rows.frame[time].to_numpy(), kind="stable")
        train, test = order[: 2 * len(y) // 3], order[2 * len(y) // 3:]
    elif group:
        train, test = next(GroupShuffleSplit(1, test_size=1 / 3, random_state=0).split(
            positions, y, rows.frame[group].astype(str).to_numpy()))  # fmt: skip
    else:
        try:
            train, test = train_test_split(positions, test_size=1 / 3, random_state=0,
                                           stratify=y if classes else None)  # fmt: skip
        except ValueError:  # a class too small to stratify
            train, test = train_test_split(positions, test_size=1 / 3, random_state=0)
    if classes:
        y = pd.factorize(y)[0]
    types = ColumnTypes(numeric=found.columns.numeric,
                        categorical=[*found.columns.categorical, *found.columns.high_cardinality],
                        dates=found.columns.dates).transform(rows.frame)  # fmt: skip
    for col in candidates:
        score = _alone(_as_number(types[col]), y, train, test, classes)
        found.leak_scores[col] = score
        if score >= MODEL_LIMITS.leak_score:
            name = "balanced accuracy" if classes else "R²"
            _leak(found, col, "leak", f"{col!r} alone predicts {task.target!r} almost perfectly ({name} "
                                      f"{score:.3f} on held-out rows): it probably leaks the answer, so it is left "
                                      "out.")  # fmt: skip


def _keep_strongest(found: Features, task: Task) -> None:
    """Over `MODEL_LIMITS.max_features` features: keep those that predict the target best alone (their leak-check
    score; ties in table order), leave out the rest with their reason, and say so in a warning."""
    limit, used = MODEL_LIMITS.max_features, found.used
    if len(used) <= limit:
        return
    order = sorted(used, key=lambda c: -found.leak_scores.get(c, -np.inf))  # stable: ties keep table order
    name = "balanced accuracy" if task.is_classification else "R²"
    for col in order[limit:]:
        _leave_out(found, col, f"beyond the {limit:,} features used: it predicts {task.target!r} alone less well "
                               f"({name} {found.leak_scores.get(col, float('nan')):.3f}) than those kept")  # fmt: skip
    found.warnings.append(Warning(
        "many_features", None,
        f"{len(used):,} usable features, more than the {limit:,} a leaderboard fits in bounded time: the {limit:,} "
        f"that predict {task.target!r} best alone ({name} on held-out rows of a sample of up to "
        f"{MODEL_LIMITS.leak_rows:,} rows) are used, the other {len(used) - limit:,} are left out. Choose the "
        "columns yourself to use others."))  # fmt: skip


def _as_number(col: pd.Series) -> np.ndarray:
    """One number per row that keeps equal values equal and numbers and dates in order: the number, a date's
    seconds, a category's code; a missing value is one value of its own, below all the others."""
    if pd.api.types.is_datetime64_any_dtype(col):
        stamps = pd.to_datetime(col, utc=True)
        x = ((stamps - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(seconds=1)).to_numpy(dtype="float64", na_value=np.nan)
    elif pd.api.types.is_numeric_dtype(col):
        x = col.to_numpy(dtype="float64", na_value=np.nan)
    else:
        x = pd.factorize(col, use_na_sentinel=True)[0].astype("float64")  # missing: -1, below every code
    return np.where(np.isnan(x), -np.inf, x)


def _alone(x: np.ndarray, y: np.ndarray, train: np.ndarray, test: np.ndarray, classes: bool) -> float:
    """How well `x` alone predicts `y` on the `test` rows: each test row gets the answer of the training rows
    that share its value (their majority class, or their mean), or of the nearest value seen in training.
    Balanced accuracy for classes (codes 0..k-1), R² for numbers. A few array operations per column: a leak
    (one value per class, or a number the target follows exactly) scores about 1; an honest feature, even a
    strong one, does not come close, since its values overlap across classes."""
    seen, inverse = np.unique(x[train], return_inverse=True)
    if classes:
        counts = np.zeros((len(seen), int(y.max()) + 1))
        np.add.at(counts, (inverse, y[train]), 1)
        answer = counts.argmax(axis=1)
    else:
        answer = np.bincount(inverse, weights=y[train]) / np.bincount(inverse)
    right = np.clip(np.searchsorted(seen, x[test]), 0, len(seen) - 1)  # the first seen value >= x
    left = np.maximum(right - 1, 0)
    with np.errstate(invalid="ignore"):  # missing (-inf) minus missing: NaN, compared False, so `right`, the match
        nearest = np.where(np.abs(x[test] - seen[left]) < np.abs(seen[right] - x[test]), left, right)
    predicted, actual = answer[nearest], y[test]
    if classes:
        return float(np.mean([np.mean(predicted[actual == c] == c) for c in np.unique(actual)]))
    total = np.sum((actual - actual.mean()) ** 2)
    residual = np.sum((actual - predicted) ** 2)
    return float(1 - residual / total) if total > 0 else float(residual == 0)
