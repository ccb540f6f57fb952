"""benchmarks/recommend.py still runs end to end (tiny, without the peers) and its figures mean what they say."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT


def test_recommend_benchmark_runs_tiny():
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "recommend.py"), "--users", "80", "--items", "40", "--density",
         "0.3", "--noise", "0.3", "--real-rows", "4000", "--runs", "2", "--no-peers", "--json"],
        check=True, capture_output=True, text=True, cwd=ROOT, timeout=300,
    )  # fmt: skip
    result = json.loads(out.stdout)
    generated = result["generated"]
    assert generated["noise_sd"] == 0.3 and 800 < generated["ratings"] < 1200 and "surprise" not in generated
    wb = generated["workbench"]
    assert set(wb) == {"global_mean", "biases", "als", "item_knn"}
    for row in wb.values():
        assert abs(row["gap_to_floor"] - (row["rmse"] - 0.3)) < 1e-12 and len(row["folds"]) == 5
        assert len(row["runs"]) == 2 and row["seconds"] == sum(row["runs"]) / 2  # the median of two
    assert wb["global_mean"]["rmse"] > wb["biases"]["rmse"] > wb["als"]["rmse"] > 0.3  # nothing beats the noise
    real = result["movielens"]
    assert real["ratings"] == 4000 and real["summary"]["best"] in ("als", "item_knn")
    assert real["summary"]["below_biases"] == real["workbench"]["biases"]["rmse"] - real["summary"]["best_rmse"]
    assert "time_ratio_to_svd" not in real["summary"]
