"""Category spellings: cluster the distinct values of a column and map each cluster to one spelling.

The clusters come from the rule shared with Explore (`workbench.profile.spelling`), over the distinct
values (a million rows rarely hold more than a few thousand): values equal on the comparison key (case,
spaces, accents, punctuation that carries no meaning) and rare misspellings of a far more frequent value
(typing edits, never in short words or codes), each variant rated strong or possible. By default the
strong variants are merged; the mapping you accept replaces them.

The fitted state is the mapping (variant -> canonical) and the key: on new data, a value never seen whose
key is the key of the values of one canonical value (`TIMBER` for `Timber`) is mapped to it too, in the
workbench and in the exports (the key is SQL); only values whose key is new are reported as gaps.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import duckdb

from workbench.clean.step import Found, Fragment, Gap, Param, column_ref
from workbench.clean.text import COLUMN, TextStep, lookup, seen_values
from workbench.errors import WorkbenchError
from workbench.names import quote
from workbench.profile.spelling import DEFAULT_METHODS, METHODS, cluster_values, key_sql, mapping_of
from workbench.words import plural

__all__ = ["DEFAULT_METHODS", "METHODS", "ClusterSpellings", "cluster_values"]


class ClusterSpellings(TextStep):
    operation = "cluster_spellings"
    title = "Merge spellings of a category"
    explain = ("Finds values that are spellings of the same category (case, spaces, accents, punctuation; "
               "rare typos of a far more frequent value, never in short words or codes) and rewrites each to one "
               "canonical value, by default the most frequent spelling; only strong evidence is merged unless "
               "you tick more. On new data, a value never seen that differs from a known one only in case, "
               "spaces, accents or punctuation is written as it too (and listed); other new values are reported.")
    PARAMS = (COLUMN,
              Param("methods", "list", "fingerprint, ngram, phonetic and/or neighbours", DEFAULT_METHODS),
              Param("max_edits", "integer", "neighbours: most typing edits between a variant and its value", 2),
              Param("ratio", "number", "neighbours: how many times more frequent the right spelling must be", 10.0),
              Param("mapping", "mapping", "variant -> canonical value: the clusters you accepted (skips the search)"),
              )  # fmt: skip

    def validate(self) -> None:
        unknown = [m for m in self.methods if m not in METHODS]
        if unknown:
            raise WorkbenchError(f"Unknown clustering method {unknown[0]!r}: choose from {', '.join(METHODS)}.")
        if self.ratio < 1:
            raise WorkbenchError("cluster_spellings: ratio must be 1 or more (the right spelling is the more "
                                 "frequent one).")

    def learn(self, con: duckdb.DuckDBPyConnection, table: str, schema: dict[str, str]) -> dict[str, Any]:
        c = quote(self.column)
        rows = con.execute(f"SELECT {c}, count(*), {key_sql(c)} FROM {quote(table)} WHERE {c} IS NOT NULL "
                           "GROUP BY ALL ORDER BY 2 DESC, 1").fetchall()  # fmt: skip
        counts = [(v, int(n)) for v, n, _ in rows]
        if self.mapping is not None:
            mapping = {k: str(v) for k, v in self.mapping.items() if str(v) != k}
            clusters = _clusters_of(mapping, dict(counts))
        else:
            clusters = cluster_values(counts, self.methods, self.max_edits, self.ratio, keys=[k for _, _, k in rows])
            mapping = mapping_of(clusters)
        seen = seen_values(con, table, self.column)
        return {"mapping": mapping, "clusters": clusters, "seen": seen,
                "keys": None if seen is None else known_keys(rows, mapping)}  # fmt: skip

    def _keyed(self, c: str) -> Fragment | None:
        """SQL: the canonical value of `c`'s key, NULL when the key is not one of the fit's (None: no keys kept)."""
        keys = self.state.get("keys")
        if not keys:
            return None
        return Fragment(f"map_extract_value(MAP(?::VARCHAR[], ?::VARCHAR[]), {key_sql(c)})",
                        [list(keys), list(keys.values())])  # fmt: skip

    def expression(self, c: str) -> Fragment:
        mapping, keyed = self.state["mapping"], self._keyed(c)
        if keyed is None:
            return lookup(c, mapping)
        parts, params = [], []
        if mapping:
            parts.append(f"map_extract_value(MAP(?::VARCHAR[], ?::VARCHAR[]), {c})")
            params += [list(mapping), list(mapping.values())]
        return Fragment(f"coalesce({', '.join([*parts, keyed.sql, c])})", params + keyed.params)

    def gaps(self, schema: dict[str, str]) -> list[Gap]:
        seen, keyed = self.state.get("seen"), self._keyed(column_ref(self.column))
        if seen is None:
            return []
        c = column_ref(self.column)
        new = f"{c} IS NOT NULL AND NOT list_contains(?::VARCHAR[], {c}::VARCHAR)"

        def unknown(found: Found) -> str:
            return (f"{self.column}: {plural(found.distinct, 'value')} never seen when the step was fitted, in "
                    f"{plural(found.count, 'row')}: {found.shown()}")

        if keyed is None:
            return [Gap(Fragment(f"CASE WHEN {new} THEN {c}::VARCHAR END", [seen]), unknown)]

        def mapped(found: Found) -> str:
            return (f"{self.column}: {plural(found.distinct, 'value')} never seen when the step was fitted "
                    f"({plural(found.count, 'row')}) {'was' if found.distinct == 1 else 'were'} written as the known "
                    f"value with the same spelling once case, spaces, accents and punctuation are set aside: "
                    f"{found.shown()}")

        return [Gap(Fragment(f"CASE WHEN {new} AND ({keyed.sql}) IS NULL THEN {c}::VARCHAR END", [seen, *keyed.params]),
                    unknown),
                Gap(Fragment(f"CASE WHEN {new} AND ({keyed.sql}) IS NOT NULL THEN {c}::VARCHAR END",
                             [seen, *keyed.params]), mapped)]  # fmt: skip

    def describe(self) -> str:
        m = self.state["mapping"]
        return (f"Merge {plural(len(m), 'spelling')} in {self.column} into "
                f"{plural(len(set(m.values())), 'canonical value')}")


def known_keys(rows: list[tuple[str, int, str | None]], mapping: dict[str, str]) -> dict[str, str]:
    """key -> canonical value, for the keys whose values all end as one value (`rows`: value, count, key)."""
    ends: dict[str, set[str]] = defaultdict(set)
    for value, _, key in rows:
        if key is not None:
            ends[key].add(mapping.get(value, value))
    return {key: next(iter(values)) for key, values in ends.items() if len(values) == 1}


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
