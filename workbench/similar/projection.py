"""The taste map: the table's rows drawn in two dimensions from the space the distances were measured in, the
references and neighbours marked. PCA by default (its axes are the two directions of largest spread, and the
share of the spread they hold is said); t-SNE as an option (near rows stay near, far distances mean little)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbench.errors import WorkbenchError
from workbench.metadata import column_types
from workbench.names import quote
from workbench.settings import SIMILAR_LIMITS
from workbench.similar.neighbours import fitted
from workbench.similar.space import ONE_HOT_SCALE

METHODS = ("pca", "tsne")
ROLES = ("reference", "neighbour", "other")


@dataclass
class Projection:
    frame: pd.DataFrame  # x, y, id, role, colour, then the compared columns' values (for hover)
    method: str
    notes: list[str] = field(default_factory=list)
    explained: float | None = None  # PCA: share of the spread the two directions hold


def _coordinates(space, X: np.ndarray, frame: pd.DataFrame) -> np.ndarray:
    """Euclidean: the scaled matrix itself. Gower: numbers divided by their range (a missing one at its column's
    mean) and categories as 0/1 columns scaled like one-hot ones, weighted as the distance weighs them."""
    if space.metric != "gower":
        return X.astype(np.float64)
    blocks = []
    for j, c in enumerate(space.columns):
        root = math.sqrt(space.weight_[j])
        col = X[:, j].astype(np.float64)
        if c in space.numeric_:
            mean = np.nanmean(col) if (~np.isnan(col)).any() else 0.0
            blocks.append(root * np.where(np.isnan(col), mean, col)[:, None])
        else:
            onehot = np.zeros((len(col), len(space.categories_[c])))
            seen = ~np.isnan(col)
            onehot[np.flatnonzero(seen), col[seen].astype(int)] = root * ONE_HOT_SCALE
            blocks.append(onehot)
    return np.hstack(blocks)


def project(ws, result, *, method: str = "pca", colour: str | None = None,
            max_rows: int = SIMILAR_LIMITS.projection_rows, seed: int = 0) -> Projection:  # fmt: skip
    """The 2-D map of `result`'s table (a random `max_rows` of its rows above that, references and neighbours
    always drawn), coloured by `colour`'s values when given."""
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    if method not in METHODS:
        raise WorkbenchError(f"Unknown map method {method!r}; choose one of: {', '.join(METHODS)}.")
    if method == "tsne":
        max_rows = min(max_rows, SIMILAR_LIMITS.tsne_rows)
    found = fitted(ws, result)
    n = len(found.X)
    marked = np.concatenate([result.reference_positions, result.positions]).astype(np.int64)
    others = np.setdiff1d(np.arange(n), marked)
    rng = np.random.default_rng(seed)
    room = max(0, max_rows - len(marked))
    drawn = others if len(others) <= room else np.sort(rng.choice(others, room, replace=False))
    rows = np.concatenate([drawn, marked])
    notes = []
    if len(rows) < n:
        notes.append(f"A random {len(drawn) + len(marked):,} of {n:,} rows are drawn; the references and "
                     "neighbours always.")  # fmt: skip
    Z = _coordinates(found.space, found.X[rows], found.frame)
    if found.space.metric == "gower":
        notes.append("Gower distance has no coordinates of its own: the map is drawn from the numbers divided by "
                     "their range and the categories as 0/1 columns, the closest picture of it.")  # fmt: skip
    explained = None
    if method == "pca" or len(rows) < 5:
        pca = PCA(n_components=min(2, Z.shape[1], len(rows)), random_state=seed)
        xy = pca.fit_transform(Z)
        explained = float(pca.explained_variance_ratio_.sum())
        notes.append(f"The two directions shown hold {explained:.0%} of the spread (PCA): rows close on the map "
                     "are close in the data only as far as the rest is small.")  # fmt: skip
    else:
        tsne = TSNE(n_components=2, random_state=seed, init="pca", perplexity=min(30.0, (len(rows) - 1) / 3))
        xy = tsne.fit_transform(Z)
        notes.append("t-SNE keeps rows that are near each other near on the map; the distances between far groups "
                     "and the axes mean nothing.")  # fmt: skip
    if xy.shape[1] < 2:
        xy = np.hstack([xy, np.zeros((len(xy), 2 - xy.shape[1]))])
    ids = found.ids if found.ids is not None else np.arange(1, n + 1)
    role = np.array(["other"] * len(drawn) + ["reference"] * len(result.reference_positions)
                    + ["neighbour"] * len(result.positions), dtype=object)  # fmt: skip
    out = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "id": ids[rows], "role": role,
                        "colour": _colours(ws, result.table, colour, rows)})  # fmt: skip
    values = found.frame.iloc[rows].reset_index(drop=True)
    for c in result.columns:
        out[c if c not in out.columns else f"{c} (value)"] = values[c].to_numpy()
    if colour:
        notes.append(f"Coloured by {colour}.")
    return Projection(out, method, notes, explained)


def _colours(ws, table: str, colour: str | None, rows: np.ndarray):
    if not colour:
        return None
    with ws.connect(read_only=True) as con:
        types = column_types(con, table)
        if colour not in types:
            raise WorkbenchError(f"{table} has no column {colour!r} to colour the map by.")
        values = con.execute(f"SELECT {quote(colour)} FROM {quote(table)}").df()[colour].to_numpy()
    return values[rows]

