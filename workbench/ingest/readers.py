"""One reader per format: each creates one table from one file, inside the caller's transaction.

A reader returns a `ReadOutcome` (the SQL to keep in lineage, rejected lines,
what it detected); the caller records provenance and commits, or rolls back.
"""

from __future__ import annotations

import gzip
import json
import os
import re
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
from workbench.ingest.formats import control_share, open_text_sample, utf16_without_bom
from workbench.jobs import Progress, run_watched
from workbench.names import disambiguate_columns, hides_row_number, quote, render, table_columns
from workbench.settings import Limits

_REJECTS, _SCANS = "_wb_reject_errors", "_wb_reject_scans"
_DELIMITERS = (",", ";", "\t", "|")
_INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT",
                  "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT"}  # fmt: skip
_NOT_WHOLE = "workbench: not a whole number in column "
_EXACT_DOUBLE = 2**53  # integers above lose digits as DOUBLE
# The sniffer reads Yes/No, Y... as BOOLEAN (shown true/false) and 01/02/2020 as a DATE under a guessed
# day/month order: both rewrite what the file says. Only a type whose values render as the file wrote
# them is kept; the rest stays text, for a Clean step (to_boolean, to_date) the user sees.
_BOOLEAN_LITERALS = ("true", "false")  # the only spellings a BOOLEAN renders back to
_ISO_DATE = "%Y-%m-%d"
_ISO_TIMESTAMP = "%Y-%m-%d %H:%M:%S"
# DuckDB infers JSON columns from the first 20,480 records and silently drops a key
# first seen later (or fails on a later type change): infer from every record.
_JSON_OPTIONS = "sample_size = -1"


class NeedsSalvage(Exception):
    """The file can be read after setting its bad lines aside: roll back and retry with `salvage`."""


@dataclass
class ReadOutcome:
    sql: str
    rejected: int = 0
    reject_examples: list[tuple] = field(default_factory=list)  # (line, column, type, message, raw)
    detail: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what the user should know: types widened, lines skipped
    header: list[str | None] | None = None  # the source's column names as written, when DuckDB renamed some


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
        """A file in `tmp_dir` named after this process, so that `remove_orphans` knows when nobody owns it."""
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        path = self.tmp_dir / f"{os.getpid()}-{uuid.uuid4().hex}{suffix}"
        try:
            yield path
        finally:
            path.unlink(missing_ok=True)


def remove_orphans(tmp_dir: Path) -> list[Path]:
    """Delete the temp files whose owning process is gone (killed mid-import); return them."""
    removed = []
    for path in tmp_dir.glob("*-*") if tmp_dir.is_dir() else []:
        pid = path.name.split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


# -- CSV and other delimited text ------------------------------------------------------


def read_csv(job: Job, path: Path) -> ReadOutcome:
    sample = open_text_sample(path, job.limits.encoding_sample_bytes)
    codec = enc.detect_encoding(sample)
    if codec not in (enc.UTF16, enc.UTF16_BE):
        _refuse_binary(path, sample, job.limits)
    native = enc.duckdb_encoding(codec)
    text_sample = sample.decode(enc.UTF8 if codec == enc.MIXED else codec, errors="replace")
    mixed_endings = enc.mixed_line_endings(sample)
    if native is None or mixed_endings:
        with job.temp_file(".csv") as utf8_copy:
            fallback_lines = enc.transcode_to_utf8(path, utf8_copy, codec, universal_newlines=mixed_endings)
            outcome = _read_csv_as(job, utf8_copy, enc.UTF8, text_sample)
        # DuckDB cannot read the file as it is: say so, or re-running the SQL would misread it.
        endings = " with mixed line endings" if mixed_endings else ""
        outcome.sql = (f"-- {path.name} is {codec}{endings}: transcode it to UTF-8 first (DuckDB reads it as UTF-8 "
                       "here)\n" + outcome.sql.replace(str(utf8_copy), str(path)))  # fmt: skip
        if mixed_endings:
            outcome.notes.append("its lines end in mixed ways (CRLF, LF, CR): all were read as LF")
        if fallback_lines:
            outcome.notes.append(f"{fallback_lines:,} lines were not UTF-8 and were read as Windows-1252 (Latin-1)")
    else:
        outcome = _read_csv_as(job, path, native, text_sample)
    outcome.detail["encoding"] = codec
    _refuse_mostly_rejected(job, path, outcome, f"do not fit the {job.column_count():,} columns of its first lines")
    return outcome


def _refuse_binary(path: Path, sample: bytes, limits: Limits) -> None:
    """Bytes that are not text (random data, a binary format under a .csv name) are refused, not read as rows."""
    if utf16_without_bom(sample):
        raise WorkbenchError(f"{path.name} looks like UTF-16 text without a byte-order mark: save it as UTF-8 "
                             "(or UTF-16 with a BOM) and load it again.")  # fmt: skip
    share = control_share(sample)
    if len(sample) >= limits.text_check_min_bytes and share > limits.max_control_share:
        raise WorkbenchError(
            f"{path.name} is not text: {share:.0%} of its first {len(sample):,} bytes are control bytes that "
            "no text file holds. Is it binary data under a text name? Load the file the data was exported to."
        )


def _refuse_mostly_rejected(job: Job, path: Path, outcome: ReadOutcome, why: str) -> None:
    """More than `Limits.max_rejected_share` of the lines rejected: the file does not read as a table."""
    if not outcome.rejected:
        return
    (rows,) = job.con.execute(f"SELECT count(*) FROM {quote(job.table)}").fetchone()
    lines = rows + outcome.rejected
    if outcome.rejected > job.limits.max_rejected_share * lines:
        raise WorkbenchError(
            f"{path.name} does not read as a table: {outcome.rejected:,} of its {lines:,} lines {why} "
            f"({_first_reject(outcome)}). Open it in a text editor: is it the file you meant?"
        )


def _first_reject(outcome: ReadOutcome) -> str:
    line, *_, raw = min(outcome.reject_examples, key=lambda r: r[0])
    return f"line {line}: {raw if len(raw) <= 60 else raw[:60] + '…'!r}"


def _read_csv_as(job: Job, path: Path, encoding: str, text_sample: str) -> ReadOutcome:
    """Sniff the dialect and read; a file whose quoting one bad line broke is read without that line."""
    src = _CsvSource.sniffed(job, path, encoding, text_sample)
    if not _quotes_broken(src, text_sample):
        return _read_sniffed(job, src)
    with job.temp_file(".csv") as copy:
        set_aside = _set_aside_unbalanced_quotes(path, copy)
        dialect = {**src.dialect, "delim": src.delimiter, "quote": '"', "escape": '"'}
        outcome = _read_sniffed(job, _CsvSource(copy, encoding, dialect).sniff(job))
    outcome.sql = ("-- lines with an unbalanced quote were set aside first (a blank line in their place)\n"
                   + outcome.sql.replace(str(copy), str(path)))  # fmt: skip
    outcome.rejected += len(set_aside)
    examples = sorted(outcome.reject_examples + set_aside, key=lambda r: r[0])
    outcome.reject_examples = examples[: job.limits.reject_examples]
    return outcome


def _quotes_broken(src: _CsvSource, text_sample: str) -> bool:
    """The file quotes its fields, but a line with an unbalanced quote made the sniffer give up quoting.

    DuckDB then keeps the quote marks as part of every value, or rejects every
    line whose quoted values hold the delimiter.
    """
    if src.quote not in ("", "(empty)") or src.encoding == enc.UTF16:
        return False
    lines = text_sample.splitlines()
    starts = re.compile(f'(^|{re.escape(src.delimiter)})"')
    quoted = sum(bool(starts.search(line)) for line in lines)
    unbalanced = sum(line.count('"') % 2 for line in lines)
    return 0 < 2 * unbalanced <= quoted


def _set_aside_unbalanced_quotes(path: Path, copy: Path) -> list[tuple]:
    """Copy `path` with each line holding an odd number of quotes blanked (DuckDB skips blank lines,
    so line numbers stay right); return those lines as rejects."""
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    rejects = []
    with opener(path, "rb") as src, open(copy, "wb") as dst:
        for number, line in enumerate(src, start=1):
            if line.count(b'"') % 2:
                raw = line.rstrip(b"\r\n").decode("utf-8", errors="replace")
                rejects.append((number, None, "UNQUOTED VALUE", "Value with unterminated quote found.", raw))
                line = b"\n"
            dst.write(line)
    return rejects


def _read_sniffed(job: Job, src: _CsvSource) -> ReadOutcome:
    """Read with DuckDB's sniffer, keeping bad lines aside; never let a type guess change or drop data.

    The sniffer guesses column types from the first 20,480 rows, and DuckDB
    then rounds a later "2.5" into an integer column without a word. So integer
    columns are read as text and cast in the same statement behind a guard that
    fails on any value that is not a whole number: the common case costs one
    pass, and a failure (rolled back by the caller) retries with `job.salvage`,
    which checks every kept row first. A value that fails another type's cast
    (a "n/a" in a number column) makes its column text. Only rows that are kept
    decide types: a malformed line's values never do. A column the sniffer
    took for BOOLEAN is read as text, and made BOOLEAN after the read only when
    every value is written `true` or `false` (`_booleans_as_written`).
    """
    forced: dict[str, str] = {}  # column -> the type it is read as instead of the sniffed one
    notes: dict[str, str] = {}  # column -> why
    if job.salvage:
        _widen_integer_columns(job, src, forced, notes)
    for _ in range(len(src.columns) + 1):
        job.con.execute(f"DROP TABLE IF EXISTS {_REJECTS}; DROP TABLE IF EXISTS {_SCANS}")
        sql = _create_guarded(job, src, forced)
        widened = _cast_failures(job, {c: t for c, t in src.columns.items() if forced.get(c) != "VARCHAR"})
        if not widened:
            break
        for column, reason in widened.items():
            forced[column], notes[column] = "VARCHAR", reason
        job.drop()
    sql += _booleans_as_written(job, [c for c in src.boolean_columns() if c not in forced])
    # A line over DuckDB's 2 MB default past the sniffed rows is set aside, not raised: read again with
    # Limits.csv_max_line_bytes, as `_long_lines_retried` does when the sniffer meets one.
    too_long = f"SELECT count(*) FROM {_REJECTS} WHERE error_type = 'LINE SIZE OVER MAXIMUM'"
    if not job.salvage and job.con.execute(too_long).fetchone()[0]:
        raise NeedsSalvage()
    (rejected,) = job.con.execute(f"SELECT count(DISTINCT line) FROM {_REJECTS}").fetchone()
    # DuckDB reports a line once per extra column ("Found: 4", then "Found: 5"):
    # keep each line's last error, which tells the whole story.
    examples = job.con.execute(
        f"SELECT line, column_name, error_type, error_message, csv_line FROM {_REJECTS} "
        "QUALIFY row_number() OVER (PARTITION BY line ORDER BY byte_position DESC) = 1 ORDER BY line LIMIT ?",
        [job.limits.reject_examples],
    ).fetchall()
    job.con.execute(f"DROP TABLE IF EXISTS {_REJECTS}; DROP TABLE IF EXISTS {_SCANS}")
    detail: dict[str, Any] = {"delimiter": src.delimiter, "quote": src.quote, "header": src.header}
    if as_text := sorted(c for c, t in forced.items() if t == "VARCHAR"):
        detail["read_as_text"] = as_text
    if notes:
        detail["column_notes"] = notes
    outcome = ReadOutcome(sql=sql, rejected=rejected, reject_examples=[tuple(r) for r in examples], detail=detail)
    outcome.header = src.written
    outcome.notes = [f"column {c!r} {why}" for c, why in notes.items()]
    return outcome


_RENAMED_BY_DUCKDB = re.compile(r"column\d+|C\d+|.*_\d+")


def _maybe_renamed(name: str) -> bool:
    """A sniffed name DuckDB may have made up or changed: blank, untrimmed, `column3`/`C3`, `name_1`, `rowid`."""
    return not name or name != name.strip() or bool(_RENAMED_BY_DUCKDB.fullmatch(name)) or hides_row_number(name)


def _header_as_written(job: Job, src: _CsvSource) -> list[str | None] | None:
    """The header line's fields as the file writes them: DuckDB's reader renames a name of only Unicode spaces
    (`C4`, `_1`) and trims only some spaces, so the names are decided from this (names.table_columns)."""
    options = {**src.dialect, "delim": src.delimiter, "header": False, "all_varchar": True}
    if len(src.quote) == 1:  # the sniffer says '(empty)' when it saw no quotes
        options["quote"] = src.quote
    args = ["?", "encoding = ?", *(f"{k} = ?" for k in options)]
    try:  # on a connection of its own: a failure here must not abort the import's transaction
        with duckdb.connect() as con:
            row = con.execute(f"SELECT * FROM read_csv({', '.join(args)}) LIMIT 1",
                              [str(src.path), src.encoding, *options.values()]).fetchone()
    except duckdb.Error:  # not readable so: DuckDB's names stay
        return None
    return list(row) if row else []


@dataclass
class _CsvSource:
    """A delimited file, its encoding, what the sniffer must be told and what it found."""

    path: Path
    encoding: str
    dialect: dict[str, Any]  # read_csv options given explicitly (delim, skip, max_line_size)
    delimiter: str = ","
    quote: str = ""
    header: bool = True
    columns: dict[str, str] = field(default_factory=dict)  # name -> sniffed type
    date_formats: tuple[str | None, str | None] = (None, None)  # the sniffed DateFormat, TimestampFormat
    found: dict[str, Any] = field(default_factory=dict)  # the sniffed dialect as read_csv options
    written: list[str | None] | None = None  # the header's fields as written, when they were read (`named`)

    @classmethod
    def sniffed(cls, job: Job, path: Path, encoding: str, text_sample: str) -> _CsvSource:
        """Sniff, first honouring an Excel `sep=;` line, then a delimiter the sniffer missed on a tiny file."""
        lines = text_sample.lstrip("\ufeff").splitlines()
        if not "".join(lines).strip():
            raise WorkbenchError(f"{path.name} is empty: it holds no text to import.")
        first = lines[0].strip()
        excel = first.lower().startswith("sep=") and len(first) == 5
        base = {"max_line_size": job.limits.csv_max_line_bytes} if job.salvage else {}
        src = cls(path, encoding, {**base, **({"delim": first[4], "skip": 1} if excel else {})}).sniff(job)
        if not excel and len(src.columns) == 1 and (guess := _guess_delimiter(first)):
            src = cls(path, encoding, {**base, "delim": guess}).sniff(job)
        if not all(f is None or f.startswith(_ISO_DATE) for f in src.date_formats):
            # Dates written day/month or month/day first: only year-first ones read as dates, the rest stay text.
            src = cls(path, encoding, {**src.dialect, "dateformat": _ISO_DATE,
                                       "timestampformat": _ISO_TIMESTAMP}).sniff(job)  # fmt: skip
        return src.named(job)

    def named(self, job: Job) -> _CsvSource:
        """Sniffed again under the header's names as `names.table_columns` decides them, when DuckDB's may differ:
        its sniffer names a name of only Unicode spaces '' (and its reader `C1`), it trims only ASCII spaces, and
        a repeat or `rowid` is renamed here the same way in every format. Types, guards and the table then all
        use the same names."""
        if not self.header or "names" in self.dialect or not any(map(_maybe_renamed, self.columns)):
            return self
        written = _header_as_written(job, self)
        if written is None or len(written) != len(self.columns):
            return self
        wanted = table_columns(written)
        src = self if wanted == list(self.columns) else type(self)(self.path, self.encoding,
                                                                  {**self.dialect, "names": wanted}).sniff(job)
        src.written = written
        return src

    def sniff(self, job: Job) -> _CsvSource:
        args, params = self.args("ignore_errors = true")  # sniffs as the read with store_rejects does
        with _long_lines_retried(job, self.path):
            row = job.con.execute(
                f"SELECT Delimiter, Quote, HasHeader, Columns, DateFormat, TimestampFormat, Escape, "
                f"NewLineDelimiter, Comment, SkipRows FROM sniff_csv({', '.join(args)})",
                params,
            ).fetchone()
        self.delimiter, self.quote, self.header = row[:3]
        self.columns = {c["name"]: c["type"] for c in row[3]}
        self.date_formats = (row[4], row[5])
        empty = "(empty)"  # how sniff_csv reports no quote, escape or comment
        self.found = {"delim": self.delimiter, "quote": "" if self.quote == empty else self.quote,
                      "new_line": row[7], "skip": row[9], "header": self.header}  # fmt: skip
        # No escape found in the sample is not escape = '': a "" past the sampled rows still reads as one quote.
        self.found.update((k, v) for k, v in (("escape", row[6]), ("comment", row[8])) if v != empty)
        self.found.update((k, f) for k, f in zip(("dateformat", "timestampformat"), self.date_formats) if f)
        return self

    def read_args(self, types: dict[str, str], *options: str) -> tuple[list[str], list]:
        """read_csv's arguments reading as sniffed (every column named and typed, `types` overriding),
        so that the file is not sniffed a second time (13 s of a 5,000-column file)."""
        args, params = ["?", "encoding = ?", "auto_detect = false", *options], [str(self.path), self.encoding]
        # max_line_size; `names` (see `named`) are the keys of `columns`
        given = {k: v for k, v in self.dialect.items() if k not in self.found and k != "names"}
        for key, value in {**given, **self.found, "columns": {**self.columns, **types}}.items():
            args.append(f"{key} = ?")
            params.append(value)
        return args, params

    def args(self, *options: str) -> tuple[list[str], list]:
        """read_csv's arguments as SQL with `?`, and their parameters."""
        args, params = ["?", "encoding = ?", *options], [str(self.path), self.encoding]
        for key, value in self.dialect.items():
            args.append(f"{key} = ?")
            params.append(value)
        return args, params

    def integer_columns(self) -> list[str]:
        return [c for c, t in self.columns.items() if t in _INTEGER_TYPES]

    def boolean_columns(self) -> list[str]:
        return [c for c, t in self.columns.items() if t == "BOOLEAN"]


@contextmanager
def _long_lines_retried(job: Job, path: Path) -> Iterator[None]:
    """DuckDB refuses lines over 2 MB (naming the wrong line): retry with `Limits.csv_max_line_bytes`."""
    try:
        yield
    except duckdb.InvalidInputException as exc:
        if "Maximum line size" not in str(exc):
            raise
        if not job.salvage:
            raise NeedsSalvage() from exc
        raise WorkbenchError(
            f"{path.name} has a line longer than {job.limits.csv_max_line_bytes:,} bytes: is it really "
            "one table? Raise Limits.csv_max_line_bytes to read it."
        ) from exc


def _create_guarded(job: Job, src: _CsvSource, forced: dict[str, str]) -> str:
    """CREATE the table; integer columns are read as text and cast only when every value is a whole number."""
    guarded = [c for c in src.integer_columns() if c not in forced]
    as_text = [c for c in guarded + src.boolean_columns() if c not in forced]
    types = {**forced, **{c: "VARCHAR" for c in as_text}}
    args, params = src.read_args(types, "store_rejects = true", f"rejects_table = '{_REJECTS}'",
                                 f"rejects_scan = '{_SCANS}'")  # fmt: skip
    # Every column named, not `* REPLACE (...)`: DuckDB binds a REPLACE list in time that grows with the
    # square of its length (667 guarded columns of 1,000: 8 s, against 0.8 s for the same select list).
    wanted = set(guarded)
    select = ", ".join(_guarded(c, t) if c in wanted else quote(c) for c, t in src.columns.items()) if guarded else "*"
    guard_params = [f"{_NOT_WHOLE}{c}: " for c in src.columns if c in wanted]
    try:
        with _long_lines_retried(job, src.path):
            return job.create(f"SELECT {select} FROM read_csv({', '.join(args)})", guard_params + params)
    except duckdb.InvalidInputException as exc:
        if _NOT_WHOLE in str(exc) and not job.salvage:
            raise NeedsSalvage() from exc
        raise


def _guarded(column: str, typ: str) -> str:
    """`column` (read as text) cast to `typ` when it holds a whole number, else an error naming it."""
    q = quote(column)
    return (f"CASE WHEN {q} IS NULL OR TRY_CAST({q} AS DOUBLE) = TRY_CAST({q} AS {typ}) "
            f"THEN CAST({q} AS {typ}) ELSE error(? || {q}) END AS {q}")  # fmt: skip


def _booleans_as_written(job: Job, columns: list[str]) -> str:
    """Make BOOLEAN the text columns whose every value is `true` or `false`; return the SQL that did it.

    Yes/No, Y/N, T/F, True/FALSE stay text as the file wrote them: a submission
    writes a target's labels back exactly so.
    """
    if not columns:
        return ""
    literals = ", ".join(f"'{v}'" for v in _BOOLEAN_LITERALS)
    checks = ", ".join(f"bool_and({quote(c)} IN ({literals}))" for c in columns)
    row = job.con.execute(f"SELECT {checks} FROM {quote(job.table)}").fetchone()
    sql = ""
    for c, literal in zip(columns, row):
        if literal:  # NULL when the column holds no value at all: it stays text
            statement = f"ALTER TABLE {quote(job.table)} ALTER COLUMN {quote(c)} TYPE BOOLEAN"
            job.con.execute(statement)
            sql += f";\n{statement}"
    return sql


def _widen_integer_columns(job: Job, src: _CsvSource, forced: dict[str, str], notes: dict[str, str]) -> None:
    """Check every kept row of the integer columns; widen those holding other values to DOUBLE or text.

    DOUBLE only when every value is a number it holds exactly enough: no text, no integer beyond 2^53.
    """
    if not (ints := src.integer_columns()):
        return
    checks = []
    for c in ints:
        q, t = quote(c), src.columns[c]
        number = f"TRY_CAST({q} AS DOUBLE)"
        checks += [
            f"any_value({q}) FILTER (WHERE {number} IS NULL)",  # not a number at all
            f"any_value({q}) FILTER (WHERE {number} IS DISTINCT FROM TRY_CAST({q} AS {t}))",  # not whole
            f"bool_or(abs({number}) >= {_EXACT_DOUBLE})",
        ]
    args, params = src.args("all_varchar = true", "ignore_errors = true")  # bad lines: rejected by the real read
    row = job.con.execute(f"SELECT {', '.join(checks)} FROM read_csv({', '.join(args)})", params).fetchone()
    for c, text, not_whole, huge in zip(ints, row[0::3], row[1::3], row[2::3]):
        if text is None and not_whole is None:  # text alone (no decimal beside it) must widen too
            continue
        forced[c] = "VARCHAR" if text is not None or huge else "DOUBLE"
        notes[c] = (
            f"kept as {'text' if forced[c] == 'VARCHAR' else 'DOUBLE'}, not {src.columns[c]}: it holds "
            f"{text if text is not None else not_whole!r} below the rows its type was guessed from, "
            "and converting would have changed it"
        )


def _cast_failures(job: Job, types: dict[str, str]) -> dict[str, str]:
    """Columns whose values failed their type's cast on otherwise well-formed lines -> why they become text."""
    rows = job.con.execute(
        f"SELECT column_name, min(line), arg_min(csv_line, line) FROM {_REJECTS} WHERE error_type = 'CAST' "
        f"AND line NOT IN (SELECT line FROM {_REJECTS} WHERE error_type <> 'CAST') GROUP BY column_name"
    ).fetchall()
    return {
        c: f"kept as text, not {types[c]}: line {line} ({raw!r}) holds a value that is not a {types[c]}"
        for c, line, raw in rows
        if c in types
    }


def _guess_delimiter(first: str) -> str | None:
    """The delimiter a one-column read missed, judged on the first line (tiny files fool the sniffer)."""
    counts = {d: first.count(d) for d in _DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else None


# -- Parquet ---------------------------------------------------------------------------


def read_parquet(job: Job, path: Path) -> ReadOutcome:
    import pyarrow.parquet as pq

    outcome = ReadOutcome(sql=job.create("SELECT * FROM read_parquet(?)", [str(path)]))
    outcome.header = pq.read_schema(path).names  # DuckDB names a blank one C0; names.table_columns decides
    return outcome


# -- JSON and newline-delimited JSON ---------------------------------------------------


def read_json(job: Job, path: Path) -> ReadOutcome:
    """A JSON array/object or NDJSON. Bad NDJSON lines are set aside as rejects.

    DuckDB stops at the first malformed line and the failed statement aborts the
    transaction, so the caller retries with `job.salvage` set, which filters
    the lines in Python first.
    """
    sample = open_text_sample(path, job.limits.encoding_sample_bytes)
    if enc.detect_encoding(sample[:4]) not in (enc.UTF16, enc.UTF16_BE):
        _refuse_binary(path, sample, job.limits)
    if not job.salvage:
        try:
            return ReadOutcome(sql=job.create(f"SELECT * FROM read_json(?, {_JSON_OPTIONS}, format = ?)",
                                              [str(path), _json_format(path)]))  # fmt: skip
        except duckdb.InvalidInputException as exc:
            if _looks_line_delimited(path):
                raise NeedsSalvage() from exc
            raise
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    rejects: list[tuple] = []
    rejected = 0
    with job.temp_file(".ndjson") as good, opener(path, "rt", encoding="utf-8-sig", errors="replace") as src:
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
        job.create(f"SELECT * FROM read_json(?, {_JSON_OPTIONS}, format = 'newline_delimited')", [str(good)])
    # The same table in SQL alone: ignore_errors turns a bad line into a row of
    # NULLs, and read_ndjson_objects marks the same lines NULL, row for row.
    sql = render(
        f"CREATE TABLE {quote(job.table)} AS SELECT j.* "
        f"FROM read_json(?, {_JSON_OPTIONS}, format = 'newline_delimited', ignore_errors = true) AS j "
        "POSITIONAL JOIN read_ndjson_objects(?, ignore_errors = true) AS o WHERE o.json IS NOT NULL",
        [str(path), str(path)],
    )
    outcome = ReadOutcome(sql=sql, rejected=rejected, reject_examples=rejects)
    _refuse_mostly_rejected(job, path, outcome, "are not JSON records")
    return outcome


def _json_format(path: Path) -> str:
    """'array' for a top-level array: DuckDB's auto-detection reads one behind a BOM as a single value."""
    start = open_text_sample(path, 4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    return "array" if start.startswith(b"[") else "auto"


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
    try:
        raw = pd.read_excel(path, sheet_name=sheet, header=None, dtype=object, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many kinds (XML, zip, key errors) for damaged files
        raise WorkbenchError(
            f"sheet {sheet!r} of {path.name} is damaged and cannot be read ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else 'no detail'}): open and save it again in Excel."
        ) from exc
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
