"""benchmarks/clean.py still runs end to end (tiny sizes, without the peers) and its checks hold."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT


def test_clean_benchmark_runs_tiny_and_its_results_are_right(tmp_path):
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "clean.py"), "--rows", "20000", "--distinct", "500",
         "--impute-rows", "4000", "--chain-rows", "20000", "--subset", "100", "--runs", "1", "--no-peers",
         "--json", "--data", str(tmp_path)],
        check=True, capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    result = json.loads(out.stdout)

    spellings = result["spellings"]
    wb = spellings["workbench"]
    assert spellings["distinct"] == 500 and wb["planted"] == 150  # 30% of the distinct values are variants
    assert wb["precision"] >= 0.9 and wb["recall"] >= 0.9, wb["wrong_examples"]
    assert wb["recall_by_kind"]["case"][0] == wb["recall_by_kind"]["case"][1]  # case alone is always found
    assert 0 < wb["cluster_seconds"] <= wb["seconds"] and wb["peak_mib"] > 50
    assert spellings["workbench_subset"]["recall"] >= 0.9 and "skrub" not in spellings

    impute = result["impute"]
    assert impute["knn"]["nulls_left"] == 0
    assert impute["knn"]["rmse"] < 0.5  # the columns have unit spread: far better than a guess
    forest = impute["isolation_forest"]
    assert forest["planted"] > 0 and forest["planted_flagged"] >= forest["planted"] // 2
    assert "sklearn_knn" not in impute

    chain = result["chain"]
    assert chain["rows"] == 20000
    assert chain["equal"] == {"workbench": True, "replay": True, "pandas": True}  # the same content, row for row
    assert chain["workbench"]["content"][0] == 20000 and len(chain["workbench"]["steps"]) == 4
