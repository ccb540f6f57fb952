"""One reader per format: each creates one table from one file, inside the caller's transaction.

A reader returns a `ReadOutcome` (the SQL to keep in lineage, rejected lines,
what it detected); the caller records provenance and commits, or rolls back.
"""

from __future__ import annotations

import gzip
import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from workbench.errors import WorkbenchError
from workbench.ingest import encoding as enc
from workbench.ingest.formats import open_text_sample
from workbench.jobs import Progress, run_watched
from workbench.names import disambiguate_columns, quote, render
from workbench.settings import Limits

_REJECTS, _SCANS = "_wb_reject_errors", "_wb_reject_scans"
_DELIMITERS = (",", ";", "\t", "|")


class NeedsSalvage(Exception):
    """The file can be read after setting its bad lines aside: roll back and retry with `salvage`."""


@dataclass
class ReadOutcome:
    sql: str
    rejected: int = 0
    reject_examples: list[tuple] = field(default_factory=list)  # (line, column, type, message, raw)
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Job:
    """What a reader needs besides the file: where to write, limits, progress, cancel."""

    con: duckdb.DuckDBPyConnection
    table: str
    tmp_dir: Path
    limits: Limits
    on_progress: Progress | None = None
    cancel: threading.Event | None = None
    label: str = ""
    salvage: bool = False  # second attempt after NeedsSalvage

    def create(self, select_sql: str, params: list) -> str:
        """CREATE the table from `select_sql`; return the statement as kept in lineage."""
        statement = f"CREATE TABLE {quote(self.table)} AS {select_sql}"
        run_watched(self.con, statement, params, on_progress=self.on_progress, cancel=self.cancel, label=self.label)
        return render(statement, params)

    def drop(self) -> None:
        self.con.execute(f"DROP TABLE IF EXISTS {quote(self.table)}")

    def column_count(self) -> int:
        return len(self.con.execute(f"SELECT * FROM {quote(self.table)} LIMIT 0").description)

    @contextmanager
    def temp_file(self, suffix: str) -> Iterator[Path]:
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        path = self.tmp_dir / f"{uuid.uuid4().hex}{suffix}"
        try:
            yield path
        finally:
            path.unlink(missing_ok=True)


# -- CSV and other delimited text ------------------------------------------------------


def read_csv(job: Job, path: Path) -> ReadOutcome:
    sample = open_text_sample(path, job.limits.encoding_sample_bytes)
    codec = enc.detect_encoding(sample)
    native = enc.duckdb_encoding(codec)
    if native is None:
        with job.temp_file(".csv") as utf8_copy:
            enc.transcode_to_utf8(path, utf8_copy, codec)
            outcome = _read_csv_as(job, utf8_copy, enc.UTF8, sample.decode(codec, errors="replace"))
        # Offline DuckDB cannot decode `codec`: say so, or re-running the SQL would misread the file.
        outcome.sql = (f"-- {path.name} is {codec}: transcode it to UTF-8 first (DuckDB reads it as UTF-8 here)\n"
                       + outcome.sql.replace(str(utf8_copy), str(path)))
    else:
        outcome = _read_csv_as(job, path, native, sample.decode(codec, errors="replace"))
    outcome.detail["encoding"] = codec
    return outcome


def _read_csv_as(job: Job, path: Path, encoding: str, text_sample: str) -> ReadOutcome:
    """Read with DuckDB's sniffer, keeping bad lines aside; never let a type guess drop data.

    The sniffer guesses column types from the first rows. A value further down
    that does not fit (a "n/a" in a number column) would become a rejected
    line, so such columns are re-read as text: the raw table keeps every value
    and the Explore page reports the column as numbers stored as text.
    """
    as_text: set[str] = set()
    delimiter: str | None = None
    for _ in range(4):
        job.con.execute(f"DROP TABLE IF EXISTS {_REJECTS}; DROP TABLE IF EXISTS {_SCANS}")
        args = ["?", "store_rejects = true", f"rejects_table = '{_REJECTS}'", f"rejects_scan = '{_SCANS}'",
                "encoding = ?"]  # fmt: skip
        params: list = [str(path), encoding]
        if delimiter:
            args.append("delim = ?")
            params.append(delimiter)
        if as_text:
            args.append("types = ?")
            params.append({c: "VARCHAR" for c in sorted(as_text)})
        sql = job.create(f"SELECT * FROM read_csv({', '.join(args)})", params)
        failed = job.con.execute(f"SELECT DISTINCT column_name FROM {_REJECTS} WHERE error_type = 'CAST'").fetchall()
        cast_failures = {c for (c,) in failed}
        if cast_failures - as_text:
            as_text |= cast_failures
            job.drop()
            continue
        if delimiter is None and job.column_count() == 1 and (guess := _guess_delimiter(text_sample)):
            delimiter = guess
            job.drop()
            continue
        break
    (rejected,) = job.con.execute(f"SELECT count(DISTINCT line) FROM {_REJECTS}").fetchone()
    # DuckDB reports a line once per extra column ("Found: 4", then "Found: 5"):
    # keep each line's last error, which tells the whole story.
    examples = job.con.execute(
        f"SELECT line, column_name, error_type, error_message, csv_line FROM {_REJECTS} "
        "QUALIFY row_number() OVER (PARTITION BY line ORDER BY byte_position DESC) = 1 ORDER BY line LIMIT ?",
        [job.limits.reject_examples],
    ).fetchall()
    sniffed = job.con.execute(f"SELECT delimiter, quote, has_header FROM {_SCANS} LIMIT 1").fetchone()
    if sniffed is None:  # the scan table only has a row when a line was rejected: ask the sniffer
        dialect = ["?", "encoding = ?"] + (["delim = ?"] if delimiter else [])
        sniffed = job.con.execute(
            f"SELECT Delimiter, Quote, HasHeader FROM sniff_csv({', '.join(dialect)})",
            [str(path), encoding] + ([delimiter] if delimiter else []),
        ).fetchone()
    job.con.execute(f"DROP TABLE IF EXISTS {_REJECTS}; DROP TABLE IF EXISTS {_SCANS}")
    detail: dict[str, Any] = {"delimiter": sniffed[0], "quote": sniffed[1], "header": sniffed[2]} if sniffed else {}
    if as_text:
        detail["read_as_text"] = sorted(as_text)
    return ReadOutcome(sql=sql, rejected=rejected, reject_examples=[tuple(r) for r in examples], detail=detail)


def _guess_delimiter(text: str) -> str | None:
    """The delimiter a one-column read missed, judged on the first line (tiny files fool the sniffer)."""
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    counts = {d: first.count(d) for d in _DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else None


# -- Parquet ---------------------------------------------------------------------------


def read_parquet(job: Job, path: Path) -> ReadOutcome:
    return ReadOutcome(sql=job.create("SELECT * FROM read_parquet(?)", [str(path)]))


# -- JSON and newline-delimited JSON ---------------------------------------------------


def read_json(job: Job, path: Path) -> ReadOutcome:
    """A JSON array/object or NDJSON. Bad NDJSON lines are set aside as rejects.

    DuckDB stops at the first malformed line and the failed statement aborts the
    transaction, so the caller retries with `job.salvage` set, which filters
    the lines in Python first.
    """
    if not job.salvage:
        try:
            return ReadOutcome(sql=job.create("SELECT * FROM read_json(?)", [str(path)]))
        except duckdb.InvalidInputException as exc:
            if _looks_line_delimited(path):
                raise NeedsSalvage() from exc
            raise
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    rejects: list[tuple] = []
    rejected = 0
    with job.temp_file(".ndjson") as good, opener(path, "rt", encoding="utf-8", errors="replace") as src:
        with open(good, "w", encoding="utf-8") as dst:
            for number, line in enumerate(src, start=1):
                if not line.strip():
                    continue
                try:
                    json.loads(line)
                except ValueError as exc:
                    rejected += 1
                    if len(rejects) < job.limits.reject_examples:
                        rejects.append((number, None, "MALFORMED JSON", str(exc), line.rstrip("\n")[:1000]))
                    continue
                dst.write(line if line.endswith("\n") else line + "\n")
        job.create("SELECT * FROM read_json(?, format = 'newline_delimited')", [str(good)])
    # The same table in SQL alone: ignore_errors turns a bad line into a row of
    # NULLs, and read_ndjson_objects marks the same lines NULL, row for row.
    sql = render(
        f"CREATE TABLE {quote(job.table)} AS SELECT j.* "
        "FROM read_json(?, format = 'newline_delimited', ignore_errors = true) AS j "
        "POSITIONAL JOIN read_ndjson_objects(?, ignore_errors = true) AS o WHERE o.json IS NOT NULL",
        [str(path), str(path)],
    )
    return ReadOutcome(sql=sql, rejected=rejected, reject_examples=rejects)


def _looks_line_delimited(path: Path) -> bool:
    lines = open_text_sample(path, 64 * 1024).decode("utf-8", errors="replace").splitlines()
    starts = [ln.lstrip()[:1] for ln in lines if ln.strip()]
    return len(starts) > 1 and starts.count("{") >= len(starts) // 2


# -- Excel -----------------------------------------------------------------------------


def excel_sheets(path: Path) -> list[str]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise WorkbenchError(f"{path.name} is not a readable Excel workbook ({exc}).") from exc
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def read_excel_sheet(job: Job, path: Path, sheet: str) -> ReadOutcome:
    """One sheet, first non-empty row as the header. Held in memory: Excel caps sheets at ~1M rows."""
    raw = pd.read_excel(path, sheet_name=sheet, header=None, dtype=object, engine="openpyxl")
    raw = raw.dropna(how="all").dropna(axis=1, how="all")
    if raw.empty:
        raise WorkbenchError(f"Sheet {sheet!r} is empty.")
    frame = raw.iloc[1:].reset_index(drop=True)
    frame.columns = disambiguate_columns(raw.iloc[0].tolist())
    frame = frame.infer_objects()
    for column in frame.columns:
        if frame[column].dtype == object:  # mixed types: keep every value, as text
            frame[column] = frame[column].map(lambda v: None if pd.isna(v) else str(v))
    view = f"_wb_sheet_{uuid.uuid4().hex[:8]}"
    job.con.register(view, frame)
    try:
        job.create(f"SELECT * FROM {view}", [])
    finally:
        job.con.unregister(view)
    return ReadOutcome(sql=f"-- read with pandas.read_excel({str(path)!r}, sheet_name={sheet!r})")
