"""Column types come from every kept row: a late value never gets rounded, a rejected line never decides a type."""

from __future__ import annotations

import pytest

from tests.unit.ingest_helpers import import_one, rows, schema

# More rows than DuckDB's sniffer samples (20,480): the late values are met by the reader only.
EARLY_ROWS = 30_000


@pytest.mark.parametrize(
    ("early", "kept_as"),
    [
        (lambda i: str(i * 3), "DOUBLE"),  # integers
        (lambda i: str(i % 10), "DOUBLE"),  # small integers
    ],
    ids=["integers", "small integers"],
)
def test_a_late_decimal_in_an_integer_column_is_kept_exactly(ws, tmp_path, early, kept_as):
    lines = ["id,v"] + [f"{i},{early(i)}" for i in range(EARLY_ROWS)] + [f"{EARLY_ROWS},2.5", f"{EARLY_ROWS + 1},7.49"]
    path = tmp_path / "late.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = import_one(ws, path)
    assert (result.rows, result.rejected) == (EARLY_ROWS + 2, 0)
    assert schema(ws, result.table) == {"id": "BIGINT", "v": kept_as}
    tail = rows(ws, f'SELECT id, v FROM "{result.table}" WHERE id >= ? ORDER BY id', [EARLY_ROWS - 1])
    assert tail == [(EARLY_ROWS - 1, float(early(EARLY_ROWS - 1))), (EARLY_ROWS, 2.5), (EARLY_ROWS + 1, 7.49)]
    assert rows(ws, f'SELECT count(*), sum(v) FROM "{result.table}" WHERE id < ?', [EARLY_ROWS]) == [
        (EARLY_ROWS, float(sum(int(early(i)) for i in range(EARLY_ROWS))))
    ]
    detail = ws.table(result.table).source_detail
    assert "read_as_text" not in detail
    assert detail["column_notes"]["v"].startswith("kept as DOUBLE, not BIGINT: it holds ")
    assert len(result.notes) == 1 and result.notes[0].startswith("column 'v' kept as DOUBLE, not BIGINT")


def test_a_late_decimal_after_booleans_keeps_every_value_as_text(ws, tmp_path):
    lines = ["id,flag"] + [f"{i},{'true' if i % 2 else 'false'}" for i in range(EARLY_ROWS)] + [f"{EARLY_ROWS},2.5"]
    path = tmp_path / "flags.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = import_one(ws, path)
    assert (result.rows, result.rejected) == (EARLY_ROWS + 1, 0)
    assert schema(ws, result.table) == {"id": "BIGINT", "flag": "VARCHAR"}
    assert rows(ws, f'SELECT id, flag FROM "{result.table}" WHERE id >= ? ORDER BY id', [EARLY_ROWS - 1]) == [
        (EARLY_ROWS - 1, "true"),
        (EARLY_ROWS, "2.5"),
    ]
    assert rows(ws, f'SELECT flag, count(*) FROM "{result.table}" GROUP BY flag ORDER BY flag') == [
        ("2.5", 1),
        ("false", EARLY_ROWS // 2),
        ("true", EARLY_ROWS // 2),
    ]
    # a sniffed BOOLEAN is read as text and stays so unless every value is true/false: nothing to say
    assert result.notes == [] and "column_notes" not in ws.table(result.table).source_detail


def test_a_late_integer_too_big_for_a_double_is_kept_as_text_not_rounded(ws, tmp_path):
    huge = "123456789012345678901234"
    lines = ["id,v"] + [f"{i},{i}" for i in range(EARLY_ROWS)] + [f"{EARLY_ROWS},{huge}", f"{EARLY_ROWS + 1},0.5"]
    path = tmp_path / "huge.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = import_one(ws, path)
    assert (result.rows, result.rejected) == (EARLY_ROWS + 2, 0)
    assert schema(ws, result.table) == {"id": "BIGINT", "v": "VARCHAR"}
    assert rows(ws, f'SELECT v FROM "{result.table}" WHERE id >= ? ORDER BY id', [EARLY_ROWS]) == [(huge,), ("0.5",)]


def test_whole_numbers_written_with_decimals_stay_integers(ws, tmp_path):
    path = tmp_path / "whole.csv"
    path.write_text("id,v\n1,2\n2,3.0\n3,\n4,1e3\n", encoding="utf-8")
    result = import_one(ws, path)
    assert rows(ws, f'SELECT id, v FROM "{result.table}" ORDER BY id') == [(1, 2.0), (2, 3.0), (3, None), (4, 1000.0)]
    assert result.rejected == 0


def malformed_file(path, good_rows, bad_at):
    header = ",".join(f"c{k}" for k in range(7))
    lines = [header] + [",".join([f"{i}.5"] + [str(i * k) for k in range(1, 7)]) for i in range(1, good_rows + 1)]
    lines.insert(bad_at, "13.1,this,line,has,too,few")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("good_rows", "bad_at"), [(20, 10), (EARLY_ROWS, 25_000)])
def test_a_malformed_line_does_not_turn_number_columns_into_text(ws, tmp_path, good_rows, bad_at):
    result = import_one(ws, malformed_file(tmp_path / "mal.csv", good_rows, bad_at))
    assert (result.rows, result.rejected) == (good_rows, 1)
    (example,) = result.reject_examples
    assert (example["line"], example["error"], example["raw"]) == (
        bad_at + 1,
        "MISSING COLUMNS",
        "13.1,this,line,has,too,few",
    )
    assert schema(ws, result.table) == {"c0": "DOUBLE", **{f"c{k}": "BIGINT" for k in range(1, 7)}}
    assert rows(ws, f'SELECT * FROM "{result.table}" WHERE c1 = 7') == [(7.5, 7, 14, 21, 28, 35, 42)]
    assert rows(ws, f'SELECT count(*), sum(c6) FROM "{result.table}"') == [
        (good_rows, 6 * good_rows * (good_rows + 1) // 2)
    ]
    assert result.notes == [] and "read_as_text" not in ws.table(result.table).source_detail


def test_a_text_column_says_why(ws, tmp_path):
    lines = ["id,score"] + [f"{i},{i / 2}" for i in range(EARLY_ROWS)] + [f"{EARLY_ROWS},n/a"]
    path = tmp_path / "dirty.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = import_one(ws, path)
    assert (result.rows, result.rejected) == (EARLY_ROWS + 1, 0)
    why = f"kept as text, not DOUBLE: line {EARLY_ROWS + 2} ('{EARLY_ROWS},n/a') holds a value that is not a DOUBLE"
    assert ws.table(result.table).source_detail["column_notes"] == {"score": why}
    assert result.notes == [f"column 'score' {why}"]


def test_late_text_in_an_integer_column_keeps_it_as_text_and_says_which_value(ws, tmp_path):
    lines = ["id,v"] + [f"{i},{i}" for i in range(EARLY_ROWS)] + [f"{EARLY_ROWS},2.5", f"{EARLY_ROWS + 1},n/a"]
    path = tmp_path / "late_text.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = import_one(ws, path)
    assert (result.rows, result.rejected) == (EARLY_ROWS + 2, 0)
    assert schema(ws, result.table) == {"id": "BIGINT", "v": "VARCHAR"}
    assert rows(ws, f'SELECT v FROM "{result.table}" WHERE id >= ? ORDER BY id', [EARLY_ROWS - 1]) == [
        (str(EARLY_ROWS - 1),),
        ("2.5",),
        ("n/a",),
    ]
    assert result.notes == [
        "column 'v' kept as text, not BIGINT: it holds 'n/a' below the rows its type was guessed from, "
        "and converting would have changed it"
    ]


def test_late_text_alone_in_an_integer_column_keeps_it_as_text(ws, tmp_path):
    """Without a decimal beside it, the text used to fail the whole import ("not a whole number")."""
    lines = ["id,v"] + [f"{i},{i}" for i in range(EARLY_ROWS)] + [f"{EARLY_ROWS},n/a"]
    path = tmp_path / "late_text_only.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = import_one(ws, path)
    assert (result.rows, result.rejected) == (EARLY_ROWS + 1, 0)
    assert schema(ws, result.table) == {"id": "BIGINT", "v": "VARCHAR"}
    assert rows(ws, f'SELECT v FROM "{result.table}" WHERE id >= ? ORDER BY id', [EARLY_ROWS - 1]) == [
        (str(EARLY_ROWS - 1),),
        ("n/a",),
    ]
    assert result.notes == [
        "column 'v' kept as text, not BIGINT: it holds 'n/a' below the rows its type was guessed from, "
        "and converting would have changed it"
    ]
