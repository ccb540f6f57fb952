"""Wide CSVs: the workbench import beside raw DuckDB, then Explore's profile and the leaderboard on the table.

Data: a CSV of C columns x R rows shaped like Kaggle's widest competitions (a
label, then columns of small integers, with a text category every 10th column
and a DOUBLE with gaps every 10th another), written once by Python (a DuckDB
COPY of 5,000 expressions takes minutes to plan) to benchmarks/.data/ and reused.
Sides, each in a fresh process, taking turns in each run (medians reported):

* raw: `CREATE TABLE t AS SELECT * FROM read_csv(path)` into a fresh DuckDB file;
* workbench: `workbench.ingest.load` into a fresh workspace (encoding, sniffing,
  type guards, rejects, provenance, all included);
* then, once each, in processes that first import with the workbench (not timed):
  the profile Explore shows (its findings) and the default leaderboard (`model.run`)
  predicting `label`, each timed, each given `--timeout` seconds.

Targets: the import within 2x of raw DuckDB; the profile within 60 s.

Measured (`nice benchmarks/wide.py --columns 5000 --rows 5000 --runs 1 --timeout 420`, 2 shared cores):

    5,000 columns x 5,000 rows (67 MiB CSV), median of 1 runs
      import: raw DuckDB 11.13 s, workbench 14.90 s; workbench / raw DuckDB = 1.34x (meets <= 2.0x)
      Explore's profile: 17.5 s (meets <= 60 s), 1970 findings, 1 columns profiled in brief
      leaderboard: 198.0 s on 5,000 rows x 300 features, best linear (fitted on all 5,000 rows; no model beats
      the dummy baseline by more than its spread: ...; 4,999 usable features, more than the 300 a leaderboard
      fits in bounded time: the 300 that predict 'label' best alone (...) are used, the other 4,699 are left out.)

(before: the file sniffed twice made the import 2.08x; the feature statistics in one statement crashed DuckDB
past 3 GB, so the leaderboard never finished. The generated columns are random: no model should beat the dummy.)

    .venv/bin/python benchmarks/wide.py                        # 1,000, 2,000 and 5,000 columns x 5,000 rows
    .venv/bin/python benchmarks/wide.py --columns 5000 --rows 5000 --runs 3
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script, only benchmarks/ would be on the path

from benchmarks import measure

DATA_DIR = ROOT / "benchmarks" / ".data"
SIDES = ("raw", "workbench")
MAX_RAW_RATIO = 2.0  # workbench import time / raw DuckDB time
MAX_PROFILE_SECONDS = 60.0
TEXT_EVERY, TEXT_AT, FLOAT_AT = 10, 5, 7


def _cell(j: int, rng: random.Random) -> str:
    if j == 0:
        return str(rng.randrange(10))
    if j % TEXT_EVERY == TEXT_AT:
        return rng.choice(("a", "b", "c", "d"))
    if j % TEXT_EVERY == FLOAT_AT:
        return "" if rng.random() < 0.02 else f"{rng.random() * 100:.3f}"
    return str(rng.randrange(256)) if rng.random() < 0.25 else "0"


def _name(j: int) -> str:
    if j == 0:
        return "label"
    return f"{'t' if j % TEXT_EVERY == TEXT_AT else 'f' if j % TEXT_EVERY == FLOAT_AT else 'p'}{j:04d}"


def dataset(columns: int, rows: int, data_dir: Path = DATA_DIR) -> Path:
    """The generated CSV (made the first time it is asked for, the same bytes every time)."""
    path = data_dir / f"wide_{columns}x{rows}.csv"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        rng = random.Random(columns * 100_003 + rows)
        partial = path.with_suffix(".partial")
        with open(partial, "w", encoding="utf-8") as out:
            out.write(",".join(_name(j) for j in range(columns)) + "\n")
            for _ in range(rows):
                out.write(",".join(_cell(j, rng) for j in range(columns)) + "\n")
        partial.replace(path)
    return path


# -- one side, in a child process ----------------------------------------------------


def _child(side: str, csv: Path) -> None:
    """`raw` and `workbench` import `csv` (timed, closing included); `profile` and `board` import it with the
    workbench (not timed), then time Explore's profile or the default leaderboard predicting `label`."""
    if side != "raw":  # import the library before the clock starts
        import workbench.ingest  # noqa: F401
    with tempfile.TemporaryDirectory(prefix=f"bench_wide_{side}_") as work:
        out = {"side": side}
        started = time.perf_counter()
        if side == "raw":
            with duckdb.connect(str(Path(work) / "raw.duckdb")) as con:
                con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [str(csv)])
                out["rows"], out["columns"] = con.execute("SELECT count(*), (SELECT count(*) FROM (DESCRIBE t)) "
                                                          "FROM t").fetchone()  # fmt: skip
        else:
            from workbench.ingest import load
            from workbench.workspace import Workspace

            (result,) = load(Workspace(Path(work) / "ws"), [csv])
            if not result.ok:
                raise SystemExit(f"workbench import failed: {result.error}")
            out["rows"], out["columns"] = result.rows, result.columns
        out["seconds"] = time.perf_counter() - started
        if side == "profile":
            out.update(_profile(Path(work) / "ws", result.table))
        elif side == "board":
            out.update(_board(Path(work) / "ws", result.table))
    out["peak_mib"] = measure.peak_mib()
    print(json.dumps(out))


def _profile(home: Path, table: str) -> dict:
    from workbench import Workspace
    from workbench.profile import profile_connection

    with Workspace(home).connect() as con:
        started = time.perf_counter()
        profile = profile_connection(con, table)
    return {"profile_seconds": time.perf_counter() - started, "findings": len(profile.findings),
            "profile_skipped": len(profile.overview.get("skipped", []))}  # fmt: skip


def _board(home: Path, table: str) -> dict:
    from workbench import Workspace, model

    model.warm_up(wait=True)
    started = time.perf_counter()
    board = model.run(Workspace(home), table, "label", folds=3, seed=0)
    return {"board_seconds": time.perf_counter() - started, "board_best": board.best().name,
            "board_rows_used": len(board.X), "board_features": board.X.shape[1],
            "board_notes": board.notes + [w.message for w in board.features.warnings]}  # fmt: skip


# -- the comparison ------------------------------------------------------------------


def compare(columns: int, rows: int, runs: int, data_dir: Path = DATA_DIR, then: bool = True,
            timeout: float = 900.0) -> dict:  # fmt: skip
    csv = dataset(columns, rows, data_dir)

    def run(side: str) -> dict:
        result = measure.run_script_child(__file__, side, str(csv))
        if (result["rows"], result["columns"]) != (rows, columns):
            raise SystemExit(f"{side} imported {result['rows']:,} x {result['columns']:,}, expected {rows:,} x "
                             f"{columns:,}")  # fmt: skip
        return result

    samples = measure.interleaved(SIDES, runs, run)
    medians = {side: measure.medians(results, ("seconds", "peak_mib")) for side, results in samples.items()}
    out = {"columns": columns, "rows": rows, "file_mib": csv.stat().st_size / 2**20, "runs": runs, "sides": medians,
           "workbench_vs_raw": medians["workbench"]["seconds"] / medians["raw"]["seconds"]}  # fmt: skip
    if then:
        out["after_import"] = {}
        for step in ("profile", "board"):
            try:
                done = measure.run_script_child(__file__, step, str(csv), timeout=timeout)
                out["after_import"].update({k: v for k, v in done.items() if k.startswith((step, "findings"))})
            except subprocess.TimeoutExpired:
                out["after_import"][f"{step}_timed_out"] = timeout
    return out


def report(r: dict) -> str:
    raw, wb = r["sides"]["raw"], r["sides"]["workbench"]
    ok = "meets" if r["workbench_vs_raw"] <= MAX_RAW_RATIO else "MISSES"
    lines = [
        f"{r['columns']:,} columns x {r['rows']:,} rows ({r['file_mib']:.0f} MiB CSV), median of {r['runs']} runs",
        f"  import: raw DuckDB {raw['seconds']:.2f} s, workbench {wb['seconds']:.2f} s; "
        f"workbench / raw DuckDB = {r['workbench_vs_raw']:.2f}x ({ok} <= {MAX_RAW_RATIO}x)",
    ]
    if after := r.get("after_import"):
        if "profile_timed_out" in after:
            lines.append(f"  Explore's profile: did not finish within {after['profile_timed_out']:.0f} s")
        else:
            ok = "meets" if after["profile_seconds"] <= MAX_PROFILE_SECONDS else "MISSES"
            lines.append(f"  Explore's profile: {after['profile_seconds']:.1f} s ({ok} <= {MAX_PROFILE_SECONDS:.0f} "
                         f"s), {after['findings']} findings, {after['profile_skipped']} columns profiled in brief")
        if "board_timed_out" in after:
            lines.append(f"  leaderboard: did not finish within {after['board_timed_out']:.0f} s")
        else:
            notes = "; ".join(after["board_notes"]) or "no note"
            lines.append(f"  leaderboard: {after['board_seconds']:.1f} s on {after['board_rows_used']:,} rows x "
                         f"{after['board_features']:,} features, best "
                         f"{after['board_best']} ({notes})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = measure.parser(__doc__, child=("SIDE", "CSV"), runs_help="runs per side and size (medians are reported)")
    parser.add_argument("--columns", default="1000,2000,5000", help="comma-separated column counts")
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--import-only", action="store_true", help="skip the profile and the leaderboard")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds allowed to the profile and the board")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="where generated CSVs are kept")
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child[0], Path(args.child[1]))
        return
    results = []
    for columns in measure.row_counts(args.columns):
        results.append(compare(columns, args.rows, args.runs, args.data_dir, not args.import_only, args.timeout))
        if not args.json:
            print(report(results[-1]), flush=True)
    if args.json:
        print(json.dumps({"results": results}))


if __name__ == "__main__":
    main()
