"""Category spellings: cluster the distinct values of a column and map each cluster to one spelling.

Two ways of finding spellings of the same thing, both over the distinct values
(a million rows rarely hold more than a few thousand), as OpenRefine does:

* key collision: values with the same key are the same. The fingerprint key
  ignores case, accents, punctuation and word order; the n-gram key also
  ignores spaces and doubled letters; the phonetic key (Soundex per word, off
  by default: it also joins different names) ignores most spelling.
* nearest neighbours: a rare spelling within a few edits (Levenshtein, with
  RapidFuzz) of a value at least `ratio` times as frequent is a misspelling of
  it. Candidates are compared only within blocks sharing the first or the last
  three letters, so the work grows with the block sizes, not with the square
  of the number of values. Values with digits are left alone ("Model 3").

The most frequent spelling of a cluster is proposed as its canonical value;
the mapping (variant -> canonical) is the fitted state.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from typing import Any

import duckdb

from workbench.clean.step import Gap, Param
from workbench.clean.text import COLUMN, TextStep, lookup, seen_values, unseen
from workbench.names import quote

METHODS = ("fingerprint", "ngram", "phonetic", "neighbours")
DEFAULT_METHODS = ["fingerprint", "ngram", "neighbours"]
MIN_EDIT_LENGTH = 4  # shorter values are never matched by edits (Red / Bed)
BLOCK = 3  # letters of the prefix and suffix blocks


def fingerprint(value: str) -> str:
    text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().lower()
    return " ".join(sorted(set(re.findall(r"[a-z0-9]+", text))))


def ngram_key(value: str, n: int = 2) -> str:
    text = "".join(fingerprint(value).split())
    text = re.sub(r"(.)\1+", r"\1", text)
    return "".join(sorted({text[i : i + n] for i in range(max(len(text) - n + 1, 1))}))


_SOUNDEX = {c: d for d, letters in {"1": "bfpv", "2": "cgjkqsxz", "3": "dt", "4": "l", "5": "mn", "6": "r"}.items()
            for c in letters}  # fmt: skip


def phonetic_key(value: str) -> str:
    """American Soundex of each word of the fingerprint."""
    codes = []
    for word in fingerprint(value).split():
        digits, last = [], _SOUNDEX.get(word[0])
        for ch in word[1:]:
            code = _SOUNDEX.get(ch)
            if code and code != last:
                digits.append(code)
            if ch not in "hw":
                last = code
        codes.append((word[0] + "".join(digits) + "000")[:4])
    return " ".join(codes)


KEYS = {"fingerprint": fingerprint, "ngram": ngram_key, "phonetic": phonetic_key}


class _Groups:
    """Union-find over value indices."""

    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


def cluster_values(counts: list[tuple[str, int]], methods: list[str], max_edits: int = 2,
                   ratio: float = 10.0) -> list[dict[str, Any]]:  # fmt: skip
    """Clusters of two or more spellings, each {canonical, members: [[value, count], ...], count}."""
    groups = _Groups(len(counts))
    for method in methods:
        if method in KEYS:
            first: dict[str, int] = {}
            for i, (value, _) in enumerate(counts):
                key = KEYS[method](value)
                if key:
                    groups.join(i, first.setdefault(key, i))
    if "neighbours" in methods:
        _join_neighbours(counts, groups, max_edits, ratio)
    members: dict[int, list[int]] = defaultdict(list)
    for i in range(len(counts)):
        members[groups.find(i)].append(i)
    out = []
    for idx in members.values():
        if len(idx) < 2:
            continue
        spellings = sorted((counts[i] for i in idx), key=lambda p: (-p[1], p[0]))
        out.append({"canonical": spellings[0][0], "members": [list(p) for p in spellings],
                    "count": sum(n for _, n in spellings[1:])})  # fmt: skip
    return sorted(out, key=lambda c: (-c["count"], c["canonical"]))


def _join_neighbours(counts: list[tuple[str, int]], groups: _Groups, max_edits: int, ratio: float) -> None:
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    # compare fingerprint-level groups (summed counts) so 'red'/'Red ' count together
    totals: dict[str, int] = defaultdict(int)
    index: dict[str, int] = {}
    for i, (value, n) in enumerate(counts):
        key = fingerprint(value)
        if len(key) >= MIN_EDIT_LENGTH and not re.search(r"\d", key):
            totals[key] += n
            index.setdefault(key, i)
    keys = list(totals)
    blocks: dict[str, list[int]] = defaultdict(list)
    for j, key in enumerate(keys):
        blocks["^" + key[:BLOCK]].append(j)
        blocks["$" + key[-BLOCK:]].append(j)
    best: dict[int, int] = {}  # rare key -> most frequent close key
    for block in blocks.values():
        if len(block) < 2:
            continue
        texts = [keys[j] for j in block]
        dist = process.cdist(texts, texts, scorer=Levenshtein.distance, score_cutoff=max_edits, workers=1)
        for a, b in zip(*(dist <= max_edits).nonzero()):
            rare, common = block[a], block[b]
            if rare == common or totals[keys[common]] < ratio * totals[keys[rare]]:
                continue
            if dist[a, b] > _edits_allowed(keys[rare], max_edits):
                continue
            if rare not in best or totals[keys[common]] > totals[keys[best[rare]]]:
                best[rare] = common
    for rare, common in best.items():
        groups.join(index[keys[rare]], index[keys[common]])


def _edits_allowed(text: str, max_edits: int) -> int:
    """One edit up to 9 letters, then one more per 5 letters, up to max_edits."""
    return max(1, min(max_edits, len(text) // 5))


class ClusterSpellings(TextStep):
    operation = "cluster_spellings"
    title = "Merge spellings of a category"
    explain = ("Finds values that are spellings of the same category (case, spaces, accents, punctuation, "
               "word order, small typos) and rewrites each to one canonical value, by default the most "
               "frequent spelling. The mapping is learned here and reused on new data; spellings it never "
               "saw are reported.")
    PARAMS = (COLUMN,
              Param("methods", "list", "fingerprint, ngram, phonetic and/or neighbours", DEFAULT_METHODS),
              Param("max_edits", "integer", "neighbours: most typing edits between a variant and its value", 2),
              Param("ratio", "number", "neighbours: how many times more frequent the right spelling must be", 10.0),
              Param("mapping", "mapping", "variant -> canonical value: the clusters you accepted (skips the search)"),
              )  # fmt: skip

    def validate(self) -> None:
        unknown = [m for m in self.methods if m not in METHODS]
        if unknown:
            from workbench.errors import WorkbenchError

            raise WorkbenchError(f"Unknown clustering method {unknown[0]!r}: choose from {', '.join(METHODS)}.")

    def learn(self, con: duckdb.DuckDBPyConnection, table: str, schema: dict[str, str]) -> dict[str, Any]:
        c = quote(self.column)
        counts = [(v, int(n)) for v, n in con.execute(
            f"SELECT {c}, count(*) FROM {quote(table)} WHERE {c} IS NOT NULL GROUP BY {c} ORDER BY 2 DESC, 1"
        ).fetchall()]  # fmt: skip
        if self.mapping is not None:
            mapping = {k: str(v) for k, v in self.mapping.items() if str(v) != k}
            clusters = _clusters_of(mapping, dict(counts))
        else:
            clusters = cluster_values(counts, self.methods, self.max_edits, self.ratio)
            mapping = {v: cl["canonical"] for cl in clusters for v, _ in cl["members"][1:]}
        return {"mapping": mapping, "clusters": clusters, "seen": seen_values(con, table, self.column)}

    def expression(self, c: str):
        return lookup(c, self.state["mapping"])

    def gaps(self, schema: dict[str, str]) -> list[Gap]:
        return unseen(self.column, self.state.get("seen"))

    def describe(self) -> str:
        m = self.state["mapping"]
        return f"Merge {len(m):,} spellings in {self.column} into {len(set(m.values())):,} canonical values"


def _clusters_of(mapping: dict[str, str], counts: dict[str, int]) -> list[dict[str, Any]]:
    by_target: dict[str, list[str]] = defaultdict(list)
    for variant, target in mapping.items():
        by_target[target].append(variant)
    out = []
    for target, variants in by_target.items():
        members = [[target, counts.get(target, 0)]] + sorted(([v, counts.get(v, 0)] for v in variants),
                                                            key=lambda p: (-p[1], p[0]))  # fmt: skip
        out.append({"canonical": target, "members": members, "count": sum(n for _, n in members[1:])})
    return sorted(out, key=lambda c: (-c["count"], c["canonical"]))


OPERATIONS = [ClusterSpellings]
