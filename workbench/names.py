"""Table and column names: derived from what the user loaded, always safe to use.

Table names are ASCII snake_case, unique in the workspace and never a reserved
SQL keyword, so a user can type them in the SQL panel without quotes. Column
names keep the text of the source; only blanks and duplicates are renamed, with
the same scheme DuckDB's CSV reader uses (``column3``, ``name_1``) so that every
format names columns alike.
"""

from __future__ import annotations

import math
import re
import string
import unicodedata
from collections.abc import Iterable

MAX_TABLE_NAME = 63

# DuckDB keywords that cannot name a table unquoted: the 'reserved' ones and the
# 'type_function' ones (left, join, like...), as listed by ``SELECT keyword_name
# FROM duckdb_keywords() WHERE keyword_category IN ('reserved', 'type_function')``,
# frozen here so naming needs no connection.
RESERVED = frozenset(
    [
        "all", "analyse", "analyze", "and", "anti", "any", "array", "as", "asc", "asof", "asymmetric", "at",
        "authorization", "binary", "both", "by", "case", "cast", "check", "collate", "collation", "column", "columns",
        "concurrently", "constraint", "create", "cross", "default", "deferrable", "desc", "describe", "distinct", "do",
        "else", "end", "except", "false", "fetch", "for", "foreign", "freeze", "from", "full", "generated", "glob",
        "group", "having", "ilike", "in", "initially", "inner", "intersect", "into", "is", "isnull", "join", "lambda",
        "lateral", "leading", "left", "like", "limit", "map", "natural", "not", "notnull", "null", "offset", "on",
        "only", "or", "order", "outer", "overlaps", "pivot", "pivot_longer", "pivot_wider", "placing", "positional",
        "primary", "qualify", "references", "returning", "right", "select", "semi", "show", "similar", "some", "struct",
        "summarize", "symmetric", "table", "tablesample", "then", "to", "trailing", "true", "try_cast", "tuple",
        "union", "unique", "unpack", "unpivot", "using", "variadic", "verbose", "when", "where", "window", "with"
    ]
)

# Letters NFKD does not reduce to ASCII.
_SPELLED_OUT = str.maketrans({"ß": "ss", "æ": "ae", "Æ": "Ae", "œ": "oe", "Œ": "Oe", "ø": "o", "Ø": "O",
                              "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "þ": "th", "Þ": "Th", "ð": "d", "Ð": "D"})


def quote(identifier: str) -> str:
    """Quote an identifier for DuckDB SQL (doubling embedded quotes)."""
    return '"' + identifier.replace('"', '""') + '"'


def table_name_from(text: str) -> str:
    """Turn any text (a file name, a sheet name) into a safe table name."""
    ascii_text = unicodedata.normalize("NFKD", text.translate(_SPELLED_OUT)).encode("ascii", "ignore").decode()
    # split camelCase so "SalesData" -> "sales_data" and "HTTPServerLog" -> "http_server_log"
    ascii_text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z]{2})", "_", ascii_text)
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
    """Keep each header's text; name blanks and number repeats exactly as DuckDB's CSV reader does.

    Blanks become ``column{i}``, zero-padded to the width of the last index
    (``column07`` among 12 columns). A repeat of a name already used (compared
    with ASCII case folding, as DuckDB does) gets ``_{k}``, where k counts how
    often that name has collided, until the result is free (``a``, ``a_1``,
    then ``a_1_1`` if a source column was itself called ``a_1``).
    """
    headers = list(names)
    width = len(str(max(len(headers) - 1, 0)))
    collisions: dict[str, int] = {}
    result: list[str] = []
    for i, raw in enumerate(headers):
        name = "" if _missing(raw) else str(raw).strip()
        name = name or f"column{i:0{width}d}"
        while (key := name.translate(_ASCII_LOWER)) in collisions:
            collisions[key] += 1
            name = f"{name}_{collisions[key]}"
        collisions[key] = 0
        result.append(name)
    return result


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def _missing(value: object) -> bool:
    """None or a float NaN (an empty cell read by pandas); the text "nan" is a real name."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def literal(value: object) -> str:
    """A SQL literal for `value`, for SQL that is *shown or exported*, never executed with data."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(literal(v) for v in value) + "]"
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
