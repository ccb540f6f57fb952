"""The real `workbench` command in subprocesses: machine-readable output, clear one-line errors."""

from __future__ import annotations

import csv
import gzip
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import pytest

from workbench.ingest import load
from workbench.workspace import Workspace

WORKBENCH = Path(sys.executable).with_name("workbench")


def run(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(WORKBENCH), "--home", str(home), *args], check=False, capture_output=True, text=True, timeout=120
    )


def assert_user_error(proc: subprocess.CompletedProcess, message: str) -> None:
    assert proc.returncode == 1, proc
    assert "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and message in last, proc.stderr


@pytest.fixture
def home(tmp_path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def people(tmp_path) -> Path:
    path = tmp_path / "people.csv"
    path.write_text('id,name,score\n1,Ann,2.5\n2,Bob,\n3,Zoé,4.0,extra\n4,"Lee, Jr.",1.0\n', encoding="utf-8")
    return path


@pytest.fixture
def loaded(home, people) -> Path:
    """A workspace holding `people`, made through the library (the command is what is tested)."""
    (result,) = load(Workspace(home), [people])
    assert result.table == "people"
    return home


def test_load_reports_tables_and_rejects(home, people):
    proc = run(home, "load", str(people), "--table", "Crew List")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "people.csv -> crew_list: 3 rows x 3 columns, 1 rejected lines (see `workbench tables`)\n"
    assert "line 4: TOO MANY COLUMNS: Expected Number of Columns: 3 Found: 4" in proc.stderr


def test_load_json_is_one_document(loaded, people, tmp_path):
    other = tmp_path / "other.json"
    other.write_text('[{"k": 1}]', encoding="utf-8")
    proc = run(loaded, "load", str(people), str(other), "--json")
    assert proc.returncode == 0, proc.stderr
    document = json.loads(proc.stdout)  # exactly one JSON document, nothing else on stdout
    assert [(r["label"], r["table"], r["rows"], r["rejected"]) for r in document["results"]] == [
        ("people.csv", "people_2", 3, 1),
        ("other.json", "other", 1, 0),
    ]
    assert document["results"][0]["reject_examples"][0]["raw"] == "3,Zoé,4.0,extra"


def test_tables_json_and_text(loaded, people):
    proc = run(loaded, "tables", "--json")
    assert proc.returncode == 0, proc.stderr
    document = json.loads(proc.stdout)
    assert document["workspace"] == str(loaded.resolve())
    (table,) = document["tables"]
    assert (table["name"], table["rows"], table["columns"], table["rejected"]) == ("people", 3, 3, 1)
    assert table["source"] == f"file: {people}" and table["operation"] == "import"
    assert table["sql"].startswith('CREATE TABLE "people" AS SELECT ')
    assert f"FROM read_csv('{people}'" in table["sql"]
    with duckdb.connect() as con:  # the recorded SQL is runnable and makes the same table
        con.execute(table["sql"])
        assert con.execute('SELECT * FROM "people" ORDER BY id').fetchall() == [
            (1, "Ann", 2.5),
            (2, "Bob", None),
            (4, "Lee, Jr.", 1.0),
        ]

    text = run(loaded, "tables")
    header, _rule, row = text.stdout.splitlines()
    assert header.split() == ["table", "rows", "cols", "rejected", "source", "created", "(UTC)"]
    assert row.split()[:4] == ["people", "3", "3", "1"]


def test_sql_json_and_csv(loaded):
    query = "SELECT id, name, score FROM people ORDER BY id"
    document = json.loads(run(loaded, "sql", query, "--json").stdout)
    assert document["columns"] == ["id", "name", "score"]
    assert document["rows"] == [
        {"id": 1, "name": "Ann", "score": 2.5},
        {"id": 2, "name": "Bob", "score": None},
        {"id": 4, "name": "Lee, Jr.", "score": 1.0},
    ]
    assert document["row_count"] == 3
    proc = run(loaded, "sql", query, "--csv")
    assert proc.returncode == 0, proc.stderr
    assert list(csv.reader(io.StringIO(proc.stdout))) == [
        ["id", "name", "score"],
        ["1", "Ann", "2.5"],
        ["2", "Bob", ""],
        ["4", "Lee, Jr.", "1.0"],
    ]


def test_user_errors_exit_1_with_one_line(loaded):
    assert_user_error(run(loaded, "sql", "SELECT * FROM no_such_table"), "no_such_table")
    assert_user_error(run(loaded, "sql", "SELECT 1", "--json", "--csv"), "choose one of --json and --csv")


def test_a_bad_file_is_explained_and_nothing_is_imported(home, tmp_path):
    noise = tmp_path / "noise.bin"
    noise.write_bytes(bytes(range(1, 256)) * 8)
    proc = run(home, "load", str(noise), str(tmp_path / "missing.csv"))
    assert_user_error(proc, "nothing was imported.")
    assert "noise.bin: skipped, not a data file the workbench reads" in proc.stderr
    assert f"missing.csv: No such file: {tmp_path / 'missing.csv'}" in proc.stderr
    assert proc.stdout == ""
    assert Workspace(home).tables() == []


def test_sql_refuses_to_change_the_workspace(loaded):
    proc = run(loaded, "sql", "DROP TABLE people")
    assert_user_error(proc, "DROP")
    assert len(proc.stderr.strip().splitlines()) == 1
    assert [t.name for t in Workspace(loaded).tables()] == ["people"]


def test_a_failed_load_says_why_on_one_line_with_or_without_json(home, tmp_path):
    empty_zip = tmp_path / "empty.zip"
    zipfile.ZipFile(empty_zip, "w").close()
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    for extra in ((), ("--json",)):
        proc = run(home, "load", str(empty_zip), str(empty), *extra)
        assert_user_error(proc, "nothing was imported. ")
        assert proc.stderr.strip().splitlines() == [
            "error: nothing was imported. empty.zip: empty.zip holds no files: there is nothing to import.; "
            "empty.csv: empty.csv is empty (0 bytes): there is nothing to import."
        ]
        assert proc.stdout == ""


def test_a_truncated_gzip_does_not_abort_the_other_files(home, tmp_path):
    data = gzip.compress(("a,b\n" + "".join(f"{i},{i}\n" for i in range(100_000))).encode())
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(data[: len(data) // 2])
    good = tmp_path / "good.csv"
    good.write_text("c\n3\n", encoding="utf-8")
    proc = run(home, "load", str(cut), str(good))
    assert proc.returncode == 0, proc.stderr
    assert "Aborted" not in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout == "good.csv -> good: 1 rows x 1 columns\n"
    assert proc.stderr == (
        "cut.csv.gz: Could not import cut.csv.gz: cut.csv.gz is truncated or damaged (the compressed data ends "
        "early): download or copy it again.\n"
    )


def test_widened_columns_are_noted(home, tmp_path):
    path = tmp_path / "late.csv"
    path.write_text("id,v\n" + "".join(f"{i},{i}\n" for i in range(30_000)) + "30000,2.5\n", encoding="utf-8")
    proc = run(home, "load", str(path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "late.csv -> late: 30,001 rows x 2 columns\n"
    assert proc.stderr == (
        "    note: column 'v' kept as DOUBLE, not BIGINT: it holds '2.5' below the rows its type was guessed from, "
        "and converting would have changed it\n"
    )


def test_help_lines_match_the_commands_and_the_command_starts_without_duckdb_or_pandas():
    import click

    from workbench.cli import COMMANDS, main

    ctx = click.Context(main)
    for name, (_, text) in COMMANDS.items():
        assert main.get_command(ctx, name).get_short_help_str(limit=200) == text
    probe = "import sys, workbench.cli; print(sorted(m for m in ('duckdb', 'pandas', 'numpy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.7", "::", "my-laptop.example"])
def test_ui_warns_when_it_would_listen_beyond_this_machine(tmp_path, monkeypatch, host):
    from click.testing import CliRunner

    from workbench.cli import main

    started = []  # the server is exec'd in place of the command: record it instead of replacing the test process
    monkeypatch.setattr("os.execve", lambda path, args, env: started.append(args))
    result = CliRunner().invoke(main, ["--home", str(tmp_path / "home"), "ui", "--host", host, "--port", "8765"])
    assert result.exit_code == 0, result.output
    assert f"warning: --host {host} lets anyone who can reach this machine on port 8765" in result.stderr
    assert "no login" in result.stderr and "ssh -L 8765:127.0.0.1:8765" in result.stderr
    assert started and started[0][started[0].index("--server.address") + 1] == host


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_ui_on_this_machine_only_says_nothing_more(tmp_path, monkeypatch, host):
    from click.testing import CliRunner

    from workbench.cli import main

    monkeypatch.setattr("os.execve", lambda path, args, env: None)
    result = CliRunner().invoke(main, ["--home", str(tmp_path / "home"), "ui", "--host", host])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr
