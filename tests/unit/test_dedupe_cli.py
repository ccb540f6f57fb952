"""`workbench dedupe` and `workbench link` through click, on a real workspace."""

from __future__ import annotations

import json

from click.testing import CliRunner

from workbench.cli import main

COLUMNS = "given_name,surname,address_1,suburb,postcode,date_of_birth"


def invoke(ws, *args):
    return CliRunner().invoke(main, ["--home", str(ws.home), *args])


def test_dedupe_json_reports_pairs_clusters_and_tables(sample_ws):
    result = invoke(sample_ws, "dedupe", "febrl_people", "--columns", COLUMNS,
                    "--output", "people", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["output"] == {"merged": "people", "mapping": "people_mapping"}
    assert doc["pairs_scored"] == sum(b["pairs"] for b in doc["blocking"]) > 500
    assert 480 <= doc["clusters"]["clusters_with_duplicates"] <= 520 and doc["clusters"]["largest"] <= 3
    names = {t.name: t for t in sample_ws.tables()}
    assert names["people"].rows == doc["clusters"]["clusters"] and names["people_mapping"].rows == 1000
    with sample_ws.connect() as con:  # work tables are cleaned up, and the run is no longer registered
        tables = con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = '_dedupe'").fetchall()
        assert tables == [("runs",)] and con.execute("SELECT count(*) FROM _dedupe.runs").fetchone()[0] == 0


def test_link_two_tables(sample_ws):
    with sample_ws.connect() as con, sample_ws.transaction(con):
        for name, kind in (("orgs", "org"), ("dups", "dup")):
            sample_ws.create_table_as(con, name, "SELECT * FROM febrl_people WHERE rec_id LIKE ?", [f"%-{kind}%"],
                                      source_kind="step", operation="filter", parents=["febrl_people"])  # fmt: skip
    result = invoke(sample_ws, "link", "orgs", "dups", "--columns", COLUMNS,
                    "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["output"] == {"links": "orgs_dups_links"}
    assert 480 <= doc["links"] <= 510
    with sample_ws.connect() as con:
        wrong = con.execute("""SELECT count(*) FROM orgs_dups_links
            WHERE split_part(rec_id, '-', 2) <> split_part(rec_id_1, '-', 2)""").fetchone()[0]
    assert wrong <= 3


def test_text_output_and_errors(sample_ws):
    result = invoke(sample_ws, "dedupe", "febrl_people")
    assert result.exit_code == 0, result.output
    assert "Comparing the suggested columns: given_name, surname" in result.stderr
    assert "new tables: febrl_people_deduped, febrl_people_deduped_mapping" in result.stdout
    bad = invoke(sample_ws, "dedupe", "febrl_people", "--columns", "surname,nope")
    assert bad.exit_code == 1 and "has no column 'nope'" in bad.stderr and "Traceback" not in bad.output
    assert invoke(sample_ws, "dedupe", "missing_table").exit_code == 1
    bad_rule = invoke(sample_ws, "dedupe", "febrl_people", "--columns", "surname", "--rule", "city")
    assert bad_rule.exit_code == 1 and "not one of the compared columns" in bad_rule.stderr
    assert invoke(sample_ws, "dedupe", "febrl_people", "--threshold", "1.5").exit_code == 2
