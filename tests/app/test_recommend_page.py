"""The Recommend page: the board beside its baselines, one person's list with its reasons, a new person, bad input."""

from __future__ import annotations

import os

import pytest

from tests.app.conftest import rerun
from workbench import Workspace

PAGE = "pages/recommend.py"
USERS = 120  # the first MovieLens users: a real ratings table small enough for a quick board


def workspace() -> Workspace:
    return Workspace(os.environ["WORKBENCH_HOME"])


def open_recommend(app):
    at = rerun(app.run(), PAGE)
    ws = workspace()
    with ws.connect() as con, ws.transaction(con):
        ws.create_table_as(con, "ratings", f"SELECT * FROM movielens WHERE userId <= {USERS}", source_kind="sql",
                           operation="sql", parents=["movielens"])  # fmt: skip
    at.session_state["table"] = "ratings"
    return rerun(at, PAGE)  # the sidebar lists the new table


def frame(at, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_board_then_one_person_then_a_new_person(app):
    at = open_recommend(app)
    # the roles are guessed from the column names
    assert {r: at.selectbox(key=f"recommend_{r}").value for r in ("user", "item", "rating", "time", "title")} == {
        "user": "userId", "item": "movieId", "rating": "rating", "time": "timestamp", "title": "title"}
    at.button(key="recommend_run").click().run()
    assert not at.exception and not at.error
    assert "each user's latest 20% of ratings held out, by time" in at.markdown[0].value
    board = frame(at, "RMSE")
    assert {"Global mean", "User and item biases", "Popularity"} <= set(board["model"])  # always there
    rmse = {m: float(v.split(" ")[0]) for m, v in zip(board["model"], board["RMSE"]) if v}
    assert "Popularity" not in rmse and all(board["NDCG@10"])  # it ranks items but predicts no rating
    assert rmse["User and item biases"] < rmse["Global mean"]
    assert len(at.success) == 1 and "RMSE" in at.success[0].value  # the verdict, with the numbers

    at.text_input(key="recommend_who").input("15").run()
    at.button(key="recommend_for").click().run()
    assert not at.exception and not at.error
    items, rated = frame(at, "because"), frame(at, "rating")
    assert len(items) == 10 and list(items["rank"]) == list(range(1, 11))
    with workspace().connect(read_only=True) as con:
        own = {r[0] for r in con.execute("SELECT movieId FROM ratings WHERE userId = 15").fetchall()}
    assert not own & set(items["item"])  # never an item they already rated
    assert any(c.value == "score: the rating the model predicts this person would give" for c in at.caption)
    assert set(rated["item"]) == own and list(rated["rating"]) == sorted(rated["rating"], reverse=True)
    assert all(reason.startswith("because") or reason for reason in items["because"])
    assert any(at.markdown[i].value.startswith("**") and "answered" in at.markdown[i].value
               for i in range(len(at.markdown)))  # fmt: skip

    at.session_state["recommend_new_ratings"] = {"edited_rows": {}, "deleted_rows": [], "added_rows": [
        {"item": "1", "rating": 5.0}, {"item": "260", "rating": 4.5}, {"item": "1196", "rating": 4.0}]}
    at.run()
    at.button(key="recommend_new").click().run()
    assert not at.exception and not at.error
    fresh = [d.value for d in at.dataframe if "because" in d.value.columns][-1]
    assert len(fresh) == 10 and not {1, 260, 1196} & set(fresh["item"])
    assert any("from your 3 ratings" in m.value for m in at.markdown)


@pytest.mark.parametrize(("change", "message"), [
    ({"recommend_rating": "genres"}, "The rating column 'genres' holds text, not numbers"),
    ({"recommend_who": "999999"}, "999999"),
])  # fmt: skip
def test_bad_input_is_one_message_and_writes_nothing(app, change, message):
    at = open_recommend(app)
    before = {t.name for t in workspace().tables()}
    for key, value in change.items():
        (at.text_input(key=key).input(value) if key == "recommend_who" else at.selectbox(key=key).set_value(value))
    at.run()
    at.button(key="recommend_for" if "recommend_who" in change else "recommend_run").click().run()
    assert not at.exception
    assert message in at.error[0].value.replace("\\", "")
    assert {t.name for t in workspace().tables()} == before


def test_items_nobody_rated_are_offered_through_a_table_describing_them(app):
    at = open_recommend(app)
    ws = workspace()
    with ws.connect() as con, ws.transaction(con):  # the films, plus one nobody has rated yet
        ws.create_table_as(con, "films", "SELECT DISTINCT movieId, title, year, genres FROM movielens UNION ALL "
                           "SELECT 999999, 'Toy Story 5 (2026)', 2026, 'Adventure|Animation|Children|Comedy|Fantasy'",
                           source_kind="sql", operation="sql", parents=["movielens"])  # fmt: skip
    at = rerun(at, PAGE)
    at.text_input(key="recommend_who").input("15").run()
    at.selectbox(key="recommend_described").set_value("films").run()
    assert at.selectbox(key="recommend_described_id").value == "movieId"  # the ratings' item column, found there
    at.button(key="recommend_for").click().run()
    assert not at.exception and not at.error
    lists = [d.value for d in at.dataframe if "because" in d.value.columns]
    assert len(lists) == 2
    with workspace().connect(read_only=True) as con:
        rated = {r[0] for r in con.execute("SELECT DISTINCT movieId FROM ratings").fetchall()}
    assert not set(lists[1]["item"]) & rated  # only films nobody rated in this table
    assert lists[1]["because"].iloc[0].startswith("no ratings yet: by its features it is nearest to ")
    assert any(c.value.startswith("score: the distance in the items' features") for c in at.caption)
    assert any(m.value.startswith("**Similar rows over the items' features in films answered") for m in at.markdown)


def test_item_names_from_a_table_describing_the_items(app):
    at = open_recommend(app)
    ws = workspace()
    with ws.connect() as con, ws.transaction(con):  # ratings that hold only ids, and the films apart
        ws.create_table_as(con, "ids_only", f"SELECT userId, movieId, rating, timestamp FROM movielens "
                           f"WHERE userId <= {USERS}", source_kind="sql", operation="sql", parents=["movielens"])
        ws.create_table_as(con, "films", "SELECT DISTINCT movieId, title, genres FROM movielens", source_kind="sql",
                           operation="sql", parents=["movielens"])  # fmt: skip
    at.session_state["table"] = "ids_only"
    at = rerun(at, PAGE)
    assert at.selectbox(key="recommend_title").value == "(none)"  # nothing names the films in this table
    at.selectbox(key="recommend_titles_from").set_value("films").run()
    assert at.selectbox(key="recommend_title").value == "title"  # guessed among the films' columns
    at.text_input(key="recommend_who").input("15").run()
    at.button(key="recommend_for").click().run()
    assert not at.exception and not at.error
    items = frame(at, "because")
    with workspace().connect(read_only=True) as con:
        names = dict(con.execute("SELECT movieId, title FROM films").fetchall())
    assert items["title"].tolist() == [names[i] for i in items["item"]]
