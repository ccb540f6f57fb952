"""The SQL panel's history: every run (query, time, duration, rows, status), kept in the workspace.

It lives in the workspace's `_workbench` schema, in its own table created here
(idempotently) next to the foundation's metadata tables, so it persists across
restarts and travels with the workspace file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from workbench.metadata import SCHEMA
from workbench.workspace import Workspace

TABLE = f"{SCHEMA}.sql_history"

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


@dataclass
class Entry:
    id: int
    ran_at: datetime
    query: str
    duration_s: float | None
    rows: int | None
    status: str
    message: str | None


def record(
    ws: Workspace, query: str, ran_at: datetime, duration_s: float, rows: int | None, status: str, message: str | None
) -> None:
    with ws.connect() as con:
        con.execute(DDL)
        con.execute(
            f"INSERT INTO {TABLE} (ran_at, query, duration_s, rows, status, message) VALUES (?, ?, ?, ?, ?, ?)",
            [ran_at, query, duration_s, rows, status, message],
        )


def search(ws: Workspace, text: str = "", limit: int = 200) -> list[Entry]:
    """The newest runs first, those whose query contains `text` (any case)."""
    with ws.connect() as con:
        con.execute(DDL)
        rows = con.execute(
            f"SELECT id, ran_at, query, duration_s, rows, status, message FROM {TABLE} "
            "WHERE contains(lower(query), lower(?)) ORDER BY id DESC LIMIT ?",
            [text, limit],
        ).fetchall()
    return [Entry(*r) for r in rows]
