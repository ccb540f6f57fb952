"""benchmarks/ingest.py keeps working: a tiny run of every side, end to end."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import duckdb

from tests.conftest import ROOT

SCRIPT = ROOT / "benchmarks" / "ingest.py"


def _module():
    spec = importlib.util.spec_from_file_location("ingest_benchmark", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_tiny_run_compares_the_three_sides(tmp_path):
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "--rows", "3000", "--runs", "1", "--json", "--data-dir", str(tmp_path)],
        check=True, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    (result,) = json.loads(out.stdout)["results"]
    assert result["rows"] == 3000 and result["runs"] == 1
    assert set(result["sides"]) == {"raw", "workbench", "pandas"}
    for figures in result["sides"].values():
        assert figures["seconds"] > 0
        assert figures["peak_mib"] >= figures["start_mib"] > 0
    # the ratios compare equal work: every side imported every row, in every run
    assert {side: figures["rows"] for side, figures in result["sides"].items()} == {
        "raw": [3000], "workbench": [3000], "pandas": [3000]}  # fmt: skip
    assert "workbench / raw DuckDB" in _module().report(result)


def test_generated_file_has_twelve_mixed_columns_with_nulls_and_is_reused(tmp_path):
    bench = _module()
    path = bench.dataset(500, tmp_path)
    made = path.stat().st_mtime_ns
    assert bench.dataset(500, tmp_path) == path and path.stat().st_mtime_ns == made
    with duckdb.connect() as con:
        con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [str(path)])
        types = dict(
            con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 't'").fetchall()
        )
        assert len(types) == 12
        assert {"BIGINT", "DOUBLE", "VARCHAR", "DATE", "TIMESTAMP", "BOOLEAN"} <= set(types.values())
        assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 500
        assert con.execute("SELECT count(*) FILTER (quantity IS NULL) FROM t").fetchone()[0] > 0
        assert con.execute("SELECT count(*) FILTER (city = 'Madrid, Spain') FROM t").fetchone()[0] > 0
