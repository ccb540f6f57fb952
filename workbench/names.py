"""Table and column names: derived from what the user loaded, always safe to use.

Table names are ASCII snake_case, unique in the workspace and never a reserved
SQL keyword, so a user can type them in the SQL panel without quotes. Column
names keep the text of the source; only blanks and duplicates are renamed, with
the same scheme DuckDB's CSV reader uses (``column3``, ``name_1``) so that every
format names columns alike.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MAX_TABLE_NAME = 63

# DuckDB's reserved keywords (``SELECT keyword_name FROM duckdb_keywords()
# WHERE keyword_category = 'reserved'``), frozen here so naming needs no connection.
RESERVED = frozenset(
    """all analyse analyze and any array as asc asymmetric both case cast check
    collate column constraint create default deferrable desc describe distinct do
    else end except false fetch for foreign from group having in initially
    intersect into lambda lateral leading limit not null offset on only or order pivot pivot_longer
    pivot_wider placing primary qualify references returning select show some
    summarize symmetric table then to trailing true union unique unpivot using
    variadic when where window with""".split()
)


def quote(identifier: str) -> str:
    """Quote an identifier for DuckDB SQL (doubling embedded quotes)."""
    return '"' + identifier.replace('"', '""') + '"'


def table_name_from(text: str) -> str:
    """Turn any text (a file name, a sheet name) into a safe table name."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    # split camelCase so "SalesData" -> "sales_data"
    ascii_text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", ascii_text)
    name = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")
    if not name:
        name = "table"
    if name[0].isdigit():
        name = "t_" + name
    name = name[:MAX_TABLE_NAME].rstrip("_")
    if name in RESERVED:
        name += "_data"
    return name


def unique_name(base: str, taken: Iterable[str]) -> str:
    """`base`, or `base_2`, `base_3`... whichever is free (case-insensitively)."""
    used = {t.lower() for t in taken}
    if base.lower() not in used:
        return base
    n = 2
    while True:
        suffix = f"_{n}"
        candidate = base[: MAX_TABLE_NAME - len(suffix)] + suffix
        if candidate.lower() not in used:
            return candidate
        n += 1


def disambiguate_columns(names: Iterable[object]) -> list[str]:
    """Keep each header's text; name blanks ``column{i}`` and number repeats ``name_{k}``."""
    result: list[str] = []
    seen: set[str] = set()
    for i, raw in enumerate(names):
        text = "" if raw is None else str(raw).strip()
        name = text if text and text.lower() != "nan" else f"column{i}"
        candidate, k = name, 1
        while candidate.lower() in seen:
            candidate = f"{name}_{k}"
            k += 1
        seen.add(candidate.lower())
        result.append(candidate)
    return result


def literal(value: object) -> str:
    """A SQL literal for `value`, for SQL that is *shown or exported*, never executed with data."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(str(k))}: {literal(v)}" for k, v in value.items()) + "}"
    return "'" + str(value).replace("'", "''") + "'"


def render(sql: str, params: Iterable[object]) -> str:
    """`sql` with its `?` placeholders replaced by literals: the runnable form kept in lineage."""
    parts = sql.split("?")
    values = list(params)
    if len(parts) != len(values) + 1:
        raise ValueError("placeholder count does not match the parameters")
    out = [parts[0]]
    for value, rest in zip(values, parts[1:]):
        out += [literal(value), rest]
    return "".join(out)
