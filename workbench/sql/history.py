"""The SQL panel's history: every run (query, time, duration, rows, status), kept in the workspace.

It lives in the workspace's `_workbench` schema, in its own table created here
(idempotently) next to the foundation's metadata tables, so it persists across
restarts and travels with the workspace file.

A run is never held up, nor made to fail, by its history: a read-only query
answers while other processes read the file, and writing its row would need
the file alone. So `record` appends the row to a queue beside the database
(`.sql-history-queue.jsonl` in the workspace folder, appended under a file lock)
and then moves the queue into the table only if the file is free at once; a
later run, or the next `search`, moves what is left. `search` shows both, so a
queued run is listed as soon as it is recorded.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from workbench.errors import WorkspaceLocked
from workbench.metadata import SCHEMA
from workbench.workspace import Workspace

TABLE = f"{SCHEMA}.sql_history"
QUEUE = ".sql-history-queue.jsonl"

DDL = f"""
CREATE SEQUENCE IF NOT EXISTS {SCHEMA}.sql_history_id;
CREATE TABLE IF NOT EXISTS {TABLE} (
    id BIGINT NOT NULL DEFAULT nextval('{SCHEMA}.sql_history_id'),
    ran_at TIMESTAMP NOT NULL,  -- UTC
    query VARCHAR NOT NULL,
    duration_s DOUBLE,
    rows BIGINT,
    status VARCHAR NOT NULL,    -- ok | error | refused | timeout | cancelled
    message VARCHAR
);
"""
_COLUMNS = ("ran_at", "query", "duration_s", "rows", "status", "message")


@dataclass
class Entry:
    id: int  # negative while the run waits in the queue
    ran_at: datetime
    query: str
    duration_s: float | None
    rows: int | None
    status: str
    message: str | None


def record(
    ws: Workspace, query: str, ran_at: datetime, duration_s: float, rows: int | None, status: str, message: str | None
) -> None:
    """Keep the run: queued at once, moved into the workspace when the file is free (never waits)."""
    line = json.dumps(dict(zip(_COLUMNS, (ran_at.isoformat(), query, duration_s, rows, status, message))))
    with _queue(ws) as queue:
        queue.seek(0, os.SEEK_END)
        queue.write(line.encode() + b"\n")
    flush(ws)


def flush(ws: Workspace) -> int:
    """Move the queued runs into the workspace's table, if the file can be written at once: how many moved."""
    with _queue(ws) as queue:
        entries = _queued(queue)
        if not entries:
            return 0
        now = Workspace(ws.home, dataclasses.replace(ws.limits, lock_timeout=0))  # no waiting, nothing said
        try:
            with now.connect() as con, now.transaction(con):
                con.execute(DDL)
                con.executemany(
                    f"INSERT INTO {TABLE} ({', '.join(_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?)",
                    [[e.ran_at, e.query, e.duration_s, e.rows, e.status, e.message] for e in entries],
                )
        except WorkspaceLocked:
            return 0
        queue.truncate(0)
    return len(entries)


def search(ws: Workspace, text: str = "", limit: int = 200) -> list[Entry]:
    """The newest runs first, those whose query contains `text` (any case). Reads only (a long query
    elsewhere does not stop it); runs still queued are listed first, as the newest."""
    if _has_queue(ws):
        flush(ws)
    with ws.connect(read_only=True) as con:
        kept = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = ? AND table_name = 'sql_history'",
            [SCHEMA],
        ).fetchone()[0]
        rows = con.execute(
            f"SELECT id, ran_at, query, duration_s, rows, status, message FROM {TABLE} "
            "WHERE contains(lower(query), lower(?)) ORDER BY id DESC LIMIT ?",
            [text, limit],
        ).fetchall() if kept else []
    queued = []
    if _has_queue(ws):
        with _queue(ws) as queue:
            queued = [e for e in _queued(queue) if text.lower() in e.query.lower()]
    return (queued[::-1] + [Entry(*r) for r in rows])[:limit]


def _has_queue(ws: Workspace) -> bool:
    try:
        return (ws.home / QUEUE).stat().st_size > 0
    except FileNotFoundError:
        return False


@contextmanager
def _queue(ws: Workspace) -> Iterator:
    """The queue file, opened and locked against every other process and thread while in the block."""
    ws.home.mkdir(parents=True, exist_ok=True)
    with open(ws.home / QUEUE, "a+b") as queue:  # a+: created if missing; writes always append
        fcntl.flock(queue, fcntl.LOCK_EX)  # per open file: threads of one process exclude each other too
        try:
            yield queue
        finally:
            fcntl.flock(queue, fcntl.LOCK_UN)


def _queued(queue) -> list[Entry]:
    queue.seek(0)
    entries = []
    for i, line in enumerate(queue.read().decode().splitlines()):
        if line.strip():
            row = json.loads(line)
            entries.append(Entry(-(i + 1), datetime.fromisoformat(row.pop("ran_at")), **row))
    return entries
