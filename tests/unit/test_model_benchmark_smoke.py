"""benchmarks/model.py still runs end to end (small, without the peers) and its scores are the known ones."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT


def test_model_benchmark_runs_small_and_its_scores_hold(tmp_path):
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "model.py"), "--datasets", "wine", "--rows", "3000", "--runs", "1",
         "--no-peers", "--json", "--data", str(tmp_path)],
        check=True, capture_output=True, text=True, cwd=ROOT, timeout=300,
    )  # fmt: skip
    result = json.loads(out.stdout)
    assert set(result["datasets"]) == {"wine", "synthetic_3000"} and "pycaret" not in result

    wine = result["datasets"]["wine"]
    wb = wine["workbench"]
    assert wine["rows"] == 178 and wb["leading"] == "accuracy" and not wb["sampled"]
    assert wb["models"]["linear"]["mean"] > 0.95  # scaled logistic regression, ~0.983
    assert wb["models"]["dummy"]["status"] == "done" and wb["models"]["dummy"]["mean"] < 0.45
    assert abs(wb["hand_written"] - wb["models"]["linear"]["mean"]) < 0.01  # the same folds, the same pipeline
    assert wine["known"] == {"metric": "accuracy", "value": 0.983} and "lazypredict" not in wine
    assert wb["seconds"] > 0 and wb["peak_mib"] > 50 and wb["workers_peak_mib"] > 50  # the fit worker was seen
    assert wb["warm_up_seconds"] > 0 and wb["workers_total_mib"] >= wb["workers_peak_mib"]

    synthetic = result["datasets"]["synthetic_3000"]
    assert synthetic["rows"] == 3000 and set(synthetic["workbench"]["models"]) == {
        "dummy", "linear", "knn", "random_forest", "hist_gradient_boosting"}
    assert synthetic["workbench"]["models"]["hist_gradient_boosting"]["mean"] > 0.85
