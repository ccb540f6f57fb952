"""Dirty-data detectors. Each looks at one column's profile and returns findings.

Every finding has a stable `kind` (documented in the README), the column, a
severity, the number of rows concerned, example values, a suggested fix and a
WHERE clause selecting the offending rows. Thresholds are chosen so that a tidy
column (a normal spread of numbers, a clean category) raises nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

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
}
KINDS = tuple(TITLES)

NEAR_CONSTANT = 0.95  # share of the most frequent value
HIGH_CARDINALITY = 100  # distinct values of a categorical column
SKEW = 0.3  # |Kelly's quantile skewness|
SENTINEL_EXCESS = 5  # a code is a sentinel when this many times more frequent than an average value


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
    # only the rows missing something are aggregated
    where = " OR ".join(f"{quote(m.name)} IS NULL" for m in gaps)
    row = d.con.execute(f"SELECT {', '.join(exprs)} FROM {quote(d.table)} WHERE {where}").fetchone()
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
    st = col.stats
    fence = st.get("fences")
    average = st["count"] / max(st.get("distinct") or 1, 1)
    codes = []
    for value, n in st.get("sentinel_counts", []):
        if value == -1:
            suspicious = n >= 2 and st["negatives"] == n and (st.get("distinct") or 0) >= 5
        else:
            outside = fence is not None and not fence[0] <= value <= fence[1]
            suspicious = outside or (n >= 2 and n > SENTINEL_EXCESS * average)
        if suspicious:
            codes.append((value, n))
    return _sentinel_finding(d, col, codes, Predicate("{c} IN " + _marks(codes), tuple(v for v, _ in codes)))


def sentinel_dates(d: Detector, col: ColumnProfile) -> list[Finding]:
    """A date code repeated far more than an average day, or far outside the other dates."""
    st = col.stats
    average = st["count"] / max(st.get("distinct") or 1, 1)
    p01, p99 = st.get("p01"), st.get("p99")
    codes = []
    for v, n in st.get("sentinel_counts", []):
        span = (_days(p99) - _days(p01)) if p01 is not None and p99 is not None else None
        remote = span is not None and (_days(v) < _days(p01) - span or _days(v) > _days(p99) + span)
        if n >= 2 and (n > SENTINEL_EXCESS * average or remote):
            codes.append((v, n))
    day = "{c}" if col.type.upper() == "DATE" else "{c}::DATE"
    return _sentinel_finding(d, col, codes, Predicate(day + " IN " + _marks(codes), tuple(v for v, _ in codes)))


def _days(value: date | datetime) -> int:
    return (value.date() if isinstance(value, datetime) else value).toordinal()


def _marks(items: list) -> str:
    return "(" + ", ".join("?" for _ in items) + ")"


def _sentinel_finding(d: Detector, col: ColumnProfile, codes: list, predicate: Predicate) -> list[Finding]:
    if not codes:
        return []
    total = sum(n for _, n in codes)
    shown = ", ".join(f"{_num(v)} ({n:,}×)" for v, n in codes)
    col.stats["sentinels"] = [v for v, _ in codes]
    return [d.finding("sentinel", col, total, "high", f"placeholder codes standing for 'unknown': {shown}",
                      "Replace these codes with NULL before computing anything (they distort means, ranges "
                      "and models), then treat them as missing.", predicate,
                      examples=[[v, n] for v, n in codes])]  # fmt: skip


def _num(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def outliers(d: Detector, col: ColumnProfile) -> list[Finding]:
    st = col.stats
    count = st.get("outliers", 0)
    if not count or col.semantic not in ("numeric",):
        return []
    low, high = st["fences"]
    median, mad = st["quantiles"]["p50"], st.get("mad") or 0
    kept = st.get("not_outliers", [])
    predicate = Predicate("(({c} < ? OR {c} > ?)" + "".join(" AND {c} <> ?" for _ in kept) + ")", (low, high, *kept))
    where, params = predicate.on(quote(col.name))
    furthest = d.con.execute(
        f"SELECT {quote(col.name)} FROM {quote(d.table)} WHERE {where} "
        f"ORDER BY abs({quote(col.name)} - ?) DESC LIMIT 5",
        [*params, median],
    ).fetchall()
    examples = [float(v) for (v,) in furthest]
    scale = 1.4826 * mad if mad else (st["quantiles"]["p75"] - st["quantiles"]["p25"]) / 1.349
    far = max(abs(v - median) for v in examples) / scale if scale else float("inf")
    return [d.finding("outlier", col, count, "high" if far >= 100 else "medium",
                      f"{plural(count, 'value')} outside [{_num(low)}, {_num(high)}] (beyond 3 IQR from the "
                      "quartiles), "
                      f"up to {far:,.0f} MADs from the median {_num(median)}",
                      "Check them: fix data-entry errors (units, extra zeros), cap (winsorize) or use a robust "
                      "scaler; keep genuine extremes.", predicate,
                      examples=examples, detail={"fences": [low, high], "max_mads": far})]  # fmt: skip


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
    n = col.stats.get("missing_tokens", 0)
    if not n:
        return []
    ex = d.examples(col, "missing_tokens")
    shown = ", ".join(f"{v!r} ({c:,}×)" for v, c in ex)
    message = f"{plural(n, 'value')} that {'means' if n == 1 else 'mean'} 'missing': {shown}"
    return [d.finding("disguised_missing", col, n, _level(n / d.rows, 0.2, 0.0), message,
                      "Turn them into NULL (NULLIF / CASE WHEN ... THEN NULL) so they are counted and handled "
                      "as missing.", checks.MISSING_TOKEN, examples=ex)]  # fmt: skip


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
    if not semantic.TYPE_SHARE > share[best] >= 1 - semantic.TYPE_SHARE:
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
    groups = values.clusters(d.con, d.text_index[col.name])
    if groups:
        st["clusters"] = groups
        found.append(_spellings(d, col, groups))
    return found


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
                     detail={"clusters": groups[:20], "confidence": confidence, "rule": spelling.RULE})  # fmt: skip


# -- whole table -------------------------------------------------------------------------


def duplicate_rows(d: Detector, columns: list[ColumnProfile], duplicates: int) -> list[Finding]:
    if not duplicates:
        return []
    share = duplicates / d.rows
    return [d.finding("duplicate_rows", None, duplicates, "high" if share >= 0.01 else "medium",
                      f"{plural(duplicates, 'row')} {'is an exact copy' if duplicates == 1 else 'are exact copies'} "
                      f"of another row ({share:.2%})",
                      "Drop exact duplicates (SELECT DISTINCT) unless repeated rows are genuine events; then "
                      "look for near-duplicates on the Dedupe page.",
                      detail={"columns": [c.name for c in columns]})]  # fmt: skip


DETECTORS: dict[str, list[Callable[[Detector, ColumnProfile], list[Finding]]]] = {
    "numeric": [sentinel_numbers, outliers, skew, identifier],
    "temporal": [sentinel_dates],
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
