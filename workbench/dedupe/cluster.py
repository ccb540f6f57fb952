"""Clusters: records linked by pairs at or above the threshold, without chaining.

Connected components are found in DuckDB by label propagation with pointer
jumping (each record takes the smallest label among itself and its neighbours,
then the label of its label), which needs few passes even on long chains.

Plain components chain: a-b and b-c above the threshold put a and c together
however different they are, and on big data a handful of such links can glue
thousands of records into one cluster. So a component that is too sparse (fewer
than `min_density` of its possible pairs are matches) is split again using only
its stronger pairs, raising the bar step by step until it is dense or a pair.
"""

from __future__ import annotations

import duckdb

from workbench.dedupe.engine import RIGHT_OFFSET, Run

MIN_DENSITY = 0.3
# Stricter thresholds tried in turn for sparse components: 1 - (1 - t) / 10^k.
SPLIT_STEPS = 4


def _components(con: duckdb.DuckDBPyConnection, edges: str, labels: str) -> None:
    """labels(id, c): the smallest id of each node's connected component in `edges`."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {labels} AS SELECT id, id AS c "
                f"FROM (SELECT l AS id FROM {edges} UNION SELECT r FROM {edges})")  # fmt: skip
    while True:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _next AS
            WITH spread AS (
                SELECT id, min(c) AS c FROM (
                    SELECT id, c FROM {labels}
                    UNION ALL SELECT e.l, n.c FROM {edges} e JOIN {labels} n ON n.id = e.r
                    UNION ALL SELECT e.r, n.c FROM {edges} e JOIN {labels} n ON n.id = e.l
                ) GROUP BY id)
            SELECT s.id, least(s.c, j.c) AS c FROM spread s JOIN spread j ON j.id = s.c""")
        (changed,) = con.execute(
            f"SELECT count(*) FROM _next n JOIN {labels} o USING (id) WHERE n.c <> o.c"
        ).fetchone()
        con.execute(f"CREATE OR REPLACE TEMP TABLE {labels} AS SELECT * FROM _next")
        if not changed:
            break
    con.execute("DROP TABLE _next")


def build(con: duckdb.DuckDBPyConnection, run: Run, threshold: float, min_density: float = MIN_DENSITY) -> str:
    """Write the run's `clusters` work table (id, cluster) for every record; returns its name."""
    pairs, scores, out = run.work("pairs"), run.work("scores"), run.work("clusters")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _edges AS SELECT l, r, p FROM {pairs} JOIN {scores} USING (pattern) "
                "WHERE p >= ?", [threshold])  # fmt: skip
    _components(con, "_edges", "_labels")
    con.execute("CREATE OR REPLACE TEMP TABLE _final AS SELECT id, c FROM _labels")
    for step in range(1, SPLIT_STEPS + 1):
        # components with too few of their possible pairs matched
        con.execute("""CREATE OR REPLACE TEMP TABLE _sparse AS
            SELECT f.c FROM _final f
            JOIN (SELECT lf.c, count(*) AS e FROM _edges JOIN _final lf ON lf.id = _edges.l
                  JOIN _final rf ON rf.id = _edges.r AND rf.c = lf.c GROUP BY lf.c) k USING (c)
            GROUP BY f.c, k.e HAVING count(*) > 2 AND k.e < ? * count(*) * (count(*) - 1) / 2""", [min_density])
        if not con.execute("SELECT count(*) FROM _sparse").fetchone()[0]:
            break
        stricter = 1 - (1 - threshold) / 10**step
        con.execute("""CREATE OR REPLACE TEMP TABLE _edges AS
            SELECT e.* FROM _edges e JOIN _final f ON f.id = e.l
            WHERE f.c NOT IN (SELECT c FROM _sparse) OR e.p >= ?""", [stricter])
        con.execute("CREATE OR REPLACE TEMP TABLE _inner AS SELECT e.* FROM _edges e JOIN _final f ON f.id = e.l "
                    "WHERE f.c IN (SELECT c FROM _sparse)")  # fmt: skip
        _components(con, "_inner", "_split")
        # members of a sparse component: their new component, or themselves when left alone
        con.execute("""CREATE OR REPLACE TEMP TABLE _final AS
            SELECT f.id, CASE WHEN f.c IN (SELECT c FROM _sparse) THEN coalesce(s.c, f.id) ELSE f.c END AS c
            FROM _final f LEFT JOIN _split s USING (id)""")
    con.execute(f"""CREATE OR REPLACE TABLE {out} AS
        SELECT r._id AS id, coalesce(f.c, r._id) AS cluster FROM {run.work('records')} r LEFT JOIN _final f ON f.id = r._id""")
    for temp in ("_edges", "_labels", "_final", "_sparse", "_inner", "_split"):
        con.execute(f"DROP TABLE IF EXISTS {temp}")
    return out


def summary(con: duckdb.DuckDBPyConnection, run: Run) -> dict:
    """Counts over the clusters table."""
    row = con.execute(f"""SELECT count(*), count(*) FILTER (WHERE n > 1), coalesce(sum(n) FILTER (WHERE n > 1), 0),
        max(n) FROM (SELECT cluster, count(*) AS n FROM {run.work('clusters')} GROUP BY cluster)""").fetchone()
    return {"clusters": row[0], "clusters_with_duplicates": row[1], "records_in_them": int(row[2]), "largest": row[3]}


def matched_pairs_sql(run: Run) -> str:
    """SQL for every pair of records that share a cluster (in link mode, left-right pairs only)."""
    side = "a.id < b.id" if not run.link else f"a.id < {RIGHT_OFFSET} AND b.id >= {RIGHT_OFFSET}"
    clusters = run.work("clusters")
    return f"SELECT a.id AS l, b.id AS r FROM {clusters} a JOIN {clusters} b ON a.cluster = b.cluster AND {side}"
