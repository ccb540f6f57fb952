"""Comparison levels per column kind, evaluated by DuckDB on real values."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from workbench.dedupe import features
from workbench.dedupe.normalise import Column, normalised


def level(kind: str, a, b) -> str:
    with duckdb.connect() as con:
        sql = features.level_sql(kind, "a", "b", "s")
        (value,) = con.execute(
            f"SELECT {sql} FROM (SELECT a, b, {features.similarity_sql(kind, 'a', 'b')} AS s "
            f"FROM (SELECT ?::{ {'string': 'VARCHAR', 'number': 'DOUBLE', 'date': 'DATE'}[kind]} AS a, "
            f"?::{ {'string': 'VARCHAR', 'number': 'DOUBLE', 'date': 'DATE'}[kind]} AS b))",
            [a, b],
        ).fetchone()
    return features.level_label(kind, value)


@pytest.mark.parametrize(
    "a, b, expected",
    [
        ("smith", "smith", "exact"),
        ("jonathan", "jonathon", "Jaro-Winkler >= 0.95"),  # jaro_winkler_similarity
        ("4011", "4101", "edit distance <= 2"),  # levenshtein rescues short codes
        ("catherine", "kathryn", "different"),
        ("main street", "street main", "same letters (Jaccard >= 0.8)"),  # jaccard
        ("abc", None, "missing"),  # missingness
        ("paul", "zoe", "different"),
    ],
)
def test_string_levels(a, b, expected):
    assert level("string", a, b) == expected


def test_edit_distance_level_skips_only_pairs_levenshtein_would_reject():
    """The length test before levenshtein is a shortcut, never a different answer."""
    words = ["ab", "abc", "abcd", "abcde", "abcdef", "xbcd", "4011", "40111", "401", "0114", "a", "abcdefghij"]
    ladder = dict((lv.label, lv.condition) for lv in features.LADDERS["string"])
    condition = ladder["edit distance <= 2"].format(a="a", b="b")
    with duckdb.connect() as con:
        differing = con.execute(
            f"SELECT a, b FROM unnest(?::VARCHAR[]) x(a), unnest(?::VARCHAR[]) y(b) "
            f"WHERE ({condition}) <> (length(a) <= 10 AND levenshtein(a, b) <= 2)",
            [words, words],
        ).fetchall()
        (shortcut,) = con.execute(
            "SELECT count(*) FROM unnest(?::VARCHAR[]) x(a), unnest(?::VARCHAR[]) y(b) "
            "WHERE abs(length(a) - length(b)) > 2 AND length(a) <= 10",
            [words, words],
        ).fetchone()
    assert differing == []
    assert shortcut > 0  # the grid does exercise the shortcut


@pytest.mark.parametrize(
    "a, b, expected",
    [(100.0, 100.0, "exact"), (1000.0, 1000.5, "within 0.1%"), (100.0, 100.9, "within 1%"),
     (100.0, 109.0, "within 10%"), (100.0, 150.0, "different"), (None, 3.0, "missing")],
)  # fmt: skip
def test_number_levels_use_relative_difference(a, b, expected):
    assert level("number", a, b) == expected


@pytest.mark.parametrize(
    "a, b, expected",
    [
        (dt.date(1980, 5, 17), dt.date(1980, 5, 17), "exact"),
        (dt.date(1980, 5, 17), dt.date(1980, 5, 18), "one digit differs"),
        (dt.date(1980, 5, 17), dt.date(1980, 6, 10), "within 31 days"),
        (dt.date(1980, 5, 17), dt.date(1981, 2, 10), "within a year"),
        (dt.date(1980, 5, 17), dt.date(1990, 1, 1), "different"),
        (None, dt.date(1990, 1, 1), "missing"),
    ],
)
def test_date_levels_use_day_differences(a, b, expected):
    assert level("date", a, b) == expected


def test_patterns_pack_one_level_per_column_and_unpack():
    levels = [5, 0, 7, 3]
    packed = sum(lv << (features.BITS * i) for i, lv in enumerate(levels))
    assert features.unpack(packed, 4) == levels


def test_normalisation_makes_spelling_variants_equal_and_blanks_missing():
    col = Column("name", "string")
    with duckdb.connect() as con:
        rows = con.execute(
            f"SELECT {normalised(col)} FROM (VALUES (' O''Brien.  Zoë '), ('obrien zoe'), ('   ')) t(name)"
        ).fetchall()
    assert rows == [("obrien zoe",), ("obrien zoe",), (None,)]
