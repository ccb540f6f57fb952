"""Active learning: ask about the pairs the model is least sure of, learn from the answers.

Pairs with the same pattern get the same score, so the review queue offers one
pair per pattern, closest to 0.5 first: every answer teaches something new.

The refined model is a scikit-learn logistic regression over the one-hot
comparison levels. Fellegi-Sunter's log-odds are linear in those same
indicators, so fitted to the unsupervised probabilities (as soft targets,
weighted by how many pairs share each pattern) it reproduces them; the
labelled pairs are added with a large weight and pull the scores of their
pattern and of similar patterns towards the answers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from workbench.dedupe.engine import Run, frame_sql
from workbench.dedupe.fellegi_sunter import SLOTS, levels_matrix
from workbench.workspace import Workspace

# Weight of one labelled pair, as a share of all compared pairs.
LABEL_WEIGHT = 0.02


def uncertain_pairs(ws: Workspace, run: Run, n: int = 10) -> pd.DataFrame:
    """Up to `n` unlabelled pairs (l, r, pattern, p), one per pattern, most uncertain first."""
    scores = run.scores
    labelled_patterns = set(_label_frame(ws, run)["pattern"]) if run.labels else set()
    todo = scores[~scores["pattern"].isin(labelled_patterns)].copy()
    todo["distance"] = (todo["p"] - 0.5).abs()
    chosen = todo.nsmallest(n, ["distance", "pattern"])[["pattern", "p"]]
    if chosen.empty:
        return pd.DataFrame(columns=["l", "r", "pattern", "p"])
    with ws.connect() as con:
        picked = con.execute(
            f"SELECT s.l, s.r, pattern FROM (SELECT pattern, min({{'l': l, 'r': r}}) AS s "
            f"FROM {run.work('pairs')} WHERE list_contains(?, pattern) GROUP BY pattern)",
            [chosen["pattern"].tolist()],
        ).df()
    return picked.merge(chosen, on="pattern").sort_values("p", key=lambda p: (p - 0.5).abs()).reset_index(drop=True)


def _label_frame(ws: Workspace, run: Run) -> pd.DataFrame:
    """The labelled pairs with their patterns."""
    frame = pd.DataFrame([(*pair, y) for pair, y in run.labels.items()], columns=["l", "r", "label"])
    values, params = frame_sql(frame)
    with ws.connect() as con:
        return con.execute(
            f"SELECT f.l, f.r, f.label, p.pattern FROM {values} f JOIN {run.work('pairs')} p USING (l, r)", params
        ).df()


def _design(levels: np.ndarray) -> np.ndarray:
    """One-hot comparison levels: column k, level v -> feature k * SLOTS + v."""
    n, k = levels.shape
    x = np.zeros((n, k * SLOTS))
    x[np.arange(n)[:, None], np.arange(k)[None, :] * SLOTS + levels] = 1.0
    return x


def refine(ws: Workspace, run: Run) -> None:
    """Recompute `run.scores["p"]` from the unsupervised model plus the labels (none: back to it)."""
    scores = run.scores
    labels = _label_frame(ws, run) if run.labels else pd.DataFrame(columns=["pattern", "label"])
    if labels.empty:
        scores["p"] = scores["fs"]
        return
    k = len(run.columns)
    x_all = _design(levels_matrix(scores["pattern"], k))
    fs = scores["fs"].to_numpy().clip(1e-12, 1 - 1e-12)
    n = scores["n"].to_numpy(dtype=float)
    x_lab = _design(levels_matrix(labels["pattern"], k))
    y_lab = labels["label"].to_numpy(dtype=int)
    label_weight = LABEL_WEIGHT * n.sum()
    x = np.vstack([x_all, x_all, x_lab])
    y = np.concatenate([np.ones(len(fs)), np.zeros(len(fs)), y_lab])
    w = np.concatenate([n * fs, n * (1 - fs), np.full(len(y_lab), label_weight)])
    model = LogisticRegression(C=1e4, max_iter=2000)
    with threadpool_limits(1):
        model.fit(x, y, sample_weight=w / w.mean())
    refined = model.predict_proba(x_all)[:, 1]
    # a labelled pattern takes its answers' verdict: the reviewer saw those records
    verdict = labels.groupby("pattern")["label"].mean()
    own = scores["pattern"].map(verdict)
    scores["p"] = np.where(own.notna(), own.fillna(0).to_numpy() * 0.98 + 0.01, refined)
