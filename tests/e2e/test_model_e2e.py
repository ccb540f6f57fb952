"""Model as a person uses it: choose a target, fit the leaderboard, read it, open the best model, predict
another table and download the submission."""

from __future__ import annotations

import csv
import re

from playwright.sync_api import expect

from tests.e2e.conftest import choose_table, open_app, open_page, wait_idle
from workbench import Workspace
from workbench.metadata import record_table


def open_model_on(page, url: str, table: str, target: str):
    """Open the Model page on `table` with `target` chosen; the page's main area."""
    open_app(page, url)
    choose_table(page, table)
    open_page(page, "Model")
    main = page.locator("[data-testid='stMain']")
    main.locator("input[aria-label='Target: the column to predict']").click()
    page.get_by_role("option", name=target, exact=True).click()
    wait_idle(page)
    return main


def fit_board(page, main, timeout: float) -> None:
    """Press Fit the leaderboard and wait until the board is drawn."""
    main.get_by_role("button", name="Fit the leaderboard").click()
    main.get_by_role("heading", name="Leaderboard").wait_for(timeout=timeout)
    wait_idle(page, timeout=timeout)



def test_fit_a_leaderboard_open_a_model_and_download_a_submission(app_server, page):
    open_app(page, app_server.url)  # the first visit seeds the samples
    with Workspace(app_server.home).connect() as con:  # a competition's train and test, made of the cars
        con.execute("CREATE TABLE cars_train AS SELECT row_number() OVER () AS car_id, * FROM cars")
        con.execute("CREATE TABLE cars_test AS SELECT * EXCLUDE (Origin) FROM cars_train WHERE car_id % 10 = 0")
        for table in ("cars_train", "cars_test"):
            record_table(con, table, source_kind="file", operation="import")
    main = open_model_on(page, app_server.url, "cars_train", "Origin")
    main.get_by_text("Task: multiclass").wait_for()
    fit_board(page, main, timeout=120_000)
    board = main.locator("[data-testid='stDataFrame']").last
    board.wait_for()
    main.get_by_text("Mean ± standard deviation over 5 folds").wait_for()
    # the opened model: its confusion matrix and ROC curve, drawn from held-out predictions
    page.wait_for_selector("[data-testid='stPlotlyChart'] .main-svg")
    main.locator(".gtitle", has_text="Confusion matrix").wait_for()
    main.locator(".gtitle", has_text="ROC curve on held-out folds").wait_for()
    # predict the test table with the best model and download the checked submission
    main.get_by_role("heading", name="Predict and submit").scroll_into_view_if_needed()
    for label, option in (("Predict on", "cars_test"), ("Id column", "car_id")):
        # typed and taken with Enter: a click on the list's option can land while the list redraws
        box = page.locator(f"input[aria-label='{label}']")
        box.click()
        box.press_sequentially(option)
        page.keyboard.press("Enter")
        wait_idle(page)
        expect(box).to_have_value(option)
    # the button names the best model and its score: "Fit the random forest (the best, accuracy 0.8) on every row..."
    best = re.compile(r"^Fit .+ \(the best, accuracy [0-9.]+\) on every row and predict$")
    main.get_by_role("button", name=best).click()
    button = main.get_by_role("button", name="Download the submission CSV")
    button.wait_for(timeout=120_000)
    with page.expect_download() as download:
        button.click()
    with open(download.value.path(), newline="") as f:
        header, *rows = list(csv.reader(f))
    assert header == ["car_id", "Origin"]
    assert sorted(int(r[0]) for r in rows) == list(range(10, 407, 10))  # every test id, once
    assert {r[1] for r in rows} <= {"USA", "Europe", "Japan"}


def test_a_time_ordered_table_shows_the_warning_and_the_folds_along_time(app_server, page):
    from benchmarks.validation import sales

    open_app(page, app_server.url)
    frame = sales(days=400)
    with Workspace(app_server.home).connect() as con, con.cursor() as cur:
        cur.register("__frame", frame)
        cur.execute("CREATE TABLE daily_sales AS SELECT * FROM __frame")
        cur.unregister("__frame")
        record_table(cur, "daily_sales", source_kind="file", operation="import")
    main = open_model_on(page, app_server.url, "daily_sales", "sales")
    main.get_by_text("Validation: 5 folds in time order by 'day', gap 0.").wait_for()
    fit_board(page, main, timeout=180_000)
    main.get_by_text("The rows are ordered in time: validating on later rows than those fitted; shuffled folds "
                     "would report R²").wait_for()  # fmt: skip
    main.locator(".gtitle", has_text="The folds along day").wait_for()
    bars = main.locator("[data-testid='stPlotlyChart']", has=page.locator(".gtitle", has_text="The folds along day"))
    assert bars.locator("g.point").count() == 10  # 5 training and 5 validation blocks
    main.get_by_text("Forecast baselines").wait_for()
