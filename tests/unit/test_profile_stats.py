"""Statistics and chart bins against values computed independently."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from workbench.cli import main
from workbench.profile import figures, profile_table
from workbench.profile.explain import RULES


@pytest.fixture
def numbers_ws(ws):
    with ws.connect() as con:
        con.execute("""CREATE TABLE numbers AS SELECT i AS n, i * 0.5 AS half, DATE '2024-01-01' + i::INT AS day,
                       i % 3 = 0 AS third, ['a', 'b', 'b'][1 + i % 3] AS letter FROM range(1000) t(i)""")
    return ws


def test_overview_and_column_statistics(numbers_ws):
    p = profile_table(numbers_ws, "numbers")
    assert (p.rows, p.overview["columns"], p.overview["missing_cells"], p.overview["duplicate_rows"]) == (1000, 5, 0, 0)
    assert p.overview["exact"] is True and p.overview["storage_bytes"] > 0
    half = p.column("half").stats
    assert (half["min"], half["max"], half["distinct"], half["nulls"]) == (0.0, 499.5, 1000, 0)
    assert half["mean"] == pytest.approx(np.arange(1000).mean() / 2)
    assert half["std"] == pytest.approx(np.arange(1000).std(ddof=1) / 2)
    assert half["quantiles"]["p25"] == pytest.approx(np.quantile(np.arange(1000) / 2, 0.25))
    assert half["mad"] == pytest.approx(125.0)
    assert p.column("half").approximate == []
    chart = p.column("half").chart
    assert chart["kind"] == "histogram" and sum(chart["counts"]) + chart["below"] + chart["above"] == 1000
    assert len(chart["edges"]) == len(chart["counts"]) + 1
    letter = p.column("letter").stats
    assert letter["top_values"] == [["b", 666], ["a", 334]] and letter["distinct"] == 2
    assert p.column("third").stats["top_values"] == [[False, 666], [True, 334]]
    day = p.column("day")
    assert day.chart["kind"] == "dates" and sum(day.chart["counts"]) == 1000
    assert {c.name: c.semantic for c in p.columns} == {"n": "identifier", "half": "numeric", "day": "datetime",
                                                      "third": "boolean", "letter": "categorical"}  # fmt: skip
    assert [f.kind for f in p.findings] == ["identifier"]


def test_missing_values_are_in_no_histogram_bin(ws):
    with ws.connect() as con:
        con.execute("CREATE TABLE gaps AS SELECT CASE WHEN i % 10 <> 0 THEN i * 0.5 END AS x FROM range(1000) t(i)")
    chart = profile_table(ws, "gaps").column("x").chart
    assert chart["kind"] == "histogram" and sum(chart["counts"]) + chart["below"] + chart["above"] == 900


def test_columns_named_like_the_profiles_own_names(ws):
    with ws.connect() as con:  # m0, m1 once named the medians of the quantile query: ambiguous
        con.execute("CREATE TABLE named AS SELECT i AS m0, i % 7 AS m1, i * 0.5 AS s FROM range(100) t(i)")
    p = profile_table(ws, "named")
    assert p.column("m1").stats["quantiles"]["p50"] == 3.0 and p.column("s").stats["mad"] == 12.5


def test_every_column_gets_a_figure(numbers_ws):
    p = profile_table(numbers_ws, "numbers")
    titles = {c.name: figures.column_figure(c).layout.title.text for c in p.columns}
    assert titles["half"] == "half: histogram" and titles["letter"] == "letter: most frequent values"
    assert titles["day"] == "day: rows over time"


def test_cli_profile_json_and_text(numbers_ws):
    runner = CliRunner()
    result = runner.invoke(main, ["--home", str(numbers_ws.home), "profile", "numbers", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["rows"] == 1000 and [c["name"] for c in doc["columns"]] == ["n", "half", "day", "third", "letter"]
    assert doc["columns"][1]["statistics"]["max"] == 499.5 and doc["columns"][1]["semantic_type"] == "numeric"
    message = "identifier-like: 1,000 distinct values in 1,000 rows"
    assert doc["findings"] == [{"kind": "identifier", "column": "n", "severity": "low", "count": 1000, "share": 1.0,
                                "confidence": "strong", "message": message,
                                "examples": [], "suggestion": doc["findings"][0]["suggestion"],
                                "detail": {"rule": RULES["identifier"], "evidence": message,
                                           "confidence": "strong"}}]  # fmt: skip
    text = runner.invoke(main, ["--home", str(numbers_ws.home), "profile", "numbers"])
    assert text.exit_code == 0
    assert "numbers: 1,000 rows x 5 columns" in text.output and "[low] identifier in n" in text.output
    missing = runner.invoke(main, ["--home", str(numbers_ws.home), "profile", "nope"])
    assert missing.exit_code == 1 and "There is no table named 'nope'" in missing.output


@pytest.fixture
def measures_ws(ws):
    """A measurement stored as text, as in penguins_raw: 'NA' for missing, a word, padded and decimal numbers."""
    with ws.connect() as con:
        con.execute("""CREATE TABLE measures AS SELECT i::DOUBLE AS x,
                       CASE WHEN i % 50 = 0 THEN 'NA' WHEN i % 97 = 1 THEN 'unknown' WHEN i = 7 THEN NULL
                            WHEN i % 10 = 3 THEN ' ' || (i * 0.5 + 0.25)::VARCHAR ELSE (i * 0.5 + 0.25)::VARCHAR
                       END AS length FROM range(1000) t(i)""")
    return ws


def test_a_text_column_holding_numbers_is_described_by_its_numbers(measures_ws):
    progress = []
    p = profile_table(measures_ws, "measures", on_progress=lambda done, label: progress.append((done, label)))
    labels = [label for _, label in progress]
    assert labels.index("Looking for dirty data") < labels.index("Reading the numbers in text columns") < labels.index(
        "Counts, histograms, outliers and codes of the numbers in text columns")  # the bar moves while numbers are read
    assert [done for done, _ in progress] == sorted(done for done, _ in progress) and progress[-1] == (1.0, "Done")
    col = p.column("length")
    i = np.arange(1000)
    held = i[(i % 50 != 0) & (i % 97 != 1) & (i != 7)] * 0.5 + 0.25  # 1.25 stays 1.25: read as DOUBLE, not rounded
    assert (col.type, col.semantic, col.numbers_in_text) == ("VARCHAR", "numeric", True)
    st = col.stats
    assert (st["count"], st["nulls"], st["numbers"], st["missing_tokens"]) == (999, 1, len(held), 20)
    assert (st["min"], st["max"]) == (held.min(), held.max()) == (1.25, 499.75)
    assert st["mean"] == pytest.approx(held.mean()) and st["std"] == pytest.approx(held.std(ddof=1))
    assert st["quantiles"]["p25"] == pytest.approx(np.quantile(held, 0.25))
    assert st["mad"] == pytest.approx(np.median(np.abs(held - np.median(held))))
    assert col.chart["kind"] == "histogram"
    assert sum(col.chart["counts"]) + col.chart["below"] + col.chart["above"] == len(held)
    title = figures.column_figure(col).layout.title.text
    assert title == f"length: histogram of its {len(held)} numbers<br>(stored as text)"
    # the findings describe the text as stored, as before
    assert {(f.kind, f.count) for f in p.findings_for("length")} == {
        ("numbers_as_text", len(held)), ("disguised_missing", 20), ("missing", 1), ("whitespace", 99)}
