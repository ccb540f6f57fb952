"""Similar and Recommend as a person uses them: the wines most like one, why, and on a map; then a board of
recommenders on real ratings and one person's list with its reasons."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import choose_table, open_app, open_page, wait_idle
from workbench import Workspace
from workbench.metadata import record_table


def test_the_wines_most_like_one_explained_and_on_the_map(app_server, page):
    open_app(page, app_server.url)  # the first visit seeds the samples, the wines among them
    choose_table(page, "wine")
    open_page(page, "Similar")
    main = page.locator("[data-testid='stMain']")
    box = main.locator("input[aria-label='Reference rows']")
    box.fill("12")
    box.press("Enter")
    wait_idle(page)
    main.get_by_role("button", name="Find similar rows").click()
    main.get_by_role("heading", name="The 10 rows most like 12").wait_for(timeout=60_000)
    wait_idle(page)
    main.get_by_text("proline runs 278-1,680").wait_for()
    main.locator(".gtitle", has_text="Each neighbour's distance, split by column").wait_for()
    main.locator(".gtitle", has_text="the part of each column in its distance").wait_for()

    main.get_by_role("button", name="Draw the map").click()
    main.locator(".gtitle", has_text="The rows on their two main directions (PCA)").wait_for(timeout=60_000)
    wait_idle(page)
    # hovering a point shows its row (at the reference, drawn last and on top, the closest point may be a
    # neighbour lying on it: any row will do)
    chart = main.locator("[data-testid='stPlotlyChart']").last
    reference = chart.locator(".scatterlayer .trace").last.locator(".point").first
    reference.hover(force=True)
    expect(chart.locator(".hoverlayer")).to_contain_text(re.compile(r"id: \d+.*proline: \d+.*cultivar: class_"),
                                                         timeout=10_000)  # fmt: skip

    main.get_by_role("button", name="Save the neighbours as a table").click()
    main.get_by_text("Saved wine_similar: 10 rows").wait_for()
    assert Workspace(app_server.home).table("wine_similar").rows == 10


def test_a_board_of_recommenders_then_one_persons_list(app_server, page):
    open_app(page, app_server.url)
    with Workspace(app_server.home).connect() as con:  # the first 120 MovieLens users: a quick real board
        con.execute("CREATE TABLE ratings AS SELECT * FROM movielens WHERE userId <= 120")
        record_table(con, "ratings", source_kind="sql", operation="sql", parents=["movielens"])
    open_app(page, app_server.url)
    choose_table(page, "ratings")
    open_page(page, "Recommend")
    main = page.locator("[data-testid='stMain']")
    main.get_by_role("button", name="Evaluate the recommenders").click()
    main.get_by_role("heading", name="Which recommender predicts best").wait_for(timeout=120_000)
    wait_idle(page, timeout=120_000)
    main.get_by_text("each user's latest 20% of ratings held out, by time").wait_for()
    main.get_by_text("the user and item biases baseline").first.wait_for()

    who = main.locator("input[aria-label='User']")
    who.fill("15")
    who.press("Enter")
    wait_idle(page)
    main.get_by_role("button", name="Recommend for this user").click()
    main.get_by_text("answered").first.wait_for(timeout=60_000)
    wait_idle(page)
    main.get_by_text("Their own ratings").wait_for()
    # the board, the list, their ratings, and the (empty) editor for a new person's ratings
    expect(main.locator("[data-testid='stDataFrame']")).to_have_count(4)


def test_cancel_stops_a_board_on_the_whole_movielens_within_seconds(app_server, page):
    open_app(page, app_server.url)
    choose_table(page, "movielens")
    open_page(page, "Recommend")
    main = page.locator("[data-testid='stMain']")
    main.get_by_role("button", name="Evaluate the recommenders").click()
    cancel = main.get_by_role("button", name="Cancel")
    cancel.wait_for(timeout=60_000)
    main.get_by_text("fold 1 of 1:").first.wait_for(timeout=60_000)  # a model is being fitted
    cancel.click()
    # the fit stops at its next progress report (between sweeps, folds, blocks of items); the bound is loose
    # for a busy machine: it usually takes about a second
    main.get_by_text("Cancelled, nothing saved.").wait_for(timeout=60_000)
    wait_idle(page)
    assert not main.get_by_role("heading", name="Which recommender predicts best").count()
