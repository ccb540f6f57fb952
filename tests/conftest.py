"""Fixtures shared by every layer: real DuckDB files in temporary workspaces."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.database import DirectoryBasedExampleDatabase, ReadOnlyDatabase

from workbench import Workspace, samples

ROOT = Path(__file__).resolve().parent.parent

# Hypothesis (tests/property): a fixed budget, no deadline (a step on a real DuckDB file takes what it takes),
# and the example database committed under tests/property/examples, so a failure found once is replayed
# first on every later run. Locally a new failure is written there (commit it, with an @example); CI only
# reads it and draws from a fixed seed (strategies.fixed_in_ci), so a CI run is the same every time.
EXAMPLES = DirectoryBasedExampleDatabase(ROOT / "tests" / "property" / "examples")
settings.register_profile("dev", max_examples=25, deadline=None, print_blob=True, database=EXAMPLES)
settings.register_profile("ci", max_examples=25, deadline=None, print_blob=True, database=ReadOnlyDatabase(EXAMPLES))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") == "true" else "dev"))


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


@pytest.fixture
def fresh_similar_cache():
    """Similar rows keep fitted spaces between calls (workbench/similar/): each test starts and ends without."""
    from workbench import similar

    similar.clear_cache()
    yield
    similar.clear_cache()

