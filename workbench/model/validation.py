"""How the leaderboard validates: folds that follow the data, so the score on the board is the one new data gives.

Shuffled folds assume independent rows. Two common tables break that, and the board then reports scores
no model reaches on new data:

* time-ordered rows (a date along which the rows are ordered, or along which the target moves slowly):
  shuffled folds let a model interpolate between neighbouring days. Validation then runs in time order
  (scikit-learn's `TimeSeriesSplit`: each fold fits on earlier rows and validates on the block after them,
  with an optional gap), and a regression is compared with forecast baselines (naive, seasonal naive, mean)
  and scored by MASE as well;
* repeated entities (a column whose values come back in several rows, rows of one value alike: the same
  patient, customer, store): shuffled folds let a model recognise an entity it has already seen. Folds are
  then grouped by that column (`StratifiedGroupKFold` for classes, `GroupKFold` for numbers).

    found = validation.choose(con, "sales", task, kind="auto")   # kind, column, why, warnings
    cv = found.splitter(task.kind, folds=5, seed=0)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from workbench.errors import WorkbenchError
from workbench.metadata import column_types
from workbench.model.task import Task, Warning
from workbench.names import quote
from workbench.profile.stats import family
from workbench.settings import MODEL_LIMITS

KINDS = ("auto", "kfold", "time", "group")
INTEGER = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "HUGEINT")

WHY = {
    "kfold": "The rows look independent of one another, so shuffled folds are fair: each fold validates on rows "
             "drawn at random, none of which the model was fitted on.",
    "time": "The rows are ordered in time, and what comes later is what the model will have to predict. Each fold "
            "fits on earlier rows and validates on the block of later rows, as a forecast would be used; shuffled "
            "folds would let the model interpolate between neighbouring days it has already seen.",
    "group": "Several rows belong to the same {entity}, and rows of one {entity} look alike. Folds keep all the "
             "rows of one {entity} on one side, so the score says how well the model does on {entities} it has "
             "never seen; ungrouped folds let it recognise ones it was fitted on.",
    "refit": "The table was made by cleaning steps that learn from the data (a fill value, an imputer, fences). "
             "They are refitted inside each fold, on its training rows only, and applied to its validation rows, "
             "so nothing learned from the validation rows reaches the model.",
    "holdout": "Choosing the best of several models (and the F1-best threshold) on the same folds that score them "
               "flatters the winner a little. The chosen model is scored again on rows kept aside from the start, "
               "never used to choose it: that second number is the one to expect on new data.",
}  # fmt: skip


@dataclass
class Validation:
    """The folds a board uses and why; `detected` is what auto-detection proposed (differs when overridden)."""

    kind: str = "kfold"  # kfold | time | group
    column: str | None = None  # the time column, or the group column
    why: str = WHY["kfold"]
    detected: str = "kfold"
    detected_column: str | None = None
    gap: int = 0  # time: rows left out between the training rows and the validation block
    test_size: int | None = None  # time: rows per validation block (None: scikit-learn's n // (folds + 1))
    series: str | None = None  # time: the column naming each series when several share the table
    season: int | None = None  # time: the seasonal period in rows (per series), detected from the target
    groups: int | None = None  # group: how many distinct values
    warnings: list[Warning] = field(default_factory=list)

    def splitter(self, task: str, folds: int, seed: int) -> Any:
        from sklearn.model_selection import (
            GroupKFold,
            KFold,
            StratifiedGroupKFold,
            StratifiedKFold,
            TimeSeriesSplit,
        )

        classes = task in ("binary", "multiclass")
        if self.kind == "time":
            return TimeSeriesSplit(n_splits=folds, gap=self.gap, test_size=self.test_size)
        if self.kind == "group":
            return StratifiedGroupKFold(folds, shuffle=True, random_state=seed) if classes else GroupKFold(folds)
        return StratifiedKFold(folds, shuffle=True, random_state=seed) if classes else KFold(folds, shuffle=True,
                                                                                              random_state=seed)

    def shuffled(self) -> Validation:
        """Plain shuffled folds: what the board would use if the rows were independent."""
        return Validation("kfold")

    def header(self, folds: int) -> str:
        """One line: how the board validated."""
        if self.kind == "time":
            size = f", {self.test_size:,} rows per validation block" if self.test_size else ""
            series = f", {self.series!r} naming each series" if self.series else ""
            return f"{folds} folds in time order by {self.column!r}, gap {self.gap}{size}{series}"
        if self.kind == "group":
            return f"{folds} folds grouped by {self.column!r} ({self.groups:,} groups, each on one side of every fold)"
        return f"{folds} shuffled folds"

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "column": self.column, "why": self.why, "detected": self.detected,
                "detected_column": self.detected_column, "gap": self.gap, "test_size": self.test_size,
                "series": self.series, "season": self.season, "groups": self.groups}  # fmt: skip

    def order(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows as the folds need them: in time order (stable, missing times first) for time folds."""
        if self.kind != "time":
            return frame
        return frame.sort_values(self.column, kind="stable", na_position="first", ignore_index=True)


def detect(ws, table: str, task: Task, **options: Any) -> Validation:
    """`choose` on a workspace's table (the options as `choose` takes them)."""
    with ws.connect() as con:
        return choose(con, ws.table(table, con).name, task, **options)


def choose(con: duckdb.DuckDBPyConnection, table: str, task: Task, *, kind: str = "auto", time: str | None = None,
           group: str | None = None, gap: int = 0, test_size: int | None = None,
           folds: int = MODEL_LIMITS.folds) -> Validation:  # fmt: skip
    """The validation for `task` on `table`: `kind` auto detects time order, then repeated entities."""
    if kind not in KINDS:
        raise WorkbenchError(f"Unknown validation {kind!r}; choose one of: {', '.join(KINDS)}.")
    types = column_types(con, table)
    for col, what in ((time, "time"), (group, "group")):
        if col is not None and col not in types:
            raise WorkbenchError(f"{table!r} has no column {col!r} to order the folds by ({what}).")
        if col is not None and col == task.target:
            raise WorkbenchError(f"{col!r} is the target: it cannot also be the {what} column.")
    if gap < 0:
        raise WorkbenchError("The gap is a number of rows, 0 or more.")
    if kind == "kfold" and (time or group):
        raise WorkbenchError("Shuffled folds use neither a time nor a group column: leave --time and --group out, "
                             "or choose --validation time or group.")  # fmt: skip
    found_time = _time_column(con, table, types, task, time)
    found_group = None if found_time or time else _group_column(con, table, types, task, group, folds)
    if kind == "auto":
        kind = "time" if time or (found_time and not group) else "group" if group or found_group else "kfold"
    detected = "time" if found_time else "group" if found_group else "kfold"
    detected_column = (found_time or (None, ""))[0] if found_time else (found_group or (None, ""))[0]
    out = Validation(kind, detected=detected, detected_column=detected_column)
    if kind == "time":
        column = time or (found_time[0] if found_time else None)
        if column is None:
            raise WorkbenchError("No date or time column orders these rows: name one with --time (a date, or an "
                                 "integer counting time).")  # fmt: skip
        fam = family(types[column])
        if fam != "temporal" and types[column].upper() not in INTEGER:
            raise WorkbenchError(f"{column!r} is {types[column]}: time folds need a date, a timestamp or an integer "
                                 "counting time.")  # fmt: skip
        out.column, out.gap, out.test_size, out.why = column, gap, test_size, WHY["time"]
        out.series = _series_column(con, table, types, column, task.target)
        if found_time and found_time[0] == column:
            out.why = f"{WHY['time']} Here {found_time[1]}."
    elif kind == "group":
        column = group or (found_group[0] if found_group else None)
        if column is None:
            raise WorkbenchError("No column repeats an entity (a person, a customer, a store) across rows: name one "
                                 "with --group.")  # fmt: skip
        (out.groups,) = con.execute(f"SELECT count(DISTINCT {quote(column)}) FROM {quote(table)} "
                                    f"WHERE {quote(task.target)} IS NOT NULL").fetchone()  # fmt: skip
        if out.groups < folds:
            raise WorkbenchError(f"The group column {column!r} has {out.groups} groups, fewer than the {folds} folds.")
        out.column = column
        why = WHY["group"].format(entity=f"value of {column!r}", entities=f"values of {column!r}")
        out.why = why + (f" Here {found_group[1]}." if found_group and found_group[0] == column else "")
    return out


def _time_column(con, table: str, types: dict[str, str], task: Task, named: str | None) -> tuple[str, str] | None:
    """The date column the rows follow, with the evidence: the rows are in its order, or the target moves slowly
    along it (lag-1 autocorrelation in its order). A timeline has one row per time, or per series and time (a
    store, a product); rows sharing a time without a series (cars by model year) are no timeline."""
    candidates = [named] if named else [c for c, t in types.items() if family(t) == "temporal" and c != task.target]
    t = quote(task.target)
    for col in candidates:
        q = quote(col)
        fam = family(types[col])
        if fam != "temporal" and types[col].upper() not in INTEGER:
            continue
        backwards, distinct, present = con.execute(
            f"SELECT count(*) FILTER (WHERE {q} < prev), count(DISTINCT {q}), count({q}) FROM "
            f"(SELECT {q}, lag({q}) OVER (ORDER BY __r) AS prev FROM "
            f"(SELECT {q}, row_number() OVER () AS __r FROM {quote(table)}) WHERE {q} IS NOT NULL)"
        ).fetchone()  # fmt: skip
        if distinct < MODEL_LIMITS.time_min_distinct or present == 0:
            continue
        if not named and distinct < present and _series_column(con, table, types, col, task.target) is None:
            continue  # times shared by many rows with no series to tell them apart: a catalogue by year, no timeline
        if backwards == 0:
            return col, f"the {present:,} rows are in the order of {col!r}, {distinct:,} distinct times"
        if task.kind == "regression":
            (ac,) = con.execute(
                f"SELECT corr(y, prev) FROM (SELECT {t}::DOUBLE AS y, lag({t}::DOUBLE) OVER (ORDER BY {q}) AS prev "
                f"FROM {quote(table)} WHERE {q} IS NOT NULL AND {t} IS NOT NULL)"
            ).fetchone()  # fmt: skip
            if ac is not None and ac >= MODEL_LIMITS.time_autocorrelation:
                return col, (f"in the order of {col!r} each {task.target!r} is close to the one before "
                             f"(autocorrelation {ac:.2f})")  # fmt: skip
    return None


def _series_column(con, table: str, types: dict[str, str], time: str, target: str | None) -> str | None:
    """A text or integer column naming several series (store, product) when times repeat, one row per series and
    time."""
    q = quote(time)
    rows, times = con.execute(f"SELECT count(*), count(DISTINCT {q}) FROM {quote(table)}").fetchone()
    if times == rows:
        return None
    for col, type_ in types.items():
        if col in (time, target) or family(type_) not in ("text", "numeric") or (
                family(type_) == "numeric" and type_.upper() not in INTEGER):  # fmt: skip
            continue
        c = quote(col)
        (pairs, series) = con.execute(f"SELECT count(DISTINCT ({c}, {q})), count(DISTINCT {c}) FROM {quote(table)}"
                                      ).fetchone()  # fmt: skip
        if 1 < series <= rows // 4 and pairs == rows:
            return col
    return None


def _group_column(con, table: str, types: dict[str, str], task: Task, named: str | None,
                  folds: int) -> tuple[str, str] | None:  # fmt: skip
    """A column whose values repeat (an entity in several rows) and whose rows look alike: each row's nearest
    neighbour on the other numbers is a row of the same value (a patient's own signature)."""
    from workbench.model import data

    t = quote(task.target)
    candidates = []
    for col, type_ in types.items():
        if col == task.target or (named and col != named):
            continue
        if family(type_) != "text" and type_.upper() not in INTEGER:
            continue
        q = quote(col)
        distinct, present = con.execute(
            f"SELECT count(DISTINCT {q}), count({q}) FROM {quote(table)} WHERE {t} IS NOT NULL").fetchone()
        if distinct >= max(folds, MODEL_LIMITS.group_min_entities) and present >= 2 * distinct:
            candidates.append((col, distinct, present))
    if not candidates:
        return None
    numbers = [c for c, ty in types.items() if family(ty) == "numeric" and c != task.target]
    rows = data.read(con, table, [*{c for c, _, _ in candidates}, *numbers, task.target], target=task.target,
                     max_rows=MODEL_LIMITS.group_check_rows)  # fmt: skip
    frame = rows.frame
    for col, distinct, present in candidates:
        numbers_here = [c for c in numbers if c != col]
        alike, how = _alike(frame, col, numbers_here)
        if alike:
            per = present / distinct
            return col, f"{distinct:,} values of {col!r} appear {per:.1f} times each on average, and {how}"
    return None


def _alike(frame: pd.DataFrame, col: str, numbers: list[str]) -> tuple[bool, str]:
    """Whether the rows of one value of `col` look alike, and how it shows."""
    keys = frame[col]
    kept = keys.notna().to_numpy()
    codes = pd.factorize(keys[kept])[0]
    # Only the rows' other values can show an entity: a target that is the same within a value is what
    # any predictive feature shows (customers of one tenure churn alike), and grouping by it would drop it.
    if numbers:
        from sklearn.neighbors import NearestNeighbors

        matrix = frame.loc[kept, numbers].apply(pd.to_numeric, errors="coerce").astype(float)
        matrix = (matrix - matrix.mean()) / matrix.std().replace(0, 1)
        matrix = matrix.fillna(0.0).to_numpy()
        if matrix.shape[0] > 2:
            _, nearest = NearestNeighbors(n_neighbors=2).fit(matrix).kneighbors(matrix)
            same = float(np.mean(codes[nearest[:, 1]] == codes))
            sizes = np.bincount(codes)
            chance = float(np.sum(sizes * (sizes - 1)) / max(1, len(codes) * (len(codes) - 1)))
            if same >= MODEL_LIMITS.group_alike and same >= 5 * chance:
                return True, (f"{same:.0%} of the rows have as nearest neighbour (on the numbers) a row of the same "
                              f"value, against {chance:.0%} by chance")  # fmt: skip
    return False, ""


def holdout_split(kind: str, y: np.ndarray, groups: np.ndarray | None, share: float, seed: int,
                  classes: bool) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """The rows kept aside (the last ones in time, whole groups, else a random share stratified by class) and
    the rows the folds use, as sorted positions."""
    from sklearn.model_selection import GroupShuffleSplit, train_test_split

    rows = np.arange(len(y))
    if kind == "time":
        cut = len(y) - int(np.ceil(len(y) * share))
        return rows[cut:], rows[:cut]
    if kind == "group":
        kept, held = next(GroupShuffleSplit(1, test_size=share, random_state=seed).split(rows, y, groups))
    else:
        try:
            kept, held = train_test_split(rows, test_size=share, random_state=seed, stratify=y if classes else None)
        except ValueError:  # a class too small to stratify
            kept, held = train_test_split(rows, test_size=share, random_state=seed)
    return np.sort(held), np.sort(kept)


# -- forecast baselines -----------------------------------------------------------------------------

FORECASTS = {
    "naive": ("Naive forecast", "the last observed value of the series"),
    "seasonal_naive": ("Seasonal naive forecast", "the value one season earlier in the series"),
    "mean": ("Mean forecast", "the mean of the series' training rows"),
}  # fmt: skip


def season(y: np.ndarray, keys: np.ndarray | None, times: pd.Series | None) -> int:
    """The seasonal period in rows: the lag (2 to `season_max`) at which the target's changes repeat most
    (autocorrelation of the first differences, per series), else the usual one for the times' spacing (7 for
    daily, 12 for monthly, 24 for hourly), else 1."""
    series = [y] if keys is None else [y[keys == k] for k in pd.unique(keys)]
    found: dict[int, float] = {}
    for lag in range(2, MODEL_LIMITS.season_max + 1):
        values = []
        for s in series:
            d = np.diff(s.astype(float))
            d = d[~np.isnan(d)]
            if len(d) > 2 * lag and d.std() > 0:
                values.append(np.corrcoef(d[:-lag], d[lag:])[0, 1])
        if values:
            found[lag] = float(np.mean(values))
    strongest = max(found.values(), default=0.0)
    # a season's multiples repeat as strongly: the shortest lag close to the strongest is the season
    best = next((lag for lag, ac in found.items() if ac >= 0.8 * strongest), 1) \
        if strongest > MODEL_LIMITS.season_min_autocorrelation else 1
    if best > 1 or times is None or not pd.api.types.is_datetime64_any_dtype(times):
        return best
    step = pd.Series(pd.to_datetime(times).drop_duplicates().sort_values()).diff().median()
    if pd.isna(step):
        return 1
    days = step / pd.Timedelta(days=1)
    return 7 if 0.9 <= days <= 1.1 else 12 if 27 <= days <= 32 else 24 if abs(days - 1 / 24) < 1e-3 else 1


def forecast(name: str, y: np.ndarray, keys: np.ndarray, train: np.ndarray, test: np.ndarray, period: int,
             gap: int) -> np.ndarray:  # fmt: skip
    """Baseline `name`'s predictions of the `test` rows (rows in time order): one step ahead without a gap (the
    previous actual value of the series, or the one a season earlier), else repeating the last values fitted."""
    frame = pd.DataFrame({"y": y, "key": keys})
    fitted = frame.iloc[train]
    means = fitted.groupby("key")["y"].mean()
    fallback = means.reindex(keys[test]).fillna(float(np.nanmean(y[train]))).to_numpy()
    if name == "mean":
        return fallback
    lag = 1 if name == "naive" else period
    if gap == 0:
        known = frame["y"].copy()
        known.iloc[np.setdiff1d(np.arange(len(y)), np.concatenate([train, test]))] = np.nan
        previous = known.groupby(frame["key"]).shift(lag).to_numpy()[test]
    else:  # the horizon is beyond the next row: repeat the last `lag` values fitted, per series
        previous = np.full(len(test), np.nan)
        tail = {k: g["y"].to_numpy()[-lag:] for k, g in fitted.groupby("key")}
        position = pd.Series(keys[test]).groupby(keys[test]).cumcount().to_numpy()
        for i, k in enumerate(keys[test]):
            last = tail.get(k)
            if last is not None and len(last):
                previous[i] = last[position[i] % len(last)]
    return np.where(np.isnan(previous), fallback, previous)


def mase_scale(y: np.ndarray, keys: np.ndarray, train: np.ndarray, period: int) -> float:
    """The mean absolute error of the seasonal naive forecast on the training rows (in-sample): MASE's unit."""
    frame = pd.DataFrame({"y": y[train], "key": keys[train]})
    diffs = (frame["y"] - frame.groupby("key")["y"].shift(period)).abs()
    scale = float(diffs.mean())
    return scale if scale > 0 else float("nan")


def fold_picture(validation: Validation, times: pd.Series | None, splits: list) -> pd.DataFrame:
    """One row per fold and part (training, validation, gap): the first and last time (or row) it covers and its
    rows, to draw the folds along time."""
    rows = []
    for fold, (train, test) in enumerate(splits):
        parts = [("training", np.sort(train)), ("validation", np.sort(test))]
        if validation.kind == "time" and validation.gap and len(train) and len(test):
            parts.insert(1, ("gap", np.arange(train.max() + 1, test.min())))
        for part, index in parts:
            if not len(index):
                continue
            start, end = (times.iloc[index.min()], times.iloc[index.max()]) if times is not None else (
                int(index.min()), int(index.max()))  # fmt: skip
            rows.append({"fold": fold + 1, "part": part, "start": start, "end": end, "rows": len(index)})
    return pd.DataFrame(rows)
