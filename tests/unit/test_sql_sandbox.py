"""The SQL panel's sandbox: each escape is refused with a clear message, the workspace stays readable,
and the rest of the process (ingestion) is untouched by it."""

from __future__ import annotations

import duckdb
import pytest

from tests.unit.sql_shared import shared_ws_fixture  # noqa: F401
from workbench import ingest
from workbench.sql import engine, sandbox
from workbench.sql.engine import QueryFailed


@pytest.fixture
def outside(tmp_path):
    path = tmp_path / "outside" / "secret.csv"
    path.parent.mkdir()
    path.write_text("a,b\n1,secret\n")
    return path


def _refused(ws, sql, *, write=False, contains):
    with pytest.raises(QueryFailed) as info:
        engine.run(ws, sql, write=write)
    assert info.value.status in ("refused", "error")
    assert contains.lower() in str(info.value).lower(), str(info.value)
    return info.value


def test_normal_queries_over_the_workspace_work(shared_ws):
    result = engine.run(shared_ws, "SELECT Origin, count(*) AS n FROM cars GROUP BY Origin ORDER BY Origin")
    assert result.frame.to_dict("list") == {"Origin": ["Europe", "Japan", "USA"], "n": [73, 79, 254]}
    assert result.total == 3 and result.statement == "rows"


def test_reading_etc_passwd_is_refused(shared_ws):
    error = _refused(shared_ws, "SELECT * FROM read_text('/etc/passwd')", contains="sandbox")
    assert error.status == "refused" and "root:" not in str(error)
    # the replacement scan form finds nothing either
    _refused(shared_ws, "SELECT * FROM '/etc/passwd'", contains="/etc/passwd")


def test_read_csv_outside_the_workspace_is_refused(shared_ws, outside):
    error = _refused(shared_ws, f"SELECT * FROM read_csv('{outside}')", contains="sandbox")
    assert "secret" not in str(error).replace(str(outside), "")


def test_read_csv_inside_the_workspace_is_allowed(shared_ws):
    (shared_ws.downloads / "mine.csv").write_text("x,y\n1,2\n3,4\n")
    result = engine.run(shared_ws, f"SELECT sum(x + y) AS s FROM read_csv('{shared_ws.downloads / 'mine.csv'}')")
    assert result.frame["s"].tolist() == [10]


@pytest.mark.parametrize(
    ("sql", "contains"),
    [
        ("ATTACH '/tmp/elsewhere.duckdb' AS other", "ATTACH is not allowed"),
        ("INSTALL httpfs", "not allowed"),
        ("LOAD httpfs", "not allowed"),
        ("COPY cars TO '/tmp/cars_out.csv'", "COPY is not allowed"),
        ("SET enable_external_access = true", "settings are locked"),
        ("SET allowed_directories = ['/']", "settings are locked"),
        ("RESET lock_configuration", "settings are locked"),
        ("PRAGMA enable_profiling", "settings are locked"),
        ("SELECT 1; SET profiling_output = '/tmp/p.json'", "settings are locked"),
        ("EXPLAIN ANALYZE COPY cars TO '/tmp/cars_out.csv'", "EXPLAIN is allowed for queries that read only"),
        ("CREATE TABLE copy_of_cars AS SELECT * FROM cars", "read-only"),
        ("DELETE FROM cars", "read-only"),
        ("DROP TABLE cars", "read-only"),
    ],
)
def test_escapes_and_writes_are_refused(shared_ws, sql, contains):
    error = _refused(shared_ws, sql, contains=contains)
    assert error.status == "refused"


def test_nothing_was_changed_by_the_refused_statements(sample_ws):
    for sql in ("DROP TABLE cars", "COPY cars TO '/tmp/never.csv'", "CREATE TABLE c2 AS SELECT 1"):
        with pytest.raises(QueryFailed):
            engine.run(sample_ws, sql)
    assert {t.name for t in sample_ws.tables()} == {"cars", "penguins_raw", "febrl_people", "movielens", "wine"}


def test_the_locked_settings_cannot_be_undone_even_past_the_allow_list(shared_ws, outside):
    """The second layer: the sandbox connection itself refuses SET and reads elsewhere."""
    con = sandbox.connect(shared_ws.home, write=False, lock_timeout=5)
    try:
        for sql in (
            "SET enable_external_access = true",
            "SET allowed_directories = ['/']",
            "SET lock_configuration = false",
        ):
            with pytest.raises(duckdb.Error, match="(?i)lock"):
                con.execute(sql)
        with pytest.raises(duckdb.PermissionException):
            con.execute(f"SELECT * FROM read_csv('{outside}')").fetchall()
        with pytest.raises(duckdb.Error):
            con.execute(f"ATTACH '{outside.parent / 'x.duckdb'}' AS x")
        with pytest.raises(duckdb.Error):
            con.execute("CREATE TABLE t AS SELECT 1")  # read-only file, too
        assert con.execute("SELECT count(*) FROM cars").fetchone() == (406,)
    finally:
        con.close()


def test_writes_when_switched_on_create_tables_with_lineage(sample_ws):
    result = engine.run(sample_ws, "CREATE TABLE eight_cylinders AS SELECT * FROM cars WHERE Cylinders = 8", write=True)
    assert result.statement == "created" and result.created == "eight_cylinders"
    assert result.total == 108
    info = sample_ws.table("eight_cylinders")
    assert info.source_kind == "sql" and info.parents == ["cars"] and info.rows == 108
    assert "Cylinders = 8" in info.sql


@pytest.mark.parametrize(
    ("sql", "contains"),
    [
        ("INSERT INTO cars SELECT * FROM cars", "never changed in place"),
        ("UPDATE cars SET Cylinders = 0", "never changed in place"),
        ("CREATE OR REPLACE TABLE cars AS SELECT 1", "CREATE TABLE name AS SELECT"),
        ("CREATE VIEW v AS SELECT 1", "CREATE TABLE name AS SELECT"),
        ('CREATE TABLE "Bad Name" AS SELECT 1', "snake_case"),
        ("COPY cars TO 'exports/x.csv'", "COPY is not allowed"),
    ],
)
def test_writes_stay_limited_to_new_tables(shared_ws, sql, contains):
    _refused(shared_ws, sql, write=True, contains=contains)
    assert shared_ws.table("cars").rows == 406


def test_ingestion_still_reads_anywhere_after_the_sandbox_was_used(sample_ws, outside):
    with pytest.raises(QueryFailed):
        engine.run(sample_ws, f"SELECT * FROM read_csv('{outside}')")
    engine.run(sample_ws, "SELECT count(*) FROM cars")
    [loaded] = ingest.load(sample_ws, [outside])
    assert loaded.ok and loaded.rows == 1
    with sample_ws.connect() as con:
        assert con.execute(f"SELECT b FROM read_csv('{outside}')").fetchone() == ("secret",)
        assert con.execute("SELECT current_setting('enable_external_access')").fetchone() == (True,)


def test_why_a_process_duckdb_locks_are_per_instance(tmp_path):
    """The facts the sandbox's design rests on (see workbench/sql/sandbox.py): within one process,
    a setting made on one connection reaches every connection to the same file, and a second
    instance (an in-memory one) cannot attach a file another instance has open."""
    path = str(tmp_path / "facts.duckdb")
    ingestion, other = duckdb.connect(path), duckdb.connect(path)
    try:
        other.execute("SET allowed_directories = $d", {"d": [str(tmp_path / "nowhere")]})
        assert ingestion.execute("SELECT current_setting('allowed_directories')").fetchone()[0] == [
            str(tmp_path / "nowhere") + "/"
        ]
        with pytest.raises(duckdb.Error, match="already attached"):
            duckdb.connect(":memory:").execute("ATTACH $p AS ws (READ_ONLY)", {"p": path})
    finally:
        ingestion.close()
        other.close()
