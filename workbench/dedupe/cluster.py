"""Clusters: records linked by pairs at or above the threshold, without chaining.

Plain connected components chain: a-b and b-c above the threshold put a and c
together however different they are, and on big data a handful of such links
can glue thousands of records into one cluster. So a component that is too
sparse (fewer than `min_density` of its possible pairs are matches) is split
again using only its stronger pairs, raising the bar step by step.

DuckDB selects the matching edges; the graph work runs on them in numpy/scipy
(`connected_components` is linear in the edges). Edges above the threshold are
bounded by the duplicates, not by the n² pairs: a few million integers at most.
In-database label propagation was measured first and needed one full pass per
step of the longest path, minutes on a million records.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from workbench.dedupe.engine import RIGHT_OFFSET, Run, frame_sql
from workbench.workspace import Workspace

MIN_DENSITY = 0.3
# Stricter thresholds tried in turn for sparse components: 1 - (1 - t) / 10^k.
SPLIT_STEPS = 4


def components(left: np.ndarray, right: np.ndarray, n: int) -> np.ndarray:
    """Component label (0..k-1) of each of `n` nodes joined by the edges left[i]-right[i]."""
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def split_sparse(left: np.ndarray, right: np.ndarray, p: np.ndarray, n: int, threshold: float,
                 min_density: float = MIN_DENSITY) -> np.ndarray:
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


def build(con: duckdb.DuckDBPyConnection, run: Run, threshold: float, min_density: float = MIN_DENSITY) -> str:
    """Write the run's `clusters` work table (id, cluster) for every record; returns its name.

    A cluster is named by its smallest record id; a record without matches is its own cluster.
    """
    edges = con.execute(
        f"SELECT l, r, p FROM {run.work('pairs')} JOIN {run.work('scores')} USING (pattern) WHERE p >= ?", [threshold]
    ).fetchnumpy()
    ids, inverse = np.unique(np.concatenate([edges["l"], edges["r"]]), return_inverse=True)
    half = len(edges["l"])
    label = split_sparse(inverse[:half], inverse[half:], np.asarray(edges["p"]), len(ids), threshold, min_density)
    # name each component by its smallest member id
    first = np.full(label.max() + 1 if len(label) else 0, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, label, ids.astype(np.int64))
    members = pd.DataFrame({"id": ids.astype(np.int64), "cluster": first[label]})
    out = run.work("clusters")
    # bound as list parameters, not registered: this stays on the caller's connection and transaction
    values, params = frame_sql(members)
    con.execute(f"""CREATE OR REPLACE TABLE {out} AS
        SELECT r._id AS id, coalesce(m.cluster, r._id) AS cluster FROM {run.work('records')} r
        LEFT JOIN {values} m ON m.id = r._id""", params)
    return out


def summary(con: duckdb.DuckDBPyConnection, run: Run) -> dict:
    """Counts over the clusters table."""
    row = con.execute(f"""SELECT count(*), count(*) FILTER (WHERE n > 1), coalesce(sum(n) FILTER (WHERE n > 1), 0),
        max(n) FROM (SELECT cluster, count(*) AS n FROM {run.work('clusters')} GROUP BY cluster)""").fetchone()
    return {"clusters": row[0], "clusters_with_duplicates": row[1], "records_in_them": int(row[2]), "largest": row[3]}


def at_threshold(ws: Workspace, run: Run, threshold: float, largest: int = 10) -> tuple[dict, list[tuple[int, int]]]:
    """Cluster the run at `threshold`: the counts, and (cluster, size) of the `largest` clusters."""
    with ws.connect() as con:
        build(con, run, threshold)
        big = con.execute(f"SELECT cluster, count(*) AS n FROM {run.work('clusters')} GROUP BY cluster "
                          "HAVING n > 1 ORDER BY n DESC, cluster LIMIT ?", [largest]).fetchall()  # fmt: skip
        return summary(con, run), big


def members(ws: Workspace, run: Run, cluster: int) -> list[int]:
    """The record ids of one cluster, in order."""
    with ws.connect(read_only=True) as con:
        return [r[0] for r in con.execute(f"SELECT id FROM {run.work('clusters')} WHERE cluster = ? ORDER BY id",
                                          [cluster]).fetchall()]  # fmt: skip


def groups(ws: Workspace, run: Run, threshold: float) -> list[list[int]]:
    """Cluster the run at `threshold`: every cluster of two or more records, as its record ids in order."""
    with ws.connect() as con:
        build(con, run, threshold)
        rows = con.execute(f"SELECT list(id ORDER BY id) FROM {run.work('clusters')} "
                           "GROUP BY cluster HAVING count(*) > 1 ORDER BY min(id)").fetchall()  # fmt: skip
    return [r[0] for r in rows]


@dataclass
class Change:
    """How the clusters moved between two clusterings of the same records."""

    before: int  # clusters, records alone included
    after: int
    split: list[tuple[list[int], int]] = field(default_factory=list)  # a cluster before, the clusters it became
    joined: list[tuple[list[int], int]] = field(default_factory=list)  # a cluster after, the clusters it came from


def compare(before: list[list[int]], after: list[list[int]], n_records: int) -> Change:
    """What changed from the clusters `before` to `after` (as `groups` gives them)."""

    def owner(clusters: list[list[int]]) -> dict[int, int]:
        return {i: k for k, ids in enumerate(clusters) for i in ids}

    def pieces(ids: list[int], other: dict[int, int]) -> int:  # a record in no cluster is one of its own
        return len({other.get(i, -1 - i) for i in ids})

    old, new = owner(before), owner(after)
    kept = {tuple(ids) for ids in before} & {tuple(ids) for ids in after}
    return Change(
        before=n_records - len(old) + len(before),
        after=n_records - len(new) + len(after),
        split=[(ids, n) for ids in before if tuple(ids) not in kept and (n := pieces(ids, new)) > 1],
        joined=[(ids, n) for ids in after if tuple(ids) not in kept and (n := pieces(ids, old)) > 1],
    )


def matched_pairs_sql(run: Run) -> str:
    """SQL for every pair of records that share a cluster (in link mode, left-right pairs only)."""
    side = "a.id < b.id" if not run.link else f"a.id < {RIGHT_OFFSET} AND b.id >= {RIGHT_OFFSET}"
    clusters = run.work("clusters")
    return f"SELECT a.id AS l, b.id AS r FROM {clusters} a JOIN {clusters} b ON a.cluster = b.cluster AND {side}"
