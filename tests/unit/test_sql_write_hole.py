"""No SQL panel statement changes an existing table or the metadata, whatever nesting it uses
(issue #11 part 2): DML inside a CTE, CREATE TABLE AS, EXPLAIN (ANALYZE), a subquery, a UNION,
several statements, and every top-level DML form, with writes on and off. New tables still work."""

from __future__ import annotations

import pytest

from workbench import Workspace, samples
from workbench.sql import engine, sandbox
from workbench.sql.engine import QueryFailed

DML = [
    "DELETE FROM cars RETURNING *",
    "UPDATE cars SET Cylinders = 0 RETURNING *",
    "INSERT INTO cars SELECT * FROM cars RETURNING *",
    "INSERT OR REPLACE INTO keyed VALUES (1, 'replaced') RETURNING *",
    "INSERT INTO keyed VALUES (1, 'x') ON CONFLICT DO UPDATE SET v = 'updated' RETURNING *",
    "DELETE FROM _workbench.tables RETURNING *",
    "UPDATE _workbench.tables SET row_count = 0 RETURNING *",
    "COPY (SELECT 'leak') TO '{home}/downloads/leak.csv'",
]
POSITIONS = [
    "WITH d AS ({dml}) SELECT count(*) AS n FROM d",
    "WITH d AS ({dml}) SELECT 1 AS unused",
    "WITH d AS ({dml}) SELECT 1 AS unused; SELECT 2",
    "SELECT 1; WITH d AS ({dml}) SELECT 1 AS unused",
    "CREATE TABLE hole AS WITH d AS ({dml}) SELECT 1 AS unused",
    "EXPLAIN WITH d AS ({dml}) SELECT 1 AS unused",
    "EXPLAIN ANALYZE WITH d AS ({dml}) SELECT 1 AS unused",
    "SELECT * FROM (WITH d AS ({dml}) SELECT 1 AS unused) s",
    "SELECT EXISTS (WITH d AS ({dml}) SELECT 1 AS unused) AS e",
    "SELECT 1 AS x UNION ALL (WITH d AS ({dml}) SELECT 1 AS unused)",
    "WITH a AS (SELECT 1), b AS (WITH d AS ({dml}) SELECT 1) SELECT * FROM a, b",
]
TOP_LEVEL = [
    "DELETE FROM cars",
    "UPDATE cars SET Cylinders = 0",
    "INSERT INTO cars SELECT * FROM cars",
    "INSERT OR REPLACE INTO keyed VALUES (1, 'replaced')",
    "INSERT INTO keyed VALUES (1, 'x') ON CONFLICT DO UPDATE SET v = 'updated'",
    "MERGE INTO keyed USING (SELECT 1 AS id) s ON keyed.id = s.id WHEN MATCHED THEN DELETE",
    "MERGE INTO cars USING (SELECT 1) s ON true WHEN MATCHED THEN UPDATE SET Cylinders = 0",
    "COPY keyed FROM '{home}/downloads/keyed.csv'",
    "COPY (SELECT 'leak') TO '{home}/downloads/leak.csv'",
    "DELETE FROM _workbench.tables",
    "CREATE OR REPLACE TABLE cars AS SELECT 1 AS one",
    "CREATE TABLE cars AS SELECT 1 AS one",
    "DROP TABLE cars",
    "ALTER TABLE cars RENAME TO old_cars",
    "TRUNCATE cars",
    "SELECT nextval('_workbench.counter')",
    "SELECT * FROM query('DELETE FROM cars RETURNING *')",
]


@pytest.fixture(scope="module")
def target(tmp_path_factory) -> Workspace:
    ws = Workspace(tmp_path_factory.mktemp("write_hole_ws"))
    samples.seed(ws)
    with ws.connect() as con:
        con.execute("CREATE TABLE keyed (id INTEGER PRIMARY KEY, v VARCHAR); INSERT INTO keyed VALUES (1, 'one')")
        con.execute("CREATE SEQUENCE _workbench.counter")
    (ws.downloads / "keyed.csv").write_text("id,v\n2,two\n")
    return ws


def fingerprint(ws: Workspace) -> dict:
    """Every table of the workspace file (metadata included) with a digest of its rows, its sequences."""
    with ws.connect() as con:
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database()"
        ).fetchall()
        found = {
            f"{schema}.{table}": con.execute(
                f'SELECT count(*), md5(string_agg(t::VARCHAR, \'|\' ORDER BY t::VARCHAR)) FROM "{schema}"."{table}" t'
            ).fetchone()
            for schema, table in tables
        }
        found["sequences"] = con.execute(
            "SELECT sequence_name, last_value FROM duckdb_sequences() ORDER BY ALL"
        ).fetchall()
    found["files"] = sorted(p.name for p in ws.home.rglob("*") if p.is_file() and p.suffix != ".wal")
    return found


def _refused_and_unchanged(ws: Workspace, sql: str, write: bool) -> QueryFailed:
    before = fingerprint(ws)
    with pytest.raises(QueryFailed) as info:
        engine.run(ws, sql, write=write, record=False)
    assert info.value.status in ("refused", "error"), str(info.value)
    assert fingerprint(ws) == before
    return info.value


@pytest.mark.parametrize("write", [True, False], ids=["write", "read_only"])
@pytest.mark.parametrize("position", POSITIONS)
@pytest.mark.parametrize("dml", DML)
def test_dml_nested_anywhere_changes_nothing(target, dml, position, write):
    error = _refused_and_unchanged(target, position.format(dml=dml.format(home=target.home)), write)
    assert error.status == "refused"
    assert "would change data" in str(error) or (not write and "read-only" in str(error))


@pytest.mark.parametrize("write", [True, False], ids=["write", "read_only"])
@pytest.mark.parametrize("sql", TOP_LEVEL)
def test_top_level_changes_are_refused(target, sql, write):
    _refused_and_unchanged(target, sql.format(home=target.home), write)


def test_the_attached_workspace_refuses_changes_even_past_the_allow_list(target):
    """The second layer: the connection that runs user SQL has the workspace attached read-only, so
    DuckDB itself refuses any change to it, writes on or off; only the staging database takes new tables."""
    before = fingerprint(target)
    for write in (True, False):
        con = sandbox.connect(target.home, write, lock_timeout=5)
        try:
            for sql in ("WITH d AS (DELETE FROM cars RETURNING *) SELECT 1", "CREATE TABLE fresh AS SELECT 1"):
                with pytest.raises(Exception, match="read-only"):
                    con.execute(sql).fetchall()
            assert con.execute("SELECT count(*) FROM cars").fetchone() == (406,)
        finally:
            con.close()
            sandbox.discard_staging(target.home)
    assert fingerprint(target) == before


def test_new_tables_are_still_created_with_lineage_and_usable_next(target):
    sql = "CREATE TABLE usa AS SELECT * FROM cars WHERE Origin = $o; SELECT count(*) AS n FROM usa"
    result = engine.run(target, sql, {"o": "USA"}, write=True)
    assert result.frame["n"].tolist() == [254]
    info = target.table("usa")
    assert info.rows == 254 and info.parents == ["cars"] and info.source_kind == "sql"
    assert info.parameters == {"o": "USA"} and "Origin = $o" in info.sql
    error = _refused_and_unchanged(target, "CREATE TABLE usa AS SELECT 1", True)
    assert "already exists" in str(error)
