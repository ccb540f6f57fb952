"""The Python API (`workbench.open()`): the app's tables, recipes and models from a notebook or a script."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import workbench
from workbench import clean, model
from workbench.clean import recipe as recipes
from workbench.errors import WorkbenchError

HOLD = """
import duckdb, sys
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
sys.stdin.readline()
con.close()
"""


def sales(n: int = 80, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "id": [f"S-{i:03d}" for i in range(n)],
        "amount": rng.uniform(5, 500, n).round(2),
        "colour": rng.choice(["red", "Red", "blue", "green"], n),
        "Returned?": rng.choice(["Yes", "No"], n),
    })  # fmt: skip
    frame.loc[frame.index % 9 == 4, "amount"] = np.nan
    return frame


@pytest.fixture
def api(tmp_path):
    return workbench.open(tmp_path / "ws")


def test_a_frame_added_comes_back_value_for_value_with_its_provenance(api):
    frame = sales()
    name = api.add(frame, "Sales 2024")
    assert name == "sales_2024"
    back = api.df(name)
    pd.testing.assert_frame_equal(back, frame, check_dtype=False)
    assert back["Returned?"].tolist() == frame["Returned?"].tolist()  # text stays text
    listed = api.tables()
    assert listed.loc[0, ["name", "rows", "columns"]].tolist() == ["sales_2024", 80, 4]
    assert listed.loc[0, "source"] == f"python: {__file__}"
    info = api.workspace.table(name)
    assert info.story()[0] == f"Added from Python by `{__file__}`."
    assert api.df(name, limit=3)["id"].tolist() == ["S-000", "S-001", "S-002"]
    assert api.relation(name).filter("colour = 'blue'").aggregate("count(*)").fetchall()[0][0] == \
        (frame["colour"] == "blue").sum()


def test_a_name_is_never_silently_replaced(api, tmp_path):
    api.add(sales(), "sales")
    with pytest.raises(WorkbenchError, match="already exists"):
        api.add(sales(5), "sales")
    api.add(sales(5), "sales", replace=True)  # re-running a notebook cell
    assert len(api.df("sales")) == 5
    path = tmp_path / "imported.csv"
    sales(4).to_csv(path, index=False)
    from workbench.ingest import load

    load(api.workspace, [path])
    with pytest.raises(WorkbenchError, match="was not added from Python"):
        api.add(sales(), "imported", replace=True)
    assert len(api.df("imported")) == 4


def test_awkward_column_names_are_kept_and_repeats_numbered(api):
    frame = pd.DataFrame([[1, 2, 3]], columns=["a?", "a?", "what's \"this\""])
    name = api.add(frame, "awkward")
    assert api.df(name).columns.tolist() == ["a?", "a?_1", "what's \"this\""]


def test_a_recipe_applied_to_a_frame_equals_the_replay_of_the_same_rows(api):
    ws = api.workspace
    frame = sales()
    api.add(frame.iloc[:60], "train")
    api.add(frame.iloc[60:], "test")
    table = "train"
    for operation, params in [("fill_missing", {"columns": ["amount"], "strategy": "mean"}),
                              ("cluster_spellings", {"column": "colour"})]:  # fmt: skip
        table = clean.apply(ws, table, clean.make(operation, **params)).name
    rec = api.recipe(table)
    assert "2 steps" in repr(rec)
    test_rows = api.df("test")
    cleaned = rec.apply(test_rows)
    replayed = recipes.replay(ws, table, on="test")
    pd.testing.assert_frame_equal(cleaned.reset_index(drop=True), api.df(replayed.table.name), check_dtype=False)
    assert cleaned["amount"].notna().all()
    new = test_rows.assign(colour="purple")
    rec.apply(new)
    assert list(rec.gaps.columns) == ["step", "gap"]
    assert any("purple" in gap for gap in rec.gaps["gap"])  # a value the fit never saw is reported


def test_the_recipe_as_a_transformer_refits_inside_each_fold(api):
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import KFold, cross_validate
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    ws = api.workspace
    frame = sales(200)
    api.add(frame, "raw")
    made = clean.apply(ws, "raw", clean.make("fill_missing", columns=["amount"], strategy="median")).name
    X, y = frame[["amount"]], frame["Returned?"]
    pipe = make_pipeline(api.recipe(made).to_sklearn(), FunctionTransformer(lambda f: f.astype(float)),
                         LogisticRegression())  # fmt: skip
    folds = KFold(5, shuffle=True, random_state=0)
    result = cross_validate(pipe, X, y, cv=folds, return_estimator=True)
    fills = [est[0].fitted_steps_[0].state["fill"]["amount"] for est in result["estimator"]]
    assert fills == pytest.approx([X.iloc[train]["amount"].median() for train, _ in folds.split(X)])
    assert len(set(fills)) == 5


def test_a_saved_model_predicts_a_frame_as_the_predictions_table_does(api):
    ws = api.workspace
    frame = sales(120)
    api.add(frame.iloc[:100], "train")
    api.add(frame.iloc[100:], "test")
    board = model.run(ws, "train", "Returned?", models=["dummy", "linear"])
    model.save(ws, model.fit(board, "linear"), "returns")
    loaded = api.model("returns")
    assert "returns" in repr(loaded) and "'Returned?'" in repr(loaded)
    test_rows = api.df("test")
    made = model.predict(ws, "returns", "test", id_column="id")
    expected = api.df(made.name)
    assert loaded.predict(test_rows).tolist() == expected["Returned?"].tolist()
    proba = loaded.predict_proba(test_rows)
    assert list(proba.columns) == ["No", "Yes"] and np.allclose(proba.sum(axis=1), 1)
    with pytest.raises(WorkbenchError, match="lack the column 'amount'"):
        loaded.predict(test_rows.drop(columns="amount"))
    with pytest.raises(WorkbenchError, match="no saved model named 'nope'"):
        api.model("nope")


def test_a_profile_lists_the_findings_and_shows_as_html(api):
    frame = sales()
    frame["note"] = ["<b>N/A</b>" if i % 3 == 0 else f"note {i}" for i in range(len(frame))]
    api.add(frame, "notes")
    profile = api.profile("notes")
    assert {"kind", "column", "severity", "rows", "message"} <= set(profile.findings.columns)
    missing = profile.findings.query("kind == 'missing' and column == 'amount'")
    assert missing["rows"].tolist() == [int(frame["amount"].isna().sum())]
    html = profile._repr_html_()
    assert "<table" in html and "<b>N/A</b>" not in html  # values are escaped
    assert "80 rows" in html


def test_a_write_that_must_wait_for_another_program_says_so_then_lands(api, capfd):
    api.add(sales(3), "first")  # the workspace file exists
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(api.workspace.db_path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "holding"
        import threading

        done: list[str] = []
        writer = threading.Thread(target=lambda: done.append(api.add(sales(4), "second")))
        writer.start()
        deadline = __import__("time").monotonic() + 30
        while "Waiting for the workspace" not in capfd.readouterr().err:  # said while it waits
            assert __import__("time").monotonic() < deadline, "no waiting message"
            writer.join(0.1)
        holder.stdin.write("\n")
        holder.stdin.flush()
        writer.join(60)
        assert done == ["second"] and len(api.df("second")) == 4
    finally:
        holder.kill()


def test_errors_are_workbench_errors_with_plain_words(api):
    with pytest.raises(WorkbenchError, match="no table named 'nope'"):
        api.df("nope")
    with pytest.raises(WorkbenchError, match="DataFrame"):
        api.add([1, 2], "x")
    api.add(sales(3), "plain")
    with pytest.raises(WorkbenchError, match="not made by cleaning steps"):
        api.recipe("plain")


def test_show_starts_the_app_once_and_gives_the_tables_explore_address(api, capsys):
    import json
    import os
    import signal
    import urllib.request

    from workbench import running

    try:
        url = api.show(sales(), "scratch")
        base, _, query = url.partition("/explore?")
        assert base.startswith("http://127.0.0.1:") and query == "table=scratch"
        assert f"scratch: {url}" in capsys.readouterr().out
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=10) as reply:
            assert reply.read() == b"ok"
        assert len(api.df("scratch")) == 80
        again = api.show(sales(7), "scratch")  # the running app is reused; the scratch table replaced
        assert again == url and len(api.df("scratch")) == 7
        assert running.running_url(api.workspace.home) == base
    finally:
        recorded = api.workspace.home / running.ADDRESS_FILE
        if recorded.exists():
            os.kill(json.loads(recorded.read_text())["pid"], signal.SIGTERM)


def test_similar_rows_and_recommendations_from_python_equal_the_library(api):
    from sklearn.datasets import load_wine

    from workbench import recommend, similar

    wine = load_wine(as_frame=True).frame.drop(columns="target")
    wine.insert(0, "id", range(1, len(wine) + 1))
    api.add(wine, "wine")
    found = api.similar("wine", [12], id_column="id", k=5)
    again = similar.find(api.workspace, "wine", [12], id_column="id", k=5)
    assert list(found.rows["id"]) == list(again.rows["id"]) and 12 not in set(found.rows["id"])
    assert np.allclose(found.contributions.sum(axis=1), found.rows["distance"])

    rng = np.random.default_rng(0)  # 20 people tasting 30 of the wines: liking proline-rich ones
    rows = [(f"p{p}", int(w), float(np.clip(round(wine["proline"].iloc[w - 1] / 350 + rng.normal(0, 0.5)), 1, 5)))
            for p in range(20) for w in rng.choice(np.arange(1, 179), 30, replace=False)]  # fmt: skip
    api.add(pd.DataFrame(rows, columns=["who", "wine", "stars"]), "tastings")
    roles = {"user": "who", "item": "wine", "rating": "stars"}
    board = api.recommenders("tastings", **roles)
    assert {m.name for m in board.models} >= {"global_mean", "biases"} and board.kind == "explicit"
    mine = api.recommend("tastings", "p3", **roles, k=5)
    assert len(mine.items) == 5 and not set(mine.items["item"]) & set(mine.rated["item"])
    assert mine.items.equals(recommend.for_user(api.workspace, "tastings", who="p3", **roles, k=5).items)
