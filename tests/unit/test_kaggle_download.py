# ruff: noqa: F811  (fixtures imported from tests.kaggle.fixtures)
"""Search, list, download and import through the real Kaggle client talking HTTP to the fake server."""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import replace

import pytest

from tests.kaggle.fake_server import KEY, TOKEN, USERNAME
from tests.kaggle.fixtures import FAST, SALES_CSV, fake_kaggle, kaggle_env, kws  # noqa: F401
from workbench import Workspace
from workbench.errors import Cancelled
from workbench.kaggle import download_and_import, fetch, files, parse, sample_submission_of, search
from workbench.kaggle.errors import (
    AuthFailed,
    CorruptDownload,
    DownloadInterrupted,
    Forbidden,
    KaggleError,
    NoCredentials,
    NotFound,
    RateLimited,
    TimedOut,
    Unreachable,
)
from workbench.metadata import record_table
from workbench.model import sample_submission_table


def _tables(ws):
    return {t.name: t for t in ws.tables()}


def test_search_goes_through_the_proxy_with_basic_auth(kaggle_env):
    found = search("wine")
    assert [d.ref for d in found] == ["ada/wine-notes"]
    assert (found[0].title, found[0].version, found[0].licence) == ("Wine tasting notes", 1, "CC0-1.0")
    call = kaggle_env.calls("ListDatasets")[0]
    assert call.body["search"] == "wine"
    assert call.headers["Authorization"] == "Basic " + base64.b64encode(f"{USERNAME}:{KEY}".encode()).decode()


def test_files_of_a_dataset_and_of_a_competition(kaggle_env):
    listed = {f.name: f.size for f in files(parse("ada/shop-sales"))}
    assert listed["data/2024/sales.csv"] == len(SALES_CSV) and "README.md" in listed
    assert {f.name for f in files(parse("titanic", competition=True))} == {"train.csv", "test.csv"}


def test_multi_file_dataset_imports_every_data_file_with_provenance(kaggle_env, kws):
    seen = []
    done = download_and_import(kws, parse("https://www.kaggle.com/datasets/ada/shop-sales"), on_transfer=seen.append)
    by_label = {r.label: r for r in done.results}
    assert by_label["README.md"].skipped == "documentation, not data"
    assert {label: r.table for label, r in by_label.items() if r.ok} == {
        "data/2024/sales.csv": "sales", "data/stores.parquet": "stores", "meta/regions.json": "regions"}
    tables = _tables(kws)
    assert (tables["sales"].rows, tables["stores"].rows, tables["regions"].rows) == (3, 2, 2)
    detail = tables["stores"].source_detail
    assert tables["stores"].source_kind == "kaggle"
    assert {k: detail[k] for k in ("ref", "version", "file", "licence", "url")} == {
        "ref": "ada/shop-sales", "version": 3, "file": "data/stores.parquet", "licence": "CC-BY-SA-4.0",
        "url": "https://www.kaggle.com/datasets/ada/shop-sales/versions/3"}
    assert detail["downloaded_at"].startswith("20")
    assert seen[-1].done == seen[-1].total == done.fetched.size and seen[-1].fraction == 1.0
    assert kaggle_env.calls("DownloadDataset")[0].body["datasetVersionNumber"] == 3
    assert (done.fetched.folder / "files" / "data" / "2024" / "sales.csv").read_bytes() == SALES_CSV


def test_single_file(kaggle_env, kws):
    done = download_and_import(kws, parse("ada/shop-sales"), file="data/2024/sales.csv")
    assert done.tables == ["sales"]
    assert kaggle_env.calls("DownloadDataset")[0].body["fileName"] == "data/2024/sales.csv"
    assert _tables(kws)["sales"].source_detail["file"] == "sales.csv"
    assert done.fetched.folder.name == "file-sales.csv"


def test_competition(kaggle_env, kws):
    done = download_and_import(kws, parse("titanic", competition=True))
    assert sorted(done.tables) == ["titanic_test", "titanic_train"]
    assert (done.train, done.sample_submission) == ("titanic_train", None)
    train = _tables(kws)["titanic_train"]
    assert train.rows == 3 and train.source_detail["licence"].endswith("/competitions/titanic/rules")
    assert kaggle_env.calls("DownloadDataFiles")[0].body == {"competitionName": "titanic"}


def test_two_competitions_name_their_tables_by_the_competition_and_know_their_sample_submission(kaggle_env, kws):
    """A second competition's tables used to become train_2, test_2, sample_submission_2."""
    titanic = download_and_import(kws, parse("titanic", competition=True))
    houses = download_and_import(kws, parse("house-prices", competition=True))
    assert sorted(houses.tables) == ["house_prices_sample_submission", "house_prices_test", "house_prices_train"]
    assert (houses.train, houses.sample_submission) == ("house_prices_train", "house_prices_sample_submission")
    assert houses.current == "house_prices_train"  # not the first table made (the sample submission, by name)
    assert houses.as_dict()["train"] == "house_prices_train"
    assert set(_tables(kws)) == set(titanic.tables) | set(houses.tables)
    with kws.connect() as con:  # the Yes/No target as the competition wrote it
        assert con.execute("SELECT Sold FROM house_prices_train ORDER BY Id LIMIT 3").fetchall() == [
            ("Yes",), ("Yes",), ("No",)]  # fmt: skip
    # the sample submission of the competition a table comes from, also through its lineage
    with kws.connect() as con:
        con.execute("CREATE TABLE house_prices_test_clean AS SELECT * FROM house_prices_test")
        record_table(con, "house_prices_test_clean", source_kind="step", operation="replay",
                     parents=["house_prices_test"])  # fmt: skip
    assert sample_submission_of(kws, "house_prices_test") == "house_prices_sample_submission"
    assert sample_submission_of(kws, "house_prices_test_clean") == "house_prices_sample_submission"
    assert sample_submission_of(kws, "titanic_test") is None  # titanic ships none here
    assert sample_submission_table(kws, "house_prices_test_clean") == "house_prices_sample_submission"
    assert sample_submission_table(kws, "titanic_test") is None  # not the other competition's
    assert sample_submission_table(kws, None) == "house_prices_sample_submission"  # the one named like it


def test_a_dataset_keeps_its_file_names_and_a_forced_competition_download_names_the_newest(kaggle_env, kws):
    download_and_import(kws, parse("house-prices", competition=True))
    cached = download_and_import(kws, parse("house-prices", competition=True))
    assert cached.tables == [] and cached.train == "house_prices_train"  # nothing new: the one there is current
    again = download_and_import(kws, parse("house-prices", competition=True), force=True)
    assert sorted(again.tables) == ["house_prices_sample_submission_2", "house_prices_test_2", "house_prices_train_2"]
    assert (again.train, again.sample_submission) == ("house_prices_train_2", "house_prices_sample_submission_2")
    assert sample_submission_of(kws, "house_prices_test_2") == "house_prices_sample_submission_2"
    sales = download_and_import(kws, parse("ada/shop-sales"))
    assert sorted(sales.tables) == ["regions", "sales", "stores"]
    assert (sales.train, sales.sample_submission, sales.current) == (None, None, "sales")  # the first table made


def test_a_member_that_cannot_be_parsed_does_not_stop_the_others(kaggle_env, kws):
    done = download_and_import(kws, parse("ada/wine-notes"))
    by_label = {r.label: r for r in done.results}
    assert by_label["notes.csv"].table == "notes"
    assert by_label["broken.parquet"].table is None and "broken.parquet" in by_label["broken.parquet"].error
    assert set(_tables(kws)) == {"notes"}


def test_cache_hit_downloads_nothing_and_imports_nothing_twice(kaggle_env, kws):
    first = download_and_import(kws, parse("ada/shop-sales"))
    second = download_and_import(kws, parse("ada/shop-sales/versions/3"))
    assert not first.fetched.cached and second.fetched.cached
    assert len(kaggle_env.blob_gets()) == 1
    assert second.tables == []
    assert {r.label: r.skipped for r in second.results}["data/stores.parquet"] == "already imported as stores"
    assert len(kaggle_env.calls("GetDataset")) == 1  # a pinned version is answered by the cache alone
    third = download_and_import(kws, parse("ada/shop-sales"))
    assert third.fetched.cached and len(kaggle_env.calls("GetDataset")) == 2  # which version is current?
    assert len(kaggle_env.blob_gets()) == 1


def test_force_downloads_again_and_imports_again(kaggle_env, kws):
    download_and_import(kws, parse("ada/shop-sales"))
    again = download_and_import(kws, parse("ada/shop-sales"), force=True)
    assert not again.fetched.cached and len(kaggle_env.blob_gets()) == 2
    assert sorted(again.tables) == ["regions_2", "sales_2", "stores_2"]


def test_resume_after_a_dropped_connection(kaggle_env, kws):
    kaggle_env.drops, kaggle_env.drop_after = 2, 200_000
    done = download_and_import(kws, parse("ada/big-blob"))
    assert done.tables == ["numbers"] and _tables(kws)["numbers"].rows == 300_000
    ranges = [g.headers.get("Range") for g in kaggle_env.blob_gets()]
    assert ranges == [None, "bytes=200000-", "bytes=400000-"]  # each attempt resumes where the last stopped


def test_a_download_that_keeps_dropping_fails_clearly_and_the_next_run_resumes(kaggle_env, kws):
    kaggle_env.drops, kaggle_env.drop_after = 10, 100_000
    with pytest.raises(DownloadInterrupted, match=r"3 attempts, 300\.0 KB of \S+ KB received and kept\. Run the same"):
        fetch(kws, parse("ada/big-blob"))
    assert kws.tables() == []
    kept = next((kws.downloads / "kaggle").rglob("*.part")).stat().st_size
    assert kept == 300_000
    kaggle_env.drops = 0
    done = download_and_import(kws, parse("ada/big-blob"))
    assert done.tables == ["numbers"]
    assert kaggle_env.blob_gets()[-1].headers["Range"] == f"bytes={kept}-"


def test_401_says_where_the_key_was_read_from(kaggle_env, kws, monkeypatch):
    monkeypatch.setenv("KAGGLE_KEY", "wrong")
    with pytest.raises(AuthFailed, match="KAGGLE_USERNAME and KAGGLE_KEY environment variables .*401"):
        download_and_import(kws, parse("ada/shop-sales"))


def test_a_bearer_token_is_used_when_set(kaggle_env, monkeypatch):
    monkeypatch.setenv("KAGGLE_API_TOKEN", TOKEN)
    monkeypatch.setenv("KAGGLE_KEY", "wrong")  # the token comes first, as in the kaggle client
    assert search("shop")[0].ref == "ada/shop-sales"
    assert kaggle_env.calls("ListDatasets")[0].headers["Authorization"] == f"Bearer {TOKEN}"


def test_403_on_a_competition_gives_the_rules_page(kaggle_env, kws):
    with pytest.raises(Forbidden, match=r"Open https://www.kaggle.com/competitions/secret-comp/rules, accept"):
        download_and_import(kws, parse("secret-comp", competition=True))
    assert kws.tables() == []


def test_404_for_a_dataset_and_for_a_file(kaggle_env, kws):
    with pytest.raises(NotFound, match="no dataset 'ada/nope'"):
        download_and_import(kws, parse("ada/nope"))
    with pytest.raises(NotFound, match="no dataset 'ada/shop-sales/versions/9'"):
        download_and_import(kws, parse("ada/shop-sales/versions/9"))
    with pytest.raises(NotFound, match="has no file named 'nope.csv'.*workbench kaggle files ada/shop-sales"):
        download_and_import(kws, parse("ada/shop-sales"), file="nope.csv")


def test_429(kaggle_env):
    kaggle_env.rate_limited = True
    with pytest.raises(RateLimited, match="429 Too Many Requests"):
        search("shop")


def test_a_server_that_never_answers_times_out(kaggle_env, kws):
    kaggle_env.hang = True
    with pytest.raises(TimedOut, match="did not answer within 1.5 s"):
        fetch(kws, parse("ada/shop-sales"))


def test_network_unreachable(kaggle_env, kws, monkeypatch):
    kaggle_env.stop()  # nothing listens on its port any more
    with pytest.raises(Unreachable, match=r"Cannot reach Kaggle at http://localhost through the proxy .*HTTPS_PROXY"):
        fetch(kws, parse("ada/shop-sales"))


def test_no_credentials(kaggle_env, kws, monkeypatch):
    monkeypatch.delenv("KAGGLE_USERNAME")
    monkeypatch.delenv("KAGGLE_KEY")
    with pytest.raises(NoCredentials, match="Create New Token"):
        download_and_import(kws, parse("ada/shop-sales"))
    assert kaggle_env.seen == []


def test_a_corrupt_archive_leaves_nothing_behind(kaggle_env, kws):
    with pytest.raises(CorruptDownload, match="corrupt.zip is not a valid zip archive"):
        download_and_import(kws, parse("ada/corrupt"))
    assert kws.tables() == []
    assert not (kws.downloads / "kaggle" / "datasets" / "ada" / "corrupt" / "v1" / "all").exists()


def test_cancel_stops_the_download_and_keeps_what_arrived(kaggle_env, kws):
    cancel = threading.Event()
    def stop_soon(progress):
        cancel.set()

    with pytest.raises(Cancelled, match="cancelled"):
        fetch(kws, parse("ada/big-blob"), on_progress=stop_soon, cancel=cancel)
    assert kws.tables() == []
    parts = list((kws.downloads / "kaggle").rglob("*.part"))
    assert len(parts) == 1 and parts[0].stat().st_size > 0


def test_a_pinned_version_in_the_cache_needs_no_network_and_no_credentials(kaggle_env, kws, monkeypatch):
    download_and_import(kws, parse("ada/shop-sales"))
    kaggle_env.stop()
    monkeypatch.delenv("KAGGLE_KEY")
    again = fetch(kws, parse("ada/shop-sales/versions/3"))
    assert again.cached and again.version == 3 and "data/stores.parquet" in again.files


def test_a_download_that_stalls_is_resumed_then_given_up_with_a_timeout_message(kaggle_env, tmp_path):
    ws = Workspace(tmp_path / "impatient", limits=replace(FAST, kaggle_read_timeout=0.3, kaggle_retries=1))
    kaggle_env.stalls, kaggle_env.drop_after = 1, 150_000
    assert fetch(ws, parse("ada/big-blob")).size > 150_000  # one stall: resumed
    assert kaggle_env.blob_gets()[-1].headers["Range"] == "bytes=150000-"
    kaggle_env.stalls = 5
    with pytest.raises(TimedOut, match=r"stalled: no data for 0.3 s, 2 times \(300.0 KB of .* kept\)"):
        fetch(ws, parse("ada/big-blob"), force=True)


def test_an_unknown_kaggle_api_environment_is_named(kaggle_env, monkeypatch):
    monkeypatch.setenv("KAGGLE_API_ENVIRONMENT", "NOWHERE")
    with pytest.raises(KaggleError, match='KAGGLE_API_ENVIRONMENT: "NOWHERE".*use PROD'):
        search("shop")


def test_the_login_of_kaggle_auth_login_is_used(kaggle_env, monkeypatch, tmp_path):
    monkeypatch.delenv("KAGGLE_USERNAME")
    monkeypatch.delenv("KAGGLE_KEY")
    saved = tmp_path / "home" / ".kaggle" / "credentials.json"
    saved.parent.mkdir(parents=True)
    saved.write_text(json.dumps({"refresh_token": "r", "access_token": TOKEN, "username": USERNAME,
                                 "access_token_expiration": "2999-01-01T00:00:00+00:00"}))
    assert search("shop")[0].ref == "ada/shop-sales"
    assert kaggle_env.calls("ListDatasets")[0].headers["Authorization"] == f"Bearer {TOKEN}"
