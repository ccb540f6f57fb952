"""The model's worker processes: they start from library modules alone, never from the caller's main script,
and a worker that dies reaches the caller as a plain sentence."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import ROOT
from workbench.errors import WorkbenchError
from workbench.model.worker import DIED, Pool

SCRIPT = """
import os, sys
with open(os.environ["WB_MARKER"], "a") as f:  # what an app script does when it is run: draw, open the workspace...
    f.write(__name__ + "\\n")
if __name__ == "__main__":
    from tests.unit.model_tables import mixed, put
    from workbench import Workspace, model

    ws = Workspace(sys.argv[1])
    put(ws, "t", mixed(120))
    board = model.run(ws, "t", "y", models=["dummy", "linear"], feature_columns=["x", "colour"])
    print(",".join(r.status for r in board.results))
"""


def test_workers_never_import_the_callers_main_script(tmp_path):
    """Under Streamlit the main module is the app script: a worker importing it would run the whole app."""
    script = tmp_path / "app_like.py"
    script.write_text(textwrap.dedent(SCRIPT))
    marker = tmp_path / "imported.txt"
    env = {**os.environ, "WB_MARKER": str(marker), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(script), str(tmp_path / "ws")], env=env, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "done,done"
    assert marker.read_text() == "__main__\n"  # run once, as the main script; no worker imported it again


class Blocking:
    """An estimator whose fit announces itself in a file, then never returns (until its process is killed)."""

    def __init__(self, flag: str):
        self.flag = flag

    def fit(self, X, y):
        Path(self.flag).write_text("fitting")
        threading.Event().wait()


def _frame() -> tuple[pd.DataFrame, np.ndarray]:
    return pd.DataFrame({"x": np.arange(20.0)}), np.arange(20) % 2


def _wait_for(condition, what: str, timeout: float = 60) -> None:
    done = threading.Event()
    deadline = threading.Timer(timeout, done.set)
    deadline.start()
    try:
        while not condition():
            if done.wait(0.05):
                raise AssertionError(f"timed out waiting for {what}")
    finally:
        deadline.cancel()


def test_a_worker_killed_mid_fit_is_a_plain_result_then_a_plain_error(tmp_path):
    X, y = _frame()
    flags = [tmp_path / "first", tmp_path / "second"]
    results: list[tuple] = []
    failure: list[BaseException] = []

    def run() -> None:
        with Pool(X, y, workers=1) as pool:
            try:
                pool.run([("fit", Blocking(str(f))) for f in flags], lambda *r: results.append(r))
            except BaseException as exc:
                failure.append(exc)

    runner = threading.Thread(target=run)
    runner.start()
    for flag in flags:  # kill the worker while it fits, twice
        _wait_for(flag.exists, "the fit to start")
        (proc,) = [p for p in multiprocessing.active_children() if p.name == "workbench-model"]
        proc.kill()
        proc.join()
    runner.join(60)
    assert results == [(0, "error", DIED)]  # the first death is that task's failure, told in words
    assert DIED == "its worker process stopped before answering (out of memory, or killed)"
    (error,) = failure
    assert type(error) is WorkbenchError
    assert str(error) == ("The processes fitting the models keep stopping before they answer: out of memory, or "
                          "killed. Fit on fewer rows or fewer models.")  # fmt: skip
    assert not [p for p in multiprocessing.active_children() if p.name == "workbench-model"]


def test_a_worker_dead_before_its_task_is_a_plain_result_not_a_broken_pipe():
    X, y = _frame()
    results: list[tuple] = []
    with Pool(X, y, workers=1) as pool:
        pool._start()
        pool.procs[0].kill()  # dies on start, as a worker did on the workspace's lock
        pool.procs[0].join()
        pool.run([("fit", _Quick())], lambda *r: results.append(r))
    assert results[0] == (0, "error", DIED)


class _Quick:
    def fit(self, X, y):
        return self


def test_a_worker_dying_in_the_final_fit_is_said_in_words(ws):
    from tests.unit.model_tables import mixed, put
    from workbench import model

    put(ws, "t", mixed(100))
    board = model.run(ws, "t", "y", models=["dummy"], feature_columns=["x"])
    board.pipeline = lambda name, **_: _Suicide()  # a pipeline whose worker dies while it fits
    with pytest.raises(WorkbenchError) as caught:
        model.fit(board, "dummy")
    assert str(caught.value) == f"Fitting Dummy baseline failed: {DIED}"


class _Suicide:
    def fit(self, X, y):
        os._exit(1)
