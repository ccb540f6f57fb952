"""The SQL panel on a big result: time to the first page and peak memory, next to the DuckDB client alone.

A workspace holding one table of N rows x 6 mixed columns is generated once
into benchmarks/.data/ and reused. The query is `SELECT * FROM big` (every
row, as a user would type it). Each side runs in its own fresh process, so its
peak memory is its own:

* page: the real SQL page in Streamlit's AppTest (the Streamlit process): a
  Ctrl+Enter, then the whole script run that shows the first page, the true
  total and the elapsed time (the first page is drawn inside that run, as soon
  as it arrives). Figures: the run's wall time and the process's peak memory;
  the sandbox worker's peak is reported apart.
* engine: `workbench.sql.engine.run` alone: time to the first page (when
  `on_page` fires) and to the counted total.
* duckdb_df: the DuckDB Python client alone, `con.execute(q).df()`: the whole
  result in a DataFrame, as a notebook does.
* duckdb_page: the client's lower bound for a first page, `fetchmany(10_000)`
  (no total, nothing else).

Sides take turns within each run; the table shows medians and ratios.

    .venv/bin/python benchmarks/sql_first_page.py                  # 10M rows, 3 runs
    .venv/bin/python benchmarks/sql_first_page.py --rows 1000000 --runs 5 --json
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script, only benchmarks/ would be on the path

from benchmarks import measure

DATA_DIR = ROOT / "benchmarks" / ".data"
SIDES = ("page", "engine", "duckdb_df", "duckdb_page")
QUERY = "SELECT * FROM big"
PAGE_ROWS = 10_000

_GENERATE = """
SELECT i AS id,
       (hash(i) % 1000)::INTEGER AS quantity,
       (hash(i * 3) % 1000000) / 100.0 AS price,
       'customer ' || (hash(i * 11) % 100000)::VARCHAR AS customer,
       DATE '2015-01-01' + (hash(i * 13) % 3000)::INTEGER AS day,
       hash(i * 19) % 2 = 0 AS active
FROM range(?) AS t(i)
"""


def workspace(rows: int, data_dir: Path = DATA_DIR) -> Path:
    """The folder of a workspace whose table `big` has `rows` rows, made the first time."""
    return measure.generated_workspace(data_dir / f"sql_ws_{rows}", _GENERATE, [rows])


def _side(side: str, home: Path) -> dict:
    """Run one side; returns its figures (seconds, first_page_s, rows, total)."""
    db = str(home / "workbench.duckdb")
    if side == "duckdb_df":
        started = time.perf_counter()
        with duckdb.connect(db, read_only=True) as con:
            frame = con.execute(QUERY).df()
        seconds = time.perf_counter() - started
        return {"seconds": seconds, "first_page_s": seconds, "shown": len(frame), "total": len(frame)}
    if side == "duckdb_page":
        started = time.perf_counter()
        with duckdb.connect(db, read_only=True) as con:
            rows = con.execute(QUERY).fetchmany(PAGE_ROWS)
        seconds = time.perf_counter() - started
        return {"seconds": seconds, "first_page_s": seconds, "shown": len(rows), "total": None}
    from workbench.sql import engine
    from workbench.workspace import Workspace

    if side == "engine":
        ws = Workspace(home)
        engine.run(ws, "SELECT 1", record=False)  # a warm worker, as in a running app
        marks: list[float] = []
        started = time.perf_counter()
        result = engine.run(ws, QUERY, max_rows=PAGE_ROWS, on_page=lambda r: marks.append(time.perf_counter()))
        seconds = time.perf_counter() - started
        return {"seconds": seconds, "first_page_s": marks[0] - started, "shown": len(result.frame),
                "total": result.total}  # fmt: skip
    if side == "page":
        from streamlit.testing.v1 import AppTest

        os.environ["WORKBENCH_HOME"] = str(home)
        at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=600).run()
        at.switch_page("pages/sql.py").run()
        def editor() -> str:  # the editor's key: it is re-created (a new key) when the page sets its text
            return f"sql_editor_{at.session_state['sql_editor_version']}"

        at.session_state[editor()] = {"id": "warm", "type": "submit", "text": "SELECT 1"}
        at.run()  # the first query starts a worker, as any earlier query in a running app has
        at.session_state[editor()] = {"id": "bench", "type": "submit", "text": QUERY}
        started = time.perf_counter()
        at.run()
        seconds = time.perf_counter() - started
        if at.exception or at.error:
            raise SystemExit(f"the SQL page failed: {at.exception or at.error[0].value}")
        result = at.session_state["sql_result"]
        return {"seconds": seconds, "first_page_s": None, "shown": len(at.dataframe[0].value),
                "total": result.total}  # fmt: skip
    raise ValueError(side)


def _child(side: str, home: Path) -> None:
    """Entry point of a measured process: prints one JSON line."""
    import pandas  # noqa: F401  (every import before the clock: .df() would import pandas on first use)

    if side in ("page", "engine"):
        import workbench.sql.engine  # noqa: F401
    if side == "page":
        import streamlit.testing.v1  # noqa: F401
    start_mib = measure.peak_mib()
    figures = _side(side, home)
    workers_mib = measure.children_peak_mib()  # the sandbox workers the engine keeps in its pool
    print(json.dumps({"side": side, **figures, "start_mib": start_mib, "peak_mib": measure.peak_mib(),
                      "worker_peak_mib": workers_mib}))  # fmt: skip


def compare(rows: int, runs: int, data_dir: Path = DATA_DIR) -> dict:
    home = workspace(rows, data_dir)

    def run(side: str) -> dict:
        result = measure.run_script_child(__file__, side, str(home))
        if result["total"] not in (rows, None) or result["shown"] != min(
            rows, PAGE_ROWS if side != "duckdb_df" else rows
        ):
            raise SystemExit(f"{side}: showed {result['shown']:,} of {result['total']} rows (expected {rows:,})")
        return result

    keys = ("seconds", "first_page_s", "start_mib", "peak_mib", "worker_peak_mib")
    medians = {}
    for side, results in measure.interleaved(SIDES, runs, run).items():  # with the rows each run showed and counted
        medians[side] = measure.medians(results, keys) | {
            "shown": sorted({r["shown"] for r in results}),
            "total": sorted({r["total"] for r in results if r["total"] is not None}),
        }
    page, df = medians["page"], medians["duckdb_df"]
    return {
        "rows": rows,
        "runs": runs,
        "query": QUERY,
        "sides": medians,
        "page_vs_duckdb_df_time": page["seconds"] / df["seconds"],
        "page_vs_duckdb_df_memory": page["peak_mib"] / df["peak_mib"],
        "page_growth_vs_duckdb_df_growth": (page["peak_mib"] - page["start_mib"])
        / max(df["peak_mib"] - df["start_mib"], 1e-9),
        "engine_first_page_vs_duckdb_page": medians["engine"]["first_page_s"] / medians["duckdb_page"]["seconds"],
    }


def report(result: dict) -> str:
    s = result["sides"]
    lines = [
        f"`{result['query']}` over {result['rows']:,} rows x 6 columns, median of {result['runs']} runs",
        (
            f"  {'side':<13}{'first page (s)':>15}{'done (s)':>10}{'peak (MiB)':>12}{'at start (MiB)':>16}"
            f"{'worker peak (MiB)':>19}"
        ),
    ]
    for side in SIDES:
        f = s[side]
        worker = f"{f['worker_peak_mib']:>19.0f}" if side in ("page", "engine") else f"{'-':>19}"
        first = f"{f['first_page_s']:>15.3f}" if f["first_page_s"] is not None else f"{'(in run)':>15}"
        lines.append(f"  {side:<13}{first}{f['seconds']:>10.2f}{f['peak_mib']:>12.0f}{f['start_mib']:>16.0f}{worker}")
    lines += [
        (
            f"  SQL page run / DuckDB client .df()        = {result['page_vs_duckdb_df_time']:.2f}x time, "
            f"{result['page_vs_duckdb_df_memory']:.2f}x peak memory of the process "
            f"({result['page_growth_vs_duckdb_df_growth']:.2f}x its growth above the imports)"
        ),
        f"  engine first page / client fetchmany(10k) = {result['engine_first_page_vs_duckdb_page']:.2f}x",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = measure.parser(__doc__, child=("SIDE", "HOME"))
    parser.add_argument("--rows", type=lambda t: int(t.replace("_", "")), default=10_000_000)
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="where the generated workspace is kept")
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child[0], Path(args.child[1]))
        return
    result = compare(args.rows, args.runs, args.data_dir)
    print(json.dumps(result) if args.json else report(result))


if __name__ == "__main__":
    main()
