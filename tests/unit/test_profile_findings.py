"""Each finding kind is reported on the planted column with the planted count, and nowhere else."""

from __future__ import annotations

import dataclasses
import threading

import pytest

from tests.unit.profile_tables import CLEAN, EXPECTED, RANGES_EXPECTED, make_dirty
from workbench import settings
from workbench.errors import Cancelled, TableNotFound
from workbench.profile import KINDS, evidence, profile_table


@pytest.fixture(scope="module")
def dirty_ws(tmp_path_factory):
    from workbench import Workspace

    ws = Workspace(tmp_path_factory.mktemp("profile") / "ws")
    make_dirty(ws)
    return ws


@pytest.fixture(scope="module")
def dirty(dirty_ws):
    return profile_table(dirty_ws, "dirty")


def test_every_planted_finding_is_reported_with_its_count_and_nothing_else(dirty):
    found = {(f.kind, f.column): f.count for f in dirty.findings}
    assert found == EXPECTED
    assert {kind for kind, _ in EXPECTED} | {kind for kind, _ in RANGES_EXPECTED} == set(KINDS)


def test_impossible_values_and_overlapping_bands_are_reported_with_their_count(dirty_ws):
    ranges = profile_table(dirty_ws, "ranges")
    assert {(f.kind, f.column): f.count for f in ranges.findings} == RANGES_EXPECTED
    by_kind = {f.kind: f for f in ranges.findings if f.column != "id"}
    assert by_kind["overlapping_bands"].message == "bands of numbers that overlap: '20+' overlaps '20-30'"
    age = next(f for f in ranges.findings if f.column == "age")
    assert age.examples == [0.5] and "an age under 1 year where 99% of the ages are 18 or more" in age.message


def test_clean_columns_raise_nothing(dirty):
    for name in CLEAN:
        assert dirty.findings_for(name) == []


def test_each_evidence_query_selects_exactly_the_counted_rows(dirty_ws, dirty):
    with dirty_ws.connect() as con:
        for f in dirty.findings:
            if f.where is None and f.kind != "duplicate_rows":
                continue
            sql, params = f.evidence_sql("dirty")
            (n,) = con.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()
            # duplicate rows: the evidence lists every copy, the count is the extra copies
            assert n == (2 * f.count if f.kind == "duplicate_rows" else f.count), f.kind


def test_findings_carry_examples_suggestions_and_are_ranked(dirty):
    by_key = {(f.kind, f.column): f for f in dirty.findings}
    assert by_key[("sentinel", "age")].examples == [[-999.0, 20]]
    assert sorted(by_key[("disguised_missing", "color")].examples) == [["", 10], ["N/A", 10]]
    assert by_key[("numbers_as_text", "price")].examples == [["unknown", 5]]
    assert by_key[("numbers_as_text", "price")].detail["unparsed"] == 5
    city = by_key[("inconsistent_category", "city")]
    assert sorted(city.examples) == [["Pairs", "Paris", 20], ["paris", "Paris", 20]]
    assert by_key[("outlier", "amount")].examples == [1e6] * 4
    assert all(f.suggestion for f in dirty.findings)
    order = ["high", "medium", "low"]
    assert [order.index(f.severity) for f in dirty.findings] == sorted(order.index(f.severity) for f in dirty.findings)


def test_semantic_types(dirty):
    semantic = {c.name: c.semantic for c in dirty.columns}
    assert semantic == {
        "id": "identifier", "clean_num": "numeric", "clean_cat": "categorical", "age": "numeric",
        "amount": "numeric", "income": "numeric", "color": "categorical", "city": "categorical",
        "note": "text", "code": "categorical", "price": "numeric", "signup": "datetime", "active": "boolean",
        "rating": "categorical", "country": "categorical", "flag": "boolean", "created": "datetime",
    }  # fmt: skip


def test_evidence_returns_the_offending_rows(dirty_ws, dirty):
    sentinel = next(f for f in dirty.findings if f.kind == "sentinel" and f.column == "age")
    rows = evidence(dirty_ws, "dirty", sentinel, limit=5)
    assert len(rows) == 5 and set(rows["age"]) == {-999}
    # the offending column first, then the whole row as stored
    assert list(rows.columns) == ["age", "id", "clean_num", "clean_cat", "amount", *list(rows.columns)[5:]]
    assert len(rows.columns) == 17
    dups = next(f for f in dirty.findings if f.kind == "duplicate_rows")
    rows = evidence(dirty_ws, "dirty", dups, limit=100)
    assert len(rows) == 30 and set(rows["copies"]) == {2} and list(rows.columns)[:2] == ["copies", "id"]
    assert "WHERE" in sentinel.shown_sql("dirty") and "-999.0" in sentinel.shown_sql("dirty")


def test_big_table_path_samples_text_and_recounts_exactly(dirty_ws, monkeypatch):
    """Above profile_exact_rows: estimates are marked approximate, sampled text findings are recounted exactly."""
    small = dataclasses.replace(settings.LIMITS, profile_exact_rows=100, profile_sample_rows=1000,
                                profile_text_max_values=1000, profile_text_sample_rows=1000)
    monkeypatch.setattr(settings, "LIMITS", small)
    p = profile_table(dirty_ws, "dirty")
    note = p.column("note")
    assert note.stats["sample_rows"] == 1000 and "text checks" in note.approximate
    whitespace = next(f for f in p.findings if f.kind == "whitespace")
    assert (whitespace.column, whitespace.count) == ("note", 40)
    assert whitespace.message.startswith("40 values")
    assert "quantiles" in p.column("amount").approximate and p.overview["exact"] is False
    found = {(f.kind, f.column): f.count for f in p.findings}
    for key in [("sentinel", "age"), ("outlier", "amount"), ("disguised_missing", "color"), ("mixed_types", "rating"),
                ("duplicate_rows", None), ("sentinel", "created"), ("inconsistent_category", "city")]:  # fmt: skip
        assert found[key] == EXPECTED[key], key
    assert not p.findings_for("clean_num") and not p.findings_for("clean_cat")


def test_progress_reaches_one_and_cancel_stops(dirty_ws):
    seen = []
    profile_table(dirty_ws, "dirty", on_progress=lambda done, label: seen.append((done, label)))
    fractions = [d for d, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(seen) >= 5
    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled):
        profile_table(dirty_ws, "dirty", cancel=stop)


def test_unknown_table_is_a_clear_error(dirty_ws):
    with pytest.raises(TableNotFound, match="no table named 'nope'"):
        profile_table(dirty_ws, "nope")


def test_empty_table_and_all_null_column(ws):
    with ws.connect() as con:
        con.execute("CREATE TABLE empty (a INTEGER, b VARCHAR)")
        con.execute("CREATE TABLE nulls AS SELECT i AS a, NULL::VARCHAR AS b FROM range(10) t(i)")
    p = profile_table(ws, "empty")
    assert p.rows == 0 and p.findings == []
    p = profile_table(ws, "nulls")
    assert [(f.kind, f.column, f.count, f.severity) for f in p.findings] == [("missing", "b", 10, "high")]
    assert p.column("b").semantic == "empty"


def test_sample_tables_raise_the_known_problems(sample_ws):
    penguins = {(f.kind, f.column): f.count for f in profile_table(sample_ws, "penguins_raw").findings}
    assert penguins[("disguised_missing", "Sex")] == 11  # 'NA' strings
    assert penguins[("numbers_as_text", "Body Mass (g)")] == 342
    assert penguins[("constant", "Region")] == 344
    cars = profile_table(sample_ws, "cars")
    assert {(f.kind, f.column): f.count for f in cars.findings}[("missing", "Horsepower")] == 6
    assert cars.rows == 406


def test_every_kind_has_a_plain_title():
    from workbench.profile import TITLES

    assert tuple(TITLES) == KINDS
    assert all(title[0].isupper() and "_" not in title for title in TITLES.values())
    assert TITLES["numbers_as_text"] == "Numbers stored as text"
    assert TITLES["disguised_missing"] == "Missing values written as text"


def test_missing_values_that_come_with_one_value_of_another_column_are_said_before_a_fill(ws):
    from workbench.metadata import record_table

    with ws.connect() as con:  # the telecom table: total charges are missing exactly where tenure is 0
        con.execute("""CREATE TABLE telco AS SELECT i AS id, CASE WHEN i % 640 = 0 THEN 0 ELSE 1 + i % 72 END AS tenure,
            CASE WHEN i % 640 = 0 THEN NULL ELSE 20.0 + (i % 97) * 30 END AS total_charges,
            ['Month-to-month', 'One year', 'Two year'][1 + i % 3] AS contract,
            CASE WHEN i % 7 = 1 THEN NULL ELSE i % 5 END AS scattered FROM range(7043) t(i)""")
        record_table(con, "telco", source_kind="file", operation="import")
    found = {f.column: f for f in profile_table(ws, "telco").findings if f.kind == "missing"}
    charges = found["total_charges"]
    assert charges.message == "12 missing values (0.2%); missing together with: tenure = 0 in all 12 rows"
    assert charges.detail["missing_together"] == {"column": "tenure", "value": "0", "rows": 12, "rows_with_value": 12}
    assert charges.suggestion.startswith("Look first: every missing value comes with tenure = 0")
    assert "missing_together" not in found["scattered"].detail  # its missing rows share no value
