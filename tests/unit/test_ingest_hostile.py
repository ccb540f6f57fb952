"""Valid but awkward files import whole and exactly: Excel's `sep=` line, BOMs, huge fields, late JSON keys."""

from __future__ import annotations

import json

import pytest

from tests.unit.ingest_helpers import import_one, rows, schema

LATE = 30_000  # past the 20,480 records DuckDB samples


def test_an_excel_sep_line_sets_the_delimiter_and_is_not_a_row(ws, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text("sep=;\r\nname;price\r\nA, B;1,5\r\nC;2\r\n", encoding="utf-8")
    result = import_one(ws, path)
    assert (result.rows, result.columns, result.rejected) == (2, 2, 0)
    assert rows(ws, f'SELECT * FROM "{result.table}"') == [("A, B", "1,5"), ("C", "2")]
    assert ws.table(result.table).source_detail["delimiter"] == ";"


def test_a_json_array_behind_a_bom_imports_every_record(ws, tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b'\xef\xbb\xbf[{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]')
    result = import_one(ws, path)
    assert (result.rows, result.columns, result.rejected) == (2, 2, 0)
    assert rows(ws, f'SELECT a, b FROM "{result.table}" ORDER BY a') == [(1, "x"), (2, "y")]


def test_ndjson_with_a_bom_and_a_bad_line_keeps_its_first_record(ws, tmp_path):
    path = tmp_path / "bom.ndjson"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}\n{"a": \n{"a": 3}\n')
    result = import_one(ws, path)
    assert (result.rows, result.rejected) == (2, 1)
    assert rows(ws, f'SELECT a FROM "{result.table}" ORDER BY a') == [(1,), (3,)]


def test_ndjson_gaining_a_key_late_keeps_it(ws, tmp_path):
    path = tmp_path / "late_key.ndjson"
    records = [{"a": i} for i in range(LATE)] + [{"a": LATE, "b": "new"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    result = import_one(ws, path)
    assert (result.rows, result.columns, result.rejected) == (LATE + 1, 2, 0)
    assert rows(ws, f'SELECT a, b FROM "{result.table}" WHERE b IS NOT NULL') == [(LATE, "new")]


def test_ndjson_changing_a_type_late_keeps_every_value(ws, tmp_path):
    path = tmp_path / "late_type.ndjson"
    records = [{"a": i} for i in range(LATE)] + [{"a": "text"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    result = import_one(ws, path)
    assert (result.rows, result.rejected) == (LATE + 1, 0)
    assert schema(ws, result.table) == {"a": "JSON"}  # each value as it was written
    assert rows(ws, f'SELECT count(*), count(DISTINCT a) FROM "{result.table}"') == [(LATE + 1, LATE + 1)]
    kept = rows(ws, f"SELECT a::VARCHAR AS v FROM \"{result.table}\" WHERE v IN ('0', '29999', '\"text\"') ORDER BY v")
    assert kept == [('"text"',), ("0",), ("29999",)]


def test_a_ten_megabyte_field_imports_whole(ws, tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("id,text\n1,short\n2," + "x" * 10_000_000 + "\n3,after\n", encoding="utf-8")
    result = import_one(ws, path)
    assert (result.rows, result.rejected) == (3, 0)
    assert rows(ws, f'SELECT id, length(text) FROM "{result.table}" ORDER BY id') == [(1, 5), (2, 10_000_000), (3, 5)]


def test_mixed_line_endings_import_every_row(ws, tmp_path):
    path = tmp_path / "eol.csv"
    path.write_bytes(b"a,b\r\n1,2\n3,4\r5,6\r\n7,8\n")
    result = import_one(ws, path)
    assert (result.rows, result.rejected) == (4, 0)
    assert rows(ws, f'SELECT a, b FROM "{result.table}" ORDER BY a') == [(1, 2), (3, 4), (5, 6), (7, 8)]
    assert result.notes == ["its lines end in mixed ways (CRLF, LF, CR): all were read as LF"]


def test_utf8_and_latin1_lines_in_one_file_each_decode_right(ws, tmp_path):
    path = tmp_path / "mixed.csv"
    utf8, latin1 = ["José", "Renée", "Ørsted"], ["Zoé", "Chloé", "Müller"]
    lines = [b"name,n\n"] + [
        f"{name},{i}\n".encode("utf-8" if i % 2 == 0 else "latin-1")
        for i, name in enumerate(n for pair in zip(utf8, latin1) for n in pair)
    ]
    path.write_bytes(b"".join(lines))
    result = import_one(ws, path)
    assert (result.rows, result.rejected) == (6, 0)
    assert rows(ws, f'SELECT name FROM "{result.table}" ORDER BY n') == [
        ("José",), ("Zoé",), ("Renée",), ("Chloé",), ("Ørsted",), ("Müller",)
    ]  # fmt: skip
    assert result.notes == ["3 lines were not UTF-8 and were read as Windows-1252 (Latin-1)"]
    assert ws.table(result.table).source_detail["encoding"] == "utf-8 and windows-1252"


def quoted_lines(with_commas):
    value = "v{}, x" if with_commas else "v{}"
    return ["id,name"] + [f'{i},"{value.format(i)}"' for i in range(1, 21)]


@pytest.mark.parametrize("with_commas", [True, False], ids=["values with commas", "values without commas"])
def test_one_unbalanced_quote_rejects_its_line_only(ws, tmp_path, with_commas):
    lines = quoted_lines(with_commas)
    lines[10] = lines[10][:-1]  # '10,"v10, x' : the closing quote is missing
    lines.append('21,"v21",extra')  # a later bad line keeps its own line number
    path = tmp_path / "quotes.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = import_one(ws, path)
    assert (result.rows, result.rejected) == (19, 2)
    assert [(e["line"], e["error"], e["raw"]) for e in result.reject_examples] == [
        (11, "UNQUOTED VALUE", lines[10]),
        (22, "TOO MANY COLUMNS", '21,"v21",extra'),
    ]
    assert result.reject_examples[0]["message"] == "Value with unterminated quote found."
    expected = [(i, f"v{i}, x" if with_commas else f"v{i}") for i in range(1, 21) if i != 10]
    assert rows(ws, f'SELECT id, name FROM "{result.table}" ORDER BY id') == expected  # no literal quote marks
    assert [r[0] for r in rows(ws, "SELECT line FROM _workbench.rejects ORDER BY line")] == [11, 22]
    assert not any((ws.downloads / ".tmp").glob("*")), "the copy is removed"


def test_a_long_line_past_the_sniffed_rows_imports_whole(ws, tmp_path):
    """DuckDB sets a line over 2 MB aside as LINE SIZE OVER MAXIMUM when the sniffer never saw it."""
    path = tmp_path / "late_long.csv"
    path.write_text("id,text\n" + "".join(f"{i},x\n" for i in range(LATE)) + f"{LATE}," + "y" * 3_000_000
                    + f"\n{LATE + 1},z\n", encoding="utf-8")  # fmt: skip
    result = import_one(ws, path)
    assert (result.rows, result.rejected) == (LATE + 2, 0)
    assert rows(ws, f'SELECT id, length(text) FROM "{result.table}" WHERE id >= ? ORDER BY id', [LATE - 1]) == [
        (LATE - 1, 1), (LATE, 3_000_000), (LATE + 1, 1)
    ]  # fmt: skip
