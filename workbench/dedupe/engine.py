"""A dedupe (or link) run: records -> blocked pairs -> patterns -> model -> scores.

Everything heavy happens in DuckDB. A run's work tables live in the `_dedupe`
schema of the workspace (hidden from the table list) so that a page can come
back to them on every rerun: `records` (normalised copies, columns c0, c1...),
`pairs` (l, r, rule, pattern) and `scores` (one row per distinct pattern with
its count, the unsupervised probability `fs` and the current probability `p`,
refined by labels). Only `scores` and pages of pairs ever reach pandas.

Work tables outlive a browser tab that is closed mid-review, so each run is
registered in `_dedupe.runs` (id, owning process, start time) and `sweep`, at
the start of every run, drops the work tables no live run owns: runs of this
process whose `Run` object is gone (the session that held it ended), runs of a
process that has exited, tables of no registered run, and, when the owner
cannot be checked (another host), runs older than `dedupe_run_max_age`.

Record ids are the source rowids; in link mode the right table's ids are
offset by RIGHT_OFFSET so both tables share one id space.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
import weakref
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from workbench import settings
from workbench.dedupe import blocking, features, fellegi_sunter, portable
from workbench.dedupe.blocking import Rule
from workbench.dedupe.fellegi_sunter import Model
from workbench.dedupe.normalise import Column, cleaned, prepared, resolve_columns
from workbench.errors import WorkbenchError
from workbench.jobs import Progress, run_watched
from workbench.names import quote
from workbench.workspace import Workspace

WORK_SCHEMA = "_dedupe"
RIGHT_OFFSET = 1 << 40
# Match probability above which pairs join a cluster unless the user chooses otherwise.
DEFAULT_THRESHOLD = 0.99
# From this many records on, EM also re-estimates u on the compared pairs. Measured: on
# FEBRL3 x20 (100k records) fixed u gave F1 0.70 and refined u 0.996; on small sets with
# few columns (FEBRL1, 4 columns) refined u lost recall (429 of 500 links), fixed u did not.
REFINE_U_FROM = 20_000
RANDOM_SAMPLE = 450  # records per side drawn for the random pairs that estimate u
RUNS = f"{WORK_SCHEMA}.runs"  # the registry of runs: id, owner (host/pid/process start), started (epoch s)


@dataclass
class Run:
    """What a page keeps between reruns: small, the data stays in the work tables."""

    id: str
    table: str
    right: str | None
    columns: list[Column]
    rules: list[Rule]
    n_records: int
    comparisons: dict[str, int]  # rule text -> pairs it added
    model: Model
    scores: pd.DataFrame  # pattern, n, fs, p
    labels: dict[tuple[int, int], int] = field(default_factory=dict)  # (l, r) -> 1 match / 0 not

    @property
    def link(self) -> bool:
        return self.right is not None

    def work(self, part: str) -> str:
        return f"{WORK_SCHEMA}.{quote(f'run_{self.id}_{part}')}"

    @property
    def pairs_scored(self) -> int:
        return int(self.scores["n"].sum())

    def source_of(self, record_id: int) -> tuple[str, int]:
        """(table, rowid) of a record id."""
        if record_id >= RIGHT_OFFSET:
            return self.right, record_id - RIGHT_OFFSET
        return self.table, record_id


# The runs of this process that something (a page's session state, a command) still holds.
_LIVE: weakref.WeakValueDictionary[str, Run] = weakref.WeakValueDictionary()


def _process_start(pid: int) -> str:
    """When process `pid` started (clock ticks since boot; '' where /proc is missing): with the pid,
    it names one process even after the pid is reused."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def _this_process() -> str:
    return f"{socket.gethostname()}/{os.getpid()}/{_process_start(os.getpid())}"


def _owner_alive(owner: str) -> bool | None:
    """Whether the process that registered a run still runs (None: it cannot be known from here)."""
    host, pid, started = owner.rsplit("/", 2)
    if host != socket.gethostname() or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        pass
    return not started or _process_start(int(pid)) == started


def _ensure_registry(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {WORK_SCHEMA}")
    con.execute(f"CREATE TABLE IF NOT EXISTS {RUNS} (id VARCHAR PRIMARY KEY, owner VARCHAR, started DOUBLE)")


def sweep(con: duckdb.DuckDBPyConnection, max_age: float | None = None) -> list[str]:
    """Drop the work tables of every run no live session owns (see the module docstring); the ids dropped."""
    max_age = settings.LIMITS.dedupe_run_max_age if max_age is None else max_age
    _ensure_registry(con)
    tables: dict[str, list[str]] = {}
    for (name,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = ? "
        "AND table_name LIKE 'run\\_%' ESCAPE '\\'", [WORK_SCHEMA]
    ).fetchall():
        tables.setdefault(name.split("_")[1], []).append(name)
    registered = {i: (owner, started) for i, owner, started in con.execute(f"SELECT * FROM {RUNS}").fetchall()}
    me, now, dead = _this_process(), time.time(), []
    for run_id in sorted(set(tables) | set(registered)):
        if run_id in registered:
            owner, started = registered[run_id]
            alive = run_id in _LIVE if owner == me else _owner_alive(owner)
            if alive is None:
                alive = now - started < max_age
        else:
            alive = False  # tables of no registered run: left by a version that kept no registry
        if not alive:
            dead.append(run_id)
            for name in tables.get(run_id, []):
                con.execute(f"DROP TABLE IF EXISTS {WORK_SCHEMA}.{quote(name)}")
    if dead:
        con.execute(f"DELETE FROM {RUNS} WHERE list_contains(?, id)", [dead])
    return dead


def frame_sql(frame: pd.DataFrame) -> tuple[str, list]:
    """A small numeric DataFrame as a SELECT over bound list parameters (no registration needed)."""
    types = {c: "BIGINT" if pd.api.types.is_integer_dtype(frame[c]) else "DOUBLE" for c in frame.columns}
    select = ", ".join(f"unnest(?::{t}[]) AS {quote(c)}" for c, t in types.items())
    return f"(SELECT {select})", [frame[c].tolist() for c in frame.columns]


def records_sql(table: str, columns: list[Column], src: int) -> str:
    inner = ", ".join(f"{prepared(c)} AS w{i}" for i, c in enumerate(columns))
    values = ", ".join(f"{cleaned(c, f'w{i}')} AS c{i}" for i, c in enumerate(columns))
    offset = f" + {RIGHT_OFFSET}" if src else ""
    return (f"SELECT _row{offset} AS _id, {src} AS _src, {values} "
            f"FROM (SELECT rowid AS _row, {inner} FROM {quote(table)})")  # fmt: skip


def candidates_sql(rules: list[Rule], position: dict[str, int], records: str, link: bool) -> tuple[str, list]:
    """UNION ALL of each rule's pairs, minus pairs an earlier rule already produced."""
    params: list = []
    selects = []
    order = "l._src = 0 AND r._src = 1" if link else "l._id < r._id"
    for i, rule in enumerate(rules):
        agree = blocking.agree_sql(rule, position, params)
        earlier = [blocking.agree_sql(prev, position, params) for prev in rules[:i]]
        exclude = "".join(f" AND NOT coalesce({e}, false)" for e in earlier)
        selects.append(f"SELECT l._id AS l, r._id AS r, {i} AS rule FROM {records} l "
                       f"JOIN {records} r ON {agree} AND {order}{exclude}")  # fmt: skip
    return " UNION ALL ".join(selects), params


def _random_pairs_sql(records: str, link: bool) -> str:
    side = (f"(SELECT _id FROM {records} WHERE _src = {{src}}) "
            f"USING SAMPLE reservoir({RANDOM_SAMPLE} ROWS) REPEATABLE ({{seed}})")
    a = side.format(src=0, seed=7)
    b = side.format(src=1 if link else 0, seed=11)
    return (f"SELECT a._id AS l, b._id AS r, -1 AS rule FROM (SELECT _id FROM {a}) a, (SELECT _id FROM {b}) b "
            "WHERE a._id <> b._id")


def start(
    ws: Workspace,
    table: str,
    columns: list[str],
    *,
    right: str | None = None,
    rules: list[str] | None = None,
    on_progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> Run:
    """Block, compare and score `table` (or link `table` with `right`), unsupervised."""
    step = _Steps(on_progress, 6)
    run_id = uuid.uuid4().hex[:12]
    with ws.connect() as con:
        info = ws.table(table, con)
        cols = resolve_columns(con, info.name, columns)
        right_info = ws.table(right, con) if right else None
        if right_info is not None:
            right_cols = resolve_columns(con, right_info.name, [c.name for c in cols])
            cols = [c if c.kind == rc.kind else Column(c.name, "string") for c, rc in zip(cols, right_cols)]
        if len(cols) > features.MAX_COLUMNS:
            raise WorkbenchError(f"Compare at most {features.MAX_COLUMNS} columns at once.")
        run = Run(run_id, info.name, right_info.name if right_info else None, cols, [], 0, {},
                  Model(cols, np.zeros(0), np.zeros(0), 0.0), pd.DataFrame())  # fmt: skip
        _LIVE[run.id] = run
        con.execute("SET enable_progress_bar_print = false")
        con.execute("SET preserve_insertion_order = false")  # work tables need no order: faster, less memory
        with ws.transaction(con):
            sweep(con)
        with ws.transaction(con):
            con.execute(f"INSERT INTO {RUNS} VALUES (?, ?, ?)", [run.id, _this_process(), time.time()])
            _build(con, run, rules, step, cancel)
    return run


class _Steps:
    """Maps each step's own progress onto one bar."""

    def __init__(self, on_progress: Progress | None, total: int):
        self.on_progress, self.total, self.done = on_progress, total, 0

    def watch(self, label: str) -> Progress | None:
        if self.on_progress is None:
            return None
        base, total, report = self.done, self.total, self.on_progress
        self.done += 1
        report(base / total, label)
        return lambda fraction, _msg: report((base + fraction) / total, label)


def _build(con: duckdb.DuckDBPyConnection, run: Run, rules: list[str] | None, step: _Steps,
           cancel: threading.Event | None) -> None:
    _compare(con, run, rules, step, cancel)
    _fit(con, run, step)


def _compare(con: duckdb.DuckDBPyConnection, run: Run, rules: list[str] | None, step: _Steps,
             cancel: threading.Event | None) -> None:
    """Normalised records, blocking rules (given or suggested) and the candidate pairs with their patterns."""
    records, pairs = run.work("records"), run.work("pairs")
    sql = records_sql(run.table, run.columns, 0)
    if run.link:
        sql += " UNION ALL " + records_sql(run.right, run.columns, 1)
    run_watched(con, f"CREATE TABLE {records} AS {sql}", on_progress=step.watch("Normalising records"), cancel=cancel)
    run.n_records = con.execute(f"SELECT count(*) FROM {records}").fetchone()[0]
    if run.n_records < 2:
        raise WorkbenchError("There are fewer than two records: nothing to compare.")
    position = {c.name: i for i, c in enumerate(run.columns)}
    step.watch("Choosing blocking rules")
    if rules:
        run.rules = [blocking.parse_rule(text, run.columns) for text in rules]
    else:
        run.rules = blocking.suggest_rules(con, records, run.columns, run.n_records, run.link)
    candidates, params = candidates_sql(run.rules, position, records, run.link)
    run_watched(con, f"CREATE TABLE {pairs} AS {features.pattern_sql(run.columns, f'({candidates})', records)}",
                params, on_progress=step.watch("Comparing candidate pairs"), cancel=cancel)  # fmt: skip
    per_rule = dict(con.execute(f"SELECT rule, count(*) FROM {pairs} GROUP BY rule").fetchall())
    run.comparisons = {r.text(): int(per_rule.get(i, 0)) for i, r in enumerate(run.rules)}
    if not sum(run.comparisons.values()):
        raise WorkbenchError(
            "The blocking rules produced no candidate pairs: try looser rules (fewer keys or prefixes).")


def _fit(con: duckdb.DuckDBPyConnection, run: Run, step: _Steps) -> None:
    """u from random pairs, then EM over the pattern counts; the scores work table."""
    records, pairs = run.work("records"), run.work("pairs")
    step.watch("Estimating u from random pairs")
    random = features.pattern_sql(run.columns, f"({_random_pairs_sql(records, run.link)})", records)
    u_rows = con.execute(f"SELECT pattern, count(*) FROM ({random}) GROUP BY pattern").fetchall()
    step.watch("Fitting the model (EM)")
    by_rule = con.execute(f"SELECT pattern, rule, count(*) AS n FROM {pairs} GROUP BY ALL ORDER BY ALL").df()
    u = fellegi_sunter.estimate_u(run.columns, np.array([r[0] for r in u_rows]), np.array([r[1] for r in u_rows]))
    blocked = _blocked_columns(run)[by_rule["rule"].to_numpy()]
    run.model = fellegi_sunter.fit(run.columns, by_rule["pattern"].to_numpy(), by_rule["n"].to_numpy(), u, blocked,
                                   update_u=run.n_records >= REFINE_U_FROM)  # fmt: skip
    patterns = by_rule.groupby("pattern", as_index=False)["n"].sum()
    levels = fellegi_sunter.levels_matrix(patterns["pattern"], len(run.columns))
    patterns["fs"] = run.model.probability(levels)
    patterns["p"] = patterns["fs"]
    run.scores = patterns
    step.watch("Saving scores")
    _save_new_scores(con, run)
    if step.on_progress:
        step.on_progress(1.0, "Done")


def _save_new_scores(con: duckdb.DuckDBPyConnection, run: Run) -> None:
    values, params = frame_sql(run.scores[["pattern", "n", "fs", "p"]])
    con.execute(f"CREATE TABLE {run.work('scores')} AS SELECT * FROM {values}", params)


def rescore(con: duckdb.DuckDBPyConnection, table: str, columns: list[Column], rules: list[str], model: Model,
            probabilities: dict[int, float], cancel: threading.Event | None = None) -> tuple[Run, int]:
    """Block and compare `table` as a fitted run did, and score its pairs with that run's probabilities.

    Nothing is refitted: a pattern the fitted run scored (after labels) keeps its probability; a
    pattern it never saw gets the fitted model's. Returns the run and the number of pairs with such
    unseen patterns, for a replay's gap report. The caller drops the run's work tables (`drop_work`).
    """
    run = Run(uuid.uuid4().hex[:12], table, None, columns, [], 0, {}, model, pd.DataFrame())
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {WORK_SCHEMA}")
    _compare(con, run, rules, _Steps(None, 3), cancel)
    patterns = con.execute(f"SELECT pattern, count(*) AS n FROM {run.work('pairs')} GROUP BY pattern").df()
    patterns["fs"] = model.probability(fellegi_sunter.levels_matrix(patterns["pattern"], len(columns)))
    patterns["p"], unseen = portable.rescored(patterns["pattern"], probabilities, patterns["fs"])
    run.scores = patterns
    _save_new_scores(con, run)
    return run, int(patterns.loc[unseen, "n"].sum())


def _blocked_columns(run: Run) -> np.ndarray:
    """rules x columns: True where a pair of that rule was selected for agreeing on the column."""
    position = {c.name: i for i, c in enumerate(run.columns)}
    blocked = np.zeros((len(run.rules), len(run.columns)), dtype=bool)
    for i in range(len(run.rules)):
        for earlier in run.rules[: i + 1]:
            blocked[i, [position[k.column] for k in earlier.keys]] = True
    return blocked


def save_scores(ws: Workspace, run: Run) -> None:
    """Write the run's current probabilities back (after labels refined them)."""
    values, params = frame_sql(run.scores[["pattern", "n", "fs", "p"]])
    with ws.connect() as con, ws.transaction(con):
        con.execute(f"DELETE FROM {run.work('scores')}")
        con.execute(f"INSERT INTO {run.work('scores')} SELECT * FROM {values}", params)


def drop(ws: Workspace, run: Run) -> None:
    """Remove a run's work tables."""
    _LIVE.pop(run.id, None)
    with ws.connect() as con:
        drop_work(con, run)


def drop_work(con: duckdb.DuckDBPyConnection, run: Run) -> None:
    for part in ("records", "pairs", "scores", "clusters"):
        con.execute(f"DROP TABLE IF EXISTS {run.work(part)}")
    _ensure_registry(con)
    con.execute(f"DELETE FROM {RUNS} WHERE id = ?", [run.id])


def estimate_quality(run: Run, threshold: float) -> dict:
    """Expected precision and recall at `threshold`, from the model's own probabilities."""
    p, n = run.scores["p"].to_numpy(), run.scores["n"].to_numpy()
    above = p >= threshold
    expected_true = float((p * n).sum())
    kept = float(n[above].sum())
    true_kept = float((p[above] * n[above]).sum())
    return {
        "threshold": threshold,
        "pairs_above": int(kept),
        "precision": true_kept / kept if kept else 1.0,
        "recall": true_kept / expected_true if expected_true else 1.0,
    }


def histogram(run: Run, bins: int = 20) -> pd.DataFrame:
    """Pairs per band of match probability."""
    counts, edges = np.histogram(run.scores["p"], bins=bins, range=(0.0, 1.0), weights=run.scores["n"])
    return pd.DataFrame({"from": edges[:-1], "to": edges[1:], "pairs": counts.astype(np.int64)})
