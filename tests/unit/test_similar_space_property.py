"""The space's distance split holds on any small mixed table: the parts add up to the distance (Euclidean and
Gower, with missing values and weights), Gower stays between 0 and 1, Euclidean equals the norm of the difference."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from workbench.similar import Space

values = st.one_of(st.none(), st.floats(-1e3, 1e3, allow_nan=False))


@st.composite
def tables(draw):
    n = draw(st.integers(2, 12))
    x = draw(st.lists(values, min_size=n, max_size=n).filter(lambda v: any(a is not None for a in v)))
    y = draw(st.lists(st.floats(-5, 5, allow_nan=False), min_size=n, max_size=n))
    kind = draw(st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "c"])), min_size=n, max_size=n)
                .filter(lambda v: any(a is not None for a in v)))
    weights = draw(st.fixed_dictionaries({}, optional={"x": st.floats(0, 5), "kind": st.floats(0.1, 5)}))
    return pd.DataFrame({"x": pd.array(x, dtype="Float64"), "y": y, "kind": pd.array(kind, dtype="string")}), weights


@given(tables(), st.sampled_from(["gower", "onehot"]), st.sampled_from(["zscore", "robust"]))
def test_parts_add_up_to_the_distance(table, categorical, scaling):
    frame, weights = table
    space = Space(["x", "y", "kind"], scaling=scaling, categorical=categorical, weights=weights).fit(frame)
    Z = space.transform(frame)
    for r in range(len(frame)):
        d = space.distances(Z, Z[r])
        parts = space.parts(Z, Z[r])
        assert np.allclose(parts.sum(axis=1), np.nan_to_num(d), atol=1e-9)
        assert (parts >= -1e-12).all() and d[r] == 0
        if categorical == "gower":
            assert ((d >= 0) & (d <= 1 + 1e-12)).all()
        else:
            assert np.allclose(d, np.linalg.norm(Z - Z[r], axis=1))
