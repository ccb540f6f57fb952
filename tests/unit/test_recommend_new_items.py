"""Items nobody rated yet are reached through a table describing them (Similar rows), measured against what the
person liked: the real wine analyses as the items, generated tastings of 150 of them as the ratings."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import ROOT
from workbench import recommend, similar
from workbench.errors import WorkbenchError
from workbench.ingest import load
from workbench.metadata import record_table

RATED = 150  # wines 151-178 have no ratings: the new items
MEASURES = ["alcohol", "flavanoids", "color_intensity", "hue", "proline"]


@pytest.fixture
def cellar(ws):
    """wine (the sample) and tastings: 30 people; each prefers one cultivar (5 stars) over the others (1-2)."""
    load(ws, [ROOT / "data" / "samples" / "wine.csv"], table="wine")
    rng = np.random.default_rng(3)
    with ws.connect() as con:
        cultivar = dict(con.execute("SELECT id, cultivar FROM wine").fetchall())
        rows = []
        for person in range(30):
            taste = f"class_{person % 3}"
            for wine in rng.choice(np.arange(1, RATED + 1), size=40, replace=False):
                stars = 5.0 if cultivar[int(wine)] == taste else float(rng.integers(1, 3))
                rows.append((f"p{person}", int(wine), stars))
        con.execute("CREATE TABLE tastings (person VARCHAR, wine BIGINT, stars DOUBLE)")
        con.executemany("INSERT INTO tastings VALUES (?, ?, ?)", rows)
        record_table(con, "tastings", source_kind="sql", operation="sql")
    return ws, cultivar


def test_new_wines_come_nearest_to_what_the_person_liked_first(cellar):
    ws, cultivar = cellar
    recs = recommend.for_new_items(ws, "tastings", user="person", item="wine", rating="stars", who="p2",
                                   items_table="wine", items_id="id", columns=MEASURES, k=5)  # fmt: skip
    assert list(recs.items["rank"]) == [1, 2, 3, 4, 5]
    assert all(w > RATED for w in recs.items["item"])  # only wines nobody rated
    assert (recs.items["score"].diff().dropna() >= 0).all()  # nearest first
    # p2 likes class_2: the liked wines are the references, and the nearest new wines are of the same cultivar
    assert {cultivar[int(w)] for w in recs.rated["item"]} == {"class_2"}
    assert [cultivar[int(w)] for w in recs.items["item"]].count("class_2") >= 4
    # the same order and distances as Similar rows over the wines, from the same references, among the new ones
    found = similar.find(ws, "wine", [str(w) for w in recs.rated["item"]], id_column="id", columns=MEASURES, k=178)
    new = found.rows[found.rows["id"] > RATED].head(5)
    assert list(new["id"]) == list(recs.items["item"]) and np.allclose(new["distance"], recs.items["score"])
    first = recs.items["because"].iloc[0]
    assert first.startswith("no ratings yet: by its features it is nearest to ") and "which you rated 5" in first
    assert recs.method.startswith("Similar rows over the items' features in wine answered: 28 items there have no "
                                  "ratings yet")


def test_without_new_items_or_shared_items_it_says_why(cellar):
    ws, _ = cellar
    with ws.connect() as con:
        con.execute("CREATE TABLE old_wines AS SELECT * FROM wine WHERE id <= 150")
        con.execute("CREATE TABLE other_wines AS SELECT * FROM wine WHERE id > 150")
        for name in ("old_wines", "other_wines"):
            record_table(con, name, source_kind="sql", operation="sql")
    common = {"user": "person", "item": "wine", "rating": "stars", "items_id": "id", "columns": MEASURES}
    with pytest.raises(WorkbenchError, match="Every item of 'old_wines' has ratings in 'tastings'"):
        recommend.for_new_items(ws, "tastings", who="p1", items_table="old_wines", **common)
    with pytest.raises(WorkbenchError, match="None of the items 'p1' liked is described in 'other_wines'"):
        recommend.for_new_items(ws, "tastings", who="p1", items_table="other_wines", **common)
    with pytest.raises(WorkbenchError, match="User 'nobody' has no ratings"):
        recommend.for_new_items(ws, "tastings", who="nobody", items_table="wine", **common)
    with pytest.raises(WorkbenchError, match="'wine' has no column 'code'"):
        recommend.for_new_items(ws, "tastings", who="p1", items_table="wine", **{**common, "items_id": "code"})
