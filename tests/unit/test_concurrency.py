"""Several processes and threads on one workspace: the UI server, the command, browser tabs."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest

from workbench.errors import WorkbenchError, WorkspaceLocked
from workbench.ingest import load
from workbench.settings import LIMITS
from workbench.sql import sandbox
from workbench.workspace import Workspace, retry_on_lock

WORKBENCH = Path(sys.executable).with_name("workbench")

# Holds the database file until a line arrives on stdin, like a notebook or a second app that keeps
# its connection open (read-write), or the SQL panel's worker during a long query (read-only: "ro").
HOLDER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2:] == ["ro"])
print("holding", flush=True)
sys.stdin.readline()
con.close()
print("released", flush=True)
sys.stdin.readline()
"""


@pytest.fixture
def holder(ws):
    ws.tables()  # create the file first
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(ws.db_path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "holding"
    yield proc
    proc.kill()
    proc.wait()


@pytest.fixture
def reader_holder(ws):
    ws.tables()
    with ws.connect() as con:
        con.execute("CREATE TABLE t AS SELECT range AS x, range % 3 AS g FROM range(1000)")
        from workbench.metadata import record_table

        record_table(con, "t", source_kind="file", operation="import")
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(ws.db_path), "ro"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert proc.stdout.readline().strip() == "holding"
    yield proc
    proc.kill()
    proc.wait()


def test_reading_goes_on_while_another_process_reads_and_a_write_waits_for_it(ws, reader_holder):
    from workbench.profile import profile_table

    impatient = with_limits(ws, lock_timeout=0.5)
    assert [t.name for t in impatient.tables()] == ["t"]  # no wait: both read
    assert impatient.preview("t", 3)["x"].tolist() == [0, 1, 2]
    assert profile_table(impatient, "t").rows == 1000
    with pytest.raises(WorkspaceLocked):  # a write needs the file alone
        impatient.rename("t", "u")
    patient = with_limits(ws, lock_timeout=30)
    with ThreadPoolExecutor(1) as pool:
        with impatient.connect(read_only=True) as reading:
            assert reading.execute("SELECT count(*) FROM t").fetchone() == (1000,)
            writer = pool.submit(patient.rename, "t", "u")  # waits: this process's reader has the file read-only
            release(reader_holder)
            assert reader_holder.stdout.readline().strip() == "released"
            assert not writer.done()  # the other process let go, but our own reader still has it read-only
        assert writer.result(timeout=30) == "u"  # ... and once it closed, the write went through


def release(proc):
    proc.stdin.write("\n")
    proc.stdin.flush()


def with_limits(ws, **changes):
    return Workspace(ws.home, limits=dataclasses.replace(LIMITS, **changes))


def test_a_connect_waits_for_another_process_and_succeeds_when_it_lets_go(ws, holder):
    patient = with_limits(ws, lock_timeout=15)
    timer = threading.Timer(1.0, release, [holder])
    started = time.monotonic()
    timer.start()
    try:
        assert patient.tables() == []
    finally:
        timer.cancel()
    assert time.monotonic() - started >= 0.9
    assert holder.stdout.readline().strip() == "released"


def test_a_connect_gives_up_after_the_timeout_naming_the_holder(ws, holder):
    impatient = with_limits(ws, lock_timeout=0.5)
    started = time.monotonic()
    with pytest.raises(WorkspaceLocked) as caught:
        impatient.tables()
    waited = time.monotonic() - started
    assert 0.5 <= waited < 5
    message = str(caught.value)
    assert message.startswith(f"The workspace {ws.home} is busy: another process is using workbench.duckdb (PID ")
    assert f"PID {holder.pid}" in message
    assert message.endswith("Wait for it to finish and try again.")
    assert "\n" not in message


def write_csv(path: Path, rows: int) -> Path:
    with duckdb.connect() as con:
        con.execute("SET enable_progress_bar = false")
        con.execute(
            "COPY (SELECT range AS id, 'item ' || range AS label, range % 97 AS score FROM range(?)) TO ? (HEADER)",
            [rows, str(path)],
        )
    return path


def test_workbench_load_in_another_process_while_this_one_works(ws, tmp_path):
    load(ws, [write_csv(tmp_path / "mine.csv", 100)])
    big = write_csv(tmp_path / "theirs.csv", 100_000)
    proc = subprocess.Popen(
        [str(WORKBENCH), "--home", str(ws.home), "load", str(big), "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    seen_during = 0
    while proc.poll() is None:  # this process keeps working, one short connection at a time
        assert len(ws.preview("mine", limit=5)) == 5
        seen_during += 1
        time.sleep(0.02)
    out, err = proc.communicate()
    assert proc.returncode == 0, err
    assert seen_during > 0
    assert '"table": "theirs"' in out
    assert {t.name: t.rows for t in ws.tables()} == {"mine": 100, "theirs": 100_000}


def test_threads_each_with_their_own_connection(ws, tmp_path):
    """Browser tabs are threads: they read and import at the same time."""
    load(ws, [write_csv(tmp_path / "shared.csv", 1_000)])
    files = [write_csv(tmp_path / f"tab{i}.csv", 2_000 + i) for i in range(4)]
    start = threading.Barrier(len(files) + 2)

    def tab_importing(path: Path) -> list:
        start.wait()
        return load(ws, [path])

    def tab_reading() -> int:
        start.wait()
        for _ in range(20):
            assert ws.table("shared").rows == 1_000
            assert len(ws.preview("shared", limit=3)) == 3
        return 20

    with ThreadPoolExecutor(max_workers=len(files) + 2) as pool:
        imports = [pool.submit(tab_importing, path) for path in files]
        reads = [pool.submit(tab_reading) for _ in range(2)]
        results = [f.result(timeout=60) for f in imports]  # re-raises what a thread raised
        assert [f.result(timeout=60) for f in reads] == [20, 20]
    assert [(r.table, r.error) for (r,) in results] == [(f"tab{i}", None) for i in range(4)]
    assert {t.name: t.rows for t in ws.tables()} == {"shared": 1_000} | {f"tab{i}": 2_000 + i for i in range(4)}


def test_the_retry_loop_tries_again_only_while_the_file_is_locked(ws, holder):
    calls: list[str] = []

    def attempt():
        calls.append("try")
        if len(calls) == 2:  # the first try met the lock; the holder lets go before the second
            release(holder)
            assert holder.stdout.readline().strip() == "released"
        return duckdb.connect(str(ws.db_path))

    retry_on_lock(attempt, timeout=30).close()
    assert calls == ["try", "try"]

    def broken():
        calls.append("broken")
        raise duckdb.IOException("IO Error: something else went wrong")

    with pytest.raises(duckdb.IOException, match="something else"):
        retry_on_lock(broken, timeout=30)
    assert calls.count("broken") == 1  # not a lock: not retried


def test_the_sql_sandbox_meets_a_lock_through_the_same_loop(ws, holder):
    with pytest.raises(WorkbenchError, match="Cannot open the workspace database .*(Conflicting|Could not set) lock"):
        sandbox.connect(ws.home, write=False, lock_timeout=0)
    release(holder)
    assert holder.stdout.readline().strip() == "released"
    con = sandbox.connect(ws.home, write=False, lock_timeout=0)  # no lock left: opens at the first try
    assert con.execute("SELECT 42").fetchone() == (42,)
    con.close()


def test_a_wait_for_another_process_is_told_once(ws, holder):
    told: list[str] = []
    patient = Workspace(ws.home, limits=dataclasses.replace(LIMITS, lock_timeout=15), on_wait=lambda: told.append("x"))
    timer = threading.Timer(1.0, release, [holder])
    timer.start()
    try:
        assert patient.tables() == []
    finally:
        timer.cancel()
    assert told == ["x"]
    assert Workspace(ws.home, on_wait=lambda: told.append("y")).tables() == [] and told == ["x"]  # free: no wait
