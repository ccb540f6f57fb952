"""The profiling benchmark still runs end to end (tiny size, without the ydata-profiling peer)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT


def test_profile_benchmark_runs_tiny_and_finds_every_planted_issue(tmp_path):
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "profile.py"), "--rows", "5000", "--repeat", "1", "--no-peer",
         "--json", "--data", str(tmp_path)],
        check=True, capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    result = json.loads(out.stdout)["results"][0]
    assert result["rows"] == 5000
    assert result["missed"] == [] and len(result["found"]) == result["planted"] == 16
    assert result["extra"] == []  # the clean column (score) and the others raise nothing unplanted
    counts = {(k, c): n for k, c, n in result["counts"]}
    assert counts[("duplicate_rows", None)] == 5  # ids 3, 1003, ... 4003 copied once
    assert result["workbench"]["seconds"] > 0 and result["summarize"]["seconds"] > 0
    assert result["workbench"]["peak_mb"] > 0 and "ydata" not in result
    assert (tmp_path / "profile_5000.parquet").exists()
