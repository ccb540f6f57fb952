"""The plain words of a profile: which statistics a column shows, what its numbers in text are, what is missing."""

from __future__ import annotations

from workbench.profile import explain, profile_table


def test_numbers_held_in_text_and_the_statistics_shown(ws):
    with ws.connect() as con:
        con.execute("""CREATE TABLE m AS SELECT CASE WHEN i % 10 = 0 THEN 'NA' WHEN i % 25 = 1 THEN 'n/a'
                       WHEN i = 2 THEN 'about 5' ELSE (i / 4)::VARCHAR END AS size,
                       ['s', 'm', 'l'][1 + i % 3] AS label FROM range(200) t(i)""")
    p = profile_table(ws, "m")
    size, label = p.column("size"), p.column("label")
    assert explain.numbers_held(size) == (171, 29, [["NA", 20], ["n/a", 8], ["about 5", 1]])
    assert list(explain.statistics_of(size)) == ["count", "nulls", "numbers", "distinct", "min", "max", "mean", "std",
                                                 "mad", "mean_length"]  # fmt: skip
    assert "numbers" not in explain.statistics_of(label)  # every text column counts its numbers; only these show
    assert explain.statistics_shown([label]) == ["values", "missing", "distinct", "min", "max", "mean length"]
    assert explain.statistics_shown([size])[-2:] == ["mean length", "percentiles"]
    assert all(term in explain.TERMS for term in explain.statistics_shown([size, label]))


def test_cells_holding_text_that_means_missing(ws):
    with ws.connect() as con:
        con.execute("""CREATE TABLE t AS SELECT CASE i % 10 WHEN 0 THEN 'NA' WHEN 1 THEN '' ELSE 'x' END AS a,
                       CASE WHEN i % 50 = 3 THEN 'NA' WHEN i % 7 = 0 THEN NULL ELSE 'y' || i % 3 END AS b
                       FROM range(100) t(i)""")
    p = profile_table(ws, "t")
    assert p.overview["missing_cells"] == 15  # the NULLs of b: the text 'NA' and '' are values to DuckDB
    assert explain.missing_as_text(p) == (22, ["a", "b"], ["NA", ""])
    assert all(terms and all(t in explain.TERMS for t in terms) for terms in explain.FINDING_TERMS.values())
