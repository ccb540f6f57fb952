"""Long statements that report progress and can be stopped.

A statement runs on a worker thread while the calling thread polls DuckDB's
`query_progress()` and a cancel flag. Callbacks run on the calling thread, so a
Streamlit page can update its progress bar from them, and when Streamlit stops
the script (the user clicked Cancel or moved on) the exception it raises inside
the callback interrupts the query.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import duckdb

from workbench.errors import Cancelled

# on_progress(fraction between 0 and 1, what is happening)
Progress = Callable[[float, str], None]


def run_watched(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    params: Sequence | None = None,
    *,
    on_progress: Progress | None = None,
    cancel: threading.Event | None = None,
    label: str = "",
    poll: float = 0.1,
) -> None:
    """Execute one statement, reporting progress and honouring `cancel`."""
    if on_progress is None and cancel is None:
        con.execute(sql, params or [])
        return
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")
    failure: list[BaseException] = []

    def work() -> None:
        try:
            con.execute(sql, params or [])
        except BaseException as exc:  # handed to the calling thread
            failure.append(exc)

    worker = threading.Thread(target=work, name="workbench-query", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(poll)
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            if on_progress is not None and worker.is_alive():
                done = con.query_progress()
                if done >= 0:
                    on_progress(min(done / 100.0, 1.0), label)
    except BaseException:
        con.interrupt()
        worker.join()
        raise
    if failure:
        raise failure[0]
    if cancel is not None and cancel.is_set():  # asked while the statement was finishing: still undone
        raise Cancelled()
