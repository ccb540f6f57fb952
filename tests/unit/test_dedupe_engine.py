"""Blocking, EM and scores on the FEBRL sample (1,000 records, truth in rec_id)."""

from __future__ import annotations

import gc
import os
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from tests.conftest import ROOT
from workbench import Workspace, samples, settings
from workbench.dedupe import blocking, engine, explain, fellegi_sunter
from workbench.dedupe.normalise import Column, resolve_columns, suggest_columns
from workbench.errors import WorkbenchError

COLUMNS = ["given_name", "surname", "street_number", "address_1", "address_2", "suburb", "postcode", "state",
           "date_of_birth"]  # fmt: skip


@pytest.fixture(scope="module")
def febrl(tmp_path_factory):
    ws = Workspace(tmp_path_factory.mktemp("dedupe") / "ws")
    samples.seed(ws)
    run = engine.start(ws, "febrl_people", COLUMNS)
    with ws.connect() as con:
        truth = set(con.execute("""
            WITH t AS (SELECT rowid AS id, regexp_extract(rec_id, 'rec-(\\d+)', 1) AS entity FROM febrl_people)
            SELECT a.id, b.id FROM t a JOIN t b ON a.entity = b.entity AND a.id < b.id""").fetchall())
        scored = con.execute(
            f"SELECT l, r, p FROM {run.work('pairs')} JOIN {run.work('scores')} USING (pattern)"
        ).fetchall()
    return ws, run, truth, scored


def test_suggested_columns_leave_out_identifiers(febrl):
    ws, *_ = febrl
    with ws.connect() as con:
        assert suggest_columns(con, "febrl_people") == COLUMNS  # not rec_id, not soc_sec_id


def test_blocking_keeps_true_pairs_with_few_comparisons(febrl):
    _ws, run, truth, scored = febrl
    candidates = {(a, b) for a, b, _ in scored}
    assert len(truth) == 500
    assert len(truth & candidates) / len(truth) >= 0.99
    assert len(candidates) < 0.01 * 1000 * 999 / 2  # under 1% of all pairs are compared
    assert sum(run.comparisons.values()) == len(candidates) == len(scored)  # rules never repeat a pair
    assert len(run.rules) >= 3 and len({k.column for r in run.rules for k in r.keys}) == len(run.rules)


def test_unsupervised_scores_find_the_duplicates(febrl):
    _ws, run, truth, scored = febrl
    predicted = {(a, b) for a, b, p in scored if p >= engine.DEFAULT_THRESHOLD}
    tp = len(predicted & truth)
    assert 2 * tp / (len(predicted) + len(truth)) >= 0.98
    assert run.model.converged and run.model.iterations < 200
    quality = engine.estimate_quality(run, engine.DEFAULT_THRESHOLD)
    assert quality["precision"] > 0.95 and quality["recall"] > 0.9
    assert engine.histogram(run)["pairs"].sum() == run.pairs_scored


def test_exact_agreement_is_strong_evidence_and_missing_is_none(febrl):
    _ws, run, *_ = febrl
    bf = run.model.contributions()
    surname = COLUMNS.index("surname")
    assert bf[surname, 5] > 5 > 0 > bf[surname, 0]  # exact surname: strong evidence, different: against
    assert (bf[:, 7] == 0).all()


def test_em_recovers_known_parameters():
    """Patterns drawn from a known model: EM with the true u finds m and lambda again."""
    rng = np.random.default_rng(0)
    columns = [Column(f"c{i}", "number") for i in range(4)]  # levels 0..4
    m = np.array([0.05, 0.05, 0.1, 0.1, 0.7])
    u = np.array([0.8, 0.1, 0.05, 0.04, 0.01])
    n, lam = 200_000, 0.2
    is_match = rng.random(n) < lam
    levels = np.where(is_match[:, None], rng.choice(5, (n, 4), p=m), rng.choice(5, (n, 4), p=u))
    packed = (levels << (3 * np.arange(4))).sum(axis=1)
    patterns, counts = np.unique(packed, return_counts=True)
    u_full = np.zeros((4, 8))
    u_full[:, :5] = u
    model = fellegi_sunter.fit(columns, patterns, counts, u_full)
    assert model.converged
    assert model.lam == pytest.approx(lam, abs=0.01)
    assert np.abs(model.m[:, :5] - m).max() < 0.02


def test_rules_are_parsed_and_checked():
    cols = [Column("surname", "string"), Column("dob", "date")]
    rule = blocking.parse_rule(" Surname:3 & dob ", cols)
    assert rule.text() == "surname:3 & dob"
    for bad, message in [("city", "not one of the compared"), ("dob:2", "prefix"), ("surname & ", "Cannot read")]:
        with pytest.raises(WorkbenchError, match=message):
            blocking.parse_rule(bad, cols)


def test_user_rules_and_errors(febrl):
    ws, *_ = febrl
    run = engine.start(ws, "febrl_people", ["surname", "date_of_birth"], rules=["date_of_birth", "surname:4"])
    assert list(run.comparisons) == ["date_of_birth", "surname:4"]
    engine.drop(ws, run)
    with pytest.raises(WorkbenchError, match="no column 'nope'"):
        engine.start(ws, "febrl_people", ["surname", "nope"])
    with pytest.raises(WorkbenchError, match="no candidate pairs"):
        engine.start(ws, "febrl_people", ["rec_id"], rules=["rec_id"])  # every rec_id is different
    with ws.connect() as con:
        assert [c.kind for c in resolve_columns(con, "febrl_people", ["soc_sec_id", "surname"])] == ["string"] * 2


# -- work tables of abandoned runs ---------------------------------------------------------

PEOPLE = ("CREATE TABLE people AS SELECT ['anna', 'anne', 'bob', 'bobby', 'carl'][1 + i % 5] || (i // 10) AS name, "
          "['paris', 'lyon'][1 + i % 2] AS city FROM range(60) t(i)")  # fmt: skip


@pytest.fixture
def people_ws(ws):
    with ws.connect() as con:
        con.execute(PEOPLE)
    return ws


def _start(ws):
    return engine.start(ws, "people", ["name", "city"], rules=["city"])


def work_runs(ws) -> set[str]:
    """Ids of the runs that have work tables, and of the registered runs."""
    with ws.connect() as con:
        tables = con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = '_dedupe' "
                             "AND table_name LIKE 'run\\_%' ESCAPE '\\'").fetchall()  # fmt: skip
        registered = {i for (i,) in con.execute(f"SELECT id FROM {engine.RUNS}").fetchall()}
    with_tables = {name.split("_")[1] for (name,) in tables}
    assert with_tables == registered  # no tables without a registered run, no run without tables
    return with_tables


def test_a_new_run_drops_the_work_tables_of_a_session_that_ended(people_ws):
    kept, abandoned = _start(people_ws), _start(people_ws)
    gone = abandoned.id
    assert work_runs(people_ws) == {kept.id, gone}
    del abandoned  # the page session that held it ended
    gc.collect()
    new = _start(people_ws)
    assert work_runs(people_ws) == {kept.id, new.id}
    engine.drop(people_ws, kept)
    assert work_runs(people_ws) == {new.id}


def test_a_new_run_drops_the_work_tables_of_a_process_that_exited(people_ws):
    # a command killed before it could clean up: its run is registered to a process that no longer exists
    code = ("import sys; from workbench import Workspace; from workbench.dedupe import engine; "
            "print(engine.start(Workspace(sys.argv[1]), 'people', ['name', 'city'], rules=['city']).id)")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code, str(people_ws.home)], capture_output=True, text=True,
                         check=True, cwd=ROOT, timeout=120)  # fmt: skip
    orphan = out.stdout.split()[-1]
    assert work_runs(people_ws) == {orphan}
    mine = _start(people_ws)
    assert work_runs(people_ws) == {mine.id}


def test_sweep_keeps_runs_of_live_owners_and_drops_the_rest(people_ws):
    parent = os.getppid()  # a live process of this host that is not this one
    now = time.time()
    owners = {
        "a11ce0000001": (f"{socket.gethostname()}/{parent}/{engine._process_start(parent)}", now - 10**7),
        "b0b000000002": ("another-host/123/456", now - 60),  # cannot be checked: young enough
        "c0ffee000003": ("another-host/123/456", now - 2 * settings.LIMITS.dedupe_run_max_age),
        "dead00000004": (f"{socket.gethostname()}/{parent}/1", now),  # the parent's pid, another start: reused
    }
    with people_ws.connect() as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS _dedupe")
        con.execute(f"CREATE TABLE IF NOT EXISTS {engine.RUNS} (id VARCHAR PRIMARY KEY, owner VARCHAR, started DOUBLE)")
        for run_id, (owner, started) in owners.items():
            con.execute(f"INSERT INTO {engine.RUNS} VALUES (?, ?, ?)", [run_id, owner, started])
        for run_id in [*owners, "0bad00000005"]:  # the last one registered nowhere (an older version's)
            con.execute(f'CREATE TABLE _dedupe."run_{run_id}_pairs" AS SELECT 1 AS l')
        assert sorted(engine.sweep(con)) == ["0bad00000005", "c0ffee000003", "dead00000004"]
    assert work_runs(people_ws) == {"a11ce0000001", "b0b000000002"}
    with people_ws.connect() as con:
        assert engine.sweep(con, max_age=30) == ["b0b000000002"]


def test_a_record_is_named_by_its_words_before_its_numbers(febrl):
    ws, run, *_ = febrl
    with ws.connect() as con:
        rowid, given, surname, address = con.execute(
            "SELECT rowid, trim(given_name), trim(surname), trim(address_1) FROM febrl_people "
            "WHERE trim(given_name) <> '' AND trim(surname) <> '' AND regexp_full_match(trim(street_number), '\\d+') "
            "AND trim(address_1) <> '' ORDER BY rowid LIMIT 1").fetchone()  # fmt: skip
    # the street number, compared third, gives way to the address
    assert explain.names(ws, run, [rowid]) == {rowid: f"{given}, {surname}, {address}"}
