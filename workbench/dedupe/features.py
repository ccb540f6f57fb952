"""Pair features: how well two records agree on each column, as a comparison level.

Each column kind has a ladder of levels, checked from the strictest down; the
first that holds is the pair's level for that column (0 when none holds, and
`MISSING` when either value is NULL, which then counts as no evidence either
way). The levels of all columns are packed into one integer, the pair's
*pattern* (3 bits per column), so the model works on the small table of
distinct patterns with their counts instead of on every pair.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.dedupe.normalise import Column
from workbench.dedupe.portable import BITS, MISSING

MAX_COLUMNS = 21  # 21 x 3 bits fit a BIGINT


@dataclass(frozen=True)
class Level:
    label: str
    condition: str  # SQL over {a}, {b} (the two values) and {s} (their similarity)


_EXACT = Level("exact", "{a} = {b}")

LADDERS: dict[str, list[Level]] = {
    "string": [
        _EXACT,
        Level("Jaro-Winkler >= 0.95", "{s} >= 0.95"),
        # edit distance costs length² per pair: on long values Jaro-Winkler already tells, and
        # lengths more than 2 apart already mean more than 2 edits (the cheap test first)
        Level("edit distance <= 2", "CASE WHEN length({a}) > 10 OR abs(length({a}) - length({b})) > 2 THEN false "
                                    "ELSE levenshtein({a}, {b}) <= 2 END"),
        Level("Jaro-Winkler >= 0.85", "{s} >= 0.85"),
        Level("same letters (Jaccard >= 0.8)", "jaccard({a}, {b}) >= 0.8"),
    ],
    "number": [
        _EXACT,
        Level("within 0.1%", "{s} <= 0.001"),
        Level("within 1%", "{s} <= 0.01"),
        Level("within 10%", "{s} <= 0.1"),
    ],
    "date": [
        _EXACT,
        Level("one digit differs", "levenshtein(strftime({a}, '%Y%m%d'), strftime({b}, '%Y%m%d')) <= 1"),
        Level("within 31 days", "{s} <= 31"),
        Level("within a year", "{s} <= 366"),
    ],
}

# The similarity {s} each kind's ladder and the explanations use.
SIMILARITY: dict[str, tuple[str, str]] = {
    "string": ("Jaro-Winkler similarity", "CASE WHEN {a} = {b} THEN 1.0 ELSE jaro_winkler_similarity({a}, {b}) END"),
    "number": ("relative difference", "abs({a} - {b}) / nullif(greatest(abs({a}), abs({b})), 0)"),
    "date": ("days apart", "abs(datediff('day', {a}, {b}))"),
}


def level_count(kind: str) -> int:
    """Levels 0 (disagree) .. len(ladder) (exact); MISSING is apart."""
    return len(LADDERS[kind])


def level_label(kind: str, level: int) -> str:
    if level == MISSING:
        return "missing"
    if level == 0:
        return "different"
    ladder = LADDERS[kind]
    return ladder[len(ladder) - level].label


def similarity_sql(kind: str, a: str, b: str) -> str:
    return SIMILARITY[kind][1].format(a=a, b=b)


def level_sql(kind: str, a: str, b: str, s: str) -> str:
    """CASE expression giving the comparison level of values `a`, `b` with similarity `s`."""
    ladder = LADDERS[kind]
    whens = [f"WHEN {a} IS NULL OR {b} IS NULL THEN {MISSING}"]
    whens += [f"WHEN {lv.condition.format(a=a, b=b, s=s)} THEN {len(ladder) - i}" for i, lv in enumerate(ladder)]
    return f"CASE {' '.join(whens)} ELSE 0 END"


def pattern_sql(columns: list[Column], pairs: str, records: str) -> str:
    """SELECT l, r, rule, pattern for every pair in `pairs` (columns l, r, rule)."""
    inner = ["p.l", "p.r", "p.rule"]
    levels = []
    for i, c in enumerate(columns):
        inner += [f"l.c{i} AS a{i}", f"r.c{i} AS b{i}", f"{similarity_sql(c.kind, f'l.c{i}', f'r.c{i}')} AS s{i}"]
        levels.append(f"(CAST({level_sql(c.kind, f'a{i}', f'b{i}', f's{i}')} AS BIGINT) << {BITS * i})")
    return (
        f"SELECT l, r, rule, {' | '.join(levels)} AS pattern FROM ("
        f"SELECT {', '.join(inner)} FROM {pairs} p "
        f"JOIN {records} l ON l._id = p.l JOIN {records} r ON r._id = p.r) x"
    )


def unpack(pattern: int, n_columns: int) -> list[int]:
    """The per-column levels packed in `pattern`."""
    return [(pattern >> (BITS * i)) & MISSING for i in range(n_columns)]
