"""Precision and recall of the spelling rule (workbench/profile/spelling.py), the one Explore's
`inconsistent_category` finding and Clean's `cluster_spellings` share.

Two sets, both in tests/spelling_fixtures.py:

* planted: generated columns of realistic category words (colours, cities, car makes; 150-2,000 rows each)
  with planted variants in rare rows (1-6 rows): case, spaces, accents, and typos (a letter inserted,
  deleted, replaced, two letters swapped) in words of 6 letters or more. Recall = planted variants mapped to
  their true value / planted variants; precision = right mappings / mappings proposed.
* distinct: real columns whose values are all different categories (the Ames housing codes, with their
  frequencies; age bands `<12 yrs` / `12 yrs`; wards `inpatient ward a` ... `z`). Every merge proposed
  there is false.

Each set is judged twice: "proposed" counts every variant the rule lists (strong or possible: what Explore
reports), "merged" only the strong ones (merged by default, pre-ticked on the Clean page).
Targets: recall >= 0.95 on the planted set, 0 false merges on the distinct set.

    PYTHONPATH=. .venv/bin/python benchmarks/spelling_precision.py [--json] [--seeds 5]
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

from tests.spelling_fixtures import DISTINCT, plant, proposals  # noqa: E402
from workbench.profile.spelling import STRONG  # noqa: E402

TARGETS = {"recall": 0.95, "false_merges": 0}


def score(found: dict, truth: dict[tuple[str, str], str]) -> dict:
    right = sum(1 for k, canonical in found.items() if truth.get(k) == canonical)
    wrong = sorted(f"{c}: {v!r} -> {found[(c, v)]!r}" for c, v in found if truth.get((c, v)) != found[(c, v)])
    return {"proposed": len(found), "right": right, "recall": right / len(truth) if truth else 1.0,
            "precision": right / len(found) if found else 1.0, "false": len(found) - right,
            "wrong": wrong[:10]}  # fmt: skip


def run(seeds: int) -> dict:
    started = time.perf_counter()
    planted: dict[str, dict] = {"proposed": {}, "merged": {}}
    truth_all: dict[tuple[str, str], str] = {}
    kinds: dict[str, list[int]] = {}
    for seed in range(seeds):
        columns, truth = plant(seed=11 + seed)
        found = proposals(columns)
        for t in truth:
            key = (f"{t['column']}#{seed}", t["variant"])
            truth_all[key] = t["canonical"]
            hit = found.get((t["column"], t["variant"]), (None, None))
            counted = kinds.setdefault(t["kind"], [0, 0])
            counted[0] += hit == (t["canonical"], STRONG)
            counted[1] += 1
        for (column, v), (canonical, confidence) in found.items():
            planted["proposed"][(f"{column}#{seed}", v)] = canonical
            if confidence == STRONG:
                planted["merged"][(f"{column}#{seed}", v)] = canonical
    distinct = proposals(DISTINCT)
    merged = {k: c for k, (c, confidence) in distinct.items() if confidence == STRONG}
    result = {
        "planted": {"variants": len(truth_all), **{k: score(v, truth_all) for k, v in planted.items()},
                    "recall_by_kind": kinds},
        "distinct": {"columns": len(DISTINCT), "values": sum(len(v) for v in DISTINCT.values()),
                     "false_proposals": len(distinct), "false_merges": len(merged),
                     "examples": sorted(f"{c}: {v!r} -> {t!r}" for (c, v), (t, _) in distinct.items())[:10]},
        "seconds": time.perf_counter() - started,
    }  # fmt: skip
    result["met"] = {"recall": result["planted"]["merged"]["recall"] >= TARGETS["recall"],
                     "false_merges": result["distinct"]["false_merges"] <= TARGETS["false_merges"]}  # fmt: skip
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5, help="planted sets generated (each 3 columns)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(argv)
    result = run(args.seeds)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    p, d = result["planted"], result["distinct"]
    print(f"planted set: {p['variants']} variants in {args.seeds * 3} columns")
    for side in ("merged", "proposed"):
        s = p[side]
        print(f"  {side:>8}: recall {s['recall']:.3f}  precision {s['precision']:.3f}  ({s['right']} right of "
              f"{s['proposed']} {side})")  # fmt: skip
    print("  strong recall by kind: " + ", ".join(f"{k} {a}/{b}" for k, (a, b) in sorted(p["recall_by_kind"].items())))
    print(f"distinct set: {d['values']} values in {d['columns']} real columns: false merges {d['false_merges']}, "
          f"false proposals (possible too) {d['false_proposals']}")  # fmt: skip
    for line in d["examples"]:
        print(f"  false: {line}")
    print(f"targets (recall >= {TARGETS['recall']}, false merges 0): "
          + ", ".join(f"{k} {'met' if v else 'NOT MET'}" for k, v in result["met"].items()))
    print(f"{result['seconds']:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
