"""A newcomer's first visit, in a browser: the start page, its first move, Explore in plain words, the
next-step links through the pages; names and values shown as they are; and nothing requested from any
host but the app's own (127.0.0.1)."""

from __future__ import annotations

import re
from urllib.parse import urlparse

from tests.e2e.conftest import choose_table, open_app, open_page, wait_idle
from workbench import Workspace

MARKUP = "**bold**<b>x</b>"


def _record_hosts(page) -> set[str]:
    """Every host the page (frames included) sends a request to, from now on."""
    hosts: set[str] = set()
    page.context.on("request", lambda request: hosts.add(urlparse(request.url).hostname or request.url[:20]))
    return hosts


def _main(page):
    return page.locator("[data-testid='stMain']")


def _next(page, label: str) -> None:
    """Follow the page's closing next-step link."""
    _main(page).get_by_role("link", name=f"Next: {label}").click()
    wait_idle(page)


def test_a_newcomer_walks_the_journey_and_nothing_leaves_the_machine(start_app, page):
    server = start_app()
    hosts = _record_hosts(page)
    open_app(page, server.url)
    main = _main(page)
    main.get_by_role("heading", name="Start").wait_for()
    for step in ("1. Load", "2. Explore", "3. Clean", "4. Dedupe", "5. Model", "6. SQL"):
        main.get_by_role("link", name=step).wait_for()
    main.get_by_text("not profiled yet: open Explore").wait_for()

    main.get_by_role("button", name="Open penguins_raw in Explore").click()  # the suggested first move
    wait_idle(page)
    main.get_by_role("heading", name="Explore").wait_for()
    main.get_by_text("Findings (18)").wait_for()
    first = main.locator("[data-testid='stExpander']").first
    assert "Missing values written as text in Comments: 290 rows · high" in first.inner_text()
    main.get_by_text("Severity: high: fix it before any analysis or model").wait_for()

    _next(page, "Clean")
    main.get_by_role("heading", name="Clean").wait_for()
    _next(page, "Model")
    main.get_by_role("heading", name="Model").wait_for()
    open_page(page, "Dedupe")
    _next(page, "Model")
    open_page(page, "SQL")
    page.frame_locator("[data-testid='stMain'] iframe").first.locator(".ace_content").wait_for()
    open_page(page, "Data")
    _next(page, "Explore")
    main.get_by_text("Findings (18)").wait_for()  # the current table followed, and its profile was kept
    open_page(page, "Start")
    main.get_by_text("18 findings").wait_for()  # the journey now knows what Explore found

    assert hosts == {"127.0.0.1"}, f"requests left the machine: {sorted(hosts)}"


def test_names_show_as_they_are_and_markup_in_values_stays_text(app_server, page):
    open_app(page, app_server.url)  # seeds the workspace
    with Workspace(app_server.home).connect() as con:
        con.execute("CREATE TABLE wine_clean AS SELECT range::DOUBLE AS alcalinity_of_ash, "
                    f"'{MARKUP}' AS label FROM range(50)")  # fmt: skip
    page.keyboard.press("r")  # rerun: the sidebar lists the new table
    wait_idle(page)
    choose_table(page, "wine_clean")
    open_page(page, "Explore")
    main = _main(page)
    main.get_by_role("tab", name="Columns (2)").click()
    main.get_by_role("heading", name="alcalinity_of_ash · DOUBLE").wait_for()  # the column's card
    wait_idle(page)
    assert "\\" not in main.inner_text()  # no escape shows, in code spans or captions
    main.get_by_role("tab", name="Findings (1)").click()
    wait_idle(page)
    finding = main.locator("[data-testid='stExpander']").filter(has_text="A single value throughout in label")
    finding.locator("summary").click()
    # the value as typed, not bold, no HTML element (in the message and again in how sure the finding is)
    finding.get_by_text(MARKUP, exact=False).first.wait_for()
    assert finding.locator("b, strong").filter(has_text=re.compile("^(bold|x)$")).count() == 0
