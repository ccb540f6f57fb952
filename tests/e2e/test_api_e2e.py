"""A notebook and the open app at once: the Python API writes and reads while a tab works, both keep working,
and `workbench.show()` opens the notebook's frame on Explore in that app."""

from __future__ import annotations

import threading
from urllib.parse import urlparse

import pandas as pd

import workbench
from tests.e2e.conftest import open_app, wait_idle
from workbench import running


def test_the_api_and_the_app_work_on_one_workspace_at_once(start_app, page):
    server = start_app()
    open_app(page, f"{server.url}/data")
    page.get_by_text("5 tables in the workspace").wait_for()
    running.record(server.home, "127.0.0.1", urlparse(server.url).port)  # as `workbench ui` notes its address
    notebook = workbench.open(server.home)

    done: dict[str, object] = {}

    def notebook_work() -> None:  # a notebook cell run while the tab below profiles a table
        for i in range(5):
            notebook.add(pd.DataFrame({"wine": ["Merlot", "Syrah", "Rioja"], "score": [88, 91, 90 + i]}),
                         "tasting", replace=True)  # fmt: skip
            done["read"] = len(notebook.df("penguins_raw"))
        done["cleaned"] = notebook.clean("cars", "trim", column="Name")

    worker = threading.Thread(target=notebook_work)
    worker.start()
    page.goto(f"{server.url}/explore?table=penguins_raw")  # the tab profiles meanwhile
    wait_idle(page, 120_000)
    page.get_by_text("Numbers stored as text").first.wait_for()
    worker.join(120)
    assert not worker.is_alive() and done == {"read": 344, "cleaned": "cars_v2"}
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator("[data-testid='stAlert']").filter(has_text="busy").count() == 0

    url = notebook.show(pd.DataFrame({"grape": ["Merlot", "merlot", "Syrah"], "price": [12.5, 13.0, None]}))
    assert url == f"{server.url}/explore?table=scratch"  # the app already serving the workspace, not a new one
    open_app(page, url)
    current = page.locator("[data-testid='stSidebar'] input[aria-label='Current table']")
    assert current.input_value() == "scratch"  # Explore opened on the notebook's frame
    summaries = page.locator("[data-testid='stMain'] [data-testid='stExpander'] summary")
    summaries.filter(has_text="in price").first.wait_for()  # its findings: price holds a missing value
    for name in ("tasting", "cars_v2", "scratch"):
        assert name in notebook.tables()["name"].tolist()
