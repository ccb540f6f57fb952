"""Wide tables: columns profiled in batches give the same profile, and past the column limit the
profile keeps counts only and says which columns it left out and why."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench import settings
from workbench.profile import profile_table
from workbench.profile.stats import BINS

WIDTH = 1200
ROWS = 6


def _column(j: int) -> list:
    """Column j: every 10th is text (with a 'N/A'), every 7th has a NULL in row 2, else integers j .. j + 5."""
    if j % 10 == 3:
        return ["x", "y", "N/A", "x", "x", f"v{j}"]
    values: list = [j + i for i in range(ROWS)]
    if j % 7 == 0:
        values[2] = None
    return values


@pytest.fixture
def wide_ws(ws):
    frame = pd.DataFrame({f"c{j:04d}": pd.array(_column(j), dtype="string" if j % 10 == 3 else "Int64")
                          for j in range(WIDTH)})  # fmt: skip
    with ws.connect() as con:
        con.register("frame", frame)
        con.execute("CREATE TABLE wide AS SELECT * FROM frame")
    return ws


def test_a_table_wider_than_the_limit_is_profiled_and_says_what_it_skipped(wide_ws):
    limit = settings.LIMITS.profile_max_columns
    assert limit < WIDTH  # the case this test is about
    p = profile_table(wide_ws, "wide")
    assert (p.rows, p.overview["columns"], len(p.columns)) == (ROWS, WIDTH, WIDTH)

    # profiled in full: a numeric column and a text column from different batches
    c5 = p.column("c0005")
    assert (c5.stats["min"], c5.stats["max"], c5.stats["count"], c5.stats["nulls"]) == (5, 10, 6, 0)
    assert c5.stats["mean"] == pytest.approx(7.5) and c5.stats["distinct"] == 6
    assert c5.stats["quantiles"]["p50"] == pytest.approx(7.5)
    assert c5.chart["kind"] == "values" and c5.chart["counts"] == [1] * 6
    c994 = p.column("c0994")  # 994 = 7 * 142: a NULL in row 2
    assert (c994.stats["count"], c994.stats["nulls"], c994.stats["min"], c994.stats["max"]) == (5, 1, 994, 999)
    t = p.column("c0503")
    assert t.stats["top_values"][0] == ["x", 3] and t.stats["distinct"] == 4 and t.semantic == "categorical"
    assert ("disguised_missing", "c0503") in {(f.kind, f.column) for f in p.findings}

    # past the limit: counts, NULLs and min/max, nothing else, and the note lists exactly those columns
    far = p.column("c1001")  # 1001 = 7 * 143
    assert (far.stats["count"], far.stats["nulls"], far.stats["min"], far.stats["max"]) == (5, 1, 1001, 1006)
    assert "quantiles" not in far.stats and far.chart == {} and far.semantic == ""
    assert p.column("c1003").stats["count"] == 6 and "top_values" not in p.column("c1003").stats
    beyond = {f.kind for f in p.findings if f.column and f.column >= f"c{limit:04d}"}
    assert beyond == {"missing"}
    assert len([f for f in p.findings if f.kind == "missing"]) == len([j for j in range(WIDTH) if j % 7 == 0
                                                                       and j % 10 != 3])  # fmt: skip
    (skipped,) = p.overview["skipped"]
    assert skipped["columns"] == [f"c{j:04d}" for j in range(limit, WIDTH)]
    assert "histograms" in skipped["part"] and f"{WIDTH:,} columns" in skipped["reason"]
    assert "profile_max_columns" in skipped["reason"]
    assert p.overview["missing_cells"] == sum(1 for j in range(WIDTH) if j % 7 == 0 and j % 10 != 3)


def test_batches_give_the_profile_of_one_pass(ws, monkeypatch):
    """The same statistics, charts and findings whatever the batch size (text columns from several batches
    share the value-count table)."""
    with ws.connect() as con:
        con.execute(
            "CREATE TABLE t AS SELECT i AS id, i * 0.5 AS half, ['a', 'b', 'N/A'][1 + i % 3] AS letter, "
            "CASE WHEN i % 9 = 0 THEN NULL ELSE i % 13 END AS k, "
            "CASE WHEN i % 50 = 1 THEN ' Lyon' ELSE ['Paris', 'Lyon'][1 + i % 2] END AS city, "
            "DATE '2024-01-01' + (i % 40)::INT AS day, i % 4 = 0 AS flag, "
            f"CASE WHEN i = 7 THEN 1e6 ELSE i % {BINS * 3} END AS spread FROM range(500) t(i)"
        )

    def profile(batch: int) -> dict:
        monkeypatch.setattr(settings, "LIMITS", settings.Limits(profile_batch_columns=batch))
        got = profile_table(ws, "t").as_dict()
        got.pop("seconds")
        return got

    whole = profile(1000)
    assert {f["kind"] for f in whole["findings"]} >= {"disguised_missing", "whitespace", "outlier", "missing"}
    assert profile(2) == whole and profile(3) == whole
    assert whole["overview"]["skipped"] == []


def test_the_command_says_what_it_skipped(wide_ws, monkeypatch):
    from click.testing import CliRunner

    from workbench.cli import main

    monkeypatch.setattr(settings, "LIMITS", settings.Limits(profile_max_columns=1190))
    out = CliRunner().invoke(main, ["--home", str(wide_ws.home), "profile", "wide"])
    assert out.exit_code == 0, out.output
    assert "Not profiled in full: 10 columns (c1190 ... c1199)" in out.output and "profile_max_columns" in out.output
