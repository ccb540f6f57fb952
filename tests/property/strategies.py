"""What the property tests generate: the column names and values a real file can hold, the awkward first.

Any Unicode (no lone surrogates: a file cannot hold them), and on purpose: placeholders of every SQL
driver (`?`, `$1`, `%s`), quotes of both kinds, backslashes, line breaks, blank names, a 10,000-character
name, SQL keywords, emoji, right-to-left text, and names that differ only in case.
"""

from __future__ import annotations

import os

from hypothesis import seed
from hypothesis import strategies as st

AWKWARD_NAMES = [
    "?", "Survived?", "what's \"this\"?", "$1", "?1", "$x", "%s", "%(x)s", "{0}", "{}", "'", '"', "''", '""',
    "\\", "a\\nb", "a\nb", "a\r\nb", "\t", "", " ", " padded ", "x" * 10_000, "select", "SELECT", "from", "order",
    "rowid", "t", "w", "__wb_row", "s", "🐍", "👩‍👩‍👧", "שלום", "مرحبا", "\u202eevil", "a;b", "--", "/*", "*/", "$$",
    "$tag$", "NULL", "null", "NaN", "1e10", "0", "-1", "ß", "İ", "café", "CAFÉ", "a,b", "a.b", "Ω", "\u00a0",
    "__wb_out0", "__wb_src_row", "__wb_0", "\u3000", "\x1f",
]  # fmt: skip
AWKWARD_VALUES = [
    "?", "what?", "'?'", "$1", "%s", "'", '"', "\\", "\\n", "a\nb", "", " ", "  x  ", "NULL", "null", "NA", "N/A",
    "nan", "inf", "-0", "1,234.5", "1.234,5", "2020-02-29", "31/12/1999", "yes", "No", "TRUE", "🐍", "שלום",
    "select * from t", "'; DROP TABLE t; --", "/*", "$$x$$", "x" * 10_000,
]  # fmt: skip

# Everything a UTF-8 file can hold except NUL, which no CSV writer or reader treats as text.
CHARS = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")


def names() -> st.SearchStrategy[str]:
    """One column name: an awkward one, any short text, or the two glued."""
    text = st.text(CHARS, max_size=12)
    return st.one_of(st.sampled_from(AWKWARD_NAMES), text,
                     st.builds(lambda a, b: a + b, st.sampled_from(AWKWARD_NAMES), text))  # fmt: skip


@st.composite
def header(draw, max_columns: int = 4) -> list[str]:
    """A table's column names; sometimes two that differ only in case."""
    found = draw(st.lists(names(), min_size=1, max_size=max_columns))
    if draw(st.booleans()) and (cased := [n for n in found if n.swapcase() != n]):
        found.append(draw(st.sampled_from(cased)).swapcase())
    return found


def text_values() -> st.SearchStrategy[str | None]:
    return st.one_of(st.none(), st.sampled_from(AWKWARD_VALUES), st.text(CHARS, max_size=12))


def number_values() -> st.SearchStrategy[float | int | None]:
    return st.one_of(st.none(), st.integers(-(2**53), 2**53),
                     st.floats(allow_nan=False, allow_infinity=False, width=64))  # fmt: skip


@st.composite
def tables(draw, max_rows: int = 6, max_columns: int = 4) -> tuple[list[str], list[str], list[list]]:
    """(names, kinds, columns): each column 'text' or 'number', the same number of rows in each."""
    found = draw(header(max_columns))
    rows = draw(st.integers(1, max_rows))
    kinds = [draw(st.sampled_from(["text", "number"])) for _ in found]
    columns = [draw(st.lists(text_values() if k == "text" else number_values(), min_size=rows, max_size=rows))
               for k in kinds]  # fmt: skip
    return found, kinds, columns


def fixed_in_ci(test):
    """In CI (CI=true) every property test draws from a fixed seed: the same examples every run, after the
    ones the committed example database holds (a seed, unlike derandomize, keeps the database)."""
    return seed(20251207)(test) if os.environ.get("CI") == "true" else test
