"""Merging: one record per cluster, chosen column by column by survivorship rules.

The result is two new tables with lineage (parent: the source table, operation
"dedupe"): the merged table (one row per cluster, singletons included) and the
mapping from every original record (its rowid, `source_row`) to its cluster.
In link mode the result is the table of linked pairs with both sides' columns.
"""

from __future__ import annotations

from workbench.dedupe import cluster
from workbench.dedupe.engine import RIGHT_OFFSET, Run
from workbench.errors import WorkbenchError
from workbench.metadata import TableInfo
from workbench.names import disambiguate_columns, quote
from workbench.workspace import Workspace

# rule -> (what it keeps, SQL aggregate over {c}, the column, and {o}, the recency column). Ties go to
# the earliest record, so a merge (and its replay) always keeps the same values: a plain mode() picks
# among tied values by the order rows reach it, which parallel scans do not fix (measured: ~1.5x mode's time).
RULES = {
    "most_frequent": ("the most common value", "mode({c} ORDER BY source_row)"),
    "longest": ("the longest value",
                "arg_max({c}, [length(CAST({c} AS VARCHAR)), -source_row]) FILTER (WHERE {c} IS NOT NULL)"),
    "most_recent": ("the value of the most recent record",
                    "arg_max({c}, {{'at': {o}, 'row': -source_row}}) FILTER (WHERE {c} IS NOT NULL)"),
    "first_non_null": ("the first value present", "arg_min({c}, source_row) FILTER (WHERE {c} IS NOT NULL)"),
}
DEFAULT_RULE = "most_frequent"


def survivors(columns: list[str], rules: dict[str, str], recent_by: str | None) -> list[str]:
    """One aggregate per column choosing the value a merged record keeps, by its survivorship rule."""
    unknown = sorted(set(rules) - set(columns))
    if unknown:
        raise WorkbenchError(f"Survivorship rules name unknown columns: {', '.join(unknown)}.")
    out = []
    for name in columns:
        rule = rules.get(name, DEFAULT_RULE)
        if rule not in RULES:
            raise WorkbenchError(f"Unknown survivorship rule {rule!r} for {name!r}; choose one of {', '.join(RULES)}.")
        if rule == "most_recent" and recent_by not in columns:
            raise WorkbenchError("'most_recent' needs the column that says how recent a record is (recent_by).")
        expr = RULES[rule][1].format(c=quote(name), o=quote(recent_by or name))
        out.append(f"{expr} AS {quote(name)}")
    return out


def mapping_sql(table: str, clusters: str) -> str:
    """Every record of `table` with its cluster (numbered 1, 2... in order of the cluster's first record)."""
    return (f"SELECT dense_rank() OVER (ORDER BY c.cluster) AS cluster_id, t.rowid AS source_row, t.* "
            f"FROM {quote(table)} t JOIN {clusters} c ON c.id = t.rowid")


def merged_sql(mapping: str, aggregates: list[str]) -> str:
    """One row per cluster from a mapping (table or subquery), each column chosen by its survivorship rule."""
    return (f"SELECT cluster_id, count(*) AS records, {', '.join(aggregates)} FROM {mapping} "
            "GROUP BY cluster_id ORDER BY cluster_id")


def merge(ws: Workspace, run: Run, threshold: float, *, rules: dict[str, str] | None = None,
          recent_by: str | None = None, output: str | None = None) -> tuple[TableInfo, TableInfo]:
    """Cluster at `threshold`, then write the merged table and the mapping table."""
    if run.link:
        raise WorkbenchError("Two linked tables are not merged: use the links table instead.")
    with ws.connect() as con:
        columns = [r[0] for r in con.execute(f"DESCRIBE {quote(run.table)}").fetchall()]
        aggregates = survivors(columns, rules or {}, recent_by)
        clusters = cluster.build(con, run, threshold)  # a work table: outside the transaction
        with ws.transaction(con):
            merged_name = ws.free_name(output or f"{run.table}_deduped", con)
            mapping_name = ws.free_name(f"{merged_name}_mapping", con)
            parameters = {
                "columns": [c.as_dict() for c in run.columns],
                "blocking_rules": [r.text() for r in run.rules],
                "threshold": threshold,
                "survivorship": {c: (rules or {}).get(c, DEFAULT_RULE) for c in columns},
                "recent_by": recent_by,
                "labels": len(run.labels),
            }
            provenance = dict(source_kind="step", operation="dedupe", parents=[run.table], parameters=parameters)
            mapping = ws.create_table_as(con, mapping_name, mapping_sql(run.table, clusters), **provenance)
            # the merged table is a recipe step: its lineage keeps the fitted model, so it replays on new data
            from workbench.clean.merge_step import DedupeMerge

            step = DedupeMerge.from_run(run, threshold, parameters["survivorship"], recent_by)
            merged = ws.create_table_as(
                con, merged_name, merged_sql(quote(mapping_name), aggregates),
                **{**provenance, "parents": [run.table, mapping_name],
                   "parameters": {**parameters, "step": step.to_dict(), "description": step.describe()}},
            )  # fmt: skip
    return merged, mapping


def link_table(ws: Workspace, run: Run, threshold: float, output: str | None = None) -> TableInfo:
    """The linked pairs at or above `threshold`, with the probability and both records' columns."""
    if not run.link:
        raise WorkbenchError("This run deduplicates one table; linking needs two.")
    with ws.connect() as con:
        left = [r[0] for r in con.execute(f"DESCRIBE {quote(run.table)}").fetchall()]
        right = [r[0] for r in con.execute(f"DESCRIBE {quote(run.right)}").fetchall()]
        names = disambiguate_columns(["match_probability", "left_row", "right_row", *left, *right])
        out_left, out_right = names[3 : 3 + len(left)], names[3 + len(left) :]
        select = ", ".join(
            [f"a.{quote(c)} AS {quote(n)}" for c, n in zip(left, out_left)]
            + [f"b.{quote(c)} AS {quote(n)}" for c, n in zip(right, out_right)]
        )
        with ws.transaction(con):
            name = ws.free_name(output or f"{run.table}_{run.right}_links", con)
            return ws.create_table_as(
                con, name,
                f"SELECT s.p AS match_probability, p.l AS left_row, p.r - {RIGHT_OFFSET} AS right_row, {select} "
                f"FROM {run.work('pairs')} p JOIN {run.work('scores')} s USING (pattern) "
                f"JOIN {quote(run.table)} a ON a.rowid = p.l "
                f"JOIN {quote(run.right)} b ON b.rowid = p.r - {RIGHT_OFFSET} "
                f"WHERE s.p >= ? ORDER BY match_probability DESC, left_row, right_row",
                [threshold], source_kind="step", operation="link", parents=[run.table, run.right],
                parameters={"columns": [c.as_dict() for c in run.columns],
                            "blocking_rules": [r.text() for r in run.rules], "threshold": threshold,
                            "labels": len(run.labels)},
            )  # fmt: skip
