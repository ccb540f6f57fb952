"""The Data page: overview, preview, upload (good and bad files), rename, delete, a locked workspace."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

from tests.app.conftest import rerun
from workbench import Workspace
from workbench.settings import LIMITS
from workbench.words import TERMS

DATA = "pages/data.py"


def plain(text: str) -> str:
    """A message as the user reads it: markdown escapes removed."""
    return text.replace("\\", "")


def test_fresh_workspace_opens_on_the_samples(app):
    at = app.run()
    # the sidebar's picker lists every table, alphabetically, and starts on the first
    picker = at.selectbox(key="table")
    assert picker.options == ["cars", "febrl_people", "movielens", "penguins_raw", "wine"]
    assert picker.value == "cars"
    at = at.switch_page(DATA).run()
    assert not at.exception
    assert at.subheader[0].value == "5 tables in the workspace"
    overview = at.dataframe[0].value
    assert sorted(overview["table"]) == ["cars", "febrl_people", "movielens", "penguins_raw", "wine"]
    assert dict(zip(overview["table"], overview["rows"])) == {"cars": 406, "febrl_people": 1000, "movielens": 100_004,
                                                                "penguins_raw": 344, "wine": 178}
    assert set(overview["source"]) == {"sample: cars.json", "sample: febrl_people.csv", "sample: movielens.parquet",
                                      "sample: penguins_raw.csv", "sample: wine.csv"}
    explained = json.loads(at.dataframe[0].proto.columns)
    assert explained["parents"]["help"] == TERMS["parents"] and explained["rejected"]["help"] == TERMS["rejected"]


def test_preview_shows_schema_and_first_rows_of_the_current_table(app):
    at = rerun(app.run(), DATA)
    at.session_state["table"] = "penguins_raw"
    at = rerun(at, DATA)
    assert at.subheader[1].value == "`penguins_raw`"
    schema = at.dataframe[1].value
    assert len(schema) == 17
    assert schema["column"][0] == "studyName"
    preview = at.dataframe[2].value
    assert len(preview) == 100
    assert preview["Species"][0] == "Adelie Penguin (Pygoscelis adeliae)"


def test_upload_imports_and_reports_rejected_lines(app):
    at = rerun(app.run(), DATA)
    content = b"name,score\nann,1\nbob,2,extra\ncid,3\n"
    at.file_uploader(key="uploads").upload("Scores (v2).csv", content, "text/csv")
    at.run()
    at.button(key="import").click()
    at = rerun(at.run(), DATA)
    assert not at.exception
    assert at.subheader[0].value == "6 tables in the workspace"
    assert "`scores_v2`: 2 rows × 2 columns" in at.success[0].value
    assert "1 malformed line was set aside" in at.warning[0].value
    assert at.session_state["table"] == "scores_v2"  # the new table is the current one
    rejects = at.dataframe[-1].value
    assert list(rejects["line"]) == [3]
    assert rejects["error"][0] == "TOO MANY COLUMNS"
    assert rejects["raw line"][0] == "bob,2,extra"


def test_an_upload_is_streamed_to_disk_not_taken_whole(app, monkeypatch):
    from workbench import uploads

    handed = []
    real = uploads.save_upload

    def spy(ws, name, content):
        handed.append(type(content).__name__)
        return real(ws, name, content)

    monkeypatch.setattr(uploads, "save_upload", spy)  # the page imports it on every run
    at = rerun(app.run(), DATA)
    at.file_uploader(key="uploads").upload("streamed.csv", b"a,b\n1,2\n3,4\n", "text/csv")
    at.run()
    at.button(key="import").click()
    at = rerun(at.run(), DATA)
    assert not at.exception
    assert "`streamed`: 2 rows × 2 columns" in at.success[0].value
    assert handed == ["UploadedFile"]  # the file object, read in chunks: not its bytes taken whole


def test_a_bad_file_shows_an_error_and_imports_nothing(app):
    at = rerun(app.run(), DATA)
    at.file_uploader(key="uploads").upload("broken.json", b'[{"a": 1}, {"a": ', "application/json")
    at.run()
    at.button(key="import").click()
    at.run()
    assert not at.exception
    assert "Could not import broken.json: Invalid Input Error: Malformed JSON" in plain(at.error[0].value)
    assert at.subheader[0].value == "5 tables in the workspace"


def _rename(app, table: str, new_name: str):
    """Pick `table` in the sidebar, type `new_name` and press Rename; the app after it."""
    at = rerun(app.run(), DATA)
    at.session_state["table"] = table
    at = rerun(at, DATA)
    at.text_input(key="new_name").input(new_name)
    at.run()
    at.button(key="rename").click()
    return at.run()


def test_rename_keeps_the_table_current(app):
    at = _rename(app, "cars", "Autos 1970s")
    assert "Renamed `cars` to `autos_1970s`." in at.success[0].value
    assert rerun(at, DATA).session_state["table"] == "autos_1970s"
    assert "cars" not in list(at.dataframe[0].value["table"])


def test_rename_to_an_existing_name_is_refused(app):
    at = _rename(app, "cars", "penguins_raw")
    assert "already exists" in at.error[0].value
    assert rerun(at, DATA).session_state["table"] == "cars"


def test_delete_warns_about_dependent_tables(app, tmp_path, monkeypatch):
    at = rerun(app.run(), DATA)
    ws = Workspace()
    with ws.connect() as con, ws.transaction(con):
        ws.create_table_as(con, "cars_clean", "SELECT * FROM cars WHERE Horsepower IS NOT NULL",
                           source_kind="step", operation="drop_missing", parents=["cars"])
    at.session_state["table"] = "cars"
    at = rerun(at, DATA)
    at.toggle(key="confirm_delete").set_value(True)
    at.run()
    assert "1 table was made from `cars`: `cars_clean`." in at.warning[0].value
    at.button(key="delete").click()
    at.run()
    assert "Deleted `cars`." in at.success[0].value
    assert "cars" not in list(at.dataframe[0].value["table"])
    assert [t.name for t in ws.tables()].count("cars_clean") == 1


def test_locked_workspace_shows_a_clear_error(app, monkeypatch):
    at = rerun(app.run(), DATA)
    ws = Workspace()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ok', flush=True); "
         "time.sleep(30)", str(ws.db_path)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "ok"
        monkeypatch.setattr("workbench.settings.LIMITS", replace(LIMITS, lock_timeout=0.5))
        at = rerun(at)  # the whole app, as a browser opens it: the frame turns the failure into a message
        assert not at.exception
        assert "is busy: another process is using workbench.duckdb" in plain(at.error[0].value)
        assert f"PID {holder.pid}" in at.error[0].value
    finally:
        holder.kill()
        holder.wait()


def test_provenance_reads_as_sentences_and_a_small_table(app):
    at = rerun(app.run(), DATA)
    ws = Workspace()  # WORKBENCH_HOME: the app's workspace
    with ws.connect() as con, ws.transaction(con):
        ws.create_table_as(con, "japan", "SELECT * FROM cars WHERE Origin = 'Japan'", source_kind="sql",
                           operation="sql query", parents=["cars"])  # fmt: skip
    at.session_state["table"] = "japan"
    at = rerun(at, DATA)
    assert not at.exception and not at.json
    overview = at.dataframe[0].value
    assert overview.loc[overview["table"] == "japan", "source"].tolist() == ["SQL query of cars"]
    story = next(m.value for m in at.markdown if m.value.startswith("Made by"))
    assert story.startswith("Made by a SQL query over `cars`. Created ") and "79 rows × 9 columns." in story
    assert at.code[-1].value.startswith('CREATE TABLE "japan" AS SELECT')
    at.session_state["table"] = "cars"
    at = rerun(at, DATA)
    story = next(m.value for m in at.markdown if m.value.startswith("Imported"))
    assert story.startswith("Imported from the sample file `cars.json`. Created ")
    facts = next(df.value for df in at.dataframe if list(df.value.columns) == ["detail", "value"])
    assert dict(zip(facts["detail"], facts["value"]))["format"] == "json"


def test_a_table_added_from_python_appears_at_the_next_rerun_with_its_story(app):
    import pandas as pd

    import workbench

    at = app.run()
    assert "from_notebook" not in at.selectbox(key="table").options
    notebook = workbench.open()  # WORKBENCH_HOME: the app's workspace, as a notebook beside the app opens it
    notebook.add(pd.DataFrame({"wine": ["Merlot", "Syrah"], "score": [88, 91]}), "from notebook")
    at = rerun(at)
    assert "from_notebook" in at.selectbox(key="table").options
    at.session_state["table"] = "from_notebook"
    at = rerun(at, DATA)
    assert not at.exception
    story = next(m.value for m in at.markdown if m.value.startswith("Added from Python"))
    assert story.startswith(f"Added from Python by `{__file__}`. Created ") and "2 rows × 2 columns." in story
