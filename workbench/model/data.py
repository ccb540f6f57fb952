"""Reading the rows a model is fitted on out of DuckDB: a bounded frame, sampled in SQL above the row cap.

The sample is drawn in DuckDB (never by loading the whole table into pandas):
rows are numbered in table order, ordered by a seeded hash of that number,
and the first ones kept, per class for a classification task so each class
keeps its share. The SQL is returned with the frame so the generated code
reads exactly the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from workbench.names import quote, render

ROW = "__wb_row"


@dataclass
class Rows:
    """What was read: the frame (features, target, group), how many rows qualified, and the SQL that read it."""

    frame: pd.DataFrame
    total: int  # rows with a target (all rows when there is none)
    sql: str  # the statement, parameters as literals: runnable on its own

    @property
    def sampled(self) -> bool:
        return len(self.frame) < self.total

    def note(self) -> str:
        if self.sampled:
            return f"fitted on a stratified sample of {len(self.frame):,} of {self.total:,} rows (the row cap)"
        return f"fitted on all {self.total:,} rows"


def read(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: list[str],
    *,
    target: str | None = None,
    stratify: bool = False,
    max_rows: int,
    seed: int = 0,
) -> Rows:
    """`columns` (the target among them when given) of the rows whose target is known, at most `max_rows`."""
    cols = ", ".join(quote(c) for c in dict.fromkeys(columns))
    where = f" WHERE {quote(target)} IS NOT NULL" if target else ""
    (total,) = con.execute(f"SELECT count(*) FROM {quote(table)}{where}").fetchone()
    numbered = f"SELECT *, row_number() OVER () AS {ROW} FROM {quote(table)}{where}"
    if total <= max_rows:
        sql = f"SELECT {cols} FROM ({numbered}) ORDER BY {ROW}"
        params: list = []
    elif stratify and target:
        # each class keeps its share (at least one row), rows picked by a seeded hash of their number; the rows
        # are ranked on their number and class alone, then joined back (ranking whole rows moves every column)
        picked = (
            f"SELECT {ROW} FROM (SELECT {ROW}, row_number() OVER (PARTITION BY {quote(target)} ORDER BY "
            f"hash({ROW} + ?)) AS __wb_rank, count(*) OVER (PARTITION BY {quote(target)}) AS __wb_n FROM "
            f"(SELECT {quote(target)}, row_number() OVER () AS {ROW} FROM {quote(table)}{where})) "
            f"WHERE __wb_rank <= greatest(1, round(__wb_n * ? / ?))"
        )
        sql = f"SELECT {cols} FROM ({numbered}) SEMI JOIN ({picked}) USING ({ROW}) ORDER BY {ROW}"
        params = [seed, max_rows, total]
    else:
        sql = (
            f"SELECT {cols} FROM (SELECT * FROM ({numbered}) ORDER BY hash({ROW} + ?) LIMIT ?) ORDER BY {ROW}"
        )
        params = [seed, max_rows]
    frame = con.execute(sql, params).df()
    return Rows(frame=frame, total=int(total), sql=render(sql, params) if params else sql)
