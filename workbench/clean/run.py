"""Fitting a step on a table, previewing what it would change, and applying it as a new table.

Nothing here writes before `apply`: a preview reads only (a scikit-learn step
is previewed on a sample of rows, and says so). `apply` writes the new table
and its lineage in one transaction; a failure or a Cancel leaves nothing.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from workbench import metadata
from workbench.clean import portable
from workbench.clean.learned import LearnedStep
from workbench.clean.step import WORK_ROW, Fragment, Select, Step, commonest
from workbench.errors import Cancelled
from workbench.jobs import Progress, run_watched
from workbench.metadata import TableInfo, column_types
from workbench.names import free_prefix, quote, render
from workbench.profile.stats import family
from workbench.settings import LIMITS
from workbench.words import plural
from workbench.workspace import Workspace

SAMPLE_ROWS = 20  # changed rows shown in a preview
TOP_VALUES = 15
BINS = 30


def fit(con: duckdb.DuckDBPyConnection, table: str, step: Step) -> Step:
    """Fit `step` on `table` and remember how often its input columns were missing (for replay gaps)."""
    schema = column_types(con, table)
    step.fit(con, table, schema)
    inputs = [c for c in step.inputs() if c in schema]
    if inputs:
        shares = con.execute(
            "SELECT " + ", ".join(f"avg(({quote(c)} IS NULL)::INT)" for c in inputs) + f" FROM {quote(table)}"
        ).fetchone()
        step.state["missing_share"] = {c: float(s or 0) for c, s in zip(inputs, shares)}
    return step


# -- the new table's SQL -------------------------------------------------------------------------


def work_table(con: duckdb.DuckDBPyConnection, step: Step, source: str, on_progress: Progress | None,
          cancel: threading.Event | None) -> str | None:  # fmt: skip
    """For a scikit-learn step, compute its work table (temporary, this connection only)."""
    if not isinstance(step, LearnedStep):
        return None
    work = f"_wb_work_{uuid.uuid4().hex[:8]}"
    columns = ", ".join(f"{quote(n)} {t}" for n, t in step.work_columns())
    con.execute(f"CREATE TEMP TABLE {work} ({WORK_ROW} BIGINT, {columns})")

    def on_batch(done: float) -> None:
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        if on_progress is not None:
            on_progress(done, step.title)

    from threadpoolctl import threadpool_limits

    with threadpool_limits(LIMITS.clean_threads):
        outputs = [n for n, _ in step.work_columns()]
        portable.run_python_step(con, source, step.kind, step.estimator, step.columns, outputs, work,
                                 LIMITS.clean_batch_rows, on_batch)
    return work


def statement(step: Step, schema: dict[str, str], source: str, work: str | None = None) -> Fragment:
    return step.select(schema).sql(source, work)


# -- preview -------------------------------------------------------------------------------------


@dataclass
class ColumnChange:
    column: str
    before_type: str | None
    after_type: str | None
    changed: int = 0
    became_null: int = 0
    filled: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Preview:
    """What applying a fitted step would do, computed without writing anything."""

    step: Step
    rows_before: int
    rows_after: int
    changes: list[ColumnChange]
    added: list[str]
    removed: list[str]
    changed_rows: pd.DataFrame  # a sample: each changed column before and after
    removed_rows: pd.DataFrame  # a sample of the rows the step drops
    before: pd.DataFrame | None = None  # distribution of the main column before (value/bin, count)
    after: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    sampled: int | None = None  # rows previewed when not all of them

    @property
    def set_to_null(self) -> int:
        """Cells that hold a value now and would be empty (NULL) after the step."""
        return sum(ch.became_null for ch in self.changes)

    def headline(self) -> list[tuple[str, int, str]]:
        """The figures a preview leads with, each (label, value, what it means): the page's metrics, the command's
        first lines. Values set to NULL are counted apart: a new type alone is no change, a lost value is."""
        return [("Rows before", self.rows_before, "Rows of the table now."),
                ("Rows after", self.rows_after, "Rows the new table would have: a filter, duplicates or outliers "
                                                "remove some."),
                ("Values changed", sum(ch.changed for ch in self.changes),
                 "Cells whose value changes. A new type alone ('12' -> 12.0) is not counted as a change."),
                ("Values set to missing", self.set_to_null,
                 "Cells that hold a value now and would be empty (NULL) after the step: values that do not convert, "
                 "codes set to NULL. They are lost from the new table (the current one keeps them).")]  # fmt: skip

    def in_words(self) -> list[str]:
        """One sentence per changed, added or dropped column: what the page and the command show."""
        lines = []
        for ch in self.changes:
            if ch.changed or ch.became_null or ch.before_type != ch.after_type:
                typed = f", {ch.before_type} → {ch.after_type}" if ch.before_type != ch.after_type else ""
                lines.append(f"{ch.column}{typed}: {plural(ch.changed, 'value')} changed, "
                             f"{plural(ch.became_null, 'value')} set to missing, "
                             f"{plural(ch.filled, 'missing value')} filled")  # fmt: skip
        return lines + [f"New column {c}" for c in self.added] + [f"Dropped column {c}" for c in self.removed]

    def as_dict(self) -> dict[str, Any]:
        return {
            "operation": self.step.operation,
            "description": self.step.describe(),
            "rows_before": self.rows_before,
            "rows_after": self.rows_after,
            "columns_changed": [c.as_dict() for c in self.changes if c.changed or c.became_null],
            "values_changed": sum(c.changed for c in self.changes),
            "values_set_to_null": self.set_to_null,
            "columns_added": self.added,
            "columns_removed": self.removed,
            "notes": self.notes,
            "previewed_rows": self.sampled or self.rows_before,
            "state": self.step.state,
        }


def _ready(con: duckdb.DuckDBPyConnection, ws: Workspace, table: str, step: Step,
           fitted: bool) -> tuple[TableInfo, dict[str, str]]:  # fmt: skip
    """The table and its schema, the step fitted on it (unless `fitted`) and checked against it."""
    info = ws.table(table, con)
    if not fitted:
        fit(con, info.name, step)
    step.verify(con, Fragment(quote(info.name)))
    return info, column_types(con, info.name)


def preview(ws: Workspace, table: str, step: Step, *, fitted: bool = False) -> Preview:
    """Fit (unless `fitted`) and show what the step would change, writing nothing."""
    with ws.connect() as con:
        info, schema = _ready(con, ws, table, step, fitted)
        source, sampled = quote(info.name), None
        if isinstance(step, LearnedStep) and (info.rows or 0) > LIMITS.clean_preview_rows:
            sampled = LIMITS.clean_preview_rows
            source = "_wb_preview_rows"
            con.execute(f"CREATE OR REPLACE TEMP TABLE {source} AS SELECT * FROM {quote(info.name)} "
                        f"USING SAMPLE reservoir({sampled} ROWS) REPEATABLE (7)")  # fmt: skip
        work = work_table(con, step, source, None, None)
        return _compare(con, step, schema, source, work, sampled)


def _compare(con: duckdb.DuckDBPyConnection, step: Step, schema: dict[str, str], source: str,
             work: str | None, sampled: int | None) -> Preview:  # fmt: skip
    select = step.select(schema)
    after_names = [n for n, _ in select.items]
    compared = [c for c in after_names if c in schema]
    mark = free_prefix(after_names)  # the probe's own columns, named apart from every column the step makes
    src_row = f"{mark}src_row"
    extra = [(src_row, Fragment("t.rowid"))] + [(f"{mark}before_{i}", Fragment(f"t.{quote(c)}"))
                                                for i, c in enumerate(compared)]  # fmt: skip
    probe = Select(select.items + extra, select.where, select.qualify).sql(source, work)
    relation = f"({probe.sql})"
    types = dict(zip(after_names, [str(t) for t in con.sql(f"SELECT * FROM {relation} LIMIT 0",
                                                           params=probe.params).types]))  # fmt: skip
    counts, exprs = [], ["count(*)"]
    for i, c in enumerate(compared):
        b, a = quote(f"{mark}before_{i}"), quote(c)
        # a new type alone is no change: '12' -> 12.0 is the same value, ' 1,234' -> 1234.0 is not
        same = types[c] == schema[c]
        differ = f"{b} IS DISTINCT FROM {a}" if same else f"TRY_CAST({b} AS {types[c]}) IS DISTINCT FROM {a}"
        exprs += [f"count(*) FILTER ({differ})", f"count(*) FILTER ({b} IS NOT NULL AND {a} IS NULL)",
                  f"count(*) FILTER ({b} IS NULL AND {a} IS NOT NULL)"]  # fmt: skip
        counts.append(differ)
    row = con.execute(f"SELECT {', '.join(exprs)} FROM {relation}", probe.params).fetchone()
    (rows_before,) = con.execute(f"SELECT count(*) FROM {source}").fetchone()
    changes = [ColumnChange(c, schema[c], types[c], *row[1 + 3 * i : 4 + 3 * i]) for i, c in enumerate(compared)]
    moved = [(i, ch) for i, ch in enumerate(changes) if ch.changed]
    if moved:
        shown = ", ".join(f"{quote(mark + f'before_{i}')} AS {quote(ch.column + ' (before)')}, {quote(ch.column)} AS "
                          f"{quote(ch.column + ' (after)')}" for i, ch in moved)  # fmt: skip
        where = " OR ".join(counts[i] for i, _ in moved)
        changed_rows = con.execute(f"SELECT {shown} FROM {relation} WHERE {where} LIMIT {SAMPLE_ROWS}",
                                   probe.params).df()  # fmt: skip
    else:
        changed_rows = pd.DataFrame()
    removed_rows = pd.DataFrame()
    if row[0] < rows_before:
        removed_rows = con.execute(f"SELECT * FROM {source} AS s WHERE s.rowid NOT IN "
                                   f"(SELECT {quote(src_row)} FROM {relation}) LIMIT {SAMPLE_ROWS}", probe.params).df()
    main = step.inputs()[0] if step.inputs() else None
    added = [c for c in after_names if c not in schema]
    dropped = [c for c in schema if c not in after_names]
    result = Preview(step, rows_before, row[0], changes, added, dropped, changed_rows, removed_rows, sampled=sampled)
    if main and main in after_names:
        result.before = distribution(con, source, [], main, schema[main])
        result.after = distribution(con, relation, probe.params, main, types[main])
    if sampled:
        result.notes.append(f"Previewed on a random sample of {plural(sampled, 'row')}; applying computes every row.")
    if isinstance(step, LearnedStep):
        result.notes.append(f"The model is {step.sample_note()}.")
        if work:
            result.notes += step.notes(con, source, work)
    unparsed = step.state.get("unparsed")
    if unparsed:
        shown = commonest(step.state.get("unparsed_examples", []))
        result.notes.append(f"{plural(unparsed, 'value')} {'does' if unparsed == 1 else 'do'} not convert and would "
                            f"become NULL: {shown}")
    return result


def distribution(con: duckdb.DuckDBPyConnection, relation: str, params: list, column: str, type_: str) -> pd.DataFrame:
    """A bounded picture of one column: a histogram of numbers, else the most frequent values."""
    c = quote(column)
    if family(type_) == "numeric":
        frame = con.execute(
            f"SELECT min({c}::DOUBLE), max({c}::DOUBLE), count(*) FILTER ({c} IS NULL) FROM {relation}", params
        ).fetchone()
        low, high, nulls = frame
        if low is None or not (abs(low) < float("inf") and abs(high) < float("inf")):
            return pd.DataFrame({"value": ["(missing)"], "count": [nulls]})
        width = (high - low) / BINS or 1.0
        out = con.execute(
            f"SELECT least(floor(({c}::DOUBLE - ?) / ?), {BINS - 1}) AS b, count(*) AS n FROM {relation} "
            f"WHERE {c} IS NOT NULL GROUP BY 1 ORDER BY 1",  # by position: the table may hold a column `b`
            [low, width, *params],
        ).fetchall()
        rows = [{"value": f"{low + b * width:.4g}", "count": n} for b, n in out]
    else:
        out = con.execute(
            f"SELECT {c}::VARCHAR AS v, count(*) AS n FROM {relation} WHERE {c} IS NOT NULL "
            f"GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {TOP_VALUES}",
            params,
        ).fetchall()
        (nulls,) = con.execute(f"SELECT count(*) FILTER ({c} IS NULL) FROM {relation}", params).fetchone()
        rows = [{"value": v, "count": n} for v, n in out]
    if nulls:
        rows.append({"value": "(missing)", "count": nulls})
    return pd.DataFrame(rows, columns=["value", "count"])


# -- apply ---------------------------------------------------------------------------------------


def root_of(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """The raw table a chain of steps starts from."""
    info = metadata.list_tables(con, table)[0]
    while info.source_kind == "step" and info.parents and metadata.list_tables(con, info.parents[0]):
        info = metadata.list_tables(con, info.parents[0])[0]
    return info.name


def apply(ws: Workspace, table: str, step: Step, *, output: str | None = None, fitted: bool = False,
          on_progress: Progress | None = None, cancel: threading.Event | None = None) -> TableInfo:  # fmt: skip
    """Fit (unless `fitted`) and write the new table with its lineage; the current table is untouched."""
    with ws.connect() as con:
        info, schema = _ready(con, ws, table, step, fitted)
        with ws.transaction(con):
            work = work_table(con, step, quote(info.name), on_progress, cancel)
            name = ws.free_name(output or _version_name(con, info.name), con)
            made = statement(step, schema, quote(info.name), work)
            run_watched(con, f"CREATE TABLE {quote(name)} AS {made.sql}", made.params,
                        on_progress=on_progress, cancel=cancel, label=step.title)  # fmt: skip
            if work:
                con.execute(f"DROP TABLE {work}")
            if isinstance(step, LearnedStep):  # saved once the table is made: a Cancel leaves no file behind
                step.persist(ws.home)
            shown = render(f"CREATE TABLE {quote(name)} AS {made.sql}", made.params)
            if step.python:
                shown = f"-- {step.operation} runs in Python (scikit-learn): see the recipe's Python export\n{shown}"
            metadata.record_table(con, name, source_kind="step", operation=step.operation, parents=[info.name],
                                  parameters=lineage(step), sql=shown)  # fmt: skip
            return ws.table(name, con)


def lineage(step: Step) -> dict[str, Any]:
    """What lineage keeps of a step: enough to rebuild it (`registry.rebuild`), as plain JSON."""
    return {"step": json.loads(step.to_json()), "description": step.describe()}


def _version_name(con: duckdb.DuckDBPyConnection, table: str) -> str:
    root = root_of(con, table)
    depth, info = 1, metadata.list_tables(con, table)[0]
    while info.name != root:
        depth += 1
        info = metadata.list_tables(con, info.parents[0])[0]
    return f"{root}_v{depth + 1}"

