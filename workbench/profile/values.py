"""Text columns, profiled from their value counts.

A text column of a million rows usually holds a few hundred distinct values:
grouping it once and testing each distinct value (parses as a number? a date?
a missing-value token? surrounded by spaces?) weighted by its count is exact
and far cheaper than testing every row. The counts live in a temporary table
of the profiling connection. Columns with more than `profile_text_max_values` distinct
values in big tables are screened on a reservoir sample of `profile_text_sample_rows` rows
instead; findings raised there are then recounted exactly over the table.
"""

from __future__ import annotations

from typing import Any

import duckdb

from workbench import settings
from workbench.names import quote
from workbench.profile import checks, spelling
from workbench.profile.result import ColumnProfile
from workbench.profile.stats import sample_clause

VALUES = "_wb_profile_values"
TOP = 20
EXAMPLES = 5  # example values kept per check
LENGTH_BINS = 30


CREATE = f"CREATE OR REPLACE TEMP TABLE {VALUES} (i INTEGER, v VARCHAR, n BIGINT)"


def counts_sql(table: str, columns: list[ColumnProfile], rows: int, exact: bool, first: int = 0) -> tuple[str, list]:
    """The statement that adds `columns` (text columns `first`, `first` + 1, ...) to the value-count
    table made by `CREATE`: one GROUP BY per column."""
    parts, params = [], []
    for i, col in enumerate(columns, start=first):
        c = quote(col.name)
        n = settings.LIMITS.profile_text_sample_rows
        sampled = not exact and col.stats.get("distinct", 0) > settings.LIMITS.profile_text_max_values and rows > n
        if sampled:
            col.stats["sample_rows"] = n
            source = f"(SELECT {c} FROM {quote(table)} USING SAMPLE {sample_clause(rows, n)})"
        else:
            source = quote(table)
        parts.append(f"SELECT ? AS i, {c} AS v, count(*) AS n FROM {source} WHERE {c} IS NOT NULL GROUP BY {c}")
        params.append(i)
    return f"INSERT INTO {VALUES} " + " UNION ALL ".join(parts), params


def summarize(con: duckdb.DuckDBPyConnection, columns: list[ColumnProfile]) -> None:
    """Fill each text column's stats from its value counts: one query for every check and its examples."""
    exprs, params = [], []
    for predicate in checks.TEXT_CHECKS.values():
        sql, p = predicate.on("v")
        exprs.append(f"coalesce(sum(n) FILTER ({sql}), 0)")
        params += p
    for predicate in checks.EXAMPLES.values():
        sql, p = predicate.on("v")
        exprs.append(f"arg_max([v, n::VARCHAR], n, ?) FILTER ({sql})")
        params += [EXAMPLES, *p]
    rows = con.execute(
        f"SELECT i, sum(n), count(*), min(v), max(v), min(length(v)), max(length(v)), sum(n * length(v)) / sum(n), "
        f"sum(n * (length(v) - length(replace(v, ' ', '')))) / sum(n), {', '.join(exprs)} "
        f"FROM {VALUES} GROUP BY i",
        params,
    ).fetchall()
    by_index = {r[0]: r for r in rows}
    tops = con.execute(
        f"SELECT i, list([v, n::VARCHAR] ORDER BY n DESC, v) FROM "
        f"(SELECT * FROM {VALUES} QUALIFY row_number() OVER (PARTITION BY i ORDER BY n DESC, v) <= ?) GROUP BY i",
        [TOP],
    ).fetchall()
    top_by_index = {i: [[v, int(n)] for v, n in pairs] for i, pairs in tops}
    lengths = con.execute(f"SELECT i, length(v) AS len, sum(n) FROM {VALUES} GROUP BY ALL ORDER BY ALL").fetchall()
    for i, col in enumerate(columns):
        st = col.stats
        r = by_index.get(i)
        if r is None:  # every value is NULL
            continue
        seen, distinct = int(r[1]), int(r[2])
        if "sample_rows" not in st:
            st["distinct"] = distinct  # exact: overrides the estimate of pass one
            if "distinct" in col.approximate:
                col.approximate.remove("distinct")
        st["values_seen"] = seen
        st.update(min=r[3], max=r[4], min_length=r[5], max_length=r[6], mean_length=float(r[7]),
                  mean_spaces=float(r[8]))  # fmt: skip
        checked = len(checks.TEXT_CHECKS)
        st.update({key: int(v) for key, v in zip(checks.TEXT_CHECKS, r[9 : 9 + checked])})
        st["examples"] = {key: sorted(([v, int(n)] for v, n in found or []), key=lambda p: (-p[1], p[0]))
                          for key, found in zip(checks.EXAMPLES, r[9 + checked :])}  # fmt: skip
        st["top_values"] = top_by_index.get(i, [])
        col.chart = _length_chart([(length, n) for j, length, n in lengths if j == i])
        if "sample_rows" in st:
            col.approximate += ["top_values", "lengths", "text checks"]


def _length_chart(pairs: list[tuple[int, int]]) -> dict[str, Any]:
    """Text lengths: one bar per length when few, else LENGTH_BINS bins."""
    if not pairs:
        return {}
    low, high = pairs[0][0], pairs[-1][0]
    width = max(1, -(-(high - low + 1) // LENGTH_BINS))
    bins: dict[int, int] = {}
    for length, n in pairs:
        key = low + (length - low) // width * width
        bins[key] = bins.get(key, 0) + int(n)
    return {"kind": "lengths", "start": low, "width": width, "starts": list(bins), "counts": list(bins.values())}


def counts_of(con: duckdb.DuckDBPyConnection, index: int) -> list[tuple[str, int, str | None]]:
    """The distinct values of text column `index` other than missing-value tokens, most frequent first, each with its
    count and its spelling key (spelling.key_sql)."""
    missing, params = checks.MISSING_TOKEN.on("v")
    rows = con.execute(f"SELECT v, n, {spelling.key_sql('v')} FROM {VALUES} WHERE i = ? AND NOT {missing} "
                       "ORDER BY n DESC, v", [index, *params]).fetchall()  # fmt: skip
    return [(v, int(n), k) for v, n, k in rows]


def clusters(counted: list[tuple[str, int, str | None]], names: bool = False) -> list[dict[str, Any]]:
    """Groups of spellings of one category (`counts_of` a column), by the rule Clean's cluster_spellings uses
    (profile/spelling.py): each {canonical, variants: [[value, rows], ...], count, evidence: {variant: {confidence,
    why}}, confidence}. Of a column of many proper `names`, only the spellings of one key (case, spaces)."""
    found = spelling.cluster_values([(v, n) for v, n, _ in counted], keys=[k for _, _, k in counted],
                                    methods=["fingerprint"] if names else None)  # fmt: skip
    return [{"canonical": c["canonical"], "variants": c["members"][1:], "count": c["count"],
             "evidence": c["evidence"], "confidence": c["confidence"]} for c in found]  # fmt: skip
