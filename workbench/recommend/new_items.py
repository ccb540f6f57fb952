"""Items nobody has rated yet, reached through what they are: Similar rows over a table describing the items.

A ratings model cannot score an item without ratings (it has no bias, no neighbours, no tastes). A table of
the items' features (a wine's grape, region, acidity; a film's genres and year) can: each new item is placed
by its distance to the items this person liked, and the nearest come first, with the liked item that led there.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench import similar
from workbench.errors import WorkbenchError
from workbench.metadata import column_types
from workbench.names import quote
from workbench.recommend import data, metrics
from workbench.recommend.users import Recommendations
from workbench.settings import RECOMMEND_LIMITS, RecommendLimits
from workbench.words import plural


def _liked(r: data.Ratings, position: int, limits: RecommendLimits) -> list[tuple[int, float]]:
    """The items `position` liked, best first, at most `limits.liked_references`: the references new items are
    measured against. Explicit: rated where the board counts an item as liked (70% up the scale), or, when
    they rated nothing that high, their own best; implicit: taken most often."""
    mine = r.user == position
    items, values = r.item[mine], r.value[mine]
    keep = np.ones(len(values), dtype=bool)
    if r.kind == "explicit":
        keep = values >= metrics.relevance_threshold(r.value, r.scale, limits.relevant_share)
        if not keep.any():
            keep = values >= values.max()
    order = np.argsort(-values[keep], kind="stable")[: limits.liked_references]
    return [(int(items[keep][j]), float(values[keep][j])) for j in order]


def for_new_items(ws, table: str, *, user: str, item: str, rating: str | None = None, title: str | None = None,
                  titles_from: str | None = None, who, items_table: str, items_id: str, columns=None, k: int = 10,
                  limits: RecommendLimits = RECOMMEND_LIMITS, on_progress=None, cancel=None) -> Recommendations:
    """The k items of `items_table` that nobody rated in `table`, nearest in their features (Similar rows) to the
    items `who` liked; each with the liked item that led there."""
    r = data.read(ws, table, user=user, item=item, rating=rating, title=title, titles_from=titles_from)
    position = r.user_position(who)
    if position is None:
        raise WorkbenchError(f"User {who!r} has no ratings in {table!r} (column {user!r}), so there is nothing to "
                             "measure new items against.")  # fmt: skip
    with ws.connect(read_only=True) as con:
        described = ws.table(items_table, con)
        types = column_types(con, described.name)
        if items_id not in types:
            raise WorkbenchError(f"{described.name!r} has no column {items_id!r}; its columns are: "
                                 f"{', '.join(types)}.")  # fmt: skip
        if described.rows > limits.max_described_items:
            raise WorkbenchError(f"{described.name!r} describes {described.rows:,} items; new items are looked for "
                                 f"among at most {limits.max_described_items:,} (RECOMMEND_LIMITS."
                                 "max_described_items). Keep the items worth offering in SQL first.")  # fmt: skip
        named = title if title in types and title != items_id else None  # the items' own names, when they have
        listed = con.execute(f"SELECT {quote(items_id)}, {quote(named) if named else 'NULL'} FROM "
                             f"{quote(described.name)} WHERE {quote(items_id)} IS NOT NULL").fetchall()  # fmt: skip
    ids = [v for v, _ in listed]
    names = {str(v): n for v, n in listed if n is not None}
    rated = {str(v) for v in r.items}
    new = {str(v) for v in ids} - rated
    if not new:
        raise WorkbenchError(f"Every item of {described.name!r} has ratings in {table!r}: the ratings models "
                             "already reach them all.")  # fmt: skip
    present = {str(v) for v in ids}
    liked = [(j, v) for j, v in _liked(r, position, limits) if str(r.items[j]) in present]
    if not liked:
        raise WorkbenchError(f"None of the items {who!r} liked is described in {described.name!r} (column "
                             f"{items_id!r}): new items can only be measured against items both tables know.")
    found = similar.find(ws, described.name, [str(r.items[j]) for j, _ in liked], id_column=items_id,
                         columns=columns, k=described.rows, on_progress=on_progress, cancel=cancel)  # fmt: skip
    rows = found.rows[found.rows["id"].astype(str).isin(new)].head(k)
    given = {str(r.items[j]): (r.title(j), v) for j, v in liked}
    how = "you rated {:g}" if r.kind == "explicit" else "you took {:g} times"
    items = pd.DataFrame({
        "rank": range(1, len(rows) + 1),
        "item": rows["id"].tolist(),
        **({"title": [names.get(str(v), r.titles.get(v, "")) for v in rows["id"]]} if names or r.titles else {}),
        "score": rows["distance"].tolist(),
        "because": [f"no ratings yet: by its features it is nearest to {given[str(ref)][0]}, which "
                    f"{how.format(given[str(ref)][1])} (distance {d:.3f})"
                    for ref, d in zip(rows["reference"], rows["distance"])],
    })  # fmt: skip
    method = (f"Similar rows over the items' features in {described.name} answered: "
              f"{plural(len(new), 'item')} there {'has' if len(new) == 1 else 'have'} no ratings yet, so no "
              "ratings model can score them; each is "
              f"placed by its {found.metric} distance to the {plural(len(liked), 'item')} this person liked "
              "most (listed beside), nearest first; the score is that distance: lower is closer.")  # fmt: skip
    value = "rating" if r.kind == "explicit" else "times"
    mine = pd.DataFrame({"item": [r.items[j] for j, _ in liked],
                         **({"title": [r.title(j) for j, _ in liked]} if r.titles else {}),
                         value: [v for _, v in liked]})  # fmt: skip
    return Recommendations(user=r.users[position], model="similar", method=method, items=items, rated=mine)
