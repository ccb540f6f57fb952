"""Saving and loading a fitted model, predicting on another table, and the Kaggle submission checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.unit.model_tables import mixed, put
from workbench import WorkbenchError, model
from workbench.model.persist import TRUSTED_TYPES


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    from workbench import Workspace

    ws = Workspace(tmp_path_factory.mktemp("model_persist"))
    frame = mixed(300)
    frame.insert(0, "id", np.arange(1000, 1300))
    put(ws, "train", frame.iloc[:240].reset_index(drop=True))
    put(ws, "test", frame.iloc[240:].drop(columns=["y"]).reset_index(drop=True))
    board = model.run(ws, "train", "y", feature_columns=["x", "colour", "city", "when", "flag"])
    return ws, board


@pytest.mark.parametrize("name", ["linear", "knn", "random_forest", "hist_gradient_boosting", "dummy"])
def test_save_and_load_every_model_kind_predicts_identical_values(trained, name):
    ws, board = trained
    fitted = model.fit(board, name)
    ref = model.save(ws, fitted, f"train {name}")
    assert ref["name"] == f"train_{name}" and len(ref["sha256"]) == 64
    assert ref["versions"]["scikit-learn"].startswith("1.")
    back = model.load(ws, f"train_{name}")
    assert back.features == ["x", "flag", "colour", "city", "when"] and back.target == "y"
    assert back.classes == ["no", "yes"] and back.trained_on == "train"
    test = ws.preview("test", 1000)
    from workbench.model.predict import predict_frame

    assert np.array_equal(predict_frame(back, test), predict_frame(fitted, test))
    assert np.allclose(back.pipeline.predict_proba(test), fitted.pipeline.predict_proba(test))


def test_a_changed_file_is_refused(trained):
    ws, board = trained
    model.save(ws, model.fit(board, "linear"), "tampered")
    path = ws.home / "models" / "tampered.skops"
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(WorkbenchError, match="changed after it was saved"):
        model.load(ws, "tampered")


def test_the_trust_list_is_explicit():
    assert "workbench.model.pipeline.ColumnTypes" in TRUSTED_TYPES
    assert not any(t.startswith(("builtins.eval", "os.", "subprocess")) for t in TRUSTED_TYPES)


def test_predictions_table_with_lineage_and_a_valid_submission(trained, tmp_path):
    ws, board = trained
    fitted = model.fit(board, "linear")
    made = model.predict(ws, fitted, "test", id_column="id")
    assert made.rows == 60 and made.operation == "predict" and made.parents == ["test"]
    assert made.source_kind == "step" and made.parameters["target"] == "y"
    frame = ws.preview(made.name, 100)
    assert list(frame.columns) == ["id", "y", "proba_no", "proba_yes"]
    assert frame["id"].tolist() == list(range(1240, 1300))
    put(ws, "sample_submission", pd.DataFrame({"id": range(1240, 1300), "y": "no"}))
    sub = model.submission(ws, made.name, "test", id_column="id", sample_submission="sample_submission")
    assert sub.problems == []
    written = sub.write(tmp_path / "submission.csv")
    assert written.read_text().splitlines()[0] == "id,y" and len(written.read_text().splitlines()) == 61


def test_a_missing_column_names_it_and_writes_nothing(trained):
    ws, board = trained
    fitted = model.fit(board, "dummy")
    put(ws, "short", ws.preview("test", 100).drop(columns=["city"]))
    before = {t.name for t in ws.tables()}
    with pytest.raises(WorkbenchError, match="lacks the column 'city'"):
        model.predict(ws, fitted, "short")
    assert {t.name for t in ws.tables()} == before


def check(frame, sample=None):
    return model.check_submission(frame, id_column="id", target_columns=["y"], test_ids=pd.Series([1, 2, 3]),
                                  sample_header=sample)  # fmt: skip


def test_submission_checks():
    assert check(pd.DataFrame({"id": [3, 1, 2], "y": ["a", "b", "a"]}), ["id", "y"]) == []
    (missing,) = check(pd.DataFrame({"id": [1, 2], "y": ["a", "b"]}))
    assert missing.startswith("1 test ids are missing (e.g. 3)")
    (dup,) = check(pd.DataFrame({"id": [1, 2, 2, 3], "y": ["a", "b", "b", "a"]}))
    assert dup.startswith("1 ids appear more than once (e.g. 2)")
    (hole,) = check(pd.DataFrame({"id": [1, 2, 3], "y": ["a", None, "a"]}))
    assert hole == "1 rows have no prediction in 'y'"
    (header,) = check(pd.DataFrame({"id": [1, 2, 3], "y": ["a", "b", "a"]}), ["Id", "y"])
    assert "does not match the sample submission" in header
    extra = check(pd.DataFrame({"id": [1, 2, 3], "y": ["a", "b", "a"], "proba": [0.1, 0.2, 0.3]}))
    assert extra == ["the columns must be exactly ['id', 'y'], not ['id', 'y', 'proba']"]
    unknown = check(pd.DataFrame({"id": [1, 2, 3, 9], "y": ["a", "b", "a", "b"]}))
    assert unknown == ["1 ids are not in the test table (e.g. 9)"]


def test_a_failing_submission_refuses_to_write(trained, tmp_path):
    ws, board = trained
    made = model.predict(ws, model.fit(board, "dummy"), "test", id_column="id", name="few")
    with ws.connect() as con:
        con.execute(f"DELETE FROM {made.name} WHERE id = 1250")
    sub = model.submission(ws, made.name, "test", id_column="id")
    assert sub.problems == ["1 test ids are missing (e.g. 1250)"]
    with pytest.raises(WorkbenchError, match="would be rejected"):
        sub.write(tmp_path / "s.csv")
    assert not (tmp_path / "s.csv").exists()


@pytest.mark.parametrize(("sql_type", "labels", "written"), [
    ("VARCHAR", ("No", "Yes"), {"No", "Yes"}),  # text labels stay the file's text
    ("VARCHAR", ("0", "1"), {"0", "1"}),  # digits held as text stay text
    ("INTEGER", (0, 1), {"0", "1"}),  # integer labels stay integers: never 0.0 / 1.0
    ("BIGINT", (3, 7), {"3", "7"}),
    ("BOOLEAN", (False, True), {"false", "true"}),  # as DuckDB read them from the file (true/false)
])  # fmt: skip
def test_a_submission_writes_the_labels_as_the_training_column_holds_them(tmp_path, sql_type, labels, written):
    from workbench import Workspace

    ws = Workspace(tmp_path / "ws")
    rng = np.random.default_rng(1)
    x = rng.normal(size=200)
    y = np.where(x + rng.normal(scale=0.5, size=200) > 0, labels[1], labels[0])
    frame = pd.DataFrame({"id": np.arange(200), "x": x, "y": y})
    put(ws, "raw_train", frame.iloc[:150])
    put(ws, "raw_test", frame.iloc[150:].drop(columns="y"))
    with ws.connect() as con:  # the training column as the import typed it
        con.execute(f"CREATE TABLE train AS SELECT id, x, CAST(y AS {sql_type}) AS y FROM raw_train")
        con.execute("CREATE TABLE test AS SELECT * FROM raw_test")
        con.execute(f"CREATE TABLE sample AS SELECT id, CAST({labels[0]!r} AS {sql_type}) AS y FROM raw_test")
        for name in ("train", "test", "sample"):
            model_tables_record(con, name)
    board = model.run(ws, "train", "y", models=["linear"], feature_columns=["x"])
    made = model.predict(ws, model.fit(board, "linear"), "test", id_column="id")
    with ws.connect() as con:
        types = dict(con.execute(f"SELECT column_name, data_type FROM information_schema.columns "
                                 f"WHERE table_name = '{made.name}'").fetchall())  # fmt: skip
    assert types["y"] == sql_type  # the prediction has the training column's type
    sub = model.submission(ws, made.name, "test", id_column="id", sample_submission="sample")
    lines = sub.csv().decode().splitlines()
    assert lines[0] == "id,y"
    assert {line.split(",")[1] for line in lines[1:]} == written


def model_tables_record(con, name: str) -> None:
    from workbench.metadata import record_table

    record_table(con, name, source_kind="file", operation="import")


def _sentinel_tables(ws) -> str:
    """A raw train with -999 standing for unknown sizes, a cleaned version (the codes set to NULL), and a raw
    test with the same columns; returns the cleaned table's name."""
    from workbench import clean

    rng = np.random.default_rng(2)
    size = rng.uniform(50, 250, 260).round()
    price = size * 1000 + rng.normal(scale=2000, size=260)
    size[rng.choice(260, 40, replace=False)] = -999
    frame = pd.DataFrame({"id": np.arange(260), "size": size, "price": price})
    put(ws, "houses_raw", frame.iloc[:200])
    put(ws, "houses_test", frame.iloc[200:].drop(columns="price"))
    return clean.apply(ws, "houses_raw", clean.make("null_values", column="size", values=[-999])).name


def test_a_raw_table_to_predict_gets_the_recipe_proposed_with_why(tmp_path):
    from workbench import Workspace
    from workbench.clean import recipe

    ws = Workspace(tmp_path / "ws")
    cleaned = _sentinel_tables(ws)
    advice = model.recipe_advice(ws, cleaned, "houses_test", "price")
    assert advice == (
        f"'houses_test' looks raw: it has the columns of 'houses_raw', and the model learnt from {cleaned!r}, which 1 "
        "cleaning step made from 'houses_raw'. Without the recipe the model predicts from values those steps would "
        "have changed (values it never saw in training), and those predictions can be wrong; with it, 'houses_test' "
        "is cleaned the same way first.")  # fmt: skip
    replayed = recipe.replay(ws, cleaned, "houses_test").table.name
    assert model.recipe_advice(ws, cleaned, replayed, "price") is None  # already cleaned
    assert model.recipe_advice(ws, "houses_raw", "houses_test", "price") is None  # no recipe to replay
    put(ws, "other", pd.DataFrame({"id": [1], "rooms": [3]}))
    assert model.recipe_advice(ws, cleaned, "other", "price") is None  # not the recipe's columns
    # what it prevents: the raw sentinels reach the model as sizes of -999
    board = model.run(ws, cleaned, "price", models=["linear"], feature_columns=["size"])
    fitted = model.fit(board, "linear")
    raw = ws.preview(model.predict(ws, fitted, "houses_test", id_column="id").name, 100)
    clean_ = ws.preview(model.predict(ws, fitted, replayed, id_column="id").name, 100)
    off = (raw["price"] - clean_["price"]).abs() > 0.01 * clean_["price"].abs()
    test = ws.preview("houses_test", 100)
    assert off.sum() == (test["size"] == -999).sum() > 0


def test_a_model_file_outside_the_workspace_is_refused(trained, tmp_path):
    from workbench.clean import learned
    from workbench.metadata import SCHEMA

    ws, board = trained
    model.save(ws, model.fit(board, "linear"), "moved")
    outside = tmp_path / "elsewhere.skops"
    outside.write_bytes((ws.home / "models" / "moved.skops").read_bytes())  # a valid model, hash and all
    for file in ("../" * 8 + str(outside).lstrip("/"), str(outside), "models/../../elsewhere.skops"):
        with ws.connect() as con:
            con.execute(f"UPDATE {SCHEMA}.models SET file = ? WHERE name = 'moved'", [file])
        with pytest.raises(WorkbenchError) as caught:
            model.load(ws, "moved")
        assert str(caught.value) == (f"Refusing the model 'moved': its file {file!r} is outside the workspace's "
                                     "models/ folder.")  # fmt: skip
        with pytest.raises(WorkbenchError, match="outside the workspace's models/ folder"):
            learned.load(ws.home, {"file": file, "sha256": "0" * 64})
    with ws.connect() as con:
        con.execute(f"UPDATE {SCHEMA}.models SET file = 'models/gone.skops' WHERE name = 'moved'")
    with pytest.raises(WorkbenchError, match="is missing from the workspace"):
        model.load(ws, "moved")


_OPENED: list[str] = []


def _count_opens(event: str, args: tuple) -> None:
    if event == "open" and str(args[0]).endswith("read_once.skops"):
        _OPENED.append(str(args[0]))


def test_a_model_is_loaded_from_the_very_bytes_that_were_hashed(trained):
    import sys

    ws, board = trained
    fitted = model.fit(board, "linear")
    model.save(ws, fitted, "read_once")
    sys.addaudithook(_count_opens)  # real file opens, as the interpreter reports them
    _OPENED.clear()
    back = model.load(ws, "read_once")
    opened = list(_OPENED)
    _OPENED.clear()
    assert len(opened) == 1  # hashed, checked and loaded from one read: nothing swapped in between
    test = ws.preview("test", 100)
    assert np.array_equal(back.pipeline.predict(test[fitted.features]), fitted.pipeline.predict(test[fitted.features]))


def test_a_new_prediction_replaces_the_earlier_one_of_the_same_model_and_table(trained):
    ws, board = trained
    fitted = model.fit(board, "linear")
    first = model.predict(ws, fitted, "test", id_column="id", name="replaced_preds")
    assert model.predict.__module__ == "workbench.model.predict"
    from workbench.model.predict import previous

    assert previous(ws, "linear", "y", "test") == first.name
    assert previous(ws, "knn", "y", "test") is None  # another model: its own table
    before = {t.name for t in ws.tables()}
    again = model.predict(ws, fitted, "test", id_column="id", replace=first.name)
    assert again.name == first.name and {t.name for t in ws.tables()} == before  # no new table piles up
    assert again.operation == "predict" and again.parents == ["test"] and again.rows == 60  # lineage kept
    with pytest.raises(WorkbenchError, match="is not a predictions table made from 'test'"):
        model.predict(ws, fitted, "test", replace="train")
    assert ws.table("train").rows == 240  # refused: nothing dropped
