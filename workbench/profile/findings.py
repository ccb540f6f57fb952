"""Dirty-data detectors. Each looks at one column's profile and returns findings.

Every finding has a stable `kind` (documented in the README), the column, a
severity, the number of rows concerned, example values, a suggested fix and a
WHERE clause selecting the offending rows. Thresholds are chosen so that a tidy
column (a normal spread of numbers, a clean category) raises nothing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta

import duckdb

from workbench import settings
from workbench.names import quote
from workbench.profile import checks, semantic, spelling, values
from workbench.profile.checks import Predicate
from workbench.profile.result import SEVERITIES, ColumnProfile, Finding
from workbench.words import plural

# every kind of finding (its stable identifier, kept in JSON) and its title in plain words, for people
TITLES = {
    "missing": "Missing values",
    "disguised_missing": "Missing values written as text",
    "sentinel": "Codes standing for missing values",
    "numbers_as_text": "Numbers stored as text",
    "dates_as_text": "Dates stored as text",
    "booleans_as_text": "Yes/no values stored as text",
    "inconsistent_category": "One category spelled several ways",
    "outlier": "Values far from all the others",
    "whitespace": "Stray spaces around values",
    "mixed_types": "Numbers mixed with other text",
    "constant": "A single value throughout",
    "near_constant": "Almost always the same value",
    "identifier": "An identifier, not a feature",
    "high_cardinality": "Too many categories",
    "skew": "A lopsided distribution",
    "duplicate_rows": "Duplicate rows",
    "impossible_value": "Values that cannot be true",
    "overlapping_bands": "Bands that overlap",
}
KINDS = tuple(TITLES)

NEAR_CONSTANT = 0.95  # share of the most frequent value
HIGH_CARDINALITY = 100  # distinct values of a categorical column
SKEW = 0.3  # |Kelly's quantile skewness|
SENTINEL_EXCESS = 5  # a code inside the range is looked at when this many times more frequent than an average value
SPIKE = 5  # ... and is a sentinel when this many times more frequent than the values next to it (within 1)
HEAVY_TAIL = 0.01  # share of a column beyond the fences from which it is a heavy tail rather than a few outliers
DUPLICATE_COPIES = 10  # copies of one row that make identical rows duplicates without an identifier
DISTINCTIVE = 0.25  # a column with this share of distinct values makes a chance repeat of a whole row unlikely
LEVEL_TOKENS = ("none", "nil")  # missing-value words that are also a level: 'none' beside 'airbag'
LEVELS = 3  # ... when the category holds at most this many values
STRONG, POSSIBLE = spelling.STRONG, spelling.POSSIBLE


def _level(share: float, high: float, medium: float) -> str:
    return "high" if share >= high else "medium" if share >= medium else "low"


class Detector:
    """Runs the detectors of one profile; text detectors read the value-count table."""

    def __init__(self, con: duckdb.DuckDBPyConnection, table: str, rows: int, text_index: dict[str, int]):
        self.con, self.table, self.rows, self.text_index = con, table, rows, text_index

    def finding(self, kind: str, col: ColumnProfile | None, count: int, severity: str, message: str,
                suggestion: str, predicate: Predicate | None = None, **extra) -> Finding:  # fmt: skip
        where, params = predicate.on(quote(col.name)) if predicate and col else (None, [])
        return Finding(kind=kind, column=col.name if col else None, severity=severity, count=int(count),
                       message=message, suggestion=suggestion, where=where, params=params,
                       share=count / self.rows if self.rows else 0.0, **extra)  # fmt: skip

    @staticmethod
    def examples(col: ColumnProfile, check: str) -> list:
        """The most frequent values of a text column that pass `check` (a key of checks.EXAMPLES)."""
        return col.stats.get("examples", {}).get(check, [])

    def column(self, col: ColumnProfile) -> list[Finding]:
        found: list[Finding] = []
        for detect in DETECTORS.get(col.family, []) + DETECTORS["*"]:
            found += detect(self, col)
        if "sample_rows" in col.stats:  # text checks ran on a sample: confirm() recounts them
            for f in found:
                if f.kind not in ("missing", "identifier"):
                    f.detail["sampled"] = True
        return found


# -- every column ------------------------------------------------------------------------


def missing(d: Detector, col: ColumnProfile) -> list[Finding]:
    nulls = col.stats.get("nulls", 0)
    if not nulls:
        return []
    share = nulls / d.rows
    if share == 1:
        msg, fix = "every value is missing", "Drop the column: it carries no information."
    else:
        msg = f"{plural(nulls, 'missing value')} ({share:.1%})"
        fix = ("Mostly empty: drop the column, or keep only a 'was missing' flag." if share >= 0.5 else
               "Impute (median for numbers, most frequent value for categories) and add a 'was missing' "
               "flag column, or drop these rows if few.")  # fmt: skip
    return [d.finding("missing", col, nulls, _level(share, 0.5, 0.05), msg, fix, Predicate("{c} IS NULL"))]


def missing_together(d: Detector, columns: list[ColumnProfile], found: list[Finding]) -> None:
    """Say, in a column's `missing` finding, when all its missing rows share one value of another column that
    few other rows hold (tenure = 0 in all 11 rows of missing total charges): the value may follow from it, and
    a median fill would be wrong. One pass over the table for every pair, bounded by settings."""
    limits = settings.LIMITS
    by_column = {f.column: f for f in found if f.kind == "missing" and 0 < f.count < d.rows}
    gaps = [c for c in columns if c.name in by_column]
    low = [c for c in columns if c.stats.get("count") and c.family in ("text", "numeric", "boolean", "temporal")
           and 0 < (c.stats.get("distinct") or 0) <= limits.profile_partner_values]  # fmt: skip
    zero = [c for c in columns if c.family == "numeric" and c not in low and c.stats.get("min") is not None
            and c.stats["min"] <= 0 <= c.stats["max"]]  # fmt: skip
    pairs = [(m, p, "value") for m in gaps for p in low if p is not m] + [(m, p, "zero") for m in gaps for p in zero
                                                                          if p is not m]  # fmt: skip
    if not pairs or len(pairs) > limits.profile_missing_pairs:
        return
    exprs = []
    for m, p, test in pairs:
        gap, q = f"{quote(m.name)} IS NULL", quote(p.name)
        if test == "value":  # one value of p in every missing row: [one value?, rows with p, that value]
            exprs.append(f"[(min({q}) FILTER ({gap}) = max({q}) FILTER ({gap}))::INT, count({q}) FILTER ({gap})]"
                         f"::VARCHAR[] || [(min({q}) FILTER ({gap}))::VARCHAR]")  # fmt: skip
        else:
            exprs.append(f"[1, count(*) FILTER ({gap} AND {q} = 0)]::VARCHAR[] || ['0']")
    # only the rows missing something are aggregated, in statements of a few dozen aggregates: DuckDB takes
    # minutes to plan one SELECT of a thousand (82 columns of house sales: 158 s, batched under 1 s)
    where = " OR ".join(f"{quote(m.name)} IS NULL" for m in gaps)
    size = limits.profile_batch_columns
    row = [value for k in range(0, len(exprs), size) for value in d.con.execute(
        f"SELECT {', '.join(exprs[k : k + size])} FROM {quote(d.table)} WHERE {where}").fetchone()]  # fmt: skip
    hits = [(m, p, value) for (m, p, _), (one, rows, value) in zip(pairs, row)
            if one == "1" and int(rows) == by_column[m.name].count >= 2]  # fmt: skip
    if not hits:
        return
    counts = d.con.execute("SELECT " + ", ".join(f"count(*) FILTER ({quote(p.name)}::VARCHAR = ?)" for _, p, _ in hits)
                           + f" FROM {quote(d.table)}", [value for _, _, value in hits]).fetchone()  # fmt: skip
    best: dict[str, tuple[int, ColumnProfile, str]] = {}
    for (m, p, value), holding in zip(hits, counts):
        if holding <= d.rows / 2 and (m.name not in best or holding < best[m.name][0]):  # the most specific value
            best[m.name] = (holding, p, value)
    for name, (holding, p, value) in best.items():
        f = by_column[name]
        shown = repr(value) if p.family == "text" else value
        line = f"missing together with: {p.name} = {shown} in all {plural(f.count, 'row')}"
        if holding > f.count:
            line += f" ({p.name} = {shown} in {plural(holding, 'row')} of the table)"
        f.message += f"; {line}"
        f.detail["missing_together"] = {"column": p.name, "value": value, "rows": f.count, "rows_with_value": holding}
        f.suggestion = (f"Look first: every missing value comes with {p.name} = {shown}, so the right value may "
                        f"follow from it (a 0, a 'not applicable') rather than a median. {f.suggestion}")


def constant(d: Detector, col: ColumnProfile) -> list[Finding]:
    st = col.stats
    if not st.get("count") or col.family == "other":
        return []
    top = st.get("top_values") or []
    if st.get("distinct") == 1 or (st.get("min") is not None and st.get("min") == st.get("max")):
        value = top[0][0] if top else st.get("min")
        message = f"a single value ({value!r}) in all {st['count']:,} non-missing rows"
        return [d.finding("constant", col, st["count"], "medium", message,
                          "Drop the column: a constant cannot help a model or an analysis.",
                          examples=[value])]  # fmt: skip
    if top and st.get("distinct", 0) >= 2:
        seen = st.get("values_seen", st["count"])
        value, n = top[0]
        if "sample_rows" not in st and n >= NEAR_CONSTANT * seen:
            others = seen - n
            pred = Predicate("{c} <> ?", (value,))
            return [d.finding("near_constant", col, others, "low",
                              f"{n / seen:.1%} of values are {value!r}; only {others:,} differ",
                              "Little information: drop it, or keep it as a rare-event flag if the exceptions matter.",
                              pred, examples=[row[0] for row in top[1:6]])]  # fmt: skip
    return []


# -- numbers -----------------------------------------------------------------------------


def sentinel_numbers(d: Detector, col: ColumnProfile) -> list[Finding]:
    """A code from the list (-9, 99, -999...) is a sentinel when it breaks the shape of the column: beyond the
    outlier fences (strong), -1 as the only negative value (strong), or a spike against the values next to it
    (possible). Not when it is merely more frequent than the average value: -9 minutes between -10 and -8."""
    st = col.stats
    fence = st.get("fences")
    average = st["count"] / max(st.get("distinct") or 1, 1)
    codes, why = [], []
    for value, n in st.get("sentinel_counts", []):
        if value == -1:
            if n >= 2 and st["negatives"] == n and (st.get("distinct") or 0) >= 5:
                codes.append((value, n, STRONG))
                why.append(f"-1 is the only negative value ({n:,}×)")
        elif fence is not None and not fence[0] <= value <= fence[1]:  # unless the tail goes on around it
            near = _neighbours(d, quote(col.name), value, 1)
            if near is None or n >= SPIKE * near:
                codes.append((value, n, STRONG))
                why.append(f"{_num(value)} lies far outside the other values (beyond [{_num(fence[0])}, "
                           f"{_num(fence[1])}]) and apart from the values near it")
        elif n >= 2 and n > SENTINEL_EXCESS * average:
            near = _neighbours(d, quote(col.name), value, 1)
            if near is None or n >= SPIKE * near:
                codes.append((value, n, POSSIBLE))
                why.append(f"{_num(value)} is a spike: {n:,}× against " + (
                    "no value within 1 of it" if near is None else f"{near:,.0f}× on average for the values within 1"))
    return _sentinel_finding(d, col, codes, why, Predicate("{c} IN " + _marks(codes), tuple(v for v, *_ in codes)))


def _neighbours(d: Detector, x: str, value, width) -> float | None:
    """How often, on average, the other values within `width` of `value` occur (None when there are none)."""
    n, distinct = d.con.execute(f"SELECT count(*), count(DISTINCT {x}) FROM {quote(d.table)} WHERE {x} <> ? AND "
                                f"{x} BETWEEN ? AND ?", [value, value - width, value + width]).fetchone()  # fmt: skip
    return n / distinct if distinct else None


def sentinel_dates(d: Detector, col: ColumnProfile) -> list[Finding]:
    """A date code far outside the other dates (strong), or a spike against the days next to it (possible)."""
    st = col.stats
    average = st["count"] / max(st.get("distinct") or 1, 1)
    p01, p99 = st.get("p01"), st.get("p99")
    span = (_days(p99) - _days(p01)) if p01 is not None and p99 is not None else None
    day = "{c}" if col.type.upper() == "DATE" else "{c}::DATE"
    codes, why = [], []
    for v, n in st.get("sentinel_counts", []):
        remote = span is not None and (_days(v) < _days(p01) - span or _days(v) > _days(p99) + span)
        if n >= 2 and remote:
            codes.append((v, n, STRONG))
            why.append(f"{v} lies far outside the other dates")
        elif n >= 2 and n > SENTINEL_EXCESS * average:
            near = _neighbours(d, day.format(c=quote(col.name)), _day(v), timedelta(days=1))
            if near is None or n >= SPIKE * near:
                codes.append((v, n, POSSIBLE))
                why.append(f"{v} is a spike: {n:,}× against " + (
                    "no date within a day of it" if near is None else f"{near:,.0f}× on the days next to it"))
    return _sentinel_finding(d, col, codes, why, Predicate(day + " IN " + _marks(codes), tuple(v for v, *_ in codes)))


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _days(value: date | datetime) -> int:
    return (value.date() if isinstance(value, datetime) else value).toordinal()


def _marks(items: list) -> str:
    return "(" + ", ".join("?" for _ in items) + ")"


def _sentinel_finding(d: Detector, col: ColumnProfile, codes: list, why: list[str],
                      predicate: Predicate) -> list[Finding]:  # fmt: skip
    if not codes:
        return []
    total = sum(n for _, n, _ in codes)
    shown = ", ".join(f"{_num(v)} ({n:,}×)" for v, n, _ in codes)
    sure = all(c == STRONG for *_, c in codes)
    col.stats["sentinels"] = [v for v, *_ in codes]
    message = (f"placeholder codes standing for 'unknown': {shown}" if sure else
               f"possibly placeholder codes standing for 'unknown' (check them): {shown}")  # fmt: skip
    return [d.finding("sentinel", col, total, "high" if sure else "medium", message,
                      "Replace these codes with NULL before computing anything (they distort means, ranges "
                      "and models), then treat them as missing.", predicate,
                      examples=[[v, n] for v, n, _ in codes], confidence=STRONG if sure else POSSIBLE,
                      detail={"evidence": "; ".join(why)})]  # fmt: skip


def _num(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def outliers(d: Detector, col: ColumnProfile) -> list[Finding]:
    """Values beyond the fences, unless they continue a scale of whole numbers without a gap (a rating of 1 on a
    1-10 scale, 0 years of schooling). Rare but possible values, said as such; a heavy tail when many."""
    st = col.stats
    count = st.get("outliers", 0)
    if not count or col.semantic not in ("numeric",):
        return []
    low, high = st["fences"]
    median, mad = st["quantiles"]["p50"], st.get("mad") or 0
    kept = st.get("not_outliers", [])
    x, table = quote(col.name), quote(d.table)
    edges = _scale_edges(d, x, low, high, kept)
    if edges is not None:
        low, high, count = edges
        if not count:
            return []
    predicate = Predicate("(({c} < ? OR {c} > ?)" + "".join(" AND {c} <> ?" for _ in kept) + ")", (low, high, *kept))
    if "impossible" in st:  # values that cannot be true are said so, not called rare
        impossible = st["impossible"]
        predicate = Predicate(f"({predicate.template} AND NOT {impossible.template})",
                              predicate.params + impossible.params)  # fmt: skip
        (count,) = d.con.execute(f"SELECT count(*) FROM {table} WHERE {predicate.on(x)[0]}", predicate.params
                                 ).fetchone()  # fmt: skip
        if not count:
            return []
    where, params = predicate.on(x)
    furthest = d.con.execute(f"SELECT {x} FROM {table} WHERE {where} ORDER BY abs({x} - ?) DESC LIMIT 5",
                             [*params, median]).fetchall()  # fmt: skip
    examples = [float(v) for (v,) in furthest]
    scale = 1.4826 * mad if mad else (st["quantiles"]["p75"] - st["quantiles"]["p25"]) / 1.349
    far = max(abs(v - median) for v in examples) / scale if scale else float("inf")
    share = count / max(st["count"], 1)
    heavy = share >= HEAVY_TAIL
    message = (f"{plural(count, 'value')} outside [{_num(low)}, {_num(high)}] (beyond 3 IQR from the quartiles), "
               f"up to {far:,.0f} MADs from the median {_num(median)}; ")
    if heavy:
        message += (f"{share:.1%} of the values: the distribution is heavy-tailed, and these look like its long "
                    "tail (rare but possible values) rather than errors")
    else:
        message += "rare but possible: check whether they are errors (units, extra zeros) or genuine extremes"
    return [d.finding("outlier", col, count, "low" if heavy else "high" if far >= 100 else "medium", message,
                      "Check them: fix data-entry errors (units, extra zeros), cap (winsorize) or use a robust "
                      "scaler; keep genuine extremes." + (" A heavy tail often calls for a log scale rather than "
                                                          "capping." if heavy else ""), predicate,
                      examples=examples, confidence=POSSIBLE if heavy else STRONG,
                      detail={"fences": [low, high], "max_mads": far, "heavy_tail": heavy,
                              "evidence": f"{share:.2%} of the values beyond the fences, the furthest {far:,.0f} "
                                          "MADs from the median"})]  # fmt: skip


def _scale_edges(d: Detector, x: str, low: float, high: float, kept: list) -> tuple[float, float, int] | None:
    """Of a column of whole numbers: the fences moved out to the ends of the run of consecutive values that
    continues the bulk, and the count of values beyond them (None when the values are not whole numbers)."""
    skip = "".join(f" AND {x} <> ?" for _ in kept)
    row = d.con.execute(
        f"SELECT list(DISTINCT {x} ORDER BY {x} DESC) FILTER ({x} < ?), list(DISTINCT {x} ORDER BY {x}) "
        f"FILTER ({x} > ?), max({x}) FILTER ({x} <= ?), min({x}) FILTER ({x} >= ?), "
        f"bool_and({x} = floor({x})) FILTER ({x} < ? OR {x} > ?) FROM {quote(d.table)} WHERE {x} IS NOT NULL{skip}",
        [low, high, high, low, low, high, *kept]).fetchone()  # fmt: skip
    below, above, inner_high, inner_low, whole = row
    if not whole or inner_high is None or inner_low is None or inner_high != math.floor(inner_high) \
            or inner_low != math.floor(inner_low):  # fmt: skip
        return None
    for v in below or []:
        if inner_low - v > 1:
            break
        inner_low = v
    for v in above or []:
        if v - inner_high > 1:
            break
        inner_high = v
    new_low, new_high = min(low, inner_low - 0.5), max(high, inner_high + 0.5)
    (count,) = d.con.execute(f"SELECT count(*) FROM {quote(d.table)} WHERE ({x} < ? OR {x} > ?){skip}",
                             [new_low, new_high, *kept]).fetchone()  # fmt: skip
    return new_low, new_high, count


# -- impossible values: ranges that need no domain knowledge -----------------------------------

AGE_RANGE = (0, 115)  # years: a column named like age holds none outside
ADULTS = 16  # an age column whose 1st percentile is this or more holds adults: an age under 1 is impossible there
DURATION_WORDS = {"duration", "tat", "elapsed", "turnaround", "wait", "waiting", "stay", "los"}
YEAR_WORDS = {"year", "yr", "yrs", "years"}


def _name_words(name: str) -> set[str]:
    """The words of a column name: 'Garage.Yr.Blt' -> garage, yr, blt; 'ageGroup' -> age, group."""
    return {w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", name)}


def impossible_values(d: Detector, col: ColumnProfile) -> list[Finding]:
    """Values no column of this kind can hold, by checks that need no domain knowledge: an age outside 0-115 (or
    under 1 among adults), a negative duration, a year after next year, a zero in a positive measurement."""
    st = col.stats
    if st.get("min") is None or col.semantic != "numeric" or col.family != "numeric":
        return []
    words, x, q = _name_words(col.name), quote(col.name), st.get("quantiles") or {}
    checks_: list[tuple[str, tuple, str]] = []  # (predicate, params, why)
    if "age" in words and (q.get("p99") or 0) < 100:  # ages of people (not of houses): 99% under 100
        checks_.append(("{c} < ? OR {c} > ?", AGE_RANGE, f"an age outside {AGE_RANGE[0]}-{AGE_RANGE[1]} years"))
        if (q.get("p01") or 0) >= ADULTS:
            checks_.append(("{c} < 1", (), f"an age under 1 year where 99% of the ages are {_num(q['p01'])} or more"))
    if words & DURATION_WORDS and st["min"] < 0:
        checks_.append(("{c} < 0", (), "a negative duration"))
    if words & YEAR_WORDS and st["min"] >= 1000 and st["max"] > date.today().year + 1:
        checks_.append(("{c} > ?", (date.today().year + 1,), f"a year after {date.today().year + 1}"))
    if st["min"] == 0 and (q.get("p01") or 0) > 0 and col.type.upper() in ("DOUBLE", "FLOAT", "REAL") \
            and not st.get("negatives"):  # fmt: skip
        (smallest,) = d.con.execute(f"SELECT min({x}) FROM {quote(d.table)} WHERE {x} > 0").fetchone()
        if smallest is not None and smallest >= 0.25 * q["p50"]:
            checks_.append(("{c} = 0", (), f"a zero in a measurement whose other values are all {_num(smallest)} or "
                                           "more"))  # fmt: skip
    if not checks_:
        return []
    codes = st.get("sentinels", [])  # placeholder codes (-999) are a finding of their own
    predicate = Predicate("((" + " OR ".join(f"({p})" for p, _, _ in checks_) + ")"
                          + "".join(" AND {c} <> ?" for _ in codes) + ")",
                          tuple(v for _, params, _ in checks_ for v in params) + tuple(codes))  # fmt: skip
    where, params = predicate.on(x)
    count, examples = d.con.execute(f"SELECT count(*), list(DISTINCT {x} ORDER BY {x})[:5] FROM {quote(d.table)} "
                                    f"WHERE {where}", params).fetchone()  # fmt: skip
    if not count:
        return []
    why = "; ".join(w for _, _, w in checks_)
    st["impossible"] = predicate  # not outliers as well
    return [d.finding("impossible_value", col, count, "high",
                      f"{plural(count, 'value')} that cannot be true ({why}): "
                      + ", ".join(_num(v) for v in examples),
                      "Impossible, not just rare: correct them from the source if you can, else set them to NULL "
                      "(they are errors, not extremes to keep).", predicate,
                      examples=[float(v) for v in examples], detail={"evidence": why})]  # fmt: skip


def future_dates(d: Detector, col: ColumnProfile) -> list[Finding]:
    """Dates after today."""
    st = col.stats
    if st.get("max") is None or _day(st["max"]) <= date.today():
        return []
    day = "{c}" if col.type.upper() == "DATE" else "{c}::DATE"
    predicate = Predicate(day + " > ?", (date.today(),))
    where, params = predicate.on(quote(col.name))
    (count,) = d.con.execute(f"SELECT count(*) FROM {quote(d.table)} WHERE {where}", params).fetchone()
    return [d.finding("impossible_value", col, count, "high",
                      f"{plural(count, 'date')} in the future (after {date.today()}), up to {st['max']}",
                      "Dates that have not happened yet: correct them from the source (a typo in the year?) or set "
                      "them to NULL; keep them only if the column plans ahead (a due date).", predicate,
                      examples=[str(st["max"])], confidence=POSSIBLE,
                      detail={"evidence": "dates after today"})]  # fmt: skip


def skew(d: Detector, col: ColumnProfile) -> list[Finding]:
    st = col.stats
    k = st.get("kelly_skew")
    if k is None or abs(k) < SKEW or col.semantic != "numeric" or (st.get("distinct") or 0) <= 10:
        return []
    side = "right (a long tail of large values)" if k > 0 else "left (a long tail of small values)"
    q = st["quantiles"]
    fix = ("Use log1p (or a quantile transform) before linear models and distance-based methods; "
           "report the median rather than the mean.")  # fmt: skip
    return [d.finding("skew", col, st["count"], "low",
                      f"strongly skewed to the {side}: median {_num(q['p50'])}, 90th percentile {_num(q['p90'])}",
                      fix, detail={"kelly_skew": k})]  # fmt: skip


def identifier(d: Detector, col: ColumnProfile) -> list[Finding]:
    if col.semantic != "identifier":
        return []
    n = col.stats["distinct"]
    message = f"identifier-like: {plural(n, 'distinct value')} in {plural(col.stats['count'], 'row')}"
    return [d.finding("identifier", col, n, "low", message,
                      "Use it as a key (joins, deduplication) but exclude it from model features: it would "
                      "only let a model memorise rows.")]  # fmt: skip


# -- text --------------------------------------------------------------------------------


def disguised_missing(d: Detector, col: ColumnProfile) -> list[Finding]:
    """Text from the missing-value list, except a word such as 'none' that is one of two or three levels of a
    category ('none' beside 'airbag' says "no airbag"); 'none' in a larger category is possible, not sure."""
    n = col.stats.get("missing_tokens", 0)
    if not n:
        return []
    ex = d.examples(col, "missing_tokens")
    levels = [[v, c] for v, c in ex if v.strip().lower() in LEVEL_TOKENS]
    if levels and (col.stats.get("distinct") or 0) <= LEVELS:
        ex = [pair for pair in ex if pair not in levels]
        n -= sum(c for _, c in levels)
        if n <= 0:
            return []
        tokens = [t for t in checks.MISSING_TOKENS if t not in LEVEL_TOKENS]
        predicate = Predicate(f"lower(trim({{c}})) IN {_marks(tokens)}", tuple(tokens))
        evidence = (f"{', '.join(repr(v) for v, _ in levels)} left out: one of {col.stats['distinct']} levels of the "
                    "category, it says 'no ...' rather than 'unknown'")
        levels = []
    else:
        predicate = checks.MISSING_TOKEN
        evidence = "the values are on the list of texts that mean missing"
    sure = not levels
    shown = ", ".join(f"{v!r} ({c:,}×)" for v, c in ex)
    message = f"{plural(n, 'value')} that {'means' if n == 1 else 'mean'} 'missing': {shown}"
    if not sure:
        message += f"; {', '.join(repr(v) for v, _ in levels)} may be a level of its own ('no ...'): check it"
    return [d.finding("disguised_missing", col, n, _level(n / d.rows, 0.2, 0.0) if sure else "low", message,
                      "Turn them into NULL (NULLIF / CASE WHEN ... THEN NULL) so they are counted and handled "
                      "as missing.", predicate, examples=ex, confidence=STRONG if sure else POSSIBLE,
                      detail={"evidence": evidence})]  # fmt: skip


def whitespace(d: Detector, col: ColumnProfile) -> list[Finding]:
    n = col.stats.get("whitespace", 0)
    if not n:
        return []
    ex = d.examples(col, "whitespace")
    return [d.finding("whitespace", col, n, "low", f"{plural(n, 'value')} with leading or trailing spaces, e.g. "
                      + ", ".join(repr(v) for v, _ in ex[:3]),
                      "Trim them (trim()): ' Paris' and 'Paris' are different values to a GROUP BY or a model.",
                      checks.WHITESPACE, examples=ex)]  # fmt: skip


_AS_TEXT = {
    "numbers": ("numbers_as_text", checks.NUMBER_VALUE, "numbers",
                "Convert with TRY_CAST(... AS DOUBLE) after fixing or nulling the values that do not parse."),
    "dates": ("dates_as_text", checks.DATE, "dates",
              ("Convert with TRY_CAST(... AS DATE) or strptime() with the right format, after fixing the values "
              "that do not parse.")),
    "booleans": ("booleans_as_text", checks.BOOLEAN, "yes/no values",
                 "Map them to a BOOLEAN column (lower(trim(x)) IN ('yes', 'true', 'y', 't'))."),
}  # fmt: skip


def typed_text(d: Detector, col: ColumnProfile) -> list[Finding]:
    """Numbers, dates or booleans stored as text, or a mix of types in one column."""
    present = semantic.present_values(col)
    share = semantic.shares(col)
    if present <= 0:
        return []
    target = {"numeric": "numbers", "datetime": "dates", "boolean": "booleans"}.get(col.semantic)
    if target:
        kind, predicate, noun, fix = _AS_TEXT[target]
        n = col.stats[target]
        bad = d.examples(col, f"not_{target}")
        odd = present - n
        tail = (f"; {odd:,} {'does' if odd == 1 else 'do'} not parse, e.g. " + ", ".join(repr(v) for v, _ in bad[:3])
                if odd > 0 else "")  # fmt: skip
        return [d.finding(kind, col, n, "medium", f"{share[target]:.1%} of the present values are {noun} stored as "
                          f"text{tail}", fix, predicate, examples=bad or d.examples(col, target)[:3],
                          detail={"parsed_share": share[target], "unparsed": present - n})]  # fmt: skip
    best = max(("numbers", "dates"), key=lambda k: share[k])
    if not semantic.TYPE_SHARE > share[best] >= 1 - semantic.TYPE_SHARE or _coded(d, col, best, present):
        return []
    kind_pred = _AS_TEXT[best][1]
    typed = col.stats[best]
    if typed >= present - typed:  # the untyped values are the odd ones out
        predicate, count, odd, ex = checks.EXAMPLES[f"not_{best}"], present - typed, "other text", f"not_{best}"
    else:
        predicate, count, odd, ex = kind_pred, typed, _AS_TEXT[best][2], best
    ex = d.examples(col, ex)
    return [d.finding("mixed_types", col, count, "high",
                      f"mixed types: {share[best]:.1%} of the present values are {_AS_TEXT[best][2]}, the rest "
                      f"are not; {plural(count, 'row')} {'holds' if count == 1 else 'hold'} {odd}, e.g. "
                      + ", ".join(repr(v) for v, _ in ex[:3]),
                      "Split the column, or decide on one type and map the others (e.g. 'five' -> 5) or null them.",
                      predicate, examples=ex, detail={"share": share[best], "type": best})]  # fmt: skip


def _coded(d: Detector, col: ColumnProfile, typed: str, present: int) -> bool:
    """Numbers beside other text that is not a stray type: codes of an identifier ('580652' beside 'S107948'),
    bands of a scale ('<1', '1-2', '5+' beside '3'), or a number that is one code among a few letters ('4' beside
    'f' and 'r', drive codes)."""
    distinct = col.stats.get("distinct") or 0
    others = [v for v, _ in d.examples(col, f"not_{typed}")]
    if distinct >= 0.9 * present:
        return True
    if others and sum(bool(re.search(r"\d", v)) for v in others) * 2 >= len(others):
        return True
    return distinct <= 10 and len(d.examples(col, typed)) <= 2


def categories(d: Detector, col: ColumnProfile) -> list[Finding]:
    st = col.stats
    if col.semantic != "categorical" or "sample_rows" in st:
        return []
    found = []
    if st.get("distinct", 0) > HIGH_CARDINALITY:
        found.append(d.finding("high_cardinality", col, st["distinct"], "low",
                               f"{st['distinct']:,} distinct categories",
                               "Do not one-hot encode it: group rare values into 'Other', or use frequency/target "
                               "encoding; check whether it is really free text or an identifier."))  # fmt: skip
    if st.get("distinct", 0) > settings.LIMITS.profile_cluster_max_values:
        return found
    counted = values.counts_of(d.con, d.text_index[col.name])
    found += overlapping_bands(d, col, counted)
    groups = values.clusters(counted, names=_many_names(col))
    if groups:
        st["clusters"] = groups
        found.append(_spellings(d, col, groups))
    return found


MANY_NAMES = 2_000  # distinct values: a column of this many names (pets, people) holds names one letter apart


def _many_names(col: ColumnProfile) -> bool:
    """Whether a column holds many proper names ('Harley', 'Carley', 'Hayley'): one letter apart, they are other
    names, not misspellings; only spellings differing in case, spaces or punctuation are compared there."""
    top = [v for v, _ in col.stats.get("top_values", [])]
    proper = sum(bool(re.fullmatch(r"[A-Z][a-z]+", v)) for v in top)
    return (col.stats.get("distinct") or 0) > MANY_NAMES and proper >= 0.8 * max(len(top), 1)


_NUMBER = r"(\d[\d,]*(?:\.\d+)?)"
# a band of numbers: 'a-b' / 'a to b', 'a+' / 'a or more', '<a' / 'under a', '>a' / 'over a'
BANDS = [(re.compile(rf"^\$?{_NUMBER}\s*(?:-|–|to)\s*\$?{_NUMBER}$"), lambda a, b: (a, b)),
         (re.compile(rf"^\$?{_NUMBER}\s*(?:\+|or more|and over|and more)$"), lambda a: (a, math.inf)),
         (re.compile(rf"^(?:<|under|less than)\s*\$?{_NUMBER}$"), lambda a: (-math.inf, a)),
         (re.compile(rf"^(?:>|over|more than)\s*\$?{_NUMBER}$"), lambda a: (a, math.inf))]  # fmt: skip


def band(text: str) -> tuple[float, float] | None:
    """The interval a band of numbers covers ('15000-17500' -> (15000, 17500), '15000+' -> (15000, inf))."""
    t = text.strip().lower()
    for pattern, interval in BANDS:
        m = pattern.match(t)
        if m:
            low, high = interval(*(float(g.replace(",", "")) for g in m.groups()))
            return (low, high) if low <= high else None
    return None


def overlapping_bands(d: Detector, col: ColumnProfile, counted: list[tuple[str, int, str | None]]) -> list[Finding]:
    """Bands of one category that cover more than a shared bound of each other ('15000+' beside '15000-17500'):
    a value of the overlap could sit in either, so the bands cannot be compared. Bands meeting at a bound
    ('0-2500', '2500-5000') are the usual convention and not flagged."""
    bands = [(v, n, b) for v, n, _ in counted if (b := band(v))]
    if len(bands) < 3 or len(bands) * 2 < len(counted):
        return []
    pairs = [(a, b) for i, a in enumerate(bands) for b in bands[i + 1:]
             if max(a[2][0], b[2][0]) < min(a[2][1], b[2][1])]  # fmt: skip
    if not pairs:
        return []
    involved = {v: n for a, b in pairs for v, n, _ in (a, b)}
    shown = "; ".join(f"{a[0]!r} overlaps {b[0]!r}" for a, b in pairs[:4])
    return [d.finding("overlapping_bands", col, sum(involved.values()), "medium",
                      f"bands of numbers that overlap: {shown}"
                      + (f" (and {plural(len(pairs) - 4, 'more pair')})" if len(pairs) > 4 else ""),
                      "Decide which band each overlapping value belongs to (often an open band such as '15000+' was "
                      "used in some records and closed bands in others): merge the bands into ones that do not "
                      "overlap before comparing or modelling them.",
                      Predicate("{c} IN " + _marks(list(involved)), tuple(involved)),
                      examples=[[a[0], b[0]] for a, b in pairs[:10]],
                      detail={"evidence": f"{plural(len(pairs), 'pair')} of bands share more than a bound"},
                      )]  # fmt: skip


def _spellings(d: Detector, col: ColumnProfile, groups: list[dict]) -> Finding:
    """One finding for a column's clusters of spellings: the strong variants said plainly, the others as possible."""
    by_confidence: dict[str, list[tuple[dict, str, int]]] = {spelling.STRONG: [], spelling.POSSIBLE: []}
    for g in groups:
        for v, n in g["variants"]:
            by_confidence[g["evidence"][v]["confidence"]].append((g, v, n))
    parts = []
    for confidence, items in by_confidence.items():
        if not items:
            continue
        categories = list({id(g): g for g, _, _ in items}.values())
        shown = "; ".join(", ".join([f"{v!r} ({g['evidence'][v]['why']})" for h, v, _ in items if h is g][:3])
                          + f" -> {g['canonical']!r}" for g in categories[:3])  # fmt: skip
        if confidence == spelling.STRONG:
            parts.append(f"{plural(len(items), 'spelling')} of {plural(len(categories), 'category', 'categories')}: "
                         f"{shown}")
        else:
            parts.append(f"possibly {plural(len(items), 'misspelling')} (check them): {shown}")
    variants = [v for g in groups for v, _ in g["variants"]]
    strong_rows = sum(n for _, _, n in by_confidence[spelling.STRONG])
    severity = _level(strong_rows / d.rows, 0.01, 0.0) if strong_rows else "low"
    confidence = spelling.POSSIBLE if by_confidence[spelling.POSSIBLE] else spelling.STRONG
    return d.finding("inconsistent_category", col, sum(g["count"] for g in groups), severity, "; ".join(parts),
                     "Map each variant to its canonical value (Fix ticks the strong ones; check the possible ones "
                     "against the rows before ticking them).",
                     Predicate("{c} IN " + _marks(variants), tuple(variants)),
                     examples=[[v, g["canonical"], n] for g in groups for v, n in g["variants"]][:10],
                     confidence=confidence,
                     detail={"clusters": groups[:20], "confidence": confidence, "rule": spelling.RULE})  # fmt: skip


# -- whole table -------------------------------------------------------------------------


def duplicate_rows(d: Detector, columns: list[ColumnProfile], duplicates: int) -> list[Finding]:
    """Rows identical to another row are duplicates (strong) when the table has a column that should make rows
    unique (an identifier, repeated with them), when one row is copied many times, or when they agree on a column
    of many distinct values (a chance match is unlikely). Otherwise they may be distinct records that happen to
    agree on a few coarse columns (possible, low)."""
    if not duplicates:
        return []
    share = duplicates / d.rows
    names = [c.name for c in columns]
    ids = [c.name for c in columns if c.semantic == "identifier"]
    distinctive = [c.name for c in columns if c.semantic != "identifier" and c.family in ("numeric", "temporal", "text")
                   and (c.stats.get("distinct") or 0) >= DISTINCTIVE * d.rows]  # fmt: skip
    evidence = None
    if ids:
        evidence = f"the table's identifier {ids[0]} repeats with them"
    elif distinctive:
        evidence = f"they agree even on {distinctive[0]}, a column of many distinct values: a chance match is unlikely"
    else:
        (most,) = d.con.execute(f"SELECT max(n) FROM (SELECT count(*) AS n FROM {quote(d.table)} GROUP BY ALL)"
                                .replace("GROUP BY ALL", "GROUP BY " + ", ".join(quote(n) for n in names))
                                ).fetchone()  # fmt: skip
        if most - 1 >= DUPLICATE_COPIES and (most - 1) * 2 >= duplicates:
            evidence = f"one row is copied {most - 1:,} times"
    fix = ("Drop exact duplicates (SELECT DISTINCT) unless repeated rows are genuine events; then look for "
           "near-duplicates on the Dedupe page.")  # fmt: skip
    if evidence:
        return [d.finding("duplicate_rows", None, duplicates, "high" if share >= 0.01 else "medium",
                          f"{plural(duplicates, 'row')} {'is an exact copy' if duplicates == 1 else 'are exact copies'}"
                          f" of another row ({share:.2%}): {evidence}", fix,
                          detail={"columns": names, "evidence": evidence})]  # fmt: skip
    return [d.finding("duplicate_rows", None, duplicates, "low",
                      f"{plural(duplicates, 'row')} identical to another row ({share:.2%}); without a column that "
                      "identifies a row they may be distinct records that agree on these "
                      f"{plural(len(names), 'column')}", "Keep them unless you know each row should be unique: "
                      "identical rows are expected when every column holds a few values (people of the same age, "
                      "sex and group). " + fix, confidence=POSSIBLE,
                      detail={"columns": names, "evidence": "no identifier, no column of many distinct values, "
                                                            "no row copied many times"})]  # fmt: skip


DETECTORS: dict[str, list[Callable[[Detector, ColumnProfile], list[Finding]]]] = {
    "numeric": [sentinel_numbers, impossible_values, outliers, skew, identifier],
    "temporal": [sentinel_dates, future_dates],
    "text": [disguised_missing, whitespace, typed_text, categories, identifier],
    "*": [missing, constant],
}


def confirm(con: duckdb.DuckDBPyConnection, table: str, found: list[Finding], rows: int) -> None:
    """Recount exactly, over the whole table, the findings raised on a sample of a text column."""
    sampled = [f for f in found if f.detail.get("sampled") and f.where]
    if not sampled:
        return
    exprs = ", ".join(f"count(*) FILTER ({f.where})" for f in sampled)
    params = [p for f in sampled for p in f.params]
    counts = con.execute(f"SELECT {exprs} FROM {quote(table)}", params).fetchone()
    for f, n in zip(sampled, counts):
        f.message = f.message.replace(f"{f.count:,}", f"{n:,}", 1)
        f.count, f.share = int(n), n / rows if rows else 0.0


def rank(found: list[Finding]) -> list[Finding]:
    return sorted(found, key=lambda f: (SEVERITIES.index(f.severity), -f.share, f.kind, f.column or ""))
