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
from workbench.model.task import Task
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
LOWER_IS_BETTER = {"log_loss", "mae", "rmse"}
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

    @property
    def metrics(self) -> list[str]:
        return list(METRICS[self.task.kind])

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
            "leading_metric": self.leading,
            "finished": self.finished,
            "notes": self.notes,
            "models": [r.summary(self.metrics) | {"beats_dummy": self.beats_dummy(r.name)} for r in self.results],
        }

    def pipeline(self, name: str):
        """The unfitted pipeline of a model on this board."""
        return pipeline.build(name, self.task.kind, self.features.columns, self.seed,
                              rows=None if self.X is None else len(self.X))


def choose_features(con, table: str, task: Task, chosen: list[str] | None, group: str | None,
                    text: list[str] = ()) -> Features:  # fmt: skip
    """The suggested features, or the user's `chosen` columns encoded by their type; the `text` columns (free
    text, left out by default) are added, each encoded by its words."""
    suggested = features.suggest_on(con, table, task, group=group, check_leaks=chosen is None)
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
    group: str | None = None,
    seed: int = 0,
    max_rows: int = MODEL_LIMITS.max_rows,
    time_budget: float = MODEL_LIMITS.time_budget,
    on_progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> Leaderboard:
    """Cross-validate `models` on `table` to predict `target`; a Cancel raises `Cancelled`, nothing is written."""
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
        if group is not None and group not in column_types(con, name):
            raise WorkbenchError(f"{name!r} has no column {group!r} to group the folds by.")
        chosen = choose_features(con, name, found, feature_columns, group, list(text_columns))
        if not chosen.used:
            raise WorkbenchError("No usable feature is left: " + "; ".join(f"{c}: {r}" for c, r in
                                                                            chosen.excluded.items()))
        columns = [*chosen.used, target] + ([group] if group else [])
        rows = data.read(con, name, columns, target=target, stratify=found.is_classification, max_rows=max_rows,
                         seed=seed)  # fmt: skip
    X = rows.frame[chosen.used]
    y = pipeline.target_values(rows.frame[target], found.kind)
    groups = rows.frame[group].to_numpy() if group else None
    k = found.folds
    notes = [rows.note(), *pipeline.bound_notes(models, len(X))]
    if group:
        n_groups = len(pd.unique(groups))
        if n_groups < k:
            raise WorkbenchError(f"The group column {group!r} has {n_groups} groups, fewer than the {k} folds.")
        notes.append(f"folds grouped by {group!r}: no group is both in training and in validation")
    if k != folds:
        notes.append(f"{k} folds instead of {folds}: a class has too few rows")
    cv = pipeline.splitter(found.kind, k, seed, grouped=bool(group))
    splits = list(cv.split(X, y, groups))
    board = Leaderboard(name, found, chosen, rows, k, group, seed,
                        [ModelResult(m, MODELS[m].title) for m in models], notes, X=X, y=y, groups=groups,
                        splits=splits)  # fmt: skip
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
            result.folds.append({m: float(v) for m, v in value["scores"].items()} | {"fit_time": value["fit_time"],
                                                                                     "fold": fold})  # fmt: skip
            preds[result.name].append((fold, value))
            if len(result.folds) == k:
                result.status = "done"
                result.folds.sort(key=lambda f: f["fold"])  # workers finish folds in any order
                result.oof = _oof(found, splits, preds[result.name], y)
        report(done[0] / len(tasks), f"{result.title}: fold {fold + 1} of {k}")

    started = time.monotonic()
    with Pool(X, y) as pool:
        board.finished = pool.run(tasks, on_result, cancel=cancel, deadline=started + time_budget)
    for r in board.results:
        if r.status == "pending":
            r.status = "unfinished"
            r.error = f"stopped by the time budget ({time_budget:g} s) before its last fold"
            r.folds, r.oof = [], None
    if not board.finished:
        board.notes.append(f"stopped by the time budget ({time_budget:g} s): unfinished models are marked so")
    if board.ranked() and board.beats_dummy(board.best().name) is False:
        board.notes.append("no model beats the dummy baseline by more than its spread: the features may not "
                           "carry the answer")  # fmt: skip
    report(1.0, "done")
    return board


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

    with Pool(board.X, board.y, workers=1, threads=MODEL_LIMITS.threads) as pool:
        if not pool.run([("fit", board.pipeline(name))], on_result, cancel=cancel,
                        deadline=time.monotonic() + time_budget):  # fmt: skip
            raise WorkbenchError(f"Fitting {result.title} took longer than the time budget ({time_budget:g} s).")
    pipe = fitted[0]
    return FittedModel(
        pipe, name, board.task.kind, board.task.target, list(board.features.used),
        [c.item() if hasattr(c, "item") else c for c in getattr(pipe, "classes_", [])],
        board.table_name, len(board.X), {m: {"mean": result.mean(m), "std": result.std(m)} for m in board.metrics},
    )  # fmt: skip
