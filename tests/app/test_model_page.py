"""The Model page: task and features, the leaderboard beside the dummy, a model's view, clusters, predict and submit."""

from __future__ import annotations

import json
import os

from workbench import Workspace
from workbench.metadata import record_table

PAGE = "pages/model.py"


def open_model(app, table: str):
    at = app.run()
    at.session_state["table"] = table
    return at.switch_page(PAGE).run()


def workspace() -> Workspace:
    return Workspace(os.environ["WORKBENCH_HOME"])


def test_leaderboard_beside_the_dummy_with_a_model_view(app):
    at = open_model(app, "cars")
    at.selectbox(key="model_target").set_value("Origin").run()
    assert at.markdown[0].value.startswith("**Task: multiclass**, 3 classes · 406 rows with a target")
    at.multiselect(key="model_models").set_value(["dummy", "linear", "random_forest"]).run()
    at.button(key="run_board").click().run()
    assert not at.exception and not at.error
    assert not [b for b in at.button if b.key.startswith("cancel_")]  # fitted: no Cancel left on screen
    board = next(d.value for d in at.dataframe if "beats the dummy" in d.value.columns)
    assert set(board["model"]) == {"Random forest", "Linear (logistic / ridge)", "Dummy baseline"}
    assert list(board["model"])[-1] == "Dummy baseline"  # best first: guessing comes last
    scores = {m: float(a.split(" ± ")[0]) for m, a in zip(board["model"], board["accuracy"])}
    assert 0.60 < scores["Dummy baseline"] < 0.65  # the share of USA cars: what guessing the big class scores
    assert scores["Random forest"] > 0.75
    assert dict(zip(board["model"], board["beats the dummy"]))["Random forest"] == "yes"
    # the opened model: a confusion matrix counting every row once, predicted by a model that never saw it
    figures = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    confusion = next(f for f in figures if f["layout"]["title"]["text"].startswith("Confusion matrix"))
    assert confusion["data"][0]["type"] == "heatmap"
    code = [c.value for c in at.code if "cross_validate" in c.value]
    assert code and "Origin" in code[0]


def test_clusters_without_a_target_and_labels_written(app):
    at = open_model(app, "cars")
    assert at.selectbox(key="model_target").value == "(none: find clusters)"
    at.button(key="run_clusters").click().run()
    assert not at.exception and not at.error
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
    assert titles[0] == "Silhouette by number of clusters (higher is better)"
    assert titles[1].startswith("The rows on their two main directions (PCA)")
    at.button(key="write_labels").click().run()
    made = at.session_state["_select_next"]  # the sidebar makes it current on the next full run
    with workspace().connect() as con:
        sizes = con.execute(f"SELECT count(*), count(DISTINCT cluster) FROM {made}").fetchone()
    assert sizes[0] == 406 and sizes[1] >= 2


def test_predict_and_a_checked_submission(app):
    at = app.run()
    with workspace().connect() as con:
        con.execute("CREATE TABLE cars_test AS SELECT row_number() OVER () AS car_id, * EXCLUDE (Origin) "
                    "FROM cars USING SAMPLE 40 ROWS (reservoir, 3)")
        record_table(con, "cars_test", source_kind="file", operation="import")
        con.execute("CREATE TABLE cars_train AS SELECT row_number() OVER () AS car_id, * FROM cars")
        record_table(con, "cars_train", source_kind="file", operation="import")
    at = open_model(app, "cars_train")
    at.selectbox(key="model_target").set_value("Origin").run()
    at.multiselect(key="model_models").set_value(["dummy", "linear"]).run()
    at.button(key="run_board").click().run()
    at.selectbox(key="predict_on").set_value("cars_test")
    at.selectbox(key="predict_id").set_value("car_id").run()
    at.button(key="predict").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "(40 rows)" in at.success[0].value
    button = at.get("download_button")
    assert button and button[0].proto.label == "Download the submission CSV"


def test_a_table_without_a_usable_target_says_why(app):
    at = app.run()
    with workspace().connect() as con:
        con.execute("CREATE TABLE blank AS SELECT range AS x, NULL::VARCHAR AS y FROM range(30)")
        record_table(con, "blank", source_kind="file", operation="import")
    at = open_model(app, "blank")
    at.selectbox(key="model_target").set_value("y").run()
    assert not at.exception
    assert at.error and "y" in at.error[0].value
