"""Reading ratings out of DuckDB: only the needed columns, checked, duplicates merged, users and items numbered.

Every check raises one WorkbenchError about the user's table; nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbench.errors import WorkbenchError
from workbench.metadata import column_types
from workbench.names import quote
from workbench.profile.stats import family
from workbench.settings import RECOMMEND_LIMITS, RecommendLimits
from workbench.words import plural


@dataclass
class Ratings:
    """One row per (user, item): `user`/`item` are positions in `users`/`items` (the table's own values)."""

    user: np.ndarray  # int64 positions
    item: np.ndarray
    value: np.ndarray  # float64: the (mean) rating, or how many times the pair occurred (implicit)
    order: np.ndarray | None  # float64 rank of the time column (latest = largest), or None
    users: np.ndarray  # the table's user values, by position
    items: np.ndarray
    titles: dict = field(default_factory=dict)  # item value -> title
    kind: str = "explicit"
    scale: tuple[float, float] = (0.0, 1.0)  # lowest and highest rating seen (explicit)
    notes: list[str] = field(default_factory=list)
    columns: dict = field(default_factory=dict)  # role -> column name

    @property
    def n_users(self) -> int:
        return len(self.users)

    @property
    def n_items(self) -> int:
        return len(self.items)

    def title(self, position: int) -> str:
        value = self.items[position]
        return str(self.titles.get(value, value))

    def user_position(self, value) -> int | None:
        """The position of a user given as the table's value (or its text, as a command line gives it)."""
        hits = np.flatnonzero(self.users == value)
        if not len(hits):
            hits = np.flatnonzero(self.users.astype(str) == str(value))
        return int(hits[0]) if len(hits) else None

    def item_position(self, value) -> int | None:
        hits = np.flatnonzero(self.items == value)
        if not len(hits):
            hits = np.flatnonzero(self.items.astype(str) == str(value))
        return int(hits[0]) if len(hits) else None


def read(ws, table: str, *, user: str, item: str, rating: str | None = None, time: str | None = None,
         title: str | None = None, titles_from: str | None = None,
         limits: RecommendLimits = RECOMMEND_LIMITS) -> Ratings:  # fmt: skip
    """The table's ratings, one per (user, item); refused with one clear message when they cannot be used.
    `titles_from`: another table holding the item column (by the same name) and the `title` column, joined to
    name the items (a ratings table often holds only ids)."""
    with ws.connect(read_only=True) as con:
        info = ws.table(table, con)
        types = column_types(con, info.name)
        named_by = None
        if titles_from is not None:
            named_by = ws.table(titles_from, con).name
            other = column_types(con, named_by)
            for role, column in (("item", item), ("title", title)):
                if column is None or column not in other:
                    raise WorkbenchError(f"The titles table {named_by!r} must hold the {role} column "
                                         f"{column!r}; its columns are {', '.join(other)}.")  # fmt: skip
        roles = {"user": user, "item": item, "rating": rating, "time": time,
                 "title": None if named_by else title}  # fmt: skip
        for role, column in roles.items():
            if column is not None and column not in types:
                raise WorkbenchError(f"The {role} column {column!r} is not in table {info.name!r}; its columns are "
                                     f"{', '.join(types)}.")  # fmt: skip
        named = [(role, column) for role, column in roles.items() if column is not None]
        for n, (role, column) in enumerate(named):
            twice = next((other for other, c in named[n + 1:] if c == column), None)
            if twice:
                raise WorkbenchError(f"The {role} and {twice} columns are both {column!r}: each role needs its own "
                                     "column (who rated, what was rated, the rating...).")  # fmt: skip
        if rating is not None and family(types[rating]) != "numeric":
            held = {"text": "text", "temporal": "dates", "boolean": "true/false values"}.get(
                family(types[rating]), f"{types[rating]} values")  # fmt: skip
            raise WorkbenchError(f"The rating column {rating!r} holds {held}, not numbers: pick a column of numbers "
                                 "(stars, a score), or none for implicit feedback (each row a tasting or a "
                                 "purchase).")  # fmt: skip
        t = quote(info.name)
        u, i = quote(user), quote(item)
        total, users_known, items_known = con.execute(
            f"SELECT count(*), count({u}), count({i}) FROM {t}").fetchone()  # fmt: skip
        for role, column, known in (("user", user, users_known), ("item", item, items_known)):
            if total and not known:
                raise WorkbenchError(f"The {role} column {column!r} is missing on every row of {info.name!r}: "
                                     "there is nobody or nothing to recommend.")  # fmt: skip
        where = [f"{u} IS NOT NULL", f"{i} IS NOT NULL"] + ([f"{quote(rating)} IS NOT NULL"] if rating else [])
        where_sql = " AND ".join(where)
        (usable,) = con.execute(f"SELECT count(*) FROM {t} WHERE {where_sql}").fetchone()
        if usable > limits.max_ratings:
            raise WorkbenchError(f"{info.name!r} holds {usable:,} ratings; recommendations are evaluated on at most "
                                 f"{limits.max_ratings:,} (RECOMMEND_LIMITS.max_ratings). Filter the table in SQL "
                                 "first (recent ratings, active users).")  # fmt: skip
        value = f"avg({quote(rating)}::DOUBLE)" if rating else "count(*)::DOUBLE"
        order = f", max({quote(time)}) AS __t" if time else ""
        grouped = (f"SELECT {u} AS __u, {i} AS __i, {value} AS __v, count(*) AS __n{order} FROM {t} "
                   f"WHERE {where_sql} GROUP BY ALL")  # fmt: skip
        ranked = ", rank() OVER (ORDER BY __t NULLS FIRST)::DOUBLE AS __rank" if time else ""
        frame = con.execute(f"SELECT __u, __i, __v, __n{ranked} FROM ({grouped}) ORDER BY __u, __i").df()
        titles = {}
        if title:
            source = quote(named_by) if named_by else t
            titles = dict(con.execute(
                f"SELECT {i}, min({quote(title)}::VARCHAR) FROM {source} WHERE {i} IS NOT NULL AND {quote(title)} IS "
                "NOT NULL GROUP BY ALL").fetchall())  # fmt: skip
    notes = []
    dropped = total - usable
    if dropped:
        what = "user, item or rating" if rating else "user or item"
        notes.append(f"{plural(dropped, 'row')} with no {what} left out.")
    merged = int((frame["__n"] > 1).sum())
    if merged:
        if rating:
            notes.append(f"{plural(merged, 'pair')} of user and item rated more than once: their mean rating is used.")
        else:
            notes.append(f"{plural(merged, 'pair')} of user and item seen more than once: the count is the strength "
                         "of the signal.")  # fmt: skip
    user_pos, users = pd.factorize(frame["__u"], sort=True)
    item_pos, items = pd.factorize(frame["__i"], sort=True)
    if len(users) < 2:
        who = f" ({users[0]!r})" if len(users) else ""
        raise WorkbenchError(f"{info.name!r} holds the ratings of {plural(len(users), 'user')}{who}: recommending "
                             "needs several people whose tastes can be compared.")  # fmt: skip
    values = frame["__v"].to_numpy(dtype=float)
    scale = (float(values.min()), float(values.max())) if rating else (0.0, float(values.max()))
    return Ratings(
        user=user_pos.astype(np.int64), item=item_pos.astype(np.int64), value=values,
        order=frame["__rank"].to_numpy(dtype=float) if time else None,
        users=np.asarray(users.to_numpy(), dtype=object), items=np.asarray(items.to_numpy(), dtype=object),
        titles=titles, kind="explicit" if rating else "implicit", scale=scale, notes=notes,
        columns={k: v for k, v in {**roles, "title": title}.items() if v},
    )  # fmt: skip


def from_frame(frame: pd.DataFrame, *, kind: str = "explicit") -> Ratings:
    """Ratings from a DataFrame of columns user, item, value (already one row per pair): tests and benchmarks."""
    user_pos, users = pd.factorize(frame["user"], sort=True)
    item_pos, items = pd.factorize(frame["item"], sort=True)
    values = frame["value"].to_numpy(dtype=float)
    return Ratings(user=user_pos.astype(np.int64), item=item_pos.astype(np.int64), value=values, order=None,
                   users=np.asarray(users.to_numpy(), dtype=object), items=np.asarray(items.to_numpy(), dtype=object),
                   kind=kind, scale=(float(values.min()), float(values.max())))  # fmt: skip
