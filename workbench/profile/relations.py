"""How columns relate: correlations, Cramer's V, missing-value patterns, correspondence analysis.

Aggregates and contingency tables are computed in DuckDB; numpy only sees
bounded matrices (pairs of columns, top categories). Scatter plots use a
reservoir sample whose size the caller shows.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from itertools import combinations

import duckdb
import numpy as np
import pandas as pd

from workbench import settings
from workbench.errors import WorkbenchError
from workbench.names import quote
from workbench.profile.result import ColumnProfile
from workbench.profile.stats import number_sql

MAX_CATEGORIES = 30  # per column in a contingency table; the rest is lumped into "(other)"
OTHER, MISSING = "(other)", "(missing)"
# why a column is not among a chart's columns, by what it holds (ColumnProfile.semantic)
WHY_LEFT_OUT = {
    "numeric": "numbers: see Correlations",
    "categorical": "categories, not numbers: see Cramér's V",
    "boolean": "yes/no values: see Cramér's V",
    "datetime": "dates",
    "identifier": "identifiers: they label rows, they do not measure anything",
    "text": "free text",
    "empty": "no values",
    "other": "neither numbers nor categories",
}


def numbers(columns: list[ColumnProfile]) -> list[str]:
    """The columns whose values are quantities: numbers, and text holding numbers (not identifiers, not a
    single value throughout)."""
    return [c.name for c in columns if c.semantic == "numeric" and _distinct(c) >= 2]


def categories(columns: list[ColumnProfile], most: int = 2 * MAX_CATEGORIES) -> list[str]:
    """The categorical and yes/no columns with 2 to `most` categories."""
    return [c.name for c in columns if c.semantic in ("categorical", "boolean") and 2 <= _distinct(c) <= most]


def _distinct(col: ColumnProfile) -> int:
    return col.stats.get("distinct") or 0


def left_out(columns: list[ColumnProfile], shown: Collection[str]) -> dict[str, list[str]]:
    """The columns not in `shown`, grouped by why (a sentence each), in the table's order."""
    why: dict[str, list[str]] = {}
    for col in columns:
        if col.name in shown:
            continue
        if col.semantic != "empty" and _distinct(col) < 2:
            reason = "a single value throughout"
        elif col.semantic == "categorical" and _distinct(col) > 2 * MAX_CATEGORIES:
            reason = f"more than {2 * MAX_CATEGORIES} categories"
        else:
            reason = WHY_LEFT_OUT[col.semantic or "other"]
        why.setdefault(reason, []).append(col.name)
    return why


def colours(columns: list[ColumnProfile]) -> list[str]:
    """The columns a scatter can be coloured by: categories few enough to tell apart (settings: scatter_colours)."""
    return categories(columns, settings.LIMITS.scatter_colours)


def most_associated(matrix: pd.DataFrame) -> tuple[str, str] | None:
    """The pair of columns with the highest value off the diagonal of an association matrix (Cramér's V, or
    the absolute value of Pearson's r), None when there is no pair."""
    values = matrix.where(~np.eye(len(matrix), dtype=bool)).stack().dropna()
    return tuple(values.idxmax()) if len(values) else None


def _as_double(column: str, as_text: Collection[str]) -> str:
    return number_sql(column, column in as_text)


def first(columns: list[str]) -> list[str]:
    """The columns a matrix shows: the first `relations_max_columns` (settings) of them."""
    return columns[: settings.LIMITS.relations_max_columns]


def correlations(con: duckdb.DuckDBPyConnection, table: str, columns: list[str],
                 as_text: Collection[str] = ()) -> pd.DataFrame:  # fmt: skip
    """Pearson correlation of every pair of the `first` numeric columns, in one pass; the columns of
    `as_text` are text read as the numbers they hold (a pair leaves out the rows where either is no number)."""
    columns = first(columns)
    pairs = list(combinations(columns, 2))
    matrix = pd.DataFrame(np.eye(len(columns)), index=columns, columns=columns)
    if not pairs:
        return matrix
    exprs = ", ".join(f"corr({_as_double(a, as_text)}, {_as_double(b, as_text)})" for a, b in pairs)
    row = con.execute(f"SELECT {exprs} FROM {quote(table)}").fetchone()
    for (a, b), r in zip(pairs, row):
        matrix.loc[a, b] = matrix.loc[b, a] = np.nan if r is None else r
    return matrix


def _category(column: str) -> str:
    return f"coalesce({quote(column)}::VARCHAR, '{MISSING}')"


def contingency(con: duckdb.DuckDBPyConnection, table: str, a: str, b: str) -> pd.DataFrame:
    """Counts of each pair of categories of `a` (rows) and `b` (columns); rare ones lumped together."""
    if a == b:
        raise WorkbenchError("Choose two different columns.")
    sql = f"""
    WITH t AS (SELECT {_category(a)} AS a, {_category(b)} AS b FROM {quote(table)}),
    ta AS (SELECT a FROM t GROUP BY a ORDER BY count(*) DESC, a LIMIT ?),
    tb AS (SELECT b FROM t GROUP BY b ORDER BY count(*) DESC, b LIMIT ?)
    SELECT coalesce(ta.a, ?) AS a, coalesce(tb.b, ?) AS b, count(*) AS n
    FROM t LEFT JOIN ta ON t.a = ta.a LEFT JOIN tb ON t.b = tb.b GROUP BY ALL
    """
    df = con.execute(sql, [MAX_CATEGORIES, MAX_CATEGORIES, OTHER, OTHER]).df()
    return df.pivot_table(index="a", columns="b", values="n", aggfunc="sum", fill_value=0).rename_axis(
        index=a, columns=b
    )


def cramers_v_table(counts: pd.DataFrame) -> float:
    """Cramer's V of a contingency table (bias-corrected, Bergsma 2013)."""
    observed = counts.to_numpy(dtype=float)
    n = observed.sum()
    r, k = observed.shape
    if n == 0 or r < 2 or k < 2:
        return float("nan")
    expected = observed.sum(1, keepdims=True) * observed.sum(0, keepdims=True) / n
    chi2 = ((observed - expected) ** 2 / expected).sum()
    phi2 = max(0.0, chi2 / n - (k - 1) * (r - 1) / (n - 1))
    rc, kc = r - (r - 1) ** 2 / (n - 1), k - (k - 1) ** 2 / (n - 1)
    denominator = min(kc - 1, rc - 1)
    return float(np.sqrt(phi2 / denominator)) if denominator > 0 else float("nan")


def cramers_v(con: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> pd.DataFrame:
    """Cramer's V of every pair of the `first` categorical columns (0: independent, 1: one determines the other)."""
    columns = first(columns)
    matrix = pd.DataFrame(np.eye(len(columns)), index=columns, columns=columns)
    for a, b in combinations(columns, 2):
        matrix.loc[a, b] = matrix.loc[b, a] = cramers_v_table(contingency(con, table, a, b))
    return matrix


@dataclass
class Correspondence:
    """Correspondence analysis (AFC) of a contingency table: principal coordinates of rows and columns."""

    rows: pd.DataFrame  # index: categories of the row variable; columns: dim1, dim2, mass
    columns: pd.DataFrame
    explained: list[float]  # share of inertia of each dimension
    inertia: float


def correspondence(counts: pd.DataFrame, dims: int = 2) -> Correspondence:
    """CA by SVD of the standardized residuals (Greenacre): S = D_r^-1/2 (P - r c^T) D_c^-1/2."""
    counts = counts.loc[counts.sum(axis=1) > 0, counts.sum(axis=0) > 0]
    if min(counts.shape) < 2:
        raise WorkbenchError("Correspondence analysis needs at least two categories in each column.")
    p = counts.to_numpy(dtype=float, copy=True)
    p = p / p.sum()
    r, c = p.sum(1), p.sum(0)
    s = (p - np.outer(r, c)) / np.sqrt(np.outer(r, c))
    u, sigma, vt = np.linalg.svd(s, full_matrices=False)
    inertia = float((sigma**2).sum())
    dims = min(dims, len(sigma))
    row_coords = (u[:, :dims] * sigma[:dims]) / np.sqrt(r)[:, None]
    col_coords = (vt.T[:, :dims] * sigma[:dims]) / np.sqrt(c)[:, None]
    names = [f"dim{i + 1}" for i in range(dims)]
    rows = pd.DataFrame(row_coords, index=counts.index.astype(str), columns=names).assign(mass=r)
    cols = pd.DataFrame(col_coords, index=counts.columns.astype(str), columns=names).assign(mass=c)
    explained = [float(v) / inertia if inertia else 0.0 for v in sigma[:dims] ** 2]
    return Correspondence(rows, cols, explained, inertia)


def missing_pattern(con: duckdb.DuckDBPyConnection, table: str, columns: list[str], top: int = 15) -> pd.DataFrame:
    """The most frequent combinations of missing columns (True = missing), with their row counts."""
    if not columns:
        return pd.DataFrame()
    flags = ", ".join(f"{quote(c)} IS NULL AS {quote(c)}" for c in first(columns))
    return con.execute(
        f"SELECT {flags}, count(*) AS rows FROM {quote(table)} GROUP BY ALL ORDER BY rows DESC LIMIT ?", [top]
    ).df()


def missing_together(con: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> pd.DataFrame:
    """Correlation of the missing-value indicators of the `first` columns: 1 means always missing together."""
    columns = first(columns)
    matrix = pd.DataFrame(np.eye(len(columns)), index=columns, columns=columns)
    pairs = list(combinations(columns, 2))
    if pairs:
        exprs = ", ".join(f"corr(({quote(a)} IS NULL)::INT, ({quote(b)} IS NULL)::INT)" for a, b in pairs)
        for (a, b), v in zip(pairs, con.execute(f"SELECT {exprs} FROM {quote(table)}").fetchone()):
            matrix.loc[a, b] = matrix.loc[b, a] = np.nan if v is None else v
    return matrix


def sample(con: duckdb.DuckDBPyConnection, table: str, columns: list[str], rows: int | None = None,
           as_text: Collection[str] = ()) -> pd.DataFrame:  # fmt: skip
    """A reservoir sample of up to `rows` (default: settings' scatter_rows) of `columns`, the same rows every call;
    the columns of `as_text` read as the numbers they hold (NULL where a value is no number)."""
    rows = rows or settings.LIMITS.scatter_rows
    names = ", ".join(f"{_as_double(c, as_text)} AS {quote(c)}" if c in as_text else quote(c) for c in columns)
    return con.execute(
        f"SELECT {names} FROM {quote(table)} USING SAMPLE reservoir({int(rows)} ROWS) REPEATABLE (42)"
    ).df()
