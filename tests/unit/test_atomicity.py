"""An import completes or leaves nothing behind: no table, no provenance, no rejects, no temp files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from workbench.ingest import load

ROOT = Path(__file__).resolve().parents[2]
WORKBENCH = Path(sys.executable).with_name("workbench")

BIG_ROWS = 2_000_000


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory):
    """~50 MB of CSV, enough for an import to run for a second or two on a busy machine."""
    path = tmp_path_factory.mktemp("big") / "big.csv"
    with duckdb.connect() as con:
        con.execute("SET enable_progress_bar = false")
        con.execute(
            "COPY (SELECT range AS id, 'name ' || (range % 1000) AS name, range * 0.5 AS v, "
            "DATE '2020-01-01' + (range % 1000)::INTEGER AS day FROM range(?)) TO ? (HEADER)",
            [BIG_ROWS, str(path)],
        )
    return path


def small_csv(path, text="a,b\n1,2\n"):
    path.write_text(text, encoding="utf-8")
    return path


def everything_in(ws):
    """Every table in the file (any schema, temporary included), every metadata row, every temp file."""
    with ws.connect() as con:
        tables = sorted(
            f"{s}.{t}" for s, t in con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()
        )
        provenance = con.execute("SELECT name FROM _workbench.tables ORDER BY name").fetchall()
        rejects = con.execute("SELECT DISTINCT table_name FROM _workbench.rejects ORDER BY 1").fetchall()
    temp_files = sorted(p.name for p in (ws.downloads / ".tmp").glob("*")) if (ws.downloads / ".tmp").exists() else []
    return tables, [p for (p,) in provenance], [r for (r,) in rejects], temp_files


METADATA_TABLES = ["_workbench.rejects", "_workbench.settings", "_workbench.tables"]


def test_a_failing_import_leaves_no_table_and_no_metadata_row(ws, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('[{"a": 1}, {"a": 2}, {"a": ', encoding="utf-8")
    (result,) = load(ws, [broken])
    assert not result.ok and result.error.startswith("Could not import broken.json: ")
    assert everything_in(ws) == (METADATA_TABLES, [], [], [])


def test_a_failing_unit_does_not_stop_the_others(ws, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"a": ', encoding="utf-8")
    results = load(ws, [small_csv(tmp_path / "first.csv"), broken, small_csv(tmp_path / "last.csv", "c\n3\n")])
    assert [(r.label, r.ok) for r in results] == [("first.csv", True), ("broken.json", False), ("last.csv", True)]
    tables, provenance, _, temp_files = everything_in(ws)
    assert tables == sorted(METADATA_TABLES + ["main.first", "main.last"])
    assert provenance == ["first", "last"] and temp_files == []


def test_a_retried_ndjson_import_leaves_one_table(ws, tmp_path):
    """The first attempt fails inside the transaction and is rolled back before the salvage pass."""
    path = tmp_path / "lines.ndjson"
    path.write_text('{"a": 1}\n{"a": \n{"a": 3}\n', encoding="utf-8")
    (result,) = load(ws, [path])
    assert (result.rows, result.rejected) == (2, 1)
    assert everything_in(ws) == (sorted(METADATA_TABLES + ["main.lines"]), ["lines"], ["lines"], [])


def test_cancel_during_a_big_import_leaves_nothing_of_it(ws, tmp_path, big_csv):
    cancel = threading.Event()
    seen = []

    def on_progress(fraction, label):
        seen.append((fraction, label))
        if label == "big.csv" and fraction > 1 / 3:  # the big unit has started reading
            cancel.set()

    before, after = small_csv(tmp_path / "before.csv"), small_csv(tmp_path / "after.csv")
    results = load(ws, [before, big_csv, after], on_progress=on_progress, cancel=cancel)
    assert cancel.is_set() and any(label == "big.csv" for _, label in seen)
    assert [(r.label, r.table) for r in results] == [("before.csv", "before"), ("big.csv", None), ("after.csv", None)]
    assert results[1].error == "Could not import big.csv: Cancelled: nothing was changed."
    assert results[2].error == "Could not import after.csv: Cancelled: nothing was changed."
    assert everything_in(ws) == (sorted(METADATA_TABLES + ["main.before"]), ["before"], [], [])


class Stop(Exception):
    """What a page's framework raises inside a progress callback to stop the script."""


def test_an_exception_from_the_progress_callback_interrupts_and_rolls_back(ws, tmp_path, big_csv):
    def on_progress(fraction, label):
        if fraction > 0:
            raise Stop()

    with pytest.raises(Stop):
        load(ws, [big_csv], on_progress=on_progress)
    assert everything_in(ws) == (METADATA_TABLES, [], [], [])
    # the workspace is usable afterwards, under the same name
    (result,) = load(ws, [small_csv(tmp_path / "big.csv")])
    assert (result.table, result.rows) == ("big", 1)


def wait_for(condition, what, timeout=60.0):
    """Poll `condition` until it holds; fail after `timeout` seconds (a bound, never a timing assertion)."""
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.01)
    return found


def test_temp_files_of_a_killed_import_are_removed_by_the_next_one(ws, tmp_path):
    """`kill -9` during an import that reads through a temp copy (UTF-16 big-endian is transcoded first)."""
    big = tmp_path / "big.csv"
    big.write_bytes(("\ufeffid,name\n" + "".join(f"{i},name {i}\n" for i in range(1_500_000))).encode("utf-16-be"))
    tmp_dir = ws.downloads / ".tmp"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this tree's code, whatever is installed
    child = subprocess.Popen([str(WORKBENCH), "--home", str(ws.home), "load", str(big)], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        (orphan,) = wait_for(lambda: list(tmp_dir.glob("*")) if tmp_dir.is_dir() else [], "the temp copy")
    finally:
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=60) == -signal.SIGKILL
    assert orphan.exists() and orphan.name.startswith(f"{child.pid}-")
    mine = tmp_dir / f"{os.getpid()}-in-use.csv"  # a live process's temp file is left alone
    mine.write_text("busy", encoding="utf-8")
    (result,) = load(ws, [small_csv(tmp_path / "next.csv")])
    assert result.ok
    assert sorted(p.name for p in tmp_dir.glob("*")) == [mine.name]
    assert [t.name for t in ws.tables()] == ["next"]
