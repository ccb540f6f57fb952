"""The Python half of a dedupe merge, shared word for word with the exported scripts.

Scoring a pair's comparison pattern and clustering the matching pairs run in
numpy and scipy, between SQL statements. The workbench calls these functions,
and a recipe exported as Python or as a notebook copies this module's source,
so an export cannot drift from what ran (as `workbench/clean/portable.py` does
for the scikit-learn steps). Nothing here imports the workbench.
"""

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

MISSING = 7  # the comparison level of a pair where either value is NULL
BITS = 3  # bits per column in a packed pattern
MIN_DENSITY = 0.3  # a cluster with fewer of its possible pairs matching is split again
SPLIT_STEPS = 4  # stricter thresholds tried in turn for sparse clusters: 1 - (1 - t) / 10^k


def levels_matrix(patterns, n_columns):
    """Unpack packed patterns into a (patterns x columns) array of levels."""
    packed = np.asarray(patterns, dtype=np.int64)
    shifts = np.arange(n_columns, dtype=np.int64) * BITS
    return (packed[:, None] >> shifts[None, :]) & MISSING


def bayes_factors(m, u):
    """log2(m/u) per column and level: 0 for MISSING and for levels a column does not have."""
    with np.errstate(divide="ignore", invalid="ignore"):
        bf = np.log2(np.asarray(m) / np.asarray(u))
    bf[~np.isfinite(bf)] = 0.0
    bf[:, MISSING] = 0.0
    return bf


def prior_log_odds(lam):
    return float(np.log2(lam / (1 - lam)))


def probability(levels, m, u, lam):
    """Fellegi-Sunter: the prior log-odds plus each column's log Bayes factor, as a probability."""
    bf = bayes_factors(m, u)
    log_odds = prior_log_odds(lam) + bf[np.arange(bf.shape[0])[None, :], levels].sum(axis=1)
    return 1.0 / (1.0 + np.exp2(-log_odds))


def model_probability(patterns, m, u, lam):
    """Each packed pattern's match probability under the model (m, u per column and level, lambda)."""
    return probability(levels_matrix(patterns, np.asarray(m).shape[0]), m, u, lam)


def rescored(patterns, fitted, model):
    """Each pattern's match probability: the fitted run's (after labels) when it saw the pattern, else the
    model's (`model`, one per pattern); and which patterns the run never saw."""
    patterns = np.asarray(patterns, dtype=np.int64)
    unseen = np.array([int(p) not in fitted for p in patterns], dtype=bool)
    return np.array([fitted.get(int(p), f) for p, f in zip(patterns, model)], dtype=float), unseen


def components(left, right, n):
    """Component label (0..k-1) of each of `n` nodes joined by the edges left[i]-right[i]."""
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def split_sparse(left, right, p, n, threshold, min_density=MIN_DENSITY):
    """Components of the graph, sparse ones re-split with stricter thresholds."""
    label = components(left, right, n)
    keep = np.ones(len(left), dtype=bool)
    for step in range(1, SPLIT_STEPS + 1):
        size = np.bincount(label, minlength=n).astype(float)
        same = keep & (label[left] == label[right])
        edges = np.bincount(label[left][same], minlength=n)
        sparse = (size > 2) & (edges < min_density * size * (size - 1) / 2)
        if not sparse.any():
            break
        stricter = 1 - (1 - threshold) / 10**step
        keep &= ~sparse[label[left]] | (p >= stricter)
        label = components(left[keep], right[keep], n)
    return label


def clusters_of(left, right, p, threshold, min_density=MIN_DENSITY):
    """(record ids, cluster of each) for the records in matching pairs; a cluster is named by its smallest id."""
    ids, inverse = np.unique(np.concatenate([left, right]), return_inverse=True)
    half = len(left)
    label = split_sparse(inverse[:half], inverse[half:], np.asarray(p), len(ids), threshold, min_density)
    first = np.full(label.max() + 1 if len(label) else 0, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, label, ids.astype(np.int64))
    return ids.astype(np.int64), first[label]
