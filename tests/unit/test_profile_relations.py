"""Correlations, Cramer's V, correspondence analysis and missing-value patterns on known tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.errors import WorkbenchError
from workbench.profile import relations


@pytest.fixture
def con(ws):
    with ws.connect() as con:
        con.execute("""CREATE TABLE r AS SELECT i::DOUBLE AS x, 2 * i + 1 AS y, -i AS z,
                       ['a', 'b'][1 + i % 2] AS p, ['u', 'v'][1 + i % 2] AS q, ['s', 't', 't'][1 + i % 3] AS w,
                       CASE WHEN i % 4 = 0 THEN NULL ELSE i END AS m1, CASE WHEN i % 4 = 0 THEN NULL ELSE 1 END AS m2
                       FROM range(120) t(i)""")
        yield con


def test_correlations(con):
    m = relations.correlations(con, "r", ["x", "y", "z"])
    assert m.loc["x", "y"] == pytest.approx(1.0) and m.loc["x", "z"] == pytest.approx(-1.0)


def test_cramers_v_and_contingency(con):
    ct = relations.contingency(con, "r", "p", "q")
    assert ct.to_numpy().tolist() == [[60, 0], [0, 60]]
    v = relations.cramers_v(con, "r", ["p", "q", "w"])
    assert v.loc["p", "q"] == pytest.approx(1.0)
    assert v.loc["p", "w"] < 0.2
    with pytest.raises(WorkbenchError):
        relations.contingency(con, "r", "p", "p")


def test_correspondence_analysis_matches_chi_square():
    counts = pd.DataFrame([[30, 10, 5], [10, 30, 5], [5, 5, 40]], index=list("abc"), columns=list("xyz"))
    ca = relations.correspondence(counts)
    n = counts.to_numpy().sum()
    expected = np.outer(counts.sum(axis=1), counts.sum(axis=0)) / n
    chi2 = ((counts.to_numpy() - expected) ** 2 / expected).sum()
    assert ca.inertia == pytest.approx(chi2 / n)
    assert sum(ca.explained) == pytest.approx(1.0)
    # row coordinates weighted by their masses are centred
    assert (ca.rows["dim1"] * ca.rows["mass"]).sum() == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(WorkbenchError):
        relations.correspondence(pd.DataFrame([[1, 2]], index=["a"], columns=["x", "y"]))


def test_missing_patterns(con):
    pattern = relations.missing_pattern(con, "r", ["m1", "m2"])
    assert pattern.to_dict("records") == [{"m1": False, "m2": False, "rows": 90}, {"m1": True, "m2": True, "rows": 30}]
    together = relations.missing_together(con, "r", ["m1", "m2"])
    assert together.loc["m1", "m2"] == pytest.approx(1.0)
    assert len(relations.sample(con, "r", ["x", "y"], rows=50)) == 50
