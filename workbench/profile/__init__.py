"""Profile a table in DuckDB: statistics, chart data and dirty-data findings.

    from workbench.profile import profile_table
    p = profile_table(ws, "cars", on_progress=print)
    for f in p.findings: print(f.kind, f.column, f.count, f.message)

Everything is computed by SQL over the table; only bounded results (aggregates,
bins, value counts of text columns, examples) come back to Python.
"""

from __future__ import annotations

import threading
import time

import duckdb

from workbench.errors import Cancelled
from workbench.jobs import Progress, run_watched
from workbench.names import quote
from workbench.profile import findings, semantic, stats, values
from workbench.profile.findings import KINDS
from workbench.profile.result import ColumnProfile, Finding, Profile
from workbench.workspace import Workspace

__all__ = ["KINDS", "ColumnProfile", "Finding", "Profile", "evidence", "profile_connection", "profile_table"]


def profile_table(ws: Workspace, table: str, *, on_progress: Progress | None = None,
                  cancel: threading.Event | None = None) -> Profile:  # fmt: skip
    """Profile `table` of the workspace (one short-lived connection)."""
    with ws.connect() as con:
        info = ws.table(table, con)
        return profile_connection(con, info.name, on_progress=on_progress, cancel=cancel)


def profile_connection(con: duckdb.DuckDBPyConnection, table: str, *, on_progress: Progress | None = None,
                       cancel: threading.Event | None = None) -> Profile:  # fmt: skip
    started = time.perf_counter()

    def step(start: float, end: float, label: str, sql: str, params: list) -> tuple:
        if cancel is not None and cancel.is_set():
            raise Cancelled("Profiling cancelled.")
        scaled = (lambda done, text: on_progress(start + (end - start) * done, text)) if on_progress else None
        if scaled:
            scaled(0.0, label)
        run_watched(con, sql, params, on_progress=scaled, cancel=cancel, label=label)
        return con.fetchall()

    columns = stats.describe(con, table)
    source = quote(table)
    agg = stats.ranges(columns)
    got = agg.read(con.execute(agg.sql(source), agg.params).fetchone())
    stored = con.execute(stats.storage_sql(table, columns)).fetchone() if columns else None
    rows = stats.read_ranges(got, stored, columns)
    exact = rows <= stats.EXACT_ROWS

    quantiles = stats.quantile_sql(table, columns, rows)
    if quantiles:
        sql, params, exact_q = quantiles
        (row,) = step(0.0, 0.15, "Quantiles", sql, params)
        stats.read_quantiles(row, columns, exact_q)

    agg = stats.Aggregates()
    stats.counts(agg, columns, exact)
    stats.bins(agg, columns, rows)
    (row,) = step(0.15, 0.6, "Counts, histograms, outliers and codes", agg.sql(source), agg.params)
    got = agg.read(row)
    stats.read_counts(got, columns, rows, exact)
    stats.read_bins(got, columns)
    ((duplicates,),) = step(0.6, 0.75, "Duplicate rows", stats.duplicates_sql(table), [])
    overview = {"rows": rows, "duplicate_rows": duplicates}

    text = [c for c in columns if c.family == "text" and c.stats.get("count")]
    if text:
        sql, params = values.counts_sql(table, text, rows, exact)
        step(0.75, 0.92, "Value counts of text columns", sql, params)
        values.summarize(con, text)

    for col in columns:
        col.semantic = semantic.infer(col)
    if on_progress:
        on_progress(0.93, "Looking for dirty data")
    detector = findings.Detector(con, table, rows, {c.name: i for i, c in enumerate(text)})
    found: list[Finding] = []
    for col in columns:
        found += detector.column(col)
    found += findings.duplicate_rows(detector, columns, overview["duplicate_rows"])
    findings.confirm(con, table, found, rows)
    if text:
        con.execute(f"DROP TABLE IF EXISTS {values.VALUES}")

    cells = rows * len(columns)
    missing = sum(c.stats.get("nulls", 0) for c in columns)
    overview.update(
        columns=len(columns),
        missing_cells=missing,
        missing_share=missing / cells if cells else 0.0,
        exact=exact,
        storage_bytes=_storage_bytes(con, table),
    )
    if on_progress:
        on_progress(1.0, "Done")
    return Profile(table, rows, columns, findings.rank(found), overview, time.perf_counter() - started)


def _storage_bytes(con: duckdb.DuckDBPyConnection, table: str) -> int | None:
    """Bytes of the table's blocks in the database file (None for a view)."""
    try:
        (n,) = con.execute(
            "SELECT count(DISTINCT block_id) * (SELECT block_size FROM pragma_database_size() LIMIT 1) "
            "FROM pragma_storage_info(?) WHERE persistent AND block_id >= 0",
            [table],
        ).fetchone()
    except duckdb.Error:
        return None
    return int(n) if n is not None else None


def evidence(ws: Workspace, table: str, finding: Finding, limit: int = 100):
    """The offending rows of a finding (at most `limit`), as a pandas DataFrame."""
    sql, params = finding.evidence_sql(table)
    with ws.connect() as con:
        ws.table(table, con)
        return con.execute(f"SELECT * FROM ({sql}) LIMIT ?", [*params, limit]).df()
