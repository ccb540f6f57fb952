"""The two samples that had to be written out (data/samples/README.md) hold their source's values unchanged."""

from __future__ import annotations

from pathlib import Path

import duckdb
import sklearn

from tests.conftest import ROOT

SAMPLES = ROOT / "data" / "samples"


def test_wine_csv_keeps_every_field_of_scikit_learns_file_as_written():
    source = Path(sklearn.__file__).parent / "datasets" / "data" / "wine_data.csv"
    first, *rows = source.read_text(encoding="ascii").splitlines()
    classes = first.split(",")[2:]
    header, *written = (SAMPLES / "wine.csv").read_text(encoding="ascii").splitlines()
    assert header.split(",")[0] == "id" and header.split(",")[-1] == "cultivar" and len(header.split(",")) == 15
    assert len(written) == len(rows) == 178
    for position, (original, ours) in enumerate(zip(rows, written), start=1):
        *values, cls = original.split(",")
        assert ours.split(",") == [str(position), *values, classes[int(cls)]]


def test_movielens_parquet_is_the_100004_ratings_of_671_users():
    counts = duckdb.sql(f"""SELECT count(*), count(DISTINCT userId), count(DISTINCT movieId), min(rating),
        max(rating), count(*) FILTER (WHERE title IS NULL) FROM '{SAMPLES / "movielens.parquet"}'""").fetchall()[0]
    assert counts == (100_004, 671, 9_066, 0.5, 5.0, 7)
