"""The start page: what the workbench is for, the journey with the current table's state, the first move."""

from __future__ import annotations

import pytest

from tests.app.conftest import rerun


def links(at) -> dict[str, str]:
    """The page links shown: label -> page."""
    return {link.proto.label: link.proto.page for link in at.get("page_link")}


def states(at) -> list[str]:
    return [m.value.strip("*") for m in at.markdown if m.value.startswith("**")]


def test_the_app_opens_on_the_journey_with_a_first_move(app):
    at = app.run()
    assert not at.exception
    assert at.title[0].value == "Start"
    assert "without ever changing the data you loaded" in at.markdown[0].value
    assert list(links(at)) == ["1. Load", "2. Explore", "3. Clean", "4. Dedupe", "5. Model", "6. SQL", "Similar",
                               "Recommend"]
    assert links(at)["2. Explore"] == "explore"
    assert states(at) == ["5 tables in the workspace", "not profiled yet: open Explore", "0 cleaning steps",
                          "on demand", "on demand", "any time"]  # fmt: skip
    assert "Open `penguins_raw` in Explore" in at.info[0].value


def test_the_first_move_opens_penguins_in_explore(app):
    at = app.run()
    at.button(key="start_first_move").click()
    at = at.run()
    assert not at.exception
    assert at.title[0].value == "Explore"
    at = rerun(at)  # AppTest runs the page alone; the next full run's sidebar takes the chosen table
    assert at.selectbox(key="table").value == "penguins_raw"


def test_findings_are_counted_once_explore_has_profiled_the_table(app):
    at = app.run()
    at.session_state["table"] = "penguins_raw"
    at = at.switch_page("pages/explore.py").run()
    findings = {m.label: m.value for m in at.metric}["Findings"]
    at = rerun(at)  # back to the start page, the profile kept in the session
    assert at.title[0].value == "Start"
    assert states(at)[1] == f"{findings} findings"
    assert at.subheader[0].value == "The way through, for `penguins_raw`"


@pytest.mark.parametrize(("page", "table", "after"), [
    ("pages/data.py", "cars", "explore"),
    ("pages/explore.py", "cars", "clean"),
    ("pages/clean.py", "cars", "model"),
    ("pages/dedupe.py", "febrl_people", "model"),
])  # fmt: skip
def test_pages_end_with_their_next_step(app, page, table, after):
    at = app.run()
    at.session_state["table"] = table
    at = at.switch_page(page).run()
    assert not at.exception
    last = at.get("page_link")[-1].proto
    assert last.page == after and last.label.startswith("Next: ")
