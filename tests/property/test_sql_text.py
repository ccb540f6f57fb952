"""The renderer against DuckDB itself: for SQL made of quoted names, strings, comments and placeholders,
`render` finds the placeholders DuckDB's parser finds, and the rendered SQL gives what the bound one gives."""

from __future__ import annotations

import math

import duckdb
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.property.strategies import CHARS, fixed_in_ci, names, text_values
from workbench.names import code_spans, literal, quote, render

pytestmark = pytest.mark.property


def _string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _escaped(text: str) -> str:
    return "E'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _dollar(text: str) -> str:
    tag = "$q$" if "$q$" not in text and not text.endswith("$q") else "$z$"
    return tag + text + tag if tag not in text and not text.endswith(tag[:-1]) else _string(text)


values = st.one_of(text_values(), st.integers(-(2**63), 2**63 - 1), st.floats(), st.booleans())


@st.composite
def selects(draw) -> tuple[str, list, list]:
    """SELECT of items, each a placeholder, a string (three spellings) or a quoted name, with comments."""
    items, params, expected = [], [], []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["param", "string", "escaped", "dollar", "name"]))
        text = draw(st.one_of(names(), st.text(CHARS, max_size=8)))
        if kind == "param":
            value = draw(values)
            items.append("?")
            params.append(value)
            expected.append(value)
        elif kind == "name":
            items.append(f"(SELECT {quote(text or 'x')} FROM (SELECT 1 AS {quote(text or 'x')}))")
            expected.append(1)
        else:
            items.append({"string": _string, "escaped": _escaped, "dollar": _dollar}[kind](text))
            expected.append(text)
        if draw(st.booleans()):
            comment = draw(st.text(CHARS, max_size=8))
            items[-1] += (f" /* {comment.replace('*/', '')} */" if draw(st.booleans())
                          else f" -- {comment.replace(chr(10), ' ').replace(chr(13), ' ')}\n")  # fmt: skip
    aliases = ", ".join(f"{item} AS c{i}" for i, item in enumerate(items))
    return f"SELECT {aliases}", params, expected


def same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


@fixed_in_ci
@given(selects())
@example(("SELECT 'what?' AS c0, ? AS c1, \"Survived?\" AS c2", ["?"], None))
def test_rendered_sql_gives_what_the_bound_sql_gives(made):
    sql, params, _ = made
    with duckdb.connect() as con:
        if "Survived?" in sql:
            con.execute('CREATE TEMP TABLE x AS SELECT 1 AS "Survived?"')
            sql += " FROM x"
        assert len(con.extract_statements(sql)[0].named_parameters) == len(params)
        bound = con.execute(sql, params).fetchone()
        shown = con.execute(render(sql, params)).fetchone()
    assert all(same(a, b) for a, b in zip(bound, shown)), (sql, bound, shown)


@fixed_in_ci
@given(selects())
def test_the_values_are_the_ones_written(made):
    sql, params, expected = made
    with duckdb.connect() as con:
        got = con.execute(render(sql, params)).fetchone()
    assert all(same(a, b) for a, b in zip(expected, got))


@fixed_in_ci
@given(st.lists(st.one_of(names(), st.sampled_from(["'", '"', "--", "/*", "*/", "$$", "$a$", "E'", "?"])),
                max_size=12))
def test_code_spans_never_cut_a_token_duckdb_reads_whole(pieces):
    """Whatever the text (valid SQL or not), the spans are in order, inside the text, and never overlap."""
    sql = " ".join(pieces)
    spans = code_spans(sql)
    assert all(0 <= a < b <= len(sql) for a, b in spans)
    assert all(b1 <= a2 for (_, b1), (a2, _) in zip(spans, spans[1:]))


@fixed_in_ci
@given(values)
def test_a_literal_has_the_type_of_the_bound_value(value):
    with duckdb.connect() as con:
        bound = con.execute("SELECT typeof(?)", [value]).fetchone()
        shown = con.execute(f"SELECT typeof({literal(value)})").fetchone()
    assert bound == shown
