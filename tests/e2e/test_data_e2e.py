"""The Data page as a person uses it: samples listed, a CSV uploaded, the new table listed."""

from __future__ import annotations

import subprocess
import sys

import duckdb

from tests.e2e.conftest import choose_table, open_app, wait_idle, wait_until
from workbench import Workspace


def _overview_text(page) -> str:
    return page.locator("[data-testid='stMain']").inner_text()


def test_open_app_see_samples_upload_csv(app_server, page, tmp_path):
    open_app(page, f"{app_server.url}/data")
    page.get_by_text("5 tables in the workspace").wait_for()

    csv_file = tmp_path / "Wine Reviews (2024).csv"
    csv_file.write_text("country,points,price\nItaly,87,\nPortugal,87,15\nUS,87,14\n", encoding="utf-8")
    page.get_by_text("Import files").click()
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(csv_file))
    wait_idle(page)
    page.get_by_role("button", name="Import", exact=True).click()
    page.get_by_text("6 tables in the workspace").wait_for()
    wait_idle(page)
    text = _overview_text(page)
    assert "Wine Reviews (2024).csv → wine_reviews_2024: 3 rows × 3 columns" in text
    # the new table became the current one: its preview and provenance are shown
    assert "3 rows × 3 columns · upload: Wine Reviews (2024).csv" in text
    # the new table became the current one, and the address says so
    assert "table=wine_reviews_2024" in page.url


def test_cli_load_while_ui_open_shows_on_next_rerun(start_app, browser, tmp_path):
    server = start_app()
    first, second = browser.new_page(), browser.new_page()
    try:
        for tab in (first, second):  # two browser sessions at once
            tab.goto(f"{server.url}/data")
        for tab in (first, second):
            wait_idle(tab)
            tab.get_by_text("5 tables in the workspace").wait_for()

        extra = tmp_path / "from_terminal.csv"
        extra.write_text("a,b\n1,2\n3,4\n", encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "-m", "workbench.cli", "--home", str(server.home), "load", str(extra), "--json"],
            capture_output=True, text=True, timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert '"table": "from_terminal"' in done.stdout

        for tab in (first, second):
            tab.keyboard.press("r")  # Streamlit's rerun shortcut
            tab.get_by_text("6 tables in the workspace").wait_for()
            wait_idle(tab)
            choose_table(tab, "from_terminal")
            tab.get_by_text("2 rows × 2 columns · file:").wait_for()
    finally:
        first.close()
        second.close()


def test_cancel_stops_an_import_and_keeps_nothing_half_done(app_server, page, tmp_path):
    big = tmp_path / "big.csv"
    duckdb.connect().execute(
        f"COPY (SELECT range AS id, md5(range::VARCHAR) AS h, random() AS x FROM range(2500000)) TO '{big}'"
    )
    open_app(page, f"{app_server.url}/data")
    before = page.get_by_role("heading", name="tables in the workspace").inner_text()
    page.get_by_text("Import files").click()
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(big))
    wait_idle(page, 120_000)
    page.get_by_role("button", name="Import", exact=True).click()
    page.get_by_role("button", name="Cancel import").click()
    page.get_by_text("The last import was stopped before it finished").wait_for(timeout=60_000)
    wait_idle(page)
    assert page.get_by_role("heading", name="tables in the workspace").inner_text() == before
    # the uploaded file itself is kept in the workspace, whole: nothing the user gave is lost. Streamlit
    # starts the next run at once, so the stopped one may still be storing it (it stops at its next call)
    uploads = app_server.home / "downloads" / "uploads"
    wait_until(lambda: list(uploads.rglob("big.csv")) and not list(uploads.rglob("*.part")), "the upload's file")
    assert next(uploads.rglob("big.csv")).stat().st_size == big.stat().st_size
    assert "big" not in [t.name for t in Workspace(app_server.home).tables()]


def test_a_link_to_a_page_opens_it_inside_the_app_on_a_fresh_server(start_app, page):
    server = start_app()  # nothing has been served yet: the link is the server's first request
    page.goto(f"{server.url}/explore?table=penguins_raw")
    wait_idle(page)
    sidebar = page.locator("[data-testid='stSidebar']")
    sidebar.get_by_role("link", name="Dedupe").wait_for()  # the app's own navigation, not pages/ listed
    page.locator("[data-testid='stMain']").get_by_text("Findings (18)").wait_for()
    wait_idle(page)
    assert sidebar.get_by_role("link", name="ui").count() == 0
    assert sidebar.get_by_text("Current table").count() == 1  # the shared sidebar is there
    assert "table=penguins_raw" in page.url
