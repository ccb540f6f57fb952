"""benchmarks/kaggle_download.py keeps working: a tiny run of both sides, every scenario."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

SCRIPT = ROOT / "benchmarks" / "kaggle_download.py"


def test_tiny_run_compares_the_workbench_with_the_kaggle_client():
    out = subprocess.run([sys.executable, str(SCRIPT), "--rows", "2000", "--runs", "1", "--json"],
                         check=True, capture_output=True, text=True, timeout=300)
    (result,) = json.loads(out.stdout)["results"]
    assert result["rows"] == 2000 and result["zip_bytes"] < result["csv_bytes"]
    workbench, kaggle = result["sides"]["workbench"], result["sides"]["kaggle"]
    for side in (workbench, kaggle):
        assert side["first"] > 0 and side["repeat"] > 0 and side["resume"] > 0
        assert side["resume_sent"] >= 1.0  # every byte arrived at least once despite the drop
    assert workbench["resume_sent"] < 1.5  # resumed, not restarted
    # the repeat: the workbench's cache answers (the archive is sent once for both calls), the client
    # downloads it again (sent twice); counted by the server in bytes
    assert workbench["twice_sent"] == pytest.approx(1.0) and kaggle["twice_sent"] == pytest.approx(2.0)
