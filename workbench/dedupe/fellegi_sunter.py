"""Unsupervised match probabilities: the Fellegi-Sunter model fitted by EM.

For each column and comparison level the model has m (how often true matches
show that level) and u (how often non-matches do). u starts from random pairs
of records, nearly all non-matches; m, the share of matches among the compared
pairs (lambda) and, on large tables (engine.REFINE_U_FROM), u are then estimated
by expectation-maximisation. Refining u matters there: non-matches that blocking put side by side
agree more often than random pairs do (same suburb, so often the same
postcode), and with u from random pairs alone that agreement reads as strong
evidence. On FEBRL3 replicated 20 times, F1 went from 0.70 to 0.996. EM runs on
the table of distinct patterns with their counts (a few thousand rows however
many pairs there are), so it is fast at any scale.

A pair's log-odds of being a match is the prior log-odds plus, per column,
log2(m/u) of its level: the column's *contribution* (a log Bayes factor),
which is exactly how a score is explained. A missing value contributes 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.dedupe.features import level_count
from workbench.dedupe.normalise import Column
from workbench.dedupe.portable import MISSING, bayes_factors, levels_matrix, prior_log_odds, probability

SLOTS = MISSING + 1


@dataclass
class Model:
    columns: list[Column]
    m: np.ndarray  # columns x SLOTS
    u: np.ndarray  # columns x SLOTS
    lam: float
    iterations: int = 0
    converged: bool = False

    def contributions(self) -> np.ndarray:
        """log2(m/u) per column and level; 0 for MISSING and for levels a column does not have."""
        return bayes_factors(self.m, self.u)

    def prior(self) -> float:
        return prior_log_odds(self.lam)

    def probability(self, levels: np.ndarray) -> np.ndarray:
        return probability(levels, self.m, self.u, self.lam)

    def as_dict(self) -> dict:
        return {
            "columns": [c.as_dict() for c in self.columns],
            "m": self.m.tolist(),
            "u": self.u.tolist(),
            "lambda": self.lam,
            "iterations": self.iterations,
            "converged": self.converged,
        }

    @classmethod
    def from_dict(cls, d: dict) -> Model:
        return cls([Column(**c) for c in d["columns"]], np.array(d["m"]), np.array(d["u"]), d["lambda"],
                   d["iterations"], d["converged"])  # fmt: skip


def _valid(columns: list[Column]) -> np.ndarray:
    """Which (column, level) slots exist: 0..ladder length, not MISSING."""
    mask = np.zeros((len(columns), SLOTS), dtype=bool)
    for k, c in enumerate(columns):
        mask[k, : level_count(c.kind) + 1] = True
    return mask


def _frequencies(levels: np.ndarray, weights: np.ndarray, valid: np.ndarray, pseudo: float) -> np.ndarray:
    """Per column, the weighted share of each level among non-missing values (+pseudo-counts)."""
    out = np.zeros(valid.shape)
    for k in range(valid.shape[0]):
        counts = np.bincount(levels[:, k], weights=weights, minlength=SLOTS)[:SLOTS]
        counts = np.where(valid[k], counts + pseudo, 0.0)
        out[k] = counts / counts.sum()
    return out


def estimate_u(columns: list[Column], random_patterns: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """u from the patterns of random pairs (one pseudo-count per level keeps rare levels non-zero)."""
    return _frequencies(levels_matrix(random_patterns, len(columns)), counts.astype(float), _valid(columns), 1.0)


def fit(columns: list[Column], patterns: np.ndarray, counts: np.ndarray, u: np.ndarray,
        blocked: np.ndarray | None = None, update_u: bool = False, max_iterations: int = 200,
        tolerance: float = 1e-6) -> Model:
    """EM for m and lambda (and u when `update_u`), over distinct patterns and their counts.

    `blocked` (patterns x columns, True where the pair was chosen *because* of
    that column: a key of its blocking rule or of an earlier rule) hides those
    levels from EM. Otherwise every pair found by blocking on the surname would
    "agree on the surname" as evidence, and EM would call nearly all of them matches.
    """
    valid = _valid(columns)
    levels = levels_matrix(patterns, len(columns))
    if blocked is not None:
        levels = np.where(blocked, MISSING, levels)
    n = counts.astype(float)
    # start: matches mostly agree exactly, disagreement is rare among them
    m = np.where(valid, np.exp2(np.arange(SLOTS, dtype=float))[None, :], 0.0)
    m = np.where(valid & (np.arange(SLOTS) == 0)[None, :], 0.01, m)
    m = m / m.sum(axis=1, keepdims=True)
    model = Model(columns, m, u, lam=0.1)
    for iteration in range(1, max_iterations + 1):
        post = model.probability(levels)
        weights = n * post
        new_lam = float(np.clip(weights.sum() / n.sum(), 1e-9, 1 - 1e-9))
        new_m = _frequencies(levels, weights, valid, 1e-6)
        new_u = _frequencies(levels, n - weights, valid, 1.0) if update_u else model.u
        change = max(float(np.abs(new_m - model.m).max()), float(np.abs(new_u - model.u).max()),
                     abs(new_lam - model.lam))
        model.m, model.u, model.lam, model.iterations = new_m, new_u, new_lam, iteration
        if change < tolerance:
            model.converged = True
            break
    return model
