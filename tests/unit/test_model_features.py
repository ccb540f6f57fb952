"""Suggested features, the reason each other column is left out, and the leak check, on a planted table."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from tests.unit.model_tables import bundled, put
from workbench import model


def planted(n: int = 200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    target = np.where(x + rng.normal(scale=1.0, size=n) > 0, "yes", "no")
    words = ["the", "wine", "smells", "of", "cherry", "oak", "and", "smoke", "with", "a", "long", "finish"]
    return pd.DataFrame({
        "passenger_id": np.arange(1, n + 1),
        "ticket": [f"T{i:05d}" for i in rng.permutation(n)],
        "country": ["FR"] * n,
        "notes": [" ".join(rng.choice(words, 8)) + f" {i}" for i in range(n)],
        "bought_on": [f"2024-{m:02d}-{d:02d}" for m, d in zip(rng.integers(1, 13, n), rng.integers(1, 28, n))],
        "mostly_missing": [1.0 if i % 10 == 0 else None for i in range(n)],
        "when": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D"),
        "colour": rng.choice(["red", "white", "rosé"], n),
        "city": [f"city{i}" for i in rng.integers(0, 50, n)],
        "x": x,
        "label_copy": target,
        "answer_code": np.where(target == "yes", 1, 0) * 10 + rng.integers(0, 2, n),  # planted leak
        "target": target,
    })  # fmt: skip


def test_suggested_features_and_the_reason_for_each_left_out(ws):
    put(ws, "p", planted())
    task = model.detect(ws, "p", "target")
    found = model.suggest(ws, "p", task)
    enc = found.columns
    assert enc.numeric == ["x"]
    assert enc.categorical == ["colour"]
    assert enc.high_cardinality == ["city"]
    assert enc.dates == ["when"]
    why = found.excluded
    assert why["target"] == "the target"
    assert why["passenger_id"].startswith("an identifier")
    assert why["ticket"].startswith("an identifier")
    assert why["country"].startswith("constant")
    assert why["notes"].startswith("free text")
    assert why["bought_on"].startswith("a date stored as text")
    assert why["mostly_missing"].startswith("too many missing values (90%")
    assert why["label_copy"].startswith("leak:") and "copy of the target" in why["label_copy"]
    assert why["answer_code"].startswith("leak:")
    kinds = {(w.kind, w.column) for w in found.warnings}
    assert kinds == {("copy_of_target", "label_copy"), ("leak", "answer_code")}
    assert found.leak_scores["answer_code"] >= 0.98 and found.leak_scores["x"] < 0.9


def test_no_leak_flagged_on_wine_and_the_group_column_is_left_out(ws):
    bundled(ws, "wine")
    task = model.detect(ws, "wine", "target")
    found = model.suggest(ws, "wine", task, group="magnesium")
    assert found.warnings == []
    assert len(found.used) == 12 and found.excluded["magnesium"].startswith("the group column")
    assert max(found.leak_scores.values()) < 0.9


def test_a_number_that_follows_the_target_is_a_leak_and_a_float_copy_of_a_class_is_a_copy(ws):
    rng = np.random.default_rng(1)
    n = 400
    x = rng.normal(size=n)
    frame = pd.DataFrame({"x": x, "y": 3 * x + rng.normal(size=n), "level": np.full(n, 2.5)})
    frame["almost_y"] = frame["y"] + rng.normal(scale=0.01, size=n)  # the target, barely disguised
    frame.loc[:29, "x"] = np.nan  # missing values are one value of their own
    put(ws, "reg", frame)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        found = model.suggest(ws, "reg", model.detect(ws, "reg", "y"))
    assert found.excluded["level"].startswith("constant")
    assert found.excluded["almost_y"].startswith("leak:") and found.leak_scores["almost_y"] > 0.99
    assert 0.5 < found.leak_scores["x"] < 0.95 and found.used == ["x"]

    label = rng.integers(0, 2, n)
    put(ws, "cls", pd.DataFrame({"x": x, "label": label, "label_as_float": label.astype(float)}))
    found = model.suggest(ws, "cls", model.detect(ws, "cls", "label"))
    assert [(w.kind, w.column) for w in found.warnings] == [("copy_of_target", "label_as_float")]


def test_explore_and_model_take_one_decision_on_identifiers(ws):
    """A parcel number (PID: unique 9-digit integers), a shuffled 1..n, a sequential id and a code: what Explore
    calls an identifier, Model leaves out, and nothing else."""
    from workbench.profile import profile_table

    rng = np.random.default_rng(4)
    n = 300
    area = rng.normal(1500, 300, n).round()
    put(ws, "houses", pd.DataFrame({
        "PID": rng.choice(np.arange(526_000_000, 999_999_999), n, replace=False),
        "Order": rng.permutation(np.arange(1, n + 1)),
        "seq": np.arange(n),
        "code": [f"P{i:06d}" for i in rng.permutation(n)],
        "area": area,  # a measurement, with repeats
        "rooms": rng.integers(2, 9, n),
        "price": area * 100 + rng.normal(scale=5000, size=n),
    }))  # fmt: skip
    semantic = {c.name: c.semantic for c in profile_table(ws, "houses").columns}
    explore = {c for c, kind in semantic.items() if kind == "identifier"}
    why = model.suggest(ws, "houses", model.detect(ws, "houses", "price")).excluded
    left_out = {c for c, reason in why.items() if reason == model.features.IDENTIFIER}
    assert explore == left_out == {"PID", "Order", "seq", "code"}
    assert "PID" not in model.suggest(ws, "houses", model.detect(ws, "houses", "price")).used


def test_over_max_features_those_scoring_best_alone_are_kept_and_a_warning_says_so(ws, monkeypatch):
    """A 5,000-column table's leaderboard did not finish: features beyond `max_features` are left out, the weakest
    alone first, and the user is told how many and by which rule."""
    import dataclasses

    from workbench.model import features

    monkeypatch.setattr(features, "MODEL_LIMITS", dataclasses.replace(features.MODEL_LIMITS, max_features=2))
    rng = np.random.default_rng(1)
    n = 300
    signal = rng.normal(size=n)
    target = np.where(signal > 0, "yes", "no")
    put(ws, "wide", pd.DataFrame({
        "noise_a": rng.normal(size=n), "strong": signal + rng.normal(scale=0.3, size=n),
        "noise_b": rng.normal(size=n), "medium": signal + rng.normal(scale=1.0, size=n), "target": target,
    }))  # fmt: skip
    found = model.suggest(ws, "wide", model.detect(ws, "wide", "target"))
    assert found.used == ["strong", "medium"]
    assert all(found.leak_scores[c] < min(found.leak_scores["strong"], found.leak_scores["medium"])
               for c in ("noise_a", "noise_b"))  # fmt: skip
    assert found.excluded["noise_a"] == (f"beyond the 2 features used: it predicts 'target' alone less well "
                                         f"(balanced accuracy {found.leak_scores['noise_a']:.3f}) than those kept")
    (warning,) = [w for w in found.warnings if w.kind == "many_features"]
    assert warning.message == (
        "4 usable features, more than the 2 a leaderboard fits in bounded time: the 2 that predict 'target' best "
        "alone (balanced accuracy on held-out rows of a sample of up to 5,000 rows) are used, the other 2 are left "
        "out. Choose the columns yourself to use others.")  # fmt: skip
    board = model.run(ws, "wide", "target", models=["linear"], folds=2)
    assert list(board.X.columns) == ["strong", "medium"]


def test_column_statistics_in_statements_of_a_few_aggregates_are_those_of_one_statement(ws, monkeypatch):
    """A 5,000-column table's 15,000 aggregates in one statement took DuckDB past 3 GB and crashed it: they run in
    statements of `stats_aggregates`, and the figures are the same."""
    import dataclasses

    from workbench.metadata import column_types
    from workbench.model import features

    put(ws, "p", planted())
    with ws.connect() as con:
        types = column_types(con, "p")
        whole = features._column_stats(con, "p", types, "target")
        monkeypatch.setattr(features, "MODEL_LIMITS", dataclasses.replace(features.MODEL_LIMITS, stats_aggregates=2))
        assert features._column_stats(con, "p", types, "target") == whole
    assert whole["country"] == {"rows": 200, "present": 200, "distinct": 1, "length": 2.0, "words": 1.0, "dates": 0,
                                "copy": False}  # fmt: skip
    assert whole["mostly_missing"]["present"] == 20 and whole["label_copy"]["copy"] is True
