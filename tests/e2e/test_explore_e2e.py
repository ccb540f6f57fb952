"""Explore as a person uses it: open a sample table, see its findings, open one, see the charts."""

from __future__ import annotations

from tests.e2e.conftest import choose_table, open_app, open_page, wait_idle


def assert_titles_inside(charts) -> None:
    """Every chart's title is drawn within its chart's box: not above its top, not past its right edge."""
    for i in range(charts.count()):
        chart = charts.nth(i)
        box = chart.bounding_box()
        for line in chart.locator(".gtitle tspan.line, .gtitle").all():
            edge = line.bounding_box()
            assert edge["y"] >= box["y"] and edge["x"] + edge["width"] <= box["x"] + box["width"] + 1, (
                line.text_content())


def test_explore_a_sample_table_shows_findings_and_charts(app_server, page):
    open_app(page, app_server.url)
    choose_table(page, "penguins_raw")
    open_page(page, "Explore")
    main = page.locator("[data-testid='stMain']")
    main.get_by_text("Findings (18)").wait_for()
    assert "344" in main.locator("[data-testid='stMetricValue']").first.inner_text()
    # the worst finding comes first; opening it queries and shows the message, the fix and the evidence rows
    first = main.locator("[data-testid='stExpander']").first
    assert "Missing values written as text in Comments: 290 rows · high" in first.inner_text()
    first.locator("summary").click()
    first.get_by_text("290 values that mean 'missing': 'NA' (290×)").wait_for()
    first.get_by_text("Fix:").wait_for()
    first.locator("[data-testid='stDataFrame']").wait_for()  # the evidence rows, queried when opened
    wait_idle(page)
    assert first.locator("[data-testid='stDataFrame']").count() == 1
    # the narrowest chart, beside a finding's evidence, holds its whole title
    numbers = main.locator("[data-testid='stExpander']", has_text="Numbers stored as text in Body Mass (g)")
    numbers.locator("summary").click()
    numbers.locator("[data-testid='stPlotlyChart'] .gtitle").wait_for()
    wait_idle(page)
    assert_titles_inside(numbers.locator("[data-testid='stPlotlyChart']"))
    # charts are real plotly figures drawn in the page
    page.wait_for_selector("[data-testid='stPlotlyChart'] .main-svg")
    # the Columns tab has a card and a chart per column
    main.get_by_role("tab", name="Columns (17)").click()
    wait_idle(page)
    columns = main.get_by_role("tabpanel", name="Columns (17)")
    columns.locator(".gtitle", has_text="Sex: most frequent values (red:").wait_for()
    assert columns.locator("[data-testid='stPlotlyChart']").count() == 17
    # a text column holding numbers is described by its numbers, under a title drawn in full on two lines
    columns.get_by_text("Stored as text; these statistics read the 342 values that are numbers").first.wait_for()
    culmen = page.locator(".gtitle", has_text="Culmen Length (mm): histogram of its")
    title = columns.locator(culmen)
    assert title.locator("tspan.line").all_text_contents() == ["Culmen Length (mm): histogram of its",
                                                               "342 numbers (stored as text)"]  # fmt: skip
    assert_titles_inside(columns.locator("[data-testid='stPlotlyChart']"))
    # the Relationships tab: correspondence analysis opens on the most associated pair of categorical columns
    main.get_by_role("tab", name="Relationships").click()
    wait_idle(page)
    relationships = main.get_by_role("tabpanel", name="Relationships")
    relationships.get_by_text("Correspondence analysis", exact=True).click()
    wait_idle(page)
    biplot = relationships.locator(".gtitle", has_text="Correspondence analysis of")
    biplot.wait_for()
    assert biplot.locator("tspan.line").all_text_contents() == ["Correspondence analysis of Clutch",
                                                                "Completion × Comments"]
