"""Kaggle downloads: the workbench's engine next to the `kaggle` client's own download, on the same server.

Both sides use the real client code over HTTP against the test suite's fake
Kaggle API server (tests/kaggle/fake_server.py) on 127.0.0.1, reached through
HTTP_PROXY as a user behind a proxy would; no network is needed. The dataset is
a generated CSV of N rows (12 mixed columns, as in benchmarks/ingest.py), zipped.
Each side runs in its own process, sides take turns within each run, and the
table reports medians of the time each call took inside its process (imports
and interpreter start excluded):

* first:  download and extract (workbench `kaggle.fetch`; kaggle
  `dataset_download_files(unzip=True)`);
* repeat: the same request again (the workbench's cache answers; the kaggle
  client deletes the zip after unzipping, so it downloads again); the bytes the
  server sent for both calls over the archive's size say which (1.0: once, 2.0: twice);
* resume: the connection drops halfway once; reported as bytes the server sent
  over the archive's size (1.0 = nothing sent twice) and seconds.

    .venv/bin/python benchmarks/kaggle_download.py                 # 1M rows, 3 runs
    .venv/bin/python benchmarks/kaggle_download.py --rows 200000 --runs 5 --json
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import measure
from benchmarks.ingest import _GENERATE  # the same twelve columns
from tests.kaggle.fake_server import KEY, USERNAME, Dataset, FakeKaggle, zip_bytes

REF = "bench/generated"
SIDES = ("workbench", "kaggle")

# Each side: download REF into the folder argv[1], `repeat` times; print the seconds of each call.
_SIDE = {
    "workbench": """
import json, sys, time
from workbench import Workspace
from workbench.kaggle import fetch, parse
import kagglesdk  # imported lazily by the workbench; imported up front here as the kaggle side's is
ws = Workspace(sys.argv[1])
times = []
for _ in range(int(sys.argv[2])):
    t = time.perf_counter(); fetch(ws, parse(sys.argv[3])); times.append(time.perf_counter() - t)
print(json.dumps(times))
""",
    "kaggle": """
import contextlib, io, json, sys, time
with contextlib.redirect_stdout(io.StringIO()):
    import kaggle
times = []
for _ in range(int(sys.argv[2])):
    t = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        kaggle.api.dataset_download_files(sys.argv[3], path=sys.argv[1], unzip=True, quiet=True)
    times.append(time.perf_counter() - t)
print(json.dumps(times))
""",
}


def make_archive(rows: int) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "orders.csv"
        with duckdb.connect() as con:
            con.execute(_GENERATE, [rows, str(csv)])
        return csv.read_bytes()


def run_side(side: str, fake: FakeKaggle, repeat: int) -> list[float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAGGLE_") and "proxy" not in k.lower()}
    with tempfile.TemporaryDirectory() as tmp:
        env.update(fake.env(), HOME=tmp, KAGGLE_CONFIG_DIR=tmp, KAGGLE_USERNAME=USERNAME, KAGGLE_KEY=KEY)
        return measure.run_child([sys.executable, "-c", _SIDE[side], str(Path(tmp) / "out"), str(repeat), REF],
                                 what=side, env=env, timeout=1800)


def compare(rows: int, runs: int) -> dict:
    csv = make_archive(rows)
    fake = FakeKaggle()
    archive = zip_bytes({"orders.csv": csv})
    fake.datasets[REF] = Dataset(files={"orders.csv": csv}, title="Generated orders", archive=archive)
    size = len(archive)
    fake.start()
    try:
        figures = {side: {"first": [], "repeat": [], "twice_sent": [], "resume": [], "resume_sent": []}
                   for side in SIDES}  # fmt: skip
        for _ in range(runs):
            for side in SIDES:
                fake.blob_bytes_sent = 0
                first, repeat = run_side(side, fake, 2)
                figures[side]["first"].append(first)
                figures[side]["repeat"].append(repeat)
                figures[side]["twice_sent"].append(fake.blob_bytes_sent / size)
                fake.drops, fake.drop_after, fake.blob_bytes_sent = 1, size // 2, 0
                figures[side]["resume"].append(run_side(side, fake, 1)[0])
                figures[side]["resume_sent"].append(fake.blob_bytes_sent / size)
    finally:
        fake.stop()
    medians = {side: {k: measure.median(v) for k, v in f.items()} for side, f in figures.items()}
    w, k = medians["workbench"], medians["kaggle"]
    return {"rows": rows, "csv_bytes": len(csv), "zip_bytes": size, "runs": runs, "sides": medians,
            "first_kaggle_vs_workbench": k["first"] / w["first"],
            "repeat_kaggle_vs_workbench": k["repeat"] / w["repeat"]}


def report(result: dict) -> str:
    w, k = result["sides"]["workbench"], result["sides"]["kaggle"]
    lines = [
        (f"{result['rows']:,} rows: {result['csv_bytes'] / 1e6:.1f} MB CSV, {result['zip_bytes'] / 1e6:.1f} MB zip, "
         f"medians of {result['runs']} runs"),
        f"{'':28}{'workbench':>12}{'kaggle':>12}{'kaggle / workbench':>22}",
        (f"{'first download + extract, s':28}{w['first']:>12.3f}{k['first']:>12.3f}"
         f"{result['first_kaggle_vs_workbench']:>22.2f}"),
        f"{'repeat, s':28}{w['repeat']:>12.3f}{k['repeat']:>12.3f}{result['repeat_kaggle_vs_workbench']:>22.1f}",
        f"{'  bytes sent / zip size':28}{w['twice_sent']:>12.2f}{k['twice_sent']:>12.2f}",
        f"{'resume after a drop, s':28}{w['resume']:>12.3f}{k['resume']:>12.3f}{k['resume'] / w['resume']:>22.2f}",
        f"{'  bytes sent / zip size':28}{w['resume_sent']:>12.2f}{k['resume_sent']:>12.2f}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = measure.parser(__doc__)
    parser.add_argument("--rows", type=int, action="append", help="rows of the generated CSV (repeatable)")
    args = parser.parse_args(argv)
    results = [compare(rows, args.runs) for rows in args.rows or [1_000_000]]
    if args.json:
        print(json.dumps({"results": results}))
    else:
        print("\n\n".join(report(r) for r in results))


if __name__ == "__main__":
    main()
