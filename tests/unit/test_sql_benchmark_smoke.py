"""benchmarks/sql_first_page.py keeps working: a tiny run of every side, end to end."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

from tests.conftest import ROOT

SCRIPT = ROOT / "benchmarks" / "sql_first_page.py"


def test_tiny_run_measures_every_side(tmp_path):
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "--rows", "15000", "--runs", "1", "--json", "--data-dir", str(tmp_path)],
        check=True, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    result = json.loads(out.stdout)
    assert result["rows"] == 15000 and result["runs"] == 1
    sides = result["sides"]
    assert set(sides) == {"page", "engine", "duckdb_df", "duckdb_page"}
    for name, figures in sides.items():
        assert figures["seconds"] > 0 and figures["peak_mib"] >= figures["start_mib"] > 0, name
    assert sides["page"]["first_page_s"] is None
    assert 0 < sides["engine"]["first_page_s"] <= sides["engine"]["seconds"]
    assert sides["page"]["worker_peak_mib"] > 0 and sides["engine"]["worker_peak_mib"] > 0
    # what each side fetched, so the ratios compare like with like: the page and the engine show the first
    # 10,000 rows and count all 15,000, the client's .df() takes all, its fetchmany one page
    assert {name: (figures["shown"], figures["total"]) for name, figures in sides.items()} == {
        "page": ([10_000], [15_000]), "engine": ([10_000], [15_000]), "duckdb_df": ([15_000], [15_000]),
        "duckdb_page": ([10_000], [])}  # fmt: skip
    spec = importlib.util.spec_from_file_location("sql_first_page", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert "SQL page run / DuckDB client" in module.report(result)
    assert (tmp_path / "sql_ws_15000" / "ready").exists()
