"""The Python script that reproduces a Similar result with scikit-learn: the same columns, scaling and weights,
`NearestNeighbors(algorithm="brute")` for Euclidean distance, Gower's distance computed and ranked directly."""

from __future__ import annotations

from pathlib import Path

_HEAD = '''"""The {k} rows of {table} nearest to {refs_text}, as Workbench found them ({metric} distance).

Run it with Python: it prints rank, id, distance and nearest reference, one neighbour a line."""

import math

import duckdb
import numpy as np
import pandas as pd

DATABASE = {db!r}
TABLE = {table!r}
ID_COLUMN = {id_column!r}  # None: rows are named by their row number, from 1
REFERENCES = {references!r}
NUMERIC = {numeric!r}
CATEGORICAL = {categorical!r}
WEIGHTS = {weights!r}  # a weight multiplies the column's part of the distance
WHERE = {where!r}  # only rows meeting this condition are ranked
K = {k!r}


def q(name):
    return '"' + name.replace('"', '""') + '"'


columns = [*NUMERIC, *CATEGORICAL]
# an infinite number counts as missing, as in the workbench
select = [*(f"CASE WHEN isinf(CAST({{q(c)}} AS DOUBLE)) THEN NULL ELSE CAST({{q(c)}} AS DOUBLE) END AS {{q(c)}}"
            for c in NUMERIC),
          *(f"CAST({{q(c)}} AS VARCHAR) AS {{q(c)}}" for c in CATEGORICAL),
          *([] if ID_COLUMN is None else [f"{{q(ID_COLUMN)}} AS __id"]),
          f"coalesce(({{WHERE or 'true'}})::BOOLEAN, false) AS __keep"]
with duckdb.connect(DATABASE, read_only=True) as con:
    frame = con.execute(f"SELECT {{', '.join(select)}} FROM {{q(TABLE)}}").df()  # rows in their stored order
keep = frame.pop("__keep").to_numpy(dtype=bool)
ids = np.arange(1, len(frame) + 1) if ID_COLUMN is None else frame.pop("__id").to_numpy()
refs = np.flatnonzero(np.isin(ids, REFERENCES))
# the references and rows holding exactly a reference's values (duplicates) are not neighbours
same = np.zeros(len(frame), dtype=bool)
for r in refs:
    row = frame.iloc[r]
    same |= np.all([(frame[c] == row[c]).fillna(False).to_numpy(dtype=bool)
                    | (frame[c].isna() & pd.isna(row[c])).to_numpy() for c in columns], axis=0)
candidates = np.flatnonzero(keep & ~same)
'''

_EUCLIDEAN = '''
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.neighbors import NearestNeighbors
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, {scaler}

# numbers: {scaling_text}; a missing number becomes its centre (0 once scaled).
# categories: one 0/1 column per value, scaled by 1/sqrt(2) so one mismatch weighs like one unit of a number;
# a missing category becomes the most frequent one.
parts = []
if NUMERIC:
    parts.append(("numbers", make_pipeline({scaler}(), SimpleImputer(strategy="constant", fill_value=0.0)), NUMERIC))
if CATEGORICAL:
    parts.append(("categories", make_pipeline(SimpleImputer(strategy="most_frequent"),
                                              OneHotEncoder(sparse_output=False)), CATEGORICAL))
prep = ColumnTransformer(parts)
Z = prep.fit_transform(frame)  # fitted on every row of the table, as Workbench does
sources = list(NUMERIC)
if CATEGORICAL:
    encoder = prep.named_transformers_["categories"][-1]
    sources += [c for c, cats in zip(CATEGORICAL, encoder.categories_) for _ in cats]
scale = np.array([math.sqrt(WEIGHTS.get(c, 1.0)) * (1.0 if c in NUMERIC else 1 / math.sqrt(2)) for c in sources])
Z = Z * scale

nn = NearestNeighbors(n_neighbors=min(K, len(candidates)), algorithm="brute").fit(Z[candidates])
best = {{}}  # row -> (distance, reference)
for r in refs:
    distances, found = nn.kneighbors(Z[r:r + 1])
    for d, i in zip(distances[0], candidates[found[0]]):
        if i not in best or d < best[i][0]:
            best[i] = (d, ids[r])
'''

_GOWER = '''
# Gower's distance: a number's difference divided by its column's range, a category 0 when equal and 1 when not;
# the weighted mean over the columns present in both rows. scikit-learn has no Gower metric, and its
# NearestNeighbors(metric="precomputed") needs the full rows x rows matrix: the distances to each reference are
# computed here and ranked directly, which is what it would do with that matrix.
def gower_to(r):
    top, bottom = np.zeros(len(frame)), np.zeros(len(frame))
    for c in columns:
        w = WEIGHTS.get(c, 1.0)
        x, ref = frame[c], frame[c].iloc[r]
        present = x.notna().to_numpy() & (not pd.isna(ref))
        if c in NUMERIC:
            span = (x.max() - x.min()) or 1.0
            s = (x - ref).abs().to_numpy() / span
        else:
            s = (x != ref).to_numpy(dtype=float)
        top += np.where(present, w * np.nan_to_num(s), 0.0)
        bottom += np.where(present, w, 0.0)
    return np.where(bottom > 0, top / np.where(bottom > 0, bottom, 1.0), np.nan)


best = {{}}
for r in refs:
    d = gower_to(r)
    for i in candidates:
        if not np.isnan(d[i]) and (i not in best or d[i] < best[i][0]):
            best[i] = (d[i], ids[r])
'''

_TAIL = '''
ranked = sorted(best.items(), key=lambda item: (item[1][0], item[0]))[:K]
print("rank\\tid\\tdistance\\treference")
for rank, (i, (d, ref)) in enumerate(ranked, start=1):
    print(f"{{rank}}\\t{{ids[i]}}\\t{{d:.10f}}\\t{{ref}}")
'''


def code(result, db_path: str | Path) -> str:
    """A runnable script reproducing `result` from the workspace database at `db_path`."""
    space = result.space
    refs = [r for r in result.references]
    fill = dict(
        k=result.k, table=result.table, metric=result.metric, db=str(db_path), id_column=result.id_column,
        references=refs, numeric=list(space.numeric_), categorical=list(space.categorical_),
        weights={c: float(w) for c, w in zip(space.columns, space.weight_) if w != 1}, where=result.where,
        refs_text=f"{result.id_column or 'row number'} {', '.join(str(r) for r in refs)}",
    )  # fmt: skip
    body = _HEAD.format(**fill)
    if result.metric == "gower":
        body += _GOWER.format()
    else:
        robust = result.scaling == "robust"
        body += _EUCLIDEAN.format(
            scaler="RobustScaler" if robust else "StandardScaler",
            scaling_text=("in interquartile ranges from the median (robust)" if robust
                          else "in standard deviations from the mean (z-score)"),
        )  # fmt: skip
    return body + _TAIL.format()
