"""The SQL engine: row cap with the true total, several statements, EXPLAIN, parameters,
time limit and cancel, export of the full result, save as table, history."""

from __future__ import annotations

import collections
import dataclasses
import os
import signal
import time
from pathlib import Path

import duckdb
import pytest

from tests.unit.sql_shared import shared_ws_fixture  # noqa: F401
from workbench import Workspace
from workbench.errors import WorkbenchError
from workbench.sql import engine, history, params
from workbench.sql.engine import QueryFailed

LONG = "SELECT count(*) FROM range(100000000000) a"


def test_the_page_is_capped_and_the_total_is_true(ws):
    result = engine.run(ws, "SELECT range AS i FROM range(25000)", max_rows=100)
    assert len(result.frame) == 100 and result.total == 25000 and result.truncated
    assert result.frame["i"].tolist() == list(range(100))
    assert result.elapsed >= result.first_page_s >= 0


def test_the_page_is_also_capped_by_size(ws, monkeypatch):
    monkeypatch.setattr(engine, "SQL_LIMITS", dataclasses.replace(engine.SQL_LIMITS, max_bytes=20_000))
    result = engine.run(ws, "SELECT range AS i, repeat('x', 100) AS s FROM range(100000)", max_rows=50_000)
    assert 0 < len(result.frame) < 1000 and result.total == 100_000


def test_several_statements_show_the_last_result(shared_ws):
    result = engine.run(shared_ws, "SELECT 1; SELECT count(*) AS n FROM cars;")
    assert result.frame["n"].tolist() == [406]


def test_errors_keep_duckdbs_message_and_position(shared_ws):
    with pytest.raises(QueryFailed) as info:
        engine.run(shared_ws, "SELECT Nmae FROM cars")
    message = str(info.value)
    assert info.value.status == "error"
    assert "Nmae" in message and "LINE 1" in message and "Name" in message  # the candidate and the caret line


def test_explain_and_explain_analyze_read_as_plans(shared_ws):
    plan = engine.run(shared_ws, "EXPLAIN SELECT * FROM cars WHERE Cylinders > 4")
    assert plan.statement == "plan" and "Filters" in plan.plan and "cars" in plan.plan
    analyzed = engine.run(shared_ws, "EXPLAIN ANALYZE SELECT count(*) FROM cars WHERE Cylinders > 4")
    assert analyzed.statement == "plan" and "Total Time" in analyzed.plan


def test_parameters_are_bound_not_formatted(shared_ws):
    tricky = "O'Brien\"; DROP TABLE cars; --"
    sql = "SELECT $who AS who, count(*) AS heavy FROM cars WHERE Weight_in_lbs > $min"
    values = params.bind(sql, {"who": tricky, "min": "900"})
    result = engine.run(shared_ws, sql, values)
    assert result.frame["who"].tolist() == [tricky]
    assert result.frame["heavy"].tolist() == [406]  # compared as numbers; as text "1613" < "900"
    assert shared_ws.table("cars").rows == 406


def test_parameter_names_in_order_and_missing_ones(shared_ws):
    sql = "SELECT * FROM cars WHERE Origin = $origin AND Cylinders > $cyl -- $not_a_param\n AND '$nor_this' <> $origin"
    assert params.names(sql) == ["origin", "cyl"]
    assert params.names("SELECT 1 FROM") == []
    with pytest.raises(WorkbenchError, match=r"\$cyl"):
        params.bind(sql, {"origin": "USA"})
    with pytest.raises(WorkbenchError, match="name=value"):
        params.from_assignments(["novalue"])
    assert params.from_assignments(["$a=1", "b=x=y"]) == {"a": "1", "b": "x=y"}
    with pytest.raises(QueryFailed, match=r"\$origin"):
        engine.run(shared_ws, sql, {"cyl": "4"})


def test_the_time_limit_interrupts_and_the_next_query_runs(ws):
    started = time.monotonic()
    with pytest.raises(QueryFailed) as info:
        engine.run(ws, LONG, timeout=1)
    assert info.value.status == "timeout" and "time limit (1 s)" in str(info.value)
    assert time.monotonic() - started < 1 + engine.KILL_GRACE + 3
    assert engine.run(ws, "SELECT 42 AS answer").frame["answer"].tolist() == [42]
    assert history.search(ws)[1].status == "timeout"


def test_cancel_from_the_caller_stops_the_query(ws):
    def tick(waited: float) -> None:
        if waited > 0.5:
            raise KeyboardInterrupt

    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        engine.run(ws, LONG, timeout=0, on_tick=tick)
    assert time.monotonic() - started < engine.KILL_GRACE + 3
    assert history.search(ws)[0].status == "cancelled"
    assert engine.run(ws, "SELECT 1 AS one").total == 1


def test_the_first_page_arrives_before_the_count(ws):
    pages = []
    result = engine.run(
        ws,
        "SELECT range AS i FROM range(3000000)",
        max_rows=10,
        on_page=lambda r: pages.append((r.total, len(r.frame))),
    )
    assert pages == [(None, 10)]
    assert result.total == 3_000_000


def test_export_writes_the_full_result_not_the_page(shared_ws):
    sql = "SELECT range AS i FROM range($n)"
    path, rows = engine.export(shared_ws, sql, "csv", {"n": "25000"}, stem="../../evil name")
    assert rows == 25000 and path.parent == shared_ws.home / "exports" and path.name.startswith("evil_name-")
    assert path.read_text().splitlines()[:2] == ["i", "0"] and len(path.read_text().splitlines()) == 25001
    parquet, rows = engine.export(shared_ws, "SELECT * FROM cars", "parquet")
    assert rows == 406
    assert duckdb.sql(f"SELECT count(*) FROM '{parquet}'").fetchall() == [(406,)]
    with pytest.raises(WorkbenchError, match="csv or parquet"):
        engine.export(shared_ws, "SELECT 1", "xlsx")
    with pytest.raises(QueryFailed, match="SELECT"):
        engine.export(shared_ws, "EXPLAIN SELECT 1", "csv")


def test_save_as_table_records_lineage_and_picks_a_free_name(sample_ws):
    name, rows = engine.save_as_table(sample_ws, "cars", "SELECT * FROM cars WHERE Origin = $o", {"o": "Japan"})
    assert name == "cars_2" and rows == 79
    info = sample_ws.table(name)
    assert info.parents == ["cars"] and info.source_kind == "sql" and info.parameters == {"o": "Japan"}


def test_history_persists_across_restarts_and_is_searchable(ws):
    engine.run(ws, "SELECT 'alpha' AS a")
    with pytest.raises(QueryFailed):
        engine.run(ws, "SELECT * FROM no_such_table")
    engine.run(ws, "SELECT 'beta' AS b", record=False)
    again = Workspace(ws.home)  # a new process would see the same file
    entries = history.search(again)
    assert [(e.query, e.status, e.rows) for e in entries] == [
        ("SELECT * FROM no_such_table", "error", None),
        ("SELECT 'alpha' AS a", "ok", 1),
    ]
    assert "no_such_table" in entries[0].message and entries[1].duration_s > 0
    assert [e.query for e in history.search(again, "ALPHA")] == ["SELECT 'alpha' AS a"]


def _workers() -> list[int]:
    """Pids of this process's sandbox workers (Linux /proc)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            parent = int((cmdline.parent / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if parent == os.getpid() and b"workbench.sql.worker" in cmdline.read_bytes():
                found.append(int(cmdline.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def test_a_worker_that_dies_is_reported_and_replaced(ws):
    def kill_workers(waited: float) -> None:
        if waited > 0.3:
            for pid in _workers():
                os.kill(pid, signal.SIGKILL)

    with pytest.raises(QueryFailed, match="ended unexpectedly"):
        engine.run(ws, LONG, timeout=0, on_tick=kill_workers)
    assert engine.run(ws, "SELECT 5 AS five").frame["five"].tolist() == [5]


def test_a_query_longer_than_duckdbs_progress_bar_delay_completes(ws):
    """DuckDB draws a progress bar on stdout after 2 s; the worker's replies must not be broken by it."""
    rows, elapsed = 1_000_000_000, 0.0
    while elapsed <= 2.2:  # sized to this machine's speed: just past the 2 s delay
        rows = int(rows * min(3.0 / max(elapsed, 0.1), 20))
        result = engine.run(ws, "SELECT count(*) AS n FROM range($rows)", {"rows": rows}, timeout=120)
        assert result.frame["n"].tolist() == [rows]
        elapsed = result.elapsed


def test_a_retiring_worker_is_not_reused(ws, monkeypatch):
    """A worker serves `max_requests` requests, then is retired, never handed the next query
    (every 501st query used to fail: "The query process ended unexpectedly: -9")."""
    monkeypatch.setattr(engine, "SQL_LIMITS", dataclasses.replace(engine.SQL_LIMITS, max_requests=2))
    handed_out = collections.Counter()
    take = engine._take_worker

    def counted_take():
        worker = take()
        handed_out[worker.pid] += 1
        return worker

    monkeypatch.setattr(engine, "_take_worker", counted_take)
    for i in range(7):
        assert engine.run(ws, "SELECT $i::INTEGER AS i", {"i": str(i)}, record=False).frame["i"].tolist() == [i]
    assert sum(handed_out.values()) == 7 and max(handed_out.values()) <= 2 and len(handed_out) >= 4
