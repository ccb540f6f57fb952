"""Clusters: records linked by pairs at or above the threshold, without chaining.

Plain connected components chain: a-b and b-c above the threshold put a and c
together however different they are, and on big data a handful of such links
can glue thousands of records into one cluster. So a component that is too
sparse (fewer than `min_density` of its possible pairs are matches) is split
again using only its stronger pairs, raising the bar step by step.

DuckDB selects the matching edges; the graph work runs on them in numpy/scipy
(`portable.py`; `connected_components` is linear in the edges). Edges above the threshold are
bounded by the duplicates, not by the n² pairs: a few million integers at most.
In-database label propagation was measured first and needed one full pass per
step of the longest path, minutes on a million records.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pandas as pd

from workbench.dedupe.engine import RIGHT_OFFSET, Run, frame_sql
from workbench.dedupe.portable import MIN_DENSITY, clusters_of
from workbench.workspace import Workspace

EDGES_SQL = "SELECT l, r, p FROM {pairs} JOIN {scores} USING (pattern) WHERE p >= ?"
# every record with its cluster: its matches' cluster, else its own
CLUSTERS_SQL = ("SELECT r._id AS id, coalesce(m.cluster, r._id) AS cluster FROM {records} r "
                "LEFT JOIN {members} m ON m.id = r._id")


def build(con: duckdb.DuckDBPyConnection, run: Run, threshold: float, min_density: float = MIN_DENSITY) -> str:
    """Write the run's `clusters` work table (id, cluster) for every record; returns its name.

    A cluster is named by its smallest record id; a record without matches is its own cluster.
    """
    edges = con.execute(EDGES_SQL.format(pairs=run.work("pairs"), scores=run.work("scores")), [threshold]).fetchnumpy()
    ids, clusters = clusters_of(edges["l"], edges["r"], edges["p"], threshold, min_density)
    out = run.work("clusters")
    # bound as list parameters, not registered: this stays on the caller's connection and transaction
    values, params = frame_sql(pd.DataFrame({"id": ids, "cluster": clusters}))
    con.execute(f"CREATE OR REPLACE TABLE {out} AS {CLUSTERS_SQL.format(records=run.work('records'), members=values)}",
                params)  # fmt: skip
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
