"""A Similar result saved as a new table with lineage: the neighbours, their distance, its part per column and
the rows' values. Written in one transaction: nothing is left behind on an error."""

from __future__ import annotations

import pandas as pd

from workbench.metadata import TableInfo
from workbench.names import quote
from workbench.workspace import Workspace

PART = "part: "  # prefix of a column holding one column's part of the distance


def frame(result) -> pd.DataFrame:
    """rank, id, distance, reference, one `part: <col>` per compared column, then the rows' values."""
    out = result.rows[["rank", "id", "distance", "reference"]].copy()
    for c in result.columns:
        out[PART + c] = result.contributions[c].to_numpy()
    for c in result.rows.columns[4:]:
        out[c if c not in out.columns else f"{c} (value)"] = result.rows[c].to_numpy()
    return out


def parameters(result) -> dict:
    return {"to": list(result.references), "id_column": result.id_column, "columns": list(result.columns),
            "k": result.k, "where": result.where, "scaling": result.scaling, "categorical": result.categorical,
            "metric": result.metric, "weights": dict(result.weights), "left_out": dict(result.left_out)}  # fmt: skip


def save(ws: Workspace, result, name: str | None = None) -> TableInfo:
    """The neighbours as a new table (operation "similar"), its parameters recorded so its lineage says how it was
    made; `name` (default `<table>_similar`) is made unique."""
    data = frame(result)
    refs = ", ".join(str(r) for r in result.references)
    with ws.connect() as con, con.cursor() as cur:
        source = ws.table(result.table, cur).name
        out = ws.free_name(name or f"{source}_similar", cur)
        cur.register("__wb_similar", data)
        try:
            with ws.transaction(cur):
                return ws.create_table_as(
                    cur, out, f"SELECT * FROM __wb_similar ORDER BY {quote('rank')}",
                    source_kind="step", operation="similar", parents=[source], parameters=parameters(result),
                    sql=(f"-- the {result.k} rows of {source} nearest to {result.id_column or 'row number'} {refs} "
                         f"({result.metric} distance, {result.scaling} scaling) on {', '.join(result.columns)}"
                         + (f" among the rows where {result.where}" if result.where else "")),
                )  # fmt: skip
        finally:
            cur.unregister("__wb_similar")
