"""`workbench sql` shares the panel's engine: sandbox, parameters, writes, limits, output forms."""

from __future__ import annotations

import csv
import io
import json

from click.testing import CliRunner

from tests.conftest import ROOT
from tests.unit.sql_shared import shared_ws_fixture  # noqa: F401
from workbench.cli import main
from workbench.sql import history


def _sql(ws, *args):
    return CliRunner().invoke(main, ["--home", str(ws.home), "sql", *args])


def test_text_output_shows_rows_and_the_true_total(shared_ws):
    out = _sql(shared_ws, "SELECT Name FROM cars ORDER BY Name", "--limit", "3")
    assert out.exit_code == 0, out.output
    lines = out.stdout.splitlines()
    assert lines[0].strip() == "Name" and len(lines) == 5
    assert "406 rows in" in out.stderr and "403 not shown" in out.stderr


def test_the_footer_agrees_with_its_count(shared_ws):
    out = _sql(shared_ws, "SELECT 42 AS answer")
    assert out.exit_code == 0 and out.stderr.startswith("1 row in "), out.output


def test_json_and_params_from_a_file(shared_ws):
    out = _sql(shared_ws, "--file", str(ROOT / "queries" / "heavy_penguins.sql"), "--param", "min_mass=6000", "--json")
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    assert doc["row_count"] == 2 and [r["body_mass_g"] for r in doc["rows"]] == [6300.0, 6050.0]


def test_csv_is_the_full_result(sample_ws):
    out = _sql(sample_ws, "SELECT range AS i FROM range(12345)", "--csv", "--limit", "5")
    assert out.exit_code == 0, out.output
    rows = list(csv.reader(io.StringIO(out.stdout)))
    assert rows[0] == ["i"] and len(rows) == 12346 and rows[-1] == ["12344"]
    assert not list((sample_ws.home / "exports").glob("cli-*"))  # the temporary export is removed
    [entry] = history.search(sample_ws, "range(12345)")
    assert entry.status == "ok" and entry.rows == 12345


def test_refusals_and_errors_are_one_line(shared_ws):
    for query, words in [
        ("SELECT * FROM read_text('/etc/passwd')", "sandbox"),
        ("CREATE TABLE t AS SELECT 1", "read-only"),
        ("SELECT * FROM cars WHERE Origin = $o", "$o"),
    ]:
        out = _sql(shared_ws, query)
        assert out.exit_code == 1 and out.stderr.startswith("error: ") and words in out.stderr
        assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.output


def test_write_and_timeout(sample_ws):
    out = _sql(sample_ws, "CREATE TABLE usa AS SELECT * FROM cars WHERE Origin = 'USA'", "--write")
    assert out.exit_code == 0 and "created table usa" in out.stderr
    assert sample_ws.table("usa").rows == 254 and sample_ws.table("usa").parents == ["cars"]
    out = _sql(sample_ws, "SELECT count(*) FROM range(100000000000)", "--timeout", "0.5")
    assert out.exit_code == 1 and "time limit (0.5 s)" in out.stderr
