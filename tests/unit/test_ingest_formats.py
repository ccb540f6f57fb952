"""Every file format the workbench reads, imported into a real workspace."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import zipfile

import duckdb
import pytest
from openpyxl import Workbook

from workbench.ingest import load
from workbench.ingest.formats import CSV, EXCEL, JSON, PARQUET, ZIP, detect

PEOPLE = [(1, "Ada", 36.5, True), (2, "Brian", None, False), (3, "Chloé", 41.0, True)]


def rows_of(ws, table, order="1"):
    with ws.connect() as con:
        return con.execute(f'SELECT * FROM "{table}" ORDER BY {order}').fetchall()


def types_of(ws, table):
    return dict(zip(ws.schema(table)["column"], ws.schema(table)["type"]))


def delimited(path, sep, header=("id", "name", "score", "member")):
    lines = [sep.join(header)]
    for pid, name, score, member in PEOPLE:
        lines.append(sep.join([str(pid), name, "" if score is None else str(score), str(member).lower()]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def only(results):
    (result,) = results
    assert result.ok, result.error or result.skipped
    return result


@pytest.mark.parametrize(
    ("filename", "sep"),
    [("people.csv", ","), ("people.tsv", "\t"), ("people.txt", ";"), ("people.psv", "|"), ("people_pipe.txt", "|")],
)
def test_delimited_text_is_sniffed(ws, tmp_path, filename, sep):
    path = delimited(tmp_path / filename, sep)
    result = only(load(ws, [path]))
    assert (result.rows, result.columns, result.rejected) == (3, 4, 0)
    assert rows_of(ws, result.table) == PEOPLE
    assert types_of(ws, result.table) == {"id": "BIGINT", "name": "VARCHAR", "score": "DOUBLE", "member": "BOOLEAN"}
    info = ws.table(result.table)
    assert info.source_detail["delimiter"] == sep
    assert info.source_detail["format"] == CSV and info.source_detail["header"] is True


def test_a_tiny_semicolon_file_is_not_read_as_one_column(ws, tmp_path):
    path = tmp_path / "tiny.txt"
    path.write_text("a;b\n1;2\n", encoding="utf-8")
    result = only(load(ws, [path]))
    assert result.columns == 2 and rows_of(ws, result.table) == [(1, 2)]


def test_quoted_fields_keep_delimiters_quotes_and_newlines(ws, tmp_path):
    path = tmp_path / "quoted.csv"
    path.write_text('id,text\n1,"a, b"\n2,"say ""hi"""\n3,"two\nlines"\n', encoding="utf-8")
    result = only(load(ws, [path]))
    assert rows_of(ws, result.table) == [(1, "a, b"), (2, 'say "hi"'), (3, "two\nlines")]


def test_csv_gz(ws, tmp_path):
    plain = delimited(tmp_path / "people.csv", ",")
    packed = tmp_path / "people.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    result = only(load(ws, [packed]))
    assert result.table == "people" and rows_of(ws, result.table) == PEOPLE


def test_parquet(ws, tmp_path):
    path = tmp_path / "events.parquet"
    with duckdb.connect() as con:
        con.execute(
            "COPY (SELECT range AS id, DATE '2024-01-01' + range::INTEGER AS day, range * 1.5 AS v "
            "FROM range(5)) TO ? (FORMAT parquet)",
            [str(path)],
        )
    result = only(load(ws, [path]))
    assert (result.table, result.rows, result.columns) == ("events", 5, 3)
    assert rows_of(ws, "events")[2] == (2, dt.date(2024, 1, 3), 3.0)
    assert types_of(ws, "events")["day"] == "DATE"
    assert ws.table("events").source_detail["format"] == PARQUET


def test_json_array(ws, tmp_path):
    path = tmp_path / "cars.json"
    path.write_text(json.dumps([{"name": "a", "hp": 100, "tags": ["x"]}, {"name": "b", "hp": None, "tags": []}]))
    result = only(load(ws, [path]))
    assert result.rows == 2
    assert rows_of(ws, result.table) == [("a", 100, ["x"]), ("b", None, [])]
    assert ws.table(result.table).source_detail["format"] == JSON


@pytest.mark.parametrize("suffix", [".ndjson", ".jsonl", ".json"])
def test_ndjson(ws, tmp_path, suffix):
    path = tmp_path / f"log{suffix}"
    path.write_text('{"k": 1, "v": "p"}\n{"k": 2, "v": null}\n\n{"k": 3, "v": "r"}\n', encoding="utf-8")
    result = only(load(ws, [path]))
    assert (result.rows, result.rejected) == (3, 0)
    assert rows_of(ws, result.table) == [(1, "p"), (2, None), (3, "r")]


def write_workbook(path):
    book = Workbook()
    sales = book.active
    sales.title = "Sales"
    sales.append(["region", "amount", "when"])
    sales.append(["north", 10, dt.datetime(2024, 1, 5)])
    sales.append(["south", 12.5, dt.datetime(2024, 2, 6)])
    book.create_sheet("Empty")
    mixed = book.create_sheet("Mixed Types")
    mixed.append([None, None])  # a blank first row: the header is the first non-empty one
    mixed.append(["code", ""])
    mixed.append([1, "a"])
    mixed.append(["B-2", "b"])
    mixed.append([3.5, None])
    book.save(path)
    return path


def test_excel_every_sheet_and_an_empty_one_reported(ws, tmp_path):
    results = load(ws, [write_workbook(tmp_path / "Report.xlsx")])
    by_label = {r.label: r for r in results}
    assert set(by_label) == {"Report.xlsx [Sales]", "Report.xlsx [Empty]", "Report.xlsx [Mixed Types]"}

    sales = by_label["Report.xlsx [Sales]"]
    assert sales.table == "report_sales"
    assert rows_of(ws, "report_sales") == [
        ("north", 10.0, dt.datetime(2024, 1, 5)),
        ("south", 12.5, dt.datetime(2024, 2, 6)),
    ]
    detail = ws.table("report_sales").source_detail
    assert detail["sheet"] == "Sales" and detail["format"] == EXCEL

    empty = by_label["Report.xlsx [Empty]"]
    assert not empty.ok and "empty" in empty.error

    mixed = by_label["Report.xlsx [Mixed Types]"]
    assert mixed.table == "report_mixed_types"
    # mixed numbers and text stay, all of them, as text; a blank header gets DuckDB's name
    assert types_of(ws, "report_mixed_types") == {"code": "VARCHAR", "column1": "VARCHAR"}
    assert rows_of(ws, "report_mixed_types", order="column1") == [("1", "a"), ("B-2", "b"), ("3.5", None)]


def test_zip_with_nested_folders_imports_every_data_file_and_skips_the_rest(ws, tmp_path):
    book = write_workbook(tmp_path / "book.xlsx")
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("README.md", "# About this dataset\nSome words, with commas.\n")
        zf.writestr("LICENSE", "CC0\n")
        zf.writestr("data/train.csv", "id,y\n1,a\n2,b\n")
        zf.writestr("data/deep/more/test.tsv", "id\ty\n3\tc\n")
        zf.writestr("data/deep/events.ndjson", '{"e": 1}\n{"e": 2}\n')
        zf.writestr("data/blob.bin", bytes(range(256)) * 4)
        zf.writestr("__MACOSX/data/._train.csv", "junk")
        zf.write(book, "sheets/book.xlsx")
    results = load(ws, [archive])
    made = {r.label: r.table for r in results if r.ok}
    assert made == {
        "bundle.zip/data/train.csv": "train",
        "bundle.zip/data/deep/more/test.tsv": "test",
        "bundle.zip/data/deep/events.ndjson": "events",
        "bundle.zip/sheets/book.xlsx [Sales]": "book_sales",
        "bundle.zip/sheets/book.xlsx [Mixed Types]": "book_mixed_types",
    }
    skipped = {r.label for r in results if r.skipped}
    assert skipped == {"bundle.zip/README.md", "bundle.zip/LICENSE", "bundle.zip/data/blob.bin"}
    assert rows_of(ws, "test") == [(3, "c")]
    detail = ws.table("test").source_detail
    assert detail["archive"] == str(archive) and detail["member"] == "data/deep/more/test.tsv"
    assert ws.table("test").source == "file: " + str(archive) + " data/deep/more/test.tsv"
    assert {t.name for t in ws.tables()} == set(made.values())


def test_unknown_and_binary_files_are_skipped_with_a_message(ws, tmp_path):
    binary = tmp_path / "image.bin"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(200))
    notes = tmp_path / "notes.md"
    notes.write_text("# notes\n")
    good = delimited(tmp_path / "people.csv", ",")
    results = load(ws, [binary, notes, good])
    assert [r.table for r in results] == [None, None, "people"]
    for r in results[:2]:
        assert r.skipped.startswith("not a data file the workbench reads") and r.error is None
    assert [t.name for t in ws.tables()] == ["people"]


def test_a_missing_path_is_an_error_not_a_crash(ws, tmp_path):
    (result,) = load(ws, [tmp_path / "nope.csv"])
    assert not result.ok and result.error == f"No such file: {tmp_path / 'nope.csv'}"


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("x.data", b"1,2\n3,4\n", CSV),  # UCI style: sniffed
        ("x", b'[{"a": 1}]', JSON),
        ("x", b"PAR1....", PARQUET),
        ("x", b"\x00\x01\x02", None),
        ("noise.bin", bytes(range(1, 256)) * 4, None),  # binary without a NUL byte
        ("x.data", "ville;note\nZürich;très bien\n".encode("latin-1"), CSV),
        ("README.txt", b"a,b\n", None),
        ("readme_data.csv", b"a,b\n", CSV),
        ("notes.ipynb", b"{}", None),
        ("x.tar.gz", b"", None),
        ("x.csv.gz", b"", CSV),
    ],
)
def test_detect(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    assert detect(path) == expected


def test_detect_zip_and_excel_by_content(tmp_path):
    write_workbook(tmp_path / "book.xlsx").rename(tmp_path / "book")
    with zipfile.ZipFile(tmp_path / "archive", "w") as zf:
        zf.writestr("a.csv", "a\n1\n")
    assert detect(tmp_path / "book") == EXCEL
    assert detect(tmp_path / "archive") == ZIP


def test_table_option_names_one_table_and_prefixes_several(ws, tmp_path):
    (one,) = load(ws, [delimited(tmp_path / "people.csv", ",")], table="My People")
    assert one.table == "my_people"
    (again,) = load(ws, [delimited(tmp_path / "people.csv", ",")], table="my_people")
    assert not again.ok and "already exists" in again.error
    several = load(ws, [write_workbook(tmp_path / "book.xlsx")], table="q1")
    assert sorted(r.table for r in several if r.ok) == ["q1_book_mixed_types", "q1_book_sales"]


def test_the_same_file_twice_gets_a_second_name(ws, tmp_path):
    path = delimited(tmp_path / "people.csv", ",")
    assert [r.table for r in load(ws, [path, path])] == ["people", "people_2"]
