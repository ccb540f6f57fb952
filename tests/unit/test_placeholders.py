"""`?` inside names, strings and comments: the renderer that writes lineage and exports must find only the
placeholders DuckDB finds (a `?` in a column called `Survived?` or in `note <> 'what?'` is text)."""

from __future__ import annotations

import datetime
import decimal
import math

import duckdb
import pytest

from workbench import WorkbenchError, clean, ingest
from workbench.clean import export
from workbench.names import literal, placeholders, quote, render


def duckdb_count(sql: str) -> int:
    """How many parameters DuckDB's own parser finds in `sql`."""
    with duckdb.connect() as con:
        return len(con.extract_statements(sql)[0].named_parameters)


TEXT = [
    ('SELECT "Survived?" FROM t WHERE x = ?', 1),
    ("SELECT * FROM t WHERE note <> 'what?' AND x = ?", 1),
    ('SELECT "what\'s ""this""?", ? FROM t', 1),
    ("SELECT 'it''s ?', ?, '?'", 1),
    ("SELECT E'a\\'?', ?", 1),  # backslash escapes in E'...'
    ("SELECT e'\\\\', ?", 1),
    ("SELECT $$a?b$$, ?", 1),
    ("SELECT $tag$ ? $$ ? $tag$, ?", 1),
    ("SELECT 1 AS x$y, ?", 1),  # `$` inside a name starts no string
    ("SELECT 1 -- what?\n, ?", 1),
    ("SELECT 1 -- what?\r, ?", 1),
    ("SELECT /* a /* ? */ ? */ ?", 1),  # comments nest
    ("SELECT ?, ?, ?", 3),
    ('SELECT "?""?" AS "??", ?', 1),
    ("SELECT 'x' || ?", 1),
]


@pytest.mark.parametrize(("sql", "count"), TEXT)
def test_placeholders_are_the_ones_duckdb_finds(sql, count):
    assert len(placeholders(sql)) == count == duckdb_count(sql)


@pytest.mark.parametrize("sql", ["SELECT ?1", "SELECT $1", "SELECT ?2, ?1"])
def test_numbered_placeholders_are_refused(sql):
    with pytest.raises(ValueError, match="numbered placeholders"):
        render(sql, [1])


def test_render_keeps_the_question_marks_of_names_and_strings():
    sql = render('SELECT "Survived?" AS "a?", ? AS b FROM (SELECT 1 AS "Survived?") WHERE \'what?\' <> ?',
                 ["it's ?", "?"])  # fmt: skip
    assert sql == ('SELECT "Survived?" AS "a?", \'it\'\'s ?\' AS b FROM (SELECT 1 AS "Survived?") '
                   "WHERE 'what?' <> '?'")  # fmt: skip
    with duckdb.connect() as con:
        assert con.execute(sql).fetchall() == [(1, "it's ?")]


VALUES = [
    2.5, -0.1, 1e308, 5e-324, float("nan"), float("inf"), float("-inf"), 3, -(2**63), 2**100, True, None,
    "a'b\\c\n?", "", decimal.Decimal("1.50"), datetime.date(2020, 2, 29), datetime.datetime(2020, 1, 2, 3, 4, 5, 6),
    datetime.time(1, 2, 3), b"\x00\xff?", [1, None], ["a", "?"],
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_a_rendered_literal_is_the_value_and_type_duckdb_binds(value):
    """A literal in an exported script makes the table the bound value made: same value, same type."""
    with duckdb.connect() as con:
        bound = con.execute("SELECT ? AS v, typeof(?)", [value, value]).fetchone()
        shown = con.execute(render("SELECT ? AS v, typeof(?)", [value, value])).fetchone()
    if isinstance(value, float) and math.isnan(value):
        assert math.isnan(shown[0]) and shown[1] == bound[1] == "DOUBLE"
    else:
        assert shown == bound


def test_literal_of_a_struct_and_of_numpy_scalars():
    np = pytest.importorskip("numpy")
    assert literal({"a": 1}) == "{'a': 1}"
    assert literal(np.float64(2.5)) == "2.5::DOUBLE" and literal(np.int64(3)) == "3"


def test_a_count_that_does_not_match_still_fails():
    with pytest.raises(ValueError, match="1 placeholders for 0 parameters"):
        render("SELECT ?", [])
    with pytest.raises(ValueError, match="0 placeholders for 1 parameters"):
        render("SELECT '?'", [1])


# -- the crashes the renderer caused -----------------------------------------------------


def test_a_csv_header_with_a_question_mark_imports(ws, tmp_path):
    path = tmp_path / "titanic.csv"
    path.write_text("Survived?,note\n1,what?\n0,ok\n")
    (result,) = ingest.load(ws, [path])
    assert result.error is None and result.table == "titanic"
    assert ws.preview("titanic").to_dict("list") == {"Survived?": [1, 0], "note": ["what?", "ok"]}


@pytest.fixture
def question_table(ws, tmp_path):
    """A Parquet table (names kept whole) whose column names and values hold `?` and quotes."""
    pd = pytest.importorskip("pandas")
    path = tmp_path / "q.parquet"
    pd.DataFrame({"Survived?": [1, 0, 1], "what's \"this\"?": ["what?", " ok ", "?"]}).to_parquet(path)
    (result,) = ingest.load(ws, [path])
    assert result.table == "q"
    return ws


def test_a_clean_step_on_a_column_named_with_a_question_mark(question_table):
    ws = question_table
    made = clean.apply(ws, "q", clean.make("trim", column="what's \"this\"?"))
    assert ws.preview(made.name).to_dict("list") == {"Survived?": [1, 0, 1], "what's \"this\"?": ["what?", "ok", "?"]}
    assert '"what\'s ""this""?"' in made.sql and "?" not in made.sql.replace('"?', "").replace("?\"", "")


def test_a_filter_on_a_string_with_a_question_mark(question_table):
    ws = question_table
    made = clean.apply(ws, "q", clean.make("filter_rows", condition="\"what's \"\"this\"\"?\" <> 'what?'"))
    assert ws.preview(made.name)["Survived?"].tolist() == [0, 1]
    with duckdb.connect() as con:  # the lineage's SQL runs on its own and makes the same rows
        con.execute("CREATE TABLE q AS SELECT * FROM (VALUES (1, 'what?'), (0, ' ok ')) v(\"Survived?\", "
                    "\"what's \"\"this\"\"?\")")  # fmt: skip
        con.execute(made.sql)
        assert con.execute(f"SELECT \"Survived?\" FROM {quote(made.name)}").fetchall() == [(0,)]


@pytest.mark.parametrize("condition", ["\"Survived?\" = ?", "\"Survived?\" = $1", "\"Survived?\" = $x"])
def test_a_filter_with_a_placeholder_is_refused_in_words(question_table, condition):
    with pytest.raises(WorkbenchError, match="may not contain a parameter"):
        clean.apply(question_table, "q", clean.make("filter_rows", condition=condition))


def test_an_export_keeps_a_column_names_line_break_out_of_the_code(ws, tmp_path):
    """A step's description names its column: a line break in the name must not end the comment."""
    pd = pytest.importorskip("pandas")
    path = tmp_path / "n.parquet"
    pd.DataFrame({"a\nDROP TABLE n; --\x00?": [" x ", None]}).to_parquet(path)
    ingest.load(ws, [path])
    made = clean.apply(ws, "n", clean.make("null_values", column="a\nDROP TABLE n; --\x00?", values=[" x "]))
    sql = export.export(ws, made.name, "sql")
    assert "\n-- Step 1: Set ' x ' in a\\nDROP TABLE n; --\\x00? to NULL\n" in sql
    with duckdb.connect() as con:
        con.execute("CREATE TABLE n AS SELECT * FROM (VALUES (' x '), (NULL)) v(\"a\nDROP TABLE n; --\x00?\")")
        con.execute(sql)
        assert con.execute(f"SELECT * FROM {quote(made.name)}").fetchall() == [(None,), (None,)]
    compile(export.export(ws, made.name, "py"), "recipe.py", "exec")


# -- a column named like DuckDB's row numbers -----------------------------------------------


def test_a_column_named_rowid_is_renamed_at_import_and_cleaning_keeps_the_file_order(ws, tmp_path):
    """A column `rowid` hid DuckDB's row numbers: a step that keeps rows in order sorted them by the column."""
    pd = pytest.importorskip("pandas")
    path = tmp_path / "r.parquet"
    pd.DataFrame({"ROWID": [5, 1, 3], "x": ["a", "a", "b"]}).to_parquet(path)
    (result,) = ingest.load(ws, [path])
    assert result.notes == ["column 'ROWID' was renamed 'ROWID_1': DuckDB keeps that name for its row numbers"]
    made = clean.apply(ws, "r", clean.make("drop_duplicates", columns=["x"]))
    assert ws.preview(made.name).to_dict("list") == {"ROWID_1": [5, 3], "x": ["a", "b"]}
    with pytest.raises(WorkbenchError, match="cannot be named 'rowid'"):
        clean.make("rename_column", column="x", new_name="rowid")


def test_a_table_made_with_a_rowid_column_is_refused_by_cleaning_in_words(ws):
    from workbench.metadata import record_table

    with ws.connect() as con:
        con.execute("CREATE TABLE m AS SELECT * FROM (VALUES ('b', 1), ('a', 2)) v(rowid, x)")
        record_table(con, "m", source_kind="file", operation="import")
    with pytest.raises(WorkbenchError, match="'rowid' hides DuckDB's row numbers"):
        clean.apply(ws, "m", clean.make("drop_duplicates", columns=["x"]))
    renamed = clean.apply(ws, "m", clean.make("rename_column", column="rowid", new_name="code"))
    assert ws.preview(renamed.name).to_dict("list") == {"code": ["b", "a"], "x": [1, 2]}


def test_the_profile_of_a_skewed_column_near_the_largest_double(ws, tmp_path):
    """Its log-scale upper fence overflowed (math range error: a traceback on Explore)."""
    pd = pytest.importorskip("pandas")
    from workbench import profile

    path = tmp_path / "big.parquet"
    pd.DataFrame({"x": [0.0, None, 1.5335839687292192e241, 385808.0]}).to_parquet(path)
    ingest.load(ws, [path])
    column = profile.profile_table(ws, "big").column("x")
    assert column.stats["max"] == 1.5335839687292192e241


def test_a_wide_statement_renders_every_placeholder_and_none_inside_names_strings_or_comments():
    """The scanner jumps between what may open a quote or a comment (2 s a character at a time on a 5,000-column
    import): names holding ?, '', "" and $ are kept as written, each ? outside them is bound in order."""
    names = [f'p{j}?"x"$a' if j % 2 else f"p{j}$$q" for j in range(5_000)]
    parts = [f"coalesce({quote(c)}, ?, 'it''s ?') AS {quote(c)} /* ? */" for c in names]
    sql = "SELECT " + ", ".join(parts) + " FROM t -- ?\nWHERE x = ?"
    rendered = render(sql, [*range(5_000), "done"])
    bound = [f"coalesce({quote(c)}, {j}, 'it''s ?') AS {quote(c)} /* ? */" for j, c in enumerate(names)]
    assert rendered == "SELECT " + ", ".join(bound) + " FROM t -- ?\nWHERE x = 'done'"
