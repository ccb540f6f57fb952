"""Saved queries as .sql files, and the shipped examples running on the sample workspace."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT
from tests.unit.sql_shared import shared_ws_fixture  # noqa: F401
from workbench.errors import WorkbenchError
from workbench.sql import engine, params
from workbench.sql.saved import SavedQueries, default_folder

EXAMPLES = sorted((ROOT / "queries").glob("*.sql"))
# values for the examples' parameters
EXAMPLE_PARAMS = {"min_mass": "5000"}


def test_saved_queries_round_trip(tmp_path):
    saved = SavedQueries(tmp_path / "q")
    assert saved.names() == []
    text = "SELECT 'it''s' AS quote -- a comment\nFROM cars"
    assert saved.save("My query!", text) == "My_query"
    assert saved.read("My_query") == text + "\n"
    assert saved.names() == ["My_query"]
    assert saved.rename("My_query", "renamed") == "renamed"
    assert saved.names() == ["renamed"] and saved.read("renamed") == text + "\n"
    saved.save("other", "SELECT 2")
    with pytest.raises(WorkbenchError, match="exists"):
        saved.rename("renamed", "other")
    with pytest.raises(WorkbenchError, match="exists"):
        saved.save("other", "SELECT 3", overwrite=False)
    saved.delete("renamed")
    assert saved.names() == ["other"]
    with pytest.raises(WorkbenchError, match="no saved query"):
        saved.read("renamed")


def test_names_cannot_leave_the_folder(tmp_path):
    saved = SavedQueries(tmp_path / "q")
    assert saved.save("../../etc/passwd", "SELECT 1") == "etc_passwd"
    assert (tmp_path / "q" / "etc_passwd.sql").is_file()
    assert saved.path("/abs/x.sql").parent == tmp_path / "q"
    for bad in ("", "   ", "../", "!!!"):
        with pytest.raises(WorkbenchError, match="name"):
            saved.save(bad, "SELECT 1")
    with pytest.raises(WorkbenchError, match="empty"):
        saved.save("blank", "  \n")


def test_the_default_folder_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("WORKBENCH_QUERIES", raising=False)
    assert default_folder() == ROOT / "queries"
    monkeypatch.setenv("WORKBENCH_QUERIES", str(tmp_path))
    assert SavedQueries().folder == tmp_path


def test_examples_ship():
    assert len(EXAMPLES) >= 4
    assert {p.stem for p in EXAMPLES} == set(SavedQueries(ROOT / "queries").names())


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_each_example_runs_on_the_samples(shared_ws, path):
    text = path.read_text(encoding="utf-8")
    result = engine.run(shared_ws, text, params.bind(text, EXAMPLE_PARAMS))
    assert result.total > 0 and len(result.frame.columns) >= 2
