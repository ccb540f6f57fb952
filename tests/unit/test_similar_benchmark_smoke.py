"""benchmarks/similar.py keeps working: a tiny run, the workbench and scikit-learn returning the same neighbours."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT


def test_tiny_run_times_both_sides_and_finds_the_same_ids(tmp_path):
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "similar.py"), "--rows", "3000", "--runs", "2",
                          "--json", "--data-dir", str(tmp_path)], check=True, capture_output=True, text=True,
                         cwd=ROOT, timeout=300)  # fmt: skip
    result = json.loads(out.stdout)
    assert result["rows"] == 3000 and result["columns"] == 20 and result["runs"] == 2
    assert result["same_ids"] and result["same_distances"] and len(result["samples"]) == 2
    for key in ("cold_s", "warm_s", "sklearn_fit_s", "sklearn_query_s"):
        assert result[key] > 0, key
    assert result["warm_over_sklearn_query"] == result["warm_s"] / result["sklearn_query_s"]
