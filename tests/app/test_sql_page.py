"""The SQL page in AppTest: run, error, parameters, EXPLAIN, writes, export, saved queries, history, time limit.

The editor is a custom component: AppTest shows it as `component_instance`, and a Ctrl+Enter
is simulated by setting its value (a "submit" event) in the session state.
"""

from __future__ import annotations

import itertools

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP
from workbench import Workspace
from workbench.words import TERMS

_ids = itertools.count()


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """One workspace for this module's tests (seeded once): each writes only tables of its own."""
    return tmp_path_factory.mktemp("sql_page_ws")


@pytest.fixture
def sql_page(home, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(home))
    monkeypatch.setenv("WORKBENCH_QUERIES", str(tmp_path / "queries"))
    at = AppTest.from_file(APP, default_timeout=60).run()
    return at.switch_page("pages/sql.py").run()


def submit(at, text: str):
    """Type `text` in the editor and press Ctrl+Enter."""
    key = f"sql_editor_{at.session_state['sql_editor_version']}"
    at.session_state[key] = {"id": f"e{next(_ids)}", "type": "submit", "lang": "sql", "text": text,
                             "selected": "", "cursor": ""}  # fmt: skip
    at.run()
    assert not at.exception
    return at


def captions(at) -> str:
    return "\n".join(c.value for c in at.caption)


def test_the_page_renders_the_editor_and_the_schema(sql_page):
    at = sql_page
    assert not at.exception
    assert at.get("component_instance")[0].proto.component_name == "code_editor.code_editor"
    labels = [e.label for e in at.expander]
    assert any(label.startswith("cars · 406 rows") for label in labels)
    assert [c.proto.help for c in at.caption if "sandbox" in c.value] == [TERMS["sandbox"]]
    assert at.toggle(key="sql_write").help.endswith("Lineage: " + TERMS["lineage"])


def test_run_shows_the_rows_the_total_and_a_chart(sql_page):
    at = submit(sql_page, "SELECT Origin, count(*) AS n FROM cars GROUP BY ALL ORDER BY Origin")
    assert not at.exception and not at.error
    assert at.dataframe[0].value.to_dict("list") == {"Origin": ["Europe", "Japan", "USA"], "n": [73, 79, 254]}
    assert "**3 rows**" in captions(at)
    assert "sql_cancel" not in {b.key for b in at.button}  # the query finished: no Cancel left on screen
    assert at.selectbox(key="sql_chart_kind").value == "bar"
    spec = at.get("plotly_chart")[0].proto.spec
    assert '"type":"bar"' in spec.replace(" ", "")


def test_the_row_cap_shows_the_true_total(sql_page):
    at = sql_page
    at.number_input(key="sql_max_rows").set_value(50)
    at = submit(at, "SELECT range AS i FROM range(123456)")
    assert len(at.dataframe[0].value) == 50
    assert "**123,456 rows** · showing the first 50" in captions(at)


def test_errors_show_duckdbs_message_and_the_sandbox_refuses(sql_page):
    at = submit(sql_page, "SELECT Nmae FROM cars")
    assert "Nmae" in at.error[0].value and "LINE 1" in at.code[-1].value
    at = submit(at, "SELECT * FROM read_text('/etc/passwd')")
    assert "sandbox" in at.error[0].value and not at.dataframe
    at = submit(at, "DROP TABLE cars")
    assert "read-only" in at.error[0].value


def test_parameters_become_inputs_and_are_bound(sql_page):
    at = submit(sql_page, "SELECT count(*) AS n FROM cars WHERE Origin = $origin")
    assert "$origin" in at.error[0].value  # no value yet
    at.text_input(key="sql_param_origin").input("Japan")
    at = submit(at, "SELECT count(*) AS n FROM cars WHERE Origin = $origin")
    assert at.dataframe[0].value["n"].tolist() == [79]


def test_explain_is_shown_as_a_plan(sql_page):
    at = submit(sql_page, "EXPLAIN SELECT * FROM cars WHERE Cylinders > 4")
    assert any("Filters" in c.value for c in at.code) and not at.dataframe


def test_writes_need_the_toggle_and_record_lineage(sql_page, home):
    at = submit(sql_page, "CREATE TABLE japan AS SELECT * FROM cars WHERE Origin = 'Japan'")
    assert "read-only" in at.error[0].value
    at.toggle(key="sql_write").set_value(True)
    at = submit(at, "CREATE TABLE japan AS SELECT * FROM cars WHERE Origin = 'Japan'")
    assert not at.error and any("Created table" in s.value for s in at.success)
    info = Workspace(home).table("japan")
    assert info.rows == 79 and info.parents == ["cars"] and info.source_kind == "sql"


def test_export_and_save_as_table(sql_page, home):
    at = submit(sql_page, "SELECT range AS i FROM range(20000)")
    at.button(key="sql_export").click().run()
    assert any("20,000 rows written" in s.value for s in at.success)
    exported = list((home / "exports").glob("query-*.csv"))
    assert len(exported) == 1 and len(exported[0].read_text().splitlines()) == 20001
    assert at.get("download_button")
    assert at.button(key="sql_save_table").disabled  # writes are off
    at.toggle(key="sql_write").set_value(True)
    at.text_input(key="sql_table_name").input("twenty thousand")
    at.run().button(key="sql_save_table").click().run()
    assert Workspace(home).table("twenty_thousand").rows == 20000


def test_saved_queries_save_open_rename_delete(sql_page, tmp_path):
    folder = tmp_path / "queries"
    at = submit(sql_page, "SELECT 'saved' AS s")
    at.text_input(key="sql_save_name").input("my query").run()
    at.button(key="sql_save").click().run()
    assert (folder / "my_query.sql").read_text() == "SELECT 'saved' AS s\n"
    at = submit(at, "SELECT 'something else'")
    at.selectbox(key="sql_saved_choice").select("my_query").run()
    version = at.session_state["sql_editor_version"]
    at.button(key="sql_saved_open").click().run()
    assert at.session_state["sql_text"] == "SELECT 'saved' AS s\n"
    assert at.session_state["sql_editor_version"] == version + 1
    at.selectbox(key="sql_saved_choice").select("my_query").run()
    at.text_input(key="sql_saved_new_name").input("renamed").run()
    at.button(key="sql_saved_rename").click().run()
    assert [p.name for p in folder.iterdir()] == ["renamed.sql"]
    assert any("Renamed" in s.value for s in at.success)
    at.button(key="sql_saved_delete").click().run()
    assert list(folder.iterdir()) == [] and not at.exception


def test_history_lists_runs_and_reruns_them(sql_page):
    at = submit(sql_page, "SELECT 'first' AS w")
    at = submit(at, "SELECT * FROM no_such_table")
    at.text_input(key="sql_history_search").input("first").run()
    reruns = [b for b in at.button if b.key and b.key.startswith("sql_hist_run_")]
    assert len(reruns) == 1
    reruns[0].click().run()
    assert not at.error and at.dataframe[0].value["w"].tolist() == ["first"]


def test_the_time_limit_stops_a_long_query_and_the_next_runs(sql_page):
    at = sql_page
    at.number_input(key="sql_timeout").set_value(1.0)
    at = submit(at, "SELECT count(*) FROM range(100000000000)")
    assert "time limit (1 s)" in at.warning[0].value
    at = submit(at, "SELECT 7 AS seven")
    assert at.dataframe[0].value["seven"].tolist() == [7]


def test_an_interrupted_run_is_reported(sql_page):
    """A Cancel click reruns the script while the query runs; the engine stops it (tested in
    tests/unit/test_sql_engine.py) and the next run says so."""
    at = sql_page
    at.session_state["sql_running"] = True
    at.run()
    assert "stopped before it finished" in at.warning[0].value


def test_the_schema_browser_runs_a_table_and_inserts_names(sql_page):
    at = sql_page
    at.button(key="sql_select_cars").click().run()
    assert at.session_state["sql_text"] == "SELECT * FROM cars LIMIT 100"
    assert len(at.dataframe[0].value) == 100 and "**100 rows**" in captions(at)
    at.button_group(key="sql_cols_cars").set_value("Miles_per_Gallon").run()
    assert at.session_state["sql_text"] == "SELECT * FROM cars LIMIT 100 Miles_per_Gallon"
    at.button(key="sql_name_penguins_raw").click().run()
    assert at.session_state["sql_text"].endswith("Miles_per_Gallon penguins_raw")
    at.button_group(key="sql_cols_penguins_raw").set_value("Body Mass (g)").run()
    assert at.session_state["sql_text"].endswith('penguins_raw "Body Mass (g)"')


def test_every_type_shows_without_a_traceback(sql_page):
    at = submit(sql_page, "SELECT 'infinity'::DATE AS d, INTERVAL 1 DAY AS i, '\\x00\\xFF'::BLOB AS b, 'nan'::DOUBLE")
    assert not at.error
    assert at.dataframe[0].value.iloc[0].tolist()[:3] == ["infinity", "1 day", "\\x00\\xFF"]


def test_a_count_agrees_with_its_noun(sql_page):
    at = submit(sql_page, "SELECT 42 AS answer")
    assert "**1 row** · " in captions(at)


def test_the_starting_query_reads_the_current_table_until_it_is_edited(home, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(home))
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.session_state["table"] = "penguins_raw"
    at = at.switch_page("pages/sql.py").run()
    assert at.session_state["sql_text"].splitlines()[-1] == "SELECT * FROM penguins_raw LIMIT 100"
    at.session_state["table"] = "febrl_people"
    at.run()
    assert at.session_state["sql_text"].splitlines()[-1] == "SELECT * FROM febrl_people LIMIT 100"
    at = submit(at, "SELECT 1 AS mine")
    at.session_state["table"] = "cars"
    at.run()
    assert at.session_state["sql_text"] == "SELECT 1 AS mine"


def test_the_settings_survive_a_page_switch(sql_page):
    """SQL -> Data -> SQL kept the draft but reset the time limit to 30 s (Streamlit forgets a widget's
    value once a run draws another page), so a query the user allowed 300 s was stopped at 30."""
    at = sql_page
    at.number_input(key="sql_timeout").set_value(300.0).run()
    at.number_input(key="sql_max_rows").set_value(25).run()
    at.toggle(key="sql_write").set_value(True).run()
    at.switch_page("pages/data.py").run()
    assert not at.exception and at.title[0].value == "Data"
    at.switch_page("pages/sql.py").run()
    assert not at.exception
    assert at.number_input(key="sql_timeout").value == 300.0
    assert at.number_input(key="sql_max_rows").value == 25
    assert at.toggle(key="sql_write").value is True
    submit(at, "SELECT range AS i FROM range(100)")
    assert "showing the first 25" in captions(at)
