"""Each cleaning operation on a table with planted dirt: the exact values it writes, and what it refuses."""

from __future__ import annotations

import math

import pytest

from workbench import WorkbenchError, clean
from workbench.clean import recipe
from workbench.clean.categories import cluster_values
from workbench.clean.expression import check_condition
from workbench.metadata import record_table


def make_table(ws, name: str, sql: str) -> None:
    with ws.connect() as con:
        con.execute(f"CREATE TABLE {name} AS {sql}")
        record_table(con, name, source_kind="file", operation="import")


def rows(ws, table: str, columns: str = "*") -> list[tuple]:
    with ws.connect() as con:
        return con.execute(f"SELECT {columns} FROM {table} ORDER BY rowid").fetchall()


def types(ws, table: str) -> dict[str, str]:
    with ws.connect() as con:
        return {r[0]: r[1] for r in con.execute(f"DESCRIBE {table}").fetchall()}


def applied(ws, table: str, operation: str, **params):
    return clean.apply(ws, table, clean.make(operation, **params)).name


@pytest.fixture
def paint(ws):
    values = (["Red"] * 30 + ["red", " Red"] + ["Yellow"] * 25 + ["Yelow"] + ["Green"] * 25 + ["Grren"] + ["Blue"] * 3
              + ["Bed"])
    union = " UNION ALL ".join(f"SELECT {i} AS id, '{v}' AS colour" for i, v in enumerate(values))
    make_table(ws, "paint", f"SELECT * FROM ({union}) ORDER BY id")
    return ws


def test_spelling_cluster_maps_case_space_and_typo_variants_to_the_frequent_spelling(paint):
    step = clean.fit_on(paint, "paint", clean.make("cluster_spellings", column="colour"))
    assert step.state["mapping"] == {"red": "Red", " Red": "Red", "Yelow": "Yellow"}
    made = clean.apply(paint, "paint", step, fitted=True).name
    with paint.connect() as con:
        counts = dict(con.execute(f"SELECT colour, count(*) FROM {made} GROUP BY 1").fetchall())
    # 'Bed' and 'Grren' are short words: never matched by edits (Red / Bed, GasA / GasW)
    assert counts == {"Red": 32, "Yellow": 26, "Green": 25, "Grren": 1, "Blue": 3, "Bed": 1}
    assert rows(paint, "paint", "colour")[30] == ("red",)  # the raw table is untouched


def test_cluster_values_needs_the_right_spelling_to_be_far_more_frequent():
    found = cluster_values([("Paris", 50), ("Pariss", 40), ("Lyon", 30), ("lyon", 1)], ["fingerprint", "neighbours"])
    assert [c["members"] for c in found] == [[["Lyon", 30], ["lyon", 1]]]  # 40 is not rare next to 50


def test_sentinel_code_becomes_null_and_text_tokens_too(ws):
    make_table(ws, "m", "SELECT * FROM (VALUES (1, 5.0, 'a'), (2, -999, 'N/A'), (3, 7.5, ' null '), (4, NULL, 'b')) "
               "v(id, x, s)")
    t = applied(ws, "m", "null_values", column="x", values=["-999"])
    assert rows(ws, t, "x") == [(5.0,), (None,), (7.5,), (None,)]
    t = applied(ws, t, "null_values", column="s")
    assert rows(ws, t, "s") == [("a",), (None,), (None,), ("b",)]
    with pytest.raises(WorkbenchError, match="needs the codes"):
        applied(ws, "m", "null_values", column="x")


def test_text_to_number_in_both_decimal_styles_and_the_values_that_do_not_parse(ws):
    make_table(ws, "n", "SELECT * FROM (VALUES ('1.234,56'), ('7,5'), ('NA'), ('abc'), (NULL)) v(a)")
    step = clean.fit_on(ws, "n", clean.make("to_number", column="a"))
    assert step.state["style"] == "1.234,56"
    assert step.state["unparsed"] == 1 and step.state["unparsed_examples"] == [["abc", 1]]
    t = clean.apply(ws, "n", step, fitted=True).name
    assert types(ws, t) == {"a": "DOUBLE"}
    assert rows(ws, t) == [(1234.56,), (7.5,), (None,), (None,), (None,)]
    make_table(ws, "us", "SELECT * FROM (VALUES ('1,234.56'), ('12'), ('0.5')) v(a)")
    assert rows(ws, applied(ws, "us", "to_number", column="a")) == [(1234.56,), (12.0,), (0.5,)]


def test_text_to_date_and_boolean(ws):
    make_table(ws, "d", "SELECT * FROM (VALUES ('03/04/2024', 'Yes'), ('31/12/2023', 'no'), ('n/a', 'maybe')) v(d, b)")
    step = clean.fit_on(ws, "d", clean.make("to_date", column="d"))
    assert step.state["format"] == "%d/%m/%Y"
    t = clean.apply(ws, "d", step, fitted=True).name
    t = applied(ws, t, "to_boolean", column="b")
    import datetime as dt

    assert rows(ws, t) == [(dt.date(2024, 4, 3), True), (dt.date(2023, 12, 31), False), (None, None)]


def test_trim_case_and_replace(ws):
    make_table(ws, "s", "SELECT * FROM (VALUES ('  new   york '), ('PARIS'), (NULL)) v(c)")
    t = applied(ws, "s", "trim", column="c")
    assert rows(ws, t) == [("new york",), ("PARIS",), (None,)]
    t = applied(ws, t, "change_case", column="c", case="title")
    assert rows(ws, t) == [("New York",), ("Paris",), (None,)]
    t = applied(ws, t, "replace_values", column="c", mapping={"Paris": "Paris, France"})
    assert rows(ws, t) == [("New York",), ("Paris, France",), (None,)]


def test_fill_missing_with_statistics_learned_on_this_table_and_an_indicator(ws):
    make_table(ws, "f", "SELECT * FROM (VALUES (1, 'a'), (NULL, 'a'), (4, NULL), (10, 'b')) v(x, c)")
    t = applied(ws, "f", "fill_missing", columns=["x"], strategy="mean", indicator=True)
    assert rows(ws, t) == [(1.0, "a", False), (5.0, "a", True), (4.0, None, False), (10.0, "b", False)]
    t = applied(ws, "f", "fill_missing", columns=["c"], strategy="mode")
    assert rows(ws, t, "c") == [("a",), ("a",), ("a",), ("b",)]
    with pytest.raises(WorkbenchError, match="median of 'c'"):
        applied(ws, "f", "fill_missing", columns=["c"], strategy="median")
    t = applied(ws, "f", "drop_missing", columns=["x", "c"])
    assert rows(ws, t) == [(1, "a"), (10, "b")]


@pytest.fixture
def measures(ws):
    # 200 regular rows on a line, two planted outliers, a few missing values
    make_table(ws, "g", "SELECT i AS id, (i % 20)::DOUBLE AS a, (i % 20) * 2.0 + (i % 3) AS b FROM range(200) r(i) "
               "UNION ALL SELECT 200, 500.0, 3.0 UNION ALL SELECT 201, -400.0, 1000.0 "
               "UNION ALL SELECT 202, NULL, 10.0 UNION ALL SELECT 203, 5.0, NULL ORDER BY id")
    return ws


def test_iqr_fences_flag_cap_and_remove_exactly_the_planted_outliers(measures):
    ws = measures
    t = applied(ws, "g", "outliers", column="a", method="iqr", k=3.0, action="flag")
    assert [r[0] for r in rows(ws, t, "id, a_outlier") if r[1]] == [200, 201]
    step = clean.fit_on(ws, "g", clean.make("outliers", column="a", action="cap"))
    low, high = step.state["fences"]
    capped = dict(rows(ws, clean.apply(ws, "g", step, fitted=True).name, "id, a"))
    assert capped[200] == high and capped[201] == low and capped[202] is None and capped[5] == 5.0
    assert len(rows(ws, applied(ws, "g", "outliers", column="a", action="remove"))) == 202
    mad = dict(rows(ws, applied(ws, "g", "outliers", column="a", method="mad", action="null"), "id, a"))
    assert mad[200] is None and mad[201] is None and mad[19] == 19.0


def test_isolation_forest_flags_the_planted_rows_and_skips_incomplete_ones(measures):
    ws = measures
    t = applied(ws, "g", "outlier_model", columns=["a", "b"], contamination="0.01")
    flags = dict(rows(ws, t, "id, outlier"))
    assert flags[200] is True and flags[201] is True
    assert flags[202] is None and flags[203] is None
    assert sum(1 for v in flags.values() if v) <= 4


def test_knn_imputation_fills_from_neighbours_learned_on_train_when_replayed(ws):
    # b = 2a exactly: the neighbours of a row with a known a have b close to 2a
    make_table(ws, "train", "SELECT i::DOUBLE AS a, 2.0 * i AS b FROM range(100) r(i)")
    make_table(ws, "test", "SELECT * FROM (VALUES (10.0, NULL), (500.0, NULL), (NULL, 40.0)) v(a, b)")
    t = applied(ws, "train", "knn_impute", columns=["a", "b"], n_neighbors=3)
    filled = recipe.replay(ws, t, "test")
    values = rows(ws, filled.table.name)
    assert values[0] == (10.0, 20.0)  # neighbours 9, 10, 11 of the train table: b = 18, 20, 22
    assert values[1] == (500.0, 196.0)  # far outside train: its nearest train rows are 97..99, never test rows
    assert values[2] == (20.0, 40.0)
    assert any("b: 2 missing values" in g for g in filled.gaps)


def test_structure_steps(ws):
    make_table(ws, "s", "SELECT * FROM (VALUES (1, 'x', 1.5), (1, 'x', 1.5), (2, 'y', NULL), (3, 'z', 0.5)) v(a, b, c)")
    assert rows(ws, applied(ws, "s", "drop_duplicates")) == [(1, "x", 1.5), (2, "y", None), (3, "z", 0.5)]
    assert rows(ws, applied(ws, "s", "drop_duplicates", columns=["b"]), "a") == [(1,), (2,), (3,)]
    assert list(types(ws, applied(ws, "s", "drop_columns", columns=["b"]))) == ["a", "c"]
    assert list(types(ws, applied(ws, "s", "rename_column", column="b", new_name="name"))) == ["a", "name", "c"]
    assert list(types(ws, applied(ws, "s", "reorder_columns", columns=["c", "a"]))) == ["c", "a", "b"]
    assert rows(ws, applied(ws, "s", "filter_rows", condition="c > 1 OR a = 3"), "a") == [(1,), (1,), (3,)]
    assert rows(ws, applied(ws, "s", "filter_rows", condition="c > 1", action="remove"), "a") == [(2,), (3,)]


@pytest.mark.parametrize("condition, message", [
    ("a > 1; DROP TABLE s", "not valid SQL|single expression"),
    ("a > 1) UNION SELECT 1 FROM (SELECT 1", "single expression|not valid"),
    ("a IN (SELECT 1)", "may not contain a query"),
    ("EXISTS (SELECT * FROM _workbench.tables)", "may not contain a query"),
    ("a > 1 GROUP BY a", "not valid SQL|single expression"),
    ("", "empty"),
    ("nonexistent > 1", "does not work on"),
])  # fmt: skip
def test_a_condition_must_be_one_expression_over_the_columns(ws, condition, message):
    make_table(ws, "s", "SELECT 1 AS a")
    with pytest.raises(WorkbenchError, match=message):
        applied(ws, "s", "filter_rows", condition=condition)
    assert [t.name for t in ws.tables()] == ["s"]
    with ws.connect() as con:
        assert check_condition(con, "a > 1 AND a IS NOT NULL") == "a > 1 AND a IS NOT NULL"


def test_bad_parameters_and_unknown_operations_say_what_is_wrong(ws):
    with pytest.raises(WorkbenchError, match="Unknown cleaning operation 'scrub'"):
        clean.make("scrub")
    with pytest.raises(WorkbenchError, match="needs the parameter 'column'"):
        clean.make("trim")
    with pytest.raises(WorkbenchError, match="choose one of iqr, mad"):
        clean.make("outliers", column="a", method="zscore")
    with pytest.raises(WorkbenchError, match="has no parameter colour"):
        clean.make("trim", column="a", colour="red")
    make_table(ws, "s", "SELECT 1 AS a, 'x' AS b")
    with pytest.raises(WorkbenchError, match="works on text columns"):
        applied(ws, "s", "trim", column="a")
    with pytest.raises(WorkbenchError, match="has no column 'z'"):
        applied(ws, "s", "trim", column="z")
    with pytest.raises(WorkbenchError, match="'a' is already INTEGER: there is nothing to convert"):
        applied(ws, "s", "to_number", column="a")


def test_lineage_records_the_fitted_state_and_json_numbers_stay_exact(ws):
    make_table(ws, "v", "SELECT * FROM (VALUES (0.1), (0.2), (NULL)) v(x)")
    t = applied(ws, "v", "fill_missing", columns=["x"], strategy="mean")
    info = ws.table(t)
    assert info.source_kind == "step" and info.operation == "fill_missing" and info.parents == ["v"]
    fill = info.parameters["step"]["state"]["fill"]["x"]
    assert math.isclose(fill, 0.15) and rows(ws, t)[2][0] == fill


def test_cancel_during_a_scikit_learn_step_leaves_no_table_and_no_model_file(ws, monkeypatch):
    import dataclasses
    import threading

    from workbench.clean import run
    from workbench.errors import Cancelled

    monkeypatch.setattr(run, "LIMITS", dataclasses.replace(run.LIMITS, clean_batch_rows=500))
    make_table(ws, "big", "SELECT i::DOUBLE AS a, CASE WHEN i % 7 = 0 THEN NULL ELSE i * 2.0 END AS b "
               "FROM range(5000) r(i)")
    cancel = threading.Event()
    seen: list[float] = []

    def progress(done: float, _label: str) -> None:
        seen.append(done)
        cancel.set()  # the user clicks Cancel after the first batch

    with pytest.raises(Cancelled):
        clean.apply(ws, "big", clean.make("knn_impute", columns=["a", "b"]), on_progress=progress, cancel=cancel)
    assert seen == [0.1]  # stopped at the next batch
    assert [t.name for t in ws.tables()] == ["big"]
    assert not (ws.home / "models").exists() or not any((ws.home / "models").iterdir())


def test_the_tree_search_gives_what_knn_imputer_gives_with_complete_donors():
    import numpy as np
    from sklearn.impute import KNNImputer

    from workbench.clean.portable import knn_fill

    rng = np.random.default_rng(0)
    donors = rng.normal(size=(500, 4))
    rows = rng.normal(size=(300, 4))
    rows[rng.random(rows.shape) < 0.3] = np.nan
    rows[0] = np.nan  # nothing to compare on: the donors' means
    imputer = KNNImputer(n_neighbors=5).fit(donors)
    assert np.allclose(knn_fill(imputer, rows), imputer.transform(rows))


def test_yes_no_text_with_a_third_value_is_a_category_and_converting_it_counts_the_lost_values(ws):
    from workbench.profile import profile_table

    make_table(ws, "houses", "SELECT i AS id, CASE WHEN i < 42 THEN 'P' WHEN i % 5 = 0 THEN 'N' ELSE 'Y' END AS paved, "
               "CASE WHEN i % 50 = 0 THEN 'NA' WHEN i % 2 = 0 THEN 'yes' ELSE 'no' END AS central_air "
               "FROM range(500) t(i)")
    found = profile_table(ws, "houses")
    assert found.column("paved").semantic == "categorical"  # P (partial) is outside the yes/no vocabulary
    assert [(f.kind, f.column) for f in found.findings if f.kind == "booleans_as_text"] == [
        ("booleans_as_text", "central_air")]  # every value yes/no, 'NA' aside
    shown = clean.preview(ws, "houses", clean.make("to_boolean", column="paved"))
    assert shown.set_to_null == 42
    assert ("Values set to missing", 42) in [(label, value) for label, value, _ in shown.headline()]
    assert shown.in_words() == ["paved, VARCHAR → BOOLEAN: 0 values changed, 42 values set to missing, "
                                "0 missing values filled"]
    assert shown.as_dict()["values_set_to_null"] == 42
    assert shown.notes == ["42 values do not convert and would become NULL: 'P' (42×)"]


def test_iterative_imputation_stays_in_the_observed_range_and_whole_columns_get_whole_numbers(ws):
    # baths follows x; rows with an extreme x ask the regression for values far outside 0..3
    make_table(ws, "houses", "SELECT i + 0.5 AS x, (i // 25)::BIGINT AS baths, (i % 4)::DOUBLE AS cars "
               "FROM range(100) t(i) UNION ALL SELECT * FROM (VALUES (-400.0, NULL, 1.0), (900.0, NULL, NULL), "
               "(50.0, NULL, 2.0)) v(x, baths, cars)")  # fmt: skip
    step = clean.make("iterative_impute", columns=["x", "baths", "cars"])
    shown = clean.preview(ws, "houses", step)
    assert step.state["range"] == {"x": [-400.0, 900.0], "baths": [0.0, 3.0], "cars": [0.0, 3.0]}
    assert step.state["whole"] == ["baths", "cars"] and step.state["integer"] == ["baths"]
    assert ("baths: 2 filled values of 3 fell outside the range the column held when fitted, 0 to 3 (1 below, "
            "1 above), and were set to the nearest end of it.") in shown.notes  # fmt: skip
    assert "baths holds whole numbers only: its filled values are rounded to whole numbers." in shown.notes
    made = clean.apply(ws, "houses", step, fitted=True).name
    assert types(ws, made)["baths"] == "BIGINT" and types(ws, made)["cars"] == "DOUBLE"
    filled = rows(ws, made, "baths, cars")[100:]
    assert filled[0][0] == 0 and filled[1][0] == 3 and filled[2][0] == 2  # clipped low, clipped high, inside
    assert filled[1][1] in (0.0, 1.0, 2.0, 3.0)  # a whole number of cars within the range


def test_knn_imputation_scales_the_columns_so_one_large_column_does_not_choose_the_neighbours(ws):
    import numpy as np
    from sklearn.impute import KNNImputer

    rng = np.random.default_rng(3)
    area = rng.uniform(5_000, 20_000, 200).round()
    rooms = rng.integers(1, 11, 200).astype(float)
    quality = rooms * 10 + rng.integers(0, 3, 200)
    missing = [5, 50, 120, 199]
    frame = [(a, r, None if i in missing else q) for i, (a, r, q) in enumerate(zip(area, rooms, quality))]
    union = " UNION ALL ".join(f"SELECT {i} AS id, {a} AS area, {r} AS rooms, {'NULL' if q is None else q} AS quality"
                               for i, (a, r, q) in enumerate(frame))  # fmt: skip
    make_table(ws, "homes", f"SELECT id, area::DOUBLE AS area, rooms::DOUBLE AS rooms, quality::DOUBLE AS quality "
               f"FROM ({union}) ORDER BY id")  # fmt: skip
    made = applied(ws, "homes", "knn_impute", columns=["area", "rooms", "quality"], n_neighbors=3)
    got = [q for (q,) in rows(ws, made, "quality")]
    complete = np.array([(a, r, q) for a, r, q in frame if q is not None])
    center, scale = complete.mean(axis=0), complete.std(axis=0)
    scaled = KNNImputer(n_neighbors=3).fit((complete - center) / scale)
    raw = KNNImputer(n_neighbors=3).fit(complete)
    for i in missing:
        row = np.array([[area[i], rooms[i], np.nan]])
        expected = (scaled.transform((row - center) / scale) * scale + center)[0, 2]
        assert got[i] == round(expected)  # quality holds whole numbers: rounded
    unscaled = [round(raw.transform(np.array([[area[i], rooms[i], np.nan]]))[0, 2]) for i in missing]
    assert [got[i] for i in missing] != unscaled  # lot area alone would have chosen other neighbours
    assert "scaled to unit standard deviation" in recipe.recipe(ws, made).steps[0].describe()


def test_a_preview_charts_a_column_whatever_the_other_columns_are_called(ws):
    """The preview's histogram grouped by an alias `b` (and the top values by `v`): a table holding columns of
    those names made DuckDB group by the table's column instead, and the preview failed."""
    with ws.connect() as con:
        con.execute("CREATE TABLE t AS SELECT * FROM (VALUES (1.5, 'x', 'NA', 2), (NULL, 'y', '4', 3), "
                    "(3.0, 'x', '5', 4)) v(rating, b, v, n)")  # fmt: skip
        record_table(con, "t", source_kind="file", operation="import")
    filled = clean.preview(ws, "t", clean.make("fill_missing", columns=["rating"], strategy="mean"))
    assert filled.after["count"].sum() == 3 and "(missing)" in filled.before["value"].tolist()
    numbers = clean.preview(ws, "t", clean.make("to_number", column="v"))
    assert numbers.before.set_index("value")["count"].to_dict() == {"4": 1, "5": 1, "NA": 1}
    assert numbers.set_to_null == 1
