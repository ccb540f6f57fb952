"""A competition built to catch a workbench that changes data behind the user's back, taken from the download
to the submission file with the real Kaggle client against the fake server and `workbench` processes.

Its tables hold what real competitions hold and what broke before: a Yes/No target and Yes/No features (once
re-typed to booleans at import and written as `False` into the submission), short distinct codes (`GasA`,
`GasW`, once "merged as misspellings"), a `Y`/`N`/`P` column (its `P` once nulled as "not yes/no"), a header
with a `?` in it (once impossible to import), and a few `NA` for a cleaning step to fit and replay.
"""

# ruff: noqa: F811  (fixtures imported from tests.kaggle.fixtures)
from __future__ import annotations

import csv
import io
import json
import random
import subprocess
import sys
from pathlib import Path

import duckdb

from tests.kaggle.fixtures import fake_kaggle, kaggle_env  # noqa: F401
from workbench.settings import DB_FILENAME

HEADER = ["customer_id", "tenure", "monthly_charges", "Heating", "PavedDrive", "Partner", "Paperless billing?"]
HEATING = ["GasA"] * 40 + ["GasW"] * 6 + ["Grav"] * 3 + ["Wall"] * 2  # codes a letter apart, none a typo


def run_cli(home: Path, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "workbench.cli", "--home", str(home), *args, "--json"],
                         capture_output=True, text=True)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    return json.loads(out.stdout)


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([header, *rows])
    return text.getvalue().encode()


def churn_rows(n: int, seed: int = 7) -> list[list[str]]:
    """Customers whose churn follows their tenure and contract-like codes, so a model has something to learn."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        tenure = rng.randint(0, 72)
        charges = round(rng.uniform(18, 120), 2)
        heating, drive = rng.choice(HEATING), rng.choice("YYYYNP")
        partner, paperless = rng.choice(["Yes", "No"]), rng.choice(["Yes", "No"])
        risk = (72 - tenure) / 72 + (0.3 if paperless == "Yes" else 0) + rng.uniform(-0.35, 0.35)
        churn = "Yes" if risk > 0.75 else "No"
        shown_charges = "NA" if i % 37 == 5 else f"{charges:.2f}"
        rows.append([f"CUST-{i:05d}", str(tenure), shown_charges, heating, drive, partner, paperless, churn])
    return rows


def churn_competition(fake) -> tuple[list[list[str]], list[list[str]]]:
    rows = churn_rows(600)
    train, test = rows[:450], rows[450:]
    fake.competitions["telco-churn"] = {
        "train.csv": csv_bytes([*HEADER, "Churn"], train),
        "test.csv": csv_bytes(HEADER, [r[:-1] for r in test]),
        "sample_submission.csv": csv_bytes(["customer_id", "Churn"], [[r[0], "No"] for r in test]),
    }
    return train, test


def column_values(home: Path, table: str, column: str) -> tuple[str, list]:
    with duckdb.connect(str(home / DB_FILENAME), read_only=True) as con:
        kind = con.execute(f'SELECT typeof("{column}") FROM "{table}" LIMIT 1').fetchone()[0]
        values = [r[0] for r in con.execute(f'SELECT "{column}" FROM "{table}" ORDER BY rowid').fetchall()]
    return kind, values


def test_a_competition_comes_out_with_its_own_labels_codes_and_values(kaggle_env, tmp_path):
    train, test = churn_competition(kaggle_env)
    home = tmp_path / "ws"
    loaded = run_cli(home, "kaggle", "download", "telco-churn", "--competition")
    names = sorted(r["table"] for r in loaded["results"])
    # named by the competition
    assert names == ["telco_churn_sample_submission", "telco_churn_test", "telco_churn_train"]
    train_table, test_table = "telco_churn_train", "telco_churn_test"

    # the raw tables hold the file's text: Yes/No stays Yes/No, P stays P, codes stay codes, `?` header intact
    for column, index in [("Churn", 7), ("Partner", 5), ("Paperless billing?", 6), ("PavedDrive", 4),
                          ("Heating", 3)]:  # fmt: skip
        kind, values = column_values(home, train_table, column)
        assert kind == "VARCHAR" and values == [r[index] for r in train], column

    # Explore: the Y/N/P column is not called yes/no text, and distinct codes are not called misspellings
    profile = run_cli(home, "profile", train_table)
    claims = {(f["kind"], f["column"]) for f in profile["findings"]}
    assert ("booleans_as_text", "PavedDrive") not in claims
    assert ("inconsistent_category", "Heating") not in claims
    # Clean: the clusterer proposes no merge of the codes
    preview = run_cli(home, "clean", "apply", train_table, "cluster_spellings", "--column", "Heating", "--preview")
    assert preview["preview"]["columns_changed"] == [], preview

    # one real cleaning step, fitted on train and replayed on test: the NA charges
    numbers = run_cli(home, "clean", "apply", train_table, "to_number", "--column", "monthly_charges")["table"]["name"]
    board = run_cli(home, "model", numbers, "--target", "Churn", "--models", "dummy,linear", "--save", "churn")
    assert board["task"] == "binary"

    target = tmp_path / "submission.csv"
    done = run_cli(home, "predict", "churn", test_table, "--recipe", numbers, "--id", "customer_id",
                   "--submission", str(target))  # fmt: skip
    assert done["problems"] == []
    with open(target, newline="") as f:
        header, *rows = list(csv.reader(f))
    assert header == ["customer_id", "Churn"]  # the sample submission's header
    assert sorted(r[0] for r in rows) == sorted(r[0] for r in test)  # every test id, once
    assert {r[1] for r in rows} <= {"Yes", "No"} and {r[1] for r in rows} == {"Yes", "No"}  # the file's labels
    truth = {r[0]: r[-1] for r in test}
    assert sum(truth[i] == label for i, label in rows) / len(rows) > 0.75  # and the model learned something
