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
from workbench.clean.run import lineage, schema_of, statement, work_table
from workbench.clean.step import Step
from workbench.errors import WorkbenchError
from workbench.jobs import Progress, run_watched
from workbench.metadata import TableInfo
from workbench.names import quote, render
from workbench.workspace import Workspace


@dataclass
class Recipe:
    root: str  # the table the first step read
    steps: list[Step]
    tables: list[str] = field(default_factory=list)  # the table each step made, in order

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


def _new_missing(con: duckdb.DuckDBPyConnection, source: str, step: Step, schema: dict[str, str]) -> list[str]:
    fitted = step.state.get("missing_share", {})
    columns = [c for c in fitted if c in schema]
    if not columns:
        return []
    counts = con.execute(
        "SELECT count(*), " + ", ".join(f"count(*) FILTER ({quote(c)} IS NULL)" for c in columns) + f" FROM {source}"
    ).fetchone()
    out = []
    for c, n in zip(columns, counts[1:]):
        share = n / counts[0] if counts[0] else 0.0
        if n and share > fitted[c] + 0.01:
            out.append(f"{c}: {n:,} missing values ({share:.1%}; {fitted[c]:.1%} when fitted)")
    return out


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
        gaps: list[str] = []
        shown: list[str] = []
        with ws.transaction(con):
            name = ws.free_name(output or f"{target.name}_clean", con)
            current = target.name
            for i, step in enumerate(made.steps, start=1):
                schema = schema_of(con, current)
                step.check_table(schema)
                step.verify(con, current)
                found = step.gaps(con, current, schema) + _new_missing(con, quote(current), step, schema)
                gaps += [f"step {i} ({step.operation}): {g}" for g in found]
                last = i == len(made.steps)
                dest = name if last else f"_wb_replay_{uuid.uuid4().hex[:8]}"
                create = f"CREATE TABLE {quote(dest)}" if last else f"CREATE TEMP TABLE {quote(dest)}"
                if isinstance(step, DedupeMerge):
                    sql_shown, found = step.write(con, current, create, cancel)
                    gaps += [f"step {i} ({step.operation}): {g}" for g in found]
                    shown.append(sql_shown)
                else:
                    work = work_table(con, step, quote(current), None, cancel)
                    sql = statement(step, schema, quote(current), work)
                    progress = _step_progress(on_progress, i, len(made.steps), step)
                    run_watched(con, f"{create} AS {sql.sql}", sql.params, on_progress=progress, cancel=cancel,
                                label=step.title)  # fmt: skip
                    shown.append(render(f"{create} AS {sql.sql}", sql.params))
                current = dest
            metadata.record_table(
                con, name, source_kind="step", operation="replay", parents=[target.name],
                parameters={"recipe_of": table, "steps": [lineage(s) for s in made.steps], "gaps": gaps},
                sql=";\n".join(shown),
            )  # fmt: skip
            return Replay(ws.table(name, con), gaps)


def _step_progress(on_progress: Progress | None, index: int, count: int, step: Step) -> Progress | None:
    if on_progress is None:
        return None
    return lambda done, _label: on_progress((index - 1 + done) / count, f"step {index} of {count}: {step.title}")
