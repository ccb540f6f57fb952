"""The paths a generated table takes in the property tests: files written, imported, read back."""

from __future__ import annotations

import csv
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from workbench import Workspace, ingest
from workbench.metadata import column_types
from workbench.names import quote


@contextmanager
def workspace() -> Iterator[tuple[Workspace, Path]]:
    """A fresh workspace per example (a pytest tmp_path would be shared by all of a test's examples)."""
    folder = Path(tempfile.mkdtemp(prefix="wb_property_"))
    try:
        yield Workspace(folder / "ws"), folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def write_csv(path: Path, names: list[str], columns: list[list]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(names)
        writer.writerows(zip(*columns))
    return path


def write_parquet(path: Path, names: list[str], kinds: list[str], columns: list[list]) -> Path:
    types = {"text": pa.string(), "number": pa.float64(), "integer": pa.int64()}
    arrays = [pa.array(values, type=types[kind]) for kind, values in zip(kinds, columns)]
    pq.write_table(pa.Table.from_arrays(arrays, names=names), path)
    return path


def load(ws: Workspace, path: Path) -> str:
    return imported(ws, path).table


def imported(ws: Workspace, path: Path) -> ingest.ImportResult:
    (result,) = ingest.load(ws, [path])
    assert result.error is None, result.error
    return result


def rows(ws: Workspace, table: str) -> list[tuple]:
    """The rows in the table's order (a plain scan keeps it: `ORDER BY rowid` would sort by a user's column
    of that name)."""
    with ws.connect(read_only=True) as con:
        return con.execute(f"SELECT * FROM {quote(table)}").fetchall()


def schema(ws: Workspace, table: str) -> dict[str, str]:
    with ws.connect(read_only=True) as con:
        return column_types(con, table)


def copy_of(ws: Workspace, table: str, db: Path) -> Path:
    """A fresh database holding only `table`, as a user running an exported script would have."""
    con = duckdb.connect(str(db))
    try:
        con.execute("ATTACH ? AS src (READ_ONLY)", [str(ws.db_path)])
        con.execute(f"CREATE TABLE {quote(table)} AS SELECT * FROM src.{quote(table)}")
        con.execute("DETACH src")
    finally:
        con.close()
    return db
