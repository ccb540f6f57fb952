"""Recipes: steps read back from lineage, undo, replay with a gap report, exports that reproduce the table,
and the `workbench clean` command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import nbformat
import pytest

from workbench import WorkbenchError, clean
from workbench.clean import export, recipe
from workbench.metadata import column_types, record_table


def make_table(ws, name: str, sql: str) -> None:
    with ws.connect() as con:
        con.execute(f"CREATE TABLE {name} AS {sql}")
        record_table(con, name, source_kind="file", operation="import")


def contents(db: Path | str, table: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
    finally:
        con.close()


TRAIN = """SELECT * FROM (VALUES
  (1, 'Red', ' 1,234.5', 10.0), (2, 'red', '12', 11.0), (3, ' Red', 'N/A', NULL), (4, 'Red', '7', 12.0),
  (5, 'Yellow', 'x', 9.0), (6, 'Yellow', '3', 10.5), (7, 'Yelow', '4', 1000.0), (8, 'Yellow', NULL, 10.0),
  (9, 'Red', '5', -999), (10, 'Yellow', '5', 10.0), (11, 'Red', '6', 10.2), (12, 'Yellow', '5', 9.8)
) v(id, colour, amount, size)"""


@pytest.fixture
def chain(ws):
    """train -> 5 steps (three in SQL, a scikit-learn imputer, one more in SQL)."""
    make_table(ws, "train", TRAIN)
    make_table(ws, "test", "SELECT * FROM (VALUES (1, 'Blue', '3', NULL), (2, 'red', 'zz', 5.0)) "
               "v(id, colour, amount, size)")
    t = "train"
    for op, params in [("cluster_spellings", {"column": "colour", "ratio": 2}), ("to_number", {"column": "amount"}),
                       ("null_values", {"column": "size", "values": ["-999"]}),
                       ("knn_impute", {"columns": ["size", "amount"], "n_neighbors": 2}),
                       ("outliers", {"column": "size", "action": "cap"})]:  # fmt: skip
        t = clean.apply(ws, t, clean.make(op, **params)).name
    return ws, t


def test_the_recipe_is_read_back_from_lineage_with_each_steps_table(chain):
    ws, final = chain
    made = recipe.recipe(ws, final)
    assert made.root == "train" and final == "train_v6"
    assert made.tables == ["train_v2", "train_v3", "train_v4", "train_v5", "train_v6"]
    assert [s.operation for s in made.steps] == ["cluster_spellings", "to_number", "null_values", "knn_impute",
                                                  "outliers"]  # fmt: skip
    assert made.steps[0].state["mapping"] == {"red": "Red", " Red": "Red", "Yelow": "Yellow"}


def test_replay_applies_the_fitted_steps_and_reports_gaps(chain):
    ws, final = chain
    fences = recipe.recipe(ws, final).steps[-1].state["fences"]
    done = recipe.replay(ws, final, "test")
    values = contents(ws.db_path, done.table.name)
    assert [r[1] for r in values] == ["Blue", "Red"]  # the train mapping, not a refit
    assert values[1][2] is not None  # "zz" does not parse: NULL, then imputed by the KNN step
    assert fences[0] <= values[0][3] <= fences[1]  # imputed from train rows, capped at train's fences
    assert any("'Blue' (1×)" in g for g in done.gaps)
    assert any("'zz' (1×)" in g for g in done.gaps)
    assert done.table.parents == ["test"] and done.table.operation == "replay"


def test_replay_gaps_are_counted_on_each_steps_input_however_later_steps_change_the_rows(ws):
    """The checks ride along in the stacked query: a later filter, rename or drop must not hide them."""
    make_table(ws, "tr", "SELECT * FROM (VALUES (1, 'Red', '1.5', 'a'), (2, 'Blue', '2', 'b'), (3, 'Red', '3', NULL))"
               " v(id, colour, amount, code)")  # fmt: skip
    make_table(ws, "te", "SELECT * FROM (VALUES (1, 'Pink', 'zz', NULL), (2, 'Pink', '4', NULL), (3, 'Red', 'zz', 'c'),"
               " (4, 'Red', '5', NULL)) v(id, colour, amount, code)")  # fmt: skip
    t = "tr"
    for op, params in [("to_number", {"column": "amount"}), ("filter_rows", {"condition": "amount IS NOT NULL"}),
                       ("replace_values", {"column": "colour", "mapping": {"Blue": "Navy"}}),
                       ("rename_column", {"column": "colour", "new_name": "hue"}),
                       ("drop_columns", {"columns": ["code"]})]:  # fmt: skip
        t = clean.apply(ws, t, clean.make(op, **params)).name
    done = recipe.replay(ws, t, "te")
    assert contents(ws.db_path, done.table.name) == [(2, "Pink", 4.0), (4, "Red", 5.0)]
    with ws.connect() as con:  # no check column left behind
        assert list(column_types(con, done.table.name)) == ["id", "hue", "amount"]
    assert done.gaps == [
        "step 1 (to_number): amount: 2 values do not convert to DOUBLE and become NULL (when fitted: 0): 'zz' (2×)",
        "step 3 (replace_values): colour: 1 value never seen when the step was fitted, in 1 row: 'Pink' (1×)",
        "step 5 (drop_columns): code: 2 missing values (100.0%; 33.3% when fitted)",
    ]  # 'zz' counted on step 1's input, before the filter dropped its rows; 'Pink' on step 3's, after it


def test_replay_casts_a_column_the_new_table_already_holds_as_numbers(ws):
    """A test.csv without 'NA' in a column reads as numbers: to_number then casts it; no value fails to convert."""
    make_table(ws, "tr", "SELECT * FROM (VALUES (1, '1.5'), (2, 'NA'), (3, '2')) v(id, amount)")
    make_table(ws, "te", "SELECT * FROM (VALUES (1, 4), (2, NULL)) v(id, amount)")
    made = clean.apply(ws, "tr", clean.make("to_number", column="amount")).name
    done = recipe.replay(ws, made, "te")
    assert contents(ws.db_path, done.table.name) == [(1, 4.0), (2, None)]
    assert done.gaps == ["step 1 (to_number): amount: 1 missing value (50.0%; 0.0% when fitted)"]
    with ws.connect() as con:
        assert column_types(con, done.table.name)["amount"] == "DOUBLE"  # the type the recipe made on train


def test_replay_on_a_table_without_a_column_writes_nothing(chain):
    ws, final = chain
    make_table(ws, "other", "SELECT 1 AS id, 'x' AS colour")
    before = {t.name for t in ws.tables()}
    with pytest.raises(WorkbenchError, match="no column 'amount'"):
        recipe.replay(ws, final, "other")
    assert {t.name for t in ws.tables()} == before


def test_undo_goes_back_to_the_parent_and_deletes_only_a_leaf(chain):
    ws, final = chain
    assert recipe.undo(ws, final) == "train_v5"
    assert ws.table(final)  # kept
    with pytest.raises(WorkbenchError, match="parent of train_v6"):
        recipe.undo(ws, "train_v5", delete=True)
    assert recipe.undo(ws, final, delete=True) == "train_v5"
    assert final not in {t.name for t in ws.tables()}
    with pytest.raises(WorkbenchError, match="nothing to undo"):
        recipe.undo(ws, "train")


def _copy_of_raw(ws, tmp_path: Path, raw: str = "train") -> Path:
    """A fresh database holding only the raw table, as a user running an export would have."""
    db = tmp_path / "fresh.duckdb"
    con = duckdb.connect(str(db))
    con.execute(f"ATTACH '{ws.db_path}' AS src (READ_ONLY)")
    con.execute(f"CREATE TABLE {raw} AS SELECT * FROM src.{raw} ORDER BY rowid")
    con.execute("DETACH src")
    con.close()
    return db


def test_python_export_reproduces_the_table_in_a_fresh_process(chain, tmp_path):
    ws, final = chain
    script = tmp_path / "recipe.py"
    script.write_text(export.export(ws, final, "py"))
    db = _copy_of_raw(ws, tmp_path)
    out = subprocess.run([sys.executable, "-I", str(script), str(db), str(ws.home)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert contents(db, final) == contents(ws.db_path, final)


def test_notebook_export_runs_cell_by_cell_and_reproduces_the_table(chain, tmp_path):
    ws, final = chain
    book = nbformat.reads(export.export(ws, final, "ipynb"), as_version=4)
    markdown = [c.source for c in book.cells if c.cell_type == "markdown"]
    assert len(markdown) == 6 and "Impute with nearest neighbours" in markdown[4]
    db = _copy_of_raw(ws, tmp_path)
    code = "\n\n".join(c.source for c in book.cells if c.cell_type == "code")
    code = code.replace(repr(str(ws.home / "workbench.duckdb")), repr(str(db)))
    script = tmp_path / "notebook.py"
    script.write_text(code)
    out = subprocess.run([sys.executable, "-I", str(script)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert contents(db, final) == contents(ws.db_path, final)


def test_sql_export_runs_the_sql_steps_and_stops_at_the_python_one(chain, tmp_path):
    ws, final = chain
    text = export.export(ws, final, "sql")
    assert "Step 4 (knn_impute) needs Python" in text and '"train_v5"' not in text
    db = _copy_of_raw(ws, tmp_path)
    con = duckdb.connect(str(db))
    con.execute(text)
    con.close()
    assert contents(db, "train_v4") == contents(ws.db_path, "train_v4")


def run_cli(ws, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "workbench.cli", "--home", str(ws.home), *args],
                          capture_output=True, text=True)  # fmt: skip


def test_the_command_line_applies_lists_replays_exports_and_undoes(ws, tmp_path):
    make_table(ws, "train", TRAIN)
    make_table(ws, "test", "SELECT * FROM (VALUES (1, 'Blue', '3', NULL)) v(id, colour, amount, size)")
    ops = json.loads(run_cli(ws, "clean", "operations", "--json").stdout)["operations"]
    assert {"cluster_spellings", "knn_impute", "outlier_model", "filter_rows"} <= {o["operation"] for o in ops}
    out = run_cli(ws, "clean", "apply", "train", "to_number", "--column", "amount", "--json")
    assert out.returncode == 0, out.stderr
    made = json.loads(out.stdout)
    assert made["table"]["name"] == "train_v2" and made["preview"]["columns_changed"][0]["became_null"] == 2
    out = run_cli(ws, "clean", "apply", "train_v2", "fill_missing", "--column", "size", "--param", "strategy=constant",
                  "--param", "value=0", "--preview", "--json")  # fmt: skip
    assert json.loads(out.stdout)["preview"]["columns_changed"][0]["filled"] == 1
    assert "train_v3" not in {t.name for t in ws.tables()}  # a preview writes nothing
    steps = json.loads(run_cli(ws, "clean", "steps", "train_v2", "--json").stdout)
    assert steps["root"] == "train" and [s["operation"] for s in steps["steps"]] == ["to_number"]
    replayed = json.loads(run_cli(ws, "clean", "replay", "train_v2", "--on", "test", "--json").stdout)
    assert replayed["table"]["name"] == "test_clean" and replayed["gaps"] == []
    target = tmp_path / "r.sql"
    assert run_cli(ws, "clean", "export", "train_v2", "--format", "sql", "--output", str(target)).returncode == 0
    assert "CREATE OR REPLACE TABLE \"train_v2\"" in target.read_text()
    bad = run_cli(ws, "clean", "apply", "train", "outliers", "--column", "size", "--param", "method=zscore")
    assert bad.returncode == 1 and bad.stderr.strip().splitlines() == [
        "error: outliers: method='zscore' is not valid: choose one of iqr, mad"]
    missing = run_cli(ws, "clean", "apply", "train", "trim", "--column", "nope")
    assert missing.returncode == 1 and "has no column 'nope'" in missing.stderr
    undone = json.loads(run_cli(ws, "clean", "undo", "train_v2", "--json").stdout)
    assert undone == {"current": "train", "deleted": None}


def test_a_dedupe_merge_is_a_recipe_step_that_replays_and_exports_with_the_fitted_model(sample_ws, tmp_path):
    from workbench.dedupe import engine, merge
    from workbench.dedupe.normalise import suggest_columns

    ws = sample_ws
    with ws.connect() as con:
        columns = suggest_columns(con, "febrl_people")
        con.execute("CREATE TABLE febrl_half AS SELECT * FROM febrl_people WHERE rowid % 2 = 0 ORDER BY rowid")
        record_table(con, "febrl_half", source_kind="file", operation="import")
    run = engine.start(ws, "febrl_people", columns)
    merged, _ = merge.merge(ws, run, 0.99)
    engine.drop(ws, run)
    made = recipe.recipe(ws, merged.name)
    assert made.root == "febrl_people" and [s.operation for s in made.steps] == ["dedupe"]
    assert made.steps[0].state["model"]["lambda"] == run.model.lam
    # replayed on the very table it was fitted on, the fitted model gives back the same merged table
    again = recipe.replay(ws, merged.name, "febrl_people", output="febrl_again")
    assert contents(ws.db_path, "febrl_again") == contents(ws.db_path, merged.name)
    assert again.gaps == []
    # on half of the records, never refitted: fewer entities, the same kept values for the whole ones
    half = recipe.replay(ws, merged.name, "febrl_half")
    assert 0 < half.table.rows < merged.rows
    with ws.connect() as con:
        leftover = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = '_dedupe' "
                               "AND table_name LIKE 'run\\_%' ESCAPE '\\'").fetchone()[0]
    assert leftover == 0  # the replay's work tables are gone
    # exported as Python, run in a fresh process on a copy of the raw table: the same merged table
    script = tmp_path / "recipe.py"
    script.write_text(export.export(ws, merged.name, "py"))
    assert "Needs: duckdb, numpy, scipy." in script.read_text()
    db = _copy_of_raw(ws, tmp_path, "febrl_people")
    out = subprocess.run([sys.executable, "-I", str(script), str(db), str(ws.home)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert contents(db, merged.name) == contents(ws.db_path, merged.name)
