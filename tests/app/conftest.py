"""AppTest fixtures: the real app script over a temporary workspace.

AppTest quirk (Streamlit 1.67): once a multipage app has run, later `run()`
calls execute only the current page, not the entry script, so the shared
sidebar is not rendered again. `rerun()` clears the remembered page so the
whole app runs as in a browser (landing on the default page, Data). Tests of
other pages set `at.session_state["table"]` and use `at.switch_page()`.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

APP = str(ROOT / "streamlit_app.py")


@pytest.fixture
def app(tmp_path, monkeypatch) -> AppTest:
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "app_ws"))
    return AppTest.from_file(APP, default_timeout=60)


def rerun(at: AppTest) -> AppTest:
    """Run the whole app again, entry script included (see the module docstring)."""
    at._finished_page_script_hash = ""
    return at.run()
