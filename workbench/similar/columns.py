"""Which columns two rows are compared on, and why each other one is left out.

By default the columns clustering would use (the Model page's decision, `workbench.model.features`: identifiers,
free text, constant and mostly-missing columns are left out with their reason), numbers and categories only.
Columns the user names are compared as asked, whatever the suggestion says, when their type can be compared.
"""

from __future__ import annotations

import duckdb

from workbench.errors import WorkbenchError
from workbench.model.features import suggest_on
from workbench.model.task import Task
from workbench.names import quote
from workbench.profile.stats import family

ID_COLUMN = "the id column: it names the rows, it does not describe them"
EXCLUDED = "left out by you"
DATE = "a date: not compared (turn it into numbers, e.g. its year, in Clean to compare rows on it)"
COMPARABLE = ("numeric", "boolean", "text")


def _split(text: str | list[str] | tuple[str, ...] | None) -> list[str] | None:
    if text is None:
        return None
    items = text.split(",") if isinstance(text, str) else list(text)
    return [c.strip() for c in items if c and c.strip()]


def weights(text: str | list[str] | tuple[str, ...]) -> dict[str, float]:
    """`"proline=0.5, hue=2"` (or the parts as a list, as the command's repeated --weight gives them) as
    {column: weight}; a WorkbenchError naming the part that is not COLUMN=NUMBER."""
    found = {}
    for part in _split(text) or []:
        name, sep, value = part.rpartition("=")
        try:
            found[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep or not name.strip():
            raise WorkbenchError(f"A weight is written COLUMN=NUMBER, e.g. alcohol=2: {part!r} is not.")
    return found


def choose(con: duckdb.DuckDBPyConnection, table: str, types: dict[str, str], *, id_column: str | None,
           columns=None, exclude=()) -> tuple[list[str], dict[str, str]]:  # fmt: skip
    """(columns compared in table order, {column left out: why})."""
    chosen, excluded = _split(columns), _split(exclude) or []
    if chosen and excluded:
        raise WorkbenchError("Give either the columns to compare or the columns to leave out, not both.")
    for c in [*(chosen or []), *excluded]:
        if c not in types:
            raise WorkbenchError(f"{table} has no column {c!r}; its columns are: {', '.join(types)}.")
    left_out: dict[str, str] = {}
    if chosen:
        for c in chosen:
            if family(types[c]) not in COMPARABLE:
                raise WorkbenchError(f"{c!r} cannot be compared: its type {types[c]} is neither a number nor a "
                                     "category.")  # fmt: skip
        used = [c for c in types if c in chosen]
        left_out = {c: "not chosen" for c in types if c not in chosen}
    else:
        (rows,) = con.execute(f"SELECT count(*) FROM {quote(table)}").fetchone()
        found = suggest_on(con, table, Task("clustering", None, "clustering", rows), check_leaks=False)
        left_out = dict(found.excluded)
        for c in found.columns.dates:
            left_out[c] = DATE
        for c in found.columns.high_cardinality:
            left_out[c] = "too many categories to compare"
        kept = set(found.columns.numeric) | set(found.columns.categorical)
        used = [c for c in types if c in kept and c not in excluded]
        for c in excluded:
            left_out[c] = EXCLUDED
    if id_column is not None:
        if id_column in used and chosen:
            raise WorkbenchError(f"{id_column!r} is the id column: it names the rows, so it cannot also be "
                                 "compared.")  # fmt: skip
        if id_column in used:
            used.remove(id_column)
        left_out[id_column] = ID_COLUMN
    if not used:
        reasons = "; ".join(f"{c}: {why}" for c, why in left_out.items())
        raise WorkbenchError(f"No column of {table} can be compared ({reasons}).")
    return used, {c: left_out[c] for c in types if c in left_out}
