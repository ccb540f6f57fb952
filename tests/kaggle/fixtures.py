"""Fixtures for the Kaggle tests: the fake server with a small catalogue, and the environment pointing at it.

Test modules import the fixtures they use (`from tests.kaggle.fixtures import kaggle_env`).
"""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.kaggle.fake_server import KEY, USERNAME, Dataset, FakeKaggle, zip_bytes
from workbench import Workspace
from workbench.settings import LIMITS

# short waits so that timeouts and retries are tested in well under a second each
FAST = replace(LIMITS, kaggle_connect_timeout=2.0, kaggle_read_timeout=1.5, kaggle_retries=2, kaggle_backoff=0.01)

SALES_CSV = b"day,store,amount\n2024-01-01,1,10.5\n2024-01-02,2,7.25\n2024-01-03,1,3.0\n"
README = b"# Shop sales\n\nThree tables: sales, stores, regions.\n"


def _parquet() -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.table({"store": [1, 2], "city": ["Lyon", "Oslo"]}), buffer)
    return buffer.getvalue()


def catalogue() -> FakeKaggle:
    fake = FakeKaggle()
    fake.datasets["ada/shop-sales"] = Dataset(
        title="Shop sales",
        version=3,
        licence="CC-BY-SA-4.0",
        files={
            "data/2024/sales.csv": SALES_CSV,
            "data/stores.parquet": _parquet(),
            "meta/regions.json": json.dumps(
                [{"region": "north", "stores": 1}, {"region": "south", "stores": 1}]
            ).encode(),
            "README.md": README,
        },
    )
    fake.datasets["ada/wine-notes"] = Dataset(
        title="Wine tasting notes",
        files={"notes.csv": b"wine,score\nMerlot,88\nSyrah,91\n",
               "broken.parquet": b"PAR1 this is not parquet at all"},
    )
    fake.datasets["ada/big-blob"] = Dataset(title="Big blob", files={"numbers.csv": b"n\n" + b"".join(
        f"{i}\n".encode() for i in range(300_000))})
    fake.datasets["ada/corrupt"] = Dataset(title="Corrupt archive", files={"x.csv": b"a\n1\n"},
                                           archive=b"PK\x03\x04 truncated nonsense")
    fake.competitions["titanic"] = {"train.csv": b"PassengerId,Survived\n1,0\n2,1\n3,1\n",
                                    "test.csv": b"PassengerId\n4\n5\n"}
    fake.competitions["house-prices"] = {  # a Yes/No target, as Kaggle competitions write them
        "train.csv": b"Id,Area,Sold\n" + b"".join(b"%d,%d,%s\n" % (i, 40 + i % 7, b"Yes" if i % 3 else b"No")
                                                  for i in range(1, 41)),
        "test.csv": b"Id,Area\n" + b"".join(b"%d,%d\n" % (i, 40 + i % 7) for i in range(41, 46)),
        "sample_submission.csv": b"Id,Sold\n" + b"".join(b"%d,No\n" % i for i in range(41, 46)),
    }
    fake.competitions["secret-comp"] = {"train.csv": b"a\n1\n"}
    fake.rules_not_accepted.add("secret-comp")
    return fake


@pytest.fixture
def fake_kaggle():
    fake = catalogue()
    for dataset in fake.datasets.values():
        zip_bytes(dataset.files)  # made before the clock starts (cached), so short timeouts only see serving
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def kaggle_env(fake_kaggle, monkeypatch, tmp_path) -> FakeKaggle:
    """The real client pointed at the fake server by environment variables only, with an API key."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name, value in fake_kaggle.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("KAGGLE_USERNAME", USERNAME)
    monkeypatch.setenv("KAGGLE_KEY", KEY)
    return fake_kaggle


@pytest.fixture
def kws(tmp_path) -> Workspace:
    """An empty workspace with short Kaggle timeouts."""
    return Workspace(tmp_path / "kws", limits=FAST)
