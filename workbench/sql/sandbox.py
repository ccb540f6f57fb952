"""The SQL panel's sandbox: the user's SQL runs in a separate, locked-down process.

Why a process
-------------
DuckDB's safety settings (`enable_external_access`, `allowed_directories`,
`lock_configuration`) belong to the database *instance*, not to a connection,
and within one process every connection to a file shares one instance. Setting
them on a connection of the Streamlit server would therefore also lock the
ingestion connections of every other page (which must read files wherever the
user points), and an ingestion connection could not undo them either way
(checked: `SET allowed_directories` on one connection is seen by another
connection to the same file). An in-memory instance that ATTACHes the
workspace file is no way out: DuckDB refuses to attach a file that another
instance of the same process has open ("Unique file handle conflict"), and
while attached it would make every other page's `Workspace.connect()` fail.

So the user's SQL never runs in the calling process. `engine` hands each
query to a worker process (`python -m workbench.sql.worker`) that opens an
in-memory DuckDB instance, attaches the workspace file to it READ_ONLY (as
`workbench`, the name it always had), applies the settings below before any
user SQL, and locks them:

    allowed_directories = [the workspace folder]   (reads of anything else refused)
    enable_external_access = false                 (no ATTACH, INSTALL, LOAD, no new paths)
    lock_configuration = true                      (no SET can undo the above)
    autoinstall/autoload_known_extensions = false  (nothing is downloaded or loaded)

Every instance in that process is sandboxed, so nothing leaks and nothing can
undo it. Across processes the workspace's usual rule applies (see
workbench/workspace.py): the worker holds the file only while its query runs,
and meeting another process's lock it retries, as every other connection does.
A query that runs long lets the file go: the tables it reads are copied into an
in-memory database attached as `workbench` in its place (`snapshot_tables`
decides what may be copied), and it starts over there. The copy is writable, but
it is thrown away with the instance: only the tables staged in `staging` are ever
published, so the guarantee below holds for the workspace file either way.

Existing tables never change (two independent layers)
-----------------------------------------------------
DuckDB parses `WITH d AS (DELETE FROM t RETURNING *) SELECT ...` as a SELECT,
and DML can hide in any CTE, subquery, UNION, CREATE TABLE AS or EXPLAIN
ANALYZE, so the statement type alone proves nothing. Hence:

1. Storage (the guarantee). The connection that runs user SQL has the
   workspace attached READ_ONLY, writes on or off. DuckDB refuses, for every
   statement, any change to a read-only database ("Cannot execute statement of
   type ... on database "workbench" which is attached in read-only mode"),
   whatever the syntax, nesting or function (`query()`, `nextval()`) that makes
   it. With writes on, a second database, `staging` (a scratch file in the
   workspace, emptied per request), is attached writable; `CREATE TABLE name AS
   ...` is run as `CREATE TABLE staging.main.name AS ...`, and `search_path`
   lets the next statements read it by its bare name. After the request, the
   worker closes this instance and copies the staged tables into the workspace
   on a connection that runs only the worker's own fixed statements
   (`Workspace.create_table_as` from `staging`, lineage recorded, all in one
   transaction): no user text ever reaches a connection on which the
   workspace is writable. So the only change user SQL can cause is new tables.
2. The allow-list (clear messages, and files). `check`, by DuckDB's own
   parser: read-only mode runs SELECT-like statements and EXPLAIN of them;
   write mode adds `CREATE TABLE name AS ...`. The query inside each (the
   SELECT, the EXPLAINed query, the AS part) must be one DuckDB serialises
   with `json_serialize_sql` (SELECTs only) whose tree holds only the query
   nodes that read (`READ_NODES`): any INSERT/UPDATE/DELETE/COPY node anywhere
   in it is refused before it runs, with a message saying why. This layer also
   stops `COPY ... TO` inside a CTE, which writes a file (the sandbox allows
   files inside the workspace for Export) rather than a table.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from workbench.errors import WorkbenchError
from workbench.names import quote, table_name_from
from workbench.settings import DB_FILENAME
from workbench.workspace import _CONFIG, retry_on_lock

# The query nodes of a statement that only reads (json_serialize_sql's names): an allow-list, so a node
# type added by a later DuckDB is refused until it is known to read only.
READ_NODES = {"SELECT_NODE", "SET_OPERATION_NODE", "RECURSIVE_CTE_NODE", "CTE_NODE"}
# The workspace file is attached under its usual name; new tables are made in `staging` first.
WORKSPACE = Path(DB_FILENAME).stem
STAGING = "staging"
LIVE = "live_workspace"  # the file, while its tables are copied into a snapshot

_EXPLAIN = re.compile(r"^\s*EXPLAIN\s+(?:\(\s*[^)]*\)\s*)?(?:ANALY[SZ]E\s+)?", re.IGNORECASE)
_NAME = r'"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_]*'
_CTAS = re.compile(rf"^\s*CREATE\s+TABLE\s+({_NAME})\s+AS\s+(.+?)\s*;?\s*$", re.IGNORECASE | re.DOTALL)
_CHANGES = (
    "This query would change data or write files (INSERT, UPDATE, DELETE or COPY inside it). "
    "The SQL panel never changes existing tables: read them, or create a new table "
    "with `CREATE TABLE name AS SELECT ...` (writes on)."
)
_EXPLAIN_CHANGES = "EXPLAIN is allowed for queries that read only; this one would change data or write files."


class SandboxRefused(WorkbenchError):
    """A statement the SQL panel does not run, or an access the sandbox blocked."""


@dataclass
class CreateTable:
    """A `CREATE TABLE name AS query` statement, split for `Workspace.create_table_as`."""

    name: str
    select_sql: str


def check(con: duckdb.DuckDBPyConnection, sql: str, write: bool) -> list[duckdb.Statement]:
    """The statements of `sql`, each allowed in this mode, or SandboxRefused saying why."""
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise WorkbenchError(f"SQL error: {exc}") from exc
    if not statements:
        raise WorkbenchError("The query is empty.")
    for statement in statements:
        kind = statement.type
        if kind == duckdb.StatementType.EXPLAIN:
            query, refusal = _EXPLAIN.sub("", statement.query, count=1), _EXPLAIN_CHANGES
        elif kind == duckdb.StatementType.SELECT:
            query, refusal = statement.query, _CHANGES
        elif kind == duckdb.StatementType.CREATE and write:
            query, refusal = create_table(statement.query).select_sql, _CHANGES
        else:
            raise SandboxRefused(_refusal(kind, write))
        if not reads_only(con, query):
            raise SandboxRefused(refusal)
    return statements


def reads_only(con: duckdb.DuckDBPyConnection, query: str) -> bool:
    """Whether `query` is SELECT statements whose parsed trees hold only query nodes that read.

    `json_serialize_sql` (DuckDB's parser) gives the tree of SELECT statements and an error for any
    other statement; every `"type": "..._NODE"` in it is a query node (a SELECT, a set operation, a
    CTE, or a DML/COPY node used as a CTE body), wherever it is nested."""
    [(text,)] = con.execute("SELECT json_serialize_sql($query)", {"query": query}).fetchall()
    tree = json.loads(text)
    return not tree.get("error") and bool(tree.get("statements")) and _query_nodes(tree) <= READ_NODES


def _query_nodes(tree) -> set[str]:
    if isinstance(tree, dict):
        found = {tree["type"]} if str(tree.get("type")).endswith("_NODE") else set()
        return found.union(*(_query_nodes(v) for v in tree.values()))
    if isinstance(tree, list):
        return set().union(*(_query_nodes(v) for v in tree))
    return set()


def create_table(query: str) -> CreateTable:
    """Split `CREATE TABLE name AS query`; any other CREATE is refused."""
    found = _CTAS.match(query)
    if not found:
        raise SandboxRefused(
            "With writes on, the SQL panel creates tables only as `CREATE TABLE name AS SELECT ...` "
            "(recorded in lineage); views, OR REPLACE and other CREATE statements are not run."
        )
    raw = found.group(1)
    name = raw[1:-1].replace('""', '"') if raw.startswith('"') else raw
    if table_name_from(name) != name:
        raise SandboxRefused(
            f"Table names are lower-case snake_case so they need no quotes: use {table_name_from(name)!r}."
        )
    return CreateTable(name, found.group(2))


def _refusal(kind: duckdb.StatementType, write: bool) -> str:
    what = kind.name.replace("_", " ")
    if kind in (duckdb.StatementType.ATTACH, duckdb.StatementType.DETACH, duckdb.StatementType.LOAD):
        return f"{what} is not allowed: the SQL panel only sees this workspace's tables."
    if kind in (duckdb.StatementType.SET, duckdb.StatementType.VARIABLE_SET, duckdb.StatementType.PRAGMA):
        return f"{what} statements are not allowed: the SQL panel's settings are locked."
    if kind in (duckdb.StatementType.COPY, duckdb.StatementType.EXPORT):
        return f"{what} is not allowed here: use Export, which writes the full result into the workspace."
    if write:
        return (
            f"{what} statements are not run: tables are never changed in place. "
            "Create a new table with `CREATE TABLE name AS SELECT ...` instead."
        )
    return (
        f"The SQL panel is read-only: this is a {what} statement. "
        "Switch writes on to create tables (`CREATE TABLE name AS SELECT ...`)."
    )


def staging_path(home: Path) -> Path:
    """The scratch database where this worker process stages new tables (see the module docstring)."""
    return home / f".sql-staging-{os.getpid()}.duckdb"


def discard_staging(home: Path) -> None:
    for leftover in (staging_path(home), staging_path(home).with_suffix(".duckdb.wal")):
        leftover.unlink(missing_ok=True)


def connect(home: Path, write: bool, lock_timeout: float, snapshot: list[str] | None = None,
            on_wait: Callable[[str], None] | None = None) -> duckdb.DuckDBPyConnection:  # fmt: skip
    """An instance with the workspace attached read-only (and, for writes, an empty `staging`
    database), locked down before any user SQL (worker side). `discard_staging` cleans up after.

    With `snapshot` (table names), the tables are copied into an in-memory database attached as
    `workbench` instead, and the workspace file is let go before the query runs (see worker.py)."""
    path = home / DB_FILENAME
    if not path.exists():
        raise WorkbenchError(f"There is no workspace database in {home} yet: load a table first.")
    con = duckdb.connect(":memory:", config=_CONFIG)
    live = WORKSPACE if snapshot is None else LIVE
    try:
        retry_on_lock(lambda: con.execute(f"ATTACH $path AS {live} (READ_ONLY)", {"path": str(path)}),
                      lock_timeout, on_wait)  # fmt: skip
        if snapshot is not None:
            gone = sorted(set(snapshot) - {name for name, _, _ in objects(con, LIVE).values()})
            if gone:  # the file was let go for a moment, and a writer got in
                con.close()
                raise WorkbenchError(
                    f"While this query moved to a copy of its tables, another tab or command renamed or deleted "
                    f"{', '.join(gone)}. Run it again."
                )
            con.execute(f"ATTACH ':memory:' AS {WORKSPACE}")
            for table in snapshot:
                con.execute(f"CREATE TABLE {WORKSPACE}.main.{quote(table)} AS SELECT * FROM {LIVE}.main.{quote(table)}")
            con.execute(f"DETACH {LIVE}")
    except duckdb.Error as exc:
        con.close()
        raise WorkbenchError(f"Cannot open the workspace database {path}: {exc}") from exc
    con.execute(f"USE {WORKSPACE}")
    if write:
        discard_staging(home)
        con.execute(f"ATTACH $path AS {STAGING}", {"path": str(staging_path(home))})
        con.execute(f"SET search_path = '{WORKSPACE}.main,{STAGING}.main'")  # new tables by their bare names
    con.execute("SET temp_directory = $dir", {"dir": f"{path}.tmp"})  # where a file database spills
    con.execute("SET enable_progress_bar = false")  # nobody watches the worker's terminal
    con.execute("SET allowed_directories = $dirs", {"dirs": [str(home)]})
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def snapshot_tables(con: duckdb.DuckDBPyConnection, sql: str, max_cells: int) -> list[str] | None:
    """The workspace tables `sql` reads, if a copy of them answers it as the file would; else None.

    None when the query looks at the catalog (information_schema, duckdb_tables() and the like, the
    `_workbench` schema, another database), reads a view, or reads more than `max_cells` values
    (rows x columns) in all: a copy would not answer it the same, or would cost more than it saves."""
    found: list[tuple] = []
    for statement in con.extract_statements(sql):
        query = statement.query
        if statement.type == duckdb.StatementType.EXPLAIN:
            query = _EXPLAIN.sub("", query, count=1)
        elif statement.type == duckdb.StatementType.CREATE:
            query = create_table(query).select_sql
        [(text,)] = con.execute("SELECT json_serialize_sql($query)", {"query": query}).fetchall()
        tree = json.loads(text)
        if tree.get("error"):
            return None
        found += _sources(tree)
    tables = objects(con)
    chosen: dict[str, int] = {}
    for kind, catalog, schema, name in found:
        if kind == "function":
            if name.startswith(_CATALOG_FUNCTIONS):
                return None
            continue
        if catalog.lower() not in ("", WORKSPACE) or schema.lower() not in ("", "main"):
            return None
        known = tables.get(name.lower())
        if known is None:  # a CTE's name, or a table made earlier in the same request
            continue
        if known[1] == "view":
            return None
        chosen[known[0]] = known[2]
    return sorted(chosen) if sum(chosen.values()) <= max_cells else None


def objects(con: duckdb.DuckDBPyConnection, database: str = WORKSPACE) -> dict[str, tuple[str, str, int | None]]:
    """The workspace's tables and views: lower-case name -> (name, 'table' or 'view', cells or None)."""
    rows = con.execute(
        "SELECT table_name, 'table', estimated_size * column_count FROM duckdb_tables() "
        "WHERE database_name = $db AND schema_name = 'main' UNION ALL "
        "SELECT view_name, 'view', NULL FROM duckdb_views() "
        "WHERE database_name = $db AND schema_name = 'main' AND NOT internal",
        {"db": database},
    ).fetchall()
    return {name.lower(): (name, kind, cells) for name, kind, cells in rows}


# Table functions that read the catalog: a copy of some tables would answer them differently.
_CATALOG_FUNCTIONS = ("duckdb_", "pragma_", "information_schema", "sqlite_", "pg_", "which_secret", "test_all_types")


def _sources(tree) -> list[tuple[str, str, str, str]]:
    """(kind, catalog, schema, name) of every table and table function a parsed statement reads."""
    if isinstance(tree, list):
        return [s for v in tree for s in _sources(v)]
    if not isinstance(tree, dict):
        return []
    found = []
    if tree.get("type") == "BASE_TABLE":
        found.append(("table", tree.get("catalog_name") or "", tree.get("schema_name") or "", tree["table_name"]))
    elif tree.get("type") == "TABLE_FUNCTION":
        found.append(("function", "", "", str((tree.get("function") or {}).get("function_name", "")).lower()))
    return found + [s for v in tree.values() for s in _sources(v)]


def explain_permission(message: str, home: Path) -> str:
    """DuckDB's permission errors, said in the workbench's terms."""
    if "Permission Error" in message or "disabled by configuration" in message or "lock_configuration" in message:
        return (
            f"Refused by the SQL panel's sandbox: queries read only this workspace ({home}); "
            f"no other files, no ATTACH, no extensions, no settings. DuckDB said: {message}"
        )
    return message
