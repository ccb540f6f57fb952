"""The opt-in free-text encoder: a chosen text column encoded by its words, learnt inside each fold, reproduced
by the generated code, saved and loaded, and asked for from the command line."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tests.unit.model_tables import put, tasting_notes
from tests.unit.test_model_cli import run_cli
from tests.unit.test_model_explain import run_code
from workbench import WorkbenchError, Workspace, model
from workbench.model.pipeline import TextEncoder
from workbench.model.predict import predict_frame


@pytest.fixture(scope="module")
def boards(tmp_path_factory):
    ws = Workspace(tmp_path_factory.mktemp("model_text"))
    put(ws, "notes", tasting_notes())
    plain = model.run(ws, "notes", "colour", models=["dummy", "linear"])
    text = model.run(ws, "notes", "colour", models=["dummy", "linear"], text_columns=["notes"])
    return ws, plain, text


def test_a_chosen_free_text_column_is_encoded_by_its_words_and_carries_the_answer(boards):
    _, plain, text = boards
    assert plain.features.excluded["notes"].startswith("free text") and plain.features.used == ["acidity"]
    assert text.features.columns.text == ["notes"] and "notes" not in text.features.excluded
    assert text.features.used == ["acidity", "notes"]
    assert plain.result("linear").mean("accuracy") < 0.6  # acidity alone: about the dummy's 0.54
    assert text.result("linear").mean("accuracy") > 0.72  # 4 notes in 5 name words of their colour
    assert text.result("linear").mean("roc_auc") > 0.8 and text.beats_dummy("linear")


def test_the_words_are_learnt_from_each_folds_training_rows_only(boards):
    ws, _, text = boards
    frame = tasting_notes()
    frame["notes"] = [f"{n} note{i}" if n else None for i, n in enumerate(frame["notes"])]  # a word per row
    put(ws, "tagged", frame)
    board = model.run(ws, "tagged", "colour", models=["dummy"], text_columns=["notes"])
    train, test = board.splits[0]
    fitted = board.pipeline("linear").fit(board.X.iloc[train], board.y[train])
    vocabulary = set(fitted["prep"].named_transformers_["text0"]["words"].tfidf_.vocabulary_)
    tags = board.X["notes"].str.split().str[-1]
    assert set(tags.iloc[train].dropna()) <= vocabulary
    assert not set(tags.iloc[test].dropna()) & vocabulary


def test_fewer_distinct_words_than_components_gives_the_weights_themselves():
    notes = pd.DataFrame({"notes": ["oak oak", "cherry", "", "oak cherry plum"]})
    encoder = TextEncoder(vocabulary=10, components=50).fit(notes)
    assert encoder.svd_ is None
    assert list(encoder.get_feature_names_out()) == ["notes_cherry", "notes_oak", "notes_plum"]
    weights = encoder.transform(notes)
    assert weights.shape == (4, 3) and np.allclose(weights[1], [1, 0, 0]) and np.allclose(weights[2], 0)
    assert np.allclose(np.linalg.norm(weights[[0, 1, 3]], axis=1), 1)  # each text's weights have unit length


def test_the_vocabulary_and_the_components_are_bounded():
    notes = pd.DataFrame({"notes": [" ".join(f"w{(i * 7 + j) % 400}" for j in range(12)) for i in range(300)]})
    encoder = TextEncoder(vocabulary=40, components=8).fit(notes)
    assert len(encoder.tfidf_.vocabulary_) == 40
    assert encoder.transform(notes).shape == (300, 8)
    assert list(encoder.get_feature_names_out())[:2] == ["notes_topic0", "notes_topic1"]


def test_only_a_text_column_can_be_encoded_as_text(boards):
    ws, _, _ = boards
    with pytest.raises(WorkbenchError, match="'acidity' cannot be encoded as free text"):
        model.run(ws, "notes", "colour", models=["dummy"], text_columns=["acidity"])
    with pytest.raises(WorkbenchError, match="no column 'tasting'"):
        model.run(ws, "notes", "colour", models=["dummy"], text_columns=["tasting"])


def test_the_generated_code_reproduces_the_scores_with_the_text_encoder(boards, tmp_path):
    ws, _, text = boards
    source = model.code(text, "linear", str(ws.db_path))
    assert "TextEncoder(" in source and "from workbench" not in source
    got = run_code(source, tmp_path)
    for m in text.metrics:
        assert got[m] == pytest.approx(text.result("linear").mean(m), abs=1e-9), m


def test_a_saved_text_model_loads_back_and_predicts_the_same(boards):
    ws, _, text = boards
    fitted = model.fit(text, "linear")
    model.save(ws, fitted, "notes_linear")
    back = model.load(ws, "notes_linear")
    rows = ws.preview("notes", 1000)
    assert back.features == ["acidity", "notes"]
    assert np.allclose(back.pipeline.predict_proba(rows), fitted.pipeline.predict_proba(rows))
    assert np.array_equal(predict_frame(back, rows), predict_frame(fitted, rows))


def test_the_command_line_takes_text_columns(boards):
    ws, _, _ = boards
    out = run_cli(ws, "model", "notes", "--target", "colour", "--models", "dummy,linear", "--text", "notes",
                  "--json")  # fmt: skip
    assert out.returncode == 0, out.stderr
    board = json.loads(out.stdout)
    assert board["features"]["encoding"]["text"] == ["notes"]
    linear = next(m for m in board["models"] if m["model"] == "linear")
    assert linear["accuracy"]["mean"] > 0.72
    out = run_cli(ws, "model", "notes", "--target", "colour", "--text", "acidity")
    assert out.returncode == 1 and "cannot be encoded as free text" in out.stderr and "Traceback" not in out.stderr
