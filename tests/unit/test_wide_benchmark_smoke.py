"""benchmarks/wide.py keeps working: a tiny wide CSV imported by both sides, then profiled and fitted."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT


def test_wide_benchmark_runs_tiny(tmp_path):
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "wide.py"), "--columns", "30", "--rows", "200", "--runs", "1",
         "--json", "--data-dir", str(tmp_path)],
        check=True, capture_output=True, text=True, cwd=ROOT, timeout=300,
    )  # fmt: skip
    (result,) = json.loads(out.stdout)["results"]
    assert (result["columns"], result["rows"], result["runs"]) == (30, 200, 1)
    assert set(result["sides"]) == {"raw", "workbench"}
    assert all(side["seconds"] > 0 for side in result["sides"].values())
    assert result["workbench_vs_raw"] == result["sides"]["workbench"]["seconds"] / result["sides"]["raw"]["seconds"]
    after = result["after_import"]
    assert after["profile_seconds"] > 0 and after["findings"] >= 1
    assert after["board_seconds"] > 0 and after["board_rows_used"] == 200 and 0 < after["board_features"] <= 29
    assert (tmp_path / "wide_30x200.csv").read_text().splitlines()[0].split(",")[:6] == [
        "label", "p0001", "p0002", "p0003", "p0004", "t0005"]  # fmt: skip
