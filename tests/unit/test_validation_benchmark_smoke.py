"""benchmarks/validation.py runs end to end and shows, for each planted case, a shuffled score far above the honest
one and the workbench's default within 0.05 of the honest one."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT


def test_validation_benchmark_prints_shuffled_honest_and_workbench_side_by_side(tmp_path):
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "validation.py"), "--json", "--data",
                          str(tmp_path)], check=True, capture_output=True, text=True, cwd=ROOT,
                         timeout=1200)  # fmt: skip
    result = json.loads(out.stdout)
    cases = result["cases"]
    assert set(cases) == {"sales", "patients", "imputed"}
    for case, r in cases.items():
        assert abs(r["workbench"] - r["honest"]) <= 0.05, case
        assert r["shuffled"] - r["honest"] > 0.1, case  # shuffled folds flatter every planted case
    assert "time_order" in cases["sales"]["warnings"] and "grouped" in cases["patients"]["warnings"]
    assert "target_leak" in cases["imputed"]["warnings"]
    refit = result["refit"]
    assert refit["refitted"] > 0 and refit["as_is"] > 0 and refit["ratio"] > 0
