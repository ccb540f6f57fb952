"""benchmarks/concurrency.py keeps working: a tiny run, one tab then two, on the real server."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import CHROMIUM

SCRIPT = ROOT / "benchmarks" / "concurrency.py"


@pytest.mark.timeout(900)  # a server, Chromium and three phases twice: minutes on a busy 2-core machine
def test_tiny_run_times_every_phase_for_one_tab_and_several(tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed: run `bash .ci/install-chromium`.")
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "--rows", "3000", "--tabs", "2", "--json", "--data-dir", str(tmp_path)],
        check=True, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    result = json.loads(out.stdout)
    assert (result["rows"], result["tabs"]) == (3000, 2)
    assert set(result["runs"]) == {"1", "2"}
    for count, figures in result["runs"].items():
        for phase in ("findings_s", "preview_s", "board_s"):
            assert len(figures[phase]) == int(count) and all(t > 0 for t in figures[phase]), (count, phase)
        assert figures["server_tree_peak_mib"] > 50  # a Streamlit server alone holds more than that
    assert result["snapshot"]["copy_s"] > 0 and result["snapshot"]["copy_held_mib"] >= 0
    spec = importlib.util.spec_from_file_location("concurrency_benchmark", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = module.report(result)
    assert "3,000 rows x 12 columns" in text and "move to a snapshot" in text
    assert [line.split()[0] for line in text.splitlines()[2:4]] == ["1", "2"]
