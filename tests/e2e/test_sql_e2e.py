"""The SQL page in a real browser: type a query, Ctrl+Enter, see the table and the chart, export CSV; the
editor's behaviour that only a browser shows (drafts kept, Enter and Tab, the Run button, line numbers)."""

from __future__ import annotations

import time

from playwright.sync_api import expect

from tests.e2e.conftest import choose_table, open_app, open_page, wait_idle

QUERY = "SELECT Origin, count(*) AS cars FROM cars GROUP BY Origin ORDER BY Origin"
EDITOR = "iframe[title='code_editor.code_editor']"


def type_query(page, sql: str) -> None:
    """Replace the editor's text with `sql`, typed."""
    page.frame_locator(EDITOR).locator(".ace_editor .ace_content").first.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type(sql)


def run_query(page, sql: str) -> None:
    """Replace the editor's text with `sql` and run it with Ctrl+Enter."""
    type_query(page, sql)
    page.keyboard.press("Control+Enter")


def editor_text(page) -> str:
    """The text in the editor, from Ace itself."""
    return page.frame_locator(EDITOR).locator(".ace_editor").first.evaluate("e => e.env.editor.getValue()")


def suggestions(page):
    return page.frame_locator(EDITOR).locator(".ace_autocomplete")


def type_name(page, name: str) -> None:
    """Type a name at a person's pace: typed faster, Ace's live suggestions may never open."""
    page.keyboard.type(name, delay=100)


def test_type_run_see_table_and_chart_export_csv(app_server, page, tmp_path):
    open_app(page, app_server.url)
    open_page(page, "SQL")
    run_query(page, QUERY)

    main = page.locator("[data-testid='stMain']")
    main.get_by_text("3 rows", exact=False).first.wait_for()
    wait_idle(page)
    table = main.locator("[data-testid='stDataFrame']")
    table.wait_for()
    # the grid draws on a canvas; its accessible copy holds the cells
    table.scroll_into_view_if_needed()
    table.hover()
    expect(table.locator("[role='columnheader']")).to_have_text(["Origin", "cars"], timeout=15_000)
    expect(table.locator("[role='gridcell']")).to_have_text(["Europe", "73", "Japan", "79", "USA", "254"])

    page.get_by_role("tab", name="Chart").click()
    main.locator("[data-testid='stPlotlyChart'] .js-plotly-plot").wait_for()
    expect(main.locator("[data-testid='stPlotlyChart'] .bars .point")).to_have_count(3)  # drawn after the plot div

    page.get_by_role("tab", name="Export / save").click()
    wait_idle(page)
    page.get_by_role("button", name="Export all 3 rows").click()
    wait_idle(page)
    main.get_by_text("3 rows written to").wait_for()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download query-").click()
    saved = tmp_path / "export.csv"
    download.value.save_as(saved)
    assert saved.read_text().splitlines() == ["Origin,cars", "Europe,73", "Japan,79", "USA,254"]


def test_cancel_stops_a_long_query_and_the_page_stays_usable(app_server, page):
    open_app(page, app_server.url)
    open_page(page, "SQL")
    run_query(page, "SELECT count(*) FROM range(100000000000)")
    page.get_by_text("Running…").wait_for()
    started = time.monotonic()
    page.get_by_role("button", name="Cancel").click()
    page.get_by_text("The last query was stopped before it finished.").wait_for()
    assert time.monotonic() - started < 10
    wait_idle(page)
    page.keyboard.press("Escape")  # the editor's completion popup, if open
    run_query(page, "SELECT 41 + 1 AS answer")
    expect(page.locator("[data-testid='stDataFrame'] [role='gridcell']")).to_have_text(["42"], timeout=30_000)


def heading(page) -> str:
    return page.locator("[data-testid='stMain'] h1").first.inner_text()


def test_a_draft_survives_a_page_switch(app_server, page):
    open_app(page, app_server.url)
    open_page(page, "SQL")
    type_query(page, "SELECT Name FROM cars -- not run yet")
    open_page(page, "Data")  # the first click, the focus still in the editor: it used to be lost
    expect(page.locator("[data-testid='stMain'] h1").first).to_have_text("Data")
    assert page.url.endswith("/data")
    open_page(page, "SQL")
    assert heading(page) == "SQL"
    assert editor_text(page) == "SELECT Name FROM cars -- not run yet"


def test_the_first_click_after_ctrl_enter_opens_the_other_page(app_server, page):
    open_app(page, app_server.url)
    open_page(page, "SQL")
    run_query(page, "SELECT 41 + 1 AS answer")
    expect(page.locator("[data-testid='stDataFrame'] [role='gridcell']")).to_have_text(["42"], timeout=30_000)
    open_page(page, "Explore")  # the focus is still in the editor
    expect(page.locator("[data-testid='stMain'] h1").first).to_have_text("Explore")
    assert page.url.split("?")[0].endswith("/explore")


def test_the_starting_query_reads_the_current_table(app_server, page):
    open_app(page, app_server.url)
    choose_table(page, "penguins_raw")
    open_page(page, "SQL")
    assert editor_text(page).splitlines()[-1] == "SELECT * FROM penguins_raw LIMIT 100"


def test_enter_starts_a_new_line_and_tab_takes_the_suggestion(app_server, page):
    open_app(page, app_server.url)
    open_page(page, "SQL")
    type_query(page, "SELECT * FROM ")
    type_name(page, "car")
    expect(suggestions(page)).to_be_visible()
    page.keyboard.press("Enter")
    type_name(page, "car")
    expect(suggestions(page)).to_be_visible()
    page.keyboard.press("Tab")
    assert editor_text(page) == "SELECT * FROM car\ncars"


def test_the_run_button_shows_above_a_tall_query(app_server, page):
    open_app(page, app_server.url)
    open_page(page, "SQL")
    type_query(page, "SELECT 1 AS one\n" + "\n".join(f"-- line {i}" for i in range(40)))
    page.mouse.move(0, 0)  # away from the editor: its buttons used to show only on hover
    frame = page.frame_locator(EDITOR)
    run = frame.get_by_role("button", name="Run")
    expect(run).to_have_css("opacity", "1")
    box, first_line = run.bounding_box(), frame.locator(".ace_editor .ace_line").first.bounding_box()
    assert box["y"] + box["height"] <= first_line["y"]  # above the text, where the editor starts
    run.click()
    expect(page.locator("[data-testid='stDataFrame'] [role='gridcell']")).to_have_text(["1"], timeout=30_000)


def test_line_numbers_line_up_with_the_text(app_server, page):
    open_app(page, app_server.url)
    open_page(page, "SQL")
    type_query(page, "\n".join(f"SELECT {i}" for i in range(30)))  # taller than the editor: it scrolls
    page.keyboard.press("Control+Home")
    for end in ("top", "bottom"):
        tops = page.frame_locator(EDITOR).locator(".ace_editor").first.evaluate(
            """e => Object.fromEntries([['gutter', '.ace_gutter-cell'], ['text', '.ace_text-layer .ace_line']].map(
                ([part, css]) => [part, [...e.querySelectorAll(css)].map(x => x.getBoundingClientRect().top)]))"""
        )
        pairs = list(zip(tops["gutter"], tops["text"]))  # the gutter may draw one row more, below the last
        assert len(pairs) >= 8 and all(number == line for number, line in pairs), end
        page.keyboard.press("Control+End")
