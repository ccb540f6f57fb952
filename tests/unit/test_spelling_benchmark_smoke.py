"""benchmarks/spelling_precision.py still runs end to end and its targets hold."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT


def test_spelling_precision_benchmark_runs_and_meets_its_targets():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "spelling_precision.py"), "--seeds", "1", "--json"],
                         check=True, capture_output=True, text=True, cwd=ROOT, timeout=120)  # fmt: skip
    result = json.loads(out.stdout)
    planted, distinct = result["planted"], result["distinct"]
    assert planted["variants"] > 150 and planted["merged"]["recall"] >= 0.95, planted["merged"]["wrong"]
    assert planted["merged"]["precision"] >= 0.95
    assert distinct["values"] > 150 and distinct["false_merges"] == 0 and distinct["false_proposals"] == 0
    assert result["met"] == {"recall": True, "false_merges": True}
