"""What a column holds, beyond its storage type: the semantic type drives charts and findings.

numeric, categorical, text (free text), datetime, boolean, identifier, or
empty. A text column counts as numeric, datetime or boolean when nearly all its
present values parse as such (they are then "stored as text" findings).
"""

from __future__ import annotations

from workbench.profile.result import ColumnProfile
from workbench.profile.stats import is_integer

TYPE_SHARE = 0.9  # share of present values that must parse for a text column to count as that type
# yes/no text: every present value (missing-value tokens aside) must be in the vocabulary. A third value
# (Y/N/P, a paved / not paved / partial drive) makes a category, and a conversion would turn it into NULL.
BOOLEAN_SHARE = 1.0
MIN_IDENTIFIER_ROWS = 20


def present_values(col: ColumnProfile) -> int:
    """Text values that are neither NULL nor a missing-value token (in the value counts seen)."""
    return col.stats.get("values_seen", 0) - col.stats.get("missing_tokens", 0)


def shares(col: ColumnProfile) -> dict[str, float]:
    present = present_values(col)
    if present <= 0:
        return {"numbers": 0.0, "dates": 0.0, "booleans": 0.0}
    return {k: col.stats.get(k, 0) / present for k in ("numbers", "dates", "booleans")}


def identifier(*, integer: bool, text: bool, distinct: int | None, present: int, approximate: bool = False,
               spaces: float | None = None) -> bool:  # fmt: skip
    """Whether a column labels rows rather than measuring anything: integers, or text of single tokens (`spaces`:
    the mean number of spaces in a value, under 1), with nearly every present value distinct (99%, or 95% of a
    HyperLogLog estimate, which is within a few percent) in at least MIN_IDENTIFIER_ROWS rows. The one decision
    Explore (an identifier finding) and Model (a column left out of the features) both take."""
    if not (integer or text) or distinct is None or present < MIN_IDENTIFIER_ROWS:
        return False
    if distinct < (0.95 if approximate else 0.99) * present:
        return False
    return integer or (spaces or 0) < 1


def _identifier(col: ColumnProfile, *, text: bool) -> bool:
    return identifier(integer=not text and is_integer(col), text=text, distinct=col.stats.get("distinct"),
                      present=col.stats["count"], approximate="distinct" in col.approximate,
                      spaces=col.stats.get("mean_spaces", 0))  # fmt: skip


def is_free_text(col: ColumnProfile) -> bool:
    st = col.stats
    many = st.get("distinct", 0) > 50 and st.get("distinct", 0) >= 0.2 * max(present_values(col), 1)
    wordy = st.get("mean_spaces", 0) >= 2 or st.get("mean_length", 0) >= 40
    return many and wordy


def infer(col: ColumnProfile) -> str:
    st = col.stats
    if not st.get("count"):
        return "empty"
    if col.family == "boolean":
        return "boolean"
    if col.family == "temporal":
        return "datetime"
    if col.family == "numeric":
        values = {v for v, _ in st.get("top_values", [])}
        if st.get("distinct") == 2 and values <= {0.0, 1.0}:
            return "boolean"
        if _identifier(col, text=False):
            return "identifier"
        return "numeric"
    if col.family == "text":
        if present_values(col) <= 0:
            return "empty"
        share = shares(col)
        if share["booleans"] >= BOOLEAN_SHARE:
            return "boolean"
        if share["numbers"] >= TYPE_SHARE:
            return "numeric"
        if share["dates"] >= TYPE_SHARE:
            return "datetime"
        if is_free_text(col):
            return "text"
        if _identifier(col, text=True):
            return "identifier"
        return "categorical"
    return "other"
