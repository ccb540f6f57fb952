"""The rows nearest to one or several reference rows, each neighbour's distance split per column.

Brute force in numpy over the fitted space's float32 matrix, in chunks (a Cancel waits for at most one), the k
smallest by `np.argpartition`. The fitted space, its matrix and the rows' values are kept in a small cache keyed by
the table (and its creation time), the columns and the options, so a second question on the same table only ranks.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from workbench.clean.expression import check_condition
from workbench.errors import Cancelled, WorkbenchError
from workbench.jobs import Progress
from workbench.metadata import column_types
from workbench.names import quote
from workbench.settings import SIMILAR_LIMITS
from workbench.similar import notes as say
from workbench.similar.columns import choose
from workbench.similar.space import Space
from workbench.words import plural

ROW_NUMBER = "row number"  # what a reference is when no id column is given: its 1-based place in the table


@dataclass
class Neighbours:
    table: str
    id_column: str | None
    references: list[Any]
    k: int
    columns: list[str]
    left_out: dict[str, str]
    metric: str
    scaling: str
    categorical: str
    space: Space
    rows: pd.DataFrame  # rank, id, distance, reference, then the used columns' values
    contributions: pd.DataFrame  # same index as rows, one column per used column, each row summing to its distance
    reference_rows: pd.DataFrame  # id, then the used columns' values of each reference
    notes: list[str] = field(default_factory=list)
    where: str | None = None
    weights: dict[str, float] = field(default_factory=dict)
    positions: np.ndarray | None = None  # 0-based places in the table of the neighbours, as rows
    reference_positions: np.ndarray | None = None
    counts: dict[str, int] = field(default_factory=dict)  # rows, kept by the filter, references, duplicates
    key: tuple = ()  # the cache key of the fitted space (see `fitted`)

    def as_dict(self) -> dict[str, Any]:
        return {
            "table": self.table, "id_column": self.id_column, "references": [_py(v) for v in self.references],
            "metric": self.metric, "scaling": self.scaling, "categorical": self.categorical, "k": self.k,
            "columns": list(self.columns), "left_out": dict(self.left_out), "weights": dict(self.weights),
            "where": self.where, "counts": dict(self.counts), "notes": list(self.notes),
            "neighbours": [  # row by row from each column's own values (a row of mixed types is all floats)
                {"rank": int(r["rank"]), "id": _py(r["id"]), "distance": float(r["distance"]),
                 "reference": _py(r["reference"]),
                 "contributions": {c: float(parts[c]) for c in self.columns},
                 "values": {c: _py(v) for c, v in zip(self.columns, list(r.values())[4:])}}
                for r, parts in zip(self.rows.to_dict("records"), self.contributions.to_dict("records"))
            ],
        }  # fmt: skip


def _py(value: Any) -> Any:
    """A numpy or pandas scalar as the plain Python value JSON holds."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


@dataclass
class _Fitted:
    space: Space
    X: np.ndarray  # float32, one row per table row in stored order
    frame: pd.DataFrame  # the used columns' values
    ids: np.ndarray | None  # the id column's values, or None for row numbers
    masks: dict[str, np.ndarray] = field(default_factory=dict)  # filter text -> rows it keeps


_CACHE: OrderedDict[tuple, _Fitted] = OrderedDict()
_CHOICES: OrderedDict[tuple, tuple[list[str], dict[str, str]]] = OrderedDict()
_LOCK = threading.Lock()


def _remember(store: OrderedDict, key: tuple, value: Any) -> None:
    with _LOCK:
        store[key] = value
        store.move_to_end(key)
        while len(store) > SIMILAR_LIMITS.cache_entries:
            store.popitem(last=False)


def _recall(store: OrderedDict, key: tuple) -> Any:
    with _LOCK:
        if key in store:
            store.move_to_end(key)
            return store[key]
    return None


def clear_cache() -> None:
    with _LOCK:
        _CACHE.clear()
        _CHOICES.clear()


def find(ws, table: str, to, *, id_column: str | None = None, columns=None, exclude=(), weights=None, k: int = 10,
         where: str | None = None, scaling: str = "zscore", categorical: str = "auto",
         on_progress: Progress | None = None, cancel: threading.Event | None = None) -> Neighbours:  # fmt: skip
    """The k rows of `table` nearest to the rows whose `id_column` is one of `to` (1-based row numbers when no id
    column), among the rows `where` keeps; see the module docstring."""
    report = on_progress or (lambda fraction, message: None)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise WorkbenchError(f"k, the number of neighbours, must be a whole number of 1 or more, not {k!r}.")
    refs = [to] if isinstance(to, (str, int, float)) else list(to)
    if not refs:
        raise WorkbenchError("Give at least one reference row (its id) to find the rows like it.")
    weights = {str(c): float(w) for c, w in (weights or {}).items()}
    Space([], scaling, categorical)  # the options' own messages, before any reading
    report(0.0, "Reading the table")
    with ws.connect(read_only=True) as con:
        info = ws.table(table, con)
        name = info.name
        types = column_types(con, name)
        if id_column is not None and id_column not in types:
            raise WorkbenchError(f"{name} has no column {id_column!r}; its columns are: {', '.join(types)}.")
        (total,) = con.execute(f"SELECT count(*) FROM {quote(name)}").fetchone()
        if total < 2:
            raise WorkbenchError(f"{name} has {plural(total, 'row')}: there is no other row to compare with.")
        base = (str(ws.db_path), name, str(info.created_at), total)
        choice_key = (*base, id_column, repr(columns), repr(exclude))
        chosen = _recall(_CHOICES, choice_key)
        if chosen is None:
            chosen = choose(con, name, types, id_column=id_column, columns=columns, exclude=exclude)
            _remember(_CHOICES, choice_key, chosen)
        used, left_out = chosen
        key = (*base, id_column, tuple(used), scaling, categorical, tuple(sorted(weights.items())))
        fitted = _recall(_CACHE, key)
        if fitted is None:
            fitted = _fit(con, name, used, id_column, Space(used, scaling, categorical, weights))
            _remember(_CACHE, key, fitted)
        n = len(fitted.X)
        mask = _mask(con, name, fitted, where)
    _check(cancel)
    ref_positions, ref_ids = _references(name, fitted, id_column, refs, types.get(id_column))
    report(0.2, "Measuring distances")
    space, X = fitted.space, fitted.X
    distance, nearest = _nearest(space, X, ref_positions, cancel, report)
    candidate = mask.copy()
    candidate[ref_positions] = False
    exact = candidate & (distance == 0)
    duplicates = np.flatnonzero(exact)
    duplicates = duplicates[_same_values(fitted.frame, duplicates, ref_positions[nearest[duplicates]])]
    candidate[duplicates] = False
    unmeasured = int((candidate & np.isnan(distance)).sum())
    candidate &= ~np.isnan(distance)
    pool = np.flatnonzero(candidate)
    kk = min(k, len(pool))
    top = pool[np.argpartition(distance[pool], kk - 1)[:kk]] if kk else pool
    # measured again in float64 from the rows' own values (the matrix is float32), then ordered
    exact_top = space.transform(fitted.frame.iloc[top], dtype=np.float64)
    exact_refs = space.transform(fitted.frame.iloc[ref_positions], dtype=np.float64)
    distance = distance.copy()
    parts = np.zeros((kk, len(used)))
    for r in range(len(ref_positions)):  # each neighbour against its nearest reference
        which = nearest[top] == r
        if which.any():
            distance[top[which]] = space.distances(exact_top[which], exact_refs[r])
            parts[which] = space.parts(exact_top[which], exact_refs[r])
    order = np.lexsort((top, distance[top]))
    top, parts = top[order], parts[order]
    report(0.9, "Explaining each neighbour")
    ids = fitted.ids if fitted.ids is not None else np.arange(1, n + 1)
    rows = pd.DataFrame({"rank": np.arange(1, kk + 1), "id": ids[top], "distance": distance[top],
                         "reference": ids[ref_positions][nearest[top]]})  # fmt: skip
    values = fitted.frame.iloc[top].reset_index(drop=True)
    for c in used:
        rows[c if c not in rows.columns else f"{c} (value)"] = values[c].to_numpy()
    contributions = pd.DataFrame(parts, columns=used, index=rows.index)
    reference_rows = pd.DataFrame({"id": ids[ref_positions]})
    for c in used:
        reference_rows[c if c != "id" else "id (value)"] = fitted.frame[c].to_numpy()[ref_positions]
    counts = {"rows": n, "kept_by_filter": int(mask.sum()), "references": len(ref_positions),
              "duplicates": len(duplicates), "unmeasured": unmeasured, "candidates": len(pool)}  # fmt: skip
    result = Neighbours(
        table=name, id_column=id_column, references=list(ref_ids), k=k, columns=used, left_out=left_out,
        metric=space.metric, scaling="range" if space.metric == "gower" else scaling, categorical=categorical,
        space=space, rows=rows,
        contributions=contributions, reference_rows=reference_rows, where=where, weights=weights,
        positions=top, reference_positions=ref_positions, counts=counts, key=key,
    )  # fmt: skip
    result.notes = say.notes(result, fitted.frame)
    report(1.0, "Done")
    return result


def suggest(ws, table: str, *, id_column: str | None = None, columns=None, exclude=()) -> tuple[list[str],
                                                                                            dict[str, str]]:
    """The columns `find` would compare in `table` and {column left out: why}, without ranking anything."""
    with ws.connect(read_only=True) as con:
        name = ws.table(table, con).name
        types = column_types(con, name)
        if id_column is not None and id_column not in types:
            raise WorkbenchError(f"{name} has no column {id_column!r}; its columns are: {', '.join(types)}.")
        return choose(con, name, types, id_column=id_column, columns=columns, exclude=exclude)


def fitted(ws, result: Neighbours) -> _Fitted:
    """The fitted space, matrix and rows' values `result` was found on: from the cache, else fitted again."""
    found = _recall(_CACHE, result.key)
    if found is None:
        with ws.connect(read_only=True) as con:
            found = _fit(con, result.table, result.columns, result.id_column,
                         Space(result.columns, result.space.scaling, result.space.categorical,
                               result.weights))  # fmt: skip
        _remember(_CACHE, result.key, found)
    return found


def _check(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled("Cancelled: nothing was computed.")


def _fit(con: duckdb.DuckDBPyConnection, name: str, used: list[str], id_column: str | None, space: Space) -> _Fitted:
    cols = [*used, *([id_column] if id_column else [])]
    frame = con.execute(f"SELECT {', '.join(quote(c) for c in dict.fromkeys(cols))} FROM {quote(name)}").df()
    ids = frame[id_column].to_numpy() if id_column else None
    frame = frame[used]
    space.fit(frame)
    return _Fitted(space, space.transform(frame, dtype=np.float32), frame, ids)


def _mask(con: duckdb.DuckDBPyConnection, name: str, fitted: _Fitted, where: str | None) -> np.ndarray:
    n = len(fitted.X)
    if where is None or not str(where).strip():
        return np.ones(n, dtype=bool)
    text = check_condition(con, str(where))
    if text not in fitted.masks:
        try:
            keep = con.execute(f"SELECT coalesce(({text})::BOOLEAN, false) FROM {quote(name)}").fetchnumpy()
        except duckdb.Error as exc:
            first = str(exc).splitlines()[0]
            raise WorkbenchError(f"The filter {text!r} cannot be applied to {name}: {first}") from exc
        fitted.masks.clear()
        fitted.masks[text] = next(iter(keep.values())).astype(bool)
    mask = fitted.masks[text].copy()
    if not mask.any():
        raise WorkbenchError(f"The filter {text!r} keeps no row of {name}: loosen it.")
    return mask


def _references(name: str, fitted: _Fitted, id_column: str | None, refs: list, type_: str | None):
    """(0-based positions of the reference rows, their ids as given by the table). The user types text: it is
    compared as the id column's type."""
    n = len(fitted.X)
    positions, ids = [], []
    for ref in dict.fromkeys(str(r).strip() for r in refs):
        if id_column is None:
            try:
                number = int(ref)
            except ValueError:
                number = 0
            if not 1 <= number <= n:
                raise WorkbenchError(f"No row of {name} has row number {ref} (it has {plural(n, 'row')}, "
                                     "numbered from 1).")  # fmt: skip
            positions.append(number - 1)
            ids.append(number)
            continue
        found = np.flatnonzero(_matches(fitted.ids, ref))
        if not len(found):
            raise WorkbenchError(f"No row of {name} has {id_column} = {ref}.")
        positions += [int(p) for p in found if int(p) not in positions]
        ids.append(_py(fitted.ids[found[0]]))
    return np.array(positions, dtype=np.int64), ids


def _matches(ids: np.ndarray, text: str) -> np.ndarray:
    series = pd.Series(ids)
    if pd.api.types.is_bool_dtype(series):
        return (series.astype(str).str.lower() == text.lower()).to_numpy()
    if pd.api.types.is_datetime64_any_dtype(series):
        try:
            return (series == pd.Timestamp(text)).fillna(False).to_numpy(dtype=bool)
        except (ValueError, TypeError):
            return np.zeros(len(ids), dtype=bool)
    if pd.api.types.is_numeric_dtype(series):
        try:
            value = float(text)
        except ValueError:
            return np.zeros(len(ids), dtype=bool)
        return (pd.to_numeric(series, errors="coerce") == value).to_numpy()
    return (series.astype(str) == text).to_numpy() & series.notna().to_numpy()


def _nearest(space: Space, X: np.ndarray, refs: np.ndarray, cancel, report) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the distance to its nearest reference, and which reference (an index into `refs`)."""
    n = len(X)
    distance = np.empty(n)
    nearest = np.zeros(n, dtype=np.int64)
    step = SIMILAR_LIMITS.chunk_rows
    anchors = X[refs].astype(np.float64)
    for start in range(0, n, step):
        _check(cancel)
        block = X[start:start + step]
        d = np.vstack([space.distances(block, a) for a in anchors])
        with np.errstate(invalid="ignore"):
            which = np.argmin(np.where(np.isnan(d), np.inf, d), axis=0)
        distance[start:start + step] = d[which, np.arange(len(block))]
        nearest[start:start + step] = which
        report(0.2 + 0.7 * min(1.0, (start + step) / n), "Measuring distances")
    return distance, nearest


def _same_values(frame: pd.DataFrame, rows: np.ndarray, refs: np.ndarray) -> np.ndarray:
    """Which of `rows` hold the same value as their reference (`refs`, the same length) in every column (missing
    equal to missing)."""
    if not len(rows):
        return np.zeros(0, dtype=bool)
    a = frame.iloc[rows].reset_index(drop=True)
    b = frame.iloc[refs].reset_index(drop=True)
    same = np.ones(len(rows), dtype=bool)
    for c in frame.columns:
        x, y = a[c], b[c]
        same &= ((x == y).fillna(False).to_numpy(dtype=bool) | (x.isna() & y.isna()).to_numpy())
    return same
