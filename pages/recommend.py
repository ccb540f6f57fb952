"""Recommend: an honest board of recommenders from a table of ratings, then what one person will like, and why."""

import math
import re

import pandas as pd
import streamlit as st

from pages import _ui
from workbench import recommend
from workbench.recommend.board import LABEL
from workbench.recommend.explain import model_text
from workbench.words import score

_ui.require_navigation()

BOARD_KEY = "_recommend_board"  # (table identity, settings, Board)
FOR_KEY = "_recommend_for"  # (table identity, settings, who, Recommendations)
NEW_KEY = "_recommend_new"  # (table identity, settings, Recommendations)
NONE = "(none)"
THIS = "(this table)"
# what a column is usually called, for the first guess of each role (the user can change every one)
GUESS = {"user": r"(?i).*(user|person|customer|taster|member|reviewer|rater).*",
         "item": r"(?i).*(item|movie|product|wine|book|song|article|film|title_id).*",
         "rating": r"(?i).*(rating|score|stars|points|grade).*",
         "time": r"(?i).*(time|date|when|day).*",
         "title": r"(?i).*(title|name|label).*"}  # fmt: skip

ws, info, columns, identity = _ui.table_page(
    "Recommend",
    "From a table of who rated (or tasted, or bought) what: which recommender predicts best on ratings it "
    "never saw, then the items one person will like, each with the reason.",
    "Choose a table of ratings in the sidebar: one row per person and item.",
)  # fmt: skip


if st.session_state.get("recommend_roles_for") != identity:  # another table: guess its columns afresh
    for role in GUESS:
        st.session_state.pop(f"recommend_{role}", None)
    st.session_state["recommend_roles_for"] = identity


def _pick(slot, label: str, role: str, optional: bool, taken: list, help: str, among: list | None = None) -> str | None:
    """A column for `role` (of `among`, else the table's), first guessed from the names (never one another role
    took)."""
    among = columns if among is None else among
    options = ([NONE] if optional else []) + among
    free = [c for c in among if c not in taken]
    guess = next((c for c in free if re.fullmatch(GUESS[role], c)), None if optional else (free or [None])[0])
    index = options.index(guess) if guess else 0
    chosen = slot.selectbox(label, options, index=index, key=f"recommend_{role}", help=help)
    return None if chosen == NONE else chosen


c1, c2, c3, c4, c5 = st.columns(5)
user = _pick(c1, "User column", "user", False, [], "Who gave the rating: a person's id or name.")
item = _pick(c2, "Item column", "item", False, [user], "What was rated: a wine, a film, a product.")
rating = _pick(c3, "Rating column", "rating", True, [user, item],
               "The stars or score given. None: each row means 'tasted' or 'bought' (implicit feedback).")
time_column = _pick(c4, "Time column", "time", True, [user, item, rating],
                    "When it was rated: each person's latest ratings are then the ones held out, as in real use.")
others = [t.name for t in ws.tables() if t.name != info.name]
titles_from = c5.selectbox("Item names from", [THIS, *others], key="recommend_titles_from",
                           help="The ratings table itself, or a table describing the items (it must hold the item "
                                "column too, by the same name): joined to name the items.")  # fmt: skip
titles_from = None if titles_from == THIS else titles_from
if st.session_state.get("recommend_title_for") != (identity, titles_from):  # other columns: guess afresh
    st.session_state.pop("recommend_title", None)
    st.session_state["recommend_title_for"] = (identity, titles_from)
title = _pick(c5, "Title column", "title", True, [user, item, rating, time_column] if titles_from is None else [item],
              "A readable name for each item, shown beside its id.",
              among=list(ws.schema(titles_from)["column"]) if titles_from else None)  # fmt: skip
k = int(st.number_input("Top k (how many items a list holds)", min_value=1, max_value=100, value=10,
                        key="recommend_k"))  # fmt: skip
settings = (user, item, rating, time_column, title, titles_from, k)
spec = {"user": user, "item": item, "rating": rating, "time": time_column, "title": title, "titles_from": titles_from}


# -- the board -----------------------------------------------------------------------------------------

if st.button("Evaluate the recommenders", type="primary", key="recommend_run"):
    st.session_state.pop(BOARD_KEY, None)
    board = _ui.progress_run("Evaluating", lambda p: recommend.evaluate(ws, info.name, **spec, k=k, on_progress=p))
    if board is not None:
        st.session_state[BOARD_KEY] = (identity, settings, board)

kept = st.session_state.get(BOARD_KEY)
board = kept[2] if kept and kept[:2] == (identity, settings) else None
if board is not None:
    st.subheader("Which recommender predicts best")
    st.markdown(f"**Validated with {_ui.md(board.split.header())}.** {_ui.md(board.split.why)}")
    for w in board.warnings:
        st.warning(_ui.prose(w))
    for note in board.notes:
        st.caption(_ui.prose(note))
    label = {name: LABEL[name].replace("@k", f"@{board.k}") for name in board.metrics}  # precision@10
    shown = pd.DataFrame([{"model": m.title, **{label[name]: score(*m.metrics.get(name, (math.nan, None)))
                                                for name in board.metrics},
                           "seconds per fold": round(m.fit_time, 2), "error": m.error or ""}
                          for m in board.models])  # fmt: skip
    st.dataframe(shown, hide_index=True, key="recommend_board")
    st.success(_ui.prose(board.verdict))
    with st.expander("What the scores and the models mean", key="recommend_terms"):
        for name in board.metrics:
            st.markdown(f"**{_ui.md(label[name])}**: {_ui.md(recommend.METRIC_TEXT[name])}")
        for m in board.models:
            st.markdown(f"**{_ui.md(m.title)}**: {_ui.prose(model_text(m.name, board.kind))}")


SCORE = {"similar": "score: the distance in the items' features to what this person liked (lower is closer)",
         "popularity": "score: how many people rated or took the item"}  # fmt: skip


def _show(recs) -> None:
    st.markdown(f"**{_ui.prose(recs.method)}**")
    left, right = st.columns([3, 2])
    left.markdown("Recommended")
    left.caption(SCORE.get(recs.model) or ("score: the rating the model predicts this person would give"
                                           if rating else "score: how strongly the model ranks the item for this "
                                           "person; only the order means something"))  # fmt: skip
    left.dataframe(recs.items, hide_index=True, key=f"recommend_items_{id(recs)}")
    right.markdown("Their own ratings")
    right.dataframe(recs.rated, hide_index=True, key=f"recommend_rated_{id(recs)}")


# -- one person -----------------------------------------------------------------------------------------

st.subheader("What one person will like")
who = st.text_input("User", key="recommend_who", placeholder="a value of the user column, e.g. 15")
with st.expander("Also offer items nobody has rated yet", key="recommend_described_box"):
    st.caption("A ratings model cannot score an item without ratings. A table describing the items (a wine's "
               "grape, region, acidity) can: its items without ratings are placed by their distance to the items "
               "this person liked (Similar rows).")  # fmt: skip
    described = st.selectbox("Table describing the items", others, index=None, key="recommend_described",
                             placeholder="none")
    described_columns = list(ws.schema(described)["column"]) if described else []
    described_id = st.selectbox("Its item column", described_columns, key="recommend_described_id",
                                index=described_columns.index(item) if item in described_columns else 0,
                                disabled=not described) if described else None  # fmt: skip
wanted = (who.strip(), described, described_id)
if st.button("Recommend for this user", key="recommend_for", disabled=not who.strip()):
    st.session_state.pop(FOR_KEY, None)
    recs = _ui.progress_run("Recommending", lambda p: recommend.for_user(
        ws, info.name, **spec, who=who.strip(), k=k, board=board, on_progress=p))
    fresh = None
    if recs is not None and described:
        fresh = _ui.progress_run("Measuring the new items", lambda p: recommend.for_new_items(
            ws, info.name, **{key: value for key, value in spec.items() if key != "time"}, who=who.strip(),
            items_table=described, items_id=described_id, k=k, on_progress=p))  # fmt: skip
    if recs is not None:
        st.session_state[FOR_KEY] = (identity, settings, wanted, recs, fresh)
kept_for = st.session_state.get(FOR_KEY)
if kept_for and kept_for[:3] == (identity, settings, wanted):
    _show(kept_for[3])
    if kept_for[4] is not None:
        st.markdown("**Items nobody has rated yet**")
        _show(kept_for[4])

# -- cold start ------------------------------------------------------------------------------------------

st.subheader("A new person, or a new item")
st.caption("A person with only a few ratings still gets a list: their ratings are compared with everyone's. "
           "An item nobody has rated yet cannot be recommended from ratings: find it through its own features "
           "on the Similar page (a table of the items' descriptions).")  # fmt: skip
starter = pd.DataFrame({"item": pd.Series(dtype="string"), "rating": pd.Series(dtype="float")})
edited = st.data_editor(starter, num_rows="dynamic", key="recommend_new_ratings", hide_index=True,
                        column_config={"item": st.column_config.TextColumn("item (a value of the item column)"),
                                       "rating": st.column_config.NumberColumn(
                                           "rating" if rating else "rating (ignored: implicit feedback)")})  # fmt: skip
given = {str(r["item"]).strip(): (None if pd.isna(r["rating"]) else float(r["rating"]))
         for _, r in edited.iterrows() if pd.notna(r["item"]) and str(r["item"]).strip()}  # fmt: skip
if st.button("Recommend for a new person", key="recommend_new", disabled=not given):
    st.session_state.pop(NEW_KEY, None)
    spec_new = {key: value for key, value in spec.items() if key != "time"}
    recs = _ui.progress_run("Recommending for a new person",
                            lambda p: recommend.for_new_user(ws, info.name, **spec_new, ratings=given, k=k))
    if recs is not None:
        st.session_state[NEW_KEY] = (identity, settings, recs)
kept_new = st.session_state.get(NEW_KEY)
if kept_new and kept_new[:2] == (identity, settings):
    _show(kept_new[2])
st.page_link("pages/similar.py", label="A new item: find the items most like it on Similar",
             icon=":material/travel_explore:")
