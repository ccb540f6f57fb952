"""The row-level tests behind the findings, as SQL predicates over one column.

Each predicate is written once and used twice: over the distinct values of a
text column while profiling (cheap: a few thousand values instead of millions
of rows) and over the table as the evidence of a finding, so the count shown
and the rows listed always agree. `{c}` is the quoted column; values are bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# Text that stands for "no value". Compared after lower() and trim(), so
# '', '   ', 'N/A', ' NULL ' all match.
MISSING_TOKENS = ["", "n/a", "na", "null", "none", "nan", "nil", "-", "--", "?", "#n/a"]
BOOLEAN_TOKENS = ["true", "false", "yes", "no", "y", "n", "t", "f"]
# Non-ISO date layouts tried after DuckDB's own ISO parsing.
DATE_FORMATS = ["%d/%m/%Y", "%m/%d/%Y", "%Y/%m/%d", "%d.%m.%Y", "%d-%m-%Y", "%d %b %Y"]
# The shape of a date (three parts, time optional): parsing is only tried on values of that shape.
DATE_SHAPE = r"\d{1,4}[-/. ]\w{1,9}[-/. ,]+\d{1,4}([ T].*)?"
# Codes commonly typed in place of a missing number or date.
NUMERIC_SENTINELS = [-9, -99, -999, -9999, -99999, 99, 999, 9999, 99999, 999999, 9999999]
DATE_SENTINELS = [date(1900, 1, 1), date(1970, 1, 1), date(1899, 12, 31), date(1899, 12, 30), date(9999, 12, 31)]


@dataclass(frozen=True)
class Predicate:
    template: str  # SQL with {c} for the column
    params: tuple = ()

    def on(self, column_sql: str) -> tuple[str, list]:
        """The predicate applied to `column_sql`, with params repeated as often as {c} needs."""
        return self.template.format(c=column_sql), list(self.params)


def _in_list(values: list) -> str:
    return "(" + ", ".join("?" for _ in values) + ")"


MISSING_TOKEN = Predicate(f"lower(trim({{c}})) IN {_in_list(MISSING_TOKENS)}", tuple(MISSING_TOKENS))
# trim() only runs on the few values that start or end with a space (CASE evaluates lazily)
WHITESPACE = Predicate("(CASE WHEN starts_with({c}, ' ') OR ends_with({c}, ' ') THEN trim({c}) <> '' ELSE false END)")
# A text value read as a number: DOUBLE, since TRY_CAST('2.5' AS BIGINT) rounds to 3 instead of failing.
# The cast itself skips surrounding whitespace (' 2.5', tabs too): a trim() first would cost 5x the cast.
PARSED = "try_cast({c} AS DOUBLE)"
NUMBER = Predicate(f"coalesce(isfinite({PARSED}), false)")
# The number a text value holds, NULL when it holds none (missing tokens such as 'nan' are not finite)
AS_NUMBER = f"(CASE WHEN isfinite({PARSED}) THEN {PARSED} END)"
BOOLEAN = Predicate(f"lower(trim({{c}})) IN {_in_list(BOOLEAN_TOKENS)}", tuple(BOOLEAN_TOKENS))
DATE = Predicate(
    "(CASE WHEN regexp_full_match(trim({c}), ?) THEN "
    "coalesce(try_cast(trim({c}) AS TIMESTAMP), try_strptime(trim({c}), ?)) IS NOT NULL ELSE false END)",
    (DATE_SHAPE, DATE_FORMATS),
)
# A value that is present but none of number/date/missing: what blocks a conversion.
PRESENT = Predicate(f"({{c}} IS NOT NULL AND NOT {MISSING_TOKEN.template})", MISSING_TOKEN.params)


def both(a: Predicate, b: Predicate, negate_b: bool = False) -> Predicate:
    return Predicate(f"({a.template} AND {'NOT ' if negate_b else ''}{b.template})", a.params + b.params)


# A number is a value that parses as one and is not a missing token ('nan' parses).
NUMBER_VALUE = both(NUMBER, MISSING_TOKEN, negate_b=True)
# What each text column is tested for; the counts (and examples) come from its value counts.
TEXT_CHECKS = {"missing_tokens": MISSING_TOKEN, "whitespace": WHITESPACE, "numbers": NUMBER_VALUE, "dates": DATE,
               "booleans": BOOLEAN}  # fmt: skip
# Examples kept per column: of each check, and of the present values that fail it.
EXAMPLES = {**TEXT_CHECKS, **{f"not_{k}": both(PRESENT, TEXT_CHECKS[k], negate_b=True)
                              for k in ("numbers", "dates", "booleans")}}  # fmt: skip
