"""Honest validation on three planted tables: the score shuffled folds report, the honest one, the workbench's.

* sales: 1,500 days of a random walk plus a weekly cycle; the features are the date's parts. Shuffled folds let
  a model interpolate between neighbouring days; time-ordered folds (`TimeSeriesSplit`) show it cannot forecast.
* patients: 150 patients x 6 visits; each patient's measurements carry a personal signature and the outcome is
  drawn per patient at random. Ungrouped folds let a model recognise the patient; folds grouped by patient give
  chance.
* imputed: five noise features, missing together in half the rows (a sensor that failed), a random binary
  target; a KNN imputation in Clean that included the target among its columns fills the missing rows from
  rows of the same class, so the filled values tell the class. The honest figure is the uncleaned table.

For each: the best learned model's leading metric under shuffled folds (`--validation kfold`, on the cleaned
table as it is), the honest figure (hand-written scikit-learn: `TimeSeriesSplit`, `StratifiedGroupKFold`, the
uncleaned table), and the workbench's default board; then the time to fit the board with the cleaning refitted
in folds against the board on the cleaned table without it.

    PYTHONPATH=. .venv/bin/python benchmarks/validation.py
    PYTHONPATH=. .venv/bin/python benchmarks/validation.py --json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run as a script, only benchmarks/ would be on the path

SEED = 0


def sales(days: int = 1_500, seed: int = SEED) -> pd.DataFrame:
    """A random walk plus a weekly cycle, one row per day in date order."""
    rng = np.random.default_rng(seed)
    day = pd.date_range("2020-01-01", periods=days, freq="D")
    weekly = np.array([0, 1, 2, 3, 6, 9, 4], dtype=float)[day.day_of_week]
    return pd.DataFrame({"day": day, "sales": 100 + np.cumsum(rng.normal(0, 2, days)) + weekly})


def patients(people: int = 150, visits: int = 6, seed: int = SEED) -> pd.DataFrame:
    """`people` x `visits` rows: measurements near each person's own signature, an outcome random per person."""
    rng = np.random.default_rng(seed)
    signature = rng.normal(0, 3, (people, 5))
    outcome = rng.choice(["ill", "well"], people)
    person = np.repeat(np.arange(people), visits)
    measures = signature[person] + rng.normal(0, 0.3, (people * visits, 5))
    frame = pd.DataFrame(measures, columns=[f"m{i}" for i in range(1, 6)])
    frame.insert(0, "person", [f"p{p:03d}" for p in person])
    frame["outcome"] = outcome[person]
    return frame


def imputed(rows: int = 1_000, seed: int = SEED) -> pd.DataFrame:
    """Five noise features missing together in half the rows, and a random 0/1 target."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(rows, 5)), columns=[f"f{i}" for i in range(1, 6)])
    frame.loc[rng.random(rows) < 0.5, list(frame.columns)] = np.nan
    frame["target"] = rng.integers(0, 2, rows)
    return frame


def planted(ws) -> dict[str, dict]:
    """Write the three tables into `ws` (the imputed one cleaned by the leaking KNN step) and say what to fit."""
    from workbench import clean
    from workbench.clean import run as clean_run
    from workbench.metadata import record_table

    def put(name: str, frame: pd.DataFrame) -> None:
        with ws.connect() as con, con.cursor() as cur:
            cur.register("__frame", frame)
            cur.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM __frame")
            cur.unregister("__frame")
            record_table(cur, name, source_kind="file", operation="import")

    put("sales", sales())
    put("patients", patients())
    put("sensors", imputed())
    step = clean.make("knn_impute", columns=["f1", "f2", "f3", "f4", "f5", "target"])
    made = clean_run.apply(ws, "sensors", step)
    return {"sales": {"table": "sales", "target": "sales"},
            "patients": {"table": "patients", "target": "outcome"},
            "imputed": {"table": made.name, "target": "target", "raw": "sensors"}}  # fmt: skip


def honest(case: str, ws, spec: dict, metric: str) -> float:
    """The honest figure from a hand-written scikit-learn pipeline: the best of gradient boosting and a random
    forest (the board's strongest), on time-ordered folds, grouped folds, or the uncleaned table."""
    from sklearn.ensemble import (
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
        RandomForestClassifier,
        RandomForestRegressor,
    )
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold, TimeSeriesSplit, cross_val_score

    with ws.connect(read_only=True) as con:
        frame = con.execute(f"SELECT * FROM {spec.get('raw', spec['table'])}").df()
    if case == "sales":
        d = frame["day"].dt
        X = pd.DataFrame({"year": d.year, "month": d.month, "day": d.day, "weekday": d.day_of_week})
        models = [HistGradientBoostingRegressor(random_state=0), RandomForestRegressor(min_samples_leaf=2,
                                                                                       random_state=0)]  # fmt: skip
        return max(cross_val_score(m, X, frame["sales"], cv=TimeSeriesSplit(5), scoring=metric).mean()
                   for m in models)  # fmt: skip
    models = [HistGradientBoostingClassifier(random_state=0), RandomForestClassifier(min_samples_leaf=2,
                                                                                     random_state=0)]  # fmt: skip
    if case == "patients":
        X, y = frame[[f"m{i}" for i in range(1, 6)]], frame["outcome"]
        cv = StratifiedGroupKFold(5, shuffle=True, random_state=0)
        return max(cross_val_score(m, X, y, groups=frame["person"], cv=cv, scoring=metric).mean()
                   for m in models)  # fmt: skip
    X, y = frame[[f"f{i}" for i in range(1, 6)]], frame["target"]
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    return max(cross_val_score(m, X, y, cv=cv, scoring=metric).mean() for m in models)


def best_of(board) -> float:
    return board.best().mean(board.leading)


def measure(home: Path) -> dict:
    from workbench import Workspace, model

    ws = Workspace(home)
    specs = planted(ws)
    model.warm_up(wait=True)
    out: dict = {"cases": {}}
    for case, spec in specs.items():
        started = time.perf_counter()
        board = model.run(ws, spec["table"], spec["target"])
        seconds = time.perf_counter() - started
        shuffled = model.run(ws, spec["table"], spec["target"], validation="kfold", refit_cleaning=False)
        out["cases"][case] = {
            "metric": board.leading, "shuffled": best_of(shuffled), "workbench": best_of(board),
            "honest": float(honest(case, ws, spec, board.leading)), "header": board.header(), "seconds": seconds,
            "warnings": [w.kind for w in board.warnings + board.features.warnings],
        }  # fmt: skip
    # the cost of refitting the cleaning in the folds, on a recipe that keeps its learnable steps
    from workbench import clean
    from workbench.clean import run as clean_run

    frame = imputed(rows=2_000, seed=1)
    frame["f1"] = frame["f1"] + frame["target"]  # some signal, so the models have something to fit
    with ws.connect() as con, con.cursor() as cur:
        cur.register("__frame", frame)
        cur.execute("CREATE OR REPLACE TABLE readings AS SELECT * FROM __frame")
        cur.unregister("__frame")
    from workbench.metadata import record_table

    with ws.connect() as con:
        record_table(con, "readings", source_kind="file", operation="import")
    made = clean_run.apply(ws, "readings", clean.make("knn_impute", columns=["f1", "f2", "f3", "f4", "f5"]))
    timings = {}
    for label, refit in (("refitted", True), ("as_is", False)):
        started = time.perf_counter()
        model.run(ws, made.name, "target", refit_cleaning=refit, holdout=False)
        timings[label] = time.perf_counter() - started
    out["refit"] = {"table_rows": len(frame), **timings, "ratio": timings["refitted"] / timings["as_is"]}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--data", type=Path, help="the workspace folder (default: a temporary one)")
    args = parser.parse_args()
    if args.data:
        result = measure(args.data)
    else:
        with tempfile.TemporaryDirectory() as home:
            result = measure(Path(home))
    if args.json:
        print(json.dumps(result, indent=2, default=str))
        return
    print(f"{'case':10} {'metric':18} {'shuffled':>9} {'honest':>9} {'workbench':>10}  validation")
    for case, r in result["cases"].items():
        print(f"{case:10} {r['metric']:18} {r['shuffled']:9.3f} {r['honest']:9.3f} {r['workbench']:10.3f}  "
              f"{r['header']}")
    r = result["refit"]
    print(f"\nboard on {r['table_rows']:,} rows with a KNN imputation: {r['refitted']:.1f} s with the cleaning "
          f"refitted in the folds, {r['as_is']:.1f} s on the cleaned table as it is ({r['ratio']:.2f}x)")


if __name__ == "__main__":
    main()
