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


def _unique(col: ColumnProfile) -> bool:
    """Nearly every value distinct (HyperLogLog estimates are within a few percent)."""
    distinct, count = col.stats.get("distinct"), col.stats["count"]
    share = 0.95 if "distinct" in col.approximate else 0.99
    return distinct is not None and count >= MIN_IDENTIFIER_ROWS and distinct >= share * count


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
        if is_integer(col) and _unique(col):
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
        if _unique(col) and st.get("mean_spaces", 0) < 1:
            return "identifier"
        return "categorical"
    return "other"
