"""Recommendations for one person: the top k items they have not rated, each with its "because"."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.errors import WorkbenchError
from workbench.recommend import data, explain
from workbench.recommend import models as recommenders
from workbench.recommend.board import Board, run
from workbench.recommend.split import choose
from workbench.words import plural


@dataclass
class Recommendations:
    user: object
    model: str
    method: str  # which method answered, and why
    items: pd.DataFrame  # rank, item, [title,] score, because
    rated: pd.DataFrame  # the user's own ratings, best first

    def as_dict(self) -> dict:
        def records(frame: pd.DataFrame) -> list[dict]:
            return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]

        return {"user": _plain(self.user), "model": self.model, "method": self.method,
                "items": records(self.items), "rated": records(self.rated)}  # fmt: skip


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def _model_name(kind: str, model: str | None) -> str:
    known = recommenders.catalogue(kind)
    if model is not None and model not in known:
        raise WorkbenchError(f"Unknown model {model!r} for {'ratings' if kind == 'explicit' else 'implicit feedback'};"
                             f" the models are {', '.join(known)}.")  # fmt: skip
    return model


def _answer(r: data.Ratings, fitted: recommenders.Recommender, position: int, k: int, method: str) -> Recommendations:
    top = [int(i) for i in fitted.top(np.array([position]), k)[0] if i >= 0]
    scores = fitted.scores(position)
    own = fitted.seen
    start, end = own.indptr[position], own.indptr[position + 1]
    mine = dict(zip(own.indices[start:end].tolist(), own.data[start:end].astype(float).tolist()))
    rows = []
    for rank, item in enumerate(top, 1):
        parts = [(r.title(j), mine[j]) for j, _ in fitted.contributions(position, item)[:2] if j in mine]
        bias = getattr(fitted, "bi", None)
        takers = int(fitted.count[item]) if isinstance(fitted, recommenders.Popularity) else None
        reason = explain.because(r.kind, fitted.name, parts, None if bias is None else float(bias[item]), takers)
        row = {"rank": rank, "item": r.items[item]}
        if r.titles:
            row["title"] = r.title(item)
        rows.append({**row, "score": float(scores[item]), "because": reason})
    items = pd.DataFrame(rows, columns=["rank", "item", *(["title"] if r.titles else []), "score", "because"])
    value = "rating" if r.kind == "explicit" else "times"
    rated = pd.DataFrame({"item": [r.items[j] for j in mine], **({"title": [r.title(j) for j in mine]} if r.titles
                          else {}), value: list(mine.values())})  # fmt: skip
    rated = rated.sort_values(value, ascending=False, kind="stable").reset_index(drop=True)
    return Recommendations(user=r.users[position], model=fitted.name, method=method, items=items, rated=rated)


def _choose(r: data.Ratings, model: str | None, board: Board | None, on_progress=None, cancel=None) -> tuple[str, str]:
    catalogue = recommenders.catalogue(r.kind)
    if model is not None:
        return model, f"{catalogue[model].title} answered, as asked."
    if board is None:
        split = choose(r)
        split.folds = split.folds[:1]  # one held-out share per user is enough to choose
        board = run(r, split, on_progress=on_progress, cancel=cancel)
    return board.choice, f"{catalogue[board.choice].title} answered: {board.verdict}"


def for_user(ws, table: str, *, user: str, item: str, rating: str | None = None, time: str | None = None,
             title: str | None = None, titles_from: str | None = None, who, k: int = 10, model: str | None = None,
             board: Board | None = None,
             on_progress=None, cancel=None) -> Recommendations:  # fmt: skip
    """The top k items `who` has not rated, from the chosen model (default: the one the board recommends, judged on
    a held-out share of these ratings unless a board is given) fitted on all the ratings."""
    r = data.read(ws, table, user=user, item=item, rating=rating, time=time, title=title, titles_from=titles_from)
    position = r.user_position(who)
    if position is None:
        raise WorkbenchError(f"User {who!r} has no ratings in {table!r} (column {user!r}), so there is nothing to "
                             "recommend from; for a new person, give a few ratings (cold start).")  # fmt: skip
    name, method = _choose(r, _model_name(r.kind, model), board, on_progress, cancel)
    fitted = recommenders.catalogue(r.kind)[name]().fit(r.user, r.item, r.value, r.n_users, r.n_items)
    return _answer(r, fitted, position, k, method)


def for_new_user(ws, table: str, *, user: str, item: str, rating: str | None = None, title: str | None = None,
                 titles_from: str | None = None, ratings: dict, k: int = 10) -> Recommendations:  # fmt: skip
    """A person not in the table, from a few ratings ({item: value}; for implicit feedback the value is how many
    times): they join the table's people and item neighbours are fitted, so their items' neighbours answer."""
    r = data.read(ws, table, user=user, item=item, rating=rating, title=title, titles_from=titles_from)
    known = {}
    for value, score in ratings.items():
        position = r.item_position(value)
        if position is None:
            raise WorkbenchError(f"Item {value!r} is not in {table!r} (column {item!r}): only items someone has "
                                 "rated can lead to others.")  # fmt: skip
        if r.kind == "implicit":
            known[position] = 1.0 if score is None else float(score)  # without a count, it was taken once
            continue
        try:
            known[position] = float(score)
        except (TypeError, ValueError):
            raise WorkbenchError(f"Give a rating (a number from {r.scale[0]:g} to {r.scale[1]:g}) for item "
                                 f"{value!r}, not {score!r}.") from None  # fmt: skip
    if not known:
        raise WorkbenchError("Give at least one rating for a new person: recommendations start from what they like.")
    new = r.n_users
    r.users = np.append(r.users, np.array(["(new user)"], dtype=object))
    r.user = np.concatenate([r.user, np.full(len(known), new)])
    r.item = np.concatenate([r.item, np.array(list(known), dtype=np.int64)])
    r.value = np.concatenate([r.value, np.array(list(known.values()))])
    name = "item_knn"
    cls = recommenders.catalogue(r.kind)[name]
    fitted = cls().fit(r.user, r.item, r.value, r.n_users, r.n_items)
    given = plural(len(known), "rating" if r.kind == "explicit" else "item")
    method = (f"{cls.title} answered from your {given}: a new person has too few ratings for hidden tastes, so the "
              "items most like yours lead.")  # fmt: skip
    out = _answer(r, fitted, new, k, method)
    out.user = None
    return out

