"""A user's condition, checked to be one expression over a table's columns before it runs.

DuckDB's own parser reads `SELECT (<condition>) FROM t`; the tree must be that
one SELECT with one item, no other clause, and no subquery anywhere in the
item. Text that closes the parenthesis, adds a clause or a statement, or
hides a query inside fails the check, so a filter can never read other tables
or reach a connection that can write with anything but a row predicate.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import duckdb

from workbench.errors import WorkbenchError

_PROBE = "__wb_probe_table"
_EMPTY = {"where_clause": None, "having": None, "qualify": None, "sample": None, "group_expressions": []}


def check_condition(con: duckdb.DuckDBPyConnection, condition: str) -> str:
    """The condition, unchanged, if it is one expression; else a WorkbenchError saying why."""
    text = condition.strip()
    if not text:
        raise WorkbenchError("The condition is empty: write one, e.g. price > 0 AND city IS NOT NULL.")
    (tree,) = con.execute("SELECT json_serialize_sql(?)", [f"SELECT ({text}) FROM {_PROBE}"]).fetchone()
    parsed = json.loads(tree)
    if parsed.get("error"):
        raise WorkbenchError(f"The condition is not valid SQL: {parsed.get('error_message')}.")
    statements = parsed["statements"]
    node = statements[0]["node"] if len(statements) == 1 else {}
    if (node.get("type") != "SELECT_NODE" or len(node.get("select_list", [])) != 1 or node.get("modifiers")
            or node.get("cte_map", {}).get("map") or (node.get("from_table") or {}).get("table_name") != _PROBE
            or any(node.get(k) not in (None, [], {}) for k in _EMPTY)):  # fmt: skip
        raise WorkbenchError("The condition must be a single expression over the table's columns "
                             "(no second statement, clause or query).")
    if _has(node["select_list"][0], lambda n: n.get("class") == "SUBQUERY" or "subquery" in n):
        raise WorkbenchError("The condition may not contain a query (SELECT ...): use the table's columns only.")
    if _has(node["select_list"][0], lambda n: n.get("class") == "PARAMETER"):
        raise WorkbenchError("The condition may not contain a parameter (?, $1 or $name): write the value itself, "
                             "e.g. note <> 'what?'.")
    return text


def _has(tree: Any, found: Callable[[dict], bool]) -> bool:
    """Whether a node of the parsed tree satisfies `found`."""
    if isinstance(tree, dict):
        return found(tree) or any(_has(v, found) for v in tree.values())
    if isinstance(tree, list):
        return any(_has(v, found) for v in tree)
    return False
