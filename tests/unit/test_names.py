"""Table and column names: sanitising, uniqueness, and DuckDB's own column scheme."""

from __future__ import annotations

import csv

import duckdb
import pytest

from workbench.names import RESERVED, disambiguate_columns, literal, quote, render, table_name_from, unique_name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sales", "sales"),
        ("Sales Data 2024", "sales_data_2024"),
        ("SalesData", "sales_data"),
        ("HTTPServerLog", "http_server_log"),
        ("userIDs", "user_ids"),
        ("data2024Q1", "data2024_q1"),
        ("Café Crème", "cafe_creme"),
        ("ÄÖÜ Straße", "aou_strasse"),
        ("Smørrebrød Æble", "smorrebrod_aeble"),
        ("2024 sales", "t_2024_sales"),
        ("42", "t_42"),
        ("my-file (1)", "my_file_1"),
        ("__x__y__", "x_y"),
        ("../../etc/passwd", "etc_passwd"),
        ('"; DROP TABLE x; --', "drop_table_x"),
        ("select", "select_data"),
        ("Order", "order_data"),
        ("left", "left_data"),
        ("", "table_data"),
        ("   ", "table_data"),
        ("日本語", "table_data"),
    ],
)
def test_table_name_from(text, expected):
    assert table_name_from(text) == expected


def test_long_names_are_cut_without_a_trailing_underscore():
    name = table_name_from("a" * 62 + " b" * 10)
    assert len(name) <= 63 and not name.endswith("_")


def test_reserved_words_match_duckdb():
    """Every word DuckDB refuses as an unquoted table name, and nothing else DuckDB calls a keyword."""
    with duckdb.connect() as con:
        words = con.execute(
            "SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category IN ('reserved', 'type_function')"
        ).fetchall()
    assert {w for (w,) in words} == RESERVED


HOSTILE = [
    "../../etc/passwd",
    '"; DROP TABLE x; --',
    "Robert'); DROP TABLE students;--",
    "a\x00b\nc",
    "SELECT * FROM t",
    "null",
    "1e10",
    "☃ snowman",
    "C:\\Windows\\system32",
]


def test_every_derived_name_works_unquoted_in_duckdb():
    """The promise: a user can type any table name in SQL without quotes, keywords included."""
    with duckdb.connect() as con:
        keywords = [k for (k,) in con.execute("SELECT keyword_name FROM duckdb_keywords()").fetchall()]
        for text in keywords + HOSTILE:
            name = table_name_from(text)
            assert name.isascii() and name == name.lower(), text
            con.execute(f"CREATE TABLE {name} AS SELECT 1 AS x")
            assert con.execute(f"SELECT x FROM {name}").fetchall() == [(1,)], text
            con.execute(f"DROP TABLE {name}")


def test_unique_name_is_case_insensitive():
    assert unique_name("sales", []) == "sales"
    assert unique_name("sales", ["SALES"]) == "sales_2"
    assert unique_name("sales", ["Sales", "sales_2", "SALES_3"]) == "sales_4"
    assert unique_name("other", ["sales"]) == "other"


def test_unique_name_stays_within_the_length_limit():
    base = "a" * 63
    name = unique_name(base, [base])
    assert name == "a" * 61 + "_2"


def test_quote_doubles_embedded_quotes():
    assert quote('we"ird') == '"we""ird"'
    with duckdb.connect() as con:
        hostile = 'a"; DROP TABLE x; --'
        con.execute(f"CREATE TABLE {quote(hostile)} (v INTEGER)")
        assert con.execute("SELECT table_name FROM duckdb_tables()").fetchall() == [(hostile,)]


def test_render_makes_runnable_sql_with_literals():
    sql = render("SELECT ? AS a, ? AS b, ? AS c, ? AS d", ["it's", 3, None, True])
    assert sql == "SELECT 'it''s' AS a, 3 AS b, NULL AS c, true AS d"
    with duckdb.connect() as con:
        assert con.execute(sql).fetchone() == ("it's", 3, None, True)
    assert literal({"a": 1}) == "{'a': 1}"
    with pytest.raises(ValueError):
        render("SELECT ?", [])


# -- columns: the same names DuckDB's CSV reader gives --------------------------------

HEADERS = [
    ["a", "", "a", "A", " ", "b", "a_1", "a"],
    [" x ", "x", "x "],
    ["column1", "", "column1"],
    ["", "", ""],
    [""] * 10,
    [""] * 11,
    ["a"] + [""] * 10 + ["b"],
    ["a_1", "a", "a"],
    ["x", "x", "x_1", "X_1"],
    ["a", "a", "a_1", "a_1", "a"],
    ["nan", "NaN", "x"],
    ["1", "2", "1"],
    ["é", "É", "é"],
    ["Prix (€)", "prix (€)", "Prix (€)"],
    ["col", "column0", ""],
]


@pytest.mark.parametrize("header", HEADERS, ids=[",".join(h) or "blanks" for h in HEADERS])
def test_columns_are_named_as_duckdb_names_them(tmp_path, header):
    path = tmp_path / "h.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerow([f"v{i}" for i in range(len(header))])
    with duckdb.connect() as con:
        expected = con.execute("SELECT * FROM read_csv(?, header = true, all_varchar = true)", [str(path)]).description
    assert disambiguate_columns(header) == [d[0] for d in expected]


def test_missing_cells_are_blanks_but_the_text_nan_is_a_name():
    assert disambiguate_columns([None, float("nan"), "nan", "n"]) == ["column0", "column1", "nan", "n"]
    assert disambiguate_columns([1, 2.5, 1]) == ["1", "2.5", "1_1"]


# Names DuckDB's readers name otherwise than `disambiguate_columns` does: a blank Parquet name (C0), a CSV name of only
# Unicode spaces (C1, or '' to its sniffer, which made the import fail), a trailing unit separator DuckDB keeps, rowid.
AWKWARD_HEADER = ["", " padded ", "a", "A", "\u00a0", "\u3000", "\t", "a_1", "rowid", "?\x1f", "?", "x"]


def test_every_format_names_columns_alike(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from workbench import Workspace, ingest
    from workbench.names import table_columns

    header = AWKWARD_HEADER
    with open(tmp_path / "h.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows([header, range(len(header))])
    columns = [pa.array([i]) for i in range(len(header))]
    pq.write_table(pa.Table.from_arrays(columns, names=header), tmp_path / "h.parquet")
    ws = Workspace(tmp_path / "ws")
    expected = ["column00", "padded", "a", "A_1", "column04", "column05", "column06", "a_1_1", "rowid_1", "?", "?_1",
                "x"]  # fmt: skip
    assert table_columns(header) == expected
    for result in ingest.load(ws, [tmp_path / "h.csv", tmp_path / "h.parquet"]):
        assert result.error is None, result.error
        with ws.connect(read_only=True) as con:
            assert [d[0] for d in con.execute(f"SELECT * FROM {quote(result.table)}").description] == expected
            assert con.execute(f"SELECT * FROM {quote(result.table)}").fetchall() == [tuple(range(len(header)))]
        assert "column 'rowid' was renamed 'rowid_1': DuckDB keeps that name for its row numbers" in result.notes
