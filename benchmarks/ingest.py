"""Import speed and memory: the workbench next to raw DuckDB and to pandas.

For each size, a CSV of N rows x 12 mixed columns (integers, floats, strings
with quotes and commas, dates, timestamps, booleans, some nulls) is generated
once with DuckDB into benchmarks/.data/ and reused. Three sides import it,
each in its own fresh process so that peak memory is that side's alone:

* workbench: `workbench.ingest.load` into a fresh workspace (encoding
  detection, sniffing, reject bookkeeping, provenance, all included);
* raw DuckDB: `CREATE TABLE t AS SELECT * FROM read_csv(path)` into a fresh file;
* pandas: `pandas.read_csv`, then the DataFrame registered in DuckDB and
  `CREATE TABLE t AS SELECT * FROM df` into a fresh file.

Sides take turns within each run, and the table reports medians. Targets:
workbench at most 1.15x raw DuckDB and at least 5x faster than pandas.

    .venv/bin/python benchmarks/ingest.py                    # 1M and 10M rows, 3 runs
    .venv/bin/python benchmarks/ingest.py --rows 1000000 --runs 5 --json
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script, only benchmarks/ would be on the path

from benchmarks import measure

DATA_DIR = ROOT / "benchmarks" / ".data"
SIDES = ("raw", "workbench", "pandas")
MAX_RAW_RATIO = 1.15  # workbench time / raw DuckDB time
MIN_PANDAS_RATIO = 5.0  # pandas time / workbench time

# Twelve columns of the kinds Kaggle CSVs hold, derived from the row number so
# every run sees the same file.
_GENERATE = """
COPY (
    SELECT
        i AS id,
        CASE WHEN i % 17 = 0 THEN NULL ELSE (hash(i) % 1000)::INTEGER END AS quantity,
        (hash(i * 3) % 1000000) / 100.0 AS price,
        CASE WHEN i % 23 = 0 THEN NULL ELSE (hash(i * 5) % 100000) / 1000.0 - 50 END AS score,
        ['red', 'green', 'blue', 'yellow', 'black'][1 + (hash(i * 7) % 5)::INTEGER] AS colour,
        'customer ' || (hash(i * 11) % 100000)::VARCHAR AS customer,
        DATE '2015-01-01' + (hash(i * 13) % 3000)::INTEGER AS order_date,
        TIMESTAMP '2015-01-01' + to_seconds((hash(i * 17) % 300000000)::BIGINT) AS updated_at,
        hash(i * 19) % 2 = 0 AS active,
        CASE WHEN i % 11 = 0 THEN NULL ELSE hash(i * 23) % 3 = 0 END AS flagged,
        CASE WHEN i % 29 = 0 THEN NULL
             ELSE ['Paris', 'Madrid, Spain', 'The "Big" Apple', 'Zürich', 'Berlin'][1 + (hash(i * 29) % 5)::INTEGER]
        END AS city,
        (hash(i * 31) % 10000000000)::BIGINT AS amount_cents
    FROM range(?) AS t(i)
) TO ? (HEADER, DELIMITER ',')
"""


def dataset(rows: int, data_dir: Path = DATA_DIR) -> Path:
    """The generated CSV of `rows` rows, made the first time it is asked for."""
    path = data_dir / f"ingest_{rows}.csv"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial.csv")
        with duckdb.connect() as con:
            con.execute("SET enable_progress_bar = false")  # stdout may carry the --json document
            con.execute(_GENERATE, [rows, str(partial)])
        partial.replace(path)
    return path


# -- one side, in a child process ----------------------------------------------------


def _import(side: str, csv: Path, work: Path) -> int:
    """Import `csv` the way `side` does, into a fresh database under `work`; return the row count."""
    if side == "workbench":
        from workbench.ingest import load
        from workbench.workspace import Workspace

        (result,) = load(Workspace(work / "ws"), [csv])
        if not result.ok:
            raise SystemExit(f"workbench import failed: {result.error}")
        return result.rows
    if side == "raw":
        with duckdb.connect(str(work / "raw.duckdb")) as con:
            con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [str(csv)])
            return con.execute("SELECT count(*) FROM t").fetchone()[0]
    if side == "pandas":
        import pandas as pd

        frame = pd.read_csv(csv)
        with duckdb.connect(str(work / "pandas.duckdb")) as con:
            con.register("frame", frame)
            con.execute("CREATE TABLE t AS SELECT * FROM frame")
            return con.execute("SELECT count(*) FROM t").fetchone()[0]
    raise ValueError(side)


def _child(side: str, csv: Path) -> None:
    """Entry point of a measured process: prints one JSON line."""
    if side == "workbench":  # import the library before the clock starts, as pandas is below
        import workbench.ingest  # noqa: F401
    if side == "pandas":
        import pandas  # noqa: F401
    start_mib = measure.peak_mib()
    with tempfile.TemporaryDirectory(prefix=f"bench_{side}_") as work:
        started, cpu_started = time.perf_counter(), time.process_time()
        rows = _import(side, csv, Path(work))
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak_mib = measure.peak_mib()
    print(
        json.dumps(
            {
                "side": side,
                "rows": rows,
                "seconds": seconds,
                "cpu_seconds": cpu,
                "start_mib": start_mib,
                "peak_mib": peak_mib,
            }
        )
    )


# -- the comparison ------------------------------------------------------------------


def compare(rows: int, runs: int, data_dir: Path = DATA_DIR) -> dict:
    """Medians of `runs` interleaved runs of every side on one generated file."""
    csv = dataset(rows, data_dir)

    def run(side: str) -> dict:
        result = measure.run_script_child(__file__, side, str(csv))
        if result["rows"] != rows:
            raise SystemExit(f"{side} imported {result['rows']:,} rows, expected {rows:,}")
        return result

    samples = measure.interleaved(SIDES, runs, run)
    medians = {
        side: measure.medians(results, ("seconds", "cpu_seconds", "peak_mib", "start_mib"))
        | {"rows": sorted({r["rows"] for r in results})}  # what it imported, in every run
        for side, results in samples.items()
    }
    wb, raw, pd_ = (medians[s]["seconds"] for s in ("workbench", "raw", "pandas"))
    return {
        "rows": rows,
        "file_mib": csv.stat().st_size / 2**20,
        "runs": runs,
        "sides": medians,
        "workbench_vs_raw": wb / raw,
        "workbench_vs_raw_cpu": medians["workbench"]["cpu_seconds"] / medians["raw"]["cpu_seconds"],
        "pandas_vs_workbench": pd_ / wb,
    }


def report(result: dict) -> str:
    sides = result["sides"]
    lines = [
        f"{result['rows']:,} rows x 12 columns ({result['file_mib']:.0f} MiB CSV), median of {result['runs']} runs",
        f"  {'side':<12}{'time (s)':>10}{'CPU (s)':>10}{'peak (MiB)':>12}{'at start (MiB)':>16}",
    ]
    for side in SIDES:
        s = sides[side]
        figures = f"{s['seconds']:>10.2f}{s['cpu_seconds']:>10.2f}{s['peak_mib']:>12.0f}{s['start_mib']:>16.0f}"
        lines.append(f"  {side:<12}{figures}")
    raw_ok = "meets" if result["workbench_vs_raw"] <= MAX_RAW_RATIO else "MISSES"
    pandas_ok = "meets" if result["pandas_vs_workbench"] >= MIN_PANDAS_RATIO else "MISSES"
    lines.append(
        f"  workbench / raw DuckDB = {result['workbench_vs_raw']:.2f}x ({raw_ok} <= {MAX_RAW_RATIO}x); "
        f"in CPU time {result['workbench_vs_raw_cpu']:.2f}x"
    )
    lines.append(
        f"  pandas / workbench     = {result['pandas_vs_workbench']:.2f}x ({pandas_ok} >= {MIN_PANDAS_RATIO}x)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = measure.parser(__doc__, child=("SIDE", "CSV"), runs_help="runs per side and size (medians are reported)")
    parser.add_argument("--rows", default="1000000,10000000", help="comma-separated row counts")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="where generated CSVs are kept")
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child[0], Path(args.child[1]))
        return
    results = []
    for rows in measure.row_counts(args.rows):
        results.append(compare(rows, args.runs, args.data_dir))
        if not args.json:
            print(report(results[-1]), flush=True)
    if args.json:
        print(json.dumps({"results": results}))


if __name__ == "__main__":
    main()
