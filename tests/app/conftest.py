"""AppTest fixtures: the real app script over a temporary workspace.

AppTest quirk (Streamlit 1.67): before every run AppTest turns Streamlit's
old-style multipage mode back on (our pages live in `pages/`), so a run that
targets a page executes only that page, not the entry script, and the shared
sidebar is not rendered again (a real server leaves that mode for good on its
first run: `pages._ui.require_navigation`). `rerun()` clears the remembered page so the
whole app runs as in a browser (landing on the default page, Start). Tests of
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


def rerun(at: AppTest, page: str | None = None) -> AppTest:
    """Run the whole app again, entry script included (see the module docstring); with `page`, then
    that page (alone: its sidebar's picker is then read from `at.session_state["table"]`).

    The whole run lands on the start page, so the widgets of another page are forgotten: enter a
    page's inputs and click its buttons with `at.run()`, and rerun when the sidebar must see the result.
    """
    at._finished_page_script_hash = ""
    at._page_hash = ""  # a page chosen with at.switch_page() would be run alone again
    at.run()
    return at.switch_page(page).run() if page else at
