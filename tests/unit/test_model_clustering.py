"""Clustering planted groups: the silhouette picks their number, the profile names what sets each apart,
and the labels land in a new table with lineage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from tests.unit.model_tables import put
from workbench import WorkbenchError, model


@pytest.fixture
def blobs(ws):
    X, groups = make_blobs(n_samples=300, centers=[[0, 0, 0], [8, 0, 0], [0, 8, 0]], cluster_std=1.0, random_state=0)
    frame = pd.DataFrame(X, columns=["sweet", "acid", "tannin"])
    frame["bottle_id"] = np.arange(300)
    frame["planted"] = groups
    put(ws, "wines", frame)
    return ws


def test_kmeans_finds_the_planted_groups_and_the_profile_says_why(blobs):
    progress = []
    found = model.cluster(blobs, "wines", feature_columns=["sweet", "acid", "tannin"], k_range=range(2, 7),
                          on_progress=lambda f, m: progress.append(m))  # fmt: skip
    assert found.k == 3 and max(found.silhouettes, key=found.silhouettes.get) == 3
    assert found.silhouettes[3] > 0.4  # scaled: the noise-only tannin axis counts as much as the others
    assert set(found.mixture_bic) == {2, 3, 4, 5, 6} and found.mixture_silhouette > 0.4
    planted = found.rows.frame.index  # rows in table order
    truth = make_blobs(n_samples=300, centers=[[0, 0, 0], [8, 0, 0], [0, 8, 0]], random_state=0)[1]
    assert adjusted_rand_score(truth[planted], found.labels) > 0.95
    # the cluster around (8, 0, 0) stands out by 'sweet'
    label = int(pd.Series(found.labels[truth == 1]).mode()[0])
    assert found.top_features(label, 1)["feature"].tolist() == ["sweet"]
    assert found.top_features(label, 1)["smd"].iloc[0] > 1.5
    assert list(found.projection.columns) == ["pc1", "pc2", "cluster", "row"] and len(found.projection) == 300
    assert sum(found.sizes.values()) == 300
    assert "KMeans with k = 3" in " ".join(progress)
    import json

    summary = json.loads(json.dumps(found.as_dict()))
    assert summary["k"] == 3 and summary["task"] == "clustering" and len(summary["profile"]) == 3


def test_suggested_features_leave_the_identifier_out(blobs):
    found = model.cluster(blobs, "wines", k_range=[3])
    assert "bottle_id" in found.features.excluded
    assert found.features.used == ["sweet", "acid", "tannin", "planted"]


def test_labels_written_as_a_new_table_with_lineage(blobs):
    found = model.cluster(blobs, "wines", feature_columns=["sweet", "acid", "tannin"], k_range=[3],
                          method="gaussian_mixture")  # fmt: skip
    made = model.write_labels(blobs, found)
    assert (made.source_kind, made.operation, made.parents) == ("step", "cluster", ["wines"])
    assert made.parameters["method"] == "gaussian_mixture" and made.parameters["k"] == 3
    frame = blobs.preview(made.name, 1000)
    assert list(frame.columns) == ["sweet", "acid", "tannin", "bottle_id", "planted", "cluster"]
    assert frame["bottle_id"].tolist() == list(range(300))
    assert adjusted_rand_score(frame["planted"], frame["cluster"]) > 0.95
    with pytest.raises(WorkbenchError, match="already has a column 'cluster'"):
        model.write_labels(blobs, model.cluster(blobs, made.name, feature_columns=["sweet"], k_range=[2]))
