"""Plain explanations for every metric and model, and generated code that reproduces the scores on its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.unit.model_tables import bundled, mixed, put
from workbench import model
from workbench.model.leaderboard import METRICS


def test_every_metric_and_model_is_explained():
    for metrics in METRICS.values():
        for m in metrics:
            assert 40 < len(model.METRIC_TEXT[m]) < 400
    for name in [*model.MODELS, "kmeans", "gaussian_mixture"]:
        assert 40 < len(model.MODEL_TEXT[name]) < 400


def run_code(source: str, tmp_path) -> dict:
    script = tmp_path / "reproduce.py"
    script.write_text(source)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the workbench cannot be imported
    env["OMP_NUM_THREADS"] = "1"  # two shared cores: no oversubscription
    done = subprocess.run([sys.executable, "-I", str(script)], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(("table", "target", "name"), [("wine", "target", "linear"),
                                                       ("mixed", "y", "hist_gradient_boosting")])  # fmt: skip
def test_the_generated_code_reproduces_the_cross_validated_scores(ws, tmp_path, table, target, name):
    if table == "wine":
        bundled(ws, "wine")
    else:
        put(ws, "mixed", mixed(240).drop(columns=["v"]))
    board = model.run(ws, table, target, models=["dummy", name])
    source = model.code(board, name, str(ws.db_path))
    assert "import workbench" not in source and "from workbench" not in source  # standalone
    assert "..." not in source
    got = run_code(source, tmp_path)
    result = board.result(name)
    for m in board.metrics:
        assert got[m] == pytest.approx(result.mean(m), abs=1e-9), m
    if table == "wine":
        assert got["accuracy"] == pytest.approx(0.983, abs=0.01)


def test_a_multiclass_boosting_model_saves_and_loads_with_the_trust_list(ws):
    bundled(ws, "wine")
    board = model.run(ws, "wine", "target", models=["hist_gradient_boosting", "knn"])
    for name in ("hist_gradient_boosting", "knn"):
        model.save(ws, model.fit(board, name), name)
        assert model.load(ws, name).model == name
    assert [m["name"] for m in model.saved_models(ws)] == ["knn", "hist_gradient_boosting"]


@pytest.mark.parametrize(("mean", "std", "shown"), [
    (14643.323, 874.176, "14,643 ± 874"),  # money: whole units, thousands separated
    (0.91234, 0.0123, "0.912 ± 0.012"),  # a score below 1: three decimals
    (12.345, 1.2, "12.3 ± 1.2"),
    (-2.345, 0.5, "-2.35 ± 0.50"),
    (1234567.8, 12.3, "1,234,568 ± 12"),
    (float("nan"), float("nan"), ""),  # a model that did not finish
])  # fmt: skip
def test_scores_are_shown_to_sensible_figures_with_separators(mean, std, shown):
    from workbench.words import score

    assert score(mean, std) == shown


def test_every_model_has_a_name_for_sentences():
    assert {m: k.spoken for m, k in model.MODELS.items()} == {
        "dummy": "the dummy baseline", "linear": "the linear model", "knn": "k-nearest neighbours",
        "random_forest": "the random forest", "hist_gradient_boosting": "gradient boosting"}  # fmt: skip
