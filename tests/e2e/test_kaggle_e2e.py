"""Kaggle from the Data page in a browser: search, download, see the new tables (fake Kaggle behind HTTP_PROXY)."""

# ruff: noqa: F811  (fixtures imported from tests.kaggle.fixtures)
from __future__ import annotations

from tests.e2e.conftest import open_app, wait_idle
from tests.kaggle.fake_server import KEY, USERNAME
from tests.kaggle.fixtures import fake_kaggle  # noqa: F401


def test_search_download_and_see_the_new_tables(start_app, page, fake_kaggle, tmp_path):
    server = start_app(env={**fake_kaggle.env(), "HOME": str(tmp_path), "KAGGLE_USERNAME": USERNAME,
                            "KAGGLE_KEY": KEY})
    open_app(page, f"{server.url}/data")
    page.get_by_text("5 tables in the workspace").wait_for()
    page.get_by_text("Download from Kaggle").click()
    page.get_by_text("Using the Kaggle API key for ada").wait_for()

    page.get_by_label("Search Kaggle datasets").fill("shop")
    page.locator(".st-key-kaggle_search button").click()
    wait_idle(page)
    page.get_by_label("Dataset from the search").click()
    page.get_by_role("option", name="ada/shop-sales").click()
    wait_idle(page)
    page.get_by_role("button", name="Download and import ada/shop-sales").click()

    page.get_by_text("8 tables in the workspace").wait_for()
    wait_idle(page)
    main = page.locator("[data-testid='stMain']").inner_text()
    assert "data/2024/sales.csv → sales: 3 rows × 3 columns" in main
    assert "meta/regions.json → regions: 2 rows × 2 columns" in main
    assert "Downloaded ada/shop-sales version 3" in main and "CC-BY-SA-4.0" in main
    assert "3 rows × 3 columns · kaggle: ada/shop-sales" in main  # the first new table is the current one
    assert "table=sales" in page.url
    assert [s.path.rsplit("/", 1)[-1] for s in fake_kaggle.seen if s.method == "POST"][-2:] == [
        "GetDataset", "DownloadDataset"]
