"""Blocking, EM and scores on the FEBRL sample (1,000 records, truth in rec_id)."""

from __future__ import annotations

import numpy as np
import pytest

from workbench import Workspace, samples
from workbench.dedupe import blocking, engine, fellegi_sunter
from workbench.dedupe.normalise import Column, resolve_columns, suggest_columns
from workbench.errors import WorkbenchError

COLUMNS = ["given_name", "surname", "street_number", "address_1", "address_2", "suburb", "postcode", "state",
           "date_of_birth"]  # fmt: skip


@pytest.fixture(scope="module")
def febrl(tmp_path_factory):
    ws = Workspace(tmp_path_factory.mktemp("dedupe") / "ws")
    samples.seed(ws)
    run = engine.start(ws, "febrl_people", COLUMNS)
    with ws.connect() as con:
        truth = set(con.execute("""
            WITH t AS (SELECT rowid AS id, regexp_extract(rec_id, 'rec-(\\d+)', 1) AS entity FROM febrl_people)
            SELECT a.id, b.id FROM t a JOIN t b ON a.entity = b.entity AND a.id < b.id""").fetchall())
        scored = con.execute(
            f"SELECT l, r, p FROM {run.work('pairs')} JOIN {run.work('scores')} USING (pattern)"
        ).fetchall()
    return ws, run, truth, scored


def test_suggested_columns_leave_out_identifiers(febrl):
    ws, *_ = febrl
    with ws.connect() as con:
        assert suggest_columns(con, "febrl_people") == COLUMNS  # not rec_id, not soc_sec_id


def test_blocking_keeps_true_pairs_with_few_comparisons(febrl):
    _ws, run, truth, scored = febrl
    candidates = {(a, b) for a, b, _ in scored}
    assert len(truth) == 500
    assert len(truth & candidates) / len(truth) >= 0.99
    assert len(candidates) < 0.01 * 1000 * 999 / 2  # under 1% of all pairs are compared
    assert sum(run.comparisons.values()) == len(candidates) == len(scored)  # rules never repeat a pair
    assert len(run.rules) >= 3 and len({k.column for r in run.rules for k in r.keys}) == len(run.rules)


def test_unsupervised_scores_find_the_duplicates(febrl):
    _ws, run, truth, scored = febrl
    predicted = {(a, b) for a, b, p in scored if p >= engine.DEFAULT_THRESHOLD}
    tp = len(predicted & truth)
    assert 2 * tp / (len(predicted) + len(truth)) >= 0.98
    assert run.model.converged and run.model.iterations < 200
    quality = engine.estimate_quality(run, engine.DEFAULT_THRESHOLD)
    assert quality["precision"] > 0.95 and quality["recall"] > 0.9
    assert engine.histogram(run)["pairs"].sum() == run.pairs_scored


def test_exact_agreement_is_strong_evidence_and_missing_is_none(febrl):
    _ws, run, *_ = febrl
    bf = run.model.contributions()
    surname = COLUMNS.index("surname")
    assert bf[surname, 5] > 5 > 0 > bf[surname, 0]  # exact surname: strong evidence, different: against
    assert (bf[:, 7] == 0).all()


def test_em_recovers_known_parameters():
    """Patterns drawn from a known model: EM with the true u finds m and lambda again."""
    rng = np.random.default_rng(0)
    columns = [Column(f"c{i}", "number") for i in range(4)]  # levels 0..4
    m = np.array([0.05, 0.05, 0.1, 0.1, 0.7])
    u = np.array([0.8, 0.1, 0.05, 0.04, 0.01])
    n, lam = 200_000, 0.2
    is_match = rng.random(n) < lam
    levels = np.where(is_match[:, None], rng.choice(5, (n, 4), p=m), rng.choice(5, (n, 4), p=u))
    packed = (levels << (3 * np.arange(4))).sum(axis=1)
    patterns, counts = np.unique(packed, return_counts=True)
    u_full = np.zeros((4, 8))
    u_full[:, :5] = u
    model = fellegi_sunter.fit(columns, patterns, counts, u_full)
    assert model.converged
    assert model.lam == pytest.approx(lam, abs=0.01)
    assert np.abs(model.m[:, :5] - m).max() < 0.02


def test_rules_are_parsed_and_checked():
    cols = [Column("surname", "string"), Column("dob", "date")]
    rule = blocking.parse_rule(" Surname:3 & dob ", cols)
    assert rule.text() == "surname:3 & dob"
    for bad, message in [("city", "not one of the compared"), ("dob:2", "prefix"), ("surname & ", "Cannot read")]:
        with pytest.raises(WorkbenchError, match=message):
            blocking.parse_rule(bad, cols)


def test_user_rules_and_errors(febrl):
    ws, *_ = febrl
    run = engine.start(ws, "febrl_people", ["surname", "date_of_birth"], rules=["date_of_birth", "surname:4"])
    assert list(run.comparisons) == ["date_of_birth", "surname:4"]
    engine.drop(ws, run)
    with pytest.raises(WorkbenchError, match="no column 'nope'"):
        engine.start(ws, "febrl_people", ["surname", "nope"])
    with pytest.raises(WorkbenchError, match="no candidate pairs"):
        engine.start(ws, "febrl_people", ["rec_id"], rules=["rec_id"])  # every rec_id is different
    with ws.connect() as con:
        assert [c.kind for c in resolve_columns(con, "febrl_people", ["soc_sec_id", "surname"])] == ["string"] * 2
