"""Several processes and threads on one workspace: the UI server, the command, browser tabs."""

from __future__ import annotations

import dataclasses
import re
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
from workbench.sql import engine, history, sandbox
from workbench.sql.engine import SQL_LIMITS
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
    assert f"(PID {holder.pid}, python" in message
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
    patient = Workspace(ws.home, limits=dataclasses.replace(LIMITS, lock_timeout=15), on_wait=told.append)
    timer = threading.Timer(1.0, release, [holder])
    timer.start()
    try:
        assert patient.tables() == []
    finally:
        timer.cancel()
    assert len(told) == 1 and re.fullmatch(rf"PID {holder.pid}, python[\d.]*", told[0])
    assert Workspace(ws.home, on_wait=told.append).tables() == [] and len(told) == 1  # free: no wait


# -- a long query does not keep writers out; reads never wait on reads ----------------------------

UNTIL_STOPPED = "SELECT count(*) AS n FROM t, range(100000000000)"


def running_query(ws, sql, outcome: dict, stop: threading.Event, **run) -> threading.Thread:
    """`sql` run by the SQL engine in a thread until `stop` is set (then cancelled, like a tab's Cancel)."""

    def tick(waited: float) -> None:
        outcome["running_s"] = waited
        if stop.is_set():
            raise KeyboardInterrupt

    def go() -> None:
        try:
            outcome["result"] = engine.run(ws, sql, timeout=0, on_tick=tick, **run)
        except BaseException as exc:  # noqa: BLE001 - the test reads it
            outcome["error"] = exc

    thread = threading.Thread(target=go, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def table_t(ws):
    with ws.connect() as con:
        con.execute("CREATE TABLE t AS SELECT range AS x, range % 3 AS g FROM range(1000)")
        from workbench.metadata import record_table

        record_table(con, "t", source_kind="file", operation="import")
    return ws


def test_a_long_query_moves_to_a_snapshot_and_a_write_goes_through_while_it_runs(table_t):
    ws = table_t
    outcome: dict = {}
    stop = threading.Event()
    with ws.connect() as con:
        con.execute("CREATE TABLE other AS SELECT 1 AS one")
    thread = running_query(ws, UNTIL_STOPPED, outcome, stop)
    try:
        wait_for(lambda: outcome.get("running_s", 0) > 0.2, "the query to start")
        started = time.monotonic()
        assert with_limits(ws, lock_timeout=30).rename("other", "renamed") == "renamed"  # the query holds no file
        waited = time.monotonic() - started
        assert thread.is_alive() and "error" not in outcome  # still running, on its copy
        assert waited < SQL_LIMITS.live_seconds + 10
        assert sorted(t.name for t in ws.tables()) == ["renamed", "t"]
    finally:
        stop.set()
        thread.join(30)
    assert isinstance(outcome["error"], KeyboardInterrupt)
    assert history.search(ws)[0].status == "cancelled"


def test_a_moved_query_answers_as_on_the_file_and_sends_its_page_once(table_t, monkeypatch):
    monkeypatch.setattr(engine, "SQL_LIMITS", dataclasses.replace(SQL_LIMITS, live_seconds=0.05))
    pages: list[int] = []
    sql = "SELECT t.x, r.range AS i FROM t, range(20000) AS r"  # 20 million rows: counted for well over 0.05 s
    result = engine.run(table_t, sql, max_rows=10, on_page=lambda r: pages.append(len(r.frame)))
    assert result.snapshot
    assert pages == [10] and len(result.frame) == 10
    assert result.total == 20_000_000
    quick = engine.run(table_t, "SELECT sum(x) AS s FROM t")
    assert not quick.snapshot and quick.frame["s"].tolist() == [499500]


def test_a_moved_create_table_is_published_with_its_lineage(table_t, monkeypatch):
    monkeypatch.setattr(engine, "SQL_LIMITS", dataclasses.replace(SQL_LIMITS, live_seconds=0.05))
    sql = "CREATE TABLE big AS SELECT t.g, count(*) AS n FROM t, range(20000) GROUP BY t.g ORDER BY t.g"
    result = engine.run(table_t, sql, write=True)
    assert result.snapshot and result.created == "big"
    assert table_t.preview("big")["n"].tolist() == [334 * 20000, 333 * 20000, 333 * 20000]
    assert table_t.table("big").parents == ["t"]
    with pytest.raises(engine.QueryFailed, match="already exists"):
        engine.run(table_t, "CREATE TABLE big AS SELECT * FROM t, range(20000)", write=True)


def test_a_table_renamed_while_the_query_moves_is_said_plainly(table_t):
    with pytest.raises(WorkbenchError, match="renamed or deleted gone, vanished. Run it again."):
        sandbox.connect(table_t.home, write=False, lock_timeout=5, snapshot=["t", "vanished", "gone"])
    con = sandbox.connect(table_t.home, write=False, lock_timeout=5, snapshot=["t"])
    try:
        assert con.execute("SELECT count(*) FROM workbench.main.t").fetchone() == (1000,)
        attached = {name for (name,) in con.execute("SELECT database_name FROM duckdb_databases()").fetchall()}
        assert sandbox.LIVE not in attached and sandbox.WORKSPACE in attached
    finally:
        con.close()
    assert with_limits(table_t, lock_timeout=0).rename("t", "u") == "u"  # the copy holds no file


def test_what_a_snapshot_copies_and_what_stays_on_the_file(table_t):
    with table_t.connect() as con:
        con.execute("CREATE VIEW v AS SELECT * FROM t")
    con = sandbox.connect(table_t.home, write=False, lock_timeout=5)
    try:
        def copied(sql, max_cells=10_000):
            return sandbox.snapshot_tables(con, sql, max_cells)

        assert copied("SELECT * FROM t") == ["t"]
        assert copied("WITH c AS (SELECT 1) SELECT * FROM c, workbench.main.T") == ["t"]  # a CTE is not copied
        assert copied("SELECT count(*) FROM range(10)") == []  # reads no table: the file is not needed
        assert copied("SELECT * FROM t; EXPLAIN SELECT * FROM t") == ["t"]
        assert copied("SELECT * FROM t", max_cells=1999) is None  # 1,000 rows x 2 columns: too big to copy
        for catalog in ("SELECT * FROM information_schema.tables", "SELECT * FROM duckdb_tables()",
                        "SELECT * FROM _workbench.tables", "SELECT * FROM v", "SELECT * FROM pragma_table_info('t')"):
            assert copied(catalog) is None, catalog
    finally:
        con.close()


def test_a_read_only_query_from_the_command_answers_while_another_process_reads(table_t, reader_holder_on):
    holder_proc = reader_holder_on(table_t)
    started = time.monotonic()
    done = subprocess.run([str(WORKBENCH), "--home", str(table_t.home), "sql", "SELECT 42 AS answer", "--json"],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert '"answer": 42' in done.stdout
    assert time.monotonic() - started < LIMITS.lock_timeout  # it never waited for the file
    queued = history.search(table_t)  # the history row waits beside the file, and is shown already
    assert [(e.query, e.status) for e in queued] == [("SELECT 42 AS answer", "ok")] and queued[0].id < 0
    release(holder_proc)
    assert holder_proc.stdout.readline().strip() == "released"
    [kept] = history.search(table_t)  # the file is free: the queued row moved into it
    assert (kept.query, kept.rows, kept.id > 0) == ("SELECT 42 AS answer", 1, True)
    assert not (table_t.home / history.QUEUE).read_bytes()


def test_a_command_that_must_wait_says_for_what_and_goes_on(ws, holder, tmp_path):
    source = write_csv(tmp_path / "waits.csv", 10)
    proc = subprocess.Popen([str(WORKBENCH), "--home", str(ws.home), "load", str(source)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    line = proc.stderr.readline()
    assert line.startswith(f"Waiting for the workspace: another process is using it (PID {holder.pid}, python")
    assert line.rstrip().endswith("This command goes on when it is free.")
    release(holder)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert {t.name: t.rows for t in ws.tables()} == {"waits": 10}


def test_a_holder_is_named_in_the_words_a_user_knows(ws):
    from workbench.workspace import _describe

    waits = "import sys; sys.stdin.readline()"
    programs = {
        (sys.executable, "-c", waits, "-m", "workbench.sql.worker"): "a query in the SQL panel",
        (sys.executable, "-c", waits, "--home", "/w", "load"): None,
        (sys.executable, str(WORKBENCH), "--home", str(ws.home), "sql", "SELECT 1"): "the command `workbench sql`",
    }
    for argv, expected in programs.items():
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            cmdline = Path(f"/proc/{proc.pid}/cmdline")
            wait_for(lambda c=cmdline, a=argv: c.read_bytes().startswith(a[0].encode()), "the process to start")
            seen = _describe(str(proc.pid))
            assert seen == expected
        finally:
            proc.kill()
            proc.wait()


def wait_for(condition, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.fixture
def reader_holder_on():
    procs = []

    def hold(ws):
        procs.append(subprocess.Popen([sys.executable, "-c", HOLDER, str(ws.db_path), "ro"], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, text=True))  # fmt: skip
        assert procs[-1].stdout.readline().strip() == "holding"
        return procs[-1]

    yield hold
    for proc in procs:
        proc.kill()
        proc.wait()
