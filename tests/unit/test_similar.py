"""Similar rows: neighbours and distances against scikit-learn's NearestNeighbors on the same scaled data, Gower
against a hand computation, contributions adding up to the distance, and what is left out and said."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.neighbors import NearestNeighbors
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, OneHotEncoder, RobustScaler, StandardScaler

from tests.unit.similar_tables import mixed, wine
from workbench import similar
from workbench.errors import WorkbenchError
from workbench.model.features import FREE_TEXT, IDENTIFIER
from workbench.similar.columns import ID_COLUMN

pytestmark = pytest.mark.usefixtures("fresh_similar_cache")


def sklearn_neighbours(Z: np.ndarray, ref: int, k: int, metric: str = "euclidean", keep=None):
    """Ids (0-based positions) and distances of the k nearest rows to row `ref`, the reference itself left out."""
    rows = np.arange(len(Z)) if keep is None else np.flatnonzero(keep)
    nn = NearestNeighbors(algorithm="brute", metric=metric).fit(Z[rows])
    dist, idx = nn.kneighbors(Z[ref:ref + 1], k + 1)
    pairs = [(rows[i], d) for i, d in zip(idx[0], dist[0]) if rows[i] != ref][:k]
    return np.array([p for p, _ in pairs]), np.array([d for _, d in pairs])


@pytest.mark.parametrize("scaling, scaler", [("zscore", StandardScaler), ("robust", RobustScaler)])
def test_neighbours_equal_sklearn_brute_on_the_same_scaling(ws, scaling, scaler):
    frame = wine(ws)
    features = frame.drop(columns="id")
    Z = scaler().fit_transform(features)
    result = similar.find(ws, "wine", ["1000"], id_column="id", k=10, scaling=scaling)
    positions, distances = sklearn_neighbours(Z, 99, 10)
    assert result.metric == "euclidean" and result.columns == list(features.columns)
    assert result.rows["id"].tolist() == frame["id"].to_numpy()[positions].tolist()
    assert np.allclose(result.rows["distance"], distances, rtol=1e-5)
    assert result.rows["rank"].tolist() == list(range(1, 11)) and set(result.rows["reference"]) == {1000}
    assert np.allclose(result.contributions.sum(axis=1), result.rows["distance"], rtol=1e-9)
    assert result.left_out == {"id": ID_COLUMN}
    # the scaling note with the table's own numbers
    assert result.notes[0] == ("proline runs 278-1,680 and nonflavanoid_phenols 0.13-0.66: without scaling "
                               "proline alone would decide who is near.")  # fmt: skip
    assert result.reference_rows["proline"].tolist() == [frame["proline"][99]]


def test_contribution_is_the_weighted_squared_difference_over_the_distance(ws):
    frame = wine(ws)
    features = frame.drop(columns="id")
    Z = StandardScaler().fit_transform(features)
    result = similar.find(ws, "wine", ["10"], id_column="id", k=3)
    first = int(result.rows["id"][0]) // 10 - 1
    d = np.linalg.norm(Z[first] - Z[0])
    expected = (Z[first] - Z[0]) ** 2 / d
    assert np.allclose(result.contributions.iloc[0].to_numpy(), expected)


def test_one_hot_categories_equal_a_column_transformer(ws):
    frame = mixed(ws)
    num, cat = ["price", "acidity"], ["colour", "region"]
    prep = ColumnTransformer([
        ("num", make_pipeline(StandardScaler(), SimpleImputer(strategy="constant", fill_value=0.0)), num),
        ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(sparse_output=False)), cat),
    ])  # fmt: skip
    Z = prep.fit_transform(frame)
    Z[:, 2:] /= math.sqrt(2)  # one category mismatch weighs like one standard deviation
    result = similar.find(ws, "cellar", ["W005"], id_column="code", columns="price,acidity,colour,region",
                          categorical="onehot", k=8)  # fmt: skip
    positions, distances = sklearn_neighbours(Z, 5, 8)
    assert result.metric == "euclidean"
    assert result.rows["id"].tolist() == frame["code"].to_numpy()[positions].tolist()
    assert np.allclose(result.rows["distance"], distances)
    # one-hot parts summed back to their column, all adding up to the distance
    assert list(result.contributions.columns) == ["price", "acidity", "colour", "region"]
    assert np.allclose(result.contributions.sum(axis=1), result.rows["distance"])
    assert "price is missing in 2 rows: filled with its mean" in " ".join(result.notes)


def test_gower_equals_sklearn_manhattan_over_p_on_range_scaled_numbers(ws):
    frame = wine(ws)
    features = frame.drop(columns="id")
    R = MinMaxScaler().fit_transform(features)
    result = similar.find(ws, "wine", ["50"], id_column="id", k=10, categorical="gower")
    positions, distances = sklearn_neighbours(R, 4, 10, metric="manhattan")
    assert result.metric == "gower"
    assert result.rows["id"].tolist() == frame["id"].to_numpy()[positions].tolist()
    assert np.allclose(result.rows["distance"], distances / features.shape[1])
    assert np.allclose(result.contributions.sum(axis=1), result.rows["distance"])


def test_gower_on_a_mixed_table_by_hand_with_missing_values(ws):
    frame = mixed(ws)
    result = similar.find(ws, "cellar", ["W004"], id_column="code", k=59)  # auto: categories -> Gower
    assert result.metric == "gower" and result.columns == ["price", "acidity", "colour", "region"]
    ref = frame.iloc[4]  # its price is missing: the price is skipped for every pair (Gower's rule)
    span = {c: frame[c].max() - frame[c].min() for c in ("price", "acidity")}

    def gower(row) -> tuple[float, dict]:
        parts = {}
        for c in ("price", "acidity"):
            if not (np.isnan(row[c]) or np.isnan(ref[c])):
                parts[c] = abs(row[c] - ref[c]) / span[c]
        for c in ("colour", "region"):
            if not (pd.isna(row[c]) or pd.isna(ref[c])):
                parts[c] = float(row[c] != ref[c])
        return sum(parts.values()) / len(parts), {c: v / len(parts) for c, v in parts.items()}

    for _, got in result.rows.iterrows():
        row = frame[frame["code"] == got["id"]].iloc[0]
        d, parts = gower(row)
        assert math.isclose(got["distance"], d, rel_tol=1e-6), got["id"]
        assert np.allclose([result.contributions.loc[_, c] for c in parts], list(parts.values()))
        assert result.contributions.loc[_, "price"] == 0
    assert np.allclose(result.contributions.sum(axis=1), result.rows["distance"])
    assert ("price is missing in 2 rows: those rows are compared on the other columns only (Gower's rule: a "
            "column missing in either row is skipped).") in result.notes  # fmt: skip


def test_identifier_and_free_text_left_out_with_the_model_reasons(ws):
    mixed(ws)
    result = similar.find(ws, "cellar", ["3"], k=2)
    assert result.left_out == {"code": IDENTIFIER, "notes": FREE_TEXT}
    assert result.rows["reference"].tolist() == [3, 3]
    assert similar.find(ws, "cellar", ["W003"], id_column="code", k=2).left_out == {"code": ID_COLUMN,
                                                                                      "notes": FREE_TEXT}


def test_weights_change_the_ranking_as_expected(ws):
    frame = wine(ws)
    features = frame.drop(columns="id")
    Z = StandardScaler().fit_transform(features)
    plain = similar.find(ws, "wine", ["10"], id_column="id", k=5)
    no_proline = similar.find(ws, "wine", ["10"], id_column="id", k=5, weights={"proline": 0})
    positions, distances = sklearn_neighbours(np.delete(Z, features.columns.get_loc("proline"), axis=1), 0, 5)
    assert no_proline.rows["id"].tolist() == ((positions + 1) * 10).tolist()
    assert np.allclose(no_proline.rows["distance"], distances)
    assert (no_proline.contributions["proline"] == 0).all()
    assert plain.rows["id"].tolist() != no_proline.rows["id"].tolist()
    heavy = similar.find(ws, "wine", ["10"], id_column="id", k=5, weights={"alcohol": 4})
    Zw = Z.copy()
    Zw[:, features.columns.get_loc("alcohol")] *= 2  # a weight of 4 multiplies the squared difference
    positions, distances = sklearn_neighbours(Zw, 0, 5)
    assert heavy.rows["id"].tolist() == ((positions + 1) * 10).tolist()
    assert np.allclose(heavy.rows["distance"], distances)
    assert "Weights: alcohol counts x4" in " ".join(heavy.notes)


def test_several_references_report_the_nearest(ws):
    frame = wine(ws)
    Z = StandardScaler().fit_transform(frame.drop(columns="id"))
    result = similar.find(ws, "wine", ["10", "1500"], id_column="id", k=15)
    assert result.references == [10, 1500]
    both = np.linalg.norm(Z[:, None, :] - Z[[0, 149]][None, :, :], axis=2)
    both[[0, 149]] = np.inf
    best = np.min(both, axis=1)
    order = np.argsort(best, kind="stable")[:15]
    assert result.rows["id"].tolist() == ((order + 1) * 10).tolist()
    assert np.allclose(result.rows["distance"], best[order])
    assert result.rows["reference"].tolist() == [[10, 1500][i] for i in np.argmin(both[order], axis=1)]
    assert {10, 1500} <= set(result.rows["reference"])  # both references have neighbours here
    assert np.allclose(result.contributions.sum(axis=1), result.rows["distance"])
    assert "The 2 reference rows are left out of the neighbours." in result.notes


def test_references_and_exact_duplicates_left_out_and_counted(ws):
    from tests.unit.model_tables import put

    frame = wine(ws, "base")
    twin = frame.iloc[[0, 0]].copy()
    twin["id"] = [9001, 9002]
    put(ws, "wine", pd.concat([frame, twin], ignore_index=True))
    result = similar.find(ws, "wine", ["10"], id_column="id", k=5)
    assert 9001 not in result.rows["id"].tolist() and 9002 not in result.rows["id"].tolist()
    assert result.counts["duplicates"] == 2 and result.counts["references"] == 1
    assert ("2 rows with the same values as a reference in every compared column were left out (exact "
            "duplicates).") in result.notes  # fmt: skip
    assert (result.rows["distance"] > 0).all()


def test_filter_applies_before_ranking(ws):
    frame = wine(ws)
    Z = StandardScaler().fit_transform(frame.drop(columns="id"))  # the scaling is the whole table's
    keep = (frame["proline"] > 1000).to_numpy()
    result = similar.find(ws, "wine", ["1000"], id_column="id", k=6, where="proline > 1000")
    positions, distances = sklearn_neighbours(Z, 99, 6, keep=keep | (np.arange(len(frame)) == 99))
    assert result.rows["id"].tolist() == frame["id"].to_numpy()[positions].tolist()
    assert (result.rows["proline"] > 1000).all() and np.allclose(result.rows["distance"], distances)
    removed = int((~keep).sum())
    assert (f"The filter proline > 1000 keeps {keep.sum()} rows of 178: {removed} rows were removed before "
            "ranking.") in result.notes  # fmt: skip


def test_second_query_is_served_from_the_cache(ws):
    wine(ws)
    similar.find(ws, "wine", ["10"], id_column="id")
    from workbench.similar import neighbours

    assert len(neighbours._CACHE) == 1
    again = similar.find(ws, "wine", ["20"], id_column="id", k=3)
    assert len(neighbours._CACHE) == 1 and len(again.rows) == 3


@pytest.mark.parametrize("kwargs, message", [
    ({"to": ["999"], "id_column": "id"}, "No row of wine has id = 999."),
    ({"to": ["179"]}, "No row of wine has row number 179 (it has 178 rows, numbered from 1)."),
    ({"to": ["10"], "id_column": "id", "columns": "alcohol,nope"}, "wine has no column 'nope'"),
    ({"to": ["10"], "id_column": "id", "columns": "alcohol", "exclude": "hue"},
     "Give either the columns to compare or the columns to leave out, not both."),
    ({"to": ["10"], "id_column": "id", "k": 0}, "k, the number of neighbours, must be a whole number of 1 or more"),
    ({"to": ["10"], "id_column": "id", "where": "proline > 99999"}, "The filter 'proline > 99999' keeps no row"),
])  # fmt: skip
def test_bad_input_says_what_is_wrong(ws, kwargs, message):
    wine(ws)
    with pytest.raises(WorkbenchError) as exc:
        similar.find(ws, "wine", **kwargs)
    assert message in str(exc.value)


def test_a_table_of_one_row_and_no_usable_column(ws):
    from tests.unit.model_tables import put

    put(ws, "one", pd.DataFrame({"x": [1.0], "y": [2.0]}))
    with pytest.raises(WorkbenchError, match="one has 1 row: there is no other row to compare with."):
        similar.find(ws, "one", ["1"])
    put(ws, "flat", pd.DataFrame({"x": [1.0] * 30, "name": [f"n{i}" for i in range(30)]}))
    with pytest.raises(WorkbenchError, match="No column of flat can be compared"):
        similar.find(ws, "flat", ["1"])


def test_space_alone_is_scikit_learn_shaped(ws):
    frame = wine(ws).drop(columns="id")
    space = similar.Space(list(frame.columns), scaling="robust")
    Z = space.fit_transform(frame)
    assert space.metric == "euclidean" and space.get_params()["scaling"] == "robust"
    assert np.allclose(Z, RobustScaler().fit_transform(frame))
    parts = space.parts(Z[:5], Z[7])
    assert np.allclose(parts.sum(axis=1), np.linalg.norm(Z[:5] - Z[7], axis=1))


def test_too_many_categories_for_one_hot_are_refused_and_gower_takes_them(ws):
    from tests.unit.model_tables import put

    put(ws, "many", pd.DataFrame({"x": np.arange(300.0), "kind": [f"k{i % 150}" for i in range(300)]}))
    with pytest.raises(WorkbenchError, match="'kind' has 150 different values: too many for one-hot columns"):
        similar.find(ws, "many", ["1"], columns="x,kind", categorical="onehot")
    assert similar.find(ws, "many", ["1"], columns="x,kind", k=1).rows["id"].tolist() == [151]


def test_a_cancel_stops_the_ranking(ws):
    import threading

    from workbench.errors import Cancelled

    wine(ws)
    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled):
        similar.find(ws, "wine", ["10"], id_column="id", cancel=stop)
    seen = []
    similar.find(ws, "wine", ["10"], id_column="id", on_progress=lambda f, m: seen.append(f))
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)


def test_an_id_held_by_several_rows_makes_each_a_reference(ws):
    from tests.unit.model_tables import put

    frame = wine(ws, "base")
    frame["batch"] = ["b1" if i < 3 else f"c{i}" for i in range(len(frame))]
    put(ws, "wine", frame)
    result = similar.find(ws, "wine", ["b1"], id_column="batch", k=4, exclude="id")
    assert result.counts["references"] == 3 and result.references == ["b1"]
    assert "3 rows hold the 1 id given (b1): each of them is a reference." in result.notes
    assert not set(result.rows["id"]) & {"b1"}


def test_suggest_and_json_values_and_a_date_id(ws):
    from tests.unit.model_tables import put

    frame = wine(ws, "base")
    frame["day"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(len(frame)), unit="D")
    put(ws, "wine", frame)
    used, left_out = similar.suggest(ws, "wine", id_column="day")
    assert "day" not in used and left_out["day"] == ID_COLUMN and left_out["id"] == IDENTIFIER
    result = similar.find(ws, "wine", ["2024-01-05"], id_column="day", k=2)
    assert result.reference_rows["alcohol"].tolist() == [frame["alcohol"][4]]
    first = result.as_dict()["neighbours"][0]
    position = frame.index[frame["day"] == result.rows["id"][0]][0]
    assert first["values"] == {c: float(frame[c][position]) for c in used}
