"""Cleaning speed, quality and memory: the workbench's clean steps next to skrub, scikit-learn, DuckDB and pandas.

Three parts, each on generated data written once to benchmarks/.data/clean/
(with the truth beside it) and imported once into a workspace of its own. Each
side runs in its own process, the sides take turns `--runs` times, and the
figures are medians; peak memory is each process's VmHWM (benchmarks/measure.py).

1. spellings: a `--rows` text column with `--distinct` distinct values: 70% are
   made-up canonical names (one to three words, some accented; any two at least
   three edits apart once case, accents, spaces and doubled letters are set
   aside), 30% planted variants of them: case, spaces, accents, one typo, or two
   typos (on values of 10+ letters: two typos in a short word make another word).
   Canonical frequencies follow a Zipf law with a floor of 20 rows; a variant
   has 0.05%-20% of its canonical's rows (at least one row), so it is rarer.
   workbench: `clean.fit` of `cluster_spellings` (the GROUP BY over the rows and
   the clustering), the clustering alone on the (value, count) pairs, and the
   apply that writes the table; skrub `deduplicate` (peers' environment) on the
   same values with the same frequencies, within `--peer-timeout` seconds, and
   both again on a subset of about `--subset` distinct values (whole clusters).
   Precision and recall: a predicted variant -> canonical pair is right when it
   maps a planted variant to its true canonical.
2. impute: `--rows` x 10 correlated numeric columns (two latent factors plus
   noise; `--impute-rows`, default --rows), 5% of the cells missing, 0.05% of the rows planted far out.
   workbench: `clean.apply` of `knn_impute` and of `outlier_model`
   (isolation_forest), each fitted on its default sample and applied in batches;
   beside them plain scikit-learn in pandas, fitted on a sample of the same size
   and applied to all rows at once, under the same thread limit. Imputation
   RMSE against the truth and the planted outliers flagged are checked too.
3. chain: `--chain-rows` rows (default 10 x --rows); to_number, trim,
   change_case and null_values as four `clean.apply` calls (four tables), then
   `clean.recipe.replay` of the resulting recipe on the raw table (one call), next
   to ONE hand-written DuckDB CREATE TABLE AS doing the same, and pandas 3 string
   operations on the same Parquet file (reading it is timed apart). The three
   outputs must be equal on content (a hash of every row).

Targets (at 1M rows, 10,000 distinct, 10M chain rows): spelling fit <= 2 s with
precision and recall >= 0.95; KNN imputation <= 60 s; isolation forest <= 30 s;
the four-step chain <= 1.2x the single statement.

    PYTHONPATH=. .venv/bin/python benchmarks/clean.py                    # target sizes, with peers
    PYTHONPATH=. .venv/bin/python benchmarks/clean.py --rows 20000 --distinct 500 --runs 1 --no-peers
    PYTHONPATH=. .venv/bin/python benchmarks/clean.py --parts spellings --json
"""

from __future__ import annotations

import argparse
import json
import math
import random
import subprocess
import sys
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # run as a script, only benchmarks/ would be on the path

from benchmarks import measure

DATA_DIR = HERE / ".data" / "clean"
PARTS = ("spellings", "impute", "chain")
TARGETS = {"spelling_fit_s": 2.0, "precision": 0.95, "recall": 0.95, "knn_impute_s": 60.0, "isolation_forest_s": 30.0,
           "chain_ratio": 1.2}  # fmt: skip
SEED = 7
CANONICAL_SHARE = 0.7
MIN_CANONICAL_ROWS = 20
KINDS = {"case": 0.25, "spaces": 0.2, "accents": 0.15, "typo1": 0.28, "typo2": 0.12}
IMPUTE_COLUMNS = [f"x{j}" for j in range(1, 11)]
MISSING_PER_MILLE = 50  # 5% of the cells
OUTLIER_EVERY = 2000  # one row in 2,000 planted far out
CHAIN_TOKENS = ["n/a", "?", "", "null"]  # what the status column uses for "unknown" (after trim and lower)


def _words_key(text: str) -> str:
    """The benchmark's own notion of "the same name": no accents, no case, sorted words, no spaces,
    no doubled letters. Canonical names are kept three edits apart on it."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    joined = "".join(sorted(plain.split()))
    return "".join(ch for i, ch in enumerate(joined) if i == 0 or ch != joined[i - 1])


def _letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


# -- data: spellings ---------------------------------------------------------------------------

ONSETS = ["b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "br", "ch",
          "cl", "cr", "dr", "fl", "gr", "pl", "pr", "sh", "st", "tr", "th", "gl"]  # fmt: skip
VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "ou", "io", "y"]
CODAS = ["", "", "", "n", "r", "l", "s", "th", "ck", "m", "nd", "st"]
ACCENTED = {"a": "áàâä", "e": "éèêë", "i": "íî", "o": "óôö", "u": "úüù", "n": "ñ", "c": "ç"}


def _word(rng: random.Random) -> str:
    syllables = rng.choice([2, 2, 2, 3])
    word = "".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) for _ in range(syllables))
    return word.capitalize()


def _accent(text: str, rng: random.Random) -> str:
    """One letter given an accent (keeping its case); the text unchanged when it has none to take."""
    spots = [i for i, ch in enumerate(text) if ch.lower() in ACCENTED]
    if not spots:
        return text
    i = rng.choice(spots)
    mark = rng.choice(ACCENTED[text[i].lower()])
    return text[:i] + (mark.upper() if text[i].isupper() else mark) + text[i + 1 :]


def _name(rng: random.Random) -> str:
    name = " ".join(_word(rng) for _ in range(rng.choices([1, 2, 3], [0.4, 0.45, 0.15])[0]))
    return _accent(name, rng) if rng.random() < 0.15 else name


def canonical_names(n: int, rng: random.Random) -> list[str]:
    """`n` names, any two at least three edits apart on `_words_key` (greedy, in generation order)."""
    import numpy as np
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    names: list[str] = []
    while len(names) < n:
        pool, keys = list(names), {_words_key(v) for v in names}
        for _ in range(int((n - len(names)) * 1.3) + 10):
            candidate = _name(rng)
            if _words_key(candidate) not in keys:
                keys.add(_words_key(candidate))
                pool.append(candidate)
        pool_keys = [_words_key(v) for v in pool]
        kept = np.zeros(len(pool), dtype=bool)
        for start in range(0, len(pool), 2000):
            rows = range(start, min(start + 2000, len(pool)))
            near = process.cdist([pool_keys[i] for i in rows], pool_keys, scorer=Levenshtein.distance,
                                 score_cutoff=2, dtype=np.uint8, workers=2) <= 2  # fmt: skip
            for r, i in enumerate(rows):
                kept[i] = not (near[r] & kept).any()
        names = [pool[i] for i in np.flatnonzero(kept)][:n]
    return names


def _typo(text: str, edits: int, rng: random.Random) -> str:
    out = text
    for _ in range(edits):
        spots = [i for i, ch in enumerate(out) if ch.isalpha()]
        i = rng.choice(spots)
        letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
        letter = letter.upper() if out[i].isupper() else letter
        op = rng.choice(["substitute", "delete", "insert"])
        if op == "substitute" and letter.lower() != out[i].lower():
            out = out[:i] + letter + out[i + 1 :]
        elif op == "delete" and _letters(out) > 5:
            out = out[:i] + out[i + 1 :]
        else:
            out = out[: i + 1] + letter.lower() + out[i + 1 :]
    return out


def _variant(canonical: str, kind: str, rng: random.Random) -> str:
    if kind == "case":
        choices = [canonical.lower(), canonical.upper()]
        if " " in canonical:
            first, rest = canonical.split(" ", 1)
            choices.append(first + " " + rest.lower())
        return rng.choice(choices)
    if kind == "spaces":
        choices = [" " + canonical, canonical + " ", "  " + canonical + " "]
        if " " in canonical:
            choices.append(canonical.replace(" ", "  ", 1))
        return rng.choice(choices)
    if kind == "accents":
        stripped = unicodedata.normalize("NFKD", canonical).encode("ascii", "ignore").decode()
        return stripped if stripped != canonical else _accent(canonical, rng)
    return _typo(canonical, 2 if kind == "typo2" else 1, rng)


def plant(rows: int, distinct: int, seed: int = SEED) -> tuple[list[tuple[str, int]], list[dict]]:
    """(value, rows) for every distinct value, and the truth: each variant with its canonical and kind."""
    from rapidfuzz.distance import Levenshtein

    rng = random.Random(seed)
    n_canonical = max(2, round(distinct * CANONICAL_SHARE))
    names = canonical_names(n_canonical, rng)
    # Zipf frequencies above a floor, for 98% of the rows (the variants take about the rest)
    floor = max(2, min(MIN_CANONICAL_ROWS, int(rows * 0.5 / n_canonical)))
    weights = [1 / (i + 1) ** 0.9 for i in range(n_canonical)]
    spare = max(0, int(rows * 0.98) - floor * n_canonical)
    counts = {name: floor + int(spare * w / sum(weights)) for name, w in zip(names, weights)}
    taken = set(names) | {_words_key(v) for v in names}
    truth: list[dict] = []
    variant_counts: dict[str, int] = {}
    # more common values collect more variants (weight: square root of their rows)
    parents = rng.choices(names, [math.sqrt(counts[v]) for v in names], k=distinct - n_canonical)
    for parent in parents:
        for _ in range(50):
            kind = rng.choices(list(KINDS), list(KINDS.values()))[0]
            if kind == "typo2" and _letters(parent) < 10:
                kind = "typo1"
            value = _variant(parent, kind, rng)
            if value in taken or value in variant_counts:
                continue
            if kind.startswith("typo"):
                key = _words_key(value)
                if key in taken or Levenshtein.distance(key, _words_key(parent)) != int(kind[-1]):
                    continue
            share = math.exp(rng.uniform(math.log(0.0005), math.log(0.2 if kind[:4] != "typo" else 0.05)))
            variant_counts[value] = max(1, round(counts[parent] * share))
            truth.append({"variant": value, "canonical": parent, "kind": kind, "n": variant_counts[value]})
            break
    pairs = list(counts.items()) + list(variant_counts.items())
    excess = sum(n for _, n in pairs) - rows
    pairs[0] = (pairs[0][0], pairs[0][1] - excess)  # exactly `rows` rows: the commonest value absorbs the rest
    return pairs, truth


def subset_values(pairs: list[tuple[str, int]], truth: list[dict], size: int, seed: int = SEED) -> list[str]:
    """About `size` distinct values made of whole clusters (canonical names with all their variants)."""
    family: dict[str, list[str]] = {}
    for t in truth:
        family.setdefault(t["canonical"], []).append(t["variant"])
    canonicals = [v for v, _ in pairs if v not in {t["variant"] for t in truth}]
    random.Random(seed).shuffle(canonicals)
    chosen: list[str] = []
    for name in canonicals:
        if len(chosen) >= size:
            break
        chosen += [name, *family.get(name, [])]
    return chosen


def spelling_data(rows: int, distinct: int, subset: int, data_dir: Path = DATA_DIR) -> dict:
    """The files and the workspace (tables `spellings` and `spellings_subset`), made once."""
    import duckdb
    import pandas as pd

    from workbench import Workspace

    stem = data_dir / f"spellings_{rows}_{distinct}"
    files = {k: Path(f"{stem}_{k}.parquet") for k in ("rows", "truth", "counts")}
    files["subset_counts"] = Path(f"{stem}_subset{subset}_counts.parquet")
    home = Path(f"{stem}_subset{subset}_ws")
    if not all(f.exists() for f in files.values()):
        data_dir.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        pairs, truth = plant(rows, distinct)
        chosen = set(subset_values(pairs, truth, subset))
        counts = pd.DataFrame(pairs, columns=["value", "n"])
        subset_counts = counts[counts["value"].isin(chosen)]
        truth_frame = pd.DataFrame(truth, columns=["variant", "canonical", "kind", "n"])
        with duckdb.connect() as con:
            for key, frame in (("truth", truth_frame), ("counts", counts), ("subset_counts", subset_counts)):
                con.register("frame", frame)
                con.execute(f"COPY frame TO '{files[key]}' (FORMAT parquet)")
                con.unregister("frame")
            con.execute(f"""COPY (SELECT row_number() OVER (ORDER BY hash(value, k)) AS id, value AS name
                FROM (SELECT value, unnest(range(n)) AS k FROM '{files["counts"]}') ORDER BY id)
                TO '{files["rows"]}' (FORMAT parquet)""")  # fmt: skip
        print(f"generated {files['rows'].name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    ws = Workspace(home)
    if not ws.db_path.exists():
        with ws.connect() as con, ws.transaction(con):
            for table, sql in (("spellings", f"SELECT * FROM '{files['rows']}' ORDER BY id"),
                               ("spellings_subset", f"SELECT * FROM '{files['rows']}' WHERE name IN "
                                                    f"(SELECT value FROM '{files['subset_counts']}') ORDER BY id")):
                ws.create_table_as(con, table, sql, source_kind="file", operation="import",
                                   source_detail={"path": str(files["rows"])})  # fmt: skip
    return {"home": str(home), **{k: str(v) for k, v in files.items()}}


# -- data: impute --------------------------------------------------------------------------------

# Two latent normal factors (Box-Muller on hashes), each column a different mix of them plus noise,
# so the columns are correlated and a missing value can be told from the others.
IMPUTE_SQL = """
CREATE TABLE full_rows AS
WITH u AS (
  SELECT i, greatest((hash(i, 1) % 1000003) / 1000003.0, 1e-6) AS u1, (hash(i, 2) % 1000003) / 1000003.0 AS u2
  FROM range(?) t(i)
), z AS (
  SELECT i, sqrt(-2 * ln(u1)) * cos(2 * pi() * u2) AS z1, sqrt(-2 * ln(u1)) * sin(2 * pi() * u2) AS z2,
         CASE WHEN hash(i, 99) % {every} = 0 THEN 8.0 ELSE 0.0 END AS shift
  FROM u
)
SELECT i AS id, {columns} FROM z
"""


def impute_data(rows: int, data_dir: Path = DATA_DIR) -> dict:
    """The table with holes (workspace table `impute` and a Parquet file) and the values taken out."""
    import duckdb

    from workbench import Workspace

    path, truth = data_dir / f"impute_{rows}.parquet", data_dir / f"impute_{rows}_truth.parquet"
    home = data_dir / f"impute_{rows}_ws"
    if not (path.exists() and truth.exists()):
        data_dir.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        columns = []
        for j, c in enumerate(IMPUTE_COLUMNS):
            angle = math.pi * j / len(IMPUTE_COLUMNS)
            noise = f"((hash(i, {10 + j}) % 1000003) / 1000003.0 - 0.5) * 0.6"
            columns.append(f"{math.cos(angle):.4f} * z1 + {math.sin(angle):.4f} * z2 + {noise} + shift AS {c}")
        holes = ", ".join(f"CASE WHEN hash(id, {100 + j}) % 1000 < {MISSING_PER_MILLE} THEN NULL ELSE {c} END AS {c}"
                          for j, c in enumerate(IMPUTE_COLUMNS))  # fmt: skip
        taken = " UNION ALL ".join(f"SELECT id, '{c}' AS col, {c} AS value FROM full_rows "
                                   f"WHERE hash(id, {100 + j}) % 1000 < {MISSING_PER_MILLE}"
                                   for j, c in enumerate(IMPUTE_COLUMNS))  # fmt: skip
        with duckdb.connect() as con:
            con.execute(IMPUTE_SQL.format(every=OUTLIER_EVERY, columns=", ".join(columns)), [rows])
            con.execute(f"COPY (SELECT id, {holes}, hash(id, 99) % {OUTLIER_EVERY} = 0 AS planted_outlier "
                        f"FROM full_rows ORDER BY id) TO '{path}' (FORMAT parquet)")  # fmt: skip
            con.execute(f"COPY ({taken}) TO '{truth}' (FORMAT parquet)")
        print(f"generated {path.name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    ws = Workspace(home)
    if not ws.db_path.exists():
        with ws.connect() as con, ws.transaction(con):
            ws.create_table_as(con, "impute", f"SELECT * FROM '{path}' ORDER BY id", source_kind="file",
                               operation="import", source_detail={"path": str(path)})  # fmt: skip
    return {"home": str(home), "path": str(path), "truth": str(truth)}


# -- data: chain ---------------------------------------------------------------------------------

CHAIN_SQL = """
COPY (
  WITH h AS (SELECT i, hash(i, 1) % 1000 AS k, (hash(i, 2) % 1000003)::BIGINT AS h2,
                    (hash(i, 3) % 10000000) / 100.0 AS v FROM range(?) t(i))
  SELECT i AS id,
    CASE WHEN k < 10 THEN 'N/A' WHEN k < 15 THEN '' WHEN k < 20 THEN ' - '
         WHEN k < 400 THEN format('{{:,.2f}}', v) WHEN k < 500 THEN ' ' || format('{{:.2f}}', v) || ' '
         ELSE format('{{:.2f}}', v) END AS amount,
    CASE WHEN k % 7 = 0 THEN '  ' ELSE '' END || {first}[1 + h2 % 8] || CASE WHEN k % 5 = 0 THEN '   ' ELSE ' ' END
      || {last}[1 + (h2 // 8) % 8] || CASE WHEN k % 3 = 0 THEN ' ' ELSE '' END AS name,
    CASE WHEN k % 10 = 1 THEN upper(c) WHEN k % 10 = 2 THEN lower(c) ELSE c END AS city,
    CASE WHEN k % 50 = 0 THEN 'N/A' WHEN k % 50 = 1 THEN '?' WHEN k % 50 = 2 THEN '' WHEN k % 50 = 3 THEN ' null'
         ELSE ['active', 'inactive', 'pending'][1 + h2 % 3] END AS status
  FROM (SELECT *, {cities}[1 + (h2 // 64) % 8] AS c FROM h)
) TO '{path}' (FORMAT parquet)
"""
FIRST = ["Anna", "Bruno", "Chloé", "David", "Emma", "Farid", "Greta", "Hugo"]
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand"]
CITIES = ["Paris", "Lyon", "Marseille", "Toulouse", "Nantes", "Lille", "Bordeaux", "Nice"]

# amount mixes '1,234.56' and '12345.67': the style is given, as a user would after the preview
# (auto detection counts distinct values of each exact shape, and picks plain on this mix)
CHAIN_STEPS = [("to_number", "amount", {"style": "1,234.56"}), ("trim", "name", {}), ("change_case", "city", {}),
               ("null_values", "status", {})]  # fmt: skip

# The same four changes as one statement, as a DuckDB user would write it.
HAND_WRITTEN = """CREATE TABLE {out} AS SELECT id,
  TRY_CAST(replace(trim(amount), ',', '') AS DOUBLE) AS amount,
  regexp_replace(trim(name), ' +', ' ', 'g') AS name,
  lower(city) AS city,
  CASE WHEN lower(trim(status)) IN ({tokens}) THEN NULL ELSE status END AS status
FROM chain"""

CONTENT_HASH = "SELECT count(*), bit_xor(hash(id, amount, name, city, status)) FROM {table}"

# What a replay's gap report checks on these steps, as a careful DuckDB user would ask it: values
# of amount that do not convert, and how many of each step's input values are missing.
HAND_CHECKS = """SELECT count(*) FILTER (amount IS NOT NULL AND lower(trim(amount)) NOT IN ({tokens})
                             AND TRY_CAST(replace(trim(amount), ',', '') AS DOUBLE) IS NULL),
  count(*) - count(amount), count(*) - count(name), count(*) - count(city), count(*) - count(status)
FROM chain"""


def chain_data(rows: int, data_dir: Path = DATA_DIR) -> dict:
    import duckdb

    from workbench import Workspace

    path, home = data_dir / f"chain_{rows}.parquet", data_dir / f"chain_{rows}_ws"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        tmp = path.with_suffix(".tmp")
        with duckdb.connect() as con:
            con.execute(CHAIN_SQL.format(first=FIRST, last=LAST, cities=CITIES, path=tmp), [rows])
        tmp.rename(path)
        print(f"generated {path.name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    ws = Workspace(home)
    if not ws.db_path.exists():
        with ws.connect() as con, ws.transaction(con):
            ws.create_table_as(con, "chain", f"SELECT * FROM '{path}' ORDER BY id", source_kind="file",
                               operation="import", source_detail={"path": str(path)})  # fmt: skip
    return {"home": str(home), "path": str(path)}


# -- the sides, each in its own process ----------------------------------------------------------


def child_spellings(spec: dict) -> dict:
    """`clean.fit` of cluster_spellings on an open connection, the clustering alone, then the write."""
    from workbench import Workspace, clean
    from workbench.clean.categories import DEFAULT_METHODS, cluster_values

    ws = Workspace(spec["home"])
    step = clean.make("cluster_spellings", column="name")
    with ws.connect() as con:
        started = time.perf_counter()
        clean.fit(con, spec["table"], step)
        seconds = time.perf_counter() - started
        query = f"SELECT name, count(*) FROM {spec['table']} WHERE name IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1"
        counts = [(v, int(n)) for v, n in con.execute(query).fetchall()]
        started = time.perf_counter()
        cluster_values(counts, DEFAULT_METHODS)
        cluster_seconds = time.perf_counter() - started
    started = time.perf_counter()
    info = clean.apply(ws, spec["table"], step, fitted=True)
    apply_seconds = time.perf_counter() - started
    peak = measure.peak_mib()
    ws.drop(info.name)
    return {"seconds": seconds, "cluster_seconds": cluster_seconds, "apply_seconds": apply_seconds,
            "peak_mib": peak, "mapping": step.state["mapping"]}  # fmt: skip


def child_impute(spec: dict) -> dict:
    """`clean.apply` of knn_impute or outlier_model; then (not timed) what it wrote, against the truth."""
    from workbench import Workspace, clean

    ws = Workspace(spec["home"])
    if spec["op"] == "knn":
        step = clean.make("knn_impute", columns=IMPUTE_COLUMNS)
    else:
        step = clean.make("outlier_model", columns=IMPUTE_COLUMNS, method="isolation_forest")
    started = time.perf_counter()
    info = clean.apply(ws, "impute", step)
    seconds = time.perf_counter() - started
    out = {"seconds": seconds, "peak_mib": measure.peak_mib(), "fitted_rows": step.state["fitted_rows"]}
    with ws.connect() as con:
        if spec["op"] == "knn":
            out |= _impute_checks(con, info.name, spec["truth"])
        else:
            out |= _outlier_checks(con, info.name)
    ws.drop(info.name)
    return out


def _impute_checks(con, table: str, truth: str) -> dict:
    nulls = con.execute(f"SELECT {' + '.join(f'count(*) FILTER ({c} IS NULL)' for c in IMPUTE_COLUMNS)} "
                        f"FROM {table}").fetchone()[0]  # fmt: skip
    (rmse,) = con.execute(f"""SELECT sqrt(avg((u.v - t.value) ** 2)) FROM '{truth}' t JOIN
        (UNPIVOT (SELECT id, {', '.join(IMPUTE_COLUMNS)} FROM {table}) ON {', '.join(IMPUTE_COLUMNS)}
         INTO NAME col VALUE v) u USING (id, col)""").fetchone()  # fmt: skip
    return {"nulls_left": nulls, "rmse": rmse}


def _outlier_checks(con, table: str) -> dict:
    flagged, planted, caught = con.execute(f"SELECT count(*) FILTER (outlier), count(*) FILTER (planted_outlier), "
                                           f"count(*) FILTER (outlier AND planted_outlier) FROM {table}").fetchone()
    return {"flagged": flagged, "planted": planted, "planted_flagged": caught}


def child_sklearn(spec: dict) -> dict:
    """Plain scikit-learn in pandas: read the Parquet file, fit on a sample of the workbench's size, apply to all."""
    import numpy as np
    import pandas as pd
    from threadpoolctl import threadpool_limits

    from workbench.settings import LIMITS

    started = time.perf_counter()
    frame = pd.read_parquet(spec["path"])
    read_seconds = time.perf_counter() - started
    started = time.perf_counter()
    values = frame[IMPUTE_COLUMNS].to_numpy(dtype=float, na_value=np.nan)
    with threadpool_limits(LIMITS.clean_threads):
        if spec["op"] == "knn":
            from sklearn.impute import KNNImputer

            sample = values[np.random.default_rng(0).choice(len(values), min(LIMITS.clean_fit_rows, len(values)),
                                                            replace=False)]  # fmt: skip
            filled = KNNImputer(n_neighbors=5, keep_empty_features=True).fit(sample).transform(values)
        else:
            from sklearn.ensemble import IsolationForest

            complete = ~np.isnan(values).any(axis=1)
            rows = np.flatnonzero(complete)
            sample = values[np.random.default_rng(0).choice(rows, min(LIMITS.clean_fit_rows, len(rows)), replace=False)]
            model = IsolationForest(random_state=0).fit(sample)
            flags = np.zeros(len(values), dtype=bool)
            flags[complete] = model.predict(values[complete]) == -1
    seconds = time.perf_counter() - started
    out = {"seconds": seconds, "read_seconds": read_seconds, "peak_mib": measure.peak_mib()}
    import duckdb

    with duckdb.connect() as con:
        if spec["op"] == "knn":
            con.register("result", pd.DataFrame(filled, columns=IMPUTE_COLUMNS).assign(id=frame["id"].to_numpy()))
            out |= _impute_checks(con, "result", spec["truth"])
        else:
            con.register("result", pd.DataFrame({"outlier": flags, "planted_outlier": frame["planted_outlier"]}))
            out |= _outlier_checks(con, "result")
    return out


def child_chain_workbench(spec: dict) -> dict:
    """The four steps as four `clean.apply` calls, each writing its table."""
    from workbench import Workspace, clean

    ws = Workspace(spec["home"])
    table, made, seconds = "chain", [], []
    for operation, column, params in CHAIN_STEPS:
        started = time.perf_counter()
        table = clean.apply(ws, table, clean.make(operation, column=column, **params)).name
        seconds.append(time.perf_counter() - started)
        made.append(table)
    out = {"seconds": sum(seconds), "steps": seconds, "peak_mib": measure.peak_mib()}
    with ws.connect() as con:
        out["content"] = list(con.execute(CONTENT_HASH.format(table=table)).fetchone())
    # the fitted recipe of the last table, replayed on the raw one: one call, one table written
    from workbench.clean.recipe import replay

    started = time.perf_counter()
    replayed = replay(ws, table, on="chain").table.name
    out["replay_seconds"] = time.perf_counter() - started
    with ws.connect() as con:
        out["replay_content"] = list(con.execute(CONTENT_HASH.format(table=replayed)).fetchone())
    made.append(replayed)
    for name in reversed(made):
        ws.drop(name)
    return out


def child_chain_duckdb(spec: dict) -> dict:
    """The hand-written single CREATE TABLE AS, on a connection to the same workspace database."""
    from workbench import Workspace

    tokens = ", ".join("'" + t.replace("'", "''") + "'" for t in CHAIN_TOKENS)
    with Workspace(spec["home"]).connect() as con:
        con.execute("DROP TABLE IF EXISTS chain_by_hand")
        started = time.perf_counter()
        con.execute(HAND_WRITTEN.format(out="chain_by_hand", tokens=tokens))
        seconds = time.perf_counter() - started
        con.execute(HAND_CHECKS.format(tokens=tokens)).fetchall()
        checked = time.perf_counter() - started
        content = list(con.execute(CONTENT_HASH.format(table="chain_by_hand")).fetchone())
        con.execute("DROP TABLE chain_by_hand")
    return {"seconds": seconds, "checked_seconds": checked, "peak_mib": measure.peak_mib(), "content": content}


def child_chain_pandas(spec: dict) -> dict:
    """pandas 3 string operations on the same Parquet file (the read is timed apart)."""
    import duckdb
    import pandas as pd

    started = time.perf_counter()
    frame = pd.read_parquet(spec["path"])
    read_seconds = time.perf_counter() - started
    started = time.perf_counter()
    frame["amount"] = pd.to_numeric(frame["amount"].str.strip().str.replace(",", "", regex=False), errors="coerce")
    frame["name"] = frame["name"].str.strip().str.replace(r"\s+", " ", regex=True)
    frame["city"] = frame["city"].str.lower()
    frame["status"] = frame["status"].where(~frame["status"].str.strip().str.lower().isin(CHAIN_TOKENS))
    seconds = time.perf_counter() - started
    peak = measure.peak_mib()
    with duckdb.connect() as con:
        con.register("frame", frame)
        content = list(con.execute(CONTENT_HASH.format(table="frame")).fetchone())
    return {"seconds": seconds, "read_seconds": read_seconds, "peak_mib": peak, "content": content}


CHILDREN = {"spellings": child_spellings, "impute": child_impute, "sklearn": child_sklearn,
            "chain_workbench": child_chain_workbench, "chain_duckdb": child_chain_duckdb,
            "chain_pandas": child_chain_pandas}  # fmt: skip

# skrub's deduplicate in the peers' environment, on the values repeated as often as in the column
SKRUB = """
import json, sys, time
import numpy as np
import pandas as pd
from skrub import deduplicate
counts = pd.read_parquet(sys.argv[1])
values = np.repeat(counts["value"].to_numpy(dtype=object), counts["n"].to_numpy())
started = time.perf_counter()
table = deduplicate(values)
seconds = time.perf_counter() - started
table = table[~table.index.duplicated()]
mapping = {str(v): str(c) for v, c in zip(table.index, table.to_numpy()) if v != c}
status = open("/proc/self/status").read()  # VmHWM, not ru_maxrss: see benchmarks/measure.py peak_mib
peak = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")) / 1024
print(json.dumps({"seconds": seconds, "peak_mib": peak, "mapping": mapping}))
"""


def run_side(side: str, spec: dict, timeout: float | None = None) -> dict:
    """One side's figures, or {"timeout": seconds} when it had no result within `timeout`."""
    try:
        if side == "skrub":
            from benchmarks import peers

            return measure.run_child([str(peers.python()), "-c", SKRUB, spec["counts"]], what=side, timeout=timeout)
        return measure.run_script_child(__file__, side, json.dumps(spec), cwd=ROOT, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"timeout": timeout}


def interleaved_with_limit(sides: dict, runs: int, run: Callable[[str], dict]) -> dict[str, list[dict]]:
    """`measure.interleaved`, except that a side which once had no result in time is not waited for again."""
    timed_out: dict[str, dict] = {}

    def one(side: str) -> dict:
        if side not in timed_out:
            result = run(side)
            if "timeout" not in result:
                return result
            timed_out[side] = result
        return timed_out[side]

    return measure.interleaved(sides, runs, one)


# -- the parts -----------------------------------------------------------------------------------


def scores(mapping: dict[str, str], truth: dict[str, str]) -> dict:
    """Precision and recall of the predicted variant -> canonical pairs against the planted ones."""
    right = sum(1 for v, c in mapping.items() if truth.get(v) == c)
    return {"predicted": len(mapping), "right": right, "planted": len(truth),
            "precision": right / len(mapping) if mapping else 0.0,
            "recall": right / len(truth) if truth else 1.0}  # fmt: skip


def _summary(done: list[dict], keys: tuple[str, ...]) -> dict:
    out = measure.medians(done, keys)
    out["peak_mib"] = max(d["peak_mib"] for d in done)
    out["runs"] = len(done)
    return out


def part_spellings(args: argparse.Namespace) -> dict:
    import pandas as pd

    files = spelling_data(args.rows, args.distinct, args.subset, args.data)
    truth_frame = pd.read_parquet(files["truth"])
    truth = dict(zip(truth_frame["variant"], truth_frame["canonical"]))
    subset = set(pd.read_parquet(files["subset_counts"])["value"])
    truth_subset = {v: c for v, c in truth.items() if v in subset}
    home = files["home"]
    specs = {"workbench": ("spellings", {"home": home, "table": "spellings"}, truth),
             "workbench_subset": ("spellings", {"home": home, "table": "spellings_subset"}, truth_subset)}  # fmt: skip
    if args.peers:
        specs |= {"skrub": ("skrub", {"counts": files["counts"]}, truth),
                  "skrub_subset": ("skrub", {"counts": files["subset_counts"]}, truth_subset)}  # fmt: skip

    def one(side: str) -> dict:
        child, spec, _ = specs[side]
        return run_side(child, spec, timeout=args.peer_timeout if child == "skrub" else None)

    runs = interleaved_with_limit(specs, args.runs, one)
    result = {"rows": args.rows, "distinct": args.distinct, "subset_distinct": len(subset),
              "kinds": truth_frame["kind"].value_counts().to_dict()}  # fmt: skip
    for side, done in runs.items():
        if "timeout" in done[0]:
            result[side] = {"timeout": done[0]["timeout"]}
            continue
        keys = ("seconds", "cluster_seconds", "apply_seconds") if side.startswith("workbench") else ("seconds",)
        result[side] = _summary(done, keys) | scores(done[0]["mapping"], specs[side][2])
        if side == "workbench":
            result[side]["recall_by_kind"] = _recall_by_kind(done[0]["mapping"], truth_frame)
            result[side]["wrong_examples"] = _wrong(done[0]["mapping"], truth)[:8]
    for size in ("", "_subset"):
        wb, peer = result[f"workbench{size}"], result.get(f"skrub{size}", {})
        if "seconds" in peer:
            result[f"skrub_ratio{size}"] = peer["seconds"] / wb["seconds"]
    return result


def _recall_by_kind(mapping: dict[str, str], truth_frame) -> dict:
    out = {}
    for kind, group in truth_frame.groupby("kind"):
        found = sum(mapping.get(v) == c for v, c in zip(group["variant"], group["canonical"]))
        out[kind] = [int(found), len(group)]
    return out


def _wrong(mapping: dict[str, str], truth: dict[str, str]) -> list[list[str | None]]:
    """Predicted pairs that are wrong: [value, predicted canonical, true canonical or None]."""
    return [[v, c, truth.get(v)] for v, c in sorted(mapping.items()) if truth.get(v) != c]


def part_impute(args: argparse.Namespace) -> dict:
    files = impute_data(args.impute_rows, args.data)
    sides = {"knn": ("impute", "knn"), "isolation_forest": ("impute", "isolation_forest")}
    if args.peers:
        sides |= {"sklearn_knn": ("sklearn", "knn"), "sklearn_isolation_forest": ("sklearn", "isolation_forest")}

    def one(side: str) -> dict:
        child, op = sides[side]
        return run_side(child, files | {"op": op}, timeout=args.impute_timeout)

    runs = interleaved_with_limit(sides, args.runs, one)
    result: dict = {"rows": args.impute_rows, "columns": len(IMPUTE_COLUMNS), "timeout": args.impute_timeout}
    for side, done in runs.items():
        if "timeout" in done[0]:
            result[side] = {"timeout": done[0]["timeout"]}
            continue
        result[side] = _summary(done, ("seconds", "read_seconds") if side.startswith("sklearn") else ("seconds",))
        result[side] |= {k: v for k, v in done[0].items() if k not in ("seconds", "read_seconds", "peak_mib")}
    for op in ("knn", "isolation_forest"):
        if "seconds" in result[op] and "seconds" in result.get(f"sklearn_{op}", {}):
            result[f"{op}_ratio"] = result[op]["seconds"] / result[f"sklearn_{op}"]["seconds"]
    return result


def part_chain(args: argparse.Namespace) -> dict:
    files = chain_data(args.chain_rows, args.data)
    sides = {"workbench": "chain_workbench", "duckdb": "chain_duckdb", "pandas": "chain_pandas"}
    runs = measure.interleaved(sides, args.runs, lambda side: run_side(sides[side], files))
    result: dict = {"rows": args.chain_rows}
    for side, done in runs.items():
        result[side] = _summary(done, {"pandas": ("seconds", "read_seconds"),
                                       "duckdb": ("seconds", "checked_seconds")}.get(side, ("seconds",)))
        result[side]["content"] = done[0]["content"]
        if side == "workbench":
            result[side]["steps"] = [measure.median(d["steps"][i] for d in done) for i in range(len(CHAIN_STEPS))]
            result[side]["replay_seconds"] = measure.median(d["replay_seconds"] for d in done)
    reference = result["duckdb"]["content"]
    result["equal"] = {"workbench": result["workbench"]["content"] == reference,
                       "replay": runs["workbench"][0]["replay_content"] == reference,
                       "pandas": result["pandas"]["content"] == reference}  # fmt: skip
    result["ratio"] = result["workbench"]["seconds"] / result["duckdb"]["seconds"]
    result["replay_ratio"] = result["workbench"]["replay_seconds"] / result["duckdb"]["seconds"]
    result["replay_checked_ratio"] = result["workbench"]["replay_seconds"] / result["duckdb"]["checked_seconds"]
    result["pandas_ratio"] = result["pandas"]["seconds"] / result["duckdb"]["seconds"]
    return result



# -- the report ----------------------------------------------------------------------------------


def _ok(good: bool) -> str:
    return "ok" if good else "MISSED"


def report_spellings(r: dict) -> None:
    print(f"\n== Spelling clusters: {r['rows']:,} rows, {r['distinct']:,} distinct values "
          f"({r['workbench']['planted']:,} planted variants: "
          + ", ".join(f"{k} {n:,}" for k, n in sorted(r["kinds"].items())) + ")")  # fmt: skip
    print(f"{'side':<34}{'distinct':>9}{'seconds':>10}{'peak MiB':>10}{'precision':>11}{'recall':>8}")
    rows = (("workbench", "workbench cluster_spellings fit", r["distinct"]),
            ("skrub", "skrub deduplicate", r["distinct"]),
            ("workbench_subset", "workbench fit, subset", r["subset_distinct"]),
            ("skrub_subset", "skrub deduplicate, subset", r["subset_distinct"]))  # fmt: skip
    for side, label, distinct in rows:
        if side not in r:
            continue
        s = r[side]
        if "timeout" in s:
            print(f"{label:<34}{distinct:>9,}   no result in {s['timeout']:.0f} s")
            continue
        print(f"{label:<34}{distinct:>9,}{s['seconds']:>10.2f}{s['peak_mib']:>10.0f}{s['precision']:>11.4f}"
              f"{s['recall']:>8.4f}")  # fmt: skip
    wb = r["workbench"]
    print(f"workbench: clustering alone {wb['cluster_seconds']:.2f} s of the fit; apply (write the table) "
          f"{wb['apply_seconds']:.2f} s; {wb['predicted']:,} pairs predicted, {wb['right']:,} right")
    by_kind = sorted(wb["recall_by_kind"].items())
    print("workbench recall by kind: " + ", ".join(f"{k} {a}/{b}" for k, (a, b) in by_kind))
    if wb["wrong_examples"]:
        print("workbench wrong pairs (value -> predicted, truth): "
              + "; ".join(f"{v!r} -> {c!r} ({t!r})" for v, c, t in wb["wrong_examples"][:5]))  # fmt: skip
    for size, label in (("", "full"), ("_subset", "subset")):
        if f"skrub_ratio{size}" in r:
            print(f"skrub / workbench time, {label}: {r[f'skrub_ratio{size}']:.1f}x")
    print(f"targets: fit {wb['seconds']:.2f} s <= {TARGETS['spelling_fit_s']} s: "
          f"{_ok(wb['seconds'] <= TARGETS['spelling_fit_s'])}; precision {wb['precision']:.4f} >= "
          f"{TARGETS['precision']}: {_ok(wb['precision'] >= TARGETS['precision'])}; recall {wb['recall']:.4f} >= "
          f"{TARGETS['recall']}: {_ok(wb['recall'] >= TARGETS['recall'])}")  # fmt: skip


def report_impute(r: dict) -> None:
    print(f"\n== KNN imputation and isolation forest: {r['rows']:,} rows x {r['columns']} numeric columns, "
          f"5% of the cells missing")  # fmt: skip
    print(f"{'side':<38}{'seconds':>10}{'peak MiB':>10}   check")
    rows = (("knn", "workbench knn_impute (apply)"), ("sklearn_knn", "scikit-learn KNNImputer, pandas"),
            ("isolation_forest", "workbench outlier_model (apply)"),
            ("sklearn_isolation_forest", "scikit-learn IsolationForest, pandas"))  # fmt: skip
    for side, label in rows:
        if side not in r:
            continue
        s = r[side]
        if "timeout" in s:
            print(f"{label:<38}   no result in {s['timeout']:.0f} s")
            continue
        check = (f"RMSE {s['rmse']:.3f}, NULLs left {s['nulls_left']}" if "rmse" in s
                 else f"flagged {s['flagged']:,}, planted outliers flagged {s['planted_flagged']}/{s['planted']} "
                 "(rows with a missing value are not scored)")
        read = f" (+ read {s['read_seconds']:.2f} s)" if s.get("read_seconds") else ""
        print(f"{label:<38}{s['seconds']:>10.2f}{s['peak_mib']:>10.0f}   {check}{read}")
    for op in ("knn", "isolation_forest"):
        if f"{op}_ratio" in r:
            print(f"workbench / scikit-learn time, {op}: {r[f'{op}_ratio']:.2f}x")
    shown = []
    for side, label, target in (("knn", "knn_impute", TARGETS["knn_impute_s"]),
                                ("isolation_forest", "isolation forest", TARGETS["isolation_forest_s"])):  # fmt: skip
        seconds = r[side].get("seconds", math.inf)
        took = f"{seconds:.1f} s" if seconds < math.inf else f"no result in {r[side]['timeout']:.0f} s"
        shown.append(f"{label} {took} (target <= {target:.0f} s): {_ok(seconds <= target)}")
    print("targets: " + "; ".join(shown))


def report_chain(r: dict) -> None:
    print(f"\n== Chain of four SQL steps (to_number, trim, change_case, null_values): {r['rows']:,} rows")
    print(f"{'side':<42}{'seconds':>10}{'peak MiB':>10}  same content")
    wb = r["workbench"]
    print(f"{'workbench, four clean.apply (sum)':<42}{wb['seconds']:>10.2f}{wb['peak_mib']:>10.0f}  "
          f"{'yes' if r['equal']['workbench'] else 'NO'}")
    for (operation, _, _), seconds in zip(CHAIN_STEPS, wb["steps"]):
        print(f"{'    ' + operation:<42}{seconds:>10.2f}")
    print(f"{'workbench, recipe.replay on the raw table':<42}{wb['replay_seconds']:>10.2f}{'':>10}  "
          f"{'yes' if r['equal']['replay'] else 'NO'}")
    dd, pd_ = r["duckdb"], r["pandas"]
    print(f"{'hand-written DuckDB, one CREATE TABLE AS':<42}{dd['seconds']:>10.2f}{dd['peak_mib']:>10.0f}  (reference)")
    print(f"{'    + the checks the gap report makes':<42}{dd['checked_seconds']:>10.2f}")
    print(f"{'pandas 3 str ops':<42}{pd_['seconds']:>10.2f}{pd_['peak_mib']:>10.0f}  "
          f"{'yes' if r['equal']['pandas'] else 'NO'}  (+ read {pd_['read_seconds']:.2f} s)")
    best = min(r["ratio"], r["replay_ratio"])
    print(f"workbench / hand-written: four applies {r['ratio']:.2f}x, replay {r['replay_ratio']:.2f}x "
          f"(target <= {TARGETS['chain_ratio']}x: {_ok(best <= TARGETS['chain_ratio'])}); "
          f"pandas / hand-written: {r['pandas_ratio']:.2f}x")
    print(f"replay / hand-written with the same checks: {r['replay_checked_ratio']:.2f}x (the gap report reads "
          "and converts the amount column again to find the values that do not convert)")


def main(argv: list[str] | None = None) -> dict:
    cli = measure.parser(__doc__, child=("SIDE", "SPEC"))
    cli.description, cli.formatter_class = __doc__, argparse.RawDescriptionHelpFormatter
    cli.add_argument("--rows", type=lambda t: measure.row_counts(t)[0], default=1_000_000,
                     help="rows of the spelling column and of the imputation table")  # fmt: skip
    cli.add_argument("--impute-rows", type=lambda t: measure.row_counts(t)[0], help="rows of the imputation table "
                     "(default: --rows)")  # fmt: skip
    cli.add_argument("--distinct", type=int, default=10_000, help="distinct values of the spelling column")
    cli.add_argument("--chain-rows", type=lambda t: measure.row_counts(t)[0], help="rows of the chain (10 x --rows)")
    cli.add_argument("--subset", type=int, default=1_000, help="distinct values of the subset skrub can do")
    cli.add_argument("--peer-timeout", type=float, default=120.0, help="seconds skrub gets before 'no result'")
    cli.add_argument("--impute-timeout", type=float, default=600.0, help="seconds each imputation or outlier "
                     "side gets before 'no result'")  # fmt: skip
    cli.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated, of: {', '.join(PARTS)}")
    cli.add_argument("--no-peers", dest="peers", action="store_false", help="skip skrub and scikit-learn")
    cli.add_argument("--data", type=Path, default=DATA_DIR, help="where the generated files and workspaces go")
    args = cli.parse_args(argv)
    if args.child:
        side, spec = args.child
        print(json.dumps(CHILDREN[side](json.loads(spec)), default=str))
        return {}
    args.chain_rows = args.chain_rows or 10 * args.rows
    args.impute_rows = args.impute_rows or args.rows
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        cli.error(f"unknown part {unknown[0]!r}; the parts are {', '.join(PARTS)}")
    results: dict = {"targets": TARGETS, "runs": args.runs}
    for part, run, show in (("spellings", part_spellings, report_spellings), ("impute", part_impute, report_impute),
                            ("chain", part_chain, report_chain)):  # fmt: skip
        if part in parts:
            results[part] = run(args)
            if not args.json:
                show(results[part])
                sys.stdout.flush()
    if args.json:
        print(json.dumps(results, default=str))
    return results


if __name__ == "__main__":
    main()
