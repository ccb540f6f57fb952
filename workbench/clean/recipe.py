"""Recipes: the chain of steps from a raw table to a version, undone step by step or replayed on new data.

A recipe is read back from lineage: every table a step made keeps the step's
parameters and fitted state. Replaying it on another table (a competition's
test.csv) applies each fitted step in order and never refits, exactly as
scikit-learn's `transform` does; the gap report says what the new data holds
that the fit never saw. Replay writes one table in one transaction: a missing
column fails with one message and nothing written.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

import duckdb

from workbench import metadata
from workbench.clean import rebuild
from workbench.clean.learned import LearnedStep
from workbench.clean.merge_step import DedupeMerge
from workbench.clean.run import lineage, statement, work_table
from workbench.clean.step import EXAMPLES, Found, Fragment, Gap, Step, column_ref
from workbench.errors import WorkbenchError
from workbench.jobs import Progress, run_watched
from workbench.metadata import TableInfo
from workbench.names import quote, render
from workbench.words import plural
from workbench.workspace import Workspace


@dataclass
class Recipe:
    root: str  # the table the first step read
    steps: list[Step]
    tables: list[str] = field(default_factory=list)  # the table each step made, in order

    def to_sklearn(self):
        """The recipe's steps as a scikit-learn transformer, unfitted: its `fit` refits them on the rows it is
        given (inside each fold of a cross-validation), `transform` applies what they learned."""
        from workbench.clean.transformer import RecipeTransformer

        return RecipeTransformer([{"operation": s.operation, "params": dict(s.params)} for s in self.steps])

    def as_dict(self) -> dict[str, Any]:
        return {"root": self.root, "steps": [
            {"table": t, "operation": s.operation, "description": s.describe(), "params": s.params}
            for t, s in zip(self.tables, self.steps)
        ]}  # fmt: skip


def _saved_steps(info: TableInfo) -> list[dict[str, Any]] | None:
    if info.source_kind != "step":
        return None
    p = info.parameters
    if "step" in p:
        return [p["step"]]
    if "steps" in p:
        return [s["step"] for s in p["steps"]]
    return None


def read(con: duckdb.DuckDBPyConnection, table: str) -> Recipe:
    """The recipe that made `table`: its steps back to the first table not made by a step."""
    info = metadata.list_tables(con, table)
    if not info:
        raise WorkbenchError(f"There is no table named {table!r}.")
    info = info[0]
    chain: list[tuple[str, list[dict[str, Any]]]] = []
    while (saved := _saved_steps(info)) is not None and info.parents:
        chain.append((info.name, saved))
        parent = metadata.list_tables(con, info.parents[0])
        if not parent:
            raise WorkbenchError(f"{info.parents[0]!r}, a parent of {info.name!r}, was deleted: the recipe is broken.")
        info = parent[0]
    steps, tables = [], []
    for name, saved in reversed(chain):
        for s in saved:
            steps.append(rebuild(s))
            tables.append(name)
    return Recipe(info.name, steps, tables)


def recipe(ws: Workspace, table: str) -> Recipe:
    with ws.connect() as con:
        return read(con, ws.table(table, con).name)


def undo(ws: Workspace, table: str, *, delete: bool = False) -> str:
    """The parent of a table made by a step (to make current again); with `delete`, drop the table."""
    info = ws.table(table)
    if info.source_kind != "step" or not info.parents:
        raise WorkbenchError(f"{info.name!r} was not made by a cleaning step: there is nothing to undo.")
    parent = info.parents[0]
    ws.table(parent)  # it must still exist
    if delete:
        children = ws.dependents(info.name)
        if children:
            raise WorkbenchError(f"{info.name!r} is the parent of {', '.join(children)}: delete those first.")
        ws.drop(info.name)
    return parent


@dataclass
class Replay:
    table: TableInfo
    gaps: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {"table": self.table.as_dict(), "gaps": self.gaps}


def _new_missing(step: Step, schema: dict[str, str]) -> list[Gap]:
    """A check for each input column that is now missing noticeably more often than when the step was fitted."""
    fitted = step.state.get("missing_share", {})

    def check(c: str) -> Gap:
        def say(found: Found) -> str | None:
            share = found.count / found.rows if found.rows else 0.0
            if share <= fitted[c] + 0.01:
                return None
            return f"{c}: {plural(found.count, 'missing value')} ({share:.1%}; {fitted[c]:.1%} when fitted)"

        return Gap(Fragment(f"CASE WHEN {column_ref(c)} IS NULL THEN true END"), say, examples=False)

    return [check(c) for c in fitted if c in schema]


class Chain:
    """The replayed data so far: a table, or a query over one that stacks the SQL steps.

    Consecutive SQL steps become one nested query, written once at the end (a chain of four
    steps costs about one statement, not four tables); a step that needs row numbers (a
    scikit-learn step, a window, a dedupe merge) first writes what came before to a temporary table.
    Each step's gap checks are one query over its input, which DuckDB prunes to the columns they read.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, table: str, cancel: threading.Event | None):
        self.con, self.cancel = con, cancel
        self.table: str | None = table
        self.source = Fragment(quote(table))
        self.shown: list[str] = []
        self.gaps: list[str] = []  # the gap report so far

    def schema(self) -> dict[str, str]:
        relation = self.con.sql(f"SELECT * FROM {self.source.sql} AS s LIMIT 0", params=self.source.params)
        return dict(zip(relation.columns, map(str, relation.types)))

    def create(self, statement: str, made: Fragment, progress: Progress | None = None, label: str = "") -> None:
        run_watched(self.con, f"{statement} AS {made.sql}", made.params, on_progress=progress, cancel=self.cancel,
                    label=label)  # fmt: skip
        self.shown.append(render(f"{statement} AS {made.sql}", made.params))

    def as_table(self) -> str:
        if self.table is None:
            self.table = f"_wb_replay_{uuid.uuid4().hex[:8]}"
            self.create(f"CREATE TEMP TABLE {quote(self.table)}", Fragment(f"SELECT * FROM {self.source.sql} AS s",
                                                                            self.source.params))  # fmt: skip
            self.source = Fragment(quote(self.table))
        return self.table

    def check(self, label: str, gaps: list[Gap]) -> None:
        """Run `gaps` on the source (one query for all) and add what they found to the report."""
        if not gaps:
            return
        values, params, columns = [], [], ["count(*)"]
        for i, gap in enumerate(gaps):  # each value computed once, in a subquery, however many counts read it
            values.append(f"{gap.value.sql} AS v{i}")
            params += gap.value.params
            columns += [f"count(v{i})", f"count(DISTINCT v{i})" if gap.examples else "0"]
        rows, *counts = self.con.execute(
            f"SELECT {', '.join(columns)} FROM (SELECT {', '.join(values)} FROM {self.source.sql} AS t)",
            [*params, *self.source.params],
        ).fetchone()
        for gap, count, distinct in zip(gaps, counts[::2], counts[1::2]):
            if not count:
                continue
            examples = []
            if gap.examples:
                examples = [list(r) for r in self.con.execute(
                    f"SELECT v, count(*) AS n FROM (SELECT {gap.value.sql} AS v FROM {self.source.sql} AS t) "
                    "WHERE v IS NOT NULL GROUP BY v ORDER BY n DESC, v LIMIT ?",
                    [*gap.value.params, *self.source.params, EXAMPLES]).fetchall()]  # fmt: skip
            said = gap.say(Found(rows, count, distinct, examples))
            if said:
                self.gaps.append(f"{label}: {said}")

    def add(self, step: Step, schema: dict[str, str], label: str, progress: Progress | None,
            check: bool = True) -> None:  # fmt: skip
        """Check the step's input for gaps (unless it was just fitted on it), then apply the fitted step."""
        if check:
            self.check(label, step.gaps(schema) + _new_missing(step, schema))
        select = None if step.python else step.select(schema)
        if select is not None and not select.needs_row_numbers:
            made = select.sql(self.source)
            self.source, self.table = Fragment(f"({made.sql})", made.params), None
            return
        source = self.as_table()
        dest = f"_wb_replay_{uuid.uuid4().hex[:8]}"
        if isinstance(step, DedupeMerge):
            shown, found = step.write(self.con, source, f"CREATE TEMP TABLE {quote(dest)}", self.cancel)
            self.shown.append(shown)
            self.gaps += [f"{label}: {g}" for g in found]
        else:
            work = work_table(self.con, step, quote(source), progress, self.cancel)
            self.create(f"CREATE TEMP TABLE {quote(dest)}", statement(step, schema, quote(source), work),
                        progress, step.title)  # fmt: skip
        self.table, self.source = dest, Fragment(quote(dest))


def replay(ws: Workspace, table: str, on: str, *, output: str | None = None,
           on_progress: Progress | None = None, cancel: threading.Event | None = None) -> Replay:  # fmt: skip
    """Apply the fitted recipe of `table` to `on`: one new table, and the gap report."""
    with ws.connect() as con:
        made = read(con, ws.table(table, con).name)
        if not made.steps:
            raise WorkbenchError(f"{table!r} was not made by cleaning steps: there is no recipe to replay.")
        target = ws.table(on, con)
        for step in made.steps:
            if isinstance(step, LearnedStep):
                step.load_estimator(ws.home)
        with ws.transaction(con):
            name = ws.free_name(output or f"{target.name}_clean", con)
            chain = Chain(con, target.name, cancel)
            count = len(made.steps) + 1
            for i, step in enumerate(made.steps, start=1):
                schema = chain.schema()
                step.check_table(schema)
                step.verify(con, chain.source)
                chain.add(step, schema, f"step {i} ({step.operation})", _step_progress(on_progress, i, count,
                                                                                      step.title))  # fmt: skip
            chain.create(f"CREATE TABLE {quote(name)}", Fragment(f"SELECT * FROM {chain.source.sql} AS s",
                         chain.source.params), _step_progress(on_progress, count, count, "Writing"), "Writing")
            metadata.record_table(
                con, name, source_kind="step", operation="replay", parents=[target.name],
                parameters={"recipe_of": table, "steps": [lineage(s) for s in made.steps], "gaps": chain.gaps},
                sql=";\n".join(chain.shown),
            )  # fmt: skip
            return Replay(ws.table(name, con), chain.gaps)


def _step_progress(on_progress: Progress | None, index: int, count: int, label: str) -> Progress | None:
    if on_progress is None:
        return None
    return lambda done, _label: on_progress((index - 1 + done) / count, f"step {index} of {count}: {label}")
