"""Provenance and lineage of every table, and operations on tables as wholes."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import zipfile

import duckdb
import pytest

from workbench import metadata, samples
from workbench.errors import TableNotFound, WorkbenchError
from workbench.ingest import load
from workbench.metadata import SCHEMA
from workbench.settings import DB_FILENAME, SAMPLES_DIR
from workbench.workspace import Workspace


def csv_file(path, text="id,city,score\n1,Paris,2.5\n2,Lyon,\n3,Nice,4.0\n4,Metz,1.5,extra\n"):
    path.write_text(text, encoding="utf-8")
    return path


def table_rows(con, name):
    return sorted(con.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)


def test_a_workspace_is_a_folder_with_the_database_and_downloads(tmp_path):
    ws = Workspace(tmp_path / "new" / "place")
    assert ws.tables() == []
    assert (ws.home / DB_FILENAME).is_file() and (ws.home / "downloads").is_dir()


def test_workbench_home_is_the_default(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "elsewhere"))
    assert Workspace().home == (tmp_path / "elsewhere").resolve()


def test_an_import_records_its_provenance(ws, tmp_path):
    path = csv_file(tmp_path / "Cities.csv")
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    (result,) = load(ws, [path], source_kind="upload", source_detail={"upload": "Cities.csv"})
    info = ws.table(result.table)
    assert (info.name, info.kind, info.rows, info.columns, info.rejected) == ("cities", "table", 3, 3, 1)
    assert info.source_kind == "upload" and info.operation == "import" and info.parents == []
    assert started - dt.timedelta(seconds=1) <= info.created_at <= dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert info.source_detail == {
        "path": str(path),
        "upload": "Cities.csv",
        "format": "csv",
        "size_bytes": path.stat().st_size,
        "delimiter": ",",
        "quote": "(empty)",
        "header": True,
        "encoding": "utf-8",
    }
    assert info.source == "upload: Cities.csv"
    as_dict = info.as_dict()
    assert json.loads(json.dumps(as_dict))["created_at"] == info.created_at.isoformat()
    assert as_dict["rejected"] == 1 and as_dict["source"] == "upload: Cities.csv"


@pytest.mark.parametrize("kind", ["csv", "latin1_csv", "parquet", "json", "ndjson_with_a_bad_line"])
def test_the_recorded_sql_re_runs_to_the_same_table(ws, tmp_path, kind):
    path = tmp_path / f"data_{kind}"
    if kind == "csv":
        path = csv_file(path.with_suffix(".csv"))
    elif kind == "latin1_csv":
        path = path.with_suffix(".csv")
        path.write_bytes("ville;prix\nZürich;3\nSão Paulo;4\n".encode("latin-1"))
    elif kind == "parquet":
        path = path.with_suffix(".parquet")
        with duckdb.connect() as con:
            con.execute(
                "COPY (SELECT range AS i, range::VARCHAR AS s FROM range(10)) TO ? (FORMAT parquet)", [str(path)]
            )
    elif kind == "json":
        path = path.with_suffix(".json")
        path.write_text(json.dumps([{"a": 1, "b": [1, 2]}, {"a": 2, "b": []}]))
    else:
        path = path.with_suffix(".ndjson")
        path.write_text('{"a": 1}\n{"a": 2\n{"a": 3}\n')
    (result,) = load(ws, [path])
    info = ws.table(result.table)
    with ws.connect() as con:
        kept = table_rows(con, info.name)
    with duckdb.connect() as fresh:
        fresh.execute(info.sql)
        assert table_rows(fresh, info.name) == kept
        assert len(kept) == info.rows


def test_create_table_as_records_lineage_with_runnable_sql(ws, tmp_path):
    load(ws, [csv_file(tmp_path / "cities.csv")])
    with ws.connect() as con, ws.transaction(con):
        child = ws.create_table_as(
            con, "big_scores", "SELECT * FROM cities WHERE score > ?", [2.0],
            source_kind="step", operation="filter", parents=["cities"], parameters={"min_score": 2.0},
        )  # fmt: skip
    assert (child.rows, child.columns, child.parents, child.operation) == (2, 3, ["cities"], "filter")
    assert child.parameters == {"min_score": 2.0} and child.source == "filter of cities"
    with ws.connect() as con:
        expected = table_rows(con, "big_scores")
        con.execute("DROP TABLE big_scores")
        con.execute(child.sql)
        assert table_rows(con, "big_scores") == expected


def test_a_failed_step_leaves_nothing(ws, tmp_path):
    load(ws, [csv_file(tmp_path / "cities.csv")])
    with pytest.raises(duckdb.Error), ws.connect() as con, ws.transaction(con):
        ws.create_table_as(con, "broken", "SELECT no_such_column FROM cities", source_kind="step", operation="x")
    assert [t.name for t in ws.tables()] == ["cities"]


def make_chain(ws, tmp_path):
    """cities -> paris (filter) -> paris_scores (select); cities -> nice (filter)."""
    load(ws, [csv_file(tmp_path / "cities.csv")])
    with ws.connect() as con, ws.transaction(con):
        for name, sql, parent in [
            ("paris", "SELECT * FROM cities WHERE city = 'Paris'", "cities"),
            ("paris_scores", "SELECT score FROM paris", "paris"),
            ("nice", "SELECT * FROM cities WHERE city = 'Nice'", "cities"),
        ]:
            ws.create_table_as(con, name, sql, source_kind="step", operation="filter", parents=[parent])


def test_rename_keeps_lineage_of_the_table_and_its_children(ws, tmp_path):
    make_chain(ws, tmp_path)
    assert ws.rename("paris", "Paris Only!") == "paris_only"
    assert ws.table("paris_only").parents == ["cities"]
    assert ws.table("paris_scores").parents == ["paris_only"]
    assert ws.dependents("paris_only") == ["paris_scores"]
    with pytest.raises(TableNotFound):
        ws.table("paris")
    assert ws.rename("cities", "select") == "select_data"
    assert ws.dependents("select_data") == ["nice", "paris_only"]
    with ws.connect() as con:  # a reserved word made safe: usable unquoted
        assert con.execute("SELECT count(*) FROM select_data").fetchone() == (3,)


def test_rename_refuses_a_taken_name_and_allows_a_case_change(ws, tmp_path):
    make_chain(ws, tmp_path)
    with pytest.raises(WorkbenchError, match="A table named 'nice' already exists"):
        ws.rename("paris", "NICE")
    assert ws.rename("paris", "Paris") == "paris"
    assert {t.name for t in ws.tables()} == {"cities", "paris", "paris_scores", "nice"}


def test_drop_reports_dependents_and_keeps_children(ws, tmp_path):
    make_chain(ws, tmp_path)
    assert ws.dependents("cities") == ["nice", "paris"]
    assert ws.dependents("paris_scores") == []
    ws.drop("paris")
    names = {t.name for t in ws.tables()}
    assert names == {"cities", "paris_scores", "nice"}
    assert ws.table("paris_scores").parents == ["paris"]  # the record of where it came from stays
    with ws.connect() as con:
        assert con.execute(f"SELECT count(*) FROM {SCHEMA}.tables WHERE name = 'paris'").fetchone() == (0,)
    with pytest.raises(TableNotFound, match="There is no table named 'paris'"):
        ws.drop("paris")


def test_tables_made_outside_the_workbench_show_as_external(ws, tmp_path):
    load(ws, [csv_file(tmp_path / "cities.csv")])
    with duckdb.connect(str(ws.db_path)) as con:  # as a notebook would
        con.execute("CREATE TABLE scratch AS SELECT range AS n FROM range(5)")
        con.execute("CREATE VIEW first_city AS SELECT * FROM cities LIMIT 1")
    infos = {t.name: t for t in ws.tables()}
    assert infos["scratch"].source_kind == "external" and infos["scratch"].rows == 5
    assert infos["first_city"].kind == "view" and infos["first_city"].source_kind == "external"
    assert infos["scratch"].created_at is None and infos["scratch"].source == "external:"
    assert list(ws.preview("first_city")["city"]) == ["Paris"]
    ws.rename("first_city", "a_view")
    assert ws.table("a_view").kind == "view"
    ws.drop("scratch")
    assert "scratch" not in {t.name for t in ws.tables()}


def test_lookups_are_case_insensitive_and_unknown_names_are_clear(ws, tmp_path):
    load(ws, [csv_file(tmp_path / "cities.csv")])
    assert ws.table("CITIES").name == "cities"
    assert list(ws.schema("Cities")["column"]) == ["id", "city", "score"]
    assert len(ws.preview("cities", limit=2)) == 2
    with pytest.raises(TableNotFound, match=r"There is no table named 'towns' in "):
        ws.preview("towns")


def test_a_failed_seed_is_taken_up_again_for_the_samples_not_loaded(ws, tmp_path):
    copy = tmp_path / "samples"
    shutil.copytree(SAMPLES_DIR, copy)
    good = (copy / "cars.json").read_bytes()
    (copy / "cars.json").write_text('[{"name": "broken', encoding="utf-8")  # cut short: not JSON
    first = samples.seed(ws, copy)
    assert [r.label for r in first if r.error] == ["cars.json"]
    assert sorted(t.name for t in ws.tables()) == ["febrl_people", "movielens", "penguins_raw", "wine"]
    (copy / "cars.json").write_bytes(good)  # the file is readable again
    second = samples.seed(ws, copy)
    assert [(r.table, r.error) for r in second] == [("cars", None)]  # only the one missing, no second copies
    assert sorted(t.name for t in ws.tables()) == ["cars", "febrl_people", "movielens", "penguins_raw", "wine"]
    assert ws.table("cars").source == "sample: cars.json"
    assert samples.seed(ws, copy) == []  # all loaded: never again


def test_samples_are_seeded_once_and_not_again_after_deletion(ws):
    results = samples.seed(ws)
    seeded = sorted(r.table for r in results if r.ok)
    assert seeded == ["cars", "febrl_people", "movielens", "penguins_raw", "wine"]
    assert all(ws.table(name).source_kind == "sample" for name in seeded)
    assert ws.table("cars").source == "sample: cars.json"
    ws.drop("cars")
    assert samples.seed(ws) == []
    assert sorted(t.name for t in ws.tables()) == ["febrl_people", "movielens", "penguins_raw", "wine"]


def test_tables_recorded_as_derived_by_schema_version_1_become_steps(ws):
    with ws.connect() as con, ws.transaction(con):
        ws.create_table_as(con, "people", "SELECT 1 AS id", source_kind="file", operation="import")
        ws.create_table_as(con, "people_deduped", "SELECT 1 AS id", source_kind="derived", operation="dedupe",
                           parents=["people"])  # fmt: skip
        metadata.set_setting(con, "schema_version", "1")  # a file written before the fix
    assert ws.table("people_deduped").source_kind == "step"  # migrated when the file is next opened
    assert ws.table("people_deduped").source == "dedupe of people"
    with ws.connect() as con:
        assert metadata.get_setting(con, "schema_version") == str(metadata.SCHEMA_VERSION) == "2"


def test_provenance_reads_as_sentences_for_every_kind_of_table(ws, tmp_path):
    samples.seed(ws)
    cars = ws.table("cars")
    assert cars.story()[0] == "Imported from the sample file `cars.json`."
    assert cars.story()[1].endswith("UTC: 406 rows × 9 columns.") and cars.facts()["format"] == "json"
    load(ws, [csv_file(tmp_path / "scores.csv")], table="scores")
    assert ws.table("scores").story()[::2] == [
        f"Imported from the file `{tmp_path / 'scores.csv'}`.",
        "1 line of the source could not be read and was set aside.",
    ]
    with ws.connect() as con, ws.transaction(con):
        ws.create_table_as(con, "usa", "SELECT * FROM cars WHERE Origin = 'USA'", source_kind="sql",
                           operation="sql query", parents=["cars"])  # fmt: skip
        ws.create_table_as(con, "answer", "SELECT 42 AS n", source_kind="sql", operation="sql query")
        ws.create_table_as(con, "usa_deduped", "SELECT * FROM usa", source_kind="step", operation="dedupe",
                           parents=["usa", "cars"], parameters={"threshold": 0.9})  # fmt: skip
    assert (ws.table("usa").source, ws.table("usa").story()[0]) == (
        "SQL query of cars",
        "Made by a SQL query over `cars`.",
    )
    assert (ws.table("answer").source, ws.table("answer").story()[0]) == (
        "SQL query",
        "Made by a SQL query that reads no table.",
    )
    deduped = ws.table("usa_deduped")
    assert deduped.story()[0] == "Made by the step `dedupe` from `usa` and `cars`."
    assert deduped.facts() == {"threshold": 0.9}


def test_provenance_names_the_member_of_an_archive(ws, tmp_path):
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("inner/points.csv", "x,y\n1,2\n")
    (result,) = load(ws, [archive])
    assert ws.table(result.table).story()[0] == f"Imported from the file `{archive}`, its member `inner/points.csv`."
