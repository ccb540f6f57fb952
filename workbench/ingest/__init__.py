"""Import files into the workspace: CSV/TSV/TXT, Parquet, JSON/NDJSON, Excel and zip archives.

`load()` turns each path into one or more units (an archive's members, a
workbook's sheets), and imports each unit into its own table in its own
transaction: a unit that fails leaves no table and no metadata behind, and
does not stop the others. Every result says what was made, what was rejected
and why, or why nothing was.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import threading
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from workbench import metadata
from workbench.errors import WorkbenchError
from workbench.ingest import archive, readers
from workbench.ingest.formats import CSV, EXCEL, JSON, PARQUET, ZIP, detect, disguised
from workbench.jobs import Progress
from workbench.names import free_prefix, hides_row_number, quote, table_columns, table_name_from, unique_name
from workbench.workspace import Workspace

__all__ = ["ImportResult", "load"]

_READERS = {CSV: readers.read_csv, PARQUET: readers.read_parquet, JSON: readers.read_json}


@dataclass
class ImportResult:
    """The outcome of importing one unit (a file, an archive member or a sheet)."""

    label: str
    table: str | None = None
    rows: int = 0
    columns: int = 0
    rejected: int = 0
    reject_examples: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    skipped: str | None = None
    notes: list[str] = field(default_factory=list)  # what changed on the way in, and why

    @property
    def ok(self) -> bool:
        return self.table is not None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class _Unit:
    path: Path
    fmt: str
    label: str
    name_hint: str
    detail: dict[str, Any]
    sheet: str | None = None


def load(
    ws: Workspace,
    paths: Iterable[str | Path],
    *,
    table: str | None = None,
    prefix: str | None = None,
    source_kind: str = "file",
    source_detail: dict[str, Any] | None = None,
    on_progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> list[ImportResult]:
    """Import every path; one result per unit. `table` names the table (or prefixes several); `prefix`
    starts every table's name (a competition's slug), made unique when taken."""
    readers.remove_orphans(ws.downloads / ".tmp")
    results: list[ImportResult] = []
    units: list[_Unit] = []
    extracted: list[Path] = []  # folders archives were extracted to
    imported: set[Path] = set()  # files that made a table
    try:
        for raw in paths:
            path = Path(raw).expanduser().resolve()
            detail = {"path": str(path.resolve()), **(source_detail or {})}
            _expand(ws, path, detail.get("upload") or path.name, detail, units, results, extracted)
        if prefix:
            for unit in units:
                unit.name_hint = f"{prefix}_{unit.name_hint}"
        _import_units(ws, units, table, source_kind, on_progress, cancel, results, imported)
    finally:
        _remove_unused_extractions(extracted, imported)
    if on_progress:
        on_progress(1.0, "done")
    return results


def _import_units(ws: Workspace, units: list[_Unit], table: str | None, source_kind: str,
                  on_progress: Progress | None, cancel: threading.Event | None,
                  results: list[ImportResult], imported: set[Path]) -> None:  # fmt: skip
    with ws.connect() as con:
        taken = {t.name.lower() for t in metadata.list_tables(con)}
        for i, unit in enumerate(units):
            name = _table_name(table, unit, len(units), taken)
            if name is None:
                error = (f"A table named {table_name_from(table)!r} already exists; "
                         "choose another name or delete it first.")
                results.append(ImportResult(unit.label, error=error))
                continue
            step = _scaled(on_progress, i, len(units), unit.label)
            results.append(_import_unit(ws, con, unit, name, source_kind, step, cancel))
            if results[-1].ok:
                taken.add(name.lower())
                imported.add(unit.path)


def _remove_unused_extractions(folders: list[Path], imported: set[Path]) -> None:
    """Delete what was extracted from archives and made no table (skipped, refused, failed or cancelled).

    An import leaves nothing behind that it did not use; the members that were
    imported stay, as their tables' provenance points at them.
    """
    for folder in folders:
        for path in sorted(folder.rglob("*"), reverse=True):  # a folder's files before the folder
            if path.is_dir() and not any(path.iterdir()):
                path.rmdir()
            elif not path.is_dir() and path not in imported:
                path.unlink()
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def _not_a_readable_file(path: Path) -> str | None:
    """Why `path` cannot be imported as a file, or None when it can."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return f"No such file: {path}"
    except OSError as exc:
        return f"{path} cannot be read ({exc.strerror or exc})."
    if stat.S_ISDIR(mode):
        return f"{path} is a folder, not a file: load the files inside it (or zip the folder)."
    if not stat.S_ISREG(mode):
        kind = "a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
        return f"{path} is {kind}, not a regular file: save the data to a file and load that."
    if not os.access(path, os.R_OK):
        return f"{path} cannot be read: permission denied. Check the file's permissions (chmod u+r)."
    if path.stat().st_size == 0:
        return f"{path.name} is empty (0 bytes): there is nothing to import."
    return None


def _expand(ws: Workspace, path: Path, label: str, detail: dict, units: list, results: list,
            extracted: list[Path]) -> None:  # fmt: skip
    if problem := _not_a_readable_file(path):
        results.append(ImportResult(label, error=problem))
        return
    fmt = detect(path)
    if fmt is None:
        results.append(ImportResult(label, skipped="not a data file the workbench reads "
                                    "(CSV, TSV, TXT, Parquet, JSON, NDJSON, Excel .xlsx, zip)"))
        return
    if kind := disguised(path, fmt):
        results.append(ImportResult(label, error=f"{path.name} is named like {fmt.upper()} but is {kind}: "
                                    "give it its real extension, or load the right file."))  # fmt: skip
        return
    stem = path.name.split(".")[0] or path.name
    if fmt == ZIP:
        if "archive" in detail:
            results.append(ImportResult(label, skipped="archives inside archives are not opened"))
            return
        digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:8]
        dest = ws.downloads / "extracted" / f"{table_name_from(stem)}_{digest}"
        try:
            members = archive.extract(path, dest, ws.limits)
        except WorkbenchError as exc:
            results.append(ImportResult(label, error=str(exc)))
            return
        extracted.append(dest)
        if not members:
            results.append(ImportResult(label, error=f"{path.name} holds no files: there is nothing to import."))
        for member in sorted(members):
            rel = member.relative_to(dest).as_posix()
            _expand(ws, member, f"{label}/{rel}", {**detail, "archive": detail["path"], "member": rel,
                                                   "path": str(member)}, units, results, extracted)
        return
    detail = {**detail, "format": fmt, "size_bytes": path.stat().st_size}
    if fmt == EXCEL:
        try:
            sheets = readers.excel_sheets(path)
        except WorkbenchError as exc:
            results.append(ImportResult(label, error=str(exc)))
            return
        for sheet in sheets:
            hint = stem if len(sheets) == 1 else f"{stem}_{sheet}"
            units.append(_Unit(path, fmt, f"{label} [{sheet}]", hint, {**detail, "sheet": sheet}, sheet))
        return
    units.append(_Unit(path, fmt, label, stem, detail))


def _table_name(requested: str | None, unit: _Unit, count: int, taken: set[str]) -> str | None:
    if requested and count == 1:
        name = table_name_from(requested)
        return None if name.lower() in taken else name
    hint = f"{requested}_{unit.name_hint}" if requested else unit.name_hint
    return unique_name(table_name_from(hint), taken)


def _import_unit(ws: Workspace, con: duckdb.DuckDBPyConnection, unit: _Unit, name: str,
                 source_kind: str, on_progress: Progress | None, cancel: threading.Event | None) -> ImportResult:
    job = readers.Job(con, name, ws.downloads / ".tmp", ws.limits, on_progress, cancel, unit.label)
    try:
        try:
            outcome, info = _import_in_transaction(ws, con, job, unit, source_kind)
        except readers.NeedsSalvage:
            job.salvage = True
            outcome, info = _import_in_transaction(ws, con, job, unit, source_kind)
    except duckdb.InterruptException:
        raise
    except (duckdb.Error, WorkbenchError, OSError, EOFError, ValueError, UnicodeError) as exc:
        return ImportResult(unit.label, error=f"Could not import {unit.label}: {_explain(exc, unit, job.tmp_dir)}")
    examples = [dict(zip(("line", "column", "error", "message", "raw"), r)) for r in outcome.reject_examples]
    return ImportResult(unit.label, table=name, rows=info.rows or 0, columns=info.columns,
                        rejected=outcome.rejected, reject_examples=examples, notes=outcome.notes)


def _import_in_transaction(ws: Workspace, con: duckdb.DuckDBPyConnection, job: readers.Job,
                           unit: _Unit, source_kind: str) -> tuple[readers.ReadOutcome, metadata.TableInfo]:
    with ws.transaction(con):
        if unit.fmt == EXCEL:
            outcome = readers.read_excel_sheet(job, unit.path, unit.sheet)
        else:
            outcome = _READERS[unit.fmt](job, unit.path)
        if job.column_count() == 0:
            raise WorkbenchError("no columns found")
        _name_columns(con, job.table, outcome)
        metadata.record_table(
            con, job.table, source_kind=source_kind, operation="import", sql=outcome.sql,
            source_detail={**unit.detail, **outcome.detail}, rejected=outcome.rejected,
        )
        metadata.record_rejects(con, job.table, outcome.reject_examples)
        return outcome, metadata.list_tables(con, job.table)[0]


def _name_columns(con: duckdb.DuckDBPyConnection, table: str, outcome: readers.ReadOutcome) -> None:
    """Name the columns as `names.table_columns` names the source's header, whatever DuckDB's reader made of it
    (a blank Parquet name is `C0` to it, a CSV name of only Unicode spaces `C4` or `_1`); a column named like
    DuckDB's row numbers (`rowid`) would hide them: renamed, and said."""
    columns = [d[0] for d in con.execute(f"SELECT * FROM {quote(table)} LIMIT 0").description]
    header = outcome.header if outcome.header is not None and len(outcome.header) == len(columns) else columns
    wanted = table_columns(header)
    moved = [(i, old, new) for i, (old, new) in enumerate(zip(columns, wanted)) if old != new]
    passing = free_prefix([*columns, *wanted])  # through names of their own: a new name may be another's old one
    for i, old, _ in moved:
        con.execute(f"ALTER TABLE {quote(table)} RENAME COLUMN {quote(old)} TO {quote(f'{passing}{i}')}")
    for i, old, new in moved:
        con.execute(f"ALTER TABLE {quote(table)} RENAME COLUMN {quote(f'{passing}{i}')} TO {quote(new)}")
        outcome.sql += f";\nALTER TABLE {quote(table)} RENAME COLUMN {quote(old)} TO {quote(new)}"
    for written, new in zip(header, wanted):
        if written is not None and hides_row_number(str(written).strip()):
            outcome.notes.append(f"column {written!r} was renamed {new!r}: DuckDB keeps that name for its row "
                                 "numbers")


def _explain(exc: BaseException, unit: _Unit, tmp_dir: Path) -> str:
    """The failure in words about the user's file: no temp paths, no engine internals."""
    name = unit.path.name
    text = str(exc).replace(str(unit.path), name)
    text = re.sub(re.escape(str(tmp_dir)) + r"/[\w.-]+", name, text)  # a temp copy is the user's file
    text = re.sub(r"\b\d+-[0-9a-f]{32}\.\w+", name, text)
    if isinstance(exc, WorkbenchError):
        return _first_line(text)
    if isinstance(exc, (EOFError, zlib.error)) or "end of GZIP stream" in text or "Not a gzipped file" in text:
        return f"{name} is truncated or damaged (the compressed data ends early): download or copy it again."
    if isinstance(exc, PermissionError):
        return f"{name} cannot be read: permission denied. Check the file's permissions."
    if "Error when sniffing file" in text:
        return (f"{name} does not read as a table: no delimiter, quoting and column count fit all of its first "
                "lines. Open it in a text editor: if it is delimited text, check its quotes and line endings.")
    if isinstance(exc, UnicodeError):
        return f"{name} is not valid text in the encoding it seemed to use ({exc.reason}): save it as UTF-8."
    return _first_line(text or type(exc).__name__)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0].strip()


def _scaled(on_progress: Progress | None, index: int, count: int, label: str) -> Progress | None:
    """Map one unit's 0..1 progress onto its share of the whole batch."""
    if on_progress is None:
        return None
    return lambda done, _msg: on_progress((index + done) / count, label)
