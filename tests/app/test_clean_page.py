"""The Clean page: Fix from Explore, preview, apply, invalid parameters, clusters, undo, replay, export."""

from __future__ import annotations

import os

import pytest

from workbench import Workspace
from workbench.metadata import record_table

PAGE = "pages/clean.py"


def open_clean(app, table: str, fix: dict | None = None):
    at = app.run()
    at.session_state["table"] = table
    if fix:
        at.session_state["_clean_fix"] = fix
    return at.switch_page(PAGE).run()


def workspace() -> Workspace:
    return Workspace(os.environ["WORKBENCH_HOME"])


def add_paint(at) -> None:
    """A table with planted spellings, next to the samples the app seeded."""
    with workspace().connect() as con:
        con.execute("CREATE TABLE paint AS SELECT * FROM (VALUES ('Red', 1), ('Red', 2), ('red', 3), (' Red', 4), "
                    "('Yellow', 5), ('Yellow', 6), ('Yellow', 7), ('Yelow', 8), ('Blue', 9)) v(colour, n)")
        for i in range(10, 40):
            con.execute("INSERT INTO paint VALUES (?, ?)", ["Red" if i % 2 else "Yellow", i])
        record_table(con, "paint", source_kind="file", operation="import")
        con.execute("CREATE TABLE paint_test AS SELECT * FROM (VALUES ('RED', 1), ('Purple', 2)) v(colour, n)")
        record_table(con, "paint_test", source_kind="file", operation="import")


def click(at, key: str):
    return at.button(key=key).click().run()


def follow(at):
    """Make the table the page chose current (the sidebar does it on the next run), back on Clean."""
    chosen = at.session_state["_select_next"]
    at.session_state["table"] = chosen
    return at.switch_page(PAGE).run()


def test_fix_from_explore_preview_apply_and_undo(app):
    fix = {"operation": "to_number", "params": {"column": "Culmen Length (mm)"}}
    at = open_clean(app, "penguins_raw", fix)
    assert not at.exception
    assert at.selectbox(key="clean_operation").value == "to_number"
    assert at.selectbox(key="clean_param_to_number_column").value == "Culmen Length (mm)"
    at = click(at, "clean_preview_button")
    metrics = {m.label: m.value for m in at.metric}
    # the two 'NA' texts become NULL: counted in the headline, not only in a note
    assert metrics == {"Rows before": "344", "Rows after": "344", "Values changed": "0", "Values set to missing": "2"}
    assert any("VARCHAR → DOUBLE: 0 values changed, 2 values set to missing" in m.value for m in at.markdown)
    assert len(at.get("plotly_chart")) == 1  # the column before and after
    at = click(at, "clean_apply")
    assert "Wrote penguins\\_raw\\_v2 (344 rows)" in at.success[0].value
    at = follow(at)
    assert not at.exception and at.session_state["table"] == "penguins_raw_v2"
    with workspace().connect() as con:
        typ = con.execute("SELECT data_type FROM information_schema.columns WHERE table_name = 'penguins_raw_v2' "
                          "AND column_name = 'Culmen Length (mm)'").fetchone()[0]
        values = con.execute('SELECT "Culmen Length (mm)" FROM penguins_raw_v2 ORDER BY rowid LIMIT 4').fetchall()
        raw = con.execute('SELECT "Culmen Length (mm)" FROM penguins_raw ORDER BY rowid LIMIT 4').fetchall()
    assert typ == "DOUBLE" and values == [(39.1,), (39.5,), (40.3,), (None,)]
    assert raw == [("39.1",), ("39.5",), ("40.3",), ("NA",)]  # the raw table is untouched
    assert at.dataframe[0].value["step"].tolist() == ["Convert Culmen Length (mm) to DOUBLE (numbers written plain)"]
    at.checkbox(key="undo_delete").check()
    at = follow(click(at, "undo"))
    assert at.session_state["table"] == "penguins_raw"
    assert "penguins_raw_v2" not in [t.name for t in workspace().tables()]


def test_invalid_parameter_says_what_is_wrong_and_writes_nothing(app):
    at = open_clean(app, "cars")
    before = {t.name for t in workspace().tables()}
    at.selectbox(key="clean_operation").set_value("fill_missing").run()
    at.multiselect(key="clean_param_fill_missing_columns").set_value(["Miles_per_Gallon"])
    at.selectbox(key="clean_param_fill_missing_strategy").set_value("constant").run()
    at = click(at, "clean_preview_button")
    assert at.error[0].value == "fill\\_missing with strategy=constant needs a value."
    at.selectbox(key="clean_operation").set_value("filter_rows").run()
    at.text_input(key="clean_param_filter_rows_condition").input("Horsepower > (SELECT 100)")
    at = click(at, "clean_preview_button")
    assert "may not contain a query" in at.error[0].value
    assert {t.name for t in workspace().tables()} == before


def test_spelling_clusters_are_ticked_only_when_strong_and_the_recipe_replays(app):
    at = app.run()
    add_paint(at)
    at = open_clean(app, "paint", {"operation": "cluster_spellings", "params": {"column": "colour"}})
    at = click(at, "clean_preview_button")
    state = at.session_state["_clean_preview"][1].step.state
    assert {c["canonical"]: [v for v, _ in c["members"]] for c in state["clusters"]} == {
        "Red": ["Red", " Red", "red"], "Yellow": ["Yellow", "Yelow"]}
    # case and spaces are strong: ticked; one typo of a value only 18 times as frequent is possible: unticked
    proposed = at.dataframe(key="clean_clusters").value
    assert proposed[["accept", "spelling", "canonical", "how sure"]].values.tolist() == [
        [True, " Red", "Red", "strong"], [True, "red", "Red", "strong"], [False, "Yelow", "Yellow", "possible"]]
    assert proposed["why"].tolist() == ["spaces", "case", "a doubled letter, 18× rarer"]
    at = follow(click(at, "clean_apply"))
    made = at.session_state["table"]
    assert made == "paint_v2"
    with workspace().connect() as con:
        assert con.execute(f"SELECT colour, count(*) FROM {made} GROUP BY 1 ORDER BY 1").fetchall() == [
            ("Blue", 1), ("Red", 19), ("Yellow", 18), ("Yelow", 1)]
    at.selectbox(key="replay_on").set_value("paint_test").run()
    at = click(at, "replay")
    assert "'Purple' (1×)" in at.warning[0].value  # new: reported
    assert "written as the known value" in at.warning[0].value and "'RED' (1×)" in at.warning[0].value
    with workspace().connect() as con:
        assert con.execute("SELECT colour FROM paint_test_clean ORDER BY n").fetchall() == [("Red",), ("Purple",)]
    assert [b.label for b in at.get("download_button")] == [
        "Export as DuckDB SQL", "Export as Python script", "Export as Jupyter notebook"]


def test_the_headline_counts_the_values_a_conversion_would_set_to_null(app):
    at = app.run()
    with workspace().connect() as con:
        con.execute("CREATE TABLE houses AS SELECT i AS id, CASE WHEN i < 42 THEN 'P' WHEN i % 5 = 0 THEN 'N' "
                    "ELSE 'Y' END AS paved FROM range(500) t(i)")
        record_table(con, "houses", source_kind="file", operation="import")
    at = click(open_clean(app, "houses", {"operation": "to_boolean", "params": {"column": "paved"}}),
               "clean_preview_button")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Rows before": "500", "Rows after": "500", "Values changed": "0", "Values set to missing": "42"}
    assert at.warning[0].value == "42 values would be set to missing (NULL): see the notes below."
    assert at.info[0].value == "42 values do not convert and would become NULL: 'P' (42×)"


MIX = """SELECT i AS id, CASE WHEN i % 10 = 0 THEN 'N/A' ELSE (i * 1.5)::VARCHAR END AS amount,
    strftime(DATE '2024-01-01' + i::INTEGER, '%d/%m/%Y') AS day, CASE WHEN i % 2 = 0 THEN 'yes' ELSE 'no' END AS flag,
    CASE WHEN i = 3 THEN 'green' WHEN i % 3 = 0 THEN 'Green' ELSE ' Red' END AS colour,
    CASE WHEN i % 7 = 0 THEN NULL WHEN i = 50 THEN 10000.0 ELSE i::DOUBLE END AS x, (i % 5)::DOUBLE AS y
    FROM range(60) r(i)"""

# operation, parameters, (rows of the new table, a query on it, its answer)
EVERY_OPERATION = [
    ("cluster_spellings", {"column": "colour"}, 60, "SELECT count(DISTINCT colour)", 2),
    ("null_values", {"column": "amount"}, 60, "SELECT count(*) FILTER (amount IS NULL)", 6),
    ("to_number", {"column": "amount"}, 60, "SELECT sum(amount)", 2430.0),
    ("to_date", {"column": "day"}, 60, "SELECT max(day)::VARCHAR", "2024-02-29"),
    ("to_boolean", {"column": "flag"}, 60, "SELECT count(*) FILTER (flag)", 30),
    ("trim", {"column": "colour"}, 60, "SELECT count(*) FILTER (colour = 'Red')", 40),
    ("change_case", {"column": "colour", "case": "upper"}, 60, "SELECT count(*) FILTER (colour = 'GREEN')", 20),
    ("replace_values", {"column": "colour", "mapping": {"green": "Green"}}, 60,
     "SELECT count(*) FILTER (colour = 'Green')", 20),
    ("fill_missing", {"columns": ["x"], "strategy": "median"}, 60, "SELECT count(*) FILTER (x IS NULL)", 0),
    ("drop_missing", {"columns": ["x"]}, 51, "SELECT count(*) FILTER (x IS NULL)", 0),
    ("knn_impute", {"columns": ["x", "y"]}, 60, "SELECT count(*) FILTER (x IS NULL)", 0),
    ("iterative_impute", {"columns": ["x", "y"]}, 60, "SELECT count(*) FILTER (x IS NULL)", 0),
    ("outliers", {"column": "x", "action": "remove"}, 59, "SELECT max(x)", 59.0),
    ("outlier_model", {"columns": ["id", "y"], "contamination": "0.05"}, 60, "SELECT count(*) FILTER (outlier)", 3),
    ("drop_columns", {"columns": ["day", "flag"]}, 60, "SELECT count(*) FILTER (id >= 0)", 60),
    ("rename_column", {"column": "x", "new_name": "size"}, 60, "SELECT max(size)", 10000.0),
    ("reorder_columns", {"columns": ["y", "id"]}, 60, "SELECT count(*) FILTER (y = 0)", 12),
    ("filter_rows", {"condition": "id < 10"}, 10, "SELECT max(id)", 9),
    ("drop_duplicates", {"columns": ["y"]}, 5, "SELECT sum(id)", 10),
]  # fmt: skip


@pytest.mark.parametrize("operation, params, rows, query, answer", EVERY_OPERATION, ids=[o[0] for o in EVERY_OPERATION])
def test_every_operation_previews_then_applies(app, operation, params, rows, query, answer):
    at = app.run()
    with workspace().connect() as con:
        con.execute(f"CREATE TABLE mix AS {MIX}")
        record_table(con, "mix", source_kind="file", operation="import")
    at = open_clean(app, "mix", {"operation": operation, "params": params})
    at = click(at, "clean_preview_button")
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert {m.label: m.value for m in at.metric}["Rows after"] == f"{rows:,}"
    assert workspace().tables()[0].name == "mix"  # the preview wrote nothing
    at = click(at, "clean_apply")
    made = at.session_state["_select_next"]
    assert made == "mix_v2"
    with workspace().connect() as con:
        assert con.execute(f"SELECT count(*) FROM {made}").fetchone()[0] == rows
        assert con.execute(f"{query} FROM {made}").fetchone()[0] == answer
