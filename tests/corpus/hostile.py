"""The hostile-input corpus: one small function per file, registered with the outcome it must have.

Each generator writes one file (or folder, or FIFO) into the empty directory it
is given and returns its path. `@case(...)` registers it with what
`workbench load FILE --json` must do with it:

* `Table(records, rejected, checks)`: exit 0, a table holding every record the
  generator wrote, as `rows + rejected == records`, and the exact values that
  `checks` select (SQL over `{t}`, the new table's quoted name);
* `Refused(label, says)`: one unit of a multi-unit file (a zip member, a sheet)
  is refused or skipped while the others import;
* `Fails(says)`: exit 1 with one `error:` line naming the file and containing
  `says`, and nothing written to the workspace.

Nothing here is committed as a binary: every file is made from code, the big
ones once per test session.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import os
import stat
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl import Workbook

LATE = 30_000  # past the 20,480 rows DuckDB samples to guess types
BIG = 10_000_000  # bytes in a "10 MB" field or line


@dataclass(frozen=True)
class Table:
    """A table is made from the file (or from the zip member / sheet `label`)."""

    records: int  # data records the generator wrote: rows + rejected must add up to it
    rejected: int = 0
    columns: int | None = None
    label: str | None = None  # which result, when the file makes several ("a.zip/x.csv", "b.xlsx [Data]")
    checks: dict[str, list[tuple]] = field(default_factory=dict)  # SQL over {t} -> the exact rows it returns


@dataclass(frozen=True)
class Refused:
    """One unit of the file is refused or skipped, with a reason containing `says`; the others import."""

    label: str
    says: str


@dataclass(frozen=True)
class Fails:
    """Exit 1: one `error:` line naming the file and containing `says`; nothing written."""

    says: str


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[Path], Path]
    expect: tuple[Table | Refused, ...] | Fails
    subprocess: bool = False  # also run as a real `workbench` process (exit code, no traceback)
    xfail: str | None = None  # a known defect: the test must fail until it is fixed

    @property
    def outcome(self) -> str:
        """The expected outcome in words, for tests/README.md."""
        if isinstance(self.expect, Fails):
            return f"exit 1: {self.expect.says}"
        parts = []
        for item in self.expect:
            if isinstance(item, Refused):
                parts.append(f"{item.label} refused: {item.says}")
            else:
                rows = item.records - item.rejected
                where = f"{item.label}: " if item.label else ""
                parts.append(f"{where}{rows:,} rows" + (f" + {item.rejected:,} rejected" if item.rejected else ""))
        return "; ".join(parts)


CASES: list[Case] = []


def case(*expect: Table | Refused | Fails, subprocess: bool = False, xfail: str | None = None):
    """Register the decorated generator with its expected outcome."""

    def register(make: Callable[[Path], Path]) -> Callable[[Path], Path]:
        outcome = expect[0] if len(expect) == 1 and isinstance(expect[0], Fails) else tuple(expect)
        CASES.append(Case(make.__name__, make, outcome, subprocess, xfail))
        return make

    return register


# -- helpers --------------------------------------------------------------------------


def write(path: Path, data: str | bytes, encoding: str = "utf-8") -> Path:
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def lines(*rows: str, end: str = "\n") -> str:
    return "".join(row + end for row in rows)


def make_zip(path: Path, members: dict[str | zipfile.ZipInfo, str | bytes], method=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def patch_zip_headers(path: Path, local_offset: int, central_offset: int, value: int, bit: bool = False) -> Path:
    """Set a 2-byte field in every local and central header (what zipfile never writes: flags, methods)."""
    raw = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", local_offset), (b"PK\x01\x02", central_offset)):
        at = raw.find(signature)
        while at >= 0:
            old = int.from_bytes(raw[at + offset : at + offset + 2], "little")
            raw[at + offset : at + offset + 2] = ((old | value) if bit else value).to_bytes(2, "little")
            at = raw.find(signature, at + 4)
    path.write_bytes(bytes(raw))
    return path


def workbook(path: Path, sheets: dict[str, list[list]], merge: dict[str, str] | None = None) -> Path:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        if merge and title in merge:
            sheet.merge_cells(merge[title])
    book.save(path)
    return path


def parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489") + b"\x00" * 64

# == the defects fixed in #11.1 ======================================================


@case(Table(LATE + 1, checks={"SELECT typeof(v), v FROM {t} WHERE id IN (1, 30001) ORDER BY id":
                               [("DOUBLE", 1.0), ("DOUBLE", 2.5)]}), subprocess=True)  # fmt: skip
def late_decimal_after_30000_integers(d: Path) -> Path:
    """An integer column that turns decimal on the last line: rounding 2.5 would lose data."""
    return write(d / "late_decimal.csv", "id,v\n" + lines(*(f"{i},{i}" for i in range(1, LATE + 1)), f"{LATE + 1},2.5"))


@case(Table(LATE + 1, checks={"SELECT flag, small FROM {t} WHERE id IN (1, 2, 30001) ORDER BY id":
                               [("true", 1.0), ("false", 0.0), ("0.5", 0.5)]}))  # fmt: skip
def late_decimal_after_booleans_and_small_ints(d: Path) -> Path:
    """A true/false column and a 0/1 column both end on 0.5: the first becomes text, the second DOUBLE."""
    body = lines(*(f"{i},{'true' if i % 2 else 'false'},{i % 2}" for i in range(1, LATE + 1)), f"{LATE + 1},0.5,0.5")
    return write(d / "late_small.csv", "id,flag,small\n" + body)


@case(Table(6, rejected=1, checks={"SELECT typeof(a), typeof(b), sum(a), sum(b) FROM {t} GROUP BY ALL":
                                    [("BIGINT", "DOUBLE", 18, 10.5)]}))  # fmt: skip
def malformed_line_next_to_numeric_columns(d: Path) -> Path:
    """A line with an extra field among numbers: rejected, and its values decide no type."""
    return write(d / "malformed.csv", lines("a,b", "1,0.5", "2,1.5", "3,x,y", "4,2.5", "5,3", "6,3.0"))


@case(Table(1, label="dup.zip/d.csv", checks={"SELECT a FROM {t}": [(1,)]}),
      Table(2, label="dup.zip/d (2).csv", checks={"SELECT a FROM {t} ORDER BY a": [(2,), (3,)]}))  # fmt: skip
def zip_with_two_members_of_the_same_name(d: Path) -> Path:
    """Two members named d.csv: both are kept, neither overwrites the other."""
    path = d / "dup.zip"
    with zipfile.ZipFile(path, "w") as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns "Duplicate name": that is the point
        zf.writestr("d.csv", "a\n1\n")
        zf.writestr("d.csv", "a\n2\n3\n")
    return path


@case(Table(2, columns=2, checks={"SELECT * FROM {t}": [("A, B", "1,5"), ("C", "2")]}))
def excel_sep_line(d: Path) -> Path:
    """Excel's `sep=;` first line: it sets the delimiter and is not a row."""
    return write(d / "excel_sep.csv", lines("sep=;", "name;price", "A, B;1,5", "C;2", end="\r\n"))


@case(Table(2, checks={"SELECT a, b FROM {t} ORDER BY a": [(1, "x"), (2, "é")]}))
def json_array_behind_a_bom(d: Path) -> Path:
    return write(d / "bom.json", "\ufeff" + json.dumps([{"a": 1, "b": "x"}, {"a": 2, "b": "é"}]))


@case(Table(4, checks={"SELECT name FROM {t} ORDER BY n": [("José",), ("Zoé",), ("Müller",), ("Ørsted",)]}))
def mixed_utf8_and_latin1_lines(d: Path) -> Path:
    """Lines saved by two programs: some UTF-8, some Latin-1."""
    rows = [("José", "utf-8"), ("Zoé", "latin-1"), ("Müller", "latin-1"), ("Ørsted", "utf-8")]
    return write(d / "mixed_enc.csv", b"name,n\n" + b"".join(f"{n},{i}\n".encode(e) for i, (n, e) in enumerate(rows)))


def _quoted(with_commas: bool) -> str:
    rows = ["id,name"] + [f'{i},"v{i}{", x" if with_commas else ""}"' for i in range(1, 21)]
    rows[10] = rows[10][:-1]  # line 11 loses its closing quote
    return lines(*rows)


@case(Table(20, rejected=1, checks={"SELECT name FROM {t} WHERE id IN (9, 10, 11) ORDER BY id":
                                     [("v9, x",), ("v11, x",)]}))  # fmt: skip
def one_unbalanced_quote_with_commas(d: Path) -> Path:
    return write(d / "quote_commas.csv", _quoted(True))


@case(Table(20, rejected=1, checks={"SELECT name FROM {t} WHERE id IN (9, 10, 11) ORDER BY id": [("v9",), ("v11",)]}))
def one_unbalanced_quote_without_commas(d: Path) -> Path:
    return write(d / "quote_plain.csv", _quoted(False))


@case(Table(4, checks={"SELECT a, b FROM {t} ORDER BY a": [(1, "x"), (3, "y"), (5, None), (7, "é")]}))
def mixed_crlf_lf_cr(d: Path) -> Path:
    return write(d / "eol.csv", "a,b\r\n1,x\n3,y\r5,\r\n7,é\n")


@case(Table(3, checks={"SELECT id, length(text), left(text, 3) FROM {t} ORDER BY id":
                        [(1, 5, "sho"), (2, BIG, "xxx"), (3, 5, "aft")]}), subprocess=True)  # fmt: skip
def ten_megabyte_field(d: Path) -> Path:
    return write(d / "long_field.csv", "id,text\n1,short\n2," + "x" * BIG + "\n3,after\n")


@case(Table(LATE + 1, columns=2, checks={"SELECT a, b FROM {t} WHERE b IS NOT NULL": [(LATE, "new")]}))
def ndjson_gaining_a_key_late(d: Path) -> Path:
    records = [{"a": i} for i in range(LATE)] + [{"a": LATE, "b": "new"}]
    return write(d / "late_key.ndjson", "".join(json.dumps(r) + "\n" for r in records))


@case(Table(LATE + 1, checks={"SELECT a::VARCHAR AS v FROM {t} WHERE v IN ('0', '\"text\"') ORDER BY v":
                               [('"text"',), ("0",)]}))  # fmt: skip
def ndjson_changing_a_type_late(d: Path) -> Path:
    records = [{"a": i} for i in range(LATE)] + [{"a": "text"}]
    return write(d / "late_type.ndjson", "".join(json.dumps(r) + "\n" for r in records))


@case(Fails("bom_only.csv is empty: it holds no text to import"))
def file_of_only_a_bom(d: Path) -> Path:
    return write(d / "bom_only.csv", codecs.BOM_UTF8)


@case(Fails("sheet 'Data' of broken.xlsx is damaged and cannot be read"), subprocess=True)
def xlsx_with_broken_xml(d: Path) -> Path:
    good = workbook(d / "good.xlsx", {"Data": [["a", "b"], [1, 2]]})
    broken = d / "broken.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(broken, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, data[: len(data) // 2] if info.filename == "xl/worksheets/sheet1.xml" else data)
    good.unlink()
    return broken


@case(Fails("'d.csv' in secret.zip is encrypted: unzip it with its password"), subprocess=True)
def encrypted_zip_member(d: Path) -> Path:
    return patch_zip_headers(make_zip(d / "secret.zip", {"d.csv": "a\n1\n"}), 6, 8, 1, bit=True)


@case(Fails("'d.csv' in d64.zip is compressed with Deflate64, which the workbench cannot unpack"))
def deflate64_zip_member(d: Path) -> Path:
    return patch_zip_headers(make_zip(d / "d64.zip", {"d.csv": "a\n1\n"}), 8, 10, 9)


@case(Fails("cut.csv.gz is truncated or damaged (the compressed data ends early)"), subprocess=True)
def truncated_csv_gz(d: Path) -> Path:
    data = gzip.compress(("a,b\n" + "".join(f"{i},{i * 7}\n" for i in range(200_000))).encode())
    return write(d / "cut.csv.gz", data[: len(data) // 2])


@case(Fails("zero.csv is empty (0 bytes): there is nothing to import"), subprocess=True)
def zero_byte_file(d: Path) -> Path:
    return write(d / "zero.csv", b"")


# == malformed delimited text ==========================================================


@case(Table(5, rejected=2, checks={"SELECT * FROM {t} ORDER BY a": [(1, 2, 3), (4, 5, 6), (10, 11, 12)]}))
def ragged_rows(d: Path) -> Path:
    """A short line and a long line among good ones."""
    return write(d / "ragged.csv", lines("a,b,c", "1,2,3", "4,5,6", "7,8", "9,10,11,99", "10,11,12"))


@case(Table(3, rejected=1, checks={"SELECT id, name FROM {t} ORDER BY id": [(1, "a"), (2, "b")]}))
def quote_open_at_end_of_file(d: Path) -> Path:
    """The last line opens a quote that never closes."""
    return write(d / "eof_quote.csv", lines("id,name", '1,"a"', '2,"b"', '3,"c'))


@case(Table(3, checks={"SELECT id, said FROM {t} ORDER BY id":
                        [(1, 'He said "hi"'), (2, "two\nlines"), (3, None)]}))  # fmt: skip
def escaped_quotes_and_newlines_in_fields(d: Path) -> Path:
    """Doubled quotes, a quoted newline, and a quoted empty value (NULL, like an empty field: DuckDB's rule)."""
    return write(d / "escaped.csv", lines("id,said", '1,"He said ""hi"""', '2,"two\nlines"', '3,""'))


@case(Table(3, checks={"SELECT name, typeof(price), price FROM {t} ORDER BY name": [
    ("Café", "VARCHAR", "1,5"), ("Crème", "VARCHAR", None), ("Thé", "VARCHAR", "2,75")]}))  # fmt: skip
def semicolons_and_decimal_commas(d: Path) -> Path:
    return write(d / "euro.csv", lines("name;price", "Café;1,5", "Thé;2,75", "Crème;"))


@case(Table(4, checks={"SELECT id, v FROM {t} ORDER BY id": [(1, None), (2, None), (3, "NULL"), (4, "x")]}))
def nulls_empty_and_null_text(d: Path) -> Path:
    """An empty and a quoted empty field are both NULL; the word NULL stays text."""
    return write(d / "nulls.csv", lines("id,v", "1,", '2,""', "3,NULL", "4,x"))


@case(Table(0, columns=3, checks={"SELECT count(*) FROM {t}": [(0,)]}))
def header_only(d: Path) -> Path:
    return write(d / "header_only.csv", lines("a,b,c"))


@case(Fails("blank.csv is empty: it holds no text to import"))
def only_blank_lines(d: Path) -> Path:
    return write(d / "blank.csv", "\n \r\n\t\n")


@case(Table(LATE + 1, checks={"SELECT typeof(v), v FROM {t} WHERE id = 30001": [("VARCHAR", "n/a")]}))
def late_text_in_an_integer_column(d: Path) -> Path:
    return write(d / "late_text.csv", "id,v\n" + lines(*(f"{i},{i}" for i in range(1, LATE + 1)), f"{LATE + 1},n/a"))


@case(Table(LATE + 1, checks={"SELECT v FROM {t} WHERE id = 30001": [("99999999999999999999999",)]}))
def late_integer_too_big_for_bigint(d: Path) -> Path:
    huge = "99999999999999999999999"
    return write(d / "late_huge.csv", "id,v\n" + lines(*(f"{i},{i}" for i in range(1, LATE + 1)), f"{LATE + 1},{huge}"))


@case(Table(LATE + 1, checks={"SELECT count(v), max(v) FROM {t}": [(1, "late")]}))
def column_empty_until_the_end(d: Path) -> Path:
    return write(d / "late_value.csv", "id,v\n" + lines(*(f"{i}," for i in range(1, LATE + 1)), f"{LATE + 1},late"))


@case(Table(2, checks={"SELECT a, b FROM {t} ORDER BY a": [(1, "x\x00y"), (2, "z")]}))
def nul_byte_in_a_field(d: Path) -> Path:
    return write(d / "nul.csv", b"a,b\n1,x\x00y\n2,z\n")


@case(Table(2, checks={"SELECT a, b FROM {t} ORDER BY a": [(1, "bell\x07"), (2, "esc\x1b[31m")]}))
def control_characters_in_fields(d: Path) -> Path:
    return write(d / "controls.csv", "a,b\n1,bell\x07\n2,esc\x1b[31m\n")


@case(Table(0, columns=1, checks={"SELECT length(column_name) FROM (DESCRIBE {t})": [(BIG,)]}))
def ten_megabyte_single_line(d: Path) -> Path:
    """The whole file is one 10 MB line without a newline: a header, like any one-line file."""
    return write(d / "one_line.csv", "y" * BIG)


# == encodings and byte order marks ===================================================


@case(Table(2, checks={"SELECT name, n FROM {t} ORDER BY n": [("Zoé", 1), ("Łukasz", 2)]}))
def utf8_with_bom(d: Path) -> Path:
    return write(d / "bom.csv", "\ufeffname,n\nZoé,1\nŁukasz,2\n")


@case(Table(2, checks={"SELECT name, n FROM {t} ORDER BY n": [("Zoé", 1), ("日本", 2)]}), subprocess=True)
def utf16_le(d: Path) -> Path:
    return write(d / "utf16le.csv", "\ufeffname,n\r\nZoé,1\r\n日本,2\r\n", "utf-16-le")


@case(Table(2, checks={"SELECT name, n FROM {t} ORDER BY n": [("Zoé", 1), ("日本", 2)]}))
def utf16_be(d: Path) -> Path:
    return write(d / "utf16be.csv", "\ufeffname,n\nZoé,1\n日本,2\n", "utf-16-be")


@case(Table(3, checks={"SELECT name FROM {t} ORDER BY n": [("Zoé",), ("Müller",), ("Ça",)]}))
def latin1_file(d: Path) -> Path:
    return write(d / "latin1.csv", "name,n\nZoé,1\nMüller,2\nÇa,3\n", "latin-1")


@case(Table(2, checks={"SELECT quote FROM {t} ORDER BY n": [("“50 €”",), ("it’s",)]}))
def windows_1252_smart_quotes_and_euro(d: Path) -> Path:
    return write(d / "cp1252.csv", "quote,n\n“50 €”,1\nit’s,2\n", "cp1252")


@case(Table(2, checks={"SELECT t FROM {t} ORDER BY n": [("\u200bhidden\u200d",), ("\u202eevil",)]}))
def zero_width_and_bidi_characters(d: Path) -> Path:
    return write(d / "bidi.csv", "t,n\n\u200bhidden\u200d,1\n\u202eevil,2\n")


# == column names =====================================================================


@case(Table(1, checks={"SELECT a, a_1, b FROM {t}": [(1, 2, 3)]}))
def duplicate_column_names(d: Path) -> Path:
    return write(d / "dup_cols.csv", lines("a,a,b", "1,2,3"))


@case(Table(1, checks={"SELECT column0, b, column2 FROM {t}": [(1, 2, 3)]}))
def blank_column_names(d: Path) -> Path:
    return write(d / "blank_cols.csv", lines(",b,", "1,2,3"))


@case(Table(1, checks={"SELECT length(column_name) FROM (DESCRIBE {t}) ORDER BY 1": [(1,), (10_000,)]}))
def ten_thousand_character_column_name(d: Path) -> Path:
    return write(d / "long_name.csv", lines("n" * 10_000 + ",b", "1,2"))


@case(Table(1, checks={'SELECT "a""; DROP TABLE x; --", b FROM {t}': [(1, 2)]}), subprocess=True)
def sql_injection_column_name(d: Path) -> Path:
    return write(d / "inject_col.csv", lines('"a""; DROP TABLE x; --",b', "1,2"))


@case(Table(1, checks={"SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'":
                        [("x_drop_table_t",)]}), subprocess=True)  # fmt: skip
def sql_injection_file_name(d: Path) -> Path:
    return write(d / "x'; DROP TABLE t; --.csv", lines("a", "1"))


@case(Table(1, checks={"SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'": [("workbench",)]}))
def file_named_like_the_metadata_schema(d: Path) -> Path:
    return write(d / "_workbench.csv", lines("a", "1"))


@case(Table(2, checks={'SELECT "名前", "é t" FROM {t} ORDER BY 1': [("一", 1), ("二", 2)]}))
def unicode_column_names(d: Path) -> Path:
    return write(d / "unicode_cols.csv", lines("名前,é t", "一,1", "二,2"))


@case(Table(1, checks={'SELECT "multi\nline" FROM {t}': [(1,)]}))
def newline_in_a_column_name(d: Path) -> Path:
    return write(d / "nl_col.csv", lines('"multi\nline",b', "1,2"))


# == JSON =============================================================================


@case(Fails('Malformed JSON in file "invalid.json"'), subprocess=True)
def invalid_json(d: Path) -> Path:
    return write(d / "invalid.json", '[{"a": 1}, {"a": ')


@case(Table(1, checks={"SELECT * FROM {t}": [(42,)]}))
def json_scalar(d: Path) -> Path:
    """Not tabular at all: one number."""
    return write(d / "scalar.json", "42")


@case(Table(1, checks={"SELECT * FROM {t}": [(None,)]}))
def json_null(d: Path) -> Path:
    """Not tabular: a bare null is one row holding NULL."""
    return write(d / "null.json", "null")


@case(Table(1, checks={"SELECT a.b, a.c[2] FROM {t}": [("x", 2)]}))
def json_nested_object(d: Path) -> Path:
    return write(d / "nested.json", json.dumps({"a": {"b": "x", "c": [1, 2]}}))


@case(Table(0, columns=1, checks={"SELECT column_name, column_type FROM (DESCRIBE {t})": [("json", "JSON")]}))
def json_empty_array(d: Path) -> Path:
    """No records and no keys: an empty table with DuckDB's one `json` column."""
    return write(d / "empty_array.json", "[]")


@case(Table(3, rejected=1, checks={"SELECT a, b FROM {t} ORDER BY a": [(1, "é"), (3, None)]}))
def ndjson_with_a_malformed_line(d: Path) -> Path:
    return write(d / "bad_line.ndjson", lines('{"a": 1, "b": "é"}', '{"a": ', '{"a": 3, "b": null}'))


@case(Table(2, checks={"SELECT a FROM {t} ORDER BY a": [(1,), (2,)]}))
def gzipped_ndjson(d: Path) -> Path:
    return write(d / "rows.ndjson.gz", gzip.compress(b'{"a": 1}\n{"a": 2}\n'))


# == Parquet ==========================================================================


@case(Fails("No magic bytes found at end of file 'truncated.parquet'"), subprocess=True)
def truncated_parquet(d: Path) -> Path:
    data = parquet_bytes(pa.table({"a": list(range(1000))}))
    return write(d / "truncated.parquet", data[: len(data) // 2])


@case(Table(2, checks={"SELECT id, s.x, l[2], m['k'] FROM {t} ORDER BY id": [
    (1, "é", 20, "v"), (2, None, None, None)]}))  # fmt: skip
def nested_parquet(d: Path) -> Path:
    """Struct, list and map columns, with NULLs."""
    table = pa.table({
        "id": [1, 2],
        "s": pa.array([{"x": "é"}, None], pa.struct([("x", pa.string())])),
        "l": [[10, 20], None],
        "m": pa.array([[("k", "v")], None], pa.map_(pa.string(), pa.string())),
    })  # fmt: skip
    return write(d / "nested.parquet", parquet_bytes(table))


@case(Table(0, columns=1))
def parquet_with_no_rows(d: Path) -> Path:
    return write(d / "no_rows.parquet", parquet_bytes(pa.table({"a": pa.array([], pa.int64())})))


# == Excel ============================================================================


@case(Refused("sheets.xlsx [Empty]", "Sheet 'Empty' is empty"),
      Table(2, label="sheets.xlsx [Data]",
            checks={"SELECT name, n FROM {t} ORDER BY n": [("Zoé", 1), (None, 2)]}))  # fmt: skip
def excel_with_an_empty_sheet(d: Path) -> Path:
    return workbook(d / "sheets.xlsx", {"Empty": [], "Data": [["name", "n"], ["Zoé", 1], [None, 2]]})


@case(Fails("Could not import empty_book.xlsx [Only]: Sheet 'Only' is empty"))
def excel_with_only_an_empty_sheet(d: Path) -> Path:
    return workbook(d / "empty_book.xlsx", {"Only": []})


@case(Table(2, label="merged.xlsx [S]",
            checks={"SELECT region, city FROM {t} ORDER BY city": [(None, "Bergen"), ("North", "Oslo")]}))  # fmt: skip
def excel_with_merged_cells(d: Path) -> Path:
    """A merged cell keeps its value in the top-left cell only."""
    return workbook(d / "merged.xlsx", {"S": [["region", "city"], ["North", "Oslo"], ["North", "Bergen"]]},
                    merge={"S": "A2:A3"})  # fmt: skip


@case(Table(3, label="mixed.xlsx [S]",
            checks={"SELECT typeof(v), v FROM {t} ORDER BY k": [
                ("VARCHAR", "1"), ("VARCHAR", "x"), ("VARCHAR", "2.5")]}))  # fmt: skip
def excel_with_mixed_types_in_a_column(d: Path) -> Path:
    return workbook(d / "mixed.xlsx", {"S": [["k", "v"], [1, 1], [2, "x"], [3, 2.5]]})


# == zip archives =====================================================================


@case(Fails("'../../etc.csv' points outside the archive"), subprocess=True)
def zip_with_path_traversal(d: Path) -> Path:
    return make_zip(d / "slip.zip", {"good.csv": "a\n1\n", "../../etc.csv": "a\n1\n"})


@case(Fails("'/etc/cron.d/x.csv' has an absolute path"))
def zip_with_an_absolute_member(d: Path) -> Path:
    return make_zip(d / "absolute.zip", {"/etc/cron.d/x.csv": "a\n1\n"})


@case(Fails("'passwd.csv' is a symbolic link"))
def zip_with_a_symlinked_member(d: Path) -> Path:
    info = zipfile.ZipInfo("passwd.csv")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return make_zip(d / "link.zip", {"good.csv": "a\n1\n", info: "/etc/passwd"})


@case(Fails("expands more than 200 times its compressed size: a zip bomb"), subprocess=True)
def zip_bomb_by_ratio(d: Path) -> Path:
    return make_zip(d / "bomb.zip", {"zeros.csv": b"0" * (8 << 20)})


@case(Fails("outer.zip/inner.zip: skipped, archives inside archives are not opened"))
def zip_holding_only_a_zip(d: Path) -> Path:
    inner = make_zip(d / "inner.zip", {"x.csv": "a\n1\n"}).read_bytes()
    (d / "inner.zip").unlink()
    return make_zip(d / "outer.zip", {"inner.zip": inner})


@case(Refused("outer_mixed.zip/inner.zip", "archives inside archives are not opened"),
      Table(1, label="outer_mixed.zip/y.csv", checks={"SELECT a FROM {t}": [(5,)]}))  # fmt: skip
def nested_zip_beside_a_csv(d: Path) -> Path:
    inner = make_zip(d / "inner.zip", {"x.csv": "a\n1\n"}).read_bytes()
    (d / "inner.zip").unlink()
    return make_zip(d / "outer_mixed.zip", {"inner.zip": inner, "y.csv": "a\n5\n"})


@case(Table(1, label="inject.zip/x'; DROP TABLE t; --.csv",
            checks={"SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'": [
                ("x_drop_table_t",)]}))  # fmt: skip
def zip_member_with_an_sql_injection_name(d: Path) -> Path:
    return make_zip(d / "inject.zip", {"x'; DROP TABLE t; --.csv": "a\n1\n"})


@case(Fails("empty.zip holds no files"))
def empty_zip(d: Path) -> Path:
    return make_zip(d / "empty.zip", {})


@case(Fails("not_a.zip is not a readable zip archive"))
def corrupt_zip(d: Path) -> Path:
    return write(d / "not_a.zip", b"PK\x03\x04 this is not really a zip archive")


@case(Refused("mixed_members.zip/image.png", "not a data file the workbench reads"),
      Table(2, label="mixed_members.zip/data.csv", checks={"SELECT a FROM {t} ORDER BY a": [(1,), (2,)]}))  # fmt: skip
def zip_with_an_image_beside_a_csv(d: Path) -> Path:
    return make_zip(d / "mixed_members.zip", {"image.png": PNG, "data.csv": "a\n1\n2\n"})


# == files that are not what they say =================================================


@case(Fails("image.csv is named like CSV but is a PNG image"), subprocess=True)
def png_named_csv(d: Path) -> Path:
    return write(d / "image.csv", PNG)


@case(Fails("File 'table.parquet' too small to be a Parquet file"))
def csv_named_parquet(d: Path) -> Path:
    return write(d / "table.parquet", lines("a,b", "1,2"))


@case(Fails("book.csv is named like CSV but is a zip archive (an Excel .xlsx is one)"))
def xlsx_named_csv(d: Path) -> Path:
    path = workbook(d / "book.xlsx", {"S": [["a"], [1]]})
    return path.rename(d / "book.csv")


@case(Fails('Malformed JSON in file "rows.json", at byte 1 in record/value 2: unexpected character'))
def csv_named_json(d: Path) -> Path:
    return write(d / "rows.json", lines("a,b", "1,2"))


@case(Fails("data.csv is named like CSV but is a Parquet file"))
def parquet_named_csv(d: Path) -> Path:
    return write(d / "data.csv", parquet_bytes(pa.table({"a": [1, 2]})))


@case(Fails("dump.csv is named like CSV but is an SQLite database"))
def sqlite_database_named_csv(d: Path) -> Path:
    return write(d / "dump.csv", b"SQLite format 3\x00" + b"\x00" * 100)


@case(Fails("is a named pipe (FIFO), not a regular file"), subprocess=True)
def fifo(d: Path) -> Path:
    path = d / "pipe.csv"
    os.mkfifo(path)
    return path


@case(Fails("is a folder, not a file"))
def directory(d: Path) -> Path:
    path = d / "folder.csv"
    path.mkdir()
    (path / "inside.csv").write_text("a\n1\n", encoding="utf-8")
    return path


@case(Fails("No such file"))
def missing_file(d: Path) -> Path:
    return d / "missing.csv"


@case(Table(2, checks={"SELECT a, b FROM {t} ORDER BY a": [(1, "x"), (2, "y")]}))
def no_extension_sniffed_as_csv(d: Path) -> Path:
    return write(d / "data", lines("a,b", "1,x", "2,y"))
