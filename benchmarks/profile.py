"""Profiling speed, memory and recall: the workbench next to DuckDB SUMMARIZE and ydata-profiling.

Data: a generated table of 12 mixed columns with planted dirt (PLANTED below),
written once by DuckDB SQL to benchmarks/.data/profile_<rows>.parquet and
loaded into a workspace of its own. Each side runs in its own process on that
data, in the same run, interleaved `--repeat` times; the figures are medians,
the peak memory is each process's maximum resident set size.

* workbench: the full profile (statistics, histogram bins, findings);
* SUMMARIZE: DuckDB's own column summary of the same table (no histograms, no findings);
* ydata-profiling `minimal=True` (peers' environment) on the same Parquet file,
  up to `--peer-max-rows` rows (it takes minutes beyond).

Targets: at 1M rows, at most 0.5x the SUMMARIZE time and at least 50x faster
than ydata-profiling; at 10M rows, peak memory under 1.5 GB; every planted
issue found.

    .venv/bin/python benchmarks/profile.py                      # 1M and 10M rows
    .venv/bin/python benchmarks/profile.py --rows 20000 --no-peer --repeat 1
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # run as a script, only benchmarks/ would be on the path

from benchmarks import measure

DATA_DIR = HERE / ".data"
TABLE = "bench"
TARGETS = {"summarize_ratio": 0.5, "peer_speedup": 50.0, "peak_mb_10m": 1500}

# Every planted problem, by finding kind and column. Counts scale with the rows (every k-th row).
PLANTED = [
    ("identifier", "id"), ("sentinel", "age"), ("missing", "age"), ("outlier", "income"), ("skew", "income"),
    ("inconsistent_category", "city"), ("whitespace", "city"), ("disguised_missing", "color"),
    ("numbers_as_text", "price"), ("dates_as_text", "signup"), ("booleans_as_text", "active"),
    ("whitespace", "note"), ("mixed_types", "rating"), ("sentinel", "created"), ("missing", "created"),
    ("duplicate_rows", None),
]  # fmt: skip

# Box-Muller normals; u is floored at 1e-6 (about its smallest non-zero value) so that
# u = 0 cannot make a 6.4-sigma value in the column meant to be clean.
GENERATE = """
COPY (
  WITH base AS (
    SELECT i, (hash(i, 1) % 1000003) / 1000003.0 AS u1, (hash(i, 2) % 1000003) / 1000003.0 AS u2, hash(i, 3) % 1000 AS k
    FROM range(?) t(i)
  ), rows AS (
    SELECT i AS id,
      CASE WHEN k < 2 THEN -999 WHEN k < 5 THEN NULL ELSE 18 + (u1 * 70)::INT END AS age,
      CASE WHEN i % 20000 = 7 THEN 1e9
           ELSE exp(sqrt(-2 * ln(greatest(u1, 1e-6))) * cos(2 * pi() * u2)) * 30000 END AS income,
      50 + 10 * sqrt(-2 * ln(greatest(u2, 1e-6))) * sin(2 * pi() * u1) AS score,
      CASE WHEN k = 10 THEN 'paris' WHEN k = 11 THEN ' Paris' WHEN k = 12 THEN 'Pairs'
           ELSE ['Paris', 'Lyon', 'Marseille', 'Toulouse', 'Nantes', 'Lille', 'Bordeaux', 'Nice'][1 + i % 8]
      END AS city,
      CASE WHEN k = 20 THEN 'N/A' WHEN k = 21 THEN '' WHEN k = 22 THEN '?' ELSE ['red', 'green', 'blue'][1 + i % 3] END
        AS color,
      CASE WHEN k = 30 THEN 'unknown' ELSE printf('%.2f', u1 * 100) END AS price,
      strftime(DATE '2020-01-01' + (u2 * 1500)::INT, '%Y-%m-%d') AS signup,
      CASE WHEN u1 < 0.5 THEN 'yes' ELSE 'no' END AS active,
      CASE WHEN k = 40 THEN '  note ' || i
           ELSE 'note number ' || i || ' about ' || ['apples', 'pears', 'plums'][1 + i % 3] END AS note,
      CASE WHEN u2 < 0.6 THEN ((i % 5) + 1)::VARCHAR ELSE ['good', 'bad', 'excellent'][1 + i % 3] END AS rating,
      CASE WHEN k = 50 THEN DATE '1900-01-01' WHEN k = 51 THEN NULL
           ELSE DATE '2000-01-01' + (u1 * 8000)::INT END AS created
    FROM base
  )
  SELECT * FROM rows UNION ALL SELECT * FROM rows WHERE id % 1000 = 3
) TO '{path}' (FORMAT parquet)
"""


def dataset(rows: int, data_dir: Path = DATA_DIR) -> tuple[Path, Path]:
    """The Parquet file and a workspace holding it as table `bench` (made once, reused)."""
    import duckdb

    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / f"profile_{rows}.parquet"
    home = data_dir / f"profile_ws_{rows}"
    if not path.exists():
        started = time.perf_counter()
        tmp = path.with_suffix(".tmp")
        with duckdb.connect() as con:
            con.execute(GENERATE.format(path=str(tmp).replace("'", "''")), [rows])
        tmp.rename(path)
        print(f"generated {path.name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path, load_workspace(path, home)


def load_workspace(path: Path, home: Path) -> Path:
    """A workspace at `home` holding the Parquet file `path` as table `bench` (loaded once, reused)."""
    from workbench import Workspace

    ws = Workspace(home)
    if not ws.db_path.exists() or TABLE not in {t.name for t in ws.tables()}:
        with ws.connect() as con, ws.transaction(con):
            ws.create_table_as(con, TABLE, "SELECT * FROM read_parquet(?)", [str(path)], source_kind="file",
                               operation="import", source_detail={"path": str(path)})  # fmt: skip
    return home


# -- the sides, each in its own process --------------------------------------------------


def child_workbench(home: str) -> dict:
    """The full profile on an open connection (as SUMMARIZE is timed on one)."""
    from workbench import Workspace
    from workbench.profile import profile_connection

    with Workspace(home).connect() as con:
        started = time.perf_counter()
        profile = profile_connection(con, TABLE)
        seconds = time.perf_counter() - started
    found = [[f.kind, f.column, f.count] for f in profile.findings]
    return {"seconds": seconds, "peak_mb": measure.peak_mib(), "found": found}


def child_summarize(home: str) -> dict:
    from workbench import Workspace

    with Workspace(home).connect() as con:
        started = time.perf_counter()
        con.execute(f"SUMMARIZE {TABLE}").fetchall()
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_mb": measure.peak_mib()}


# ydata-profiling's alerts named as the workbench's finding kinds, to compare recall
PEER = """
import json, sys, time
import pandas as pd
from ydata_profiling import ProfileReport
started = time.perf_counter()
frame = pd.read_parquet(sys.argv[1])
read = time.perf_counter() - started
started = time.perf_counter()
report = ProfileReport(frame, minimal=True, progress_bar=False)
report.to_json()
seconds = time.perf_counter() - started
names = {"MISSING": "missing", "CONSTANT": "constant", "UNIQUE": "identifier", "HIGH_CARDINALITY": "high_cardinality",
         "SKEWED": "skew", "DUPLICATES": "duplicate_rows", "IMBALANCE": "near_constant"}
found = [[names.get(a.alert_type.name, a.alert_type.name.lower()), a.column_name if a.column_name else None, None]
         for a in report.get_description().alerts]
status = open("/proc/self/status").read()  # VmHWM, not ru_maxrss: see benchmarks/measure.py peak_mib
peak_mb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")) / 1024
print(json.dumps({"seconds": seconds, "read_seconds": read, "found": found, "peak_mb": peak_mb}))
"""


def run_side(side: str, home: Path, parquet: Path) -> dict:
    if side == "ydata":
        from benchmarks import peers

        return measure.run_child([str(peers.python()), "-c", PEER, str(parquet)], what=side)
    return measure.run_script_child(__file__, side, str(home), cwd=ROOT)


# -- the run -----------------------------------------------------------------------------


def compare(rows: int, repeat: int, peer: bool, data_dir: Path = DATA_DIR) -> dict:
    parquet, home = dataset(rows, data_dir)
    sides = ["workbench", "summarize"] + (["ydata"] if peer else [])
    runs = measure.interleaved(sides, 1, lambda side: run_side(side, home, parquet))
    if repeat > 1:  # ydata-profiling once: it takes a minute or more
        more = measure.interleaved(["workbench", "summarize"], repeat - 1, lambda side: run_side(side, home, parquet))
        for side, done in more.items():
            runs[side] += done
    result = {"rows": rows}
    for side, done in runs.items():
        result[side] = {"seconds": measure.median(d["seconds"] for d in done),
                        "peak_mb": max(d["peak_mb"] for d in done), "runs": len(done)}  # fmt: skip
    found = {(k, c) for k, c, _ in runs["workbench"][0]["found"]}
    result["planted"] = len(PLANTED)
    result["found"] = sorted([k, c] for k, c in found if (k, c) in PLANTED)
    result["missed"] = sorted([k, c] for k, c in PLANTED if (k, c) not in found)
    result["extra"] = sorted([k, str(c)] for k, c in found if (k, c) not in PLANTED)
    result["counts"] = runs["workbench"][0]["found"]
    result["summarize_ratio"] = result["workbench"]["seconds"] / result["summarize"]["seconds"]
    if peer:
        peer_found = {(k, c) for k, c, _ in runs["ydata"][0]["found"]}
        result["ydata"]["found"] = sorted([k, c] for k, c in PLANTED if (k, c) in peer_found)
        result["peer_speedup"] = result["ydata"]["seconds"] / result["workbench"]["seconds"]
    return result


def report(r: dict, peer: bool) -> None:
    rows = r["rows"]
    print(f"\n== {rows:,} rows x 12 columns ({r['workbench']['runs']} runs, medians)")
    print(f"{'side':<22}{'seconds':>10}{'peak MB':>10}")
    labels = (("workbench", "workbench profile"), ("summarize", "DuckDB SUMMARIZE"), ("ydata", "ydata minimal"))
    for side, label in labels:
        if side in r:
            print(f"{label:<22}{r[side]['seconds']:>10.2f}{r[side]['peak_mb']:>10.0f}")
    ok = "ok" if r["summarize_ratio"] <= TARGETS["summarize_ratio"] else "MISSED"
    print(f"workbench / SUMMARIZE time: {r['summarize_ratio']:.2f}x (target <= {TARGETS['summarize_ratio']}x: {ok})")
    if peer and "peer_speedup" in r:
        ok = "ok" if r["peer_speedup"] >= TARGETS["peer_speedup"] else "MISSED"
        print(f"ydata-profiling / workbench time: {r['peer_speedup']:.0f}x faster "
              f"(target >= {TARGETS['peer_speedup']:.0f}x: {ok})")
        print(f"ydata-profiling found {len(r['ydata']['found'])} of {r['planted']} planted issues: "
              + ", ".join(f"{k}@{c}" for k, c in r["ydata"]["found"]))  # fmt: skip
    if rows >= 10_000_000:
        ok = "ok" if r["workbench"]["peak_mb"] < TARGETS["peak_mb_10m"] else "MISSED"
        print(f"workbench peak memory {r['workbench']['peak_mb']:.0f} MB (target < {TARGETS['peak_mb_10m']} MB: {ok})")
    print(f"planted issues found: {len(r['found'])} of {r['planted']}"
          + (f"; MISSED: {r['missed']}" if r["missed"] else " (all)"))  # fmt: skip
    counts = {(k, c): n for k, c, n in r["counts"]}
    for k, c in PLANTED:
        print(f"    {'found ' if (k, c) in counts else 'MISSED'} {k:<22} {c!s:<8} {counts.get((k, c), 0):>12,}")
    if r["extra"]:
        print(f"other findings: {', '.join(f'{k}@{c}' for k, c in r['extra'])}")


def main() -> None:
    parser = measure.parser(__doc__, child=("SIDE", "HOME"), runs_flag="--repeat",
                            runs_help="runs of each side (interleaved); medians reported")  # fmt: skip
    parser.description, parser.formatter_class = __doc__, argparse.RawDescriptionHelpFormatter
    parser.add_argument("--rows", default="1000000,10000000", help="comma-separated table sizes")
    parser.add_argument("--no-peer", action="store_true", help="skip ydata-profiling")
    parser.add_argument("--peer-max-rows", type=int, default=1_000_000, help="largest size ydata-profiling runs on")
    parser.add_argument("--data", type=Path, default=DATA_DIR, help="where the generated files and workspaces go")
    args = parser.parse_args()
    if args.child:
        side, home = args.child
        print(json.dumps({"workbench": child_workbench, "summarize": child_summarize}[side](home)))
        return
    results = []
    for rows in measure.row_counts(args.rows):
        peer = not args.no_peer and rows <= args.peer_max_rows
        results.append(compare(rows, args.repeat, peer, args.data))
        if not args.json:
            report(results[-1], peer)
    if args.json:
        print(json.dumps({"targets": TARGETS, "results": results}))


if __name__ == "__main__":
    main()
