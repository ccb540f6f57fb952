"""Profiling wide tables: time and peak memory of the workbench profile at 500 to 2,000 columns.

Data: a generated table shaped like Kaggle's digits CSV (a label, then pixel
columns of small integers, mostly 0) with some text and floating-point columns
mixed in: every 10th column is a short text category (with stray spaces and
'N/A' planted), every 10th another a DOUBLE with NULLs. It is written once by
DuckDB SQL to benchmarks/.data/wide_<columns>x<rows>.parquet and loaded into a
workspace of its own. Each size is profiled in a fresh process (`--repeat`
times; the figures are medians, the peak memory is the process's VmHWM), with
`--timeout` seconds allowed per run (a run past it is reported as such).

Target: 1,000 columns x 10,000 rows in under 20 s, with bounded memory.

    .venv/bin/python benchmarks/profile_wide.py                      # 500, 1,000, 2,000 columns
    .venv/bin/python benchmarks/profile_wide.py --columns 1200 --rows 10 --repeat 1
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # run as a script, only benchmarks/ would be on the path

from benchmarks import measure
from benchmarks.profile import DATA_DIR, TABLE, load_workspace

TARGETS = {"seconds_1000": 20.0}
TEXT_EVERY, TEXT_AT, FLOAT_AT = 10, 5, 7


def column_sql(j: int) -> str:
    """Column j of the generated table (row number `i`)."""
    if j == 0:
        return "(i % 10)::INTEGER AS label"
    h = f"hash(i, {j})"
    if j % TEXT_EVERY == TEXT_AT:
        return (f"CASE WHEN {h} % 100 = 0 THEN ' b' WHEN {h} % 100 = 1 THEN 'N/A' "
                f"ELSE ['a', 'b', 'c', 'd'][1 + ({h} % 4)::INTEGER] END AS t{j:04d}")  # fmt: skip
    if j % TEXT_EVERY == FLOAT_AT:
        return f"CASE WHEN {h} % 50 = 0 THEN NULL ELSE ({h} % 100000) / 1000.0 END AS f{j:04d}"
    return f"CASE WHEN {h} % 4 = 0 THEN ({h} % 256)::INTEGER ELSE 0 END AS p{j:04d}"


def dataset(columns: int, rows: int, data_dir: Path = DATA_DIR) -> Path:
    """The workspace holding the generated table `bench` (made once, reused)."""
    import duckdb

    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / f"wide_{columns}x{rows}.parquet"
    if not path.exists():
        started = time.perf_counter()
        tmp = path.with_suffix(".tmp")
        select = ", ".join(column_sql(j) for j in range(columns))
        with duckdb.connect() as con:
            con.execute(f"COPY (SELECT {select} FROM range(?) t(i)) TO '{tmp}' (FORMAT parquet)", [rows])
        tmp.rename(path)
        print(f"generated {path.name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return load_workspace(path, data_dir / f"wide_ws_{columns}x{rows}")


def child_workbench(home: str) -> dict:
    """The full profile on an open connection."""
    from workbench import Workspace
    from workbench.profile import profile_connection

    with Workspace(home).connect() as con:
        started = time.perf_counter()
        profile = profile_connection(con, TABLE)
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_mb": measure.peak_mib(), "columns": len(profile.columns),
            "findings": len(profile.findings), "skipped": profile.overview.get("skipped", [])}  # fmt: skip


def run(columns: int, rows: int, repeat: int, timeout: float, data_dir: Path) -> dict:
    home = dataset(columns, rows, data_dir)
    done, timed_out = [], 0
    for _ in range(repeat):
        try:
            done.append(measure.run_script_child(__file__, "workbench", str(home), cwd=ROOT, timeout=timeout))
        except subprocess.TimeoutExpired:
            timed_out += 1
    result = {"columns": columns, "rows": rows, "runs": len(done), "timed_out": timed_out, "timeout": timeout}
    if done:
        result.update(seconds=measure.median(d["seconds"] for d in done), peak_mb=max(d["peak_mb"] for d in done),
                      profiled_columns=done[0]["columns"], findings=done[0]["findings"],
                      skipped=done[0]["skipped"])  # fmt: skip
    return result


def report(r: dict) -> None:
    label = f"{r['columns']:,} columns x {r['rows']:,} rows"
    if not r["runs"]:
        print(f"{label:<34} did not finish within {r['timeout']:.0f} s ({r['timed_out']} runs)")
        return
    late = f", {r['timed_out']} runs past {r['timeout']:.0f} s" if r["timed_out"] else ""
    print(f"{label:<34}{r['seconds']:>9.2f} s{r['peak_mb']:>9.0f} MB  {r['findings']:>5} findings{late}")
    for part in r["skipped"]:
        print(f"    skipped for {len(part['columns']):,} columns: {part['part']}")


def main() -> None:
    parser = measure.parser(__doc__, child=("SIDE", "HOME"), runs_flag="--repeat",
                            runs_help="runs of each size; medians reported")  # fmt: skip
    parser.description, parser.formatter_class = __doc__, argparse.RawDescriptionHelpFormatter
    parser.add_argument("--columns", default="500,1000,2000", help="comma-separated table widths")
    parser.add_argument("--rows", type=int, default=10_000, help="rows of every table")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds allowed per run")
    parser.add_argument("--data", type=Path, default=DATA_DIR, help="where the generated files and workspaces go")
    args = parser.parse_args()
    if args.child:
        side, home = args.child
        print(json.dumps({"workbench": child_workbench}[side](home)))
        return
    results = []
    for columns in measure.row_counts(args.columns):
        results.append(run(columns, args.rows, args.repeat, args.timeout, args.data))
        if not args.json:
            report(results[-1])
    if args.json:
        print(json.dumps({"targets": TARGETS, "results": results}))
    else:
        at = [r for r in results if r["columns"] == 1000 and r["runs"]]
        if at:
            ok = "ok" if at[0]["seconds"] < TARGETS["seconds_1000"] else "MISSED"
            print(f"1,000 columns: {at[0]['seconds']:.1f} s (target < {TARGETS['seconds_1000']:.0f} s: {ok})")


if __name__ == "__main__":
    main()
