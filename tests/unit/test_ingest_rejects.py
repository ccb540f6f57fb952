"""Malformed lines are set aside, counted and explained; never dropped silently, never fatal."""

from __future__ import annotations

import dataclasses

from tests.unit.ingest_helpers import import_one
from workbench.workspace import Workspace

# More good lines than DuckDB's sniffer samples (20,480), so that the damage
# further down is met by the reader, as in a real Kaggle file.
GOOD_LINES = 21_000


def big_csv(path, tail):
    lines = ["id,name,score"] + [f'{i},"n{i}",{i / 2}' for i in range(1, GOOD_LINES + 1)] + tail
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def stored_rejects(ws, table):
    with ws.connect() as con:
        return con.execute(
            "SELECT line, column_name, error_type, message, raw FROM _workbench.rejects WHERE table_name = ? "
            "ORDER BY line",
            [table],
        ).fetchall()


def test_too_many_and_too_few_columns(ws, tmp_path):
    path = tmp_path / "bad.csv"
    good = "6,fay,2.0\n7,gus,2.5\n"  # more good lines than bad: a file mostly rejected is refused
    path.write_text("id,name,score\n1,ann,3.5\n2,bob,4.0,extra\n3,cid\n4,dan,5.0\n5,eve,1.5,x,y\n" + good,
                    encoding="utf-8")  # fmt: skip
    result = import_one(ws, path)
    assert (result.rows, result.rejected) == (4, 3)
    with ws.connect() as con:
        assert con.execute(f'SELECT id, name, score FROM "{result.table}" ORDER BY id').fetchall() == [
            (1, "ann", 3.5),
            (4, "dan", 5.0),
            (6, "fay", 2.0),
            (7, "gus", 2.5),
        ]
    assert [(e["line"], e["error"], e["raw"]) for e in result.reject_examples] == [
        (3, "TOO MANY COLUMNS", "2,bob,4.0,extra"),
        (4, "MISSING COLUMNS", "3,cid"),
        (6, "TOO MANY COLUMNS", "5,eve,1.5,x,y"),
    ]
    assert result.reject_examples[0]["message"] == "Expected Number of Columns: 3 Found: 4"
    assert result.reject_examples[1]["message"] == "Expected Number of Columns: 3 Found: 2"
    assert result.reject_examples[2]["message"] == "Expected Number of Columns: 3 Found: 5"  # one example per line
    # kept in the workspace with the table, and reported by the library
    assert [r[0] for r in stored_rejects(ws, result.table)] == [3, 4, 6]
    assert ws.table(result.table).rejected == 3
    frame = ws.rejects(result.table)
    assert list(frame.columns) == ["line", "column", "error", "message", "raw line"]
    assert frame["raw line"].tolist() == ["2,bob,4.0,extra", "3,cid", "5,eve,1.5,x,y"]


def test_an_unterminated_quote_is_rejected_with_its_line(ws, tmp_path):
    path = big_csv(tmp_path / "quotes.csv", [f'{GOOD_LINES + 1},"broken,1.0'])
    result = import_one(ws, path)
    assert (result.rows, result.rejected) == (GOOD_LINES, 1)
    (example,) = result.reject_examples
    assert example["line"] == GOOD_LINES + 2  # the header is line 1
    assert example["error"] == "UNQUOTED VALUE"
    assert example["message"] == "Value with unterminated quote found."
    assert example["raw"].startswith(f'{GOOD_LINES + 1},"broken')
    with ws.connect() as con:  # quotes around the good values are gone: the dialect was right
        assert con.execute(f'SELECT name FROM "{result.table}" WHERE id = 7').fetchone() == ("n7",)


def test_a_dirty_value_in_a_number_column_is_kept_as_text_not_rejected(ws, tmp_path):
    """Past the sniffer's sample the column looks numeric; the 'n/a' must survive."""
    path = big_csv(tmp_path / "dirty.csv", [f'{GOOD_LINES + 1},"late",n/a', f'{GOOD_LINES + 2},"later",2.5'])
    result = import_one(ws, path)
    assert (result.rows, result.rejected, result.reject_examples) == (GOOD_LINES + 2, 0, [])
    info = ws.table(result.table)
    assert info.source_detail["read_as_text"] == ["score"]
    schema = dict(zip(ws.schema(result.table)["column"], ws.schema(result.table)["type"]))
    assert schema == {"id": "BIGINT", "name": "VARCHAR", "score": "VARCHAR"}
    with ws.connect() as con:
        tail = con.execute(f'SELECT id, score FROM "{result.table}" WHERE id > ? ORDER BY id', [GOOD_LINES - 1])
        assert tail.fetchall() == [(GOOD_LINES, "10500.0"), (GOOD_LINES + 1, "n/a"), (GOOD_LINES + 2, "2.5")]
    assert stored_rejects(ws, result.table) == []


def test_a_dirty_value_the_sniffer_sees_makes_a_text_column(ws, tmp_path):
    path = tmp_path / "small.csv"
    path.write_text("id,score\n1,3.5\n2,n/a\n3,\n", encoding="utf-8")
    result = import_one(ws, path)
    assert result.rejected == 0
    with ws.connect() as con:
        assert con.execute(f'SELECT score FROM "{result.table}" ORDER BY id').fetchall() == [
            ("3.5",),
            ("n/a",),
            (None,),
        ]


def test_every_bad_line_is_counted_but_only_the_first_examples_are_kept(tmp_path):
    ws = Workspace(tmp_path / "ws", limits=dataclasses.replace(Workspace(tmp_path).limits, reject_examples=2))
    lines = ["a,b"] + [f"{i},x" if i % 2 else f"{i},x,extra" for i in range(1, 21)]
    path = tmp_path / "many.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = import_one(ws, path)
    assert (result.rows, result.rejected) == (10, 10)
    assert [e["line"] for e in result.reject_examples] == [3, 5]
    assert [r[0] for r in stored_rejects(ws, result.table)] == [3, 5]
    assert ws.table(result.table).rejected == 10


def test_ndjson_bad_lines(ws, tmp_path):
    path = tmp_path / "events.ndjson"
    path.write_text(
        '{"id": 1, "kind": "a"}\n'
        '{"id": 2, "kind": "b"\n'  # unterminated object
        '{"id": 3, "kind": "c"}\n'
        "not json at all\n"
        '{"id": 5, "kind": "e"}\n',
        encoding="utf-8",
    )
    result = import_one(ws, path)
    assert (result.rows, result.rejected) == (3, 2)
    assert [(e["line"], e["error"]) for e in result.reject_examples] == [(2, "MALFORMED JSON"), (4, "MALFORMED JSON")]
    assert result.reject_examples[1]["raw"] == "not json at all"
    assert "Expecting" in result.reject_examples[1]["message"]
    with ws.connect() as con:
        assert con.execute(f'SELECT id, kind FROM "{result.table}" ORDER BY id').fetchall() == [
            (1, "a"),
            (3, "c"),
            (5, "e"),
        ]
    assert [r[0] for r in stored_rejects(ws, result.table)] == [2, 4]
    assert not any((ws.downloads / ".tmp").glob("*")), "the filtered copy is removed"


def test_a_clean_file_has_no_rejects(ws, tmp_path):
    path = tmp_path / "clean.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    result = import_one(ws, path)
    assert (result.rejected, result.reject_examples) == (0, [])
    assert ws.rejects(result.table).empty


def test_rejects_follow_a_rename_and_go_with_a_drop(ws, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n1,2\n3,4,5\n", encoding="utf-8")
    result = import_one(ws, path)
    ws.rename(result.table, "renamed")
    assert [r[0] for r in stored_rejects(ws, "renamed")] == [3]
    assert stored_rejects(ws, result.table) == []
    ws.drop("renamed")
    with ws.connect() as con:
        assert con.execute("SELECT count(*) FROM _workbench.rejects").fetchone() == (0,)
