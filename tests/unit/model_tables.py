"""Tables for the model tests: scikit-learn's bundled datasets and small planted tables, as real DuckDB tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.metadata import record_table


def put(ws, name: str, frame: pd.DataFrame) -> str:
    with ws.connect() as con, con.cursor() as cur:
        cur.register("__frame", frame)
        cur.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM __frame")
        cur.unregister("__frame")
        record_table(cur, name, source_kind="file", operation="import")
    return name


def bundled(ws, name: str) -> str:
    from sklearn import datasets

    loader = {"wine": datasets.load_wine, "diabetes": datasets.load_diabetes,
              "breast_cancer": datasets.load_breast_cancer}[name]  # fmt: skip
    return put(ws, name, loader(as_frame=True).frame)


def mixed(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """Numbers, a boolean, a few colours, many cities, a date; a binary text target and a number target."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "x": rng.normal(size=n),
        "colour": rng.choice(["red", "green", "blue"], n),
        "city": [f"c{i}" for i in rng.integers(0, 40, n)],
        "when": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D"),
        "flag": rng.random(n) > 0.5,
    })  # fmt: skip
    frame["y"] = np.where(frame["x"] + (frame["colour"] == "red") + rng.normal(scale=0.3, size=n) > 0.5, "yes", "no")
    frame["v"] = frame["x"] * 3 + rng.normal(size=n)
    return frame


def tasting_notes(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """Free-text tasting notes whose words tell a red from a white (one word in five from the other colour),
    beside a weakly informative acidity; a few notes missing."""
    rng = np.random.default_rng(seed)
    words = {"red": ["cherry", "plum", "tannin", "leather", "tobacco"],
             "white": ["citrus", "apple", "butter", "mineral", "peach"]}  # fmt: skip
    filler = ["the", "wine", "shows", "notes", "of", "with", "a", "long", "finish", "and"]
    colour = rng.choice(["red", "white"], n)
    notes = []
    for c in colour:
        other = "white" if c == "red" else "red"
        picked = [rng.choice(words[c] if rng.random() > 0.2 else words[other]) for _ in range(2)]
        notes.append(" ".join([*rng.choice(filler, 4), *picked, *rng.choice(filler, 2)]))
    frame = pd.DataFrame({"notes": notes, "acidity": rng.normal(size=n) + (colour == "white") * 0.3,
                          "colour": colour})  # fmt: skip
    frame.loc[rng.choice(n, 5, replace=False), "notes"] = None
    return frame
