"""The whole way from a Kaggle competition to a submission, as a user types it: the real Kaggle client against
the fake server, then `workbench clean`, `workbench model` and `workbench predict`, each a process of its own."""

# ruff: noqa: F811  (fixtures imported from tests.kaggle.fixtures)
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from tests.kaggle.fixtures import fake_kaggle, kaggle_env  # noqa: F401

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


def run_cli(home: Path, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "workbench.cli", "--home", str(home), *args, "--json"],
                         capture_output=True, text=True)  # fmt: skip
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([header, *rows])
    return text.getvalue().encode()


def penguin_competition(fake) -> dict[str, str]:
    """A competition made of the penguins sample: every fifth penguin is in test, without its species."""
    with open(SAMPLES / "penguins_raw.csv", newline="", encoding="utf-8") as f:
        header, *rows = list(csv.reader(f))
    species = header.index("Species")
    train = [[str(i), *r] for i, r in enumerate(rows) if i % 5]
    test = [[str(i), *r[:species], *r[species + 1:]] for i, r in enumerate(rows) if not i % 5]
    fake.competitions["penguin-species"] = {
        "train.csv": csv_bytes(["id", *header], train),
        "test.csv": csv_bytes(["id", *header[:species], *header[species + 1:]], test),
        "sample_submission.csv": csv_bytes(["id", "Species"], [[r[0], "Adelie Penguin (Pygoscelis adeliae)"]
                                                               for r in test]),
    }  # fmt: skip
    return {str(i): r[species] for i, r in enumerate(rows) if not i % 5}


def test_from_a_competition_download_through_clean_steps_to_a_checked_submission(kaggle_env, tmp_path):
    truth = penguin_competition(kaggle_env)
    home = tmp_path / "ws"
    loaded = run_cli(home, "kaggle", "download", "penguin-species", "--competition")
    assert sorted(r["table"] for r in loaded["results"]) == [
        "penguin_species_sample_submission", "penguin_species_test", "penguin_species_train"]  # fmt: skip
    assert loaded["train"] == "penguin_species_train"
    assert loaded["sample_submission"] == "penguin_species_sample_submission"
    # two Clean steps on train: its measurements are text because of 'NA'
    cleaned = "penguin_species_train"
    for column in ("Culmen Length (mm)", "Flipper Length (mm)"):
        cleaned = run_cli(home, "clean", "apply", cleaned, "to_number", "--column", column)["table"]["name"]
    assert cleaned == "penguin_species_train_v3"
    board = run_cli(home, "model", cleaned, "--target", "Species", "--models", "dummy,linear", "--save", "species")
    assert board["task"] == "multiclass"
    scores = {m["model"]: m["accuracy"]["mean"] for m in board["models"]}
    assert scores["linear"] > 0.9 > scores["dummy"]
    # predict test after replaying train_v3's recipe on it; the submission is checked, then written
    target = tmp_path / "submission.csv"
    done = run_cli(home, "predict", "species", "penguin_species_test", "--recipe", cleaned, "--id", "id",
                   "--submission", str(target))  # fmt: skip
    assert done["cleaned"] == "penguin_species_test_clean"
    assert done["problems"] == [] and done["submission"] == str(target)
    with open(target, newline="") as f:
        header, *rows = list(csv.reader(f))
    assert header == ["id", "Species"]  # the header of the competition's sample submission, found by provenance
    assert sorted(r[0] for r in rows) == sorted(truth)  # every test id, once
    right = sum(truth[i] == species for i, species in rows)
    assert right / len(rows) > 0.9
