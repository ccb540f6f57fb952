"""Every DuckDB type comes out exactly in the page, `--json` and `--csv` (issue #11 part 3).

Values JSON holds (booleans, integers of any size, finite doubles, strings, lists, structs) are
written as such; the others as DuckDB's own text, the same as in the CSV (see the README's SQL section)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from tests.unit.sql_shared import shared_ws_fixture  # noqa: F401
from workbench.cli import main
from workbench.sql import engine, history

# (column, SQL expression, value in --json, text in --csv)
TYPES = [
    ("bool", "true", True, "true"),
    ("tinyint", "(-128)::TINYINT", -128, "-128"),
    ("smallint", "(-32768)::SMALLINT", -32768, "-32768"),
    ("integer", "(-2147483648)::INTEGER", -2147483648, "-2147483648"),
    ("bigint", "(-9223372036854775808)::BIGINT", -9223372036854775808, "-9223372036854775808"),
    ("hugeint", "(-170141183460469231731687303715884105728)::HUGEINT",
     -170141183460469231731687303715884105728, "-170141183460469231731687303715884105728"),
    ("utinyint", "255::UTINYINT", 255, "255"),
    ("usmallint", "65535::USMALLINT", 65535, "65535"),
    ("uinteger", "4294967295::UINTEGER", 4294967295, "4294967295"),
    ("ubigint", "18446744073709551615::UBIGINT", 18446744073709551615, "18446744073709551615"),
    ("uhugeint", "340282366920938463463374607431768211455::UHUGEINT",
     "340282366920938463463374607431768211455", "340282366920938463463374607431768211455"),
    ("float", "0.1::FLOAT", 0.1, "0.1"),
    ("pi", "3.141592653589793::DOUBLE", 3.141592653589793, "3.141592653589793"),
    ("big", "1e300::DOUBLE", 1e300, "1e+300"),
    ("negzero", "'-0.0'::DOUBLE", -0.0, "-0.0"),
    ("nan", "'nan'::DOUBLE", "NaN", "nan"),
    ("inf", "'inf'::DOUBLE", "Infinity", "inf"),
    ("ninf", "'-inf'::DOUBLE", "-Infinity", "-inf"),
    ("decimal", "1234567890123456789012345678.0123456789::DECIMAL(38,10)",
     "1234567890123456789012345678.0123456789", "1234567890123456789012345678.0123456789"),
    ("varchar", "E'h\u00e9llo\\nw\u00f6rld \"q\", \u65e5\u672c'", 'h\u00e9llo\nw\u00f6rld "q", \u65e5\u672c',
     'h\u00e9llo\nw\u00f6rld "q", \u65e5\u672c'),
    ("blob", "'\\x00\\xFF'::BLOB", "\\x00\\xFF", "\\x00\\xFF"),
    ("date", "DATE '2024-02-29'", "2024-02-29", "2024-02-29"),
    ("date_inf", "'infinity'::DATE", "infinity", "infinity"),
    ("date_ninf", "'-infinity'::DATE", "-infinity", "-infinity"),
    ("time", "TIME '23:59:59.123456'", "23:59:59.123456", "23:59:59.123456"),
    ("timestamp", "TIMESTAMP '2024-02-29 12:34:56.789012'", "2024-02-29 12:34:56.789012", "2024-02-29 12:34:56.789012"),
    ("timestamp_inf", "'infinity'::TIMESTAMP", "infinity", "infinity"),
    ("timestamptz", "TIMESTAMPTZ '2024-02-29 12:34:56.789012+00'",  # in the worker's time zone (TZ, below)
     "2024-02-29 12:34:56.789012+00", "2024-02-29 12:34:56.789012+00"),
    ("timestamp_ns", "'2024-02-29 12:34:56.123456789'::TIMESTAMP_NS",
     "2024-02-29 12:34:56.123456789", "2024-02-29 12:34:56.123456789"),
    ("interval", "INTERVAL '1 year 2 months 3 days 04:05:06.789'",
     "1 year 2 months 3 days 04:05:06.789", "1 year 2 months 3 days 04:05:06.789"),
    ("uuid", "'5b0b2b06-8d8a-4b1b-9f3c-6e1f1c2a3b4c'::UUID",
     "5b0b2b06-8d8a-4b1b-9f3c-6e1f1c2a3b4c", "5b0b2b06-8d8a-4b1b-9f3c-6e1f1c2a3b4c"),
    ("bit", "'10110'::BIT", "10110", "10110"),
    ("enum", "'b'::ENUM('a', 'b')", "b", "b"),
    ("list", "[1, 2, NULL]", [1, 2, None], "[1, 2, NULL]"),
    ("struct", "{'a': 1, 'b': 'x'}", {"a": 1, "b": "x"}, "{'a': 1, 'b': x}"),
    ("map", "MAP {'k': 1.5}", "{k=1.5}", "{k=1.5}"),
    ("array", "[1.5, 2.5]::DOUBLE[2]", [1.5, 2.5], "[1.5, 2.5]"),
    ("union", "union_value(n := 42)::UNION(n INTEGER, s VARCHAR)", "42", "42"),
    ("null", "NULL::INTEGER", None, ""),
]
QUERY = "SELECT " + ",\n  ".join(f"{expr} AS {name}" for name, expr, _, _ in TYPES)


@pytest.fixture(autouse=True)
def _utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")  # the workers started from here show TIMESTAMPTZ in UTC


def _sql(ws, *args):
    return CliRunner().invoke(main, ["--home", str(ws.home), "sql", *args])


def test_json_writes_every_type_exactly(shared_ws):
    out = _sql(shared_ws, QUERY, "--json")
    assert out.exit_code == 0, out.output
    [row] = json.loads(out.stdout)["rows"]
    assert row == {name: value for name, _, value, _ in TYPES}
    assert str(row["negzero"]) == "-0.0"


def test_csv_writes_every_type_exactly(shared_ws):
    out = _sql(shared_ws, QUERY, "--csv")
    assert out.exit_code == 0, out.output
    header, row = list(csv.reader(io.StringIO(out.stdout)))
    assert dict(zip(header, row)) == {name: text for name, _, _, text in TYPES}


def test_the_page_holds_every_type_and_null_apart_from_nan(shared_ws):
    result = engine.run(shared_ws, QUERY)
    page = result.frame.iloc[0].to_dict()
    assert page["date_inf"] == "infinity" and page["interval"] == "1 year 2 months 3 days 04:05:06.789"
    assert page["hugeint"] == -170141183460469231731687303715884105728 and page["ubigint"] == 18446744073709551615
    assert page["pi"] == 3.141592653589793 and page["blob"] == "\\x00\\xFF" and page["bit"] == "10110"
    assert str(page["decimal"]) == "1234567890123456789012345678.0123456789"
    assert result.types[[n for n, *_ in TYPES].index("date_inf")] == "DATE"  # the DuckDB type is kept
    mixed = engine.run(shared_ws, "SELECT * FROM (VALUES (NULL::DOUBLE, 1::BIGINT), ('nan'::DOUBLE, NULL)) v(d, b)")
    assert mixed.frame["d"].isna().tolist() == [True, False] and mixed.frame["b"].tolist()[0] == 1


def test_infinity_dates_are_results_not_failures(shared_ws):
    out = _sql(shared_ws, "SELECT 'infinity'::DATE AS forever")
    assert out.exit_code == 0 and out.stdout.splitlines()[-1] == "infinity", out.output
    [entry] = history.search(shared_ws, "AS forever")
    assert entry.status == "ok" and entry.rows == 1


def test_text_output_ends_its_last_row_before_the_footer(shared_ws):
    out = _sql(shared_ws, "SELECT typeof(range) AS t FROM range(3)")
    assert out.exit_code == 0
    assert out.stdout == "t\n------\nBIGINT\nBIGINT\nBIGINT\n"
    assert out.stderr.startswith("3 rows in ")
