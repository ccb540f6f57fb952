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
query to a short-lived worker process (`python -m workbench.sql.worker`) that
opens the workspace file - read-only unless the user switched writes on -
applies the settings below before any user SQL, and locks them:

    allowed_directories = [the workspace folder]   (reads of anything else refused)
    enable_external_access = false                 (no ATTACH, INSTALL, LOAD, no new paths)
    lock_configuration = true                      (no SET can undo the above)
    autoinstall/autoload_known_extensions = false  (nothing is downloaded or loaded)

Every instance in that process is sandboxed, so nothing leaks and nothing can
undo it. Across processes the workspace's usual rule applies (see
workbench/workspace.py): the worker holds the file only while its query runs,
and meeting another process's lock it retries, as every other connection does.

A statement allow-list (`check`, by DuckDB's own parser) comes first and gives
clear messages: read-only mode runs SELECT-like statements and EXPLAIN of them;
write mode adds `CREATE TABLE name AS ...`, which goes through
`Workspace.create_table_as` so the new table's lineage is recorded. Nothing
ever modifies an existing table (raw data is never changed).
"""

from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from workbench.errors import WorkbenchError
from workbench.names import table_name_from
from workbench.settings import DB_FILENAME
from workbench.workspace import _CONFIG, _is_lock_error

READ_TYPES = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}

_EXPLAIN = re.compile(r"^\s*EXPLAIN\s+(?:\(\s*[^)]*\)\s*)?(?:ANALY[SZ]E\s+)?", re.IGNORECASE)
_NAME = r'"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_]*'
_CTAS = re.compile(rf"^\s*CREATE\s+TABLE\s+({_NAME})\s+AS\s+(.+?)\s*;?\s*$", re.IGNORECASE | re.DOTALL)


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
        if statement.type == duckdb.StatementType.EXPLAIN:
            inner = _EXPLAIN.sub("", statement.query, count=1)
            if not inner.strip() or any(s.type not in READ_TYPES for s in con.extract_statements(inner)):
                raise SandboxRefused("EXPLAIN is allowed for queries that read only.")
        elif statement.type == duckdb.StatementType.CREATE and write:
            create_table(statement.query)
        elif statement.type not in READ_TYPES:
            raise SandboxRefused(_refusal(statement.type, write))
    return statements


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


def connect(home: Path, write: bool, lock_timeout: float) -> duckdb.DuckDBPyConnection:
    """Open the workspace file and lock the sandbox down, before any user SQL (worker side)."""
    path = home / DB_FILENAME
    if not path.exists():
        raise WorkbenchError(f"There is no workspace database in {home} yet: load a table first.")
    deadline = time.monotonic() + lock_timeout
    delay = 0.05
    while True:
        try:
            con = duckdb.connect(str(path), read_only=not write, config=_CONFIG)
            break
        except duckdb.Error as exc:
            if not _is_lock_error(exc) or time.monotonic() >= deadline:
                raise WorkbenchError(f"Cannot open the workspace database {path}: {exc}") from exc
        time.sleep(delay * (0.5 + random.random()))
        delay = min(delay * 2, 1.0)
    con.execute("SET enable_progress_bar = false")  # nobody watches the worker's terminal
    con.execute("SET allowed_directories = $dirs", {"dirs": [str(home)]})
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def explain_permission(message: str, home: Path) -> str:
    """DuckDB's permission errors, said in the workbench's terms."""
    if "Permission Error" in message or "disabled by configuration" in message or "lock_configuration" in message:
        return (
            f"Refused by the SQL panel's sandbox: queries read only this workspace ({home}); "
            f"no other files, no ATTACH, no extensions, no settings. DuckDB said: {message}"
        )
    return message
