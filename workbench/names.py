"""Table and column names: derived from what the user loaded, always safe to use.

Table names are ASCII snake_case, unique in the workspace and never a reserved
SQL keyword, so a user can type them in the SQL panel without quotes. Column
names keep the text of the source; only blanks, repeats and ``rowid`` are renamed,
with the scheme DuckDB's CSV reader uses for most (``column3``, ``name_1``). Every
format (and a DataFrame added from Python) names columns alike: the import renames
what DuckDB's readers name otherwise (a blank Parquet name ``C0``, a name of only
Unicode spaces), `table_columns` deciding.
"""

from __future__ import annotations

import datetime
import decimal
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


# DuckDB's row-number pseudo-column: a real column of that name (any case) hides it, and cleaning orders
# and joins rows by it, so no table the workbench makes may have one.
ROW_NUMBER = "rowid"


def hides_row_number(column: str) -> bool:
    return column.lower() == ROW_NUMBER


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


def free_prefix(names: Iterable[str]) -> str:
    """`__wb_`, or `__wb__`, `__wb___`...: a prefix that none of `names` starts with (compared case-insensitively,
    as DuckDB compares names), for the columns a query or a rename adds beside the user's."""
    taken = [n.lower() for n in names]
    prefix = "__wb_"
    while any(n.startswith(prefix) for n in taken):
        prefix += "_"
    return prefix


def table_columns(names: Iterable[object]) -> list[str]:
    """The columns a table gets from a source's header, whatever its format (CSV, Parquet, JSON, Excel, a
    DataFrame): `disambiguate_columns`, then a name that would hide DuckDB's row numbers (``rowid``, any case)
    renamed ``rowid_1`` (or the next free name)."""
    result = disambiguate_columns(names)
    for i, name in enumerate(result):
        if hides_row_number(name):
            result[i] = unique_name(f"{name}_1", result)
    return result


def _missing(value: object) -> bool:
    """None or a float NaN (an empty cell read by pandas); the text "nan" is a real name."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def literal(value: object) -> str:
    """A SQL literal for `value` of the type DuckDB gives the value bound as a parameter.

    For SQL that is *shown or exported* (lineage, recipe scripts), never executed with data: a float is
    a DOUBLE (a bare ``2.5`` would be a DECIMAL, and NaN or infinity no literal at all), a date a DATE.
    """
    if hasattr(value, "item") and type(value).__module__ == "numpy":
        value = value.item()  # a numpy scalar, as the Python value DuckDB binds it as
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, float):
        return f"{_string(repr(value))}::DOUBLE" if not math.isfinite(value) else f"{value!r}::DOUBLE"
    if isinstance(value, decimal.Decimal):
        return str(value) if value.is_finite() else f"{_string(str(value))}::DOUBLE"
    if isinstance(value, datetime.datetime):
        kind = "TIMESTAMPTZ" if value.tzinfo else "TIMESTAMP"
        return f"{kind} {_string(value.isoformat(sep=' '))}"
    if isinstance(value, datetime.date):
        return f"DATE {_string(value.isoformat())}"
    if isinstance(value, datetime.time):
        return f"TIME {_string(value.isoformat())}"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _string("".join(f"\\x{b:02X}" for b in bytes(value))) + "::BLOB"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_string(str(k))}: {literal(v)}" for k, v in value.items()) + "}"
    return _string(str(value))


def _string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def render(sql: str, params: Iterable[object]) -> str:
    """`sql` with its `?` placeholders replaced by literals: the runnable form kept in lineage and exports.

    Only a `?` that DuckDB reads as a placeholder is replaced: not one inside a quoted name (a column
    called ``Survived?``), a string (``note <> 'what?'``), a comment or a dollar-quoted string.
    """
    values = list(params)
    at = placeholders(sql)
    if len(at) != len(values):
        raise ValueError(f"the SQL has {len(at)} placeholders for {len(values)} parameters")
    out, done = [], 0
    for position, value in zip(at, values):
        out += [sql[done:position], literal(value)]
        done = position + 1
    out.append(sql[done:])
    return "".join(out)


# The opening (and closing) tag of a dollar-quoted string: $$ or $tag$.
_DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_\x80-\U0010ffff][A-Za-z0-9_\x80-\U0010ffff]*)?\$")


def _name_char(ch: str) -> bool:
    return ch.isalnum() or ch in "_$" or ord(ch) >= 0x80


def placeholders(sql: str) -> list[int]:
    """The positions of the anonymous `?` placeholders in `sql`, as DuckDB's parser finds them.

    A numbered placeholder (``?1``, ``$1``) is refused: the workbench binds its values in order.
    """
    found = []
    for start, end in code_spans(sql):
        for match in _PLACEHOLDER.finditer(sql, start, end):
            if match.group(1) or (match.group(2) and not (match.start() and _name_char(sql[match.start() - 1]))):
                raise ValueError("numbered placeholders (?1, $1) are not rendered: bind values with ? in order")
            if match.group() == "?":
                found.append(match.start())
    return found


_PLACEHOLDER = re.compile(r"\?(\d)?|\$(\d)")


def outside_quotes(pattern: re.Pattern[str], replace: str, sql: str) -> str:
    """`pattern.sub(replace, ...)` on the SQL only, not on what is quoted or commented."""
    out, done = [], 0
    for start, end in code_spans(sql):
        out += [sql[done:start], pattern.sub(replace, sql[start:end])]
        done = end
    return "".join(out) + sql[done:]


def code_spans(sql: str) -> list[tuple[int, int]]:
    """The (start, end) stretches of `sql` that DuckDB's parser reads as SQL, outside anything quoted.

    Skipped, as PostgreSQL's scanner (DuckDB's) reads them: '...' strings ('' inside; backslash escapes
    too in E'...'), "..." identifiers ("" inside), -- comments to the end of the line, /* */ comments
    (nested), and $tag$...$tag$ strings.
    """
    spans: list[tuple[int, int]] = []
    i, n, code = 0, len(sql), 0
    while i < n:
        # Jump to the next character that may open something: a name between stops nothing (a `$` inside a name,
        # after a name character, opens no dollar-quote), and scanning it a character at a time took 2 s on a
        # 5,000-column import's SQL.
        if not (found := _OPENER.search(sql, i)):
            break
        i = found.start()
        ch = sql[i]
        prev = sql[i - 1] if i else ""
        skip_to = None
        if ch == "'":
            escapes = prev in ("e", "E") and not (i >= 2 and _name_char(sql[i - 2]))
            skip_to = _end_of_quoted(sql, i, "'", escapes)
        elif ch == '"':
            skip_to = _end_of_quoted(sql, i, '"', False)
        elif sql.startswith("--", i):
            newline = _NEWLINE.search(sql, i)
            skip_to = newline.end() if newline else n
        elif sql.startswith("/*", i):
            skip_to = _end_of_comment(sql, i)
        elif ch == "$" and not (prev and _name_char(prev)) and (tag := _DOLLAR_TAG.match(sql, i)):
            close = sql.find(tag.group(), tag.end())
            skip_to = n if close < 0 else close + len(tag.group())
        if skip_to is None:
            i += 1
            continue
        if i > code:
            spans.append((code, i))
        i = code = skip_to
    if code < n:
        spans.append((code, n))
    return spans


_NEWLINE = re.compile(r"[\n\r]")
_OPENER = re.compile(r"['\"$]|--|/\*")  # what may open a string, a quoted name, a comment or a dollar-quote


def _end_of_quoted(sql: str, start: int, quote_char: str, escapes: bool) -> int:
    """The position after the quote that closes the string or name opened at `start` (the end if none)."""
    i, n = start + 1, len(sql)
    while not escapes and (i := sql.find(quote_char, i)) >= 0:
        if sql[i + 1 : i + 2] != quote_char:
            return i + 1
        i += 2
    if not escapes:
        return n
    while i < n:
        ch = sql[i]
        if escapes and ch == "\\":
            i += 2
        elif ch == quote_char:
            if sql[i + 1 : i + 2] != quote_char:
                return i + 1
            i += 2
        else:
            i += 1
    return n


def _end_of_comment(sql: str, start: int) -> int:
    """The position after the */ that closes the comment opened at `start`; comments nest."""
    depth, i, n = 0, start, len(sql)
    while i < n:
        if sql.startswith("/*", i):
            depth, i = depth + 1, i + 2
        elif sql.startswith("*/", i):
            depth, i = depth - 1, i + 2
            if depth == 0:
                return i
        else:
            i += 1
    return n
