"""The `_workbench` schema: provenance and lineage of every table, in the workspace file.

One row per table in `_workbench.tables` says where it came from (a file, an
upload, a sample, Kaggle, or a step over parent tables), with the operation,
its parameters and the SQL it ran, so a chain of steps can be replayed and
undone. Rejected lines of an import are kept in `_workbench.rejects`.
Functions here take an open connection and never commit on their own: callers
wrap them in the transaction of the change they describe.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePath
from typing import Any

import duckdb

from workbench.names import quote
from workbench.words import plural, were

SCHEMA = "_workbench"
SCHEMA_VERSION = 2

DDL = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
CREATE TABLE IF NOT EXISTS {SCHEMA}.tables (
    name VARCHAR NOT NULL,
    source_kind VARCHAR NOT NULL,   -- file | upload | sample | kaggle | step | sql
    source_detail VARCHAR,          -- JSON: path, member, sheet, format, encoding, ref...
    created_at TIMESTAMP NOT NULL,  -- UTC
    row_count BIGINT,
    column_count INTEGER,
    rejected_count BIGINT NOT NULL DEFAULT 0,
    parents VARCHAR[] NOT NULL DEFAULT [],
    operation VARCHAR NOT NULL,     -- import, or the name of a step
    parameters VARCHAR,             -- JSON
    sql VARCHAR
);
CREATE TABLE IF NOT EXISTS {SCHEMA}.rejects (
    table_name VARCHAR NOT NULL,
    line BIGINT,
    column_name VARCHAR,
    error_type VARCHAR,
    message VARCHAR,
    raw VARCHAR
);
CREATE TABLE IF NOT EXISTS {SCHEMA}.settings (key VARCHAR NOT NULL, value VARCHAR);
"""


# kinds of tables made from others, and the words for where the imported ones came from
MADE_BY = ("step", "sql")
IMPORTED_FROM = {"file": "the file", "upload": "the upload", "sample": "the sample file"}


@dataclass
class TableInfo:
    name: str
    kind: str  # "table" or "view"
    rows: int | None
    columns: int
    source_kind: str  # "external" when the table was not made by the workbench
    source_detail: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None
    rejected: int = 0
    parents: list[str] = field(default_factory=list)
    operation: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    sql: str | None = None

    @property
    def source(self) -> str:
        """One line saying where the table came from."""
        d = self.source_detail
        if self.source_kind in MADE_BY:
            operation = "SQL query" if self.source_kind == "sql" else self.operation
            return f"{operation} of {', '.join(self.parents)}" if self.parents else str(operation)
        where = d.get("ref") or d.get("upload") or d.get("archive") or d.get("path") or d.get("caller") or ""
        if self.source_kind == "sample":
            where = PurePath(where).name
        inner = d.get("member") or ""
        if d.get("sheet"):
            inner = f"{inner} [{d['sheet']}]" if inner else f"[{d['sheet']}]"
        return " ".join(p for p in (f"{self.source_kind}:", where, inner) if p)

    def story(self) -> list[str]:
        """Where the table came from, in sentences; names and paths in `code` spans."""
        d = self.source_detail
        parents = " and ".join(f"`{p}`" for p in self.parents)
        part = (f", its member `{d['member']}`" if d.get("member") else "") + \
            (f", sheet `{d['sheet']}`" if d.get("sheet") else "")  # of an archive or a workbook
        if self.source_kind == "sql":
            origin = f"Made by a SQL query over {parents}." if parents else "Made by a SQL query that reads no table."
        elif self.source_kind in MADE_BY:
            origin = f"Made by the step `{self.operation}`" + (f" from {parents}." if parents else ".")
        elif self.source_kind == "kaggle":
            version = f" version {d['version']}" if d.get("version") else ""
            licence = f", licence {d['licence']}" if d.get("licence") else ""
            origin = f"Downloaded from Kaggle: `{d.get('ref')}`{version}{licence}, file `{d.get('file')}`{part}."
        elif self.source_kind == "python":
            origin = "Added from Python" + (f" by `{d['caller']}`." if d.get("caller") else ".")
        elif self.source_kind in IMPORTED_FROM:
            where = d.get("upload") or d.get("archive") or d.get("path")
            where = PurePath(where).name if self.source_kind == "sample" else where
            origin = f"Imported from {IMPORTED_FROM[self.source_kind]} `{where}`{part}."
        else:
            origin = "Made outside the workbench: no provenance was recorded."
        sentences = [origin]
        if self.created_at is not None:
            size = f": {plural(self.rows, 'row')} × {plural(self.columns, 'column')}" if self.rows is not None else ""
            sentences.append(f"Created {self.created_at:%Y-%m-%d %H:%M} UTC{size}.")
        if self.rejected:
            sentences.append(f"{plural(self.rejected, 'line')} of the source could not be read and "
                             f"{were(self.rejected)} set aside.")  # fmt: skip
        return sentences

    def facts(self) -> dict[str, Any]:
        """The recorded details behind the story: a step's parameters, or how an import read its source."""
        return self.parameters if self.source_kind in MADE_BY else self.source_detail

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "rows": self.rows,
            "columns": self.columns,
            "source_kind": self.source_kind,
            "source": self.source,
            "source_detail": self.source_detail,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "rejected": self.rejected,
            "parents": self.parents,
            "operation": self.operation,
            "parameters": self.parameters,
            "sql": self.sql,
        }


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)
    version = get_setting(con, "schema_version")
    if version is not None and int(version) < 2:
        # version 1 recorded dedupe and link tables as "derived", a kind the schema does not know:
        # they are steps over their parents (and show as "dedupe of X")
        con.execute(f"UPDATE {SCHEMA}.tables SET source_kind = 'step' WHERE source_kind = 'derived'")
    if version is None or int(version) < SCHEMA_VERSION:
        set_setting(con, "schema_version", str(SCHEMA_VERSION))


def is_current(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the file's metadata is set up at this version (else a writable connection sets it up)."""
    try:
        return get_setting(con, "schema_version") == str(SCHEMA_VERSION)
    except duckdb.CatalogException:
        return False


def get_setting(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    row = con.execute(f"SELECT value FROM {SCHEMA}.settings WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def set_setting(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute(f"DELETE FROM {SCHEMA}.settings WHERE key = ?", [key])
    con.execute(f"INSERT INTO {SCHEMA}.settings VALUES (?, ?)", [key, value])


def record_table(
    con: duckdb.DuckDBPyConnection,
    name: str,
    *,
    source_kind: str,
    operation: str,
    source_detail: dict[str, Any] | None = None,
    parents: list[str] | None = None,
    parameters: dict[str, Any] | None = None,
    sql: str | None = None,
    rejected: int = 0,
) -> None:
    """Write the provenance row of a table just created in this transaction."""
    (rows,) = con.execute(f"SELECT count(*) FROM {quote(name)}").fetchone()
    (cols,) = con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE schema_name = 'main' "
        "AND database_name = current_database() AND table_name = ?",
        [name],
    ).fetchone()
    con.execute(f"DELETE FROM {SCHEMA}.tables WHERE name = ?", [name])
    con.execute(
        f"INSERT INTO {SCHEMA}.tables VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            name,
            source_kind,
            json.dumps(source_detail or {}),
            datetime.now(UTC).replace(tzinfo=None),
            rows,
            cols,
            rejected,
            parents or [],
            operation,
            json.dumps(parameters or {}),
            sql,
        ],
    )


def record_rejects(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple]) -> None:
    """Keep example rejected lines: (line, column, error_type, message, raw)."""
    if rows:
        con.executemany(
            f"INSERT INTO {SCHEMA}.rejects VALUES (?, ?, ?, ?, ?, ?)",
            [(table, *r) for r in rows],
        )


_LIST_SQL = f"""
WITH objects AS (
    SELECT table_name AS name, 'table' AS kind, estimated_size AS est_rows, column_count
    FROM duckdb_tables() WHERE schema_name = 'main' AND database_name = current_database()
    UNION ALL
    SELECT view_name, 'view', NULL, column_count
    FROM duckdb_views() WHERE schema_name = 'main' AND database_name = current_database()
      AND NOT internal
)
SELECT o.name, o.kind, coalesce(m.row_count, o.est_rows), o.column_count,
       coalesce(m.source_kind, 'external'), m.source_detail, m.created_at,
       coalesce(m.rejected_count, 0), coalesce(m.parents, []), m.operation,
       m.parameters, m.sql
FROM objects o LEFT JOIN {SCHEMA}.tables m ON m.name = o.name
"""


def list_tables(con: duckdb.DuckDBPyConnection, name: str | None = None) -> list[TableInfo]:
    """Every table and view in the workspace, newest first, with its provenance."""
    sql = _LIST_SQL + (" WHERE lower(o.name) = lower(?)" if name else "")
    sql += " ORDER BY m.created_at DESC NULLS LAST, o.name"
    rows = con.execute(sql, [name] if name else []).fetchall()
    return [
        TableInfo(
            name=r[0],
            kind=r[1],
            rows=r[2],
            columns=r[3],
            source_kind=r[4],
            source_detail=json.loads(r[5]) if r[5] else {},
            created_at=r[6],
            rejected=r[7],
            parents=list(r[8]),
            operation=r[9],
            parameters=json.loads(r[10]) if r[10] else {},
            sql=r[11],
        )
        for r in rows
    ]


def column_types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    """Column name -> DuckDB type of a table (temporary ones too), in order."""
    return {r[0]: r[1] for r in con.execute(f"DESCRIBE {quote(table)}").fetchall()}


def dependents(con: duckdb.DuckDBPyConnection, name: str) -> list[str]:
    """Tables whose lineage names `name` as a parent."""
    rows = con.execute(
        f"SELECT name FROM {SCHEMA}.tables WHERE list_contains(parents, ?) ORDER BY name", [name]
    ).fetchall()
    return [r[0] for r in rows]


def rename(con: duckdb.DuckDBPyConnection, old: str, new: str) -> None:
    con.execute(f"UPDATE {SCHEMA}.tables SET name = ? WHERE name = ?", [new, old])
    con.execute(
        f"UPDATE {SCHEMA}.tables SET parents = list_transform(parents, lambda p: CASE WHEN p = ? THEN ? ELSE p END) "
        "WHERE list_contains(parents, ?)",
        [old, new, old],
    )
    con.execute(f"UPDATE {SCHEMA}.rejects SET table_name = ? WHERE table_name = ?", [new, old])


def forget(con: duckdb.DuckDBPyConnection, name: str) -> None:
    con.execute(f"DELETE FROM {SCHEMA}.tables WHERE name = ?", [name])
    con.execute(f"DELETE FROM {SCHEMA}.rejects WHERE table_name = ?", [name])


def rejects(con: duckdb.DuckDBPyConnection, name: str) -> list[tuple]:
    return con.execute(
        f"SELECT line, column_name, error_type, message, raw FROM {SCHEMA}.rejects "
        "WHERE table_name = ? ORDER BY line",
        [name],
    ).fetchall()
