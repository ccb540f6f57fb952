"""The spelling rule shared by Explore's finding and Clean's step: no false merge on real distinct codes, the
planted variants found, the wording, and a replay that maps new variants by their key (in the exports too)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.spelling_fixtures import DISTINCT, plant, proposals
from workbench import clean
from workbench.clean import export, recipe
from workbench.metadata import record_table
from workbench.profile import profile_table
from workbench.profile.spelling import POSSIBLE, STRONG, cluster_values, keys_of


def test_real_distinct_codes_are_never_merged():
    assert proposals(DISTINCT) == {}  # not GasW -> GasA, FuseP -> FuseA, I (all) -> C (all), <12 yrs -> 12 yrs, ward q


def test_planted_variants_are_found_with_strong_evidence():
    columns, truth = plant()
    found = proposals(columns)
    planted = {(t["column"], t["variant"]): t["canonical"] for t in truth}
    right = [k for k, (canonical, confidence) in found.items() if planted.get(k) == canonical and confidence == STRONG]
    assert len(planted) > 150
    assert {t["kind"] for t in truth} >= {"case", "spaces", "insert", "delete", "replace", "swap"}
    assert len(right) / len(planted) >= 0.95  # recall
    assert all(planted.get(k) == canonical for k, (canonical, _) in found.items())  # precision 1


def test_symbols_that_carry_meaning_stay_in_the_key():
    assert keys_of(["<12 yrs", "12 yrs", ">16 yrs", " 12  YRS", "C (all)", "c all", "Ärger-Öl", "?"]) == [
        "<12 yrs", "12 yrs", ">16 yrs", "12 yrs", "call", "call", "argerol", None]


def test_short_words_codes_and_frequent_values_are_not_misspellings():
    found = cluster_values([("Paris", 480), ("paris", 20), ("Pairs", 20), ("GasA", 2885), ("GasW", 27),
                            ("Sawyer", 151), ("Sawyr", 125), ("Lyon", 500), ("Lyonn", 3)])  # fmt: skip
    assert [(c["canonical"], c["evidence"]) for c in found] == [("Paris", {
        "paris": {"confidence": STRONG, "why": "case"},
        "Pairs": {"confidence": POSSIBLE, "why": "two letters swapped, 25× rarer"}})]


def test_explore_says_possible_unless_the_evidence_is_strong(ws):
    frame = pd.DataFrame({"city": ["Paris"] * 480 + ["Pairs"] * 20 + ["Lyon"] * 500,
                          "colour": ["Yellow"] * 500 + ["yellow"] * 10 + ["Yelow"] * 2 + ["Grey"] * 488})  # fmt: skip
    with ws.connect() as con:
        con.register("frame", frame)
        con.execute("CREATE TABLE t AS SELECT * FROM frame")
        record_table(con, "t", source_kind="file", operation="import")
    found = {f.column: f for f in profile_table(ws, "t").findings if f.kind == "inconsistent_category"}
    city, colour = found["city"], found["colour"]
    assert city.message == "possibly 1 misspelling (check them): 'Pairs' (two letters swapped, 24× rarer) -> 'Paris'"
    assert city.detail["confidence"] == POSSIBLE and city.severity == "low"
    assert colour.message == ("2 spellings of 1 category: 'yellow' (case), 'Yelow' (a doubled letter, 255× rarer) "
                              "-> 'Yellow'")
    assert colour.detail["confidence"] == STRONG and "GasA / GasW" in colour.detail["rule"]


def test_the_distinct_codes_raise_no_finding_in_explore(ws):
    longest = max(sum(n for _, n in counts) for counts in DISTINCT.values())
    frame = pd.DataFrame({column: [v for v, n in counts for _ in range(n)] + [None] * (longest - sum(
        n for _, n in counts)) for column, counts in DISTINCT.items()})  # fmt: skip
    with ws.connect() as con:
        con.register("frame", frame)
        con.execute("CREATE TABLE ames AS SELECT * FROM frame")
        record_table(con, "ames", source_kind="file", operation="import")
    assert [f.message for f in profile_table(ws, "ames").findings if f.kind == "inconsistent_category"] == []


@pytest.fixture
def neighbourhoods(ws):
    train = ["Timber"] * 30 + ["timber"] * 2 + ["ClearCr"] * 20 + ["OldTown"] * 40 + ["Old Town"]
    test = ["TIMBER", "CLEARCR", "oldtown", "Timber", "ClearCr", " OldTown", "Timbr", "Edwards"]
    with ws.connect() as con:
        for name, values in (("train", train), ("test", test)):
            con.execute(f"CREATE TABLE {name} AS SELECT i AS id, v AS hood FROM "
                        "(SELECT unnest(?::VARCHAR[]) AS v, generate_subscripts(?::VARCHAR[], 1) AS i) ORDER BY i",
                        [values, values])  # fmt: skip
            record_table(con, name, source_kind="file", operation="import")
    made = clean.apply(ws, "train", clean.make("cluster_spellings", column="hood")).name
    return ws, made


def test_replay_maps_new_variants_whose_key_is_known_and_reports_only_new_keys(neighbourhoods):
    ws, made = neighbourhoods
    step = recipe.recipe(ws, made).steps[0]
    assert step.state["mapping"] == {"timber": "Timber", "Old Town": "OldTown"}
    done = recipe.replay(ws, made, "test")
    with ws.connect() as con:
        hoods = [v for (v,) in con.execute(f"SELECT hood FROM {done.table.name} ORDER BY id").fetchall()]
    assert hoods == ["Timber", "ClearCr", "OldTown", "Timber", "ClearCr", "OldTown", "Timbr", "Edwards"]
    assert done.gaps == [
        "step 1 (cluster_spellings): hood: 2 values never seen when the step was fitted, in 2 rows: 'Edwards' (1×), "
        "'Timbr' (1×)",
        "step 1 (cluster_spellings): hood: 4 values never seen when the step was fitted (4 rows) were written as the "
        "known value with the same spelling once case, spaces, accents and punctuation are set aside: ' OldTown' (1×), "
        "'CLEARCR' (1×), 'TIMBER' (1×), 'oldtown' (1×)",
    ]  # fmt: skip


def _raw_is(db: Path, ws, source: str) -> None:
    """A database whose raw table `train` holds `source`'s rows: what a user running the export on test data has."""
    con = duckdb.connect(str(db))
    con.execute(f"ATTACH '{ws.db_path}' AS src (READ_ONLY)")
    con.execute(f"CREATE TABLE train AS SELECT * FROM src.{source} ORDER BY rowid")
    con.execute("DETACH src")
    con.close()


def test_the_sql_and_python_exports_map_new_variants_as_the_replay_does(neighbourhoods, tmp_path):
    ws, made = neighbourhoods
    done = recipe.replay(ws, made, "test")
    with ws.connect() as con:
        expected = con.execute(f"SELECT * FROM {done.table.name} ORDER BY rowid").fetchall()
    sql_db, py_db = tmp_path / "sql.duckdb", tmp_path / "py.duckdb"
    _raw_is(sql_db, ws, "test")
    with duckdb.connect(str(sql_db)) as con:
        con.execute(export.export(ws, made, "sql"))
        assert con.execute(f"SELECT * FROM {made} ORDER BY rowid").fetchall() == expected
    _raw_is(py_db, ws, "test")
    script = tmp_path / "recipe.py"
    script.write_text(export.export(ws, made, "py"))
    out = subprocess.run([sys.executable, "-I", str(script), str(py_db), str(ws.home)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    with duckdb.connect(str(py_db)) as con:
        assert con.execute(f"SELECT * FROM {made} ORDER BY rowid").fetchall() == expected


def test_messages_say_one_spelling_one_value_one_row(ws):
    from workbench.clean import make

    with ws.connect() as con:
        con.execute("CREATE TABLE one AS SELECT * FROM (VALUES ('Yellow', 1), ('yellow', NULL), ('Yellow', 3), "
                    "('Yellow', 4), ('Blue', 5)) v(colour, n)")
        record_table(con, "one", source_kind="file", operation="import")
    messages = {f.kind: f.message for f in profile_table(ws, "one").findings}
    assert messages["missing"].startswith("1 missing value (")
    assert messages["inconsistent_category"] == "1 spelling of 1 category: 'yellow' (case) -> 'Yellow'"
    step = clean.fit_on(ws, "one", make("cluster_spellings", column="colour"))
    assert step.describe() == "Merge 1 spelling in colour into 1 canonical value"


def test_a_company_form_added_or_words_abbreviated_are_possible_spellings_whatever_their_counts():
    from workbench.profile.spelling import POSSIBLE, cluster_values

    found = cluster_values([("AIRBUS INDUSTRIE", 400), ("AIRBUS", 336), ("MCDONNELL DOUGLAS", 120),
                            ("MCDONNELL DOUGLAS AIRCRAFT CO", 103), ("urgent care center", 57), ("urg care ctr", 22),
                            ("inpatient ward a", 223), ("inpatient ward", 40), ("Robertson Field", 3),
                            ("Roberts Fld", 2), ("Egegik Airport", 2), ("Eek Airport", 2)])  # fmt: skip
    said = {v: (c["canonical"], c["evidence"][v]) for c in found for v, _ in c["members"][1:]}
    assert said == {
        "AIRBUS": ("AIRBUS INDUSTRIE", {"confidence": POSSIBLE, "why": "the same name with 'INDUSTRIE' added"}),
        "MCDONNELL DOUGLAS AIRCRAFT CO": ("MCDONNELL DOUGLAS", {"confidence": POSSIBLE,
                                                               "why": "the same name with 'AIRCRAFT CO' added"}),
        "urg care ctr": ("urgent care center", {"confidence": POSSIBLE, "why": "the same words abbreviated"}),
    }  # a ward is not a ward 'a'; Roberts Fld is not Robertson Field, nor Eek Egegik


def test_a_column_of_many_proper_names_compares_case_and_spacing_only():
    from workbench.profile import spelling, values

    counts = [("Harley", 54), ("Carley", 2), ("Hayley", 2), ("Lulu", 30), ("LuLu", 3)]
    keyed = [(v, n, k) for (v, n), k in zip(counts, spelling.keys_of([v for v, _ in counts]))]
    assert [(c["canonical"], c["variants"]) for c in values.clusters(keyed, names=True)] == [("Lulu", [["LuLu", 3]])]
    assert len(values.clusters(keyed)) == 2  # a column of a few names: Carley and Hayley would be Harley's typos
