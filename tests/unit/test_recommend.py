"""The recommenders' parts against hand computations: metrics, splits, biases, factorisation, item neighbours."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from benchmarks.recommend import lowrank
from workbench.recommend import metrics, models, split
from workbench.recommend.data import from_frame


def test_rating_metrics_by_hand():
    assert metrics.rmse([3, 4, 5], [2, 4, 3]) == pytest.approx(math.sqrt(5 / 3))
    assert metrics.mae([3, 4, 5], [2, 4, 3]) == pytest.approx(1.0)


def test_topk_metrics_by_hand():
    got = metrics.topk(np.array([[1, 2, 3], [4, 5, 6]]), [{2, 9}, {7}], 3)
    # user 1: one hit (item 2) at rank 2 of 3, 2 liked; user 2: no hit
    dcg = 1 / math.log2(3)
    assert got["precision_at_k"] == pytest.approx((1 / 3 + 0) / 2)
    assert got["recall_at_k"] == pytest.approx((1 / 2 + 0) / 2)
    assert got["ndcg_at_k"] == pytest.approx((dcg / (1 + dcg) + 0) / 2)
    # a hit at rank 1 with one liked item is a perfect list
    assert metrics.topk(np.array([[5, 1, -1]]), [{5}], 3)["ndcg_at_k"] == pytest.approx(1.0)


def test_relevance_threshold_is_seventy_percent_up_the_scale():
    values = np.arange(1, 11) / 2  # 0.5 .. 5
    assert metrics.relevance_threshold(values, (0.5, 5.0), 0.7) == 4.0  # 0.5 + 0.7 * 4.5 = 3.65 -> 4
    assert metrics.relevance_threshold(np.array([1.0, 2, 3, 4, 5]), (1.0, 5.0), 0.7) == 4.0  # 3.8 -> 4


def _ratings(users: list[int], items: list[int], values: list[float], order=None):
    r = from_frame(pd.DataFrame({"user": users, "item": items, "value": values}))
    r.order = None if order is None else np.asarray(order, dtype=float)
    return r


def test_time_split_holds_out_each_users_latest_share():
    # user 0: 10 ratings at times 1..10 (latest 2 held out); user 1: 3 ratings, too few: training only
    r = _ratings([0] * 10 + [1] * 3, list(range(10)) + [0, 1, 2], [3.0] * 13, order=list(range(10, 0, -1)) + [1, 2, 3])
    s = split.by_time(r)
    (train, test), = s.folds
    assert sorted(r.item[test].tolist()) == [0, 1] and set(r.user[test].tolist()) == {0}  # times 10 and 9
    assert len(train) == 11 and s.users == 1
    assert s.header() == "each user's latest 20% of ratings held out, by time (1 user)"
    assert s.notes == ["1 user with fewer than 5 ratings is used for training only (too few to hold any out)."]


def test_random_split_holds_out_every_rating_once_and_never_a_whole_history():
    rng = np.random.default_rng(1)
    counts = [5, 7, 12, 3]
    users = np.repeat(np.arange(4), counts)
    r = _ratings(users.tolist(), [int(x) for x in rng.permutation(len(users))], [1.0] * len(users))
    s = split.by_user(r, seed=3)
    held = np.concatenate([test for _, test in s.folds])
    evaluated = np.flatnonzero(r.user != 3)
    assert sorted(held.tolist()) == evaluated.tolist()  # each rating of an evaluated user held out exactly once
    for _, test in s.folds:
        for u in range(3):
            n_test = int((r.user[test] == u).sum())
            assert 1 <= n_test < counts[u]
        assert not (r.user[test] == 3).any()
    assert [t.tolist() for _, t in split.by_user(r, seed=3).folds] == [t.tolist() for _, t in s.folds]  # seeded


def test_biases_are_surprises_alternating_sweeps_by_hand():
    u, i, v = np.array([0, 0, 1]), np.array([0, 1, 0]), np.array([4.0, 2.0, 5.0])
    mu = 11 / 3
    bi0 = ((4 - mu) + (5 - mu)) / (10 + 2)
    bi1 = (2 - mu) / (10 + 1)
    bu0 = ((4 - mu - bi0) + (2 - mu - bi1)) / (15 + 2)
    bu1 = (5 - mu - bi0) / (15 + 1)
    got_mu, bu, bi = models.baseline_als(u, i, v, 2, 2, epochs=1)
    assert got_mu == pytest.approx(mu)
    np.testing.assert_allclose(bi, [bi0, bi1])
    np.testing.assert_allclose(bu, [bu0, bu1])
    fitted = models.Biases().fit(u, i, v, 2, 2)  # ten sweeps: a fixed point of the two updates
    mu, bu, bi = fitted.mu, fitted.bu, fitted.bi
    np.testing.assert_allclose(bi[0], ((4 - mu - bu[0]) + (5 - mu - bu[1])) / 12, atol=1e-6)
    assert fitted.predict(np.array([1]), np.array([1]))[0] == pytest.approx(mu + bu[1] + bi[1])


def test_factorisation_recovers_low_rank_ratings_to_the_noise():
    frame, noise = lowrank(n_users=300, n_items=120, rank=3, density=0.3, noise=0.25, seed=0, rounded=False)
    r = from_frame(frame)
    train, test = split.by_rating(len(r.value), folds=5, seed=0).folds[0]
    fitted = {}
    for name in ("biases", "als"):
        m = models.EXPLICIT[name]().fit(r.user[train], r.item[train], r.value[train], r.n_users, r.n_items)
        fitted[name] = metrics.rmse(m.predict(r.user[test], r.item[test]), r.value[test])
    assert fitted["als"] < noise * 1.25  # the floor is the noise: the tastes are found
    assert fitted["biases"] > noise * 2  # biases alone cannot see tastes


def test_item_neighbours_predict_from_similar_items():
    frame, noise = lowrank(n_users=300, n_items=120, rank=2, density=0.3, noise=0.25, seed=1, rounded=False)
    r = from_frame(frame)
    train, test = split.by_rating(len(r.value), folds=5, seed=0).folds[0]
    knn = models.ItemKNN().fit(r.user[train], r.item[train], r.value[train], r.n_users, r.n_items)
    biases = models.Biases().fit(r.user[train], r.item[train], r.value[train], r.n_users, r.n_items)
    got = metrics.rmse(knn.predict(r.user[test], r.item[test]), r.value[test])
    assert got < 0.7 * metrics.rmse(biases.predict(r.user[test], r.item[test]), r.value[test])
    # each contribution is an item the user rated in training, and they add up to the kNN part of the score
    user, item = int(r.user[test][0]), int(r.item[test][0])
    parts = knn.contributions(user, item)
    rated = set(r.item[train][r.user[train] == user].tolist())
    assert parts and {j for j, _ in parts} <= rated
    assert all(parts[n][1] >= parts[n + 1][1] for n in range(len(parts) - 1))


def test_item_neighbours_damp_faint_neighbourhoods():
    frame, _ = lowrank(n_users=200, n_items=80, rank=2, density=0.3, noise=0.25, seed=2)
    r = from_frame(frame)
    knn = models.ItemKNN().fit(r.user, r.item, r.value, r.n_users, r.n_items)
    # the damping is a share of the typical total similarity at the training ratings (a fixed amount would
    # swamp faint similarities and do nothing to strong ones)
    totals = []
    for user in range(r.n_users):
        rated = r.item[r.user == user]
        totals.append(knn._neighbours(user, rated)[2].sum(axis=0))
    typical = np.median(np.concatenate(totals))
    assert knn.damping == pytest.approx(0.2 * typical, rel=0.1) and knn.damping > 0
    # a prediction is the biases plus the neighbours' residuals weighted by similarity, over their total + damping
    user, item = 3, int(np.setdiff1d(np.arange(r.n_items), r.item[r.user == 3])[0])
    _, res, sims = knn._neighbours(user, np.array([item]))
    by_hand = knn.mu + knn.bu[user] + knn.bi[item] + float(res @ sims[:, 0]) / (sims[:, 0].sum() + knn.damping)
    assert knn.predict(np.array([user]), np.array([item]))[0] == pytest.approx(by_hand, rel=1e-5)
