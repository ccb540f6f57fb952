"""The Clean page: Fix from Explore, preview, apply, invalid parameters, clusters, undo, replay, export."""

from __future__ import annotations

import os

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
                    "('Green', 5), ('Green', 6), ('Green', 7), ('Grren', 8), ('Blue', 9)) v(colour, n)")
        for i in range(10, 40):
            con.execute("INSERT INTO paint VALUES (?, ?)", ["Red" if i % 2 else "Green", i])
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
    assert metrics == {"Rows before": "344", "Rows after": "344", "Values changed": "0"}
    assert any("VARCHAR → DOUBLE: 0 values changed, 2 became missing" in m.value for m in at.markdown)
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


def test_spelling_clusters_are_edited_before_apply_and_the_recipe_replays(app):
    at = app.run()
    add_paint(at)
    at = open_clean(app, "paint", {"operation": "cluster_spellings", "params": {"column": "colour"}})
    at = click(at, "clean_preview_button")
    state = at.session_state["_clean_preview"][1].step.state
    assert {c["canonical"]: [v for v, _ in c["members"]] for c in state["clusters"]} == {
        "Red": ["Red", " Red", "red"], "Green": ["Green", "Grren"]}
    at = follow(click(at, "clean_apply"))
    made = at.session_state["table"]
    assert made == "paint_v2"
    with workspace().connect() as con:
        assert con.execute(f"SELECT colour, count(*) FROM {made} GROUP BY 1 ORDER BY 1").fetchall() == [
            ("Blue", 1), ("Green", 19), ("Red", 19)]
    at.selectbox(key="replay_on").set_value("paint_test").run()
    at = click(at, "replay")
    assert "'RED' (1×)" in at.warning[0].value and "'Purple' (1×)" in at.warning[0].value
    assert [b.label for b in at.get("download_button")] == [
        "Export as DuckDB SQL", "Export as Python script", "Export as Jupyter notebook"]
