"""How good the recommendations are: rating errors (RMSE, MAE) and top-k ranking metrics (precision, recall, NDCG)."""

from __future__ import annotations

import numpy as np

RATING_METRICS = ("rmse", "mae")
TOPK_METRICS = ("precision_at_k", "recall_at_k", "ndcg_at_k")
LOWER_IS_BETTER = {"rmse", "mae"}


def rmse(predicted: np.ndarray, actual: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(predicted) - np.asarray(actual)) ** 2)))


def mae(predicted: np.ndarray, actual: np.ndarray) -> float:
    return float(np.mean(np.abs(np.asarray(predicted) - np.asarray(actual))))


def topk(recommended: np.ndarray, relevant: list[set], k: int) -> dict[str, float]:
    """Means over users of precision@k, recall@k and NDCG@k (binary relevance). `recommended` holds each user's
    ranked item positions (-1 where fewer than k could be recommended); users with no relevant item are skipped
    by the caller. precision = hits / k; recall = hits / relevant items; NDCG = DCG / the best possible DCG,
    DCG summing 1 / log2(rank + 1) over the hits."""
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    precision, recall, ndcg = [], [], []
    for row, rel in zip(recommended, relevant):
        hits = np.array([item in rel for item in row[:k]], dtype=float)
        precision.append(hits.sum() / k)
        recall.append(hits.sum() / len(rel))
        ndcg.append(float(hits @ discounts) / discounts[: min(len(rel), k)].sum())
    return {"precision_at_k": float(np.mean(precision)), "recall_at_k": float(np.mean(recall)),
            "ndcg_at_k": float(np.mean(ndcg))}  # fmt: skip


def relevance_threshold(values: np.ndarray, scale: tuple[float, float], share: float) -> float:
    """The lowest rating value seen at or above `share` of the way up the scale: 4 on a 0.5-5 scale at 70%."""
    low, high = scale
    cut = low + share * (high - low)
    seen = np.unique(values)
    above = seen[seen >= cut - 1e-9]
    return float(above.min()) if len(above) else float(high)
