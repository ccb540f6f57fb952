"""Several tabs at once on one server: the time to Explore's findings, a Clean preview and a Model board,
for one tab alone and for N tabs together, the peak memory of the server's process tree, and what a
long query's move to a snapshot costs (workbench/sql/worker.py).

The real server (`streamlit run`) over a fresh workspace holding a generated table (`--rows` rows,
12 columns, a text column with 'NA' for missing, so Explore finds something to fix),
driven by Playwright in Debian's Chromium. Each phase starts in every tab at once and is timed per
tab until its result shows; memory is the largest sum of the resident memory of the server and all
its children (SQL and model workers), sampled every 0.2 s.

    python benchmarks/concurrency.py --rows 1_000_000 --tabs 4
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from benchmarks import measure  # noqa: E402

COLUMNS = """range AS id, 'item ' || range AS label, range % 97 AS score, random() AS a, random() AS b,
  ['red', 'white', 'rose'][1 + range % 3] AS colour, TIMESTAMP '2024-01-01' + to_seconds(range) AS seen,
  range % 2 = 0 AS flag, random() * 100 AS price,
  CASE WHEN range % 10 = 0 THEN 'NA' ELSE 'note ' || (range % 50) END AS comments,
  range * 2 AS doubled, CASE WHEN range % 7 = 0 THEN NULL ELSE range % 5 END AS rating"""


def make_workspace(home: Path, rows: int) -> None:
    from workbench.metadata import record_table
    from workbench.workspace import Workspace

    ws = Workspace(home)
    with ws.connect() as con:
        con.execute("SET enable_progress_bar = false")
        con.execute(f"CREATE TABLE bench AS SELECT {COLUMNS} FROM range(?)", [rows])
        record_table(con, "bench", source_kind="file", operation="import")


def snapshot_cost(home: Path) -> dict:
    """What a long query's move costs: copying the table into memory, in seconds and MiB (resident
    memory held by the copy, measured in a fresh child process so nothing else is counted)."""
    return measure.run_script_child(__file__, str(home))


def _snapshot_child(home: Path) -> None:
    before = _rss_mib()
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    con.execute("ATTACH ? AS live (READ_ONLY)", [str(home / "workbench.duckdb")])
    con.execute("ATTACH ':memory:' AS workbench")
    started = time.perf_counter()
    con.execute("CREATE TABLE workbench.main.bench AS SELECT * FROM live.main.bench")
    seconds = time.perf_counter() - started
    con.execute("DETACH live")
    print(json.dumps({"copy_s": seconds, "copy_held_mib": _rss_mib() - before}))
    con.close()


def _rss_mib() -> float:
    return measure.status_kib(Path("/proc/self/status"), "VmRSS") / 1024


class TreeMemory(measure.Sampler):
    """The largest sum of resident memory (VmRSS) over a process and its descendants, in MiB."""

    def __init__(self, pid: int):
        super().__init__()
        self.pid, self.peak = pid, 0.0

    def _sample(self) -> None:
        total = 0
        for pid in [self.pid, *measure._descendants(self.pid)]:
            try:
                total += measure.status_kib(Path(f"/proc/{pid}/status"), "VmRSS")
            except (OSError, StopIteration, ValueError):
                continue
        self.peak = max(self.peak, total / 1024)


def _phase(tabs: list, start, done) -> list[float]:
    """Start the phase in every tab at once, then time each tab until its result shows."""
    began = time.perf_counter()
    for tab in tabs:
        start(tab)
    times = []
    for tab in tabs:
        done(tab)
        times.append(time.perf_counter() - began)
    return times


def run_tabs(url: str, browser, count: int) -> dict:
    from tests.e2e.conftest import wait_idle

    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(count)]
    tabs = [c.new_page() for c in contexts]
    for tab in tabs:
        tab.set_default_timeout(300_000)

    def main(tab):
        return tab.locator("[data-testid='stMain']")

    def fix(tab):
        first = main(tab).locator("[data-testid='stExpander']", has_text="Missing values written as text in comments")
        first.locator("summary").click()
        first.get_by_role("button", name="Fix on the Clean page").click()
        main(tab).get_by_role("heading", name="Clean").wait_for()
        wait_idle(tab, 300_000)
        main(tab).get_by_role("button", name="Preview").click()

    def fit(tab):
        tab.goto(f"{url}/model?table=bench")
        wait_idle(tab, 300_000)
        main(tab).locator("input[aria-label='Target: the column to predict']").click()
        tab.get_by_role("option", name="colour", exact=True).click()
        wait_idle(tab, 300_000)
        main(tab).get_by_role("button", name="Fit the leaderboard").click()

    try:
        findings = _phase(tabs, lambda t: t.goto(f"{url}/explore?table=bench"),
                          lambda t: main(t).locator("[data-testid='stExpander']").first.wait_for())  # fmt: skip
        for tab in tabs:
            wait_idle(tab, 300_000)
        preview = _phase(tabs, fix, lambda t: main(t).get_by_text("Rows before").first.wait_for())
        board = _phase(tabs, fit, lambda t: main(t).get_by_role("heading", name="Leaderboard").wait_for())
    except Exception:  # what the tabs showed, for the reader of the failure
        for i, tab in enumerate(tabs):
            tab.screenshot(path=str(Path(tempfile.gettempdir()) / f"concurrency-bench-tab{i}.png"), full_page=True)
        raise
    finally:
        for context in contexts:
            context.close()
    return {"findings_s": findings, "preview_s": preview, "board_s": board}


def compare(rows: int, tabs: int, data_dir: Path) -> dict:
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, launch

    result: dict = {"rows": rows, "tabs": tabs, "runs": {}}
    home = data_dir / f"concurrency_ws_{rows}"
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "workbench.duckdb").exists():
        make_workspace(home, rows)
    result["snapshot"] = snapshot_cost(home)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for count in (1, tabs):
                server = launch(home)
                try:
                    with TreeMemory(server.process.pid) as memory:
                        figures = run_tabs(server.url, browser, count)
                    result["runs"][str(count)] = {**figures, "server_tree_peak_mib": memory.peak}
                finally:
                    server.stop()
        finally:
            browser.close()
    return result


def report(result: dict) -> str:
    lines = [f"{result['rows']:,} rows x 12 columns; seconds from the start of each phase until its result "
             "shows (median / slowest tab)"]  # fmt: skip
    lines.append(f"{'tabs':>5} {'findings':>15} {'preview':>15} {'board':>15} {'server tree peak':>18}")
    for count, figures in result["runs"].items():
        cells = [f"{statistics.median(figures[k]):6.1f} /{max(figures[k]):6.1f}"
                 for k in ("findings_s", "preview_s", "board_s")]  # fmt: skip
        lines.append(f"{count:>5} {cells[0]:>15} {cells[1]:>15} {cells[2]:>15} "
                     f"{figures['server_tree_peak_mib']:>14.0f} MiB")  # fmt: skip
    snap = result["snapshot"]
    lines.append(f"A long query's move to a snapshot: copying this table into memory took {snap['copy_s']:.2f} s "
                 f"and holds {snap['copy_held_mib']:.0f} MiB")  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    cli = measure.parser(__doc__, child=("home",))
    cli.add_argument("--rows", type=lambda s: int(s.replace("_", "")), default=1_000_000)
    cli.add_argument("--tabs", type=int, default=4, help="tabs together in the second run")
    cli.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "workbench-bench")
    args = cli.parse_args(argv)
    if args.child:
        _snapshot_child(Path(args.child[0]))
        return
    result = compare(args.rows, args.tabs, args.data_dir)
    print(json.dumps(result) if args.json else report(result))


if __name__ == "__main__":
    main()
