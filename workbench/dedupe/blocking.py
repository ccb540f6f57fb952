"""Blocking: which pairs of records are compared at all.

Comparing every record with every other grows with n²; blocking compares only
records that agree exactly on the keys of at least one rule. Several rules on
different columns keep nearly every true pair (a typo in the surname is rescued
by the rule on the date of birth) while bounding the comparisons.

A rule is written ``surname & given_name:3``: records agree on the whole
normalised surname and on the first three characters of the given name. Rules
are parsed, never pasted into SQL: column names are checked and quoted, prefix
lengths bound as parameters.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import duckdb

from workbench.dedupe.normalise import Column
from workbench.errors import WorkbenchError

_KEY = re.compile(r"^\s*(?P<column>.+?)\s*(?::\s*(?P<prefix>\d+)\s*)?$")


@dataclass(frozen=True)
class Key:
    column: str
    prefix: int | None = None

    def text(self) -> str:
        return f"{self.column}:{self.prefix}" if self.prefix else self.column


@dataclass(frozen=True)
class Rule:
    keys: tuple[Key, ...]

    def text(self) -> str:
        return " & ".join(k.text() for k in self.keys)


def parse_rule(text: str, columns: list[Column]) -> Rule:
    """Parse ``a & b:3``; every column must be one of the compared columns."""
    names = {c.name.lower(): c for c in columns}
    keys = []
    for part in text.split("&"):
        found = _KEY.match(part)
        if not found or not found.group("column").strip():
            raise WorkbenchError(f"Cannot read the blocking rule {text!r}: write keys like 'surname & given_name:3'.")
        column = names.get(found.group("column").lower())
        if column is None:
            raise WorkbenchError(
                f"The blocking rule {text!r} names {found.group('column')!r}, which is not one of the compared "
                f"columns ({', '.join(c.name for c in columns)})."
            )
        prefix = int(found.group("prefix")) if found.group("prefix") else None
        if prefix is not None and (prefix < 1 or column.kind != "string"):
            raise WorkbenchError(f"In {text!r}: a prefix length (':n', n >= 1) applies only to text columns.")
        keys.append(Key(column.name, prefix))
    return Rule(tuple(keys))


def key_sql(key: Key, alias: str, position: dict[str, int], params: list) -> str:
    """The key's value in work table `alias` (columns there are named c0, c1, ...)."""
    ref = f"{alias}.c{position[key.column]}"
    if key.prefix is None:
        return ref
    params.append(key.prefix)
    return f"left({ref}, ?)"


def agree_sql(rule: Rule, position: dict[str, int], params: list) -> str:
    """Both records agree on every key of `rule` (NULL keys never agree)."""
    return " AND ".join(
        f"{key_sql(k, 'l', position, params)} = {key_sql(k, 'r', position, params)}" for k in rule.keys
    )


def group_cost(con: duckdb.DuckDBPyConnection, records: str, rule: Rule, position: dict[str, int],
               link: bool) -> int:
    """Comparisons the rule alone generates (pairs within each group of equal keys)."""
    params: list = []
    keys = [key_sql(k, "l", position, params) for k in rule.keys]
    not_null = " AND ".join(f"{k} IS NOT NULL" for k in keys)
    if link:
        per_group = "count(*) FILTER (WHERE l._src = 0) * count(*) FILTER (WHERE l._src = 1)"
    else:
        per_group = "count(*) * (count(*) - 1) // 2"
    sql = (f"SELECT coalesce(sum(n), 0) FROM (SELECT {per_group} AS n FROM {records} l "
           f"WHERE {not_null} GROUP BY {', '.join(keys)}) g")  # fmt: skip
    return int(con.execute(sql, params + params).fetchone()[0])  # the keys appear twice


def suggest_rules(con: duckdb.DuckDBPyConnection, records: str, columns: list[Column], n_records: int,
                  link: bool = False, max_rules: int = 6) -> list[Rule]:
    """Rules from the data: cheap ones on different columns, so one bad value cannot hide a pair.

    A rule is affordable when it generates at most 4 comparisons per record.
    Single columns come first (cheapest first), then pairs of columns that are
    too common alone (state & postcode), until every column is used once or
    `max_rules` are chosen.
    """
    position = {c.name: i for i, c in enumerate(columns)}
    budget = max(4 * n_records, 2_000)
    candidates: list[tuple[int, Rule]] = []
    for c in columns:
        candidates.append((group_cost(con, records, Rule((Key(c.name),)), position, link), Rule((Key(c.name),))))
    singles = sorted((cost, rule) for cost, rule in candidates if 0 < cost <= budget)
    chosen: list[Rule] = []
    used: set[str] = set()
    for _cost, rule in singles:
        if len(chosen) < max_rules:
            chosen.append(rule)
            used.add(rule.keys[0].column)
    rest = [c for c in columns if c.name not in used]
    pairs = []
    for a, b in itertools.combinations(rest, 2):
        rule = Rule((Key(a.name), Key(b.name)))
        cost = group_cost(con, records, rule, position, link)
        if 0 < cost <= budget:
            pairs.append((cost, rule))
    for _cost, rule in sorted(pairs, key=lambda cr: (cr[0], cr[1].text())):
        names = {k.column for k in rule.keys}
        if len(chosen) < max_rules and not names & used:
            chosen.append(rule)
            used |= names
    if not chosen:
        raise WorkbenchError(
            "No blocking rule keeps the comparisons affordable on these columns: "
            "add a more specific column (a name, a date, a postcode) or write rules yourself."
        )
    return chosen
