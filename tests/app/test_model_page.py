"""The Model page: task and features, the leaderboard beside the dummy, a model's view, clusters, predict and submit."""

from __future__ import annotations

import base64
import json
import os
import re

import numpy as np
import pytest
from sklearn.calibration import calibration_curve
from sklearn.datasets import load_breast_cancer
from sklearn.metrics import f1_score

from tests.unit.model_tables import bundled
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
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Download as a notebook", "Download the submission CSV"]


def test_a_table_without_a_usable_target_says_why(app):
    at = app.run()
    with workspace().connect() as con:
        con.execute("CREATE TABLE blank AS SELECT range AS x, NULL::VARCHAR AS y FROM range(30)")
        record_table(con, "blank", source_kind="file", operation="import")
    at = open_model(app, "blank")
    at.selectbox(key="model_target").set_value("y").run()
    assert not at.exception
    assert at.error and "y" in at.error[0].value



def _figure(at, key: str) -> dict:
    """The plotly figure the page drew with `key`, as JSON."""
    return json.loads(next(c for c in at.get("plotly_chart") if c.proto.id.endswith(f"-{key}")).proto.spec)


def _numbers(values) -> np.ndarray:
    """A trace's x or y: plotly sends numpy arrays as base64 ({"dtype", "bdata"}), lists as lists."""
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
    return np.asarray(values, dtype=float)


def test_a_binary_model_view_curves_thresholds_and_importance(app):
    at = app.run()
    bundled(workspace(), "breast_cancer")
    at = open_model(app, "breast_cancer")
    at.selectbox(key="model_target").set_value("target").run()
    at.multiselect(key="model_models").set_value(["dummy", "linear"]).run()
    at.button(key="run_board").click().run()
    assert not at.exception and not at.error
    assert at.selectbox(key="model_open").value == "linear"  # the best model opens first
    oof = at.session_state["_model_board"][1].result("linear").oof
    actual, proba = (oof["actual"] == 1).to_numpy(), oof["proba_1"].to_numpy()

    pr = _figure(at, "precision_recall")
    assert [t["name"] for t in pr["data"]] == [f"fold {i}" for i in range(1, 6)]
    title = pr["layout"]["title"]["text"].replace("<br>", " ")  # wrapped to the chart's width
    average = float(title.split("average precision ")[1].split(" ±")[0])
    assert average > 0.97  # scaled logistic regression ranks breast cancer almost perfectly
    recall, precision = _numbers(pr["data"][0]["x"]), _numbers(pr["data"][0]["y"])
    assert recall[0] == 1.0 and recall[-1] == 0.0 and precision.min() >= 357 / 569 - 0.05

    calibration = _figure(at, "calibration")["data"][0]
    predicted, observed = _numbers(calibration["x"]), _numbers(calibration["y"])
    expected_observed, expected_predicted = calibration_curve(actual, proba, n_bins=10)
    assert predicted == pytest.approx(expected_predicted) and observed == pytest.approx(expected_observed)
    assert observed[0] < 0.05 and observed[-1] > 0.95  # confident predictions come true

    thresholds = _figure(at, "thresholds")
    assert [t["name"] for t in thresholds["data"]] == ["precision", "recall", "f1"]
    line = next(m.value for m in at.markdown if m.value.startswith("The threshold that maximises F1"))
    best = float(line.split("**")[1])
    best_f1, default_f1 = (float(f) for f in re.findall(r"F1 (\d\.\d+)", line))
    every_f1 = [f1_score(actual, proba >= t) for t in np.unique(proba)]  # every threshold the rows allow
    assert best_f1 == pytest.approx(max(every_f1), abs=0.0005) and 0 < best < 1
    assert default_f1 == pytest.approx(f1_score(actual, proba >= 0.5), abs=0.001)
    assert best_f1 >= default_f1 > 0.95
    assert any("fewer, surer positive calls" in c.value for c in at.caption)

    at.button(key="run_importance").click().run()
    assert not at.exception and not at.error
    bars = _figure(at, "importance")["data"][0]
    drops, features = _numbers(bars["x"]), bars["y"]
    assert len(features) == 15 and set(features) <= set(oof.columns) | set(load_breast_cancer().feature_names)
    assert list(drops) == sorted(drops) and drops[-1] > 0  # the largest drop drawn at the top


def test_a_free_text_column_chosen_on_the_page_is_encoded_and_helps(app):
    from tests.unit.model_tables import put, tasting_notes

    at = app.run()
    put(workspace(), "tastings", tasting_notes())
    at = open_model(app, "tastings")
    at.selectbox(key="model_target").set_value("colour").run()
    assert at.multiselect(key="model_text_columns").options == ["notes"]
    at.multiselect(key="model_text_columns").set_value(["notes"]).run()
    at.multiselect(key="model_models").set_value(["dummy", "linear"]).run()
    at.button(key="run_board").click().run()
    assert not at.exception and not at.error
    assert at.session_state["_model_board"][1].features.columns.text == ["notes"]
    board = next(d.value for d in at.dataframe if "beats the dummy" in d.value.columns)
    scores = {m: float(a.split(" ± ")[0]) for m, a in zip(board["model"], board["accuracy"])}
    assert scores["Linear (logistic / ridge)"] > 0.72 > 0.6 > scores["Dummy baseline"]
    assert any("TextEncoder(" in c.value for c in at.code)  # the generated code encodes the text the same way


def _cars_train_and_test() -> None:
    with workspace().connect() as con:
        con.execute("CREATE TABLE cars_test AS SELECT row_number() OVER () AS car_id, * EXCLUDE (Origin) "
                    "FROM cars USING SAMPLE 40 ROWS (reservoir, 3)")
        record_table(con, "cars_test", source_kind="file", operation="import")
        con.execute("CREATE TABLE cars_train AS SELECT row_number() OVER () AS car_id, * FROM cars")
        record_table(con, "cars_train", source_kind="file", operation="import")


def test_predict_uses_the_best_model_not_the_one_opened(app):
    at = app.run()
    _cars_train_and_test()
    at = open_model(app, "cars_train")
    at.selectbox(key="model_target").set_value("Origin").run()
    at.multiselect(key="model_models").set_value(["dummy", "linear", "knn", "random_forest"]).run()
    at.button(key="run_board").click().run()
    board = at.session_state["_model_board"][1]
    best = board.best()
    worse = next(r for r in reversed(board.ranked()) if r.name not in ("dummy", best.name))
    assert worse.mean("accuracy") < best.mean("accuracy")
    at.selectbox(key="model_open").set_value(worse.name).run()  # looking at another model changes nothing
    assert at.selectbox(key="predict_model").value == best.name
    label = at.button(key="predict").proto.label
    spoken = {"random_forest": "the random forest", "linear": "the linear model", "knn": "k-nearest neighbours"}
    assert label == (f"Fit {spoken[best.name]} (the best, accuracy {best.mean('accuracy'):.3f}) on every row "
                     "and predict")
    at.selectbox(key="predict_on").set_value("cars_test").run()
    at.button(key="predict").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    made = workspace().table("cars_test_predictions")
    assert made.parameters["model"] == best.name
    assert at.success[0].value.endswith(f"with {spoken[best.name]}.")
    # another model when the user picks it, and the button says which and what the best is
    at.selectbox(key="predict_model").set_value(worse.name).run()
    assert at.button(key="predict").proto.label.startswith(f"Fit {spoken[worse.name]} (accuracy ")
    assert f"the best is {spoken[best.name]})" in at.button(key="predict").proto.label


def test_the_board_goes_when_the_target_or_a_setting_changes(app):
    at = open_model(app, "cars")
    at.selectbox(key="model_target").set_value("Origin").run()
    at.multiselect(key="model_models").set_value(["dummy", "linear"]).run()
    at.button(key="run_board").click().run()
    assert [s.value for s in at.subheader][0] == "Leaderboard"
    assert at.button(key="predict")  # a board, so Predict is on screen
    at.number_input(key="model_folds").set_value(3).run()  # another setting: that board no longer answers it
    assert "Leaderboard" not in [s.value for s in at.subheader]
    assert "_model_board" not in at.session_state
    assert not [b for b in at.button if b.key == "predict"]
    at.number_input(key="model_folds").set_value(5).run()  # and it does not come back
    assert "Leaderboard" not in [s.value for s in at.subheader]
    at.button(key="run_board").click().run()
    assert [s.value for s in at.subheader][0] == "Leaderboard"
    at.selectbox(key="model_target").set_value("Cylinders").run()  # another target
    assert "Leaderboard" not in [s.value for s in at.subheader]
    assert not [b for b in at.button if b.key == "predict"]


def test_too_few_rows_per_class_is_said_before_any_fit(app):
    import pandas as pd

    from tests.unit.model_tables import put

    at = app.run()
    put(workspace(), "pools", pd.DataFrame({"area": np.arange(7.0), "quality": ["Ex", "Ex", "Gd", "Gd", "Fa", "Fa",
                                                                                  "TA"]}))  # fmt: skip
    at = open_model(app, "pools")
    at.selectbox(key="model_target").set_value("quality").run()
    assert not at.exception
    assert at.error[0].value.startswith("Too few rows per class to cross-validate: 1 of the 4 classes has a single "
                                        "row ('TA')")  # fmt: skip
    assert not [b for b in at.button if b.key == "run_board"]  # refused, not fitted into a board of failures


def test_a_failed_model_shows_why_on_the_board(app):
    import pandas as pd

    from tests.unit.model_tables import put

    at = app.run()
    put(workspace(), "pools", pd.DataFrame({"area": np.arange(8.0), "quality": ["Ex", "Ex", "Gd", "Gd", "Fa", "Fa",
                                                                                  "TA", "TA"]}))  # fmt: skip
    at = open_model(app, "pools")
    at.selectbox(key="model_target").set_value("quality").run()
    at.multiselect(key="model_models").set_value(["dummy", "knn"]).run()
    at.button(key="run_board").click().run()
    board = next(d.value for d in at.dataframe if "beats the dummy" in d.value.columns)
    why = dict(zip(board["model"], board["why it did not finish"]))
    assert why["Dummy baseline"] == ""
    assert why["k-nearest neighbours"].endswith("it compares each row with its 15 nearest training rows, and this "
                                                "fold has only 4 to learn from")  # fmt: skip


def price_board(app):
    """A board (dummy and linear) predicting `price` on a cleaned table whose raw twin holds -999 codes: the page,
    and the cleaned table's name."""
    from tests.unit.test_model_persist_predict import _sentinel_tables

    app.run()  # the app's first run seeds the workspace the tables are added to
    cleaned = _sentinel_tables(workspace())
    at = open_model(app, cleaned)
    at.selectbox(key="model_target").set_value("price").run()
    at.multiselect(key="model_models").set_value(["dummy", "linear"]).run()
    at.button(key="run_board").click().run()
    return at, cleaned


def test_a_raw_table_to_predict_is_cleaned_first_by_default_and_says_why(app):
    at, cleaned = price_board(app)
    at.selectbox(key="predict_on").set_value("houses_test").run()
    box = at.checkbox(key="predict_replay:houses_test")
    assert box.value is True  # proposed by default
    assert any(c.value.startswith("'houses\\_test' looks raw") for c in at.caption)
    box.uncheck().run()
    assert at.warning[-1].value.startswith("'houses\\_test' looks raw")  # unticked: what happens without it
    assert "those predictions can be wrong" in at.warning[-1].value
    at.checkbox(key="predict_replay:houses_test").check().run()
    at.selectbox(key="predict_id").set_value("id").run()
    at.button(key="predict").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    wrote = re.match(r"Wrote (\S+) \(60 rows\)", at.success[0].value.replace("\\_", "_"))
    made = workspace().table(wrote.group(1))
    assert made.parents != ["houses_test"]  # predicted on the cleaned copy
    with workspace().connect() as con:
        assert con.execute(f"SELECT count(*) FROM {made.name} WHERE price < 0").fetchone() == (0,)
    # a table that is already a cleaned version: nothing proposed
    at.run()
    at.selectbox(key="predict_on").set_value(made.parents[0]).run()
    assert at.checkbox(key=f"predict_replay:{made.parents[0]}").value is False


def test_compare_the_versions_runs_bounded_with_its_note(app):
    at, cleaned = price_board(app)
    at.button(key="compare_versions").click().run()
    assert not at.exception and not at.error
    shown = next(d.value for d in at.dataframe if "version" in d.value.columns)
    assert list(shown["version"]) == ["houses_raw", cleaned]
    assert list(shown["model"]) == ["Linear (logistic / ridge)"] * 2
    raw, clean_ = (float(v.split(" ± ")[0]) for v in shown["r2"])
    assert raw < clean_
    assert any(c.value.startswith("each version is scored with the linear model only") for c in at.caption)


def test_a_yes_no_target_draws_the_roc_of_yes_and_titles_wrap(app):
    import pandas as pd

    from tests.unit.model_tables import put

    rng = np.random.default_rng(5)
    x = rng.normal(size=300)
    churn = np.where(x + rng.normal(scale=0.8, size=300) > 0.8, "Yes", "No")  # Yes is the smaller class
    at = app.run()
    put(workspace(), "churn", pd.DataFrame({"tenure": x, "Churn": churn}))
    at = open_model(app, "churn")
    at.selectbox(key="model_target").set_value("Churn").run()
    at.multiselect(key="model_models").set_value(["dummy", "linear"]).run()
    at.button(key="run_board").click().run()
    assert not at.exception and not at.error
    roc = _figure(at, "roc")
    assert [t["name"] for t in roc["data"]] == ["Yes against the rest", "guessing"]  # not "No against the rest"
    for key in ("confusion", "precision_recall", "roc", "calibration"):
        title = _figure(at, key)["layout"]["title"]["text"]
        assert all(len(line) <= 56 for line in title.split("<br>")), title
    confusion = _figure(at, "confusion")["layout"]
    assert confusion["title"]["text"] == ("Confusion matrix (rows: actual, columns: predicted),<br>every row "
                                          "predicted by a model that never saw it")  # fmt: skip
    assert confusion["margin"]["t"] == 26 + 24 * 2  # room for both lines


def test_predicting_again_replaces_the_earlier_predictions_by_default(app):
    at = app.run()
    _cars_train_and_test()
    at = open_model(app, "cars_train")
    at.selectbox(key="model_target").set_value("Origin").run()
    at.multiselect(key="model_models").set_value(["dummy", "linear"]).run()
    at.button(key="run_board").click().run()
    at.selectbox(key="predict_on").set_value("cars_test").run()
    assert not [c for c in at.checkbox if c.key == "predict_replace"]  # nothing to replace yet
    at.button(key="predict").click().run()
    tables = {t.name for t in workspace().tables()}
    at.run()
    box = at.checkbox(key="predict_replace")
    assert box.value is True and box.label == ("Replace cars_test_predictions, the earlier predictions of this "
                                               "model on cars_test")  # fmt: skip
    at.button(key="predict").click().run()
    assert not at.exception and not at.error
    assert {t.name for t in workspace().tables()} == tables  # replaced, not piled up
    at.checkbox(key="predict_replace").uncheck().run()
    at.button(key="predict").click().run()
    assert {t.name for t in workspace().tables()} - tables == {"cars_test_predictions_2"}


def test_a_time_ordered_table_validates_in_time_order_and_draws_its_folds(app):
    from benchmarks.validation import sales
    from tests.unit.model_tables import put

    put(workspace(), "daily_sales", sales(days=400))
    at = open_model(app, "daily_sales")
    at.selectbox(key="model_target").set_value("sales").run()
    said = [i.value for i in at.info]
    assert any(s.startswith("**Validation: 5 folds in time order by 'day', gap 0.** The rows are ordered in time")
               for s in said)  # fmt: skip
    at.multiselect(key="model_models").set_value(["dummy", "linear", "random_forest"]).run()
    at.button(key="run_board").click().run()
    assert not at.exception and not at.error
    warnings = [w.value for w in at.warning]
    assert any(w.startswith("The rows are ordered in time: validating on later rows than those fitted; shuffled "
                            "folds would report R² 0.9") for w in warnings)  # fmt: skip
    figures = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    folds = next(f for f in figures if f["layout"]["title"]["text"].startswith("The folds along day"))
    assert [d["name"] for d in folds["data"]] == ["training", "validation"] and len(folds["data"][0]["y"]) == 5
    baselines = next(d.value for d in at.dataframe if "baseline" in d.value.columns)
    assert list(baselines["baseline"]) == ["Naive forecast", "Seasonal naive forecast", "Mean forecast"]
    assert "mase" in baselines.columns
    notebook = at.get("download_button")
    assert any(getattr(b.proto, "label", "") == "Download as a notebook" for b in notebook)
