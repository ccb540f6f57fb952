"""Run the user's SQL over the workspace: read-only, results fetched in bounded batches."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb

from workbench.errors import WorkbenchError
from workbench.workspace import Workspace

READ_ONLY_TYPES = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}


@dataclass
class Cursor:
    """An executed query whose rows are read in batches."""

    columns: list[str]
    types: list[str]
    result: duckdb.DuckDBPyConnection
    started: float

    def batches(self, size: int = 10_000) -> Iterator[list[tuple]]:
        while rows := self.result.fetchmany(size):
            yield rows

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started


def check_read_only(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Refuse statements that change data or settings; parse errors surface as WorkbenchError."""
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise WorkbenchError(f"SQL error: {exc}") from exc
    if not statements:
        raise WorkbenchError("The query is empty.")
    for statement in statements:
        if statement.type not in READ_ONLY_TYPES:
            kind = statement.type.name.replace("_", " ")
            raise WorkbenchError(f"Only queries that read are allowed here; this one is a {kind} statement.")


@contextmanager
def execute(ws: Workspace, sql: str, params: dict | list | None = None) -> Iterator[Cursor]:
    """Run `sql` read-only and yield its result for the caller to read in batches."""
    with ws.connect() as con:
        check_read_only(con, sql)
        started = time.perf_counter()
        try:
            result = con.execute(sql, params) if params else con.execute(sql)
        except duckdb.Error as exc:
            raise WorkbenchError(f"SQL error: {exc}") from exc
        description = result.description or []
        yield Cursor([d[0] for d in description], [str(d[1]) for d in description], result, started)
