"""Clustering and merging on hand-made pair graphs in a real workspace: components, no chaining,
survivorship rules, lineage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.dedupe import cluster, engine, merge
from workbench.dedupe.fellegi_sunter import Model
from workbench.dedupe.normalise import Column
from workbench.errors import WorkbenchError


def graph_run(ws, edges: list[tuple[int, int, float]], n_records: int, table: str = "t") -> engine.Run:
    """A run whose work tables hold `edges` (l, r, probability), one pattern per probability."""
    cols = [Column("x", "string")]
    probs = sorted({p for *_, p in edges})
    scores = pd.DataFrame({"pattern": range(len(probs)), "n": 1, "fs": probs, "p": probs})
    run = engine.Run("t" + ws.home.name[-6:], table, None, cols, [], n_records, {},
                     Model(cols, np.zeros(0), np.zeros(0), 0.5), scores)  # fmt: skip
    pairs = pd.DataFrame([(a, b, 0, probs.index(p)) for a, b, p in edges], columns=["l", "r", "rule", "pattern"])
    with ws.connect() as con:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {engine.WORK_SCHEMA}")
        con.execute(f"CREATE TABLE {run.work('records')} AS SELECT range AS _id, 0 AS _src FROM range(?)", [n_records])
        for part, frame in (("pairs", pairs), ("scores", scores)):
            values, params = engine.frame_sql(frame)
            con.execute(f"CREATE TABLE {run.work(part)} AS SELECT * FROM {values}", params)
    return run


def clusters_of(ws, run, threshold) -> list[list[int]]:
    with ws.connect() as con:
        cluster.build(con, run, threshold)
        rows = con.execute(f"SELECT list(id ORDER BY id) FROM {run.work('clusters')} GROUP BY cluster").fetchall()
    return sorted(r[0] for r in rows)


def test_components_and_threshold(ws):
    edges = [(0, 1, 0.999), (1, 2, 0.999), (0, 2, 0.995), (3, 4, 0.97), (5, 6, 0.2)]
    run = graph_run(ws, edges, 8)
    assert clusters_of(ws, run, 0.99) == [[0, 1, 2], [3], [4], [5], [6], [7]]
    assert clusters_of(ws, run, 0.9) == [[0, 1, 2], [3, 4], [5], [6], [7]]
    with ws.connect() as con:
        assert cluster.summary(con, run) == {"clusters": 5, "clusters_with_duplicates": 2, "records_in_them": 5,
                                             "largest": 3}  # fmt: skip
        assert sorted(con.execute(cluster.matched_pairs_sql(run)).fetchall()) == [(0, 1), (0, 2), (1, 2), (3, 4)]


def test_a_long_chain_does_not_become_one_giant_cluster(ws):
    chain = [(i, i + 1, 0.995) for i in range(200)]  # each link above the threshold, the ends unrelated
    clique = [(a, b, 0.99999) for a in range(300, 305) for b in range(a + 1, 305)]
    bridge = [(199, 300, 0.995)]  # the chain also touches the clique
    run = graph_run(ws, chain + clique + bridge, 310)
    found = clusters_of(ws, run, 0.99)
    assert max(len(c) for c in found) == 5
    assert list(range(300, 305)) in found  # the dense group survives intact
    assert len(found) == 310 - 4  # the chain fell apart into single records
    with ws.connect() as con:  # without the density check, connected components chain everything
        cluster.build(con, run, 0.99, min_density=0)
        assert cluster.summary(con, run)["largest"] == 206


def test_a_dense_group_with_weaker_links_stays_together(ws):
    group = [(0, 1, 0.999), (1, 2, 0.999), (2, 3, 0.999), (0, 2, 0.995), (1, 3, 0.995)]  # 5 of 6 pairs
    run = graph_run(ws, group, 4)
    assert clusters_of(ws, run, 0.99) == [[0, 1, 2, 3]]


PEOPLE = """name,city,updated,note
Jon Smith,Paris,2020-01-01,
Jonathan Smith,Paris,2021-05-01,vip
Jon Smith,,2019-01-01,old
Ann Lee,Oslo,2018-03-03,
"""


@pytest.fixture
def people(ws, tmp_path):
    from workbench import ingest

    path = tmp_path / "people.csv"
    path.write_text(PEOPLE)
    ingest.load(ws, [path])
    return graph_run(ws, [(0, 1, 0.999), (1, 2, 0.999), (0, 2, 0.999)], 4, table="people")


def test_merge_applies_survivorship_rules_per_column(ws, people):
    rules = {"name": "longest", "city": "most_frequent", "note": "most_recent"}
    merged, mapping = merge.merge(ws, people, 0.99, rules=rules, recent_by="updated")
    rows = ws.preview(merged.name).to_dict("records")
    assert [(r["cluster_id"], r["records"]) for r in rows] == [(1, 3), (2, 1)]
    smith = rows[0]
    assert smith["name"] == "Jonathan Smith" and smith["city"] == "Paris" and smith["note"] == "vip"
    # default rule, most frequent: all three differ, so any of them is a valid survivor
    assert str(smith["updated"])[:10] in {"2020-01-01", "2021-05-01", "2019-01-01"}
    first = merge.merge(ws, people, 0.99, rules={"note": "first_non_null", "city": "first_non_null"})[0]
    assert ws.preview(first.name).loc[0, "note"] == "vip" and ws.preview(first.name).loc[0, "city"] == "Paris"


def test_merge_writes_mapping_and_lineage(ws, people):
    merged, mapping = merge.merge(ws, people, 0.99, output="people clean")
    assert merged.name == "people_clean" and mapping.name == "people_clean_mapping"
    assert merged.rows == 2 and mapping.rows == 4
    assert merged.operation == mapping.operation == "dedupe"
    assert mapping.parents == ["people"] and merged.parents == ["people", "people_clean_mapping"]
    assert merged.source_kind == mapping.source_kind == "step"  # the schema's kind for a table made from others
    assert mapping.source == "dedupe of people" and merged.source == "dedupe of people, people_clean_mapping"
    assert merged.parameters["threshold"] == 0.99 and merged.parameters["survivorship"]["name"] == "most_frequent"
    table = ws.preview(mapping.name)
    assert sorted(table[["cluster_id", "source_row"]].values.tolist()) == [[1, 0], [1, 1], [1, 2], [2, 3]]
    assert list(table.columns[2:]) == ["name", "city", "updated", "note"]


def test_merge_rejects_bad_rules(ws, people):
    with pytest.raises(WorkbenchError, match="Unknown survivorship rule 'newest'"):
        merge.merge(ws, people, 0.99, rules={"name": "newest"})
    with pytest.raises(WorkbenchError, match="recent_by"):
        merge.merge(ws, people, 0.99, rules={"name": "most_recent"})
    with pytest.raises(WorkbenchError, match="unknown columns: nope"):
        merge.merge(ws, people, 0.99, rules={"nope": "longest"})
    assert [t.name for t in ws.tables()] == ["people"]  # nothing half-made


def test_compare_says_which_clusters_split_and_which_joined(ws):
    run = graph_run(ws, [(0, 1, 0.95), (1, 2, 0.95), (0, 2, 0.95), (3, 4, 0.6), (5, 6, 0.99)], 8)
    loose, strict = cluster.groups(ws, run, 0.5), cluster.groups(ws, run, 0.96)
    assert loose == [[0, 1, 2], [3, 4], [5, 6]] and strict == [[5, 6]]
    tighter = cluster.compare(loose, strict, run.n_records)
    assert (tighter.before, tighter.after) == (4, 7)  # 3 clusters and record 7 alone; then 6 alone and [5, 6]
    assert tighter.split == [([0, 1, 2], 3), ([3, 4], 2)] and tighter.joined == []
    looser = cluster.compare(strict, loose, run.n_records)
    assert looser.split == [] and looser.joined == [([0, 1, 2], 3), ([3, 4], 2)]
    moved = cluster.compare([[0, 1], [2, 3]], [[0, 1, 2], [3, 4]], 5)  # record 2 changed sides, 4 came in
    assert moved.split == [([2, 3], 2)] and moved.joined == [([0, 1, 2], 2), ([3, 4], 2)]
    assert cluster.compare(loose, loose, run.n_records) == cluster.Change(4, 4)
