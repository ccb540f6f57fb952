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

from workbench import settings
from workbench.errors import Cancelled
from workbench.jobs import Progress, run_watched
from workbench.names import quote
from workbench.profile import explain, findings, semantic, stats, values
from workbench.profile.findings import KINDS, TITLES
from workbench.profile.result import ColumnProfile, Finding, Profile
from workbench.workspace import Workspace

__all__ = ["KINDS", "TITLES", "ColumnProfile", "Finding", "Profile", "evidence", "profile_connection", "profile_table"]


def profile_table(ws: Workspace, table: str, *, on_progress: Progress | None = None,
                  cancel: threading.Event | None = None) -> Profile:  # fmt: skip
    """Profile `table` of the workspace (one short-lived read-only connection: it only reads)."""
    with ws.connect(read_only=True) as con:
        info = ws.table(table, con)
        return profile_connection(con, info.name, on_progress=on_progress, cancel=cancel)


def profile_connection(con: duckdb.DuckDBPyConnection, table: str, *, on_progress: Progress | None = None,
                       cancel: threading.Event | None = None) -> Profile:  # fmt: skip
    """Profile `table` on `con`. Columns are profiled in batches of `profile_batch_columns`; past
    `profile_max_columns` they get counts only, and `overview["skipped"]` says so."""
    started = time.perf_counter()
    limits = settings.LIMITS

    def step(start: float, end: float, label: str, sql: str, params: list) -> tuple:
        if cancel is not None and cancel.is_set():
            raise Cancelled("Profiling cancelled.")
        scaled = (lambda done, text: on_progress(start + (end - start) * done, text)) if on_progress else None
        if scaled:
            scaled(0.0, label)
        run_watched(con, sql, params, on_progress=scaled, cancel=cancel, label=label)
        return con.fetchall()

    def profile_batch(a: float, b: float, batch: list[ColumnProfile], span: str, over: str = table,
                      distinct: bool = True) -> None:  # fmt: skip
        """Quantiles of the batch's numbers and dates (the outlier fences need them), then in one pass
        counts, moments, histogram bins, outliers and codes: two steps sharing [a, b] of the progress bar."""
        middle = a + (b - a) / 3
        quantiles = stats.quantile_sql(over, batch, rows)
        if quantiles:
            sql, params, exact_q = quantiles
            (row,) = step(a, middle, f"Quantiles{span}", sql, params)
            stats.read_quantiles(row, batch, exact_q)
        agg = stats.Aggregates()
        stats.counts(agg, batch, exact, distinct=distinct)
        stats.bins(agg, batch, rows)
        (row,) = step(middle, b, f"Counts, histograms, outliers and codes{span}", agg.sql(quote(over)), agg.params)
        got = agg.read(row)
        stats.read_counts(got, batch, rows, exact)
        stats.read_bins(got, batch)

    def batched(start: float, end: float, batches: list[list[ColumnProfile]]):
        """Each batch with the share of [start, end] of the progress bar that it covers."""
        width = (end - start) / max(len(batches), 1)
        for k, batch in enumerate(batches):
            yield start + k * width, start + (k + 1) * width, batch, _span(batches, k)

    columns = stats.describe(con, table)
    full, light = columns[: limits.profile_max_columns], columns[limits.profile_max_columns :]
    source = quote(table)
    rows = 0
    for batch in stats.batches(columns, limits.profile_batch_columns) or [[]]:
        agg = stats.ranges(batch)
        got = agg.read(con.execute(agg.sql(source), agg.params).fetchone())
        stored = con.execute(stats.storage_sql(table, batch)).fetchone() if batch else None
        rows = stats.read_ranges(got, stored, batch)
    exact = rows <= settings.LIMITS.profile_exact_rows

    for a, b, batch, span in batched(0.0, 0.6, stats.batches(full, limits.profile_batch_columns)):
        profile_batch(a, b, batch, span)
    for a, b, batch, span in batched(0.6, 0.65, stats.batches(light, limits.profile_batch_columns)):
        agg = stats.Aggregates()
        stats.counts(agg, batch, exact, full=False)
        (row,) = step(a, b, f"Counts{span}", agg.sql(source), agg.params)
        stats.read_counts(agg.read(row), batch, rows, exact=False)  # distinct: DuckDB's stored estimate
    ((duplicates,),) = step(0.65, 0.75, "Duplicate rows", stats.duplicates_sql(table), [])
    overview = {"rows": rows, "duplicate_rows": duplicates}

    text = [c for c in full if c.family == "text" and c.stats.get("count")]
    if text:
        con.execute(values.CREATE)
        first = 0
        for a, b, batch, span in batched(0.75, 0.92, stats.batches(text, limits.profile_batch_columns)):
            sql, params = values.counts_sql(table, batch, rows, exact, first)
            step(a, b, f"Value counts of text columns{span}", sql, params)
            first += len(batch)
        values.summarize(con, text)

    for col in full:
        col.semantic = semantic.infer(col)
    if on_progress:
        on_progress(0.93, "Looking for dirty data")
    detector = findings.Detector(con, table, rows, {c.name: i for i, c in enumerate(text)})
    found: list[Finding] = []
    for col in full:
        found += detector.column(col)
    for col in light:
        found += findings.missing(detector, col)
    found += findings.duplicate_rows(detector, columns, overview["duplicate_rows"])
    findings.missing_together(detector, full, found)
    findings.confirm(con, table, found, rows)
    for f in found:  # every finding says its rule and what decided it
        f.detail.setdefault("rule", explain.RULES[f.kind])
        f.detail.setdefault("evidence", f.message)
        f.detail.setdefault("confidence", f.confidence)
    if text:
        con.execute(f"DROP TABLE IF EXISTS {values.VALUES}")

    # Text columns holding numbers: their statistics and histogram are those of the numbers they hold. After
    # the findings, which describe the values as stored (the text's min and max, its distinct spellings).
    held = [c for c in text if c.numbers_in_text]
    if held:
        step(0.94, 0.95, "Reading the numbers in text columns", stats.numbers_table_sql(table, held), [])
        parsed = stats.describe(con, stats.NUMBERS)
        for a, b, batch, span in batched(0.95, 0.99, stats.batches(parsed, limits.profile_batch_columns)):
            agg = stats.ranges(batch)
            stats.read_ranges(agg.read(con.execute(agg.sql(stats.NUMBERS)).fetchone()), None, batch)
            # distinct values: those of the text are kept, the numbers' would cost a pass of their own
            profile_batch(a, b, batch, f" of the numbers in text columns{span}", stats.NUMBERS, distinct=False)
        for col, numbers_held in zip(held, parsed):
            stats.adopt(col, numbers_held)
        con.execute(f"DROP TABLE {stats.NUMBERS}")

    cells = rows * len(columns)
    missing = sum(c.stats.get("nulls", 0) for c in columns)
    overview.update(
        columns=len(columns),
        missing_cells=missing,
        missing_share=missing / cells if cells else 0.0,
        exact=exact,
        storage_bytes=_storage_bytes(con, table),
        skipped=[_skipped_wide(light, len(columns), limits.profile_max_columns)] if light else [],
    )
    if on_progress:
        on_progress(1.0, "Done")
    return Profile(table, rows, columns, findings.rank(found), overview, time.perf_counter() - started)


def _span(batches: list[list[ColumnProfile]], k: int) -> str:
    """' (columns 21-40 of 1,000)' for the k-th batch, when there is more than one."""
    if len(batches) < 2:
        return ""
    first = sum(len(b) for b in batches[:k]) + 1
    return f" (columns {first:,}-{first + len(batches[k]) - 1:,} of {sum(len(b) for b in batches):,})"


def _skipped_wide(light: list[ColumnProfile], width: int, limit: int) -> dict:
    """What a profile leaves out of the columns past `profile_max_columns`, and why."""
    return {
        "part": "quantiles, histograms, value counts and dirty-data checks other than missing values",
        "columns": [c.name for c in light],
        "reason": f"the table has {width:,} columns and the first {limit:,} are profiled in full "
                  "(settings: profile_max_columns); these have counts, missing values, min/max and an "
                  "estimated distinct count",
    }  # fmt: skip


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
    with ws.connect(read_only=True) as con:
        ws.table(table, con)
        return con.execute(f"SELECT * FROM ({sql}) LIMIT ?", [*params, limit]).df()
