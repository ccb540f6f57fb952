"""What the schema browser and the editor's completion show: tables, views, columns, types, rows."""

from __future__ import annotations

from dataclasses import dataclass

from workbench import metadata
from workbench.workspace import Workspace


@dataclass
class CatalogTable:
    name: str
    kind: str  # table | view
    rows: int | None
    columns: list[tuple[str, str]]  # (name, type)


def describe(ws: Workspace) -> list[CatalogTable]:
    with ws.connect() as con:
        infos = metadata.list_tables(con)
        rows = con.execute(
            "SELECT table_name, column_name, data_type FROM duckdb_columns() "
            "WHERE schema_name = 'main' AND database_name = current_database() "
            "ORDER BY table_name, column_index"
        ).fetchall()
    columns: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in rows:
        columns.setdefault(table, []).append((column, kind))
    return [
        CatalogTable(t.name, t.kind, t.rows, columns.get(t.name, []))
        for t in sorted(infos, key=lambda t: t.name.lower())
    ]
