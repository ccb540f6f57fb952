"""Dedupe as a person uses it: pick the FEBRL sample, find matches, label one, merge, export."""

from __future__ import annotations

import csv

from tests.e2e.conftest import choose_table, open_app, open_page, wait_idle


def test_find_label_merge_and_export_duplicates(app_server, page):
    open_app(page, app_server.url)
    choose_table(page, "febrl_people")
    open_page(page, "Dedupe")  # the sidebar's link: the start page also links to Dedupe
    main = page.locator("[data-testid='stMain']")
    main.get_by_text("Columns that describe the entity").wait_for()
    main.get_by_role("button", name="Find matches").click()
    wait_idle(page, timeout=120_000)
    main.get_by_text("Estimated precision").wait_for()
    metrics = dict(zip(main.locator("[data-testid='stMetricLabel']").all_inner_texts(),
                       main.locator("[data-testid='stMetricValue']").all_inner_texts()))  # fmt: skip
    assert metrics["Records"] == "1,000"
    assert 480 <= int(metrics["Pairs matched"].replace(",", "")) <= 520

    # the pair under review, then the answer
    main.get_by_text("Review the least certain pairs").wait_for()
    main.get_by_role("button", name="Match", exact=True).click()
    wait_idle(page)
    main.get_by_text("Thanks: 1 pair labelled, scores updated. Your answer a match for").wait_for()

    # export the scored pairs
    with page.expect_download() as download:
        main.get_by_role("button", name="Download scored pairs (CSV)").click()
    with open(download.value.path(), encoding="utf-8") as exported:
        rows = list(csv.DictReader(exported))
    assert len(rows) > 480 and "match_probability" in rows[0]

    # merge into a new table: said under the button; the new table opens in Explore
    name = main.get_by_label("New table name")
    name.fill("people_clean")
    name.press("Enter")
    wait_idle(page)
    main.get_by_role("button", name="Merge into a new table").click()
    wait_idle(page)
    confirmation = main.locator("[data-testid='stAlertContentSuccess']").filter(has_text="Created people_clean")
    merge_button = main.get_by_role("button", name="Merge into a new table")
    assert 0 < confirmation.bounding_box()["y"] - merge_button.bounding_box()["y"] < 150
    main.get_by_role("button", name="Open the new table in Explore").click()
    page.wait_for_url("**/explore?table=people_clean")
