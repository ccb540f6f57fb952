"""The shape of a cleaning step, after scikit-learn's transformers.

A step is made with its parameters (checked then, against `PARAMS`), `fit`
learns its state from one table (a mean, fences, a category mapping, a fitted
estimator) and the state then decides what the step does to any table:
`select` gives the SQL that makes the new table from the old. Replaying a
recipe on new data applies the same fitted state, never refits, and `gaps`
declares the checks that report what the new data holds that the fit never saw.

Steps that need Python to transform rows (the scikit-learn ones, see
`learned.py`) compute some result columns for every row into a work table,
and `select` then reads them from it (`w`), joined on the row number.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import duckdb

from workbench.errors import WorkbenchError
from workbench.names import hides_row_number, quote
from workbench.profile.stats import family

WORK_ROW = "__wb_row"  # the row number column of a Python step's work table


def work_column(i: int) -> str:
    """The i-th computed column of a Python step's work table. Named by position, never after a column of the
    user's table, so whatever the table's columns are called (`__wb_row` too) none collides with the work
    table's: `select` reads them qualified (`w.` the work table, `t.` the source)."""
    return f"__wb_out{i}"

EXAMPLES = 10  # offending values a gap report (or a fitted conversion) keeps, commonest first


@dataclass(frozen=True)
class Param:
    """One parameter of an operation: what `workbench clean operations` and the page show."""

    name: str
    kind: str  # column | columns | text | number | integer | choice | bool | list | mapping
    help: str
    default: Any = None
    choices: tuple = ()
    required: bool = False

    def check(self, value: Any, operation: str) -> Any:
        """The value converted to this parameter's kind, or a WorkbenchError that names it."""
        if value is None:
            if self.required:
                raise WorkbenchError(f"{operation} needs the parameter {self.name!r}: {self.help}")
            return self.default
        try:
            return self._convert(value)
        except (TypeError, ValueError) as exc:
            raise WorkbenchError(f"{operation}: {self.name}={value!r} is not valid: {exc}") from None

    def _convert(self, value: Any) -> Any:
        kind = self.kind
        if kind == "text" and isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)  # `--param value=0` arrives as JSON, a number
        if kind in ("column", "text"):
            if not isinstance(value, str) or (kind == "column" and not value):
                raise ValueError("expected text")
            return value
        if kind in ("number", "integer"):
            if isinstance(value, bool) or not isinstance(value, (int, float, str)):
                raise ValueError("expected a number")
            number = float(value)
            if kind == "integer":
                if number != int(number):
                    raise ValueError("expected a whole number")
                return int(number)
            return number
        if kind == "bool":
            if isinstance(value, str) and value.lower() in ("true", "false", "yes", "no", "1", "0"):
                return value.lower() in ("true", "yes", "1")
            if not isinstance(value, bool):
                raise ValueError("expected true or false")
            return value
        if kind == "choice":
            if value not in self.choices:
                raise ValueError(f"choose one of {', '.join(map(str, self.choices))}")
            return value
        if kind in ("columns", "list"):
            if isinstance(value, str):
                value = [v.strip() for v in value.split(",")] if kind == "columns" else [value]
            if not isinstance(value, (list, tuple)) or (kind == "columns" and not all(map(_is_text, value))):
                raise ValueError("expected a list")
            return list(value)
        if kind == "mapping":
            if not isinstance(value, dict):
                raise ValueError("expected a mapping of old value to new value")
            return {str(k): v for k, v in value.items()}
        raise ValueError(f"unknown parameter kind {kind}")

    def as_dict(self) -> dict[str, Any]:
        out = {"name": self.name, "kind": self.kind, "help": self.help, "required": self.required}
        if self.default is not None:
            out["default"] = self.default
        if self.choices:
            out["choices"] = list(self.choices)
        return out


@dataclass
class Fragment:
    """A piece of SQL with its bound values, in order."""

    sql: str
    params: list[Any] = field(default_factory=list)


@dataclass
class Select:
    """What a step makes of a table: the output columns, and which rows are kept (WHERE, QUALIFY)."""

    items: list[tuple[str, Fragment]]  # (output column, expression over the source's columns)
    where: Fragment | None = None
    qualify: Fragment | None = None

    @property
    def needs_row_numbers(self) -> bool:
        """A window (QUALIFY) orders by the source's row numbers: its source must be a table."""
        return self.qualify is not None

    def sql(self, source: str | Fragment, work: str | None = None) -> Fragment:
        """SELECT ... FROM source (a table, or a query in parentheses), rows in the source's order.

        DuckDB keeps the order of a scan through projections and filters (preserve_insertion_order),
        so only a join to a work table or a window needs ORDER BY: it cost 30-80% of a step's time.
        """
        source = source if isinstance(source, Fragment) else Fragment(source)
        params: list[Any] = []
        columns = []
        for name, expr in self.items:
            columns.append(f"{expr.sql} AS {quote(name)}")
            params += expr.params
        text = "SELECT " + ", ".join(columns) + f" FROM {source.sql} AS t"
        params += source.params
        if work:
            text += f" JOIN {work} AS w ON w.{WORK_ROW} = t.rowid"
        for clause, fragment in (("WHERE", self.where), ("QUALIFY", self.qualify)):
            if fragment:
                text += f" {clause} {fragment.sql}"
                params += fragment.params
        if work or self.qualify:
            text += " ORDER BY t.rowid"
        return Fragment(text, params)


def commonest(examples: list[list]) -> str:
    """Offending values with how often each occurs, commonest first: 'N/A' (3×), '?' (1×)."""
    return ", ".join(f"{v!r} ({n:,}×)" for v, n in examples)


@dataclass
class Found:
    """What one gap check found on replayed data: how many rows it read, and the offending values."""

    rows: int
    count: int  # rows with an offending value
    distinct: int  # distinct offending values (0 when the check keeps no examples)
    examples: list[list]  # [value, rows], commonest first

    def shown(self) -> str:
        return commonest(self.examples)


@dataclass
class Gap:
    """One check a replay makes on a step's input: `value` is an expression over `t` holding the offending
    value (NULL where the row is fine); `say` turns what was found into the gap report's sentence (or None).

    A check is an expression rather than a query so that a replay runs all of a step's checks as one
    query, which reads only the columns they need."""

    value: Fragment
    say: Callable[[Found], str | None]
    examples: bool = True


def free_column(schema: dict[str, str], base: str) -> str:
    """`base`, or `base_2`, `base_3`... whichever the table does not have yet (for an added column)."""
    name, n = base, 1
    while name in schema:
        n += 1
        name = f"{base}_{n}"
    return name


def _is_text(value: Any) -> bool:
    return isinstance(value, str)


def column_ref(name: str) -> str:
    return f"t.{quote(name)}"


class Step:
    """Base class: parameters in __init__, `fit` learns `state`, `select` applies it."""

    operation: ClassVar[str]
    title: ClassVar[str]
    explain: ClassVar[str]  # one or two plain sentences: what it does, when to use it
    PARAMS: ClassVar[tuple[Param, ...]] = ()
    python: ClassVar[bool] = False  # True when rows go through `transform` (not expressible in SQL)
    # The column types a step's `column` parameter accepts ("text", "numeric", None for any)
    column_family: ClassVar[str | None] = None

    def __init__(self, **params: Any):
        unknown = sorted(set(params) - {p.name for p in self.PARAMS})
        if unknown:
            names = ", ".join(p.name for p in self.PARAMS)
            raise WorkbenchError(f"{self.operation} has no parameter {', '.join(unknown)} (it takes: {names}).")
        self.params = {p.name: p.check(params.get(p.name), self.operation) for p in self.PARAMS}
        self.state: dict[str, Any] | None = None
        self.validate()

    def validate(self) -> None:
        """Checks across parameters; raise WorkbenchError with a message for the user."""

    def __getattr__(self, name: str) -> Any:
        params = self.__dict__.get("params", {})
        if name in params:
            return params[name]
        raise AttributeError(name)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.params.items())})"

    # -- what the step touches -----------------------------------------------------------

    def inputs(self) -> list[str]:
        """The columns this step reads: a table without one of them cannot be cleaned by it."""
        cols = []
        for p in self.PARAMS:
            value = self.params.get(p.name)
            if p.kind == "column" and value:
                cols.append(value)
            elif p.kind == "columns" and value:
                cols += value
        return cols

    def check_table(self, schema: dict[str, str]) -> None:
        """Fail with one clear message when the table lacks a column this step needs."""
        hiding = [c for c in schema if hides_row_number(c)]
        if hiding and self.operation != "rename_column":
            raise WorkbenchError(f"The column {hiding[0]!r} hides DuckDB's row numbers, which cleaning needs to "
                                 "keep the rows in order: rename it first (Rename a column). Nothing was written.")
        missing = [c for c in self.inputs() if c not in schema]
        if missing:
            raise WorkbenchError(f"The table has no column {', '.join(repr(c) for c in missing)}, "
                                 f"which {self.operation} needs. Nothing was written.")
        if self.column_family:
            wrong = [c for c in self.inputs() if family(schema[c]) != self.column_family]
            if wrong:
                raise WorkbenchError(f"{self.operation} works on {self.column_family} columns; "
                                     f"{', '.join(repr(c) for c in wrong)} is {schema[wrong[0]]}.")

    # -- fit and apply ---------------------------------------------------------------------

    def fit(self, con: duckdb.DuckDBPyConnection, table: str, schema: dict[str, str]) -> Step:
        """Learn the state from `table`; returns self, like scikit-learn."""
        self.check_table(schema)
        self.state = self.learn(con, table, schema) or {}
        return self

    def learn(self, con: duckdb.DuckDBPyConnection, table: str, schema: dict[str, str]) -> dict[str, Any]:
        return {}

    def verify(self, con: duckdb.DuckDBPyConnection, source: Fragment) -> None:
        """Checks that need the database, run before every apply, fitted or replayed."""

    def select(self, schema: dict[str, str]) -> Select:
        """The new table's columns as expressions over `t` (the source) and `w` (the work table)."""
        raise NotImplementedError

    def keep(self, schema: dict[str, str], replace: dict[str, Fragment] | None = None,
             add: list[tuple[str, Fragment]] | None = None) -> list[tuple[str, Fragment]]:  # fmt: skip
        """Every source column (some replaced by expressions), then the added ones."""
        replace = replace or {}
        items = [(c, replace.get(c) or Fragment(column_ref(c))) for c in schema]
        return items + list(add or [])

    def gaps(self, schema: dict[str, str]) -> list[Gap]:
        """The checks that report what replayed data holds that the fitted state never saw."""
        return []

    def describe(self) -> str:
        """One sentence saying what this fitted step does, for lineage and exports."""
        return self.title

    # -- lineage -----------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {"operation": self.operation, "params": self.params, "state": self.state}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), default=str)
