"""Tables for the Similar tests: scikit-learn's wine data with an id column, and small planted mixed tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.unit.model_tables import put


def wine_frame() -> pd.DataFrame:
    from sklearn.datasets import load_wine

    frame = load_wine(as_frame=True).frame.drop(columns="target")
    frame.insert(0, "id", np.arange(1, len(frame) + 1) * 10)  # ids that are not row numbers
    return frame


def wine(ws, name: str = "wine") -> pd.DataFrame:
    frame = wine_frame()
    put(ws, name, frame)
    return frame


def mixed(ws, name: str = "cellar") -> pd.DataFrame:
    """Numbers with a few missing values, a colour and a region, an id, free-text notes."""
    rng = np.random.default_rng(3)
    n = 60
    frame = pd.DataFrame({
        "code": [f"W{i:03d}" for i in range(n)],
        "price": rng.uniform(5, 80, n).round(2),
        "acidity": rng.normal(3.3, 0.2, n).round(3),
        "colour": rng.choice(["red", "white", "rose"], n),
        "region": rng.choice(["north", "south"], n),
        "notes": [f"a {w} wine with {v} notes of fruit and a long finish number {i}"
                  for i, (w, v) in enumerate(zip(rng.choice(["bold", "light", "dry"], n),
                                                 rng.choice(["cherry", "citrus", "oak"], n)))],
    })  # fmt: skip
    frame.loc[[4, 9], "price"] = np.nan
    frame.loc[[7], "colour"] = None
    put(ws, name, frame)
    return frame
