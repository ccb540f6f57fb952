"""From an Explore finding to the cleaning step that fixes it, with its parameters filled in."""

from __future__ import annotations

from typing import Any

from workbench.profile.result import Finding


def fix_for(finding: Finding, family: str | None = None) -> tuple[str, dict[str, Any]] | None:
    """(operation, parameters) that fix `finding`, or None when it calls for judgement, not a step.

    `family` is the column's family in the profile (numeric, text...): it picks how to fill missing values.
    """
    c = finding.column
    kind = finding.kind
    simple = {"numbers_as_text": "to_number", "dates_as_text": "to_date", "booleans_as_text": "to_boolean",
              "whitespace": "trim", "inconsistent_category": "cluster_spellings",
              "disguised_missing": "null_values"}  # fmt: skip
    if kind in simple:
        return simple[kind], {"column": c}
    if kind == "sentinel":
        return "null_values", {"column": c, "values": [str(v) for v, _ in finding.examples]}
    if kind == "outlier":
        return "outliers", {"column": c, "method": "iqr", "k": 3.0, "action": "cap"}
    if kind == "duplicate_rows":
        return "drop_duplicates", {}
    if kind == "missing":
        return "fill_missing", {"columns": [c], "strategy": "median" if family == "numeric" else "mode"}
    if kind == "constant":
        return "drop_columns", {"columns": [c]}
    if kind == "mixed_types":
        return ("to_date" if finding.detail.get("type") == "dates" else "to_number"), {"column": c}
    return None

