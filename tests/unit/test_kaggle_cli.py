"""`workbench kaggle ...`: in process with click's runner, and once as a real process configured by environment only."""

# ruff: noqa: F811  (fixtures imported from tests.kaggle.fixtures)
from __future__ import annotations

import io
import json
import os
import subprocess
import sys

from click.testing import CliRunner

from tests.kaggle.fake_server import KEY, USERNAME
from tests.kaggle.fixtures import fake_kaggle, kaggle_env, kws  # noqa: F401
from workbench import Workspace
from workbench.cli import main
from workbench.cli.kaggle import transfer_printer
from workbench.kaggle import Transfer


def _run(ws: Workspace, *args: str):
    return CliRunner().invoke(main, ["--home", str(ws.home), "kaggle", *args], catch_exceptions=False)


def test_search_text_and_json(kaggle_env, kws):
    text = _run(kws, "search", "shop")
    assert text.exit_code == 0
    header, _, row = text.stdout.splitlines()
    assert header.split() == ["ref", "title", "size", "updated", "votes", "downloads"]
    assert row.split()[:3] == ["ada/shop-sales", "Shop", "sales"]
    doc = json.loads(_run(kws, "search", "wine", "--json").stdout)
    assert [d["ref"] for d in doc["datasets"]] == ["ada/wine-notes"] and doc["datasets"][0]["version"] == 1


def test_files_json(kaggle_env, kws):
    doc = json.loads(_run(kws, "files", "https://www.kaggle.com/datasets/ada/shop-sales", "--json").stdout)
    assert doc["ref"] == "ada/shop-sales"
    assert {f["name"] for f in doc["files"]} == {"data/2024/sales.csv", "data/stores.parquet", "meta/regions.json",
                                                 "README.md"}


def test_download_then_cached_then_forced(kaggle_env, kws):
    first = _run(kws, "download", "ada/shop-sales")
    assert first.exit_code == 0, first.stderr
    assert "data/2024/sales.csv -> sales: 3 rows x 3 columns" in first.stdout
    assert "README.md: skipped, documentation, not data" in first.stderr
    assert "Using the Kaggle API key for ada from the KAGGLE_USERNAME and KAGGLE_KEY" in first.stderr
    assert "Downloaded ada/shop-sales version 3" in first.stderr and "CC-BY-SA-4.0" in first.stderr
    again = _run(kws, "download", "ada/shop-sales", "--json")
    assert again.exit_code == 0
    assert "using the cached copy" in again.stderr
    doc = json.loads(again.stdout)
    assert doc["download"]["cached"] is True
    assert {r["label"]: r["skipped"] for r in doc["results"]}["data/2024/sales.csv"] == "already imported as sales"
    forced = json.loads(_run(kws, "download", "ada/shop-sales", "--force", "--json").stdout)
    assert forced["download"]["cached"] is False
    assert sorted(r["table"] for r in forced["results"] if r["table"]) == ["regions_2", "sales_2", "stores_2"]
    assert len(kaggle_env.blob_gets()) == 2


def test_download_single_file_and_competition(kaggle_env, kws):
    one = _run(kws, "download", "ada/wine-notes", "--file", "notes.csv")
    assert one.exit_code == 0 and "notes.csv -> notes: 2 rows x 2 columns" in one.stdout
    comp = json.loads(_run(kws, "download", "titanic", "--competition", "--json").stdout)
    assert sorted(r["table"] for r in comp["results"]) == ["titanic_test", "titanic_train"]
    assert (comp["train"], comp["sample_submission"]) == ("titanic_train", None)


def test_a_competition_download_prints_its_training_table_and_sample_submission(kaggle_env, kws):
    done = _run(kws, "download", "house-prices", "--competition")
    assert done.exit_code == 0, done.stderr
    assert done.stdout.splitlines()[-2:] == [
        "training table: house_prices_train",
        "sample submission: house_prices_sample_submission (`workbench predict --submission` matches its header)",
    ]
    assert "train.csv -> house_prices_train: 40 rows x 3 columns" in done.stdout


def test_errors_are_one_line_and_exit_1(kaggle_env, kws):
    result = _run(kws, "download", "secret-comp", "--competition")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1].startswith("error: Kaggle refused the data of the competition")
    assert "https://www.kaggle.com/competitions/secret-comp/rules" in result.stderr
    bad = _run(kws, "download", "not-a-ref")
    assert bad.exit_code == 1 and "owner/dataset" in bad.stderr and "Traceback" not in bad.stderr


def test_the_bar_shows_bytes_and_speed_on_a_terminal_only():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    tty, pipe = Tty(), io.StringIO()
    for stream in (tty, pipe):
        update, finish = transfer_printer(stream, "Downloading a/b")
        update(Transfer(500_000, 1_000_000, 250_000))
        update(Transfer(1_000_000, 1_000_000, 250_000))
        finish()
    assert pipe.getvalue() == ""
    last = tty.getvalue().split("\r")[-1]
    assert last.startswith("Downloading a/b [" + "#" * 30 + "] 100% 1.0 MB of 1.0 MB at 250.0 KB/s")
    assert tty.getvalue().endswith("\n")


def test_a_real_process_configured_by_environment_variables_only(fake_kaggle, tmp_path):
    """As a user behind a proxy: KAGGLE_API_ENVIRONMENT + HTTP_PROXY + credentials, nothing else."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAGGLE_") and "proxy" not in k.lower()}
    env.update(fake_kaggle.env(), HOME=str(tmp_path), KAGGLE_USERNAME=USERNAME, KAGGLE_KEY=KEY,
               WORKBENCH_HOME=str(tmp_path / "ws"))
    done = subprocess.run([sys.executable, "-m", "workbench.cli", "kaggle", "download", "ada/shop-sales", "--json"],
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert sorted(r["table"] for r in doc["results"] if r["table"]) == ["regions", "sales", "stores"]
    assert all(s.headers["Host"] == "localhost" for s in fake_kaggle.seen)  # reached as a proxy for localhost
    assert {t.name: t.rows for t in Workspace(tmp_path / "ws").tables()} == {"regions": 2, "sales": 3, "stores": 2}
