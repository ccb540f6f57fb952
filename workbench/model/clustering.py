"""Clustering a table without a target: KMeans over a range of k, a Gaussian mixture beside it.

    found = clustering.run(ws, "wines", k_range=range(2, 9))
    found.silhouettes          # k -> silhouette score of KMeans (on a bounded sample)
    found.profile              # per cluster, the features that set it apart (standardized mean differences)
    found.projection           # 2-D PCA coordinates of a sample of rows, with their cluster
    clustering.write_labels(ws, found)   # the table plus a `cluster` column, with lineage

The features are those `features.suggest` keeps for clustering (numbers,
dates, one-hot categories), imputed and scaled by the same preprocessing as
the models, so no column dominates the distances by its unit.
"""

from __future__ import annotations

import threading
import uuid
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench.errors import Cancelled, WorkbenchError
from workbench.jobs import Progress
from workbench.metadata import TableInfo, column_types
from workbench.model import data, features, pipeline
from workbench.model.task import detect_on
from workbench.names import quote
from workbench.settings import MODEL_LIMITS
from workbench.workspace import Workspace

METHODS = ("kmeans", "gaussian_mixture")


@dataclass
class Clustering:
    table_name: str
    features: features.Features
    rows: data.Rows
    method: str
    k: int
    labels: np.ndarray  # per row read (rows.frame), in table order
    silhouettes: dict[int, float]  # KMeans, per k
    mixture_bic: dict[int, float]  # GaussianMixture, per k (lower is better)
    mixture_silhouette: float | None
    profile: pd.DataFrame  # cluster, feature, smd (standardized mean difference), cluster_mean, overall_mean
    sizes: dict[int, int]
    projection: pd.DataFrame  # pc1, pc2, cluster for a bounded sample
    explained_variance: list[float] = field(default_factory=list)
    preprocess: Any = None  # the fitted preprocessing
    model: Any = None  # the fitted clusterer
    notes: list[str] = field(default_factory=list)

    def top_features(self, cluster: int, n: int = 5) -> pd.DataFrame:
        part = self.profile[self.profile["cluster"] == cluster]
        return part.reindex(part["smd"].abs().sort_values(ascending=False).index).head(n)

    def as_dict(self) -> dict[str, Any]:
        return {
            "table": self.table_name, "task": "clustering", "method": self.method, "k": self.k,
            "features": self.features.as_dict(), "rows_used": len(self.rows.frame), "rows_total": self.rows.total,
            "sampled": self.rows.sampled, "silhouettes": self.silhouettes, "mixture_bic": self.mixture_bic,
            "mixture_silhouette": self.mixture_silhouette, "sizes": self.sizes, "notes": self.notes,
            "profile": {int(c): self.top_features(int(c)).drop(columns="cluster").to_dict("records")
                        for c in sorted(self.sizes)},
        }  # fmt: skip


def run(
    ws: Workspace,
    table: str,
    *,
    feature_columns: list[str] | None = None,
    k_range: range | list[int] = range(2, 9),
    method: str = "kmeans",
    k: int | None = None,
    seed: int = 0,
    max_rows: int = MODEL_LIMITS.max_rows,
    on_progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> Clustering:
    """Cluster `table`; `k` None picks the k with the best KMeans silhouette."""
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA
    from sklearn.metrics import silhouette_score
    from sklearn.mixture import GaussianMixture
    from threadpoolctl import threadpool_limits

    if method not in METHODS:
        raise WorkbenchError(f"Unknown clustering method {method!r}; choose one of: {', '.join(METHODS)}.")
    ks = sorted({int(x) for x in k_range if int(x) >= 2})
    if not ks:
        raise WorkbenchError("Give at least one number of clusters of 2 or more.")
    report = on_progress or (lambda fraction, message: None)

    def check() -> None:
        if cancel is not None and cancel.is_set():
            raise Cancelled()

    with ws.connect() as con:
        name = ws.table(table, con).name
        task = detect_on(con, name, None)
        found = features.suggest_on(con, name, task)
        if feature_columns is not None:
            cols = pipeline.Columns(*[[c for c in group if c in feature_columns] for group in (
                found.columns.numeric, found.columns.categorical, found.columns.high_cardinality,
                found.columns.dates)])  # fmt: skip
            unusable = [c for c in feature_columns if c not in cols.all]
            if unusable:
                raise WorkbenchError(f"{unusable[0]!r} cannot be used to cluster: "
                                     f"{found.excluded.get(unusable[0], 'no such column')}.")  # fmt: skip
            found.columns = cols
        if not found.used:
            raise WorkbenchError("No usable column to cluster on: " + "; ".join(
                f"{c}: {r}" for c, r in found.excluded.items()))  # fmt: skip
        rows = data.read(con, name, found.used, max_rows=max_rows, seed=seed)
    if len(rows.frame) <= max(ks):
        raise WorkbenchError(f"{len(rows.frame)} rows are too few for {max(ks)} clusters.")
    prep = pipeline.preprocessor(found.columns, None, scale=True, seed=seed)
    sample = np.random.default_rng(seed).permutation(len(rows.frame))[:MODEL_LIMITS.silhouette_rows]
    silhouettes: dict[int, float] = {}
    bic: dict[int, float] = {}
    models: dict[tuple[str, int], Any] = {}
    steps = len(ks) * 2
    with threadpool_limits(MODEL_LIMITS.threads), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X = np.asarray(prep.fit_transform(rows.frame), dtype=float)
        for i, kk in enumerate(ks):
            check()
            km = KMeans(n_clusters=kk, n_init=10, random_state=seed).fit(X)
            labels = km.labels_
            silhouettes[kk] = float(silhouette_score(X[sample], labels[sample])) if len(set(labels[sample])) > 1 \
                else float("nan")
            models[("kmeans", kk)] = km
            report((i + 1) / steps, f"KMeans with k = {kk}: silhouette {silhouettes[kk]:.3f}")
        for i, kk in enumerate(ks):
            check()
            gm = GaussianMixture(n_components=kk, covariance_type="full", random_state=seed, reg_covar=1e-4).fit(X)
            bic[kk] = float(gm.bic(X))
            models[("gaussian_mixture", kk)] = gm
            report((len(ks) + i + 1) / steps, f"Gaussian mixture with {kk} components: BIC {bic[kk]:,.0f}")
        best_k = k or max(silhouettes, key=lambda kk: (np.nan_to_num(silhouettes[kk], nan=-2), -kk))
        if (method, best_k) not in models:
            model = (KMeans(n_clusters=best_k, n_init=10, random_state=seed) if method == "kmeans" else
                     GaussianMixture(n_components=best_k, random_state=seed, reg_covar=1e-4)).fit(X)  # fmt: skip
        else:
            model = models[(method, best_k)]
        labels = model.predict(X)
        mix_labels = models.get(("gaussian_mixture", best_k))
        mixture_sil = None
        if mix_labels is not None:
            ml = mix_labels.predict(X[sample])
            mixture_sil = float(silhouette_score(X[sample], ml)) if len(set(ml)) > 1 else None
        pca = PCA(n_components=min(2, X.shape[1]), random_state=seed).fit(X)
        shown = sample[:MODEL_LIMITS.projection_rows]
        coords = pca.transform(X[shown])
        if coords.shape[1] == 1:  # a single feature: the view is a line
            coords = np.column_stack([coords[:, 0], np.zeros(len(coords))])
    projection = pd.DataFrame({"pc1": coords[:, 0], "pc2": coords[:, 1], "cluster": labels[shown], "row": shown})
    names = [str(n).split("__", 1)[-1] for n in prep.named_steps["prep"].get_feature_names_out()]
    profile = _profile(X, labels, names)
    sizes = {int(c): int(n) for c, n in zip(*np.unique(labels, return_counts=True))}
    notes = [rows.note().replace("stratified ", "")]
    if len(rows.frame) > len(sample):
        notes.append(f"silhouette scores on a random sample of {len(sample):,} rows")
    report(1.0, "done")
    return Clustering(name, found, rows, method, best_k, labels, silhouettes, bic, mixture_sil, profile, sizes,
                      projection, [float(v) for v in pca.explained_variance_ratio_], prep, model, notes)  # fmt: skip


def _profile(X: np.ndarray, labels: np.ndarray, names: list[str]) -> pd.DataFrame:
    """Per cluster and feature: (mean in the cluster - mean of the other rows) / overall std, on the scaled features."""
    rows = []
    std = X.std(axis=0)
    std[std == 0] = 1.0
    for c in np.unique(labels):
        inside = labels == c
        mean_in = X[inside].mean(axis=0)
        mean_out = X[~inside].mean(axis=0) if (~inside).any() else X.mean(axis=0)
        smd = (mean_in - mean_out) / std
        for j, name in enumerate(names):
            rows.append({"cluster": int(c), "feature": name, "smd": float(smd[j]), "cluster_mean": float(mean_in[j]),
                         "other_mean": float(mean_out[j])})  # fmt: skip
    return pd.DataFrame(rows)


def write_labels(ws: Workspace, found: Clustering, *, name: str | None = None, column: str = "cluster") -> TableInfo:
    """The clustered table with a `cluster` column, as a new table with lineage (operation "cluster").

    Rows beyond the ones clustered (above the row cap) get the label the fitted model predicts for them."""
    from threadpoolctl import threadpool_limits

    with ws.connect() as con, con.cursor() as cur:
        source = ws.table(found.table_name, cur).name
        if column in column_types(cur, source):
            raise WorkbenchError(f"{source!r} already has a column {column!r}: choose another name for the labels.")
        work = f"_wb_labels_{uuid.uuid4().hex[:8]}"
        cols = ", ".join(quote(c) for c in found.features.used)
        cur.execute(f"CREATE TEMP TABLE {work}_in AS SELECT row_number() OVER () AS __wb_row, {cols} "
                    f"FROM {quote(source)}")  # fmt: skip
        (total,) = cur.execute(f"SELECT count(*) FROM {work}_in").fetchone()
        step = MODEL_LIMITS.predict_batch_rows
        parts = []
        for start in range(0, total, step):
            frame = cur.execute(f"SELECT * FROM {work}_in WHERE __wb_row > ? AND __wb_row <= ? ORDER BY __wb_row",
                                [start, start + step]).df()  # fmt: skip
            with threadpool_limits(MODEL_LIMITS.threads), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                X = np.asarray(found.preprocess.transform(frame[found.features.used]), dtype=float)
                parts.append(pd.DataFrame({"__wb_row": frame["__wb_row"].to_numpy(),
                                           column: found.model.predict(X).astype("int64")}))  # fmt: skip
        labels = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame({"__wb_row": [], column: []})
        cur.register("__wb_labels", labels)
        try:
            cur.execute(f"CREATE TEMP TABLE {work} AS SELECT * FROM __wb_labels")
        finally:
            cur.unregister("__wb_labels")
        out = ws.free_name(name or f"{source}_clusters", cur)
        params = {"method": found.method, "k": found.k, "features": found.features.used, "column": column,
                  "silhouette": found.silhouettes.get(found.k)}  # fmt: skip
        with ws.transaction(cur):
            return ws.create_table_as(
                cur, out,
                f"SELECT s.* EXCLUDE (__wb_row), l.{quote(column)} FROM (SELECT *, row_number() OVER () AS __wb_row "
                f"FROM {quote(source)}) s JOIN {work} l USING (__wb_row) ORDER BY __wb_row",
                source_kind="step", operation="cluster", parents=[source], parameters=params,
                sql=f"-- {found.method} clustering (k = {found.k}) of {source} on {', '.join(found.features.used)}",
            )  # fmt: skip
