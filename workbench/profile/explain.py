"""Plain words for what a profile shows: each statistic and term in a line, declared once for every view.

The Explore page shows them where the terms appear (tooltips and captions); a notebook can print them.
"""

from __future__ import annotations

from workbench.profile import spelling
from workbench.profile.findings import TITLES
from workbench.profile.result import ColumnProfile, Profile

# the statistics of a column, by their key in ColumnProfile.stats, with the label shown for each
STATISTICS = {"count": "values", "nulls": "missing", "numbers": "numbers", "distinct": "distinct", "min": "min",
              "max": "max", "mean": "mean", "std": "std", "mad": "MAD", "mean_length": "mean length"}  # fmt: skip
PERCENTILES = ("p01", "p25", "p50", "p75", "p99")  # the quantiles shown, from ColumnProfile.stats["quantiles"]

TERMS = {
    "values": "Cells that are not empty (not NULL), whatever they hold.",
    "missing": "Empty cells (NULL). Text that means missing, such as 'NA', is a value: see the finding "
               f"{TITLES['disguised_missing']!r}.",
    "numbers": "Of a text column: the values that read as numbers. The statistics below them are those numbers'.",
    "distinct": "How many different values the column holds.",
    "min": "The smallest value (of text, the first in alphabetical order).",
    "max": "The largest value (of text, the last in alphabetical order).",
    "mean": "The average: the sum of the values divided by how many there are. A few extreme values pull it.",
    "std": "Standard deviation: how far values typically lie from the mean, in the column's unit. For a "
           "bell-shaped column about two thirds of the values lie within one std of the mean.",
    "MAD": "Median absolute deviation: half the values lie closer than this to the median. A typical distance "
           "like the std, but extreme values barely move it.",
    "percentiles": "p25 is the value a quarter of the values lie below; p50 is the median (the middle value), "
                   "p75 has three quarters below; p01 and p99 leave out the most extreme 1% at each end.",
    "mean length": "The average number of characters of a value.",
    "IQR fences": "The IQR (interquartile range) is p75 - p25, the spread of the middle half of the values. "
                  "The fences lie 3 IQR below p25 and above p75 (dotted red lines on a histogram).",
    "outlier rule": "A value counts as an outlier when it lies beyond the IQR fences and further from the median "
                    "than a bell-shaped sample of this size ever gets (√(2 ln n) + 1 times 1.4826 MAD): both "
                    "must agree, so a tidy column raises nothing.",
    "skewness": "How lopsided the values are (Kelly's skewness, (p90 + p10 - 2 p50) / (p90 - p10)): 0 is "
                "symmetric; beyond ±0.3 one tail is much longer, to the right when positive.",
    "duplicate rows": "Rows equal in every column to another row: the extra copies are counted.",
    "Correlations": "Pearson's r between two numeric columns, from -1 (one falls as the other rises) through 0 "
                    "(no straight-line relation) to 1; it misses curved relations and is pulled by outliers.",
    "Cramér's V": "How strongly two categorical columns go together, from 0 (independent) to 1 (one decides "
                  "the other).",
    "Scatter": "One point per row (of a sample on big tables), optionally coloured by a category.",
    "Missing values": "Which columns are missing in the same rows.",
    "Correspondence analysis": "A map of two categorical columns where categories that often occur together sit "
                               "close; *inertia* is how much of their association each axis shows.",
}  # fmt: skip
# the rule of each finding kind, as a learner can read it: flagged because ...; not flagged when ...
RULES = {
    "missing": "Flagged because cells are empty (NULL). Not flagged: text such as 'NA' (see missing values written "
               "as text).",
    "disguised_missing": "Flagged because values are on the list of texts that mean missing ('', 'NA', 'N/A', 'null', "
                         "'?', '-'...). Not flagged when the word is one of two or three levels of a category: 'none' "
                         "beside 'airbag' says 'no airbag'. 'none' in a larger category is only possible.",
    "sentinel": "Flagged because a placeholder code (-9, 99, -999, 9999, 1900-01-01...) breaks the shape of the "
                "column: far outside the other values and apart from those near it (strong), the only negative "
                "value (-1, strong), or a spike at least 5 times as frequent as the values next to it (possible). "
                "Not flagged when the code is merely a common value where its neighbours are common too: -9 minutes "
                "of delay between -10 and -8, 99 sales between 98 and 100.",
    "numbers_as_text": "Flagged because 90% or more of a text column's values read as numbers. Not flagged: codes "
                       "mixed with letters.",
    "dates_as_text": "Flagged because 90% or more of a text column's values read as dates.",
    "booleans_as_text": "Flagged because every value of a text column is yes/no, true/false, y/n or t/f. Not "
                        "flagged when a third value exists (Y/N/P is a category).",
    "mixed_types": "Flagged because 10-90% of a text column's values are numbers (or dates) and the rest words "
                   "('5' beside 'five'). Not flagged when the numbers are codes or bands of a category: '4' beside "
                   "'f' and 'r', '<1' and '5+' beside '3', or an identifier's codes ('S107948' beside '580652').",
    "inconsistent_category": spelling.RULE,
    "outlier": "Flagged because values lie beyond 3 IQR from the quartiles and further from the median than a "
               "bell-shaped sample of this size gets: rare but possible, to check. Called a heavy tail (possible) "
               "when 1% or more of the column lies there. Not flagged when the values continue a scale of whole "
               "numbers without a gap (a rating of 1 on a 1-10 scale, 0 years of schooling).",
    "impossible_value": "Flagged because a value cannot be true, by checks that need no domain knowledge: an age "
                        "outside 0-115 in a column of people's ages (or under 1 among adults), a negative "
                        "duration, a year after next year, a zero in a measurement whose other values are all well "
                        "above 0, a date in the future (possible: a due date plans ahead).",
    "overlapping_bands": "Flagged because two bands of numbers in one category cover more than a shared bound "
                         "('15000+' beside '15000-17500'). Not flagged: bands meeting at a bound ('0-2500', "
                         "'2500-5000').",
    "whitespace": "Flagged because values start or end with spaces.",
    "constant": "Flagged because the column holds one single value.",
    "near_constant": "Flagged because 95% or more of the values are the same one.",
    "identifier": "Flagged because (nearly) every value is different: integers, or single words, in 20 rows or "
                  "more.",
    "high_cardinality": "Flagged because a category holds more than 100 different values.",
    "skew": "Flagged because Kelly's skewness lies beyond ±0.3 (one tail much longer than the other).",
    "duplicate_rows": "Flagged as duplicates (strong) because rows are identical in every column and the table has "
                      "a column that should make rows unique, or one row is copied 10 times or more, or they agree "
                      "on a column of many distinct values. Otherwise identical rows may be distinct records that "
                      "agree on a few coarse columns (possible, low).",
}  # fmt: skip
# the terms a finding's message uses, shown with it
FINDING_TERMS = {"outlier": ["IQR fences", "MAD", "outlier rule"], "skew": ["skewness", "percentiles"]}


def statistics_of(col: ColumnProfile) -> dict[str, str]:
    """The statistics a column's table shows, key -> label: those it has, and its count of numbers only when it
    is text holding numbers (every text column counts them)."""
    return {key: label for key, label in STATISTICS.items() if col.stats.get(key) is not None
            and (key != "numbers" or col.numbers_in_text)}  # fmt: skip


def statistics_shown(columns: list[ColumnProfile]) -> list[str]:
    """The terms of the statistics that the columns' tables show, in the tables' order."""
    labels = {label for col in columns for label in statistics_of(col).values()}
    percentiles = any(col.stats.get("quantiles") for col in columns)
    return [label for label in STATISTICS.values() if label in labels] + (["percentiles"] if percentiles else [])


def numbers_held(col: ColumnProfile) -> tuple[int, int, list[list]]:
    """Of a text column holding numbers: how many of its values are numbers, how many are not, and the most
    frequent of those that are not ([value, count], missing-value tokens among them)."""
    st = col.stats
    examples = st.get("examples", {})
    others = sorted(examples.get("missing_tokens", []) + examples.get("not_numbers", []), key=lambda p: (-p[1], p[0]))
    return st["numbers"], st["count"] - st["numbers"], others


def missing_as_text(profile: Profile) -> tuple[int, list[str], list[str]]:
    """Cells holding text that means missing ('NA', 'n/a', ''): how many, the columns holding them and the texts,
    most first. They are values, so the count of missing (NULL) cells leaves them out."""
    found = sorted((f for f in profile.findings if f.kind == "disguised_missing"), key=lambda f: -f.count)
    texts: dict[str, int] = {}
    for f in found:
        for value, n in f.examples:
            texts[value] = texts.get(value, 0) + n
    return sum(f.count for f in found), [f.column for f in found], sorted(texts, key=lambda v: -texts[v])
