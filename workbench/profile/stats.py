"""Table overview, per-column statistics and chart bins, in a few passes over the table.

1. row count, min/max and DuckDB's stored statistics (distinct estimate):
   answered from metadata and zone maps, nearly free;
2. quantiles and the median absolute deviation of number and date columns
   (over the table when it is small, else over a block sample of ~`profile_sample_rows`);
3. one pass for every column at once: counts, distinct values, mean/std,
   negatives, true/false, histogram bins (over the bulk of the data, values
   beyond the outlier fences counted apart), outlier counts and examples, and
   the counts of the sentinel codes that fall in each column's range;
4. exact duplicate rows, by sorting row hashes.
Text columns are profiled from their value counts instead (see values.py). Those that turn out
to hold numbers (`ColumnProfile.numbers_in_text`) get passes 1-3 as well, over a temporary table of
the numbers they hold (`numbers_table_sql`): each value is parsed once, not once per statistic.

Exactness: up to `profile_exact_rows` rows (settings.Limits) everything is exact. Above, distinct counts
are HyperLogLog estimates and quantiles come from the sample; each column lists
those statistics in `approximate`. Counts of findings stay exact.
"""

from __future__ import annotations

import math
import sys
from datetime import UTC, date, datetime
from typing import Any

import duckdb

from workbench import settings
from workbench.names import quote
from workbench.profile import checks
from workbench.profile.result import ColumnProfile

QUANTILES = [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99]
QNAMES = [f"p{round(q * 100):02d}" for q in QUANTILES]
BINS = 30
# integer columns spanning fewer values than this are charted value by value
FEW_VALUES = 40
# outlier fences: Tukey's "far out", 3 IQR beyond the quartiles
FENCE = 3.0

INTEGER_TYPES = _INTEGER = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
            "UBIGINT", "UHUGEINT"}  # fmt: skip
_FLOAT = {"FLOAT", "DOUBLE", "REAL"}


def family(type_: str) -> str:
    """numeric | text | temporal | boolean | other, from a DuckDB type name. The workbench's one
    classifier of types: profiling, the Clean steps, dedupe and the SQL chart all ask it."""
    t = type_.upper().strip()
    if t in _INTEGER or t in _FLOAT or t.startswith(("DECIMAL", "NUMERIC")):
        return "numeric"
    if t == "VARCHAR":
        return "text"
    if t == "DATE" or t.startswith("TIMESTAMP"):
        return "temporal"
    if t == "BOOLEAN":
        return "boolean"
    return "other"


def is_integer(col: ColumnProfile) -> bool:
    return col.type.upper() in _INTEGER


class Aggregates:
    """A SELECT list built piece by piece, each piece with its own bound values."""

    def __init__(self) -> None:
        self.exprs: list[str] = []
        self.params: list[Any] = []
        self.slots: dict[str, dict[str, int]] = {}

    def add(self, owner: str, key: str, expr: str, params: list | tuple = ()) -> None:
        self.slots.setdefault(owner, {})[key] = len(self.exprs)
        self.exprs.append(expr)
        self.params.extend(params)

    def sql(self, source: str) -> str:
        """One row of the aggregates (a row of nothing when there is nothing to ask)."""
        return f"SELECT {', '.join(self.exprs)} FROM {source}" if self.exprs else "SELECT NULL LIMIT 1"

    def read(self, row: tuple) -> dict[str, dict[str, Any]]:
        return {owner: {key: row[i] for key, i in keys.items()} for owner, keys in self.slots.items()}


def batches(columns: list[ColumnProfile], size: int) -> list[list[ColumnProfile]]:
    """`columns` in consecutive groups of at most `size`, each profiled by statements of its own:
    one SELECT of thousands of aggregates costs DuckDB far more than many of a few dozen."""
    return [columns[i : i + size] for i in range(0, len(columns), max(1, size))]


def describe(con: duckdb.DuckDBPyConnection, table: str) -> list[ColumnProfile]:
    rows = con.execute(f"DESCRIBE {quote(table)}").fetchall()
    return [ColumnProfile(name=r[0], type=r[1], family=family(r[1])) for r in rows]


def number_sql(name: str, text: bool = False) -> str:
    """A column as DOUBLE; a text column (`text`) as the number each value holds, NULL where it holds none."""
    return checks.AS_NUMBER.format(c=quote(name)) if text else f"{quote(name)}::DOUBLE"


NUMBERS = "_wb_profile_numbers"


def numbers_table_sql(table: str, columns: list[ColumnProfile]) -> str:
    """The temporary table `NUMBERS` of the numbers that the text `columns` hold, a DOUBLE column of the same
    name each (NULL where a value holds no number), to be profiled as number columns."""
    names = [quote(c.name) for c in columns]
    parsed = ", ".join(f"{checks.PARSED.format(c=c)} AS {c}" for c in names)
    finite = ", ".join(f"CASE WHEN isfinite({c}) THEN {c} END AS {c}" for c in names)  # 'nan' parses, means missing
    return f"CREATE OR REPLACE TEMP TABLE {NUMBERS} AS SELECT {finite} FROM (SELECT {parsed} FROM {quote(table)})"


# what a text column takes from the profile of the numbers it holds
NUMBER_STATS = ("min", "max", "mean", "std", "negatives", "quantiles", "mad", "kelly_skew", "fences", "not_outliers",
                "outliers", "sentinel_counts")  # fmt: skip


def adopt(col: ColumnProfile, numbers: ColumnProfile) -> None:
    """Give the text column `col` the statistics and histogram of `numbers`, the profile of the numbers it holds;
    its count of values that are numbers becomes `numbers` (exact, like the other counts)."""
    col.stats.update({key: numbers.stats[key] for key in NUMBER_STATS if key in numbers.stats})
    col.stats["numbers"] = numbers.stats["count"]
    col.chart = numbers.chart
    col.approximate += [a for a in numbers.approximate if a in ("quantiles", "mad")]


def _x(col: ColumnProfile) -> str:
    """The column as DOUBLE for numeric statistics."""
    return quote(col.name) if col.type.upper() == "DOUBLE" else f"{quote(col.name)}::DOUBLE"


# -- 1. quantiles ----------------------------------------------------------------------


def sample_clause(rows: int, size: int) -> str:
    """About `size` rows: whole blocks (vectors of 2,048 rows, nearly free to read) when the table has
    many of them, else a reservoir sample of rows."""
    if rows >= 50 * 2048 and size < rows:
        return f"{100 * size / rows:.6f} PERCENT (system, 7)"
    return f"reservoir({size} ROWS) REPEATABLE (7)"


def quantile_sql(table: str, columns: list[ColumnProfile], rows: int) -> tuple[str, list, bool] | None:
    """Quantiles and MAD of numbers, 1st/99th percentiles of dates; exact unless the table is big."""
    numeric = [c for c in columns if c.family == "numeric"]
    temporal = [c for c in columns if c.family == "temporal"]
    if not numeric and not temporal:
        return None
    exact = rows <= settings.LIMITS.profile_exact_rows
    names = ", ".join(quote(c.name) for c in numeric + temporal)
    sample = "" if exact else f" USING SAMPLE {sample_clause(rows, settings.LIMITS.profile_sample_rows)}"
    parts = []
    for c in numeric:  # the median as a subquery: a CTE's column named m1 could clash with a column of the table
        median = f"(SELECT median({_x(c)}) FROM s)"
        parts += [f"quantile_cont({_x(c)}, {QUANTILES})", f"quantile_cont(abs({_x(c)} - {median}), 0.5)"]
    parts += [f"quantile_disc({quote(c.name)}, [0.01, 0.99])" for c in temporal]
    sql = f"WITH s AS MATERIALIZED (SELECT {names} FROM {quote(table)}{sample}) SELECT {', '.join(parts)} FROM s"
    return sql, [], exact


def read_quantiles(row: tuple, columns: list[ColumnProfile], exact: bool) -> None:
    numeric = [c for c in columns if c.family == "numeric"]
    temporal = [c for c in columns if c.family == "temporal"]
    values = iter(row)
    for col in numeric:
        q, mad = next(values), next(values)
        col.stats["quantiles"] = dict(zip(QNAMES, q or [None] * len(QUANTILES)))
        col.stats["mad"] = mad
        col.stats["kelly_skew"] = kelly_skew(col.stats["quantiles"])
        if not exact:
            col.approximate += ["quantiles", "mad"]
    for col in temporal:
        col.stats["p01"], col.stats["p99"] = next(values) or [None, None]
        if not exact:
            col.approximate.append("percentiles")


def kelly_skew(q: dict[str, float | None]) -> float | None:
    """Kelly's quantile skewness (P90 + P10 - 2 P50) / (P90 - P10): robust to outliers, in [-1, 1]."""
    p10, p50, p90 = q.get("p10"), q.get("p50"), q.get("p90")
    if p10 is None or p90 is None or p90 <= p10:
        return None
    return (p90 + p10 - 2 * p50) / (p90 - p10)


# -- 2. ranges and counts --------------------------------------------------------------


def ranges(columns: list[ColumnProfile]) -> Aggregates:
    """Row count and min/max: answered from DuckDB's zone maps, nearly free."""
    agg = Aggregates()
    agg.add("", "rows", "count(*)")
    for col in columns:
        if col.family in ("numeric", "temporal"):
            agg.add(col.name, "min", f"min({quote(col.name)})")
            agg.add(col.name, "max", f"max({quote(col.name)})")
    return agg


def storage_sql(table: str, columns: list[ColumnProfile]) -> str:
    """DuckDB's stored statistics of each column (they carry a distinct-count estimate)."""
    return f"SELECT {', '.join(f'stats({quote(c.name)})' for c in columns)} FROM {quote(table)} LIMIT 1"


def read_ranges(got: dict, stored: tuple | None, columns: list[ColumnProfile]) -> int:
    for i, col in enumerate(columns):
        g = got.get(col.name, {})
        for key in ("min", "max"):
            if key in g:
                value = g[key]
                if col.family == "numeric" and value is not None:
                    value = int(value) if is_integer(col) else float(value)
                col.stats[key] = value
        found = stored[i] if stored else None
        if isinstance(found, dict) and found.get("approx_unique") is not None and col.family != "other":
            col.stats["distinct"] = found["approx_unique"]
        if isinstance(found, dict) and found.get("has_null") is False:
            col.stats["count"] = got[""]["rows"]  # stored statistics: no NULL, nothing to count
    return got[""]["rows"]


def counts(agg: Aggregates, columns: list[ColumnProfile], exact: bool, full: bool = True,
           distinct: bool = True) -> None:  # fmt: skip
    """Non-null and distinct counts, moments, negatives, true/false of every column (only the
    non-null count unless `full`; no distinct count unless `distinct`)."""
    for col in columns:
        c, name = quote(col.name), col.name
        if "count" not in col.stats:
            agg.add(name, "count", f"count({c})")
        if col.family == "other" or not full:
            continue
        if distinct and exact:
            agg.add(name, "distinct", f"count(DISTINCT {c})")
        elif distinct and ("distinct" not in col.stats or col.family == "numeric"):
            # DuckDB's stored estimate is rough (off by 4x on floats, too low on big keys): it is
            # kept for dates and booleans, and for text only to decide what to sample (values.py
            # then counts text exactly when it can)
            agg.add(name, "distinct", f"approx_count_distinct({c})")
        if col.family == "numeric":
            x = _x(col)
            agg.add(name, "mean", f"avg({x})")
            agg.add(name, "std", f"stddev_samp({x})")
            if (col.stats.get("min") or 0) < 0:
                agg.add(name, "negatives", f"count(*) FILTER ({x} < 0)")
        elif col.family == "boolean":
            agg.add(name, "trues", f"count(*) FILTER ({c})")


def read_counts(got: dict, columns: list[ColumnProfile], rows: int, exact: bool) -> None:
    for col in columns:
        g, st = got.get(col.name, {}), col.stats
        st["count"] = g.get("count", st.get("count"))
        st["nulls"] = rows - st["count"]
        if "distinct" in g:
            st["distinct"] = g["distinct"]
        if not exact and "distinct" in st:
            col.approximate.append("distinct")
        for key in ("mean", "std", "negatives"):
            if key in g:
                st[key] = g[key]
        if col.family == "boolean" and "trues" in g:
            st["top_values"] = sorted([[True, g["trues"]], [False, st["count"] - g["trues"]]], key=lambda p: -p[1])


def duplicates_sql(table: str) -> str:
    """Rows equal to another row, counted by sorting the row hashes (cheaper than a DISTINCT of wide rows)."""
    return (f"SELECT count(*) FROM (SELECT h, lag(h) OVER (ORDER BY h) AS previous "
            f"FROM (SELECT hash(*COLUMNS(*)) AS h FROM {quote(table)})) WHERE h = previous")  # fmt: skip


# -- 3. bins, outliers, sentinels ------------------------------------------------------


_LOG_MAX = math.log(sys.float_info.max)


def fences(col: ColumnProfile, rows: int) -> tuple[float, float] | None:
    """Outliers lie beyond these. Two robust rules must both agree:

    * 3 IQR past the quartiles (Tukey's "far out"; the upper fence on a log scale
      for right-skewed positive columns), and
    * further from the median than a normal sample of this size ever gets:
      sqrt(2 ln n) + 1 robust standard deviations (1.4826 MAD), so a tidy
      normal column of millions of rows raises nothing.
    """
    q, st = col.stats.get("quantiles") or {}, col.stats
    q1, q3, median = q.get("p25"), q.get("p75"), q.get("p50")
    if q1 is None or q3 is None or q3 <= q1:
        return None
    low, high = q1 - FENCE * (q3 - q1), q3 + FENCE * (q3 - q1)
    skew = st.get("kelly_skew")
    if q1 > 0 and skew is not None and skew > 0.2:
        log_high = math.log(q3) + FENCE * (math.log(q3) - math.log(q1))
        high = math.exp(log_high) if log_high < _LOG_MAX else sys.float_info.max  # no number lies beyond it
    elif st.get("mad"):
        reach = (math.sqrt(2 * math.log(max(rows, 2))) + 1) * 1.4826 * st["mad"]
        low, high = min(low, median - reach), max(high, median + reach)
    return low, high


def sentinel_candidates(col: ColumnProfile) -> list:
    """The sentinel codes that fall inside the column's range (only those can be present)."""
    st = col.stats
    if st.get("min") is None:
        return []
    if col.family == "temporal":
        low, high = _day(st["min"]), _day(st["max"])
        return [d for d in checks.DATE_SENTINELS if low <= d <= high]
    codes = [float(v) for v in checks.NUMERIC_SENTINELS if st["min"] <= v <= st["max"]]
    return codes + ([-1.0] if st["min"] == -1 else [])


def bins(agg: Aggregates, columns: list[ColumnProfile], rows: int) -> None:
    """Histogram bins, outliers and sentinel codes, as ONE aggregate per column added to the pass of `counts`.

    A single CASE sorts every value into a bucket: a sentinel code (-10 - i), beyond
    the outlier fences (-3 below, -4 above), outside the charted range but not an
    outlier (-1, -2), or a bin (0..bins-1). One histogram() of that is far cheaper
    than a FILTER aggregate per question.
    """
    for col in columns:
        st, c, name = col.stats, quote(col.name), col.name
        if st.get("min") is None or col.family not in ("numeric", "temporal"):
            continue
        candidates = sentinel_candidates(col)
        if col.family == "numeric":
            x, fence = _x(col), fences(col, rows)
            if fence:
                st["fences"] = list(fence)
                # codes beyond the fences are judged as sentinels, not counted as outliers
                st["not_outliers"] = [v for v in candidates if not fence[0] <= v <= fence[1]]
            if is_integer(col) and st["max"] - st["min"] < FEW_VALUES:
                agg.add(name, "values", f"histogram({x})")
                continue
            a, b, width, count = _bin_range(col, candidates, fence)
            col.chart = {"kind": "histogram", "start": a, "width": width, "bins": count}
        else:
            x = f"(({c} - DATE '1970-01-01') * 86400)" if col.type.upper() == "DATE" else f"epoch({c}::TIMESTAMP)"
            lo = st["p01"] if _day(st["min"]) in candidates and st.get("p01") is not None else st["min"]
            hi = st["p99"] if _day(st["max"]) in candidates and st.get("p99") is not None else st["max"]
            a, b = _epoch(lo), _epoch(hi)
            width, count, fence = max(b - a, 1.0) / BINS, BINS, None
            col.chart = {"kind": "dates", "start": a, "width": width, "bins": count}
            candidates = [_epoch(d) for d in candidates]
        whens, params = [], []
        for i, v in enumerate(candidates):
            whens.append(f"WHEN {x} = ? THEN {-10 - i}")
            params.append(v)
        if fence:
            whens.append(f"WHEN {x} < ? THEN -3 WHEN {x} > ? THEN -4")
            params += list(fence)
        whens.append(f"WHEN {x} < ? THEN -1 WHEN {x} > ? THEN -2")
        params += [a, b]
        # least() ignores NULL: without the FILTER every missing value would land in the last bin
        agg.add(name, "buckets", f"histogram(CASE {' '.join(whens)} ELSE least(floor(({x} - ?) / ?)::BIGINT, ?) END) "
                f"FILTER ({x} IS NOT NULL)", params + [a, width, count - 1])


def read_bins(got: dict, columns: list[ColumnProfile]) -> None:
    for col in columns:
        g, st = got.get(col.name), col.stats
        if g is None or ("values" not in g and "buckets" not in g):
            continue
        candidates = sentinel_candidates(col)
        if "values" in g:
            pairs = sorted((float(k), v) for k, v in (g["values"] or {}).items())
            col.chart = {"kind": "values", "labels": [k for k, _ in pairs], "counts": [v for _, v in pairs]}
            st["top_values"] = sorted(([k, v] for k, v in pairs), key=lambda p: -p[1])[:20]
            counts = dict(pairs)
            st["sentinel_counts"] = [[v, counts[v]] for v in candidates if counts.get(v)]
            if "fences" in st:
                low, high = st["fences"]
                skip = set(st["not_outliers"])
                st["outliers"] = sum(n for v, n in pairs if (v < low or v > high) and v not in skip)
            continue
        buckets = dict(g["buckets"] or {})
        ch = col.chart
        start, width, count = ch["start"], ch["width"], ch["bins"]
        bins = [buckets.get(i, 0) for i in range(count)]
        below, above = buckets.get(-1, 0) + buckets.get(-3, 0), buckets.get(-2, 0) + buckets.get(-4, 0)
        codes = []
        for i, v in enumerate(candidates):
            n = buckets.get(-10 - i, 0)
            if not n:
                continue
            codes.append([v, n])
            where = _epoch(v) if col.family == "temporal" else v
            if where < start:
                below += n
            elif where > start + width * count:
                above += n
            else:
                bins[min(int((where - start) // width), count - 1)] += n
        st["sentinel_counts"] = codes
        ch.update(counts=bins, below=below, above=above, edges=[start + i * width for i in range(count + 1)])
        if "fences" in st:
            st["outliers"] = buckets.get(-3, 0) + buckets.get(-4, 0)


def _bin_range(
    col: ColumnProfile, candidates: list, fence: tuple[float, float] | None
) -> tuple[float, float, float, int]:
    """Bins over the bulk of the data: [min, max], or the 1st/99th percentile when min/max is an outlier or a code."""
    st, q = col.stats, col.stats.get("quantiles") or {}
    a, b = st["min"], st["max"]
    p01, p99 = q.get("p01"), q.get("p99")
    if ((fence and a < fence[0]) or a in candidates) and p01 is not None:
        a = max(p01, fence[0] if fence else p01)
    if ((fence and b > fence[1]) or b in candidates) and p99 is not None:
        b = min(p99, fence[1] if fence else p99)
    if is_integer(col):
        a, b = math.floor(a), math.floor(b)
        width = max(1, math.ceil((b - a + 1) / BINS))
        return float(a), float(b), float(width), max(1, math.ceil((b - a + 1) / width))
    width = (b - a) / BINS if b > a else 1.0
    return float(a), float(b), width, BINS


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _epoch(value: date | datetime) -> float:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    return datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp()
