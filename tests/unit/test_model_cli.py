"""`workbench model` and `workbench predict` as a user types them: JSON out, one-line errors."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

from workbench.metadata import record_table


def run_cli(ws, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "workbench.cli", "--home", str(ws.home), *args],
                          capture_output=True, text=True)  # fmt: skip


def test_leaderboard_save_predict_and_submission(sample_ws, tmp_path):
    ws = sample_ws
    with ws.connect() as con:
        con.execute("CREATE TABLE cars_train AS SELECT row_number() OVER () AS car_id, * FROM cars")
        con.execute("CREATE TABLE cars_test AS SELECT car_id, * EXCLUDE (car_id, Origin) FROM cars_train "
                    "WHERE car_id % 10 = 0")
        for t in ("cars_train", "cars_test"):
            record_table(con, t, source_kind="file", operation="import")
    out = run_cli(ws, "model", "cars_train", "--target", "Origin", "--models", "dummy,linear", "--save", "origin",
                  "--json")  # fmt: skip
    assert out.returncode == 0, out.stderr
    board = json.loads(out.stdout)
    assert board["task"] == "multiclass" and board["leading_metric"] == "accuracy"
    scores = {m["model"]: m["accuracy"]["mean"] for m in board["models"]}
    assert 0.60 < scores["dummy"] < 0.65 < scores["linear"]
    assert board["saved"]["sha256"]
    target = tmp_path / "submission.csv"
    out = run_cli(ws, "predict", "origin", "cars_test", "--id", "car_id", "--submission", str(target), "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["table"]["rows"] == 40
    with open(target, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["car_id", "Origin"] and len(rows) == 41
    assert {r[1] for r in rows[1:]} <= {"USA", "Europe", "Japan"}
    out = run_cli(ws, "predict", "origin", "cars_test", "--recipe", "cars_train")  # a table no step made
    assert out.returncode == 1 and out.stderr.strip() == (
        "error: 'cars_train' was not made by cleaning steps: there is no recipe to replay.")


def test_errors_are_one_line(sample_ws):
    out = run_cli(sample_ws, "model", "cars", "--target", "nope")
    assert out.returncode == 1 and len(out.stderr.strip().splitlines()) == 1 and "nope" in out.stderr
    out = run_cli(sample_ws, "predict", "never_saved", "cars")
    assert out.returncode == 1 and len(out.stderr.strip().splitlines()) == 1
    tables = {t.name for t in sample_ws.tables()}
    out = run_cli(sample_ws, "predict", "never_saved", "cars", "--recipe", "cars")  # nothing replayed for nothing
    assert out.returncode == 1 and len(out.stderr.strip().splitlines()) == 1 and "never_saved" in out.stderr
    assert {t.name for t in sample_ws.tables()} == tables


def test_clusters_without_a_target(sample_ws):
    out = run_cli(sample_ws, "model", "cars", "--json")
    assert out.returncode == 0, out.stderr
    found = json.loads(out.stdout)
    assert found["task"] == "clustering" and sum(found["sizes"].values()) == 406


def test_predicting_a_raw_table_without_the_recipe_says_so(ws):
    from tests.unit.test_model_persist_predict import _sentinel_tables

    cleaned = _sentinel_tables(ws)
    out = run_cli(ws, "model", cleaned, "--target", "price", "--models", "linear", "--save", "prices")
    assert out.returncode == 0, out.stderr
    out = run_cli(ws, "predict", "prices", "houses_test", "--json")
    assert out.returncode == 0, out.stderr
    warning = [line for line in out.stderr.splitlines() if line.startswith("warning:")]
    assert len(warning) == 1 and "'houses_test' looks raw" in warning[0]
    assert warning[0].endswith(f"Pass --recipe {cleaned} to clean it first.")
    assert json.loads(out.stdout)["advice"].startswith("'houses_test' looks raw")
    out = run_cli(ws, "predict", "prices", "houses_test", "--recipe", cleaned)  # with it, no warning
    assert out.returncode == 0 and "warning:" not in out.stderr
