"""Precision of Explore's findings on real public tables, judged by hand (tests/data/real/).

Every CSV of tests/data/real/ is imported as the app imports a file and profiled; every finding of a kind that
claims dirt (JUDGED_KINDS) is matched, by (table, kind, column), with its verdict in tests/data/real/judged.csv:
right, false (a false alarm) or debatable (not counted). Printed, in one run:

* precision per kind and overall: right / (right + false) of the findings raised;
* the misses: findings judged right that are no longer raised;
* the false alarms raised, and the findings nobody has judged yet (to be added to judged.csv).

Targets: precision >= 0.95 overall and >= 0.9 for every kind, no miss.

    PYTHONPATH=. .venv/bin/python benchmarks/findings_precision.py [--json] [--table arrests]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # run as a script, only benchmarks/ would be on the path

from workbench import Workspace, ingest  # noqa: E402
from workbench.profile import profile_table  # noqa: E402

DATA = ROOT / "tests" / "data" / "real"
JUDGED = DATA / "judged.csv"
# the kinds that claim something is wrong with values (plain statistics, such as missing counts or skew, are not
# judged: they are facts)
JUDGED_KINDS = ("sentinel", "disguised_missing", "mixed_types", "inconsistent_category", "duplicate_rows", "outlier",
                "impossible_value", "overlapping_bands", "booleans_as_text", "numbers_as_text", "dates_as_text",
                "constant", "identifier", "whitespace", "high_cardinality")  # fmt: skip
TARGETS = {"overall": 0.95, "kind": 0.9}


def tables() -> list[Path]:
    return sorted(p for p in DATA.glob("*.csv") if p != JUDGED)


def judged() -> dict[tuple[str, str, str, str], dict[str, str]]:
    """(table, kind, column, confidence) -> the judged row (verdict, why); the column is '' for whole-table findings,
    the confidence '' when the verdict holds whatever the confidence ('strong' or 'possible' when it depends on it:
    identical rows are a false alarm said as duplicates, and true said as possibly distinct records)."""
    with JUDGED.open(newline="", encoding="utf-8") as f:
        return {(r["table"], r["kind"], r["column"], r["confidence"]): r for r in csv.DictReader(f)}


def verdict_of(verdicts: dict, table: str, kind: str, column: str, confidence: str) -> dict[str, str] | None:
    return verdicts.get((table, kind, column, confidence)) or verdicts.get((table, kind, column, ""))


def profile_all(only: list[str] | None = None) -> dict[str, list]:
    """table -> its findings, each table imported from its CSV into a workspace of its own making."""
    paths = [p for p in tables() if not only or p.stem in only]
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(tmp) / "ws")
        results = ingest.load(ws, paths)
        failed = [r for r in results if r.error]
        if failed:
            raise SystemExit(f"import failed: {failed}")
        return {r.table: profile_table(ws, r.table).findings for r in results}


def score(found: dict[str, list], verdicts: dict[tuple[str, str, str, str], dict[str, str]]) -> dict:
    raised = {(t, f.kind, f.column or ""): f for t, fs in found.items() for f in fs if f.kind in JUDGED_KINDS}
    per_kind: dict[str, dict] = {}
    false_alarms, unjudged = [], []
    for key, f in sorted(raised.items()):
        row = verdict_of(verdicts, *key, f.confidence)
        verdict = row["verdict"] if row else "unjudged"
        counted = per_kind.setdefault(key[1], {"right": 0, "false": 0, "debatable": 0, "unjudged": 0})
        counted[verdict] += 1
        line = {"table": key[0], "kind": key[1], "column": key[2], "count": f.count, "message": f.message,
                "confidence": f.confidence}  # fmt: skip
        if verdict == "false":
            false_alarms.append({**line, "why": row["why"]})
        elif verdict == "unjudged":
            unjudged.append(line)
    misses = []
    for (t, k, c, confidence), r in sorted(verdicts.items()):
        f = raised.get((t, k, c))
        if r["verdict"] == "right" and t in found and (f is None or confidence and f.confidence != confidence):
            misses.append({"table": t, "kind": k, "column": c, "why": r["why"]})
    for counted in per_kind.values():
        judged_ = counted["right"] + counted["false"]
        counted["precision"] = counted["right"] / judged_ if judged_ else 1.0
    right = sum(c["right"] for c in per_kind.values())
    false = sum(c["false"] for c in per_kind.values())
    overall = right / (right + false) if right + false else 1.0
    ok = (overall >= TARGETS["overall"] and all(c["precision"] >= TARGETS["kind"] for c in per_kind.values())
          and not misses and not unjudged)  # fmt: skip
    return {"per_kind": per_kind, "overall": overall, "right": right, "false": false, "misses": misses,
            "false_alarms": false_alarms, "unjudged": unjudged, "targets_met": ok}  # fmt: skip


def report(result: dict, seconds: float, count: int) -> str:
    lines = [f"{count} real tables profiled in {seconds:.1f} s", "",
             f"{'kind':24} {'right':>6} {'false':>6} {'debatable':>10} {'unjudged':>9} {'precision':>10}"]
    for kind, c in sorted(result["per_kind"].items()):
        lines.append(f"{kind:24} {c['right']:>6} {c['false']:>6} {c['debatable']:>10} {c['unjudged']:>9} "
                     f"{c['precision']:>10.2f}")  # fmt: skip
    lines.append(f"overall precision {result['overall']:.3f} ({result['right']} right, {result['false']} false; "
                 f"target >= {TARGETS['overall']}, >= {TARGETS['kind']} per kind): "
                 + ("met" if result["targets_met"] else "MISSED"))
    for title, key in (("misses (judged right, no longer raised)", "misses"), ("false alarms raised", "false_alarms"),
                       ("not judged yet (add them to judged.csv)", "unjudged")):  # fmt: skip
        lines += ["", f"{title}: {len(result[key])}"]
        for r in result[key]:
            lines.append(f"  {r['table']}.{r['column'] or '*'} {r['kind']}: " + (r.get("why") or r.get("message")))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--table", action="append", help="profile only this table (repeatable)")
    args = parser.parse_args()
    started = time.perf_counter()
    found = profile_all(args.table)
    result = score(found, judged())
    seconds = time.perf_counter() - started
    print(json.dumps(result, indent=2, default=str) if args.json else report(result, seconds, len(found)))
    sys.exit(0 if result["targets_met"] else 1)


if __name__ == "__main__":
    main()
