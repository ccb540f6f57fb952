"""Every file of the hostile corpus through `workbench load FILE --json`: its exact outcome, nothing else.

Each case runs the command in-process (click's CliRunner, fast); the cases
marked `subprocess=True` run it again as a real process, where the exit code
and the absence of a traceback are what the user sees.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from tests.corpus.hostile import CASES, Case, Fails, Refused, Table
from tests.corpus.workspace_state import assert_consistent, assert_nothing_written
from workbench.cli import main
from workbench.names import quote
from workbench.settings import DB_FILENAME

pytestmark = pytest.mark.corpus

ROOT = Path(__file__).resolve().parents[2]
WORKBENCH = Path(sys.executable).with_name("workbench")
TEMP_NAME = re.compile(r"\b\d+-[0-9a-f]{32}\b")  # downloads/.tmp/<pid>-<uuid>.csv


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    """The path of a case's file, generated on first use and kept for the session (the big ones are slow)."""
    base = tmp_path_factory.mktemp("corpus")
    made: dict[str, Path] = {}

    def path_of(case: Case) -> Path:
        if case.name not in made:
            folder = base / case.name
            folder.mkdir()
            made[case.name] = case.make(folder)
        return made[case.name]

    return path_of


def in_process(home: Path, path: Path) -> Run:
    result = CliRunner().invoke(main, ["--home", str(home), "load", str(path), "--json"])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stack = "".join(traceback.format_exception(*result.exc_info))
        pytest.fail(f"the command raised instead of reporting:\n{stack}")
    return Run(result.exit_code, result.stdout, result.stderr)


def as_process(home: Path, path: Path) -> Run:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this tree's code, whatever is installed
    proc = subprocess.run([str(WORKBENCH), "--home", str(home), "load", str(path), "--json"],
                          env=env, capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    return Run(proc.returncode, proc.stdout, proc.stderr)


def params(cases: list[Case]) -> list:
    return [
        pytest.param(c, id=c.name, marks=[pytest.mark.xfail(strict=True, reason=c.xfail)] if c.xfail else [])
        for c in cases
    ]


@pytest.mark.parametrize("case", params(CASES))
def test_load(case, corpus, tmp_path):
    path = corpus(case)
    home = tmp_path / "home"
    check(case, path, home, in_process(home, path))


@pytest.mark.parametrize("case", params([c for c in CASES if c.subprocess]))
def test_load_as_a_process(case, corpus, tmp_path):
    path = corpus(case)
    home = tmp_path / "home"
    check(case, path, home, as_process(home, path))


def check(case: Case, path: Path, home: Path, run: Run) -> None:
    assert "Traceback" not in run.stderr, run.stderr
    if isinstance(case.expect, Fails):
        check_failure(case.expect, path, home, run)
    else:
        check_tables(case.expect, path, home, run)


def check_failure(expect: Fails, path: Path, home: Path, run: Run) -> None:
    assert run.exit_code == 1, run
    assert run.stdout == "", run.stdout
    (line,) = run.stderr.splitlines()  # exactly one line
    assert line.startswith("error: nothing was imported. "), line
    assert path.name in line and expect.says in line, line
    assert ".tmp" not in line and not TEMP_NAME.search(line) and str(home) not in line, line
    assert_nothing_written(home)


def check_tables(expect: tuple[Table | Refused, ...], path: Path, home: Path, run: Run) -> None:
    assert run.exit_code == 0, run.stderr
    results = {r["label"]: r for r in json.loads(run.stdout)["results"]}
    labels = [item.label or path.name for item in expect]
    assert sorted(results) == sorted(labels), results.keys()
    state = assert_consistent(home)
    assert state["temp_files"] == []
    made = [r["table"] for r in results.values() if r["table"]]
    assert sorted(made) == sorted(name for name, _, _ in state["provenance"])
    with duckdb.connect(str(home / DB_FILENAME), read_only=True) as con:
        for item, label in zip(expect, labels):
            result = results[label]
            if isinstance(item, Refused):
                assert result["table"] is None
                assert item.says in (result["error"] or result["skipped"]), result
                continue
            assert result["table"], result
            assert result["rows"] + result["rejected"] == item.records, result
            assert result["rejected"] == item.rejected, result["reject_examples"]
            if item.columns is not None:
                assert result["columns"] == item.columns
            for sql, expected in item.checks.items():
                assert con.execute(sql.format(t=quote(result["table"]))).fetchall() == expected, sql


def test_the_readme_lists_every_case():
    readme = (ROOT / "tests" / "README.md").read_text(encoding="utf-8")
    assert [c.name for c in CASES if f"`{c.name}`" not in readme] == []
