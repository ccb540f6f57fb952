"""Files that cannot be imported get one clear sentence about the file, never a traceback, and stop nothing else."""

from __future__ import annotations

import gzip
import os
import random
import zipfile

import duckdb
import pytest
from openpyxl import Workbook

from workbench.errors import WorkbenchError
from workbench.ingest import _explain, _Unit, load


def only_error(ws, path):
    (result,) = load(ws, [path])
    assert not result.ok, result
    assert ws.tables() == []
    return result.error


def test_an_empty_file_is_reported_as_empty(ws, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert only_error(ws, path) == "empty.csv is empty (0 bytes): there is nothing to import."


@pytest.mark.parametrize("content", [b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n  \n"], ids=["bom", "bom and blank lines"])
def test_a_file_holding_only_a_bom_is_reported_as_empty(ws, tmp_path, content):
    path = tmp_path / "bom.csv"
    path.write_bytes(content)
    assert only_error(ws, path) == "Could not import bom.csv: bom.csv is empty: it holds no text to import."


def test_a_folder_and_a_fifo_say_what_they_are(ws, tmp_path):
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    results = load(ws, [folder, fifo])
    assert [r.error for r in results] == [
        f"{folder} is a folder, not a file: load the files inside it (or zip the folder).",
        f"{fifo} is a named pipe (FIFO), not a regular file: save the data to a file and load that.",
    ]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_says_permission_denied(ws, tmp_path):
    path = tmp_path / "secret.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    path.chmod(0)
    why = "cannot be read: permission denied. Check the file's permissions (chmod u+r)."
    assert only_error(ws, path) == f"{path} {why}"


def test_a_workbook_with_broken_xml_is_reported(ws, tmp_path):
    good = tmp_path / "good.xlsx"
    book = Workbook()
    book.active.title = "Data"
    book.active.append(["a", "b"])
    book.active.append([1, 2])
    book.save(good)
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(broken, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, data[: len(data) // 2] if info.filename == "xl/worksheets/sheet1.xml" else data)
    error = only_error(ws, broken)
    assert error.startswith("Could not import broken.xlsx [Data]: sheet 'Data' of broken.xlsx is damaged and cannot ")
    assert error.endswith(": open and save it again in Excel.")


def test_a_truncated_gzip_is_reported_and_the_other_files_still_import(ws, tmp_path):
    text = "a,b\n" + "".join(f"{i},{i * 7}\n" for i in range(200_000))
    data = gzip.compress(text.encode())
    truncated = tmp_path / "cut.csv.gz"
    truncated.write_bytes(data[: len(data) // 2])
    good = tmp_path / "good.csv"
    good.write_text("c\n3\n", encoding="utf-8")
    first, second = load(ws, [truncated, good])
    assert first.error == (
        "Could not import cut.csv.gz: cut.csv.gz is truncated or damaged (the compressed data ends early): "
        "download or copy it again."
    )
    assert (second.table, second.rows) == ("good", 1)
    assert [t.name for t in ws.tables()] == ["good"]


def test_a_layout_duckdb_cannot_sniff_is_explained_without_the_temp_path(tmp_path):
    """The message DuckDB gives for a copy in downloads/.tmp becomes a sentence about the user's file."""
    tmp_dir = tmp_path / "downloads" / ".tmp"
    tmp_dir.mkdir(parents=True)
    copy = tmp_dir / f"{os.getpid()}-{'0' * 32}.csv"
    copy.write_bytes(b"a,b\r\n1,2\n3,4\r5,6\r\n7,8\n")  # mixed line endings: DuckDB's sniffer gives up
    with pytest.raises(duckdb.InvalidInputException, match="Error when sniffing file") as caught:
        duckdb.connect().execute("SELECT * FROM sniff_csv(?)", [str(copy)])
    unit = _Unit(tmp_path / "odd.csv", "csv", "odd.csv", "odd", {})
    assert _explain(caught.value, unit, tmp_dir) == (
        "odd.csv does not read as a table: no delimiter, quoting and column count fit all of its first lines. "
        "Open it in a text editor: if it is delimited text, check its quotes and line endings."
    )
    assert _explain(WorkbenchError(f"{copy.name} is empty"), unit, tmp_dir) == "odd.csv is empty"


def test_a_duckdb_error_names_the_file_not_its_path(ws, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('[{"a": 1}, {"a": ', encoding="utf-8")
    assert only_error(ws, broken) == (
        'Could not import broken.json: Invalid Input Error: Malformed JSON in file "broken.json", '
        "at byte 7 in record/value 3: unexpected end of data."
    )


PNG_HEAD = bytes.fromhex("89504e470d0a1a0a0000000d49484452")


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("image.csv", PNG_HEAD + b"\x00" * 64, "CSV but is a PNG image"),
        ("book.csv", None, "CSV but is a zip archive (an Excel .xlsx is one)"),
        ("rows.json", b"PAR1" + b"\x00" * 32 + b"PAR1", "JSON but is a Parquet file"),
    ],
    ids=["png", "xlsx", "parquet"],
)
def test_a_binary_file_named_as_text_is_refused_not_read_as_garbage(ws, tmp_path, name, content, kind):
    path = tmp_path / name
    if content is None:
        book = Workbook()
        book.active.append(["a"])
        book.save(path)
    else:
        path.write_bytes(content)
    assert only_error(ws, path) == f"{name} is named like {kind}: give it its real extension, or load the right file."


def test_a_text_header_that_starts_like_a_signature_still_imports(ws, tmp_path):
    path = tmp_path / "par.csv"
    path.write_text("PAR1,GIF8\n1,2\n", encoding="utf-8")
    (result,) = load(ws, [path])
    assert (result.rows, result.columns) == (1, 2)


RANDOM_BYTES = random.Random(18).randbytes(20_000)  # fixed: the same bytes every run


@pytest.mark.parametrize("name", ["noise.csv", "noise.json", "noise.csv.gz"])
def test_random_bytes_named_as_text_are_refused_as_not_text(ws, tmp_path, name):
    """They used to import as a 14-row table with 152 rejected lines."""
    path = tmp_path / name
    path.write_bytes(gzip.compress(RANDOM_BYTES) if name.endswith(".gz") else RANDOM_BYTES)
    assert only_error(ws, path) == (
        f"Could not import {name}: {name} is not text: 11% of its first 20,000 bytes are control bytes that no text "
        "file holds. Is it binary data under a text name? Load the file the data was exported to."
    )


def test_a_few_stray_control_bytes_do_not_make_a_file_binary(ws, tmp_path):
    path = tmp_path / "stray.csv"
    path.write_bytes(b"id,name\n" + b"".join(b"%d,row %d\n" % (i, i) for i in range(200)) + b"200,bell\x07\n")
    (result,) = load(ws, [path])
    assert (result.rows, result.rejected, result.error) == (201, 0, None)


def prose(path, bad_lines, good_lines):
    """A three-column header, then lines of one field (no comma) and lines of three fields."""
    lines = ["a,b,c"] + [f"{i},{i},{i}" for i in range(good_lines)] + [f"word {i}" for i in range(bad_lines)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_text_file_whose_lines_mostly_do_not_fit_is_refused(ws, tmp_path):
    path = prose(tmp_path / "notes.csv", bad_lines=60, good_lines=40)
    assert only_error(ws, path) == (
        "Could not import notes.csv: notes.csv does not read as a table: 60 of its 100 lines do not fit the 3 "
        "columns of its first lines (line 42: 'word 0'). Open it in a text editor: is it the file you meant?"
    )


def test_up_to_half_the_lines_rejected_still_imports_and_says_so(ws, tmp_path):
    (result,) = load(ws, [prose(tmp_path / "half.csv", bad_lines=50, good_lines=50)])
    assert (result.rows, result.rejected) == (50, 50)


def test_ndjson_whose_lines_are_mostly_not_json_is_refused(ws, tmp_path):
    path = tmp_path / "log.ndjson"
    path.write_text('{"a": 1}\n{"a": 2}\n' + "".join(f"GET /page/{i} 200\n" for i in range(3)), encoding="utf-8")
    assert only_error(ws, path) == (
        "Could not import log.ndjson: log.ndjson does not read as a table: 3 of its 5 lines are not JSON records "
        "(line 3: 'GET /page/0 200'). Open it in a text editor: is it the file you meant?"
    )


def test_utf16_without_a_bom_is_named_as_such(ws, tmp_path):
    path = tmp_path / "wide.csv"
    path.write_bytes("a,b\n1,2\n3,4\n".encode("utf-16-le"))
    assert only_error(ws, path) == (
        "Could not import wide.csv: wide.csv looks like UTF-16 text without a byte-order mark: save it as UTF-8 "
        "(or UTF-16 with a BOM) and load it again."
    )
