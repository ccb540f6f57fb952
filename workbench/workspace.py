"""A workspace: one folder holding `workbench.duckdb` and `downloads/`.

Connections (the concurrency design, see DESIGN.md "Concurrency")
-----------------------------------------------------------------
DuckDB lets one process at a time open a database file for writing, and while
it does, no other process can open the file at all. The Streamlit server and
the `workbench` command are separate processes, so nobody may hold the file
open while idle: every unit of work (one page run, one command, one import)
opens a connection with `Workspace.connect()`, does its work and closes it.

* Across processes, an open that meets another process's lock is retried with
  back-off for `Limits.lock_timeout` seconds, then fails with `WorkspaceLocked`
  naming the holder. A `workbench load` while the UI is open therefore
  succeeds; the UI shows the new table on its next run.
* Within one process, DuckDB keeps one database instance per file while any
  connection to it is open, so concurrent page runs (browser tabs are threads)
  each get their own connection to the shared instance. No connection is ever
  shared between threads. Opening and closing are serialised by a process-wide
  lock: DuckDB's instance cache races when one thread opens the file while
  another opens or closes it ("... is already attached by database ...").
* Reading does not need the write lock. `connect(read_only=True)` opens the
  file as usual, but when another process holds it read-only (a notebook, the
  `workbench` command, the SQL panel's worker) it opens it read-only too, which
  several processes may do at once: the other tabs, the sidebar and `workbench
  tables` keep reading; only a write waits. In one process DuckDB refuses a
  read-only and a read-write instance of the same file side by side, so a
  connection joins the instance this process has open, and a writer meeting
  this process's read-only instance waits, as for another process's lock
  (`_Instances`); that only happens while the file is held elsewhere anyway.

The rules a user sees, and what makes them hold
-----------------------------------------------
* Reads never wait on reads. A read-only query (the SQL panel, `workbench sql`)
  opens the file read-only; its history row, which is a write, is queued beside
  the file and moved in when the file is free (workbench/sql/history.py), so the
  answer never waits for, nor fails on, another reader.
* A long read does not keep writers out. Only the SQL panel runs reads of
  unbounded length (pages read bounded results). Its worker starts a query on
  the file; a query still running after `SqlLimits.live_seconds` (1 s) is
  stopped, the tables it reads are copied into an in-memory database (a
  snapshot), the file is let go and the query starts over on the copy
  (workbench/sql/worker.py). Measured on 2 cores (benchmarks/concurrency.py):
  copying a 1M-row, 12-column table takes 0.2-0.3 s and holds ~160 MiB; the copy is
  bounded by `SqlLimits.snapshot_max_cells` (30M values); beyond it, and for
  queries over the catalog or a view, the query stays on the file and writers
  wait for it. So a write waits at most about 1 s plus the copy for a query of
  any length, and a 5-minute query in one tab leaves every other tab and command
  free to work; the query answers from the tables as they were when it moved.
* A write that must wait says what it waits for: `on_wait` is told who holds
  the file (`holder`: "a query in the SQL panel: PID 12, python3", the app, a
  notebook, a `workbench` command), once; the app shows it as a toast, the
  command and the Python API print it on stderr. After `Limits.lock_timeout`
  (20 s) without the file it fails with `WorkspaceLocked` naming the holder:
  that happens only when something outside these rules holds the file (a
  notebook's own open connection, an import longer than that).
* Cost, measured on 2 cores: opening a closed file takes ~35 ms; opening it
  while another thread has it open takes ~0.7 ms. One connection per page run
  keeps that to one open per interaction.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import duckdb

from workbench import metadata, settings
from workbench.errors import TableNotFound, WorkbenchError, WorkspaceLocked
from workbench.metadata import TableInfo
from workbench.names import quote, render, table_name_from, unique_name
from workbench.settings import DB_FILENAME, Limits, default_home

if TYPE_CHECKING:  # pandas is imported where a frame is made: the command starts faster without it
    import pandas as pd

T = TypeVar("T")

# Extensions are never fetched: the workbench must work offline and must not
# run code it downloaded on the user's behalf.
_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
_OPEN_CLOSE = threading.Lock()  # see the module docstring


class _ReadersOpen(Exception):
    """A writer met this process's own read-only instance of the file: retried like a lock."""


class _Instances:
    """Which mode this process has each database file open in, and how many connections use it."""

    def __init__(self) -> None:
        self.open: dict[str, list] = {}  # path -> [read_only, connections]

    def modes(self, path: str, read_only: bool) -> list[bool]:
        """The modes to try, in order (call holding _OPEN_CLOSE): read_only True or False."""
        held = self.open.get(path)
        if held is None:
            return [False, True] if read_only else [False]
        if held[0] and not read_only:
            raise _ReadersOpen("this process's readers still have the file open")
        return [held[0]]

    def connect(self, path: str, read_only: bool) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(path, read_only=read_only, config=_CONFIG)
        self.open.setdefault(path, [read_only, 0])[1] += 1
        return con

    def closed(self, path: str) -> None:
        held = self.open[path]
        held[1] -= 1
        if not held[1]:
            del self.open[path]


_INSTANCES = _Instances()


def _is_lock_error(exc: Exception) -> bool:
    if isinstance(exc, _ReadersOpen):
        return True
    text = str(exc)
    return "lock" in text.lower() and ("Conflicting lock" in text or "Could not set lock" in text)


def retry_on_lock(attempt: Callable[[], T], timeout: float, on_wait: Callable[[str], None] | None = None) -> T:
    """`attempt()`, tried again while it meets another process's lock on a database file: with
    jittered back-off from 50 ms doubling to 1 s, for `timeout` seconds. Any other error, and the
    lock error once the time is up, propagate as they are. Every open of the workspace file
    (connections here, the SQL panel's sandbox) goes through this one loop. `on_wait` is called
    once, when the first attempt meets a lock, with what holds the file (`holder`), so a page or
    the command can say that it waits and for what."""
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        try:
            return attempt()
        except (duckdb.Error, _ReadersOpen) as exc:
            if not _is_lock_error(exc) or time.monotonic() >= deadline:
                raise
            if on_wait is not None:
                on_wait(holder(exc))
                on_wait = None
        time.sleep(delay * (0.5 + random.random()))
        delay = min(delay * 2, 1.0)


class Workspace:
    """The folder, its database, and the operations on tables as wholes."""

    def __init__(self, home: str | Path | None = None, limits: Limits | None = None,
                 on_wait: Callable[[str], None] | None = None):  # fmt: skip
        self.home = Path(home).expanduser().resolve() if home else default_home()
        self.limits = limits or settings.LIMITS
        self.on_wait = on_wait  # told when an open has to wait for another process (see retry_on_lock)
        self.db_path = self.home / DB_FILENAME
        self.downloads = self.home / "downloads"

    def __repr__(self) -> str:
        return f"Workspace({str(self.home)!r})"

    # -- connections -----------------------------------------------------------------

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short-lived connection for one unit of work (see the module docstring).

        `read_only` for work that only reads (temporary tables allowed): it shares the file with
        other readers, such as a long query of the SQL panel. A workspace whose metadata is not
        set up yet is opened for writing to set it up.
        """
        self.home.mkdir(parents=True, exist_ok=True)
        self.downloads.mkdir(exist_ok=True)
        con, opened_read_only = self._open(read_only and self.db_path.exists())
        if opened_read_only and not metadata.is_current(con):
            self._close(con)
            con, opened_read_only = self._open(False)
        try:
            if not opened_read_only:
                metadata.ensure_schema(con)
            yield con
        finally:
            self._close(con)

    def _close(self, con: duckdb.DuckDBPyConnection) -> None:
        with _OPEN_CLOSE:
            con.close()
            _INSTANCES.closed(str(self.db_path))

    def _open(self, read_only: bool) -> tuple[duckdb.DuckDBPyConnection, bool]:
        path = str(self.db_path)

        def attempt() -> tuple[duckdb.DuckDBPyConnection, bool]:
            with _OPEN_CLOSE:
                *first, last = _INSTANCES.modes(path, read_only)
                for mode in first:
                    try:
                        return _INSTANCES.connect(path, mode), mode
                    except duckdb.Error as exc:  # held elsewhere: a reader tries read-only
                        if not _is_lock_error(exc):
                            raise
                return _INSTANCES.connect(path, last), last

        try:
            con, mode = retry_on_lock(attempt, self.limits.lock_timeout, self.on_wait)
        except (duckdb.Error, _ReadersOpen) as exc:
            if _is_lock_error(exc):
                raise WorkspaceLocked(
                    f"The workspace {self.home} is busy: another process is using {DB_FILENAME} "
                    f"({holder(exc)}). Wait for it to finish and try again."
                ) from exc
            raise WorkbenchError(f"Cannot open the workspace database {self.db_path}: {exc}") from exc
        return con, mode

    @contextmanager
    def transaction(self, con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
        """All or nothing: a failure (or a cancel) rolls back every change."""
        con.execute("BEGIN TRANSACTION")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")

    # -- reading ---------------------------------------------------------------------

    def tables(self) -> list[TableInfo]:
        with self.connect(read_only=True) as con:
            return metadata.list_tables(con)

    def table(self, name: str, con: duckdb.DuckDBPyConnection | None = None) -> TableInfo:
        if con is None:
            with self.connect(read_only=True) as own:
                return self.table(name, own)
        found = metadata.list_tables(con, name)
        if not found:
            raise TableNotFound(f"There is no table named {name!r} in {self.home}.")
        return found[0]

    def schema(self, name: str) -> pd.DataFrame:
        """Column names and types of a table, in order."""
        with self.connect(read_only=True) as con:
            info = self.table(name, con)
            return con.execute(
                "SELECT column_name AS column, data_type AS type, is_nullable = 'YES' AS nullable "
                "FROM information_schema.columns WHERE table_schema = 'main' "
                "AND table_catalog = current_database() AND table_name = ? ORDER BY ordinal_position",
                [info.name],
            ).df()

    def preview(self, name: str, limit: int = 100) -> pd.DataFrame:
        with self.connect(read_only=True) as con:
            info = self.table(name, con)
            return con.execute(f"SELECT * FROM {quote(info.name)} LIMIT ?", [limit]).df()

    def rejects(self, name: str) -> pd.DataFrame:
        """The kept examples of lines rejected when the table was imported."""
        import pandas as pd

        with self.connect(read_only=True) as con:
            rows = metadata.rejects(con, self.table(name, con).name)
        return pd.DataFrame(rows, columns=["line", "column", "error", "message", "raw line"])

    def dependents(self, name: str) -> list[str]:
        with self.connect(read_only=True) as con:
            return metadata.dependents(con, self.table(name, con).name)

    def free_name(self, text: str, con: duckdb.DuckDBPyConnection) -> str:
        """A new table name derived from `text`, unique in this workspace."""
        taken = [t.name for t in metadata.list_tables(con)]
        return unique_name(table_name_from(text), taken)

    # -- changing tables as wholes ---------------------------------------------------

    def rename(self, old: str, new: str) -> str:
        """Rename a table, keeping its lineage and its children's. Returns the new name."""
        safe = table_name_from(new)
        with self.connect() as con:
            info = self.table(old, con)
            if safe.lower() != info.name.lower() and metadata.list_tables(con, safe):
                raise WorkbenchError(f"A table named {safe!r} already exists; choose another name.")
            with self.transaction(con):
                con.execute(f"ALTER {info.kind.upper()} {quote(info.name)} RENAME TO {quote(safe)}")
                metadata.rename(con, info.name, safe)
        return safe

    def drop(self, name: str) -> None:
        """Delete a table and its provenance. Its children stay, their parent marked as gone."""
        with self.connect() as con:
            info = self.table(name, con)
            with self.transaction(con):
                con.execute(f"DROP {info.kind.upper()} {quote(info.name)}")
                metadata.forget(con, info.name)

    def create_table_as(
        self,
        con: duckdb.DuckDBPyConnection,
        name: str,
        select_sql: str,
        params: list | None = None,
        **provenance,
    ) -> TableInfo:
        """Create `name` from a SELECT and record its provenance, in the caller's transaction.

        Every step over existing tables (SQL writes, dedupe merges) makes its table
        here, so its lineage cannot be skipped; imports record theirs with the
        rejected lines in `ingest`. `provenance` goes to `metadata.record_table`;
        the SQL kept, unless given, is the statement itself with its parameters as literals.
        """
        statement = f"CREATE TABLE {quote(name)} AS {select_sql}"
        con.execute(statement, params or [])
        sql = provenance.pop("sql", None) or (render(statement, params) if params else statement)
        metadata.record_table(con, name, sql=sql, **provenance)
        return self.table(name, con)


# What a process holding the file is, from its command line: the words a waiting user understands.
_PROGRAMS = [
    ("workbench.sql.worker", "a query in the SQL panel"),
    ("streamlit", "the Workbench app"),
    ("ipykernel", "a notebook"),
    ("jupyter", "a notebook"),
]


def holder(exc: Exception) -> str:
    """Who holds the file, from DuckDB's lock error: "PID 12, python3", or "the Workbench app: PID 12, python3"."""
    if isinstance(exc, _ReadersOpen):
        return "a read in another tab of this app"
    found = re.search(r"held in (.+?) \(PID (\d+)\)", str(exc))
    if not found:
        return "the file is locked"
    program, pid = found.group(1), found.group(2)
    what = _describe(pid)
    return f"{what + ': ' if what else ''}PID {pid}, {Path(program).name}"


def _describe(pid: str) -> str | None:
    try:
        words = [a.decode(errors="replace") for a in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if a]
    except OSError:  # gone meanwhile, or no /proc on this system
        return None
    line = " ".join(words)
    for marker, what in _PROGRAMS:
        if marker in line:
            return what
    names = [Path(w).name for w in words[:2]]
    if "workbench" not in names:
        return None
    rest, i = words[names.index("workbench") + 1:], 0
    while i < len(rest) and rest[i].startswith("-"):  # the group's options: --home DIR, --home=DIR
        i += 1 if "=" in rest[i] else 2
    return f"the command `workbench {rest[i]}`" if i < len(rest) else "a `workbench` command"
