"""A leaderboard of baseline models, cross-validated side by side with a dummy baseline.

    board = leaderboard.run(ws, "wine", "target", on_progress=print, cancel=event)
    board.table()            # one row per model: mean and std of each metric, fit time
    board.best()             # the best model by the leading metric
    board.results[2].oof     # out-of-fold predictions, for confusion matrix / ROC / residuals

Every (model, fold) is fitted on one split in a worker process (worker.py)
and scored from one prediction pass (`fold_scores`): Cancel kills it within
a poll, the time budget stops the board and reports what finished. The rows come from DuckDB, a stratified
sample above the row cap (data.py), and the board says so.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from workbench.errors import WorkbenchError
from workbench.jobs import Progress
from workbench.metadata import column_types
from workbench.model import data, features, pipeline
from workbench.model.features import Features
from workbench.model.persist import FittedModel
from workbench.model.pipeline import MODELS, Columns
from workbench.model.refit import Refit
from workbench.model.task import Task, Warning
from workbench.model.validation import FORECASTS, Validation
from workbench.model.worker import Pool
from workbench.profile.stats import family
from workbench.settings import MODEL_LIMITS
from workbench.workspace import Workspace

# metric -> (scikit-learn scorer name, sign to turn the scorer's value into the metric)
METRICS: dict[str, dict[str, tuple[str, int]]] = {
    "binary": {"accuracy": ("accuracy", 1), "balanced_accuracy": ("balanced_accuracy", 1), "f1": ("f1", 1),
               "roc_auc": ("roc_auc", 1), "log_loss": ("neg_log_loss", -1)},
    "multiclass": {"accuracy": ("accuracy", 1), "balanced_accuracy": ("balanced_accuracy", 1),
                   "f1": ("f1_macro", 1), "roc_auc": ("roc_auc_ovr", 1), "log_loss": ("neg_log_loss", -1)},
    "regression": {"r2": ("r2", 1), "mae": ("neg_mean_absolute_error", -1),
                   "rmse": ("neg_root_mean_squared_error", -1)},
}  # fmt: skip
LOWER_IS_BETTER = {"log_loss", "mae", "rmse", "mase"}
DEFAULT_MODELS = tuple(MODELS)


YES = frozenset({"1", "yes", "y", "true", "t", "positive", "pos"})  # a class named so is the positive one


def positive_label(task: Task) -> Any:
    """The class a binary task's F1, ROC and precision-recall are about: the one named yes / true / 1 when
    exactly one is, else the smaller class (what one looks for: the churner, the fraud), else the larger label."""
    if task.kind != "binary":
        return None
    named = [c for c in task.classes if str(c).strip().lower() in YES]
    if len(named) == 1:
        return named[0]
    return min(task.classes, key=lambda c: (task.classes[c], -sorted(task.classes, key=str).index(c)))


def scoring(task: Task) -> dict[str, Any]:
    """scikit-learn's scorers keyed by metric name (binary F1 scores the positive label): what permutation
    importance scores with, and what `fold_scores` agrees with."""
    from sklearn.metrics import f1_score, make_scorer

    out: dict[str, Any] = {}
    for metric, (scorer, _) in METRICS[task.kind].items():
        out[metric] = make_scorer(f1_score, pos_label=positive_label(task)) if scorer == "f1" else scorer
    return out


def fold_scores(kind: str, pos_label: Any, actual: np.ndarray, predicted: np.ndarray, proba: np.ndarray | None,
                decision: np.ndarray | None) -> dict[str, float]:
    """Each metric of `METRICS[kind]` from one fold's predictions, as the named scorer would compute it (a binary
    ROC AUC ranks by the decision function where the model has one, else by the positive class's probability),
    but from a single prediction pass instead of one per scorer."""
    from sklearn import metrics

    if kind == "regression":
        return {"r2": metrics.r2_score(actual, predicted), "mae": metrics.mean_absolute_error(actual, predicted),
                "rmse": metrics.root_mean_squared_error(actual, predicted)}  # fmt: skip
    binary = kind == "binary"
    positive = proba[:, 1] if binary else proba  # scikit-learn's binary scorers see the positive column only
    return {
        "accuracy": metrics.accuracy_score(actual, predicted),
        "balanced_accuracy": metrics.balanced_accuracy_score(actual, predicted),
        "f1": (metrics.f1_score(actual, predicted, pos_label=pos_label) if binary
               else metrics.f1_score(actual, predicted, average="macro")),
        "roc_auc": (metrics.roc_auc_score(actual, positive if decision is None else decision) if binary
                    else metrics.roc_auc_score(actual, proba, multi_class="ovr")),
        "log_loss": metrics.log_loss(actual, positive),
    }  # fmt: skip


def leading_metric(task: Task) -> str:
    if task.kind == "regression":
        return "r2"
    return "balanced_accuracy" if task.imbalanced else "accuracy"


@dataclass
class ModelResult:
    name: str
    title: str
    status: str = "pending"  # done | failed | unfinished
    error: str | None = None
    folds: list[dict[str, float]] = field(default_factory=list)  # per fold: each metric, fit_time
    oof: pd.DataFrame | None = None  # row, fold, actual, predicted (+ proba_<class> for classes)

    def mean(self, metric: str) -> float:
        return float(np.mean([f[metric] for f in self.folds])) if self.folds else float("nan")

    def std(self, metric: str) -> float:
        return float(np.std([f[metric] for f in self.folds])) if self.folds else float("nan")

    def summary(self, metrics: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {"model": self.name, "title": self.title, "status": self.status}
        for m in [*metrics, "fit_time"]:
            out[m] = {"mean": self.mean(m), "std": self.std(m)}
        if self.error:
            out["error"] = self.error
        return out


@dataclass
class Leaderboard:
    table_name: str
    task: Task
    features: Features
    rows: data.Rows
    folds: int
    group: str | None
    seed: int
    results: list[ModelResult]
    notes: list[str] = field(default_factory=list)
    finished: bool = True  # False when the time budget stopped it
    X: pd.DataFrame | None = None
    y: np.ndarray | None = None
    groups: np.ndarray | None = None
    splits: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)  # (train, test) row positions
    validation: Validation = field(default_factory=Validation)
    times: pd.Series | None = None  # the time column, row for row (time folds)
    forecasts: list[ModelResult] = field(default_factory=list)  # forecast baselines, judged apart (time regression)
    comparison: dict[str, Any] | None = None  # the best model under the other validation (shuffled, or the honest)
    held: np.ndarray | None = None  # rows kept aside from the start: the chosen model is scored again on them
    holdout: dict[str, Any] | None = None  # the chosen model on the held rows: model, rows, each metric, oof
    warnings: list[Warning] = field(default_factory=list)  # what would make these scores mislead, said first
    refit: Refit | None = None  # the cleaning steps refitted inside each fold (X then holds the uncleaned rows)
    fit_X: pd.DataFrame | None = None  # with `refit`: the cleaned table's rows, what the final model is fitted on
    fit_y: np.ndarray | None = None

    @property
    def metrics(self) -> list[str]:
        return list(METRICS[self.task.kind]) + (["mase"] if self.forecasting else [])

    @property
    def forecasting(self) -> bool:
        """A regression validated in time order: forecast baselines and MASE beside the models."""
        return self.task.kind == "regression" and self.validation.kind == "time"

    def header(self) -> str:
        """How the board validated, in one line."""
        line = self.validation.header(self.folds)
        if self.held is not None:
            line += f"; the chosen model scored again on {len(self.held):,} rows kept aside"
        return line

    @property
    def leading(self) -> str:
        return leading_metric(self.task)

    @property
    def sampled(self) -> bool:
        return self.rows.sampled

    def result(self, name: str) -> ModelResult:
        for r in self.results:
            if r.name == name:
                return r
        raise WorkbenchError(f"No model {name!r} on this leaderboard; it has: {', '.join(self.names())}.")

    def names(self) -> list[str]:
        return [r.name for r in self.results]

    def ranked(self) -> list[ModelResult]:
        """Finished models, best first by the leading metric."""
        done = [r for r in self.results if r.status == "done"]
        sign = -1 if self.leading in LOWER_IS_BETTER else 1
        return sorted(done, key=lambda r: -sign * r.mean(self.leading))

    def best(self) -> ModelResult:
        ranked = [r for r in self.ranked() if r.name != "dummy"] or self.ranked()
        if not ranked:
            raise WorkbenchError("No model finished: raise the time budget or fit on fewer rows.")
        return ranked[0]

    def beats_dummy(self, name: str) -> bool | None:
        """Whether the model's leading metric is better than the dummy's by more than one standard deviation."""
        dummy = next((r for r in self.results if r.name == "dummy" and r.status == "done"), None)
        model = self.result(name)
        if dummy is None or model.status != "done":
            return None
        better = model.mean(self.leading) - dummy.mean(self.leading)
        if self.leading in LOWER_IS_BETTER:
            better = -better
        return bool(better > model.std(self.leading))

    def table(self) -> pd.DataFrame:
        """One row per model, best first: mean and std of each metric and the fit time."""
        order = self.ranked() + [r for r in self.results if r.status != "done"]
        rows = []
        for r in order:
            row: dict[str, Any] = {"model": r.name, "status": r.status}
            for m in [*self.metrics, "fit_time"]:
                row[m] = r.mean(m)
                row[f"{m}_std"] = r.std(m)
            rows.append(row)
        return pd.DataFrame(rows)

    def as_dict(self) -> dict[str, Any]:
        return {
            "table": self.table_name,
            **self.task.as_dict(),
            "features": self.features.as_dict(),
            "rows_used": len(self.rows.frame),
            "rows_total": self.rows.total,
            "sampled": self.sampled,
            "folds": self.folds,
            "group": self.group,
            "validation": self.validation.as_dict() | {"header": self.header()},
            "warnings": [w.as_dict() for w in [*self.task.warnings, *self.features.warnings, *self.warnings]],
            "comparison": self.comparison,
            "cleaning": None if self.refit is None else self.refit.as_dict(),
            "holdout": None if self.holdout is None else {k: v for k, v in self.holdout.items() if k != "oof"},
            "forecasts": [r.summary(self.metrics) for r in self.forecasts],
            "leading_metric": self.leading,
            "finished": self.finished,
            "notes": self.notes,
            "models": [r.summary(self.metrics) | {"beats_dummy": self.beats_dummy(r.name)} for r in self.results],
        }

    def pipeline(self, name: str, *, in_folds: bool = True):
        """The unfitted pipeline of a model on this board; in the folds, headed by the cleaning steps it refits
        (`in_folds=False`: the pipeline the final model is, fitted on the cleaned table)."""
        from sklearn.pipeline import Pipeline

        built = pipeline.build(name, self.task.kind, self.features.columns, self.seed,
                               rows=None if self.X is None else len(self.X))  # fmt: skip
        if self.refit is None or not in_folds or not self.refit.steps:
            return built
        return Pipeline([("clean", self.refit.transformer()), *built.steps])


def choose_features(con, table: str, task: Task, chosen: list[str] | None, group: str | None,
                    text: list[str] = (), time: str | None = None) -> Features:  # fmt: skip
    """The suggested features, or the user's `chosen` columns encoded by their type; the `text` columns (free
    text, left out by default) are added, each encoded by its words."""
    suggested = features.suggest_on(con, table, task, group=group, time=time, check_leaks=chosen is None)
    types = column_types(con, table)
    found = suggested if chosen is None else _chosen(types, table, task, chosen, group, suggested)
    for c in text:
        if c not in types:
            raise WorkbenchError(f"{table!r} has no column {c!r}.")
        if c in (task.target, group) or family(types[c]) != "text":
            raise WorkbenchError(f"{c!r} cannot be encoded as free text: only a text column that is neither the "
                                 "target nor the group can.")  # fmt: skip
        for kept in (found.columns.numeric, found.columns.categorical, found.columns.high_cardinality):
            if c in kept:
                kept.remove(c)
        found.excluded.pop(c, None)
        found.columns.text.append(c)
    return found


def _chosen(types: dict[str, str], table: str, task: Task, chosen: list[str], group: str | None,
            suggested: Features) -> Features:  # fmt: skip
    missing = [c for c in chosen if c not in types]
    if missing:
        raise WorkbenchError(f"{table!r} has no column {missing[0]!r}.")
    cols = Columns()
    for c in chosen:
        if c in (task.target, group):
            raise WorkbenchError(f"{c!r} cannot be a feature: it is the {'target' if c == task.target else 'group'}.")
        fam = family(types[c])
        if fam in ("numeric", "boolean"):
            cols.numeric.append(c)
        elif fam == "temporal":
            cols.dates.append(c)
        elif c in suggested.columns.high_cardinality or (c not in suggested.columns.categorical and task.target):
            cols.high_cardinality.append(c)
        else:
            cols.categorical.append(c)
    excluded = {c: r for c, r in suggested.excluded.items() if c not in chosen}
    excluded.update({c: "not chosen" for c in types if c not in chosen and c not in excluded})
    return Features(cols, excluded, suggested.warnings, suggested.leak_scores)


def run(
    ws: Workspace,
    table: str,
    target: str,
    *,
    task: str | None = None,
    feature_columns: list[str] | None = None,
    text_columns: list[str] | tuple[str, ...] = (),
    models: list[str] | tuple[str, ...] = DEFAULT_MODELS,
    folds: int = MODEL_LIMITS.folds,
    validation: str = "auto",
    time_column: str | None = None,
    group: str | None = None,
    gap: int = 0,
    test_size: int | None = None,
    holdout: bool | None = None,
    refit_cleaning: bool = True,
    seed: int = 0,
    max_rows: int = MODEL_LIMITS.max_rows,
    time_budget: float = MODEL_LIMITS.time_budget,
    on_progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> Leaderboard:
    """Cross-validate `models` on `table` to predict `target`; a Cancel raises `Cancelled`, nothing is written.

    `validation` auto follows the data (time order, repeated entities, else shuffled folds; see validation.py);
    `holdout` (default: from MODEL_LIMITS.holdout_rows rows) keeps rows aside to score the chosen model again."""
    from workbench.model import validation as validating
    from workbench.model.task import detect_on

    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise WorkbenchError(f"Unknown model {unknown[0]!r}; the models are: {', '.join(MODELS)}.")
    if folds < 2:
        raise WorkbenchError("Cross-validation needs at least 2 folds.")
    report = on_progress or (lambda fraction, message: None)
    report(0.0, "reading the rows")
    with ws.connect() as con:
        name = ws.table(table, con).name
        found = detect_on(con, name, target, task=task, folds=folds)
        if found.kind == "clustering":
            raise WorkbenchError("A leaderboard needs a target; use clustering.run to cluster.")
        if found.refusal:
            raise WorkbenchError(found.refusal)
        val = validating.choose(con, name, found, kind=validation, time=time_column, group=group, gap=gap,
                                test_size=test_size, folds=found.folds)  # fmt: skip
        group = val.column if val.kind == "group" else None
        # the leak check holds out rows as honest folds would: a date predicts its neighbour's value in a
        # time-ordered table, which is no leak (even when the user chose shuffled folds)
        in_time = val.column if val.kind == "time" else val.detected_column if val.detected == "time" else None
        chosen = choose_features(con, name, found, feature_columns, group, list(text_columns), time=in_time)
        if not chosen.used:
            raise WorkbenchError("No usable feature is left: " + "; ".join(f"{c}: {r}" for c, r in
                                                                            chosen.excluded.items()))
        extra = [c for c in (group, val.column, val.series, val.detected_column) if c]
        columns = list(dict.fromkeys([*chosen.used, target, *extra]))
        rows = data.read(con, name, columns, target=target, stratify=found.is_classification, max_rows=max_rows,
                         seed=seed)  # fmt: skip
        cleaning = _refit_plan(con, name, target, chosen, extra) if refit_cleaning else None
        if cleaning is not None:
            fit_frame = val.order(rows.frame)
            inputs = [c for c in column_types(con, cleaning.base) if c != target]
            rows = data.read(con, cleaning.base, list(dict.fromkeys([*inputs, target, *extra])), target=target,
                             stratify=found.is_classification, max_rows=max_rows, seed=seed)  # fmt: skip
    frame = val.order(rows.frame)
    X = frame[inputs] if cleaning is not None else frame[chosen.used]
    y = pipeline.target_values(frame[target], found.kind)
    groups = frame[group].to_numpy() if group else None
    k = found.folds
    notes = [rows.note(), *pipeline.bound_notes(models, len(X))]
    if k != folds:
        notes.append(f"{k} folds instead of {folds}: a class has too few rows")
    held, cv_rows = None, np.arange(len(y))
    if holdout or (holdout is None and len(y) >= MODEL_LIMITS.holdout_rows):
        held, cv_rows = validating.holdout_split(val.kind, y, groups, MODEL_LIMITS.holdout_share, seed,
                                                 found.is_classification)  # fmt: skip
    cv = val.splitter(found.kind, k, seed)
    sub_groups = None if groups is None else groups[cv_rows]
    try:
        splits = [(cv_rows[a], cv_rows[b]) for a, b in cv.split(X.iloc[cv_rows], y[cv_rows], sub_groups)]
    except ValueError as exc:
        raise WorkbenchError(f"These rows cannot be split into {k} folds this way: {exc}") from None
    times = frame[val.column] if val.kind == "time" else None
    board = Leaderboard(name, found, chosen, rows, k, group, seed,
                        [ModelResult(m, MODELS[m].title) for m in models], notes, X=X, y=y, groups=groups,
                        splits=splits, validation=val, times=times, held=held, refit=cleaning)  # fmt: skip
    if cleaning is not None:
        board.fit_X = fit_frame[chosen.used]
        board.fit_y = pipeline.target_values(fit_frame[target], found.kind)
        board.notes += cleaning.notes()
        board.warnings += cleaning.warnings
    keys = frame[val.series].astype(str).to_numpy() if val.series else np.zeros(len(y), dtype=int)
    if board.forecasting:
        val.season = validating.season(y[cv_rows], keys[cv_rows], times)
        board.forecasts = _forecasts(board, keys)
    scales = [validating.mase_scale(y, keys, train, val.season or 1) for train, _ in splits] \
        if board.forecasting else []
    score = partial(fold_scores, found.kind, positive_label(found))
    tasks = [("fold", board.pipeline(m), train, test, score) for m in models for train, test in splits]
    preds: dict[str, list] = {m: [] for m in models}
    done = [0]

    def on_result(index: int, status: str, value: Any) -> None:
        result = board.results[index // k]
        fold = index % k
        done[0] += 1
        if status != "ok":
            if result.status != "failed":  # the first fold's reason; the others' are alike
                result.status, result.error = "failed", f"fold {fold + 1} of {k}: {value}"
        elif result.status != "failed":
            scores = {m: float(v) for m, v in value["scores"].items()}
            if board.forecasting:
                scores["mase"] = scores["mae"] / scales[fold]
            result.folds.append(scores | {"fit_time": value["fit_time"], "fold": fold})
            preds[result.name].append((fold, value))
            if len(result.folds) == k:
                result.status = "done"
                result.folds.sort(key=lambda f: f["fold"])  # workers finish folds in any order
                result.oof = _oof(found, splits, preds[result.name], y)
        report(0.9 * done[0] / len(tasks), f"{result.title}: fold {fold + 1} of {k}")

    started = time.monotonic()
    with Pool(X, y) as pool:
        board.finished = pool.run(tasks, on_result, cancel=cancel, deadline=started + time_budget,
                                  affinity=[i % k for i in range(len(tasks))] if cleaning else None)  # fmt: skip
        for r in board.results:
            if r.status == "pending":
                r.status = "unfinished"
                r.error = f"stopped by the time budget ({time_budget:g} s) before its last fold"
                r.folds, r.oof = [], None
        if board.finished and board.ranked():
            report(0.9, "scoring the chosen model under the other validation and on the rows kept aside")
            _second_look(board, pool, frame, score, cancel, started + time_budget)
    if not board.finished:
        board.notes.append(f"stopped by the time budget ({time_budget:g} s): unfinished models are marked so")
    if board.ranked() and board.beats_dummy(board.best().name) is False:
        board.notes.append("no model beats the dummy baseline by more than its spread: the features may not "
                           "carry the answer")  # fmt: skip
    _validation_warnings(board)
    report(1.0, "done")
    return board


def _refit_plan(con, name: str, target: str, chosen: Features, extra: list[str]) -> Refit | None:
    """The cleaning to refit in the folds (refit.py), the features it cannot give left out with the reason; None
    when there is none, or when the folds' own columns (time, group) are not in the table it starts from."""
    from workbench.model import refit

    found = refit.plan(con, name, target)
    if found is None:
        return None
    base = column_types(con, found.base)
    if any(c not in base for c in extra):
        return None
    made = set(found.outputs)
    for col in [c for c in chosen.used if c not in made]:
        for kept in (chosen.columns.numeric, chosen.columns.categorical, chosen.columns.high_cardinality,
                     chosen.columns.dates, chosen.columns.text):  # fmt: skip
            if col in kept:
                kept.remove(col)
        chosen.excluded[col] = "made by a cleaning step left out of the folds (it learned from the target)"
    if not chosen.used:
        raise WorkbenchError("No usable feature is left once the cleaning that learned from the target is left out.")
    return found


def _forecasts(board: Leaderboard, keys: np.ndarray) -> list[ModelResult]:
    """The forecast baselines on each fold's validation rows: R², MAE, RMSE and MASE."""
    from workbench.model import validation as validating

    out = []
    season = board.validation.season or 1
    for name, (title, _) in FORECASTS.items():
        result = ModelResult(name, title, status="done")
        for fold, (train, test) in enumerate(board.splits):
            predicted = validating.forecast(name, board.y, keys, train, test, season, board.validation.gap)
            scores = fold_scores("regression", None, board.y[test], predicted, None, None)
            scores["mase"] = scores["mae"] / validating.mase_scale(board.y, keys, train, season)
            result.folds.append(scores | {"fit_time": 0.0, "fold": fold})
        out.append(result)
    return out


def _second_look(board: Leaderboard, pool: Pool, frame: pd.DataFrame, score, cancel, deadline: float) -> None:
    """The best model under the other validation (shuffled folds when the board follows time or groups; the
    detected one when the user chose shuffled folds), and on the rows kept aside, from one more round of fits."""
    from workbench.model.validation import Validation

    best = board.best().name
    val = board.validation
    other = None
    if val.kind != "kfold":
        other = Validation("kfold")
    elif val.detected != "kfold":
        other = Validation(val.detected, column=val.detected_column, groups=1)
    cv_rows = np.setdiff1d(np.arange(len(board.y)), board.held) if board.held is not None else np.arange(len(board.y))
    tasks, splits = [], []
    if other is not None:
        order = np.arange(len(board.y))
        if other.kind == "time":  # the rows are in table order: validate them in time order through positions
            order = np.argsort(frame[other.column].to_numpy(), kind="stable")
            order = order[np.isin(order, cv_rows)]
        else:
            order = cv_rows
        groups = None if other.kind != "group" else frame[other.column].to_numpy()[order]
        cv = other.splitter(board.task.kind, board.folds, board.seed)
        try:
            splits = [(order[a], order[b]) for a, b in cv.split(order, board.y[order], groups)]
        except ValueError:
            splits = []
        tasks += [("fold", board.pipeline(best), train, test, score) for train, test in splits]
    if board.held is not None:
        tasks.append(("fold", board.pipeline(best), cv_rows, board.held, score))
    if not tasks:
        return
    values: dict[int, Any] = {}

    def on_result(index: int, status: str, value: Any) -> None:
        values[index] = value if status == "ok" else None

    if not pool.run(tasks, on_result, cancel=cancel, deadline=deadline):
        board.notes.append("stopped by the time budget before the chosen model was scored a second time")
        return
    metric = board.leading
    if splits and all(values.get(i) is not None for i in range(len(splits))):
        per_fold = [float(values[i]["scores"][metric]) for i in range(len(splits))]
        board.comparison = {"kind": other.kind, "column": other.column, "model": best, "metric": metric,
                            "mean": float(np.mean(per_fold)), "std": float(np.std(per_fold))}  # fmt: skip
    if board.held is not None and values.get(len(tasks) - 1) is not None:
        value = values[len(tasks) - 1]
        oof = _oof(board.task, [(cv_rows, board.held)], [(0, value)], board.y)
        board.holdout = {"model": best, "rows": int(len(board.held)),
                         "scores": {m: float(v) for m, v in value["scores"].items()},
                         "cross_validated": {m: board.result(best).mean(m) for m in METRICS[board.task.kind]},
                         "oof": oof}  # fmt: skip


def _validation_warnings(board: Leaderboard) -> None:
    """Say what the validation guards against, with the score the other validation gave."""
    from workbench.model.explain import METRIC_NAMES
    from workbench.words import number

    val, comparison = board.validation, board.comparison
    said = ""
    if comparison:
        said = f"{METRIC_NAMES[comparison['metric']]} {number(comparison['mean'])}"
    if val.kind == "time":
        message = ("The rows are ordered in time: validating on later rows than those fitted"
                   + (f"; shuffled folds would report {said} here." if said else "."))  # fmt: skip
        board.warnings.append(Warning("time_order", val.column, message))
    elif val.kind == "group":
        message = (f"{val.groups:,} values of {val.column!r} appear in several rows each: folds keep each on one "
                   "side, as ungrouped folds let the model recognise ones it has already seen"
                   + (f" (they would report {said} here)." if said else "."))  # fmt: skip
        board.warnings.append(Warning("grouped", val.column, message))
    elif val.detected != "kfold":
        what = (f"the rows are ordered in time by {val.detected_column!r}" if val.detected == "time" else
                f"{val.detected_column!r} repeats an entity across rows")  # fmt: skip
        honest = f" ({'time-ordered' if val.detected == 'time' else 'grouped'} folds give {said})" if said else ""
        board.warnings.append(Warning("shuffled_anyway", val.detected_column,
                                      f"Shuffled folds were chosen, but {what}: these scores are likely higher than "
                                      f"new data will give{honest}."))  # fmt: skip
    if board.holdout:
        metric = board.leading
        board.notes.append(f"{MODELS[board.holdout['model']].spoken} chosen on the folds ({METRIC_NAMES[metric]} "
                           f"{number(board.holdout['cross_validated'][metric])}) scores "
                           f"{number(board.holdout['scores'][metric])} on the {board.holdout['rows']:,} rows kept "
                           "aside, never used to choose it")  # fmt: skip


def _oof(task: Task, splits, parts: list[tuple[int, dict]], y: np.ndarray) -> pd.DataFrame:
    frames = []
    for fold, value in sorted(parts, key=lambda p: p[0]):
        test = splits[fold][1]
        frame = pd.DataFrame({"row": test, "fold": fold, "actual": y[test], "predicted": value["predicted"]})
        if value["proba"] is not None:
            for i, label in enumerate(value["classes"]):
                frame[f"proba_{label}"] = value["proba"][:, i]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True).sort_values("row", ignore_index=True)


def fit(board: Leaderboard, name: str | None = None, *, cancel: threading.Event | None = None,
        time_budget: float = MODEL_LIMITS.time_budget) -> FittedModel:  # fmt: skip
    """Fit model `name` (the board's best by default) on all the board's rows, in a worker (Cancel works)."""
    name = name or board.best().name
    result = board.result(name)
    fitted: list[Any] = []

    def on_result(index: int, status: str, value: Any) -> None:
        if status != "ok":
            raise WorkbenchError(f"Fitting {result.title} failed: {value}")
        fitted.append(value[0])

    X, y = (board.X, board.y) if board.fit_X is None else (board.fit_X, board.fit_y)
    with Pool(X, y, workers=1, threads=MODEL_LIMITS.threads) as pool:
        if not pool.run([("fit", board.pipeline(name, in_folds=False))], on_result, cancel=cancel,
                        deadline=time.monotonic() + time_budget):  # fmt: skip
            raise WorkbenchError(f"Fitting {result.title} took longer than the time budget ({time_budget:g} s).")
    pipe = fitted[0]
    return FittedModel(
        pipe, name, board.task.kind, board.task.target, list(board.features.used),
        [c.item() if hasattr(c, "item") else c for c in getattr(pipe, "classes_", [])],
        board.table_name, len(X), {m: {"mean": result.mean(m), "std": result.std(m)} for m in board.metrics},
    )  # fmt: skip
