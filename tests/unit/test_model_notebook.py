"""A model exported as a notebook from the command line (`workbench model --validation ... --export-notebook`),
executed under a real Jupyter kernel: its last cell prints the scores the command's JSON reported, on the same
time-ordered folds."""

from __future__ import annotations

import json
import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient

from benchmarks.validation import sales
from tests.conftest import ROOT
from tests.unit.model_tables import put
from workbench import Workspace


def run_cli(home, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "workbench.cli", "--home", str(home), *args],
                          capture_output=True, text=True, cwd=ROOT)  # fmt: skip


def test_the_exported_notebook_reproduces_the_boards_time_ordered_scores(tmp_path):
    home = tmp_path / "ws"
    put(Workspace(home), "sales", sales(days=400))
    target = tmp_path / "sales.ipynb"
    out = run_cli(home, "model", "sales", "--target", "sales", "--models", "dummy,linear", "--validation", "time",
                  "--time", "day", "--gap", "2", "--export-notebook", str(target), "--json")  # fmt: skip
    assert out.returncode == 0, out.stderr
    board = json.loads(out.stdout)
    assert board["validation"]["kind"] == "time" and board["validation"]["column"] == "day"
    assert board["validation"]["gap"] == 2 and board["validation"]["header"] == "5 folds in time order by 'day', gap 2"
    assert board["validation"]["why"].startswith("The rows are ordered in time")
    assert [w["kind"] for w in board["warnings"]] == ["time_order"]
    assert {f["model"] for f in board["forecasts"]} == {"naive", "seasonal_naive", "mean"}
    assert board["exported"]["notebook"] == str(target)
    nb = nbformat.read(target, as_version=4)
    assert nb.cells[0].cell_type == "markdown" and "5 folds in time order by 'day', gap 2" in nb.cells[0].source
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYTHONPATH", str(ROOT))
        client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
        client.execute()
    printed = json.loads("".join(o.get("text", "") for o in nb.cells[-1].outputs if o["output_type"] == "stream"))
    linear = next(m for m in board["models"] if m["model"] == "linear")
    for metric in ("r2", "mae", "rmse", "mase"):
        assert printed[metric] == pytest.approx(linear[metric]["mean"], rel=1e-6, abs=1e-9)
