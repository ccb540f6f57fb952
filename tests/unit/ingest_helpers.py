"""What the import tests share: import one file (it must succeed), a table's column types, a query's rows."""

from __future__ import annotations

from workbench.ingest import load


def import_one(ws, path):
    (result,) = load(ws, [path])
    assert result.ok, result.error
    return result


def schema(ws, table) -> dict[str, str]:
    frame = ws.schema(table)
    return dict(zip(frame["column"], frame["type"]))


def rows(ws, sql, params=()):
    with ws.connect() as con:
        return con.execute(sql, list(params)).fetchall()
