"""benchmarks/dedupe.py keeps working: the workbench side on the FEBRL sample, tiny, no peers needed."""

from __future__ import annotations

import duckdb

from benchmarks import dedupe as bench
from tests.conftest import ROOT

SAMPLE = ROOT / "data" / "samples" / "febrl_people.csv"


def sample_files(tmp_path):
    """The bundled FEBRL1 sample as the benchmark's files: values trimmed, true links from rec_id."""
    data, links = tmp_path / "febrl1.csv", tmp_path / "febrl1_links.csv"
    with duckdb.connect() as con:
        con.execute(f"COPY (SELECT trim(COLUMNS(*)) FROM read_csv(?, all_varchar = true)) "
                    f"TO '{data}' (HEADER)", [str(SAMPLE)])  # fmt: skip
        con.execute(f"""COPY (WITH t AS (SELECT rec_id, regexp_extract(rec_id, 'rec-(\\d+)', 1) AS e FROM '{data}')
            SELECT a.rec_id AS a, b.rec_id AS b FROM t a JOIN t b ON a.e = b.e AND a.rec_id < b.rec_id)
            TO '{links}' (HEADER)""")
    return data, links


def test_workbench_side_scores_the_sample_and_learns_from_labels(tmp_path):
    data, links = sample_files(tmp_path)
    spec = {"files": [str(data)], "links": str(links), "columns": bench.COLUMNS, "threshold": bench.THRESHOLD,
            "clusters_out": str(tmp_path / "clusters.parquet"), "labels": 20}  # fmt: skip
    result = bench.run_workbench(spec)
    assert result["blocking_recall"] >= 0.99 and result["comparisons"] < 10_000
    assert result["seconds"] > 0 and result["peak_mib"] > 50 and result["labels"] == 20
    assert result["largest_cluster"] == 2  # FEBRL1: one original, one duplicate
    unsupervised = bench.quality(spec["clusters_out"], links, link=False)
    labelled = bench.quality(result["clusters_labelled_out"], links, link=False)
    assert unsupervised["f1"] >= 0.99 and labelled["f1"] >= 0.99


def test_replicas_are_tagged_so_copies_never_match(tmp_path):
    data, links = sample_files(tmp_path)
    copies, copy_links = bench.replicate(data, links, 3, data_dir=tmp_path)
    with duckdb.connect() as con:
        rows, distinct = con.execute(
            f"SELECT count(*), count(DISTINCT surname) FROM read_csv('{copies}', all_varchar = true)"
        ).fetchone()
        assert rows == 3000
        assert distinct == 3 * con.execute(f"SELECT count(DISTINCT surname) FROM '{data}'").fetchone()[0]
        assert con.execute(f"SELECT count(*) FROM '{copy_links}'").fetchone()[0] == 1500
        assert con.execute(f"SELECT count(*) FROM '{copy_links}' WHERE a LIKE '% k2'").fetchone()[0] == 500
