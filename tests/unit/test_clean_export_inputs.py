"""Exports that run on new data: the Python script and the notebook take their input (a table, a CSV or
Parquet file, a DataFrame) and output as parameters, and clean new rows exactly as `workbench clean replay`."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import nbformat
import pandas as pd
import pytest

from tests.unit.test_clean_recipe import chain, contents, make_table  # noqa: F401  (the fixture)
from workbench.clean import export, recipe

TEST_CSV = "id,colour,amount,size\n1,Blue,3,\n2,red,zz,5.0\n3,YELLOW,\"1,250\",-999\n4,Yelow,8,9.5\n"


@pytest.fixture
def new_data(chain, tmp_path):  # noqa: F811
    """The chain, a CSV of new rows, and the replay of the recipe on the same rows as a table (the truth)."""
    ws, final = chain
    path = tmp_path / "test.csv"
    path.write_text(TEST_CSV)
    from workbench.ingest import load

    (loaded,) = load(ws, [path], table="test_rows")
    truth = recipe.replay(ws, final, on=loaded.table)
    return ws, final, path, contents(ws.db_path, truth.table.name)


def test_the_python_export_cleans_a_csv_into_parquet_as_the_replay_does(new_data, tmp_path):
    ws, final, csv_path, expected = new_data
    script = tmp_path / "recipe.py"
    script.write_text(export.export(ws, final, "py"))
    out_path = tmp_path / "test_clean.parquet"
    db = tmp_path / "scratch.duckdb"
    done = subprocess.run([sys.executable, "-I", str(script), str(db), str(ws.home), "--input", str(csv_path),
                           "--output", str(out_path)], capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"made {out_path}"
    with duckdb.connect() as con:
        got = con.execute("SELECT * FROM read_parquet(?)", [str(out_path)]).fetchall()
    assert got == expected
    assert "scikit-learn" in script.read_text().split("MADE_WITH = ", 1)[1].splitlines()[0]


def test_the_python_export_reads_a_table_and_names_its_output_after_it(new_data, tmp_path):
    ws, final, _, expected = new_data
    script = tmp_path / "recipe.py"
    script.write_text(export.export(ws, final, "py"))
    db = tmp_path / "copy.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute(f"ATTACH '{ws.db_path}' AS src (READ_ONLY)")
        con.execute("CREATE TABLE test_rows AS SELECT * FROM src.test_rows ORDER BY rowid")
    done = subprocess.run([sys.executable, "-I", str(script), str(db), str(ws.home), "--input", "test_rows"],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert contents(db, "test_rows_clean") == expected
    assert [r[0] for r in duckdb.connect(str(db), read_only=True).execute("SHOW TABLES").fetchall()] == \
        ["test_rows", "test_rows_clean"]  # nothing else is left behind


def test_an_input_without_a_column_is_refused_in_one_line(new_data, tmp_path):
    ws, final, _, _ = new_data
    script = tmp_path / "recipe.py"
    script.write_text(export.export(ws, final, "py"))
    bad = tmp_path / "bad.csv"
    bad.write_text("id,colour,amount\n1,Red,3\n")
    done = subprocess.run([sys.executable, "-I", str(script), str(tmp_path / "x.duckdb"), str(ws.home), "--input",
                           str(bad)], capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 1 and done.stderr.strip() == "The input lacks the column(s) 'size' the recipe needs."


def test_fitted_models_are_refused_under_another_scikit_learn(new_data, tmp_path):
    ws, final, csv_path, _ = new_data
    text = export.export(ws, final, "py")
    made = text.split("MADE_WITH = ", 1)[1].splitlines()[0]
    script = tmp_path / "recipe.py"
    script.write_text(text.replace(made, made.replace("'scikit-learn': '", "'scikit-learn': '0.")))
    done = subprocess.run([sys.executable, "-I", str(script), str(tmp_path / "x.duckdb"), str(ws.home), "--input",
                           str(csv_path)], capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 1
    assert "were saved with scikit-learn 0." in done.stderr and "Install that version" in done.stderr


def test_the_notebook_runs_under_papermill_with_a_csv_as_its_input(new_data, tmp_path):
    import papermill

    ws, final, csv_path, expected = new_data
    source = tmp_path / "recipe.ipynb"
    source.write_text(export.export(ws, final, "ipynb"))
    book = nbformat.read(source, as_version=4)
    assert book.cells[1].metadata["tags"] == ["parameters"]
    out_path = tmp_path / "out.csv"
    papermill.execute_notebook(str(source), str(tmp_path / "ran.ipynb"), kernel_name="python3", progress_bar=False,
                               parameters={"DATABASE": str(tmp_path / "nb.duckdb"), "MODELS": str(ws.home),
                                           "INPUT": str(csv_path), "OUTPUT": str(out_path)})  # fmt: skip
    with duckdb.connect() as con:
        got = con.execute("SELECT * FROM read_csv(?)", [str(out_path)]).df()
    want = pd.DataFrame(expected, columns=got.columns)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


def test_the_notebook_cleans_a_dataframe_in_hand(new_data, tmp_path):
    ws, final, csv_path, expected = new_data
    book = nbformat.reads(export.export(ws, final, "ipynb"), as_version=4)
    code = [c.source for c in book.cells if c.cell_type == "code"]
    code[0] = (f"DATABASE = {str(tmp_path / 'df.duckdb')!r}\nMODELS = {str(ws.home)!r}\n"
               "INPUT = frame\nOUTPUT = 'cleaned'")  # as a user edits the parameters cell
    namespace = {"frame": pd.read_csv(csv_path, dtype=str, keep_default_na=False).replace({"": None})}
    exec(compile("\n\n".join(code[:-1]) + "\nwrite_output(con, '__wb_step5', OUTPUT)\ncon.close()", "nb", "exec"),
         namespace)  # fmt: skip
    assert contents(tmp_path / "df.duckdb", "cleaned") == expected
