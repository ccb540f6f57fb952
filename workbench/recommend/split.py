"""Honest splits per user: some of each user's ratings held out, the rest to learn from.

With a time column each user's latest ratings are held out (the model learns from the past and is judged on
the future, as in use); without one, each user's ratings are dealt into folds at random and every fold is held
out once. A user with fewer than `min_user_ratings` ratings stays in training only, so nobody's whole history is
ever held out. Seeded: the same table gives the same folds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from workbench.errors import WorkbenchError
from workbench.recommend.data import Ratings
from workbench.settings import RECOMMEND_LIMITS, RecommendLimits
from workbench.words import plural


@dataclass
class Split:
    method: str  # "time", "user" (random share per user) or "ratings" (plain k-fold over ratings)
    folds: list[tuple[np.ndarray, np.ndarray]]  # (training rows, held-out rows) as positions in the Ratings
    users: int  # users evaluated (with held-out ratings)
    share: float
    why: str
    notes: list[str] = field(default_factory=list)

    def header(self) -> str:
        pct = f"{self.share:.0%}"
        if self.method == "time":
            return f"each user's latest {pct} of ratings held out, by time ({plural(self.users, 'user')})"
        if self.method == "user":
            return (f"each user's ratings dealt into {len(self.folds)} folds at random, each fold held out once "
                    f"({pct} per fold; {plural(self.users, 'user')})")  # fmt: skip
        return f"{len(self.folds)}-fold over all ratings at random ({pct} held out per fold)"


def _counts(r: Ratings) -> np.ndarray:
    return np.bincount(r.user, minlength=r.n_users)


def _check(r: Ratings, evaluated: np.ndarray, limits: RecommendLimits) -> None:
    if not evaluated.any():
        raise WorkbenchError(f"No user has {limits.min_user_ratings} ratings or more, so none can be held out to "
                             "judge the recommendations without holding out someone's whole history.")  # fmt: skip


def _rank_within_user(r: Ratings, key: np.ndarray) -> np.ndarray:
    """Each rating's position among its user's ratings ordered by `key` (0 = first)."""
    order = np.lexsort((key, r.user))
    counts = _counts(r)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.empty(len(r.user), dtype=np.int64)
    rank[order] = np.arange(len(order)) - np.repeat(starts, counts)
    return rank


def by_time(r: Ratings, *, seed: int = 0, limits: RecommendLimits = RECOMMEND_LIMITS) -> Split:
    counts = _counts(r)
    evaluated = counts >= limits.min_user_ratings
    _check(r, evaluated, limits)
    rng = np.random.default_rng(seed)
    # ties in time are broken at random (seeded), so equal timestamps do not follow the item order
    key = r.order + rng.random(len(r.order)) * 0.5
    from_end = counts[r.user] - 1 - _rank_within_user(r, key)
    hold = np.maximum(1, np.round(counts * limits.holdout_share).astype(np.int64))
    test = evaluated[r.user] & (from_end < hold[r.user])
    notes = _few_note(counts, evaluated, limits)
    return Split("time", [(np.flatnonzero(~test), np.flatnonzero(test))], int(evaluated.sum()), limits.holdout_share,
                 "The ratings have a time column, so each user's latest ratings are held out: the models learn from "
                 "the past and are judged on what came after, as they would be used.", notes)  # fmt: skip


def by_user(r: Ratings, *, folds: int | None = None, seed: int = 0,
            limits: RecommendLimits = RECOMMEND_LIMITS) -> Split:  # fmt: skip
    folds = folds or limits.folds
    counts = _counts(r)
    evaluated = counts >= limits.min_user_ratings
    _check(r, evaluated, limits)
    rng = np.random.default_rng(seed)
    fold_of = _rank_within_user(r, rng.random(len(r.user))) % folds
    pairs = []
    for f in range(folds):
        test = evaluated[r.user] & (fold_of == f)
        pairs.append((np.flatnonzero(~test), np.flatnonzero(test)))
    return Split("user", pairs, int(evaluated.sum()), 1 / folds,
                 "There is no time column, so each user's ratings are dealt at random into folds and each fold is "
                 "held out in turn; every user keeps most of their ratings to learn from.",
                 _few_note(counts, evaluated, limits))  # fmt: skip


def by_rating(n: int, *, folds: int = 5, seed: int = 0) -> Split:
    """A plain k-fold over ratings (as Surprise's cross_validate does): for comparing with published figures."""
    rng = np.random.default_rng(seed)
    fold_of = rng.permutation(n) % folds
    pairs = [(np.flatnonzero(fold_of != f), np.flatnonzero(fold_of == f)) for f in range(folds)]
    return Split("ratings", pairs, 0, 1 / folds, "A plain k-fold over all ratings, as published figures use.")


def _few_note(counts: np.ndarray, evaluated: np.ndarray, limits: RecommendLimits) -> list[str]:
    few = int((~evaluated).sum())
    if not few:
        return []
    return [f"{plural(few, 'user')} with fewer than {limits.min_user_ratings} ratings "
            f"{'is' if few == 1 else 'are'} used for training only (too few to hold any out)."]  # fmt: skip


def choose(r: Ratings, *, folds: int | None = None, seed: int = 0, limits: RecommendLimits = RECOMMEND_LIMITS) -> Split:
    if r.order is not None:
        return by_time(r, seed=seed, limits=limits)
    return by_user(r, folds=folds, seed=seed, limits=limits)
