"""Many tabs, a notebook and the command line at once: no one's long work breaks anyone else's.

One real server; four browser tabs (a query that runs until it is stopped, a Model fit, Explore's
findings then a Clean preview, a short query) and, at the same time, `workbench load` and read-only
`workbench sql` from the command line while a separate process holds the file read-only, as a
notebook does. Every one must finish with its right result, and no tab may show an error box.
The long query is long because it runs until Cancel, so the test needs no fixed times.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.conftest import choose_table, open_app, open_page, wait_idle
from tests.e2e.test_sql_e2e import run_query
from workbench import Workspace

WORKBENCH = Path(sys.executable).with_name("workbench")
LONG = "SELECT count(*) AS n FROM cars, range(100000000000)"
ERRORS = "[data-testid='stException'], [data-testid='stAlertContentError']"
HOLDER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print("holding", flush=True)
sys.stdin.readline()
con.close()
"""


def main_area(page):
    return page.locator("[data-testid='stMain']")


def command(home: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([str(WORKBENCH), "--home", str(home), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip


def csv_file(path: Path, rows: int) -> Path:
    path.write_text("id,label\n" + "".join(f"{i},item {i}\n" for i in range(rows)))
    return path


def test_a_long_query_a_fit_a_preview_and_the_command_line_all_finish(start_app, browser, tmp_path):
    server = start_app()
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(4)]
    long_tab, fit_tab, clean_tab, short_tab = tabs = [c.new_page() for c in contexts]
    for tab in tabs:
        tab.set_default_timeout(120_000)
    holder = None
    try:
        open_app(long_tab, server.url)  # seeds the samples
        # 1. a query that runs until it is stopped, with a time limit raised to 10 minutes
        open_page(long_tab, "SQL")
        limit = main_area(long_tab).locator("input[aria-label='Time limit (s)']")
        limit.fill("600")
        limit.press("Enter")
        wait_idle(long_tab)
        run_query(long_tab, LONG)
        long_tab.get_by_text("Running…").wait_for()

        # 2. a notebook-like process holds the file read-only; the command line loads and reads meanwhile
        holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(server.home / "workbench.duckdb")],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)  # fmt: skip
        assert holder.stdout.readline().strip() == "holding"
        loads = [command(server.home, "load", str(csv_file(tmp_path / f"load{i}.csv", 10 + i)), "--json")
                 for i in range(2)]  # fmt: skip
        reads = [command(server.home, "sql", f"SELECT {i} + 42 AS answer", "--json") for i in range(3)]
        for i, read in enumerate(reads):  # reads never wait on reads: answered while the holder reads
            out, err = read.communicate(timeout=120)
            assert read.returncode == 0, err
            assert json.loads(out)["rows"] == [{"answer": 42 + i}]
        assert holder.poll() is None and all(load.poll() is None for load in loads)  # the loads wait for it
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.wait(timeout=30) == 0

        # 3. the other tabs work while the long query still runs
        open_app(fit_tab, server.url)
        choose_table(fit_tab, "cars")
        open_page(fit_tab, "Model")
        main_area(fit_tab).locator("input[aria-label='Target: the column to predict']").click()
        fit_tab.get_by_role("option", name="Origin", exact=True).click()
        wait_idle(fit_tab)
        main_area(fit_tab).get_by_role("button", name="Fit the leaderboard").click()

        open_app(clean_tab, server.url)
        choose_table(clean_tab, "penguins_raw")
        open_page(clean_tab, "Explore")
        first = main_area(clean_tab).locator("[data-testid='stExpander']").first
        expect(first).to_contain_text("Missing values written as text in Comments", timeout=120_000)  # the findings
        first.locator("summary").click()
        first.get_by_role("button", name="Fix on the Clean page").click()
        wait_idle(clean_tab)
        main_area(clean_tab).get_by_role("heading", name="Clean").wait_for()
        main_area(clean_tab).get_by_text("Turns values that stand for 'unknown'").wait_for()
        main_area(clean_tab).get_by_role("button", name="Preview").click()

        open_app(short_tab, server.url)
        open_page(short_tab, "SQL")
        run_query(short_tab, "SELECT count(*) AS cars FROM cars")
        cells = short_tab.locator("[data-testid='stDataFrame'] [role='gridcell']")
        expect(cells).to_have_text(["406"], timeout=120_000)

        main_area(clean_tab).get_by_text("290 values would be set to missing (NULL)").wait_for()  # the preview
        main_area(fit_tab).get_by_role("heading", name="Leaderboard").wait_for(timeout=240_000)
        main_area(fit_tab).get_by_text("Mean ± standard deviation over 5 folds").wait_for()

        for i, load in enumerate(loads):
            out, err = load.communicate(timeout=120)
            assert load.returncode == 0, err
            assert "Waiting for the workspace: another process is using it (PID " in err  # said what it waited for
            assert [(r["table"], r["rows"]) for r in json.loads(out)["results"]] == [(f"load{i}", 10 + i)]
        rows = {t.name: t.rows for t in Workspace(server.home).tables()}
        assert (rows["load0"], rows["load1"]) == (10, 11)

        # 4. the long query ran all along; Cancel stops it and the page stays usable
        assert long_tab.get_by_text("Running…").is_visible()
        started = time.monotonic()
        long_tab.get_by_role("button", name="Cancel").click()
        long_tab.get_by_text("The last query was stopped before it finished.").wait_for()
        assert time.monotonic() - started < 30
        for tab in tabs:
            wait_idle(tab)
            assert tab.locator(ERRORS).count() == 0, tab.locator(ERRORS).first.inner_text()
    except BaseException:
        for name, tab in zip(("long", "fit", "clean", "short"), tabs):
            tab.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
        raise
    finally:
        if holder is not None and holder.poll() is None:
            holder.kill()
        for context in contexts:
            context.close()

