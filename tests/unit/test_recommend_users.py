"""The board, one user's recommendations, cold start, bad input and the command, on small real DuckDB tables."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading

import numpy as np
import pandas as pd
import pytest

from benchmarks.recommend import lowrank
from tests.unit.model_tables import put
from workbench import recommend
from workbench.errors import Cancelled, WorkbenchError
from workbench.settings import RecommendLimits

COLUMNS = {"user": "who", "item": "wine", "rating": "stars", "title": "label"}


def tasting(n_users: int = 60, n_items: int = 40, seed: int = 0) -> pd.DataFrame:
    frame, _ = lowrank(n_users, n_items, rank=2, density=0.4, noise=0.3, seed=seed, rounded=True)
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"who": "u" + frame["user"].astype(str), "wine": frame["item"] + 100,
                         "stars": frame["value"], "label": "wine " + frame["item"].astype(str),
                         "at": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 900, len(frame)), "D")})


@pytest.fixture
def wines(ws):
    put(ws, "tastings", tasting())
    return ws


def test_board_with_time_holds_out_the_latest_and_judges_against_the_baselines(wines):
    seen = []
    board = recommend.evaluate(wines, "tastings", **COLUMNS, time="at", k=5, on_progress=lambda f, t: seen.append(f))
    assert board.kind == "explicit" and board.k == 5 and board.split.method == "time"
    assert board.split.header() == "each user's latest 20% of ratings held out, by time (60 users)"
    assert [m.name for m in board.models] == ["global_mean", "biases", "popularity", "als", "item_knn"]
    assert board.metrics == ["rmse", "mae", "precision_at_k", "recall_at_k", "ndcg_at_k"]
    rows = {m.name: m for m in board.models}
    # popularity predicts no rating: it is on the board for the top-k lists only
    assert "rmse" not in rows["popularity"].metrics and "ndcg_at_k" in rows["popularity"].metrics
    assert all(m.error is None and m.metrics["rmse"][1] is None for m in board.models
               if m.name != "popularity")  # one split: no spread
    assert " For top-5 lists, " in board.verdict and "popularity (NDCG@5 " in board.verdict
    assert rows["biases"].mean("rmse") < rows["global_mean"].mean("rmse")
    assert board.best().name in ("als", "item_knn") and board.best().mean("rmse") < rows["biases"].mean("rmse")
    assert board.verdict.startswith(board.best().title) and "use it" in board.verdict and board.choice != "biases"
    assert board.threshold == 4.0 and any("rated 4 or more" in n for n in board.notes)
    assert seen[-1] == 1.0 and seen == sorted(seen)
    shown = board.table()
    assert shown["model"].iloc[0] == board.best().name and {"rmse", "rmse_std", "fit_time", "error"} <= set(shown)
    d = board.as_dict()
    assert {"kind", "k", "split", "models", "verdict", "warnings", "notes"} <= set(d)
    assert set(d["models"][0]) >= {"model", "rmse", "mae", "precision_at_k", "recall_at_k", "ndcg_at_k"}
    assert set(d["models"][0]["rmse"]) == {"mean", "std"}


def test_board_without_time_repeats_five_folds_per_user(wines):
    board = recommend.evaluate(wines, "tastings", user="who", item="wine", rating="stars", models=["als"])
    assert board.split.method == "user" and len(board.split.folds) == 5
    assert [m.name for m in board.models] == ["global_mean", "biases", "popularity", "als"]  # baselines always run
    assert all(len(v) == 5 for v in board.row("als").folds.values())
    assert board.row("als").metrics["rmse"][1] > 0  # a spread over the five folds
    assert any("always run" in n for n in board.notes)


def test_implicit_board_ranks_beside_popularity(wines):
    board = recommend.evaluate(wines, "tastings", user="who", item="wine", k=5)
    assert board.kind == "implicit" and board.metrics == ["precision_at_k", "recall_at_k", "ndcg_at_k"]
    assert [m.name for m in board.models] == ["popularity", "item_knn", "als"]
    assert all(m.error is None for m in board.models), board.warnings
    assert all(0 <= m.mean("ndcg_at_k") <= 1 for m in board.models)


def test_for_user_never_recommends_what_they_rated(wines):
    frame = tasting()
    own = set(frame.loc[frame["who"] == "u3", "wine"])
    for model in ("biases", "als", "item_knn"):
        recs = recommend.for_user(wines, "tastings", **COLUMNS, who="u3", k=8, model=model)
        assert len(recs.items) == 8 and not own & set(recs.items["item"]), model
        assert set(recs.rated["item"]) == own and recs.rated["rating"].is_monotonic_decreasing
        assert recs.items["score"].is_monotonic_decreasing and recs.model == model


def test_item_neighbours_because_names_a_really_rated_item(wines):
    frame = tasting()
    mine = frame[frame["who"] == "u5"].set_index("label")["stars"]
    recs = recommend.for_user(wines, "tastings", **COLUMNS, who="u5", k=5, model="item_knn")
    assert recs.method.startswith("Item neighbours (kNN on biases) answered")
    found = 0
    for because in recs.items["because"]:
        m = re.match(r"because you rated (wine \d+) ([\d.]+)", because)
        if m:
            assert float(m.group(2)) == mine[m.group(1)]  # the user's own rating of that very wine
            found += 1
    assert found >= 3
    d = recs.as_dict()
    assert d["user"] == "u5" and set(d["items"][0]) >= {"item", "score", "because"} and d["rated"]


def test_for_user_without_a_model_answers_with_the_boards_choice(wines):
    recs = recommend.for_user(wines, "tastings", **COLUMNS, who="u1", k=3)
    assert recs.model in ("als", "item_knn") and "better than the user and item biases baseline" in recs.method


def test_cold_start_from_three_ratings(wines):
    recs = recommend.for_new_user(wines, "tastings", **COLUMNS, ratings={100: 5.0, 101: 2.0, 102: 4.5}, k=6)
    assert len(recs.items) == 6 and not {100, 101, 102} & set(recs.items["item"])
    assert "from your 3 ratings" in recs.method and recs.user is None
    assert sorted(recs.rated["item"]) == [100, 101, 102]
    with pytest.raises(WorkbenchError, match=r"Give a rating \(a number from 0.5 to 5\) for item '101', not None\."):
        recommend.for_new_user(wines, "tastings", **COLUMNS, ratings={"100": 5.0, "101": None})
    with pytest.raises(WorkbenchError, match="Item 'nope' is not in 'tastings' \\(column 'wine'\\)"):
        recommend.for_new_user(wines, "tastings", **COLUMNS, ratings={"nope": 4.0})


@pytest.mark.parametrize("kwargs, message", [
    ({"user": "who", "item": "nope"}, "The item column 'nope' is not in table 'tastings'"),
    ({"user": "who", "item": "wine", "rating": "label"}, "The rating column 'label' holds text, not numbers"),
    ({"user": "who", "item": "who"}, "The user and item columns are both 'who': each role needs its own column"),
])  # fmt: skip
def test_bad_columns(wines, kwargs, message):
    with pytest.raises(WorkbenchError, match=re.escape(message)):
        recommend.evaluate(wines, "tastings", **kwargs)


def test_bad_tables(ws):
    put(ws, "one_user", pd.DataFrame({"who": ["a"] * 5, "wine": [1, 2, 3, 4, 5], "stars": [1.0, 2, 3, 4, 5]}))
    with pytest.raises(WorkbenchError, match=r"holds the ratings of 1 user \('a'\): recommending needs several"):
        recommend.evaluate(ws, "one_user", user="who", item="wine", rating="stars")
    put(ws, "no_items", pd.DataFrame({"who": ["a", "b"], "wine": pd.Series([None, None], dtype="Int64")}))
    with pytest.raises(WorkbenchError, match="The item column 'wine' is missing on every row of 'no_items'"):
        recommend.evaluate(ws, "no_items", user="who", item="wine")
    put(ws, "few", pd.DataFrame({"who": ["a", "a", "b", "b"], "wine": [1, 2, 1, 3], "stars": [1.0, 2, 3, 4]}))
    with pytest.raises(WorkbenchError, match="No user has 5 ratings or more"):
        recommend.evaluate(ws, "few", user="who", item="wine", rating="stars")


def test_ratings_above_the_limit_are_refused(wines):
    with pytest.raises(WorkbenchError, match=r"'tastings' holds 1,001 ratings; recommendations are evaluated on at "
                       r"most 100 \(RECOMMEND_LIMITS.max_ratings\)"):  # fmt: skip
        recommend.evaluate(wines, "tastings", **COLUMNS, limits=RecommendLimits(max_ratings=100))


def test_unknown_user_and_cancel(wines):
    with pytest.raises(WorkbenchError, match="User 'nobody' has no ratings in 'tastings' \\(column 'who'\\)"):
        recommend.for_user(wines, "tastings", **COLUMNS, who="nobody")
    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled):
        recommend.evaluate(wines, "tastings", **COLUMNS, cancel=stop)


def test_cancel_during_a_fit_stops_it(wines):
    stop, seen = threading.Event(), []

    def progress(fraction: float, text: str) -> None:
        seen.append(text)
        if "sweep 2 of" in text:  # inside the factorisation's fit, between two sweeps
            stop.set()

    with pytest.raises(Cancelled, match="the board was stopped; nothing was written"):
        recommend.evaluate(wines, "tastings", **COLUMNS, models=["als"], on_progress=progress, cancel=stop)
    assert seen[-1].startswith("Matrix factorisation (ALS), fold 1 of 5") and "sweep 2 of" in seen[-1]


def test_duplicates_are_merged_and_said(ws):
    frame = tasting()
    put(ws, "twice", pd.concat([frame, frame.head(3).assign(stars=1.0)]))
    board = recommend.evaluate(ws, "twice", **COLUMNS, models=[])
    assert "3 pairs of user and item rated more than once: their mean rating is used." in board.notes
    gaps = pd.concat([frame, frame.head(1).assign(stars=None), frame.head(1).assign(who=None)])
    put(ws, "gaps", gaps)
    board = recommend.evaluate(ws, "gaps", **COLUMNS, models=[])
    assert board.notes[0] == "2 rows with no user, item or rating left out."
    board = recommend.evaluate(ws, "twice", user="who", item="wine", models=[])  # implicit: repeats add up
    assert board.notes[0] == ("3 pairs of user and item seen more than once: the count is the strength of the "
                              "signal.")  # fmt: skip


def run_cli(ws, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "workbench.cli", "--home", str(ws.home), *args],
                          capture_output=True, text=True)  # fmt: skip


def test_command_json(wines):
    out = run_cli(wines, "recommend", "tastings", "--user", "who", "--item", "wine", "--rating", "stars",
                  "--models", "item_knn", "--json")  # fmt: skip
    assert out.returncode == 0, out.stderr
    board = json.loads(out.stdout)
    assert [m["model"] for m in board["models"]] == ["global_mean", "biases", "popularity", "item_knn"]
    assert set(board["models"][3]["rmse"]) == {"mean", "std"} and board["models"][3]["rmse"]["mean"] < 1.0
    assert "rmse" not in board["models"][2] and set(board["models"][2]["ndcg_at_k"]) == {"mean", "std"}
    assert board["kind"] == "explicit" and board["verdict"]
    out = run_cli(wines, "recommend", "tastings", "--user", "who", "--item", "wine", "--rating", "stars",
                  "--title", "label", "--for", "u2", "--k", "4", "--models", "item_knn", "--json")  # fmt: skip
    assert out.returncode == 0, out.stderr
    recs = json.loads(out.stdout)
    assert recs["user"] == "u2" and len(recs["items"]) == 4
    assert set(recs["items"][0]) >= {"item", "score", "because"}
    out = run_cli(wines, "recommend", "tastings", "--user", "who", "--item", "wine", "--rating", "stars",
                  "--time", "at", "--models", "biases")  # fmt: skip
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == ("explicit feedback on tastings: each user's latest 20% of ratings held out, by time "
                        "(60 users); best first")  # fmt: skip
    assert lines[1].split() == ["model", "rmse", "mae", "precision@10", "recall@10", "ndcg@10", "s/fold", "error"]
    assert [line.split()[0] for line in lines[3:6]] == ["biases", "global_mean", "popularity"]
    assert lines[5].split()[1] != "nan" and len(lines[5].split()) == 5  # no rating predicted: its RMSE left blank
    assert lines[6] == "Only the baselines ran: use the user and item biases."
    out = run_cli(wines, "recommend", "tastings", "--user", "who", "--item", "wine", "--for", "zz")
    assert out.returncode == 1 and out.stderr.startswith("error: User 'zz' has no ratings")
    assert len(out.stderr.strip().splitlines()) == 1


def test_more_asked_than_left_to_recommend(ws):
    rng = np.random.default_rng(0)
    rows = [(f"p{u}", int(i)) for u in range(12) for i in rng.choice(8, 6, replace=False)]
    put(ws, "bought", pd.DataFrame(rows, columns=["who", "what"]))
    board = recommend.evaluate(ws, "bought", user="who", item="what", k=10)
    assert all(m.error is None for m in board.models), board.warnings
    for m in board.models:  # at most 8 - 5 items are left to each user: precision is at most 3 / 10
        assert 0 <= m.mean("precision_at_k") <= 0.3 and 0 <= m.mean("ndcg_at_k") <= 1
    recs = recommend.for_user(ws, "bought", user="who", item="what", who="p0", k=10, model="als")
    assert len(recs.items) == 2 and not set(recs.items["item"]) & set(recs.rated["item"])
    new = recommend.for_new_user(ws, "bought", user="who", item="what", ratings={"0": None, 1: 1}, k=10)
    assert len(new.items) == 6 and "from your 2 items" in new.method


def test_item_names_can_come_from_a_table_describing_the_items(wines):
    frame = tasting()
    put(wines, "ids_only", frame.drop(columns="label"))
    put(wines, "cellar", frame[["wine", "label"]].drop_duplicates().rename(columns={"label": "name"}))
    roles = {"user": "who", "item": "wine", "rating": "stars", "title": "name", "titles_from": "cellar"}
    recs = recommend.for_user(wines, "ids_only", **roles, who="u2", k=3, model="item_knn")
    named = recommend.for_user(wines, "tastings", **COLUMNS, who="u2", k=3, model="item_knn")
    assert recs.items["title"].tolist() == named.items["title"].tolist()  # the same names, joined on `wine`
    assert recs.rated["title"].tolist() == named.rated["title"].tolist()
    assert recs.items["because"].tolist() == named.items["because"].tolist()  # the reasons name them too
    with pytest.raises(WorkbenchError, match="The titles table 'cellar' must hold the title column 'label'"):
        recommend.evaluate(wines, "ids_only", **{**roles, "title": "label"})
