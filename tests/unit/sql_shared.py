"""A sample workspace shared by the SQL tests of one module that only read it (seeding takes a while).

Import `shared_ws_fixture` into a test module to make the `shared_ws` fixture available there."""

from __future__ import annotations

import pytest

from workbench import Workspace, samples


@pytest.fixture(name="shared_ws", scope="module")
def shared_ws_fixture(tmp_path_factory) -> Workspace:
    workspace = Workspace(tmp_path_factory.mktemp("sql_shared_ws"))
    samples.seed(workspace)
    return workspace
