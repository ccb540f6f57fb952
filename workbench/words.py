"""Small helpers for sentences shown to people."""

from __future__ import annotations

import math


def plural(count: int, noun: str, many: str | None = None) -> str:
    """`count` with its noun agreeing: "1 table", "3 tables", "0 steps" (`many` for irregular plurals)."""
    return f"{count:,} {noun if count == 1 else many or noun + 's'}"


def number(value: float, *, like: float | None = None, figures: int = 3) -> str:
    """`value` with `figures` significant figures (never fewer digits than its integer part) and thousands
    separators: 14643.323 -> "14,643", 12.345 -> "12.3"; below 1, `figures` decimals: 0.91234 -> "0.912".
    With `like`, as many decimals as `like` would get, so a mean and its spread line up ("14,643 ± 874")."""
    if value != value:
        return ""
    scale = abs(like if like is not None else value)
    decimals = max(0, figures - 1 - math.floor(math.log10(scale))) if scale >= 1 else figures  # 0.xyz below 1
    return f"{value:,.{decimals}f}"


def score(mean: float, std: float | None = None) -> str:
    """A cross-validated score as "mean ± spread", both to the mean's precision: "0.912 ± 0.013", "14,643 ± 874"."""
    if mean != mean:
        return ""
    shown = number(mean)
    return shown if std is None or std != std else f"{shown} ± {number(std, like=mean)}"


def were(count: int) -> str:
    """The verb agreeing with `count` things: "1 line was", "2 lines were"."""
    return "was" if count == 1 else "were"


# One-line explanations of the terms the pages use, each declared once and shown where the term appears.
TERMS = {
    "lineage": "What a table was made from and how (its parent tables, the step or query, its parameters), "
               "kept in the workspace so every table can be traced back to the data that was loaded.",
    "sandbox": "The query can read the workspace's tables and nothing else: no files on the computer, no other "
               "databases (ATTACH), no DuckDB extensions.",
    "parents": "The tables this one was made from.",
    "rejected": "Lines of the source file that could not be read (a wrong number of fields, say); they were set "
                "aside, not imported, and are listed under the table's Rejected lines.",
    "fuzzy join": "Pairs each record of one table with the records of the other that describe the same entity, "
                  "even when the values are spelled differently, instead of requiring equal keys.",
    "cluster": "A group of records joined by pairs at or above the threshold: taken to be one entity, and merged "
               "into one row.",
    "level": "How far the two values agree, from the strictest test that holds (exact, nearly the same, …) down "
             "to 'different'; 'missing' counts as no evidence either way.",
    "similarity": "How alike the two values are, measured as the next column says: Jaro-Winkler similarity for "
                  "text (1 = identical), relative difference for numbers and days apart for dates (0 = identical).",
    "contribution": "The evidence this column's level adds, in log₂ of its Bayes factor (m / u): +1 doubles the "
                    "odds that the two records are one entity, -1 halves them.",
    "prior": "The log₂ odds that two compared records are one entity before any column is looked at, from the "
             "share of matches the model estimates among the compared pairs.",
}  # fmt: skip
