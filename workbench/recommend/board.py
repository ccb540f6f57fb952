"""The evaluation board: every model fitted on the same per-user splits, beside the baselines, with a verdict."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbench.errors import Cancelled, WorkbenchError
from workbench.recommend import data, metrics
from workbench.recommend import models as recommenders
from workbench.recommend.split import Split, choose
from workbench.settings import RECOMMEND_LIMITS, RecommendLimits

LABEL = {"rmse": "RMSE", "mae": "MAE", "precision_at_k": "precision@k", "recall_at_k": "recall@k",
         "ndcg_at_k": "NDCG@k"}  # fmt: skip


@dataclass
class ModelRow:
    name: str
    title: str
    metrics: dict[str, tuple[float, float | None]] = field(default_factory=dict)  # metric -> (mean, std or None)
    fit_time: float = 0.0  # seconds per fold: fitting, predicting and ranking
    error: str | None = None
    folds: dict[str, list[float]] = field(default_factory=dict)  # metric -> one value per fold
    learned: bool = True

    def mean(self, metric: str) -> float:
        return self.metrics.get(metric, (float("nan"), None))[0]


@dataclass
class Board:
    kind: str
    k: int
    split: Split
    models: list[ModelRow]
    metrics: list[str]
    verdict: str = ""
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    threshold: float | None = None  # explicit: the rating from which a held-out item counts as liked
    choice: str = ""  # the model `for_user` answers with: the best learned one if it beats the baseline
    columns: dict = field(default_factory=dict)
    table_name: str = ""

    @property
    def why(self) -> str:
        return self.split.why

    @property
    def leading(self) -> str:
        return "rmse" if self.kind == "explicit" else "ndcg_at_k"

    def _ranked(self) -> list[ModelRow]:
        ok = [m for m in self.models if m.error is None and self.leading in m.metrics]
        sign = 1 if self.leading in metrics.LOWER_IS_BETTER else -1
        return sorted(ok, key=lambda m: sign * m.mean(self.leading))

    def best(self) -> ModelRow | None:
        ranked = self._ranked()
        return ranked[0] if ranked else None

    def row(self, name: str) -> ModelRow | None:
        return next((m for m in self.models if m.name == name), None)

    def table(self) -> pd.DataFrame:
        """One row per model, best first: each metric's mean and its spread over folds, the seconds per fold."""
        ranked = self._ranked()
        order = ranked + [m for m in self.models if m not in ranked]
        rows = []
        for m in order:
            row = {"model": m.name, "title": m.title}
            for name in self.metrics:
                mean, std = m.metrics.get(name, (None, None))
                row[name], row[f"{name}_std"] = mean, std
            row["fit_time"], row["error"] = m.fit_time, m.error
            rows.append(row)
        return pd.DataFrame(rows)

    def as_dict(self) -> dict:
        rows = []
        for m in self.models:
            row = {"model": m.name, "title": m.title, "fit_time": m.fit_time, "error": m.error}
            for name in self.metrics:
                if name in m.metrics:
                    mean, std = m.metrics[name]
                    row[name] = {"mean": mean, "std": std}
            rows.append(row)
        best = self.best()
        return {"kind": self.kind, "k": self.k, "split": self.split.header(), "why": self.why, "models": rows,
                "metrics": self.metrics, "best": best.name if best else None, "choice": self.choice,
                "threshold": self.threshold, "verdict": self.verdict, "warnings": self.warnings,
                "notes": self.notes}  # fmt: skip


def _relevant(r: data.Ratings, test: np.ndarray, threshold: float | None) -> dict[int, set]:
    keep = test if threshold is None else test[r.value[test] >= threshold]
    out: dict[int, set] = {}
    for user, item in zip(r.user[keep], r.item[keep]):
        out.setdefault(int(user), set()).add(int(item))
    return out


def _score_fold(model: recommenders.Recommender, r: data.Ratings, test: np.ndarray, relevant: dict[int, set],
                users: np.ndarray, k: int) -> dict[str, float]:  # fmt: skip
    out = {}
    if r.kind == "explicit" and model.rates:
        predicted = model.predict(r.user[test], r.item[test])
        out = {"rmse": metrics.rmse(predicted, r.value[test]), "mae": metrics.mae(predicted, r.value[test])}
    if len(users):
        out.update(metrics.topk(model.top(users, k), [relevant[int(u)] for u in users], k))
    return out


def _verdict(board: Board) -> tuple[str, str]:
    """The sentence, and the model to answer with."""
    base_name = recommenders.BASELINE[board.kind]
    base = board.row(base_name)
    lead = board.leading
    label = LABEL[lead].replace("@k", f"@{board.k}")
    learned = [m for m in board._ranked() if m.learned]
    if base is None or base.error or lead not in base.metrics:
        best = board.best()
        return (f"{best.title} is best by {label}." if best else "No model finished."), (best.name if best else "")
    if not learned:
        return f"Only the baselines ran: use the {base.title.lower()}.", base_name
    top = learned[0]
    lower = lead in metrics.LOWER_IS_BETTER
    gains = np.array(base.folds[lead]) - np.array(top.folds[lead])
    gains = gains if lower else -gains
    if len(gains) > 1:
        better = bool(np.all(gains > 0))
        how = f"better on every one of the {len(gains)} folds" if better else \
            f"better on {int((gains > 0).sum())} of {len(gains)} folds only"
    else:
        better = bool(gains[0] > 0.005 * abs(base.mean(lead)))
        how = "on the one held-out split" + ("" if better else ", by less than 0.5%")
    figures = f"{label} {top.mean(lead):.3f} against {base.mean(lead):.3f}; {how}"
    what = "predicts ratings" if board.kind == "explicit" else "ranks the held-out items"
    lists = _lists_against_popularity(board)
    if better:
        return f"{top.title} {what} better than the {base.title.lower()} baseline ({figures}): use it.{lists}", \
            top.name  # fmt: skip
    return (f"{top.title} is no better than the {base.title.lower()} baseline ({figures}): use the "
            f"{base.title.lower()}.{lists}", base_name)  # fmt: skip


def _lists_against_popularity(board: Board) -> str:
    """On a ratings board, what the top-k lists say beside popularity: predicting stars well is not the same as
    putting the liked items first, and the most rated items are hard to beat there."""
    popular = board.row("popularity")
    if board.kind != "explicit" or popular is None or "ndcg_at_k" not in popular.metrics:
        return ""
    learned = [m for m in board.models if m.learned and m.error is None and "ndcg_at_k" in m.metrics]
    if not learned:
        return ""
    top = max(learned, key=lambda m: m.mean("ndcg_at_k"))
    label = LABEL["ndcg_at_k"].replace("@k", f"@{board.k}")
    figures = f"{label} {top.mean('ndcg_at_k'):.3f} against {popular.mean('ndcg_at_k'):.3f}"
    if top.mean("ndcg_at_k") > popular.mean("ndcg_at_k"):
        return (f" For top-{board.k} lists, {top.title.lower()} also ranks liked items better than popularity "
                f"({figures}).")
    return (f" For top-{board.k} lists, though, no model puts the held-out liked items higher than popularity "
            f"(the most rated items; {figures}).")  # fmt: skip


def _topk_users(relevant: dict[int, set], limit: int, seed: int) -> np.ndarray:
    users = np.array(sorted(relevant), dtype=np.int64)
    if len(users) > limit:
        users = np.sort(np.random.default_rng(seed).choice(users, limit, replace=False))
    return users


def evaluate(ws, table: str, *, user: str, item: str, rating: str | None = None, time: str | None = None,
             title: str | None = None, titles_from: str | None = None, k: int = 10, models: list[str] | None = None,
             on_progress: Callable[[float, str], None] | None = None, cancel: threading.Event | None = None,
             folds: int | None = None, seed: int = 0, limits: RecommendLimits = RECOMMEND_LIMITS) -> Board:  # fmt: skip
    """Fit every model on the same per-user splits of TABLE's ratings and judge them on the held-out ones."""
    ratings = data.read(ws, table, user=user, item=item, rating=rating, time=time, title=title,
                        titles_from=titles_from, limits=limits)  # fmt: skip
    board = run(ratings, choose(ratings, folds=folds, seed=seed, limits=limits), k=k, models=models,
                on_progress=on_progress, cancel=cancel, seed=seed, limits=limits)
    board.table_name = table
    return board


def _chosen(kind: str, names: list[str] | None) -> tuple[list[str], list[str]]:
    known = recommenders.catalogue(kind)
    if names is None:
        return list(known), []
    unknown = [n for n in names if n not in known]
    if unknown:
        raise WorkbenchError(f"Unknown model {unknown[0]!r} for {kind} feedback; the models are "
                             f"{', '.join(known)}.")  # fmt: skip
    baselines = [n for n, cls in known.items() if not cls.learned]
    added = [b for b in baselines if b not in names]
    return [n for n in known if n in names or n in baselines], added


def run(ratings: data.Ratings, split: Split, *, k: int = 10, models: list[str] | None = None,
        on_progress=None, cancel=None, seed: int = 0, limits: RecommendLimits = RECOMMEND_LIMITS) -> Board:  # fmt: skip
    """The board on ratings already read and split (the benchmark uses it with its own folds)."""
    r = ratings
    names, added = _chosen(r.kind, models)
    catalogue = recommenders.catalogue(r.kind)
    threshold = None
    shown = list(metrics.TOPK_METRICS)
    notes = list(r.notes) + list(split.notes)
    if r.kind == "explicit":
        shown = list(metrics.RATING_METRICS) + shown
        threshold = metrics.relevance_threshold(r.value, r.scale, limits.relevant_share)
        notes.append(f"For the top-{k} metrics a held-out item counts as liked when rated {threshold:g} or more "
                     f"({limits.relevant_share:.0%} of the way up the {r.scale[0]:g}-{r.scale[1]:g} scale).")
    if added:
        notes.append(f"The baseline{'s' if len(added) > 1 else ''} {', '.join(added)} always run beside the chosen "
                     "models, so there is something to beat.")  # fmt: skip
    rows = {n: ModelRow(n, catalogue[n].title, learned=catalogue[n].learned) for n in names}
    steps = len(split.folds) * len(names)
    done = 0
    sampled = False
    for f, (train, test) in enumerate(split.folds):
        relevant = _relevant(r, test, threshold)
        users = _topk_users(relevant, limits.topk_users, seed + f)
        sampled = sampled or len(users) < len(relevant)
        for name in names:
            row = rows[name]
            if row.error:
                done += 1
                continue

            def tick(text: str, name=name, f=f, done=done) -> None:
                if cancel is not None and cancel.is_set():
                    raise Cancelled("Cancelled: the board was stopped; nothing was written.")
                if on_progress:
                    on_progress(done / steps, f"{rows[name].title}, fold {f + 1} of {len(split.folds)}: {text}")

            tick("fitting")
            started = time.perf_counter()
            try:
                model = catalogue[name]()
                model.fit(r.user[train], r.item[train], r.value[train], r.n_users, r.n_items, tick=tick)
                scores = _score_fold(model, r, test, relevant, users, k)
            except (Cancelled, WorkbenchError):
                raise
            except Exception as exc:  # noqa: BLE001 - one model failing is shown on its row, the others go on
                row.error = f"{type(exc).__name__}: {exc}"
                done += 1
                continue
            row.fit_time += (time.perf_counter() - started) / len(split.folds)
            for metric, value in scores.items():
                row.folds.setdefault(metric, []).append(value)
            done += 1
    for row in rows.values():
        for metric, values in row.folds.items():
            row.metrics[metric] = (float(np.mean(values)), float(np.std(values, ddof=1)) if len(values) > 1 else None)
    if on_progress:
        on_progress(1.0, "done")
    if sampled:
        notes.append(f"Top-{k} metrics rank the whole catalogue for {limits.topk_users:,} users per fold, drawn at "
                     "random (seeded), the same users for every model.")
    board = Board(kind=r.kind, k=k, split=split, models=list(rows.values()), metrics=shown, notes=notes,
                  threshold=threshold, columns=dict(r.columns))  # fmt: skip
    board.warnings = [f"{m.title} failed: {m.error}" for m in board.models if m.error]
    board.verdict, board.choice = _verdict(board)
    return board
