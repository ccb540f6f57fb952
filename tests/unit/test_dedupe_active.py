"""Labels change scores: the review queue, the refined classifier, explanations, export."""

from __future__ import annotations

import csv
import io

import pytest

from workbench import Workspace, samples
from workbench.dedupe import active, engine, explain

COLUMNS = ["given_name", "surname", "address_1", "suburb", "postcode", "date_of_birth"]


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    ws = Workspace(tmp_path_factory.mktemp("active") / "ws")
    samples.seed(ws)
    return ws, engine.start(ws, "febrl_people", COLUMNS)


def p_of(run, pattern) -> float:
    return float(run.scores.loc[run.scores["pattern"] == pattern, "p"].iloc[0])


def test_queue_offers_one_pair_per_pattern_most_uncertain_first(scored):
    ws, run = scored
    queue = active.uncertain_pairs(ws, run, 8)
    assert len(queue) == 8 and queue["pattern"].is_unique
    distance = (queue["p"] - 0.5).abs().tolist()
    assert distance == sorted(distance)
    assert distance[0] == pytest.approx((run.scores["p"] - 0.5).abs().min())


def test_labels_move_scores_and_can_be_taken_back(scored):
    ws, run = scored
    queue = active.uncertain_pairs(ws, run, 4)
    before = run.scores["p"].copy()
    run.labels = {(int(row.l), int(row.r)): int(i % 2 == 0) for i, row in enumerate(queue.itertuples())}
    active.refine(ws, run)
    for i, row in enumerate(queue.itertuples()):
        assert p_of(run, row.pattern) == pytest.approx(0.99 if i % 2 == 0 else 0.01)
    assert (run.scores["p"] != before).sum() > len(queue)  # similar patterns moved too
    assert not set(active.uncertain_pairs(ws, run, 50)["pattern"]) & set(queue["pattern"])  # not asked again
    engine.save_scores(ws, run)
    with ws.connect() as con:
        stored = con.execute(f"SELECT p FROM {run.work('scores')} WHERE pattern = ?",
                             [int(queue.pattern[0])]).fetchone()
    assert stored[0] == pytest.approx(0.99)
    run.labels = {}
    active.refine(ws, run)
    assert (run.scores["p"] == run.scores["fs"]).all()
    engine.save_scores(ws, run)


def test_explanations_add_up_to_the_score(scored):
    ws, run = scored
    pairs = active.uncertain_pairs(ws, run, 3)
    for item in explain.explain(ws, run, pairs):
        total = item["prior"] + sum(c["contribution"] for c in item["columns"])
        assert item["unsupervised_probability"] == pytest.approx(1 / (1 + 2**-total))
        assert [c["column"] for c in item["columns"]] == COLUMNS
        for c in item["columns"]:
            assert c["level"] != "missing" or c["contribution"] == 0.0
            assert c["level"] != "exact" or c["similarity"] == pytest.approx(1.0)


def test_scored_pairs_export_as_csv(scored):
    ws, run = scored
    rows = list(csv.DictReader(io.StringIO(explain.pairs_csv(ws, run, 0.99).decode())))
    expected = int(run.scores.loc[run.scores["p"] >= 0.99, "n"].sum())
    assert len(rows) == expected > 400
    assert {"left_row", "right_row", "match_probability", "left_surname", "right_surname"} <= set(rows[0])
    assert min(float(r["match_probability"]) for r in rows) >= 0.99
