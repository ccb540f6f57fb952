"""Model as a person uses it: choose a target, fit the leaderboard, read it, open the best model."""

from __future__ import annotations

from tests.e2e.conftest import choose_table, open_app, open_page, wait_idle


def test_fit_a_leaderboard_and_open_a_model(app_server, page):
    open_app(page, app_server.url)
    choose_table(page, "cars")
    open_page(page, "Model")
    main = page.locator("[data-testid='stMain']")
    main.locator("input[aria-label='Target: the column to predict']").click()
    page.get_by_role("option", name="Origin", exact=True).click()
    wait_idle(page)
    main.get_by_text("Task: multiclass").wait_for()
    main.get_by_role("button", name="Fit the leaderboard").click()
    main.get_by_role("heading", name="Leaderboard").wait_for(timeout=120_000)
    wait_idle(page, timeout=120_000)
    board = main.locator("[data-testid='stDataFrame']").last
    board.wait_for()
    main.get_by_text("Mean ± standard deviation over 5 folds").wait_for()
    # the opened model: its confusion matrix and ROC curve, drawn from held-out predictions
    page.wait_for_selector("[data-testid='stPlotlyChart'] .main-svg")
    main.locator(".gtitle", has_text="Confusion matrix").wait_for()
    main.locator(".gtitle", has_text="ROC curve on held-out folds").wait_for()
