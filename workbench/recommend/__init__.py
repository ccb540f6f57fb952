"""Recommend: what a person will like, from a table of ratings (or of tastings, purchases), judged honestly.

    from workbench import recommend
    board = recommend.evaluate(ws, "ratings", user="userId", item="movieId", rating="rating", time="timestamp",
                               title="title")              # baselines and learned models on per-user splits
    board.table(); board.verdict; board.split.header()
    recs = recommend.for_user(ws, "ratings", user="userId", item="movieId", rating="rating", who=15)
    recs.items                                              # rank, item, title, score, because
    recommend.for_new_user(ws, "ratings", user="userId", item="movieId", rating="rating",
                           ratings={1: 5.0, 2: 3.0, 3: 4.5})  # cold start
    recommend.for_new_items(ws, "ratings", user="userId", item="movieId", rating="rating", who=15,
                            items_table="movies", items_id="movieId")  # items nobody rated, by their features

Modules: data (reading and checking), split (per-user splits), models (the recommenders), metrics, board
(the evaluation), users (one person's recommendations), new_items (items without ratings), explain (words).
No Streamlit here.
"""

from workbench.recommend.board import Board, ModelRow, evaluate
from workbench.recommend.explain import IMPLICIT_TEXT, METRIC_TEXT, MODEL_TEXT, model_text
from workbench.recommend.models import EXPLICIT, IMPLICIT
from workbench.recommend.new_items import for_new_items
from workbench.recommend.users import Recommendations, for_new_user, for_user

__all__ = ["EXPLICIT", "IMPLICIT", "IMPLICIT_TEXT", "METRIC_TEXT", "MODEL_TEXT", "Board", "ModelRow",
           "Recommendations", "evaluate", "for_new_items", "for_new_user", "for_user", "model_text"]
