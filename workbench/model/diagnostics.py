"""What an opened model's held-out predictions show beyond its scores.

    curves = diagnostics.precision_recall(board, "linear")    # one curve per fold, with its average precision
    points = diagnostics.calibration(board, "linear")         # predicted probability against observed share
    view = diagnostics.thresholds(board, "linear")            # precision, recall, F1 at each threshold; the best
    ranked = diagnostics.permutation_importance(board, "linear", cancel=event)   # mean ± std per feature

The first three read the leaderboard's out-of-fold predictions (every row
predicted by a model that never saw it) and need a binary task: they follow
the probability of the positive class (leaderboard.positive_label, as in the F1 score).
Permutation importance refits the pipeline on each fold's training rows, in a
worker process like the leaderboard (Cancel and the time budget work), and
shuffles one feature at a time on that fold's held-out rows (at most
`MODEL_LIMITS.importance_rows` of them): how much the leading metric drops is
how much the model relies on the feature.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from workbench.errors import WorkbenchError
from workbench.jobs import Progress
from workbench.model.leaderboard import Leaderboard, positive_label, scoring
from workbench.model.worker import Pool
from workbench.settings import MODEL_LIMITS


def _binary_scores(board: Leaderboard, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(is positive, predicted probability of the positive class, fold) for each out-of-fold row."""
    if board.task.kind != "binary":
        raise WorkbenchError("Precision-recall, calibration and thresholds are for a binary target (two classes).")
    oof = board.result(name).oof
    positive = str(positive_label(board.task))
    column = f"proba_{positive}"
    if oof is None or column not in oof.columns:
        raise WorkbenchError(f"{name!r} has no out-of-fold probabilities: it did not finish, or predicts no "
                             "probabilities.")  # fmt: skip
    actual = (oof["actual"].astype(str) == positive).to_numpy()
    return actual, oof[column].to_numpy(dtype="float64"), oof["fold"].to_numpy()


@dataclass
class PrecisionRecall:
    curves: pd.DataFrame  # fold, recall, precision: one curve per held-out fold
    average_precision: list[float]  # per fold: the area under its curve, as scikit-learn computes it
    base_rate: float  # the share of positives: what a model without skill scores at every recall

    @property
    def mean(self) -> float:
        return float(np.mean(self.average_precision))

    @property
    def std(self) -> float:
        return float(np.std(self.average_precision))


def precision_recall(board: Leaderboard, name: str) -> PrecisionRecall:
    """The precision-recall curve of each held-out fold, and its average precision."""
    from sklearn.metrics import average_precision_score, precision_recall_curve

    actual, proba, fold = _binary_scores(board, name)
    curves, areas = [], []
    for f in sorted(set(fold)):
        rows = fold == f
        precision, recall, _ = precision_recall_curve(actual[rows], proba[rows])
        curves.append(pd.DataFrame({"fold": f, "recall": recall, "precision": precision}))
        areas.append(float(average_precision_score(actual[rows], proba[rows])))
    return PrecisionRecall(pd.concat(curves, ignore_index=True), areas, float(actual.mean()))


def calibration(board: Leaderboard, name: str, bins: int = 10) -> pd.DataFrame:
    """Out-of-fold rows binned by predicted probability: the bin's mean prediction beside its observed share
    of positives (scikit-learn's `calibration_curve`; empty bins are left out)."""
    from sklearn.calibration import calibration_curve

    actual, proba, _ = _binary_scores(board, name)
    observed, predicted = calibration_curve(actual, proba, n_bins=bins)
    return pd.DataFrame({"predicted": predicted, "observed": observed})


@dataclass
class Thresholds:
    frame: pd.DataFrame  # threshold, precision, recall, f1: a row is positive when its probability >= threshold
    best: float  # the threshold with the highest F1
    best_f1: float
    default_f1: float  # F1 at 0.5, where `predict` draws the line

    @property
    def best_row(self) -> pd.Series:
        return self.frame.loc[self.frame["f1"].idxmax()]


def thresholds(board: Leaderboard, name: str) -> Thresholds:
    """Precision, recall and F1 of the out-of-fold probabilities at every threshold they allow."""
    from sklearn.metrics import f1_score, precision_recall_curve

    actual, proba, _ = _binary_scores(board, name)
    precision, recall, cuts = precision_recall_curve(actual, proba)
    precision, recall = precision[:-1], recall[:-1]  # the last point (recall 0) has no threshold
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    frame = pd.DataFrame({"threshold": cuts, "precision": precision, "recall": recall, "f1": f1})
    best = frame.loc[frame["f1"].idxmax()]
    return Thresholds(frame, float(best["threshold"]), float(best["f1"]), float(f1_score(actual, proba >= 0.5)))


def holdout_threshold(board: Leaderboard) -> dict[str, float] | None:
    """The F1-best threshold chosen on the folds' predictions of the board's chosen model, and its F1 there and on
    the rows kept aside, which never helped choose it (None without rows kept aside or for several classes)."""
    from sklearn.metrics import f1_score

    if board.holdout is None or board.task.kind != "binary":
        return None
    chosen = thresholds(board, board.holdout["model"])
    held = board.holdout["oof"]
    positive = str(positive_label(board.task))
    column = f"proba_{positive}"
    if column not in held.columns:
        return None
    actual = (held["actual"].astype(str) == positive).to_numpy()
    f1 = float(f1_score(actual, held[column].to_numpy(dtype="float64") >= chosen.best))
    return {"threshold": chosen.best, "f1_folds": chosen.best_f1, "f1_held": f1}


def permutation_importance(
    board: Leaderboard,
    name: str,
    *,
    repeats: int = MODEL_LIMITS.importance_repeats,
    max_rows: int = MODEL_LIMITS.importance_rows,
    on_progress: Progress | None = None,
    cancel: threading.Event | None = None,
    time_budget: float = MODEL_LIMITS.time_budget,
) -> pd.DataFrame:
    """Per feature, the drop in the leading metric when it is shuffled on held-out rows: mean and standard
    deviation over every fold and repeat, largest first (feature, mean, std)."""
    if board.X is None or not board.splits:
        raise WorkbenchError("This leaderboard keeps no rows to refit on.")
    scorer = scoring(board.task)[board.leading]
    rng = np.random.default_rng(board.seed)
    tasks = []
    for train, test in board.splits:
        held_out = test if len(test) <= max_rows else np.sort(rng.choice(test, max_rows, replace=False))
        tasks.append(("importance", board.pipeline(name), train, held_out, scorer, repeats, board.seed))
    drops: list[np.ndarray] = []  # one (features x repeats) array per fold

    def on_result(index: int, status: str, value: Any) -> None:
        if status != "ok":
            raise WorkbenchError(f"Permutation importance failed on fold {index + 1}: {value}")
        drops.append(value)
        if on_progress:
            on_progress(len(drops) / len(tasks), f"permutation importance: fold {len(drops)} of {len(tasks)}")

    with Pool(board.X, board.y) as pool:
        if not pool.run(tasks, on_result, cancel=cancel, deadline=time.monotonic() + time_budget):
            raise WorkbenchError(f"Permutation importance took longer than the time budget ({time_budget:g} s).")
    every = np.hstack(drops)
    frame = pd.DataFrame({"feature": list(board.X.columns), "mean": every.mean(axis=1), "std": every.std(axis=1)})
    return frame.sort_values("mean", ascending=False, ignore_index=True)
