"""Similar rows on a big table: the first and the second `similar.find` (top 10 for one reference), next to
scikit-learn's NearestNeighbors(algorithm="brute") on the same scaled matrix, in one run.

A workspace holding one table `big` of N rows x 20 numeric columns (normal values on scales from 0.01 to
10,000, so scaling matters) is generated once into benchmarks/.data/ and reused. Each run:

* cold: the first `find` after the cache is emptied: read the table, choose the columns, fit the z-score space,
  build the float32 matrix, rank every row, explain the 10 nearest.
* warm: a second `find` for another reference: the fitted space comes from the cache, only the ranking and the
  explanation run. Target: <= 1 s at 1M rows.
* sklearn_fit / sklearn_query: `NearestNeighbors(algorithm="brute").fit(X)` and `.kneighbors(x, 11)` on the
  same scaled matrix (float64), the reference itself dropped from its neighbours; both must return the same ids.

The table shows medians over the runs and the ratio warm / sklearn query.

    .venv/bin/python benchmarks/similar.py                     # 1M rows, 3 runs
    .venv/bin/python benchmarks/similar.py --rows 200000 --runs 5 --json
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script, only benchmarks/ would be on the path

from benchmarks import measure

DATA_DIR = ROOT / "benchmarks" / ".data"
COLUMNS = 20
K = 10


def _generate(rows: int) -> str:
    cols = ", ".join(f"(10 ** ({j % 7} - 2)) * (random() + random() + random() - 1.5 + {j}) AS f{j:02d}"
                     for j in range(COLUMNS))  # fmt: skip
    return f"SELECT {cols} FROM range({rows})"


def workspace(rows: int, data_dir: Path = DATA_DIR) -> Path:
    """The folder of a workspace whose table `big` has `rows` rows x 20 numbers, made the first time."""
    return measure.generated_workspace(data_dir / f"similar_ws_{rows}", _generate(rows), seed=0.5)


def run(rows: int, runs: int, data_dir: Path) -> dict:
    from sklearn.neighbors import NearestNeighbors

    from workbench import similar
    from workbench.similar.neighbours import fitted
    from workbench.workspace import Workspace

    ws = Workspace(workspace(rows, data_dir))
    rng = np.random.default_rng(0)
    samples = []
    for _ in range(runs):
        cold_ref, warm_ref = (int(r) for r in rng.integers(1, rows + 1, 2))
        similar.clear_cache()
        started = time.perf_counter()
        similar.find(ws, "big", [str(cold_ref)], k=K)
        cold = time.perf_counter() - started
        started = time.perf_counter()
        result = similar.find(ws, "big", [str(warm_ref)], k=K)
        warm = time.perf_counter() - started
        X = fitted(ws, result).X.astype(np.float64)
        started = time.perf_counter()
        nn = NearestNeighbors(algorithm="brute").fit(X)
        fit = time.perf_counter() - started
        started = time.perf_counter()
        distances, found = nn.kneighbors(X[warm_ref - 1:warm_ref], K + 1)
        query = time.perf_counter() - started
        ids = [int(i) + 1 for i in found[0] if int(i) + 1 != warm_ref][:K]
        del X, nn
        samples.append({"cold_s": cold, "warm_s": warm, "sklearn_fit_s": fit, "sklearn_query_s": query,
                        "same_ids": ids == result.rows["id"].tolist(),
                        "same_distances": bool(np.allclose(sorted(d for d, i in zip(distances[0], found[0])
                                                                  if int(i) + 1 != warm_ref)[:K],
                                                           result.rows["distance"], rtol=1e-5))})  # fmt: skip
    keys = ("cold_s", "warm_s", "sklearn_fit_s", "sklearn_query_s")
    figures = measure.medians(samples, keys)
    return {"rows": rows, "columns": COLUMNS, "k": K, "runs": runs, **figures,
            "warm_over_sklearn_query": figures["warm_s"] / figures["sklearn_query_s"],
            "cold_over_sklearn_fit_and_query": figures["cold_s"] / (figures["sklearn_fit_s"]
                                                                    + figures["sklearn_query_s"]),
            "same_ids": all(s["same_ids"] for s in samples),
            "same_distances": all(s["same_distances"] for s in samples),
            "warm_target_met": figures["warm_s"] <= 1.0, "samples": samples}  # fmt: skip


def main() -> None:
    cli = measure.parser(__doc__)
    cli.add_argument("--rows", type=lambda t: int(t.replace("_", "")), default=1_000_000)
    cli.add_argument("--data-dir", type=Path, default=DATA_DIR)
    args = cli.parse_args()
    result = run(args.rows, args.runs, args.data_dir)
    if args.json:
        print(json.dumps(result))
        return
    print(f"similar rows: {result['rows']:,} rows x {COLUMNS} numbers, top {K} for one reference, "
          f"median of {result['runs']} runs")  # fmt: skip
    for key, label in [("cold_s", "workbench cold (read + fit + rank)"), ("warm_s", "workbench warm (rank)"),
                       ("sklearn_fit_s", "sklearn NearestNeighbors fit"),
                       ("sklearn_query_s", "sklearn kneighbors (brute)")]:  # fmt: skip
        print(f"  {label:<38} {result[key]:8.3f} s")
    print(f"  warm / sklearn query                   {result['warm_over_sklearn_query']:8.2f}x")
    print(f"  cold / sklearn fit + query             {result['cold_over_sklearn_fit_and_query']:8.2f}x")
    print(f"  same ids: {result['same_ids']}, same distances: {result['same_distances']}, "
          f"warm <= 1 s: {result['warm_target_met']}")  # fmt: skip


if __name__ == "__main__":
    main()
