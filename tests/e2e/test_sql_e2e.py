"""The SQL page in a real browser: type a query, Ctrl+Enter, see the table and the chart, export CSV."""

from __future__ import annotations

import time

from playwright.sync_api import expect

from tests.e2e.conftest import open_app, open_page, wait_idle

QUERY = "SELECT Origin, count(*) AS cars FROM cars GROUP BY Origin ORDER BY Origin"


def run_query(page, sql: str) -> None:
    """Replace the editor's text with `sql` and run it with Ctrl+Enter."""
    page.frame_locator("iframe[title='code_editor.code_editor']").locator(".ace_editor .ace_content").first.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type(sql)
    page.keyboard.press("Control+Enter")


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
