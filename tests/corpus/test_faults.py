"""Faults around `workbench load`: killed mid-import, a workspace held by another process, two loads at once.

Tests wait for conditions they can observe (a file appearing, the database
growing), never for fixed times, and assert outcomes, never durations.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from tests.corpus.workspace_state import assert_consistent, assert_nothing_written, files_under
from workbench import settings
from workbench.cli import main
from workbench.settings import DB_FILENAME
from workbench.workspace import Workspace

pytestmark = pytest.mark.corpus

ROOT = Path(__file__).resolve().parents[2]
WORKBENCH = Path(sys.executable).with_name("workbench")
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}  # the subprocesses run this tree's code
BIG_ROWS = 2_000_000

# Holds the database file read-write until a line arrives on stdin, like a notebook left open.
HOLDER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
sys.stdin.readline()
con.close()
"""


def write_csv(path: Path, rows: int) -> Path:
    with duckdb.connect() as con:
        con.execute("SET enable_progress_bar = false")
        con.execute(
            "COPY (SELECT range AS id, 'name ' || (range % 1000) AS name, range * 0.5 AS v FROM range(?)) "
            "TO ? (HEADER)",
            [rows, str(path)],
        )
    return path


@pytest.fixture(scope="module")
def big_files(tmp_path_factory) -> dict[str, Path]:
    """Files big enough for an import to be caught at each point (made once): plain, UTF-16 BE, zipped."""
    folder = tmp_path_factory.mktemp("big")
    plain = write_csv(folder / "big.csv", BIG_ROWS)
    utf16 = folder / "wide.csv"  # UTF-16 big-endian is transcoded to a temp copy first
    utf16.write_bytes(("\ufeffid,name\n" + "".join(f"{i},name {i}\n" for i in range(1_000_000))).encode("utf-16-be"))
    zipped = folder / "packed.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_STORED) as zf:
        zf.write(plain, "packed.csv")
    return {"plain": plain, "utf16": utf16, "zip": zipped}


def small_csv(folder: Path, name: str = "next.csv") -> Path:
    path = folder / name
    path.write_text("a,b\n1,x\n2,y\n", encoding="utf-8")
    return path


def start_load(home: Path, *paths: Path) -> subprocess.Popen:
    return subprocess.Popen([str(WORKBENCH), "--home", str(home), "load", *map(str, paths), "--json"], env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip


def wait_for(condition, what: str, proc: subprocess.Popen | None = None, bound: float = 120.0):
    """Poll `condition` until it holds. `bound` only stops a hung test; it is never asserted on."""
    deadline = time.monotonic() + bound
    while not (found := condition()):
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"the load ended (exit {proc.returncode}) before {what}: {proc.stderr.read()}")
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.005)
    return found


def db_size(home: Path) -> int:
    return sum(p.stat().st_size for p in home.glob(f"{DB_FILENAME}*") if p.is_file())  # the file and its WAL


# Each point: the file loaded, and the condition at which the load is killed. (The moment the WAL
# appears was tried too: it appears as the import commits and is gone within milliseconds on a quiet
# machine, too brief to catch by polling; "grown 5 MB" kills it while the table is being written.)
KILL_POINTS = {
    "while extracting the zip": ("zip", lambda home, _: files_under(home / "downloads" / "extracted")),
    "while transcoding to a temp copy": ("utf16", lambda home, _: files_under(home / "downloads" / ".tmp")),
    "when the database has grown 5 MB": ("plain", lambda home, before: db_size(home) > before + 5_000_000),
}


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_kill_9_during_an_import_leaves_a_consistent_workspace(point, big_files, tmp_path):
    source, condition = KILL_POINTS[point]
    home = tmp_path / "home"
    assert Workspace(home).tables() == []  # the workspace exists before the import starts
    before = db_size(home)
    proc = start_load(home, big_files[source])
    try:
        wait_for(lambda: condition(home, before), point, proc)
    finally:
        proc.send_signal(signal.SIGKILL)
        # Killed, or already done: on a quiet machine the load can finish between the condition
        # and the signal. Either way the checks below must hold.
        finished = proc.wait(timeout=60) == 0
        assert finished or proc.returncode == -signal.SIGKILL
        proc.stdout.close()
        proc.stderr.close()
    # The workspace opens, and every recorded table exists with its rows, and only those.
    Workspace(home).tables()
    killed = assert_consistent(home)
    recorded = [name for name, _, _ in killed["provenance"]]
    assert recorded == [big_files[source].stem] if finished else recorded in ([], [big_files[source].stem]), killed
    # The next load works and removes what the killed process left in downloads/.tmp.
    result = CliRunner().invoke(main, ["--home", str(home), "load", str(small_csv(tmp_path)), "--json"])
    assert result.exit_code == 0, result.output
    after = assert_consistent(home)
    assert "next" in [name for name, _, _ in after["provenance"]]
    assert after["temp_files"] == []


@pytest.fixture
def holder(tmp_path):
    """Another process holding the workspace's database open for writing; `release()` lets go."""
    home = tmp_path / "home"
    Workspace(home).tables()  # create the file first
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(home / DB_FILENAME)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert proc.stdout.readline().strip() == "holding"

    def release():
        proc.stdin.write("\n")
        proc.stdin.flush()
        assert proc.wait(timeout=60) == 0

    proc.home, proc.release = home, release
    yield proc
    proc.kill()
    proc.wait()


def test_a_held_workspace_makes_the_load_wait_then_fail_with_one_line(holder, tmp_path, monkeypatch):
    # Limits.lock_timeout is the setting: 1 second keeps the test short (the default waits 20).
    monkeypatch.setattr(settings, "LIMITS", dataclasses.replace(settings.LIMITS, lock_timeout=1.0))
    result = CliRunner().invoke(main, ["--home", str(holder.home), "load", str(small_csv(tmp_path)), "--json"])
    assert result.exit_code == 1 and result.stdout == ""
    waiting, line = result.stderr.splitlines()  # it says what it waits for, then gives up in one line
    assert waiting.startswith(f"Waiting for the workspace: another process is using it (PID {holder.pid}, ")
    assert line.startswith(f"error: The workspace {holder.home} is busy: another process is using {DB_FILENAME} ")
    assert f"PID {holder.pid}" in line and line.endswith("Wait for it to finish and try again."), line
    holder.release()
    assert_nothing_written(holder.home)


def test_a_held_workspace_makes_the_load_wait_then_succeed_when_released(holder, big_files, tmp_path):
    """A zip shows when the load reaches the database: its members are extracted just before."""
    proc = start_load(holder.home, big_files["zip"])
    wait_for(lambda: files_under(holder.home / "downloads" / "extracted"), "the extracted member", proc)
    holder.release()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    (result,) = json.loads(out)["results"]
    assert (result["table"], result["rows"], result["rejected"]) == ("packed", BIG_ROWS, 0)
    assert assert_consistent(holder.home)["provenance"] == [("packed", BIG_ROWS, 0)]


def test_two_loads_at_once_both_succeed(tmp_path):
    first, second = write_csv(tmp_path / "first.csv", 300_000), write_csv(tmp_path / "second.csv", 200_000)
    home = tmp_path / "home"
    procs = [start_load(home, first), start_load(home, second)]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (_, err) in zip(procs, outputs):
        assert proc.returncode == 0, err
        assert "Traceback" not in err
    tables = [json.loads(out)["results"][0]["table"] for out, _ in outputs]
    assert tables == ["first", "second"]
    state = assert_consistent(home)
    assert state["provenance"] == [("first", 300_000, 0), ("second", 200_000, 0)]
    assert state["temp_files"] == []
