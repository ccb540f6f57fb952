"""The wide-table profiling benchmark still runs end to end (a tiny size)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT


def test_profile_wide_benchmark_runs_tiny(tmp_path):
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "profile_wide.py"), "--columns", "12,40", "--rows", "300",
         "--repeat", "1", "--json", "--data", str(tmp_path)],
        check=True, capture_output=True, text=True, cwd=ROOT, timeout=300,
    )  # fmt: skip
    results = json.loads(out.stdout)["results"]
    assert [(r["columns"], r["rows"], r["runs"], r["timed_out"]) for r in results] == [(12, 300, 1, 0), (40, 300, 1, 0)]
    assert [r["profiled_columns"] for r in results] == [12, 40] and [r["skipped"] for r in results] == [[], []]
    # the generated text columns (5, 15, 25, 35) hold planted 'N/A' and ' b': found in each
    assert results[0]["findings"] >= 2 and results[1]["findings"] >= 8
    assert all(r["seconds"] > 0 and r["peak_mb"] > 0 for r in results)
    assert (tmp_path / "wide_40x300.parquet").exists()
