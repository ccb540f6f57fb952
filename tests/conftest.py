"""Fixtures shared by every layer: real DuckDB files in temporary workspaces."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench import Workspace, samples

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """No test ever touches the project's own data/ workspace or a real Kaggle account."""
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path_factory.mktemp("default_home")))
    monkeypatch.setenv("KAGGLE_CONFIG_DIR", str(tmp_path_factory.mktemp("kaggle_config")))
    for var in ("KAGGLE_USERNAME", "KAGGLE_KEY", "KAGGLE_API_TOKEN"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def ws(tmp_path) -> Workspace:
    """An empty workspace."""
    return Workspace(tmp_path / "ws")


@pytest.fixture
def sample_ws(tmp_path) -> Workspace:
    """A workspace holding the bundled samples."""
    workspace = Workspace(tmp_path / "samples_ws")
    samples.seed(workspace)
    return workspace
