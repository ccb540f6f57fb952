"""Running the user's SQL: in the sandbox process (see sandbox.py), with a row cap,
the true total, the elapsed time, a time limit and cancel.

Only the first page of a result (at most `max_rows` rows and `max_bytes`
bytes) ever reaches the calling process, so a 10-million-row result costs the
Streamlit server one page of memory. The full result is counted in the worker
and can be exported whole (`export`), streamed by DuckDB to a file.

Stopping: the worker's own timer interrupts the query at the time limit.
`on_tick` is called about every `poll` seconds while waiting; anything it
raises (Streamlit stopping a script for a rerun, Ctrl+C on the command line)
interrupts the query, and a worker that does not stop is killed. Either way
the next query runs normally. Workers are kept in a small pool between
queries (they hold no file while idle), so a query costs one file open, not a
process start; a stopped worker is not reused, nor one that served
`SqlLimits.max_requests` requests (settings.py): the engine retires it.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import itertools
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa

from workbench.errors import WorkbenchError
from workbench.settings import SQL_LIMITS
from workbench.sql import history
from workbench.sql.export import export_path
from workbench.sql.wire import cancel_line, receive, request_line
from workbench.workspace import Workspace

# Seconds a worker gets, beyond the time limit or after a cancel, before it is killed.
KILL_GRACE = 3.0


class QueryFailed(WorkbenchError):
    """The query did not complete: `status` is error, refused, timeout or cancelled."""

    def __init__(self, message: str, status: str = "error"):
        super().__init__(message)
        self.status = status


@dataclass
class Result:
    columns: list[str]
    types: list[str]  # DuckDB's types
    table: pa.Table  # the first page only, as the worker sent it (see worker._portable)
    total: int | None  # every row of the result, None while still counting
    first_page_s: float
    elapsed: float | None = None
    statement: str = "rows"  # rows | plan | created
    created: str | None = None  # the table a CREATE TABLE ... AS made
    snapshot: bool = False  # it ran long, so it finished on a copy of the tables it reads (see worker.serve)

    @functools.cached_property
    def frame(self) -> pd.DataFrame:
        """The first page for display: Arrow-backed columns, so a NULL stays apart from NaN and
        64-bit and decimal values stay exact."""
        return self.table.to_pandas(types_mapper=pd.ArrowDtype)

    @property
    def truncated(self) -> bool:
        return self.total is not None and self.total > len(self.frame)

    @property
    def plan(self) -> str:
        """An EXPLAIN result as the text DuckDB draws."""
        return "\n\n".join(str(v) for v in self.frame.iloc[:, -1]) if len(self.frame.columns) else ""


Tick = Callable[[float], None]


_idle: list[subprocess.Popen] = []
_idle_lock = threading.Lock()
_ids = itertools.count(1)


def _take_worker() -> subprocess.Popen:
    with _idle_lock:
        while _idle:
            worker = _idle.pop()
            if worker.poll() is None:
                return worker
    worker = subprocess.Popen(
        [sys.executable, "-m", "workbench.sql.worker"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    # its stderr is drained (so it can never fill up and block the worker); the end is kept for errors
    worker.stderr_tail = collections.deque(maxlen=20)
    worker.served = 0
    threading.Thread(target=_drain, args=(worker,), daemon=True).start()
    return worker


def _drain(worker: subprocess.Popen) -> None:
    with worker.stderr:
        for line in worker.stderr:
            worker.stderr_tail.append(line.decode(errors="replace").rstrip())


def _give_back(worker: subprocess.Popen) -> None:
    """Keep the worker for the next query, unless the pool is full or it served its share: then end it.
    Retirement is decided here, where the worker is handed out, so a worker about to exit is never reused."""
    worker.served += 1
    with _idle_lock:
        if worker.poll() is None and worker.served < SQL_LIMITS.max_requests and len(_idle) < SQL_LIMITS.pool_size:
            _idle.append(worker)
            return
    _close(worker)


def _close(worker: subprocess.Popen, grace: float = KILL_GRACE) -> None:
    """End the worker: the end of its stdin stops it; kill it if it does not end soon."""
    with contextlib.suppress(OSError):
        worker.stdin.close()
    try:
        worker.wait(grace)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
    worker.stdout.close()


def _exchange(request: dict, on_page: Callable[[dict], None] | None, on_tick: Tick | None, poll: float,
              on_wait: Callable[[str], None] | None = None) -> dict:  # fmt: skip
    """Send one request to a worker and wait for its final reply; `on_wait` is told when the worker
    waits for the workspace file (see Workspace.on_wait)."""
    worker = _take_worker()
    request = {**request, "id": next(_ids)}
    started = time.monotonic()
    limit = request.get("timeout") or 0
    replies: queue.Queue = queue.Queue()

    def read() -> None:
        try:
            while (reply := receive(worker.stdout)) is not None:
                replies.put(reply)
                if reply["kind"] not in ("page", "wait"):  # interim replies; the last one ends the request
                    return
        except (OSError, ValueError):  # the worker was killed
            pass
        replies.put(None)

    reusable = False
    try:
        worker.stdin.write(request_line(request))
        worker.stdin.flush()
        threading.Thread(target=read, daemon=True).start()
        while True:
            try:
                reply = replies.get(timeout=poll)
            except queue.Empty:
                waited = time.monotonic() - started
                if limit and waited > limit + KILL_GRACE:
                    raise QueryFailed(
                        f"Stopped: the query ran longer than the time limit ({limit:g} s).", "timeout"
                    ) from None
                if on_tick is not None:
                    on_tick(waited)
                continue
            if reply is None:
                worker.kill()
                worker.wait()
                time.sleep(0.1)  # the last lines of its stderr
                detail = [line for line in worker.stderr_tail if line.strip()]
                raise QueryFailed(
                    f"The query process ended unexpectedly: {detail[-1] if detail else worker.returncode}"
                )
            if reply["kind"] == "page":
                if on_page is not None:
                    on_page(reply)
                continue
            if reply["kind"] == "wait":
                if on_wait is not None:
                    on_wait(reply["holder"])
                continue
            reusable = True
            if reply["kind"] == "error":
                raise QueryFailed(reply["message"], reply["status"])
            return reply
    except BaseException:
        if not reusable:  # stopped by the caller or past the limit: interrupt, then end the worker
            try:
                worker.stdin.write(cancel_line(request["id"]))
                worker.stdin.flush()
            except OSError:
                pass
            _close(worker)
        raise
    finally:
        if reusable:
            _give_back(worker)


def _request(ws: Workspace, op: str, sql: str, params: dict | None, write: bool, timeout: float | None, **extra):
    if not ws.db_path.exists():
        with ws.connect():  # a new workspace: create its (empty) database
            pass
    limit = SQL_LIMITS.timeout if timeout is None else timeout
    return {
        "op": op, "home": str(ws.home), "sql": sql, "params": params or {}, "write": write,
        "timeout": limit, "lock_timeout": ws.limits.lock_timeout, "live_seconds": SQL_LIMITS.live_seconds,
        "snapshot_max_cells": SQL_LIMITS.snapshot_max_cells, **extra,
    }  # fmt: skip


def run(
    ws: Workspace,
    sql: str,
    params: dict | None = None,
    *,
    write: bool = False,
    max_rows: int | None = None,
    timeout: float | None = None,
    on_page: Callable[[Result], None] | None = None,
    on_tick: Tick | None = None,
    poll: float = 0.1,
    record: bool = True,
) -> Result:
    """Run `sql` (several statements allowed; the last one's result is returned).

    `on_page` gets the result as soon as its first page is read, before the total
    is counted. Every run, failed or not, goes to the history unless `record` is off.
    """
    rows = min(max_rows or SQL_LIMITS.max_rows, SQL_LIMITS.max_rows_ceiling)
    request = _request(ws, "query", sql, params, write, timeout, max_rows=rows, max_bytes=SQL_LIMITS.max_bytes)
    holder: list[Result] = []

    def page(reply: dict) -> None:
        table = pa.ipc.open_stream(reply["data"]).read_all()
        holder.append(Result(reply["columns"], reply["types"], table, None, reply["first_page_s"]))
        if on_page is not None:
            on_page(holder[0])

    with _history(ws, sql, record) as outcome:
        done = _exchange(request, page, on_tick, poll, ws.on_wait)
        result = holder[0] if holder else Result([], [], pa.table({}), 0, done["elapsed"])
        result.total, result.elapsed = done["total"], done["elapsed"]
        result.statement, result.created = done.get("statement") or "rows", done.get("created")
        result.snapshot = bool(done.get("snapshot"))
        outcome.update(rows=result.total, message=result.created)
    return result


@contextmanager
def _history(ws: Workspace, sql: str, record: bool) -> Iterator[dict]:
    """Record the run in the history (unless `record` is off): its outcome, or how it failed."""
    ran_at = datetime.now(UTC).replace(tzinfo=None)
    clock = time.perf_counter()
    outcome: dict = {}
    try:
        yield outcome
    except BaseException as exc:
        if record:
            # a stop from the caller (Ctrl+C, Streamlit's rerun) is not an Exception; any other failure is an error
            status = "error" if isinstance(exc, Exception) else "cancelled"
            status = exc.status if isinstance(exc, QueryFailed) else status
            history.record(ws, sql, ran_at, time.perf_counter() - clock, None, status, str(exc) or status)
        raise
    if record:
        history.record(ws, sql, ran_at, time.perf_counter() - clock, outcome.get("rows"), "ok", outcome.get("message"))


def export(
    ws: Workspace, sql: str, fmt: str, params: dict | None = None, *, stem: str = "query",
    timeout: float | None = None, on_tick: Tick | None = None, record: bool = False,
) -> tuple[Path, int]:  # fmt: skip
    """Write the full result of the last statement to `exports/` as csv or parquet: (path, rows).

    Not recorded in the history by default: the page exports a query that already ran."""
    path = export_path(ws.home, stem, fmt)
    request = _request(ws, "export", sql, params, False, timeout, path=str(path), format=fmt)
    with _history(ws, sql, record) as outcome:
        done = _exchange(request, None, on_tick, 0.1, ws.on_wait)
        outcome.update(rows=done["total"], message=f"exported to {path.name}")
    return Path(done["path"]), done["total"]


def save_as_table(
    ws: Workspace, name: str, sql: str, params: dict | None = None, *,
    timeout: float | None = None, on_tick: Tick | None = None,
) -> tuple[str, int]:  # fmt: skip
    """Save the last statement's full result as a new table, its lineage recorded: (name, rows)."""
    with ws.connect() as con:
        free = ws.free_name(name, con)
    done = _exchange(_request(ws, "create", sql, params, True, timeout, name=free), None, on_tick, 0.1, ws.on_wait)
    return done["created"], done["total"]
