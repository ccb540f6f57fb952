"""The model leaderboard's scores, time and memory, beside LazyPredict (and PyCaret if it installs).

Datasets: scikit-learn's wine (multiclass), diabetes (regression) and breast
cancer (binary), the Palmer penguins sample (species from the measurements,
island and sex, with its missing values), and a generated `--rows` x 20 classification table
(make_classification). Each is written once to benchmarks/.data/model/ as
Parquet and imported once into a workspace there; every side reads those rows.

* workbench: `model.run` (the whole default leaderboard, `--folds`-fold
  cross-validation) in a fresh process, timed once `model.warm_up(wait=True)`
  has the fit workers' fork server ready (the Model page starts it when it
  opens); the warm-up, paid once per process, is printed beside. Peak memory:
  the process's VmHWM, and the processes below it (fit workers, fork server):
  the largest and the sum of their peaks (sampled while it runs,
  benchmarks/measure.PeakWatcher). Beside its linear
  model, a hand-written scikit-learn pipeline (median imputation, scaling and
  one-hot encoding, then logistic regression or ridge) on the very same folds,
  and the known figures (wine 0.983, diabetes 0.490, penguins about 0.99).
* lazypredict (peers' environment): LazyClassifier / LazyRegressor with
  `cv=--folds` fitted on all rows (X_test is the same rows: its test columns
  are ignored, its CV columns are reported). Its own defaults otherwise:
  n_jobs=-1 (both cores) and about 30 models; the workbench fits 5 models in
  one worker per core (up to four). Skipped on the generated table (its issues report it hangs on
  large tables).
* pycaret: tried in the peers' environment beside its pandas and scikit-learn;
  when pip refuses, the reason is printed and PyCaret is skipped.

The sides take turns `--runs` times; times and peaks are medians.

    PYTHONPATH=. .venv/bin/python benchmarks/model.py
    PYTHONPATH=. .venv/bin/python benchmarks/model.py --rows 20000 --runs 1 --no-peers --json
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # run as a script, only benchmarks/ would be on the path

from benchmarks import measure

DATA_DIR = HERE / ".data" / "model"
DATASETS = ("wine", "diabetes", "breast_cancer", "penguins")
SYNTHETIC = "synthetic"
TARGET = "target"
KNOWN = {"wine": ("accuracy", 0.983), "diabetes": ("r2", 0.490),  # 5-fold, benchmarks notes and the literature
         "penguins": ("accuracy", 0.99)}
PENGUINS = ROOT / "data" / "samples" / "penguins_raw.csv"
PENGUIN_FEATURES = ["Culmen Length (mm)", "Culmen Depth (mm)", "Flipper Length (mm)", "Body Mass (g)", "Island", "Sex"]
SEED = 0

# -- the data, written once ----------------------------------------------------------------------


def write_data(name: str, rows: int, data_dir: Path) -> Path:
    """The dataset as a Parquet file with a `target` column (generated tables named by their size)."""
    import pandas as pd
    from sklearn import datasets

    path = data_dir / (f"{SYNTHETIC}_{rows}.parquet" if name == SYNTHETIC else f"{name}.parquet")
    if path.exists():
        return path
    data_dir.mkdir(parents=True, exist_ok=True)
    if name == SYNTHETIC:
        X, y = datasets.make_classification(n_samples=rows, n_features=20, n_informative=8, n_redundant=4,
                                            n_classes=2, flip_y=0.03, random_state=SEED)  # fmt: skip
        frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(1, 21)]).assign(target=y)
    elif name == "penguins":
        raw = pd.read_csv(PENGUINS, na_values=["NA", "."], keep_default_na=False)
        frame = raw[PENGUIN_FEATURES].assign(target=raw["Species"].str.split().str[0])
    else:
        frame = getattr(datasets, f"load_{name}")(as_frame=True).frame
    frame.to_parquet(path)
    return path


def table_name(path: Path) -> str:
    return path.stem


def load_workspace(paths: list[Path], home: Path) -> None:
    """Each Parquet file as a table of the workspace at `home` (imported once, reused)."""
    from workbench import Workspace

    ws = Workspace(home)
    have = {t.name for t in ws.tables()}
    with ws.connect() as con:
        for path in paths:
            if table_name(path) not in have:
                with ws.transaction(con):
                    ws.create_table_as(con, table_name(path), "SELECT * FROM read_parquet(?)", [str(path)],
                                       source_kind="file", operation="import",
                                       source_detail={"path": str(path)})  # fmt: skip


# -- the sides, each in its own process ------------------------------------------------------------


def child_workbench(home: str, table: str, folds: int) -> dict:
    from workbench import Workspace, model

    ws = Workspace(home)
    started = time.perf_counter()
    model.warm_up(wait=True)
    warm_up = time.perf_counter() - started
    with measure.PeakWatcher() as workers:
        started = time.perf_counter()
        board = model.run(ws, table, TARGET, folds=folds, seed=SEED)
        seconds = time.perf_counter() - started
    out = {
        "seconds": seconds,
        "warm_up_seconds": warm_up,
        "peak_mib": measure.peak_mib(),
        "workers_peak_mib": workers.peak_mib,
        "workers_total_mib": workers.total_mib,
        "rows_used": len(board.X),
        "sampled": board.sampled,
        "leading": board.leading,
        "best": board.best().name,
        "models": {r.name: {"mean": r.mean(board.leading), "std": r.std(board.leading), "status": r.status,
                            "fit_time": r.mean("fit_time")} for r in board.results},  # fmt: skip
        "notes": board.notes,
    }
    if len(board.X) <= 10_000:
        out["hand_written"] = hand_written(board)
    return out


def hand_written(board) -> float:
    """A plain scikit-learn pipeline on the board's own folds: numbers imputed by their median and scaled,
    categories one-hot encoded (their missing values a category), then logistic regression or ridge."""
    from sklearn.compose import make_column_selector, make_column_transformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    estimator = Ridge() if board.task.kind == "regression" else LogisticRegression(max_iter=2000)
    numbers = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    categories = make_pipeline(SimpleImputer(strategy="constant", fill_value="missing"),
                               OneHotEncoder(handle_unknown="ignore"))  # fmt: skip
    pipe = make_pipeline(make_column_transformer((numbers, make_column_selector(dtype_include="number")),
                                                 (categories, make_column_selector(dtype_exclude="number"))),
                         estimator)  # fmt: skip
    return float(cross_val_score(pipe, board.X, board.y, cv=board.splits, scoring=board.leading).mean())


# LazyPredict, run by the peers' interpreter: argv = task kind, Parquet path, folds
LAZYPREDICT = r"""
import json, sys, time, warnings
sys.path.insert(0, sys.argv[4])
from benchmarks import measure
import pandas as pd
warnings.filterwarnings("ignore")
kind, path, folds = sys.argv[1], sys.argv[2], int(sys.argv[3])
frame = pd.read_parquet(path)
X, y = frame.drop(columns="target"), frame["target"]
started = time.perf_counter()
from lazypredict.Supervised import LazyClassifier, LazyRegressor
Lazy = LazyRegressor if kind == "regression" else LazyClassifier
board = Lazy(cv=folds, random_state=0).fit(X, X, y, y)
board = board[0] if isinstance(board, tuple) else board
seconds = time.perf_counter() - started
column = "R-Squared CV Mean" if kind == "regression" else "Accuracy CV Mean"
scores = board[column].dropna().sort_values(ascending=False)
linear = "Ridge" if kind == "regression" else "LogisticRegression"
print(json.dumps({"seconds": seconds, "peak_mib": measure.peak_mib(), "workers_peak_mib": measure.children_peak_mib(),
                  "models": int(len(board)), "best": scores.index[0], "best_score": float(scores.iloc[0]),
                  "linear": float(scores.get(linear, float("nan"))), "metric": column}))
"""


def run_lazypredict(kind: str, path: Path, folds: int, timeout: float) -> dict:
    from benchmarks import peers

    try:
        return measure.run_child([str(peers.python()), "-c", LAZYPREDICT, kind, str(path), str(folds), str(ROOT)],
                                 what="lazypredict", timeout=timeout)  # fmt: skip
    except subprocess.TimeoutExpired:
        return {"timed_out": timeout}


def pycaret_refusal() -> str | None:
    """Install PyCaret into the peers' environment beside its pandas, numpy and scikit-learn; None when it
    installed, else why pip refused (remembered, so the next run does not ask pip again)."""
    from benchmarks import peers

    exe = peers.python()
    refused = peers.PEERS_DIR / ".pycaret-refused"
    if refused.exists():
        return refused.read_text()
    if subprocess.run([str(exe), "-c", "import pycaret"], capture_output=True).returncode == 0:
        return None
    pins = subprocess.run([str(exe), "-m", "pip", "freeze"], capture_output=True, text=True, check=True).stdout
    kept = [line for line in pins.splitlines() if line.split("==")[0].lower() in ("pandas", "numpy", "scikit-learn")]
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as constraints:
        constraints.write("\n".join(kept) + "\n")
        constraints.flush()
        out = subprocess.run([str(exe), "-m", "pip", "install", "--only-binary", ":all:", "pycaret",
                              "-c", constraints.name], capture_output=True, text=True)  # fmt: skip
    if out.returncode == 0:
        return None
    causes = [line.strip() for line in out.stdout.splitlines() + out.stderr.splitlines() if "depends on" in line]
    reason = f"not installable beside {', '.join(kept)}" + (f" (pip: {causes[0]})" if causes else "")
    refused.write_text(reason)
    return reason


# -- the parent ------------------------------------------------------------------------------------


def task_kind(name: str) -> str:
    return {"wine": "multiclass", "diabetes": "regression", "breast_cancer": "binary"}.get(name, "binary")


def bench(name: str, path: Path, home: Path, args) -> dict:
    table = table_name(path)
    peer = not args.no_peers and name != SYNTHETIC

    def measure_side(side: str) -> dict:
        if side == "workbench":
            return measure.run_script_child(__file__, "workbench", str(home), table, str(args.folds))
        return run_lazypredict(task_kind(name), path, args.folds, args.peer_timeout)

    samples = measure.interleaved(["workbench", "lazypredict"] if peer else ["workbench"], args.runs, measure_side)
    wb = samples["workbench"][-1] | measure.medians(samples["workbench"], ["seconds", "warm_up_seconds", "peak_mib",
                                                                         "workers_peak_mib", "workers_total_mib"])
    out: dict = {"rows": wb["rows_used"], "workbench": wb}
    if name in KNOWN:
        out["known"] = {"metric": KNOWN[name][0], "value": KNOWN[name][1]}
    if peer:
        lazy = samples["lazypredict"]
        finished = [s for s in lazy if "timed_out" not in s]
        out["lazypredict"] = (finished[-1] | measure.medians(finished, ["seconds", "peak_mib", "workers_peak_mib"])
                              if finished else lazy[-1])  # fmt: skip
        if finished:
            out["lazypredict"]["time_ratio"] = out["lazypredict"]["seconds"] / wb["seconds"]
    return out


def report(results: dict) -> None:
    for name, r in results["datasets"].items():
        wb = r["workbench"]
        lead = wb["leading"]
        print(f"\n{name}: {r['rows']:,} rows, {lead}" + (" (sampled)" if wb["sampled"] else ""))
        print(f"  workbench leaderboard  {wb['seconds']:.2f} s (after a warm-up of {wb['warm_up_seconds']:.2f} s)  "
              f"peak {wb['peak_mib']:.0f} MiB (+ workers and fork server {wb['workers_total_mib']:.0f} MiB together, "
              f"largest {wb['workers_peak_mib']:.0f} MiB)  best {wb['best']}")  # fmt: skip
        for model, m in wb["models"].items():
            print(f"    {model:24s} {m['mean']:.3f} ± {m['std']:.3f}  fit {m['fit_time']:.2f} s/fold  {m['status']}")
        if "hand_written" in wb:
            print(f"  hand-written linear pipeline, same folds: {wb['hand_written']:.3f} "
                  f"(workbench linear {wb['models']['linear']['mean']:.3f})")  # fmt: skip
        if "known" in r:
            print(f"  known figure: {r['known']['metric']} {r['known']['value']:.3f}")
        lazy = r.get("lazypredict")
        if lazy and "timed_out" in lazy:
            print(f"  LazyPredict: no result within {lazy['timed_out']:g} s")
        elif lazy:
            print(f"  LazyPredict cv={results['folds']}  {lazy['seconds']:.2f} s ({lazy['time_ratio']:.1f}x the "
                  f"workbench)  peak {lazy['peak_mib']:.0f} MiB (+ workers {lazy['workers_peak_mib']:.0f} MiB)  "
                  f"{lazy['models']} models, best {lazy['best']} {lazy['best_score']:.3f}, linear "
                  f"{lazy['linear']:.3f} ({lazy['metric']})")  # fmt: skip
    if results.get("pycaret"):
        print(f"\nPyCaret: {results['pycaret']}; skipped")


def main() -> None:
    cli = measure.parser(__doc__, child=("SIDE", "HOME", "TABLE", "FOLDS"))
    cli.add_argument("--rows", type=measure.row_counts, default=[100_000],
                     help="rows of the generated 20-column table (comma-separated sizes; 0 skips it)")
    cli.add_argument("--folds", type=int, default=5)
    cli.add_argument("--datasets", default=",".join(DATASETS), help="which bundled datasets (comma-separated)")
    cli.add_argument("--no-peers", action="store_true", help="the workbench only (no peers' environment)")
    cli.add_argument("--peer-timeout", type=float, default=600.0, help="seconds before a peer's run is given up")
    cli.add_argument("--data", type=Path, default=DATA_DIR, help="where the Parquet files and workspace live")
    args = cli.parse_args()
    if args.child:
        side, home, table, folds = args.child
        print(json.dumps(child_workbench(home, table, int(folds))))
        return

    names = [n for n in args.datasets.split(",") if n]
    paths = {n: write_data(n, 0, args.data) for n in names}
    paths |= {f"{SYNTHETIC}_{rows}": write_data(SYNTHETIC, rows, args.data) for rows in args.rows if rows}
    home = args.data / "workspace"
    load_workspace(list(paths.values()), home)
    results: dict = {"folds": args.folds, "datasets": {}}
    if not args.no_peers:
        results["pycaret"] = pycaret_refusal()
    for name, path in paths.items():
        kind = SYNTHETIC if name.startswith(SYNTHETIC) else name
        print(f"measuring {name}...", file=sys.stderr)
        results["datasets"][name] = bench(kind, path, home, args)
    if args.json:
        print(json.dumps(results, indent=1))
    else:
        report(results)


if __name__ == "__main__":
    main()
