"""Steps that fit a scikit-learn estimator: fitted on a bounded sample, applied to every row in batches.

The fitted estimator is saved with skops in the workspace's `models/` folder,
named by its SHA-256; the step's state keeps the file name, the hash and the
library versions. Loading refuses a file whose hash changed and any type
outside `TRUSTED_TYPES` (skops' safe loading: nothing else is ever unpickled).
The transforms themselves live in `portable`, shared with the exports.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from workbench.clean import portable
from workbench.clean.step import Param, Step
from workbench.errors import WorkbenchError
from workbench.model.persist import model_file, sha256
from workbench.names import quote
from workbench.settings import LIMITS
from workbench.words import plural

MODELS_DIR = "models"
# Types the estimators of our steps are made of that skops does not trust by default.
TRUSTED_TYPES = frozenset({
    "numpy.dtype",
    "sklearn.impute._iterative.IterativeImputer",
    "sklearn.impute._iterative._ImputerTriplet",
    "sklearn.tree._tree.Tree",
    "sklearn.metrics._dist_metrics.EuclideanDistance64",
    "sklearn.neighbors._kd_tree.KDTree",
    "sklearn.neighbors._ball_tree.BallTree",
})  # fmt: skip

SAMPLE = Param("sample", "integer", "rows the model is fitted on (a random sample when the table is larger)",
               LIMITS.clean_fit_rows)  # fmt: skip


def versions() -> dict[str, str]:
    import sklearn
    import skops

    return {"scikit-learn": sklearn.__version__, "skops": skops.__version__, "numpy": np.__version__}


def save(home: Path, estimator: Any) -> dict[str, Any]:
    """Write the estimator as `models/<sha256>.skops`; return what the step's state keeps of it."""
    import skops.io as sio

    folder = Path(home) / MODELS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, suffix=".tmp", delete=False) as tmp:
        sio.dump(estimator, tmp)
    digest = sha256(Path(tmp.name))
    path = folder / f"{digest}.skops"
    Path(tmp.name).replace(path)
    return {"file": f"{MODELS_DIR}/{path.name}", "sha256": digest, "versions": versions()}


def load(home: Path, ref: dict[str, Any]) -> Any:
    """The estimator a step's state names, after checking its hash and the types it holds."""
    path = model_file(home, ref["file"], "the fitted model of a cleaning step")
    try:
        return portable.load_model(path, ref["sha256"], TRUSTED_TYPES)
    except ValueError as exc:
        raise WorkbenchError(f"Refusing the fitted model {ref['file']}: {exc}") from None


def sample(con: duckdb.DuckDBPyConnection, table: str, columns: list[str], rows: int,
           where: str | None = None) -> tuple[pd.DataFrame, int]:  # fmt: skip
    """A repeatable random sample of `rows` rows of numeric columns (as float, NULL as NaN), and the table's size."""
    cols = ", ".join(f"{quote(c)}::DOUBLE AS {quote(c)}" for c in columns)
    filt = f" WHERE {where}" if where else ""
    (total,) = con.execute(f"SELECT count(*) FROM {quote(table)}{filt}").fetchone()
    clause = f" USING SAMPLE reservoir({int(rows)} ROWS) REPEATABLE (42)" if total > rows else ""
    frame = con.execute(f"SELECT {cols} FROM (SELECT * FROM {quote(table)}{filt}){clause}").df()
    return frame, total


def as_matrix(frame: pd.DataFrame) -> np.ndarray:
    return frame.to_numpy(dtype=float, na_value=np.nan).copy()  # pandas 3 hands out read-only arrays


class LearnedStep(Step):
    """A step whose state includes a scikit-learn estimator fitted on a sample of numeric columns.

    `kind` names its transform in `portable.TRANSFORMS`; `work_columns` are what it computes per row.
    """

    python = True
    column_family = "numeric"
    estimator: Any = None
    kind: str

    def work_columns(self) -> list[tuple[str, str]]:
        raise NotImplementedError

    def make_estimator(self) -> Any:
        raise NotImplementedError

    def fit_frame(self, con: duckdb.DuckDBPyConnection, table: str) -> tuple[pd.DataFrame, int]:
        return sample(con, table, self.columns, self.sample)

    def learn(self, con, table, schema) -> dict[str, Any]:
        from threadpoolctl import threadpool_limits

        frame, total = self.fit_frame(con, table)
        if frame.empty:
            raise WorkbenchError(f"{self.operation}: no rows to fit on in {table!r}.")
        with threadpool_limits(LIMITS.clean_threads):
            self.estimator = self.fit_estimator(as_matrix(frame))
        return {"fitted_rows": len(frame), "table_rows": total}

    def fit_estimator(self, matrix: np.ndarray) -> Any:
        return self.make_estimator().fit(matrix)

    def notes(self, con: duckdb.DuckDBPyConnection, source: str, work: str) -> list[str]:
        """What a preview says of the computed work columns, beyond what changed (none by default)."""
        return []

    def persist(self, home: Path) -> None:
        """Save the fitted estimator and record it in the state (done when the step is applied)."""
        if "estimator" not in self.state:
            self.state["estimator"] = save(home, self.estimator)

    def load_estimator(self, home: Path) -> None:
        if self.estimator is None:
            self.estimator = load(home, self.state["estimator"])

    def sample_note(self) -> str:
        fitted, total = self.state.get("fitted_rows", 0), self.state.get("table_rows", 0)
        if fitted < total:
            return f"fitted on a random sample of {fitted:,} of {plural(total, 'row')}"
        return f"fitted on all {plural(total, 'row')}" if total != 1 else "fitted on its one row"
