"""Named parameters: `$name` in a query becomes an input field; values are bound, never formatted.

Values arrive as text (from an input field or `--param name=value`) and are
bound as such: DuckDB casts a bound value to the type its place in the query
needs (`body_mass_g > $min` with "4000" compares numbers).
"""

from __future__ import annotations

import re

import duckdb

from workbench.errors import WorkbenchError

_DOLLAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def names(sql: str) -> list[str]:
    """The query's named parameters in order of first use; [] when it does not parse."""
    try:
        statements = duckdb.connect().extract_statements(sql)
    except duckdb.Error:
        return []
    declared = set().union(*(s.named_parameters for s in statements)) if statements else set()
    ordered = dict.fromkeys(m.group(1) for m in _DOLLAR.finditer(sql) if m.group(1) in declared)
    return list(ordered) + sorted(declared - ordered.keys())


def from_assignments(pairs: tuple[str, ...] | list[str]) -> dict[str, str]:
    """`["name=value", ...]` (the command's --param) as a dict."""
    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip().lstrip("$")
        if not sep or not _DOLLAR.fullmatch("$" + name):
            raise WorkbenchError(f"--param takes name=value (e.g. --param min_mass=4000), not {pair!r}.")
        values[name] = value
    return values


def bind(sql: str, values: dict[str, str]) -> dict[str, str]:
    """The values the query needs, or a message naming the missing ones."""
    needed = names(sql)
    missing = [n for n in needed if n not in values]
    if missing:
        raise WorkbenchError(f"Give a value for the parameter(s): {', '.join('$' + m for m in missing)}.")
    return {n: values[n] for n in needed}
