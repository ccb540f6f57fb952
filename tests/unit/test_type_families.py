"""One classifier of DuckDB types (profile.stats.family): dedupe and the SQL chart agree with it."""

from __future__ import annotations

import pytest

from workbench.dedupe import normalise
from workbench.profile import profile_table
from workbench.profile.stats import family
from workbench.sql import chart

# the types the three classifiers used to disagree on, as written and as DuckDB reports them
NUMBERS = ["UINTEGER", "UHUGEINT", "DECIMAL(10,2)", "NUMERIC", "numeric(5, 1)", "UTINYINT", "HUGEINT", "DOUBLE"]


@pytest.mark.parametrize("type_", NUMBERS)
def test_numbers_are_numbers_everywhere(type_):
    assert family(type_) == "numeric"
    assert chart.kind_of(type_) == "numeric"
    assert normalise.kind_of(type_) == "number"


@pytest.mark.parametrize(("type_", "fam", "chart_kind", "dedupe_kind"), [
    ("DATE", "temporal", "temporal", "date"), ("TIMESTAMP WITH TIME ZONE", "temporal", "temporal", "date"),
    ("VARCHAR", "text", "category", "string"), ("BOOLEAN", "boolean", "category", "string"),
    ("INTEGER[]", "other", "category", "string"), ("INTERVAL", "other", "category", "string"),
])  # fmt: skip
def test_the_other_families_map_the_same_way(type_, fam, chart_kind, dedupe_kind):
    assert (family(type_), chart.kind_of(type_), normalise.kind_of(type_)) == (fam, chart_kind, dedupe_kind)


def test_columns_of_those_types_in_a_real_table(ws):
    with ws.connect() as con:
        con.execute("CREATE TABLE t (u UINTEGER, h UHUGEINT, d DECIMAL(10,2), n NUMERIC, s VARCHAR)")
        con.execute("INSERT INTO t SELECT i, i * 1000, i / 4, i / 8, 'x' || i FROM range(1, 41) r(i)")
        kinds = {c.name: c.kind for c in normalise.resolve_columns(con, "t", ["u", "h", "d", "n", "s"])}
    assert kinds == {"u": "number", "h": "number", "d": "number", "n": "number", "s": "string"}
    p = profile_table(ws, "t")
    assert {c.name: c.family for c in p.columns} == {"u": "numeric", "h": "numeric", "d": "numeric", "n": "numeric",
                                                     "s": "text"}  # fmt: skip
    assert p.column("u").stats["mean"] == pytest.approx(20.5) and p.column("d").stats["max"] == pytest.approx(10.0)
    assert chart.suggest(["u", "d"], [p.column("u").type, p.column("d").type]).kind == "scatter"
