"""The sandboxed process that runs the SQL panel's requests (see sandbox.py).

`engine` starts it as `python -m workbench.sql.worker` and writes JSON request
lines on its stdin; it reads framed replies on stdout: a JSON header line,
followed by `payload` bytes when the header has one (an Arrow IPC stream).
Requests are served one at a time, each on a freshly opened (and freshly
sandboxed) connection that is closed before the final reply. A `cancel <id>`
line, or the end of stdin, stops the running query; so does the time limit,
through a timer thread calling `interrupt()`.
"""

from __future__ import annotations

import dataclasses
import os
import queue
import re
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import duckdb
import pyarrow as pa

from workbench import metadata
from workbench.errors import WorkbenchError
from workbench.names import outside_quotes, quote
from workbench.settings import LIMITS
from workbench.sql import sandbox, wire
from workbench.sql.export import copy_options
from workbench.sql.wire import send
from workbench.workspace import Workspace

BATCH_ROWS = 65_536


class _Stopper:
    """Interrupts the query once, for the first reason given (time limit or cancel); "move" (to a
    snapshot, see `serve`) gives way to either, and is undone by `moved` when the query starts over."""

    def __init__(self) -> None:
        self.reason: str | None = None
        self.con: duckdb.DuckDBPyConnection | None = None
        self._lock = threading.Lock()

    def stop(self, reason: str) -> None:
        with self._lock:
            if self.reason is None or (self.reason == "move" and reason != "move"):
                self.reason = reason
                if self.con is not None:
                    self.con.interrupt()

    def moved(self) -> None:
        """The query starts over on a snapshot: a move's interrupt is done with (a stop stays)."""
        with self._lock:
            if self.reason == "move":
                self.reason = None
            self.con = None

    def attach(self, con: duckdb.DuckDBPyConnection) -> None:
        with self._lock:
            self.con = con
            if self.reason is not None:
                con.interrupt()

    def check(self) -> None:
        if self.reason is not None:
            raise duckdb.InterruptException("interrupted")


def _params(statement: duckdb.Statement, params: dict) -> dict:
    missing = sorted(statement.named_parameters - params.keys())
    if missing:
        raise WorkbenchError(f"Give a value for the parameter(s): {', '.join('$' + m for m in missing)}.")
    return {k: params[k] for k in statement.named_parameters}


def _body(statement: duckdb.Statement) -> str:
    """The statement's text without its trailing semicolon (kept on its own line for comments)."""
    return statement.query.strip().rstrip(";").strip() + "\n"


def _relation(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> duckdb.DuckDBPyRelation | None:
    """A lazy relation, read batch by batch. Its errors lack the position DuckDB gives
    through `execute`, so a failing statement is run once more that way for the message."""
    try:
        return con.sql(sql, params=params or None)
    except duckdb.InterruptException:
        raise
    except duckdb.Error:
        con.execute(sql, params or None)
        raise


_PARAMETER = re.compile(r"(?<![\w$])\$[A-Za-z_][A-Za-z0-9_]*")


def _tables_read(con: duckdb.DuckDBPyConnection, select_sql: str) -> set[str]:
    """The tables a query reads (its lineage parents). DuckDB's parser cannot list them for a
    query with parameters, so for this parse only (never run) each `$name` reads NULL."""
    try:
        return con.get_table_names(outside_quotes(_PARAMETER, "NULL", select_sql))
    except duckdb.Error:
        return set()


@dataclass
class _NewTable:
    """A table made in `staging` by this request, to be published to the workspace with its lineage."""

    name: str
    sql: str  # the statement as the user wrote it
    params: dict
    reads: set[str]


@dataclass
class _Work:
    """What one request has done so far: kept across a move to a snapshot (see `serve`)."""

    taken: set[str]  # the workspace's table and view names, lower case (a snapshot holds only some)
    new: list[_NewTable] = dataclasses.field(default_factory=list)
    page_sent: bool = False  # a query that starts over does not send its first page again
    moved: bool = False  # it started over on a snapshot
    started: float = dataclasses.field(default_factory=time.perf_counter)  # its times count from the first start


def _stage(con: duckdb.DuckDBPyConnection, name: str, select_sql: str, params: dict, sql: str,
           work: _Work) -> _NewTable:  # fmt: skip
    """Run the user's query into `staging` (the workspace itself is read-only here)."""
    if name.lower() in work.taken:
        raise WorkbenchError(f"A table named {name!r} already exists: choose a new name (tables are never replaced).")
    con.execute(f"CREATE TABLE {sandbox.STAGING}.main.{quote(name)} AS {select_sql}", params or None)
    return _NewTable(name, sql, params, _tables_read(con, select_sql))


def _publish(ws: Workspace, new: list[_NewTable]) -> None:
    """Copy the staged tables into the workspace, lineage recorded, all or nothing.

    This connection is the only one on which the workspace is writable, and it runs the worker's own
    statements only: no text of the user's reaches it (see sandbox.py)."""
    with ws.connect() as con:
        con.execute(f"ATTACH $path AS {sandbox.STAGING} (READ_ONLY)", {"path": str(sandbox.staging_path(ws.home))})
        with ws.transaction(con):
            for table in new:
                known = {t.name for t in metadata.list_tables(con)}
                ws.create_table_as(
                    con, table.name, f"SELECT * FROM {sandbox.STAGING}.main.{quote(table.name)}",
                    source_kind="sql", operation="sql query", parents=sorted(table.reads & known),
                    parameters=table.params, sql=table.sql,
                )  # fmt: skip


# Types whose Arrow form reaches pandas and JSON exactly; others travel as DuckDB's own text (see `_portable`).
_NATIVE = {
    "boolean", "tinyint", "smallint", "integer", "bigint", "hugeint", "utinyint", "usmallint", "uinteger",
    "ubigint", "float", "double", "decimal", "varchar", "uuid", "enum",
}  # fmt: skip


def _native(kind) -> bool:  # a DuckDBPyType
    if kind.id in ("list", "array", "struct"):
        return all(_native(c) for _, c in kind.children if not isinstance(c, int))  # an ARRAY also has its size
    return kind.id in _NATIVE


def _portable(rel: duckdb.DuckDBPyRelation) -> duckdb.DuckDBPyRelation:
    """The result with each column Arrow cannot carry exactly cast to DuckDB's text, as CSV writes it.

    Dates and timestamps (±infinity, years past 9999), INTERVAL, BLOB, BIT, UHUGEINT (its Arrow
    form overflows), UNION, MAP, TIME WITH TIME ZONE and nested values holding any of them would
    otherwise fail to convert or come out wrong. The column keeps its DuckDB type in the reply."""
    if all(_native(t) for t in rel.types):
        return rel
    columns = [
        f"#{i}" if _native(t) else f"CAST(#{i} AS VARCHAR) AS {quote(name)}"
        for i, (name, t) in enumerate(zip(rel.columns, rel.types), start=1)
    ]
    return rel.project(", ".join(columns))


def _stream(out: BinaryIO, rel: duckdb.DuckDBPyRelation, request: dict, stop: _Stopper, started: float,
            work: _Work) -> int:  # fmt: skip
    """Send the first page (row and byte capped) as soon as it is read, then count the rest
    (only count, when a query that started over had sent its page already)."""
    max_rows, max_bytes = request["max_rows"], request["max_bytes"]
    header = {"kind": "page", "columns": rel.columns, "types": [str(t) for t in rel.types]}
    rel = _portable(rel)
    schema_holder: list[pa.Schema] = []
    kept: list[pa.RecordBatch] = []
    kept_rows = kept_bytes = total = 0
    sent = work.page_sent

    def flush() -> None:
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, schema_holder[0]) as writer:
            for b in kept:
                writer.write_batch(b)
        send(out, {**header, "rows": kept_rows, "first_page_s": time.perf_counter() - started},
             sink.getvalue().to_pybytes())  # fmt: skip
        work.page_sent = True

    reader = rel.to_arrow_reader(BATCH_ROWS)
    schema_holder.append(reader.schema)
    for batch in reader:
        stop.check()
        total += batch.num_rows
        if sent:
            continue
        take = batch.slice(0, max_rows - kept_rows)
        if kept_bytes + take.nbytes > max_bytes:  # keep the rows that fit (at least one)
            fits = int(take.num_rows * (max_bytes - kept_bytes) / max(take.nbytes, 1))
            take = take.slice(0, max(fits, 0 if kept else 1))
        kept.append(take)
        kept_rows += take.num_rows
        kept_bytes += take.nbytes
        if kept_rows >= max_rows or kept_bytes >= max_bytes:
            flush()
            sent = True
    if not sent:
        flush()
    return total


def serve(request: dict, out: BinaryIO, stop: _Stopper) -> dict:
    """Run the request, sending the first page as it comes; the final reply is returned so that
    it is sent only after the workspace file is closed (the caller may open it right away).

    A long query does not keep the workspace file from writers: it starts on the file itself
    (read-only, which other readers share), and if it still runs after `live_seconds` while the
    tables it reads hold at most `snapshot_max_cells` values, it is stopped, those tables are
    copied into an in-memory database (a snapshot: 0.2-0.3 s and ~160 MiB per million 12-column rows), the
    file is let go, and the query starts over on the copy. A query that reads the catalog or a
    view, or more than that, stays on the file (see sandbox.snapshot_tables)."""
    home = Path(request["home"])
    write = bool(request.get("write"))
    lock_timeout = request.get("lock_timeout", LIMITS.lock_timeout)
    snapshot: list[str] | None = None
    work: _Work | None = None
    try:
        while True:
            con = sandbox.connect(home, write, lock_timeout, snapshot,
                                  on_wait=lambda holder: send(out, {"kind": "wait", "holder": holder}))
            stop.attach(con)
            mover = None
            try:
                if work is None:  # on the file: what a move would copy
                    work = _Work({name for name in sandbox.objects(con)})
                    snapshot = _movable(con, request)
                    if snapshot is not None and request.get("live_seconds"):
                        mover = threading.Timer(request["live_seconds"], stop.stop, ["move"])
                        mover.daemon = True
                        mover.start()
                work.new.clear()
                reply = _run(con, request, out, stop, work)
            except Exception:  # an interrupt reaches a batch reader as Arrow's error, not DuckDB's
                if stop.reason != "move":
                    raise
                stop.moved()  # and start over on the snapshot
                work.moved = True
                continue
            finally:
                if mover is not None:
                    mover.cancel()
                con.close()
            break
        if work.new:
            _publish(Workspace(home, dataclasses.replace(LIMITS, lock_timeout=lock_timeout)), work.new)
        return {**reply, "snapshot": snapshot is not None and work.moved}
    finally:
        if write:
            sandbox.discard_staging(home)


def _movable(con: duckdb.DuckDBPyConnection, request: dict) -> list[str] | None:
    """The tables a snapshot of this request would copy, or None when it must read the file."""
    try:
        return sandbox.snapshot_tables(con, request["sql"], request.get("snapshot_max_cells", 0))
    except (duckdb.Error, WorkbenchError):  # the request fails anyway, and says why when it runs
        return None


def _run(con: duckdb.DuckDBPyConnection, request: dict, out: BinaryIO, stop: _Stopper, work: _Work) -> dict:
    """The request's statements on the sandboxed connection; the tables they make are added to `work.new`."""
    new = work.new
    statements = sandbox.check(con, request["sql"], bool(request.get("write")))
    params = request.get("params") or {}
    started = work.started
    op = request["op"]
    last = statements[-1]
    if op != "query" and last.type != duckdb.StatementType.SELECT:
        raise WorkbenchError("Only the result of a query (SELECT ...) can be exported or saved as a table.")
    if op == "export":
        path = Path(request["path"])
        (rows,) = con.execute(
            f"COPY (\n{_body(last)}) TO $_export_path ({copy_options(request['format'])})",
            {**_params(last, params), "_export_path": str(path)},
        ).fetchone()
        return {"kind": "done", "total": rows, "elapsed": time.perf_counter() - started, "path": str(path)}
    if op == "create":
        new.append(_stage(con, request["name"], _body(last), _params(last, params), request["sql"], work))
        [(rows,)] = con.execute(f"SELECT count(*) FROM {sandbox.STAGING}.main.{quote(request['name'])}").fetchall()
        return {"kind": "done", "total": rows, "elapsed": time.perf_counter() - started, "created": request["name"]}
    rel = None
    for statement in statements:
        bound = _params(statement, params)
        stop.check()
        if statement.type == duckdb.StatementType.CREATE:
            ctas = sandbox.create_table(statement.query)
            new.append(_stage(con, ctas.name, ctas.select_sql, bound, statement.query, work))
            rel = con.sql(f"SELECT * FROM {sandbox.STAGING}.main.{quote(ctas.name)}")
        else:
            rel = _relation(con, _body(statement), bound)
    created = new[-1].name if new else None
    if rel is None:  # the last statement returned nothing to show
        return {"kind": "done", "total": 0, "elapsed": time.perf_counter() - started, "created": created}
    kind = "plan" if last.type == duckdb.StatementType.EXPLAIN else ("created" if created else "rows")
    header_extra = {"statement": kind, "created": created if last.type == duckdb.StatementType.CREATE else None}
    total = _stream(out, rel, request, stop, started, work)
    return {"kind": "done", "total": total, "elapsed": time.perf_counter() - started, **header_extra}


def _status(exc: BaseException, stop: _Stopper, request: dict) -> tuple[str, str]:
    if isinstance(exc, duckdb.InterruptException) or stop.reason:
        if stop.reason == "timeout":
            return "timeout", (
                f"Stopped: the query ran longer than the time limit ({request['timeout']:g} s). "
                "Raise the limit or narrow the query."
            )
        return "cancelled", "Cancelled: the query was stopped."
    if isinstance(exc, sandbox.SandboxRefused):
        return "refused", str(exc)
    if isinstance(exc, WorkbenchError):
        return "error", str(exc)
    if isinstance(exc, duckdb.Error):
        message = sandbox.explain_permission(str(exc), Path(request["home"]))
        return ("refused" if message != str(exc) else "error"), message
    return "error", f"{type(exc).__name__}: {exc}"


def main() -> None:
    """Serve requests one after another; a `cancel <id>` line stops request <id>."""
    # replies get a private copy of stdout; anything else printed (DuckDB draws its progress
    # bar on file descriptor 1) goes to stderr and can never break the framing
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    stdin = sys.stdin.buffer
    requests: queue.Queue = queue.Queue()
    current: dict = {}

    def read_stdin() -> None:
        for line in stdin:
            kind, value = wire.read_request(line)
            if kind == "cancel":
                if current.get("id") == value:
                    current["stop"].stop("cancel")
            else:
                requests.put(value)
        if current:  # the caller went away: stop whatever runs
            current["stop"].stop("cancel")
        requests.put(None)

    threading.Thread(target=read_stdin, daemon=True).start()
    while True:  # until stdin ends: the engine retires a worker after SqlLimits.max_requests
        request = requests.get()
        if request is None:
            return
        stop = _Stopper()
        current.update(id=request["id"], stop=stop)
        timer = threading.Timer(request["timeout"], stop.stop, ["timeout"]) if request.get("timeout") else None
        if timer:
            timer.daemon = True
            timer.start()
        try:
            reply = serve(request, out, stop)
        except Exception as exc:  # noqa: BLE001 - every failure goes back to the caller as a reply
            status, message = _status(exc, stop, request)
            reply = {"kind": "error", "status": status, "message": message}
        if timer:
            timer.cancel()
        current.clear()
        send(out, reply)


if __name__ == "__main__":
    main()
