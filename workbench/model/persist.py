"""Saving a fitted model pipeline and loading it back, safely.

A saved model is a skops file in the workspace's `models/` folder plus a row in
`_workbench.models` (its lineage, like a table's): the file name, its SHA-256,
the library versions it was fitted with, the table it learned from, the task,
target, features and classes, and its cross-validated scores.

Loading refuses a file whose SHA-256 changed since it was saved, and any type
outside `TRUSTED_TYPES`, declared once here: skops then builds only those
types (no pickle, so a crafted file cannot run code).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from workbench.errors import WorkbenchError
from workbench.metadata import SCHEMA
from workbench.names import table_name_from
from workbench.workspace import Workspace

MODELS_DIR = "models"
# Types our pipelines are made of that skops does not trust by default (checked by the tests against a
# fitted pipeline of every model kind with every kind of column).
TRUSTED_TYPES = frozenset({
    "numpy.dtype",
    "workbench.model.pipeline.ColumnTypes",
    "workbench.model.pipeline.DateParts",
    "workbench.model.pipeline.Median",
    "workbench.model.pipeline.RowCap",
    "workbench.model.pipeline.TextEncoder",
    "sklearn.compose._column_transformer._RemainderColsList",
    "sklearn.model_selection._split.KFold",
    "sklearn.model_selection._split.StratifiedKFold",
    "sklearn.tree._tree.Tree",
    "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn._loss.link.Interval",
    "sklearn._loss.link.IdentityLink",
    "sklearn._loss.link.LogitLink",
    "sklearn._loss.link.MultinomialLogit",
    "sklearn._loss.loss.HalfBinomialLoss",
    "sklearn._loss.loss.HalfMultinomialLoss",
    "sklearn._loss.loss.HalfSquaredError",
    "sklearn._loss._loss.CyHalfBinomialLoss",
    "sklearn._loss._loss.CyHalfMultinomialLoss",
    "sklearn._loss._loss.CyHalfSquaredError",
    "sklearn.metrics._dist_metrics.EuclideanDistance64",
    "sklearn.neighbors._kd_tree.KDTree",
    "sklearn.neighbors._ball_tree.BallTree",
})  # fmt: skip

DDL = f"""
CREATE TABLE IF NOT EXISTS {SCHEMA}.models (
    name VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    versions VARCHAR NOT NULL,   -- JSON: library versions at save time
    info VARCHAR NOT NULL,       -- JSON: model, task, target, features, classes, trained_on, scores
    created_at TIMESTAMP NOT NULL
);
"""


@dataclass
class FittedModel:
    """A fitted pipeline and what it needs to predict: the task, the target, the feature columns, the classes."""

    pipeline: Any
    model: str  # the model kind ("linear", ...)
    task: str
    target: str
    features: list[str]
    classes: list[Any] = field(default_factory=list)
    trained_on: str | None = None
    rows: int = 0
    scores: dict[str, Any] = field(default_factory=dict)  # metric -> {"mean", "std"} from cross-validation
    saved: dict[str, Any] | None = None  # name, file, sha256, versions once saved

    def info(self) -> dict[str, Any]:
        return {"model": self.model, "task": self.task, "target": self.target, "features": self.features,
                "classes": [_plain(c) for c in self.classes], "trained_on": self.trained_on, "rows": self.rows,
                "scores": self.scores}  # fmt: skip


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def versions() -> dict[str, str]:
    import numpy
    import pandas
    import sklearn
    import skops

    return {"scikit-learn": sklearn.__version__, "skops": skops.__version__, "numpy": numpy.__version__,
            "pandas": pandas.__version__}  # fmt: skip


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_file(home: Path, file: str, what: str) -> Path:
    """The file a saved model or a fitted step names, refused unless it lies in the workspace's `models/` folder:
    the name is read from the database, which any process with the file can write."""
    folder = (Path(home) / MODELS_DIR).resolve()
    path = (Path(home) / file).resolve()
    if not path.is_relative_to(folder):
        raise WorkbenchError(f"Refusing {what}: its file {file!r} is outside the workspace's {MODELS_DIR}/ folder.")
    if not path.is_file():
        raise WorkbenchError(f"The file of {what}, {file}, is missing from the workspace: fit it again.")
    return path


def _ensure(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)


def save(ws: Workspace, fitted: FittedModel, name: str) -> dict[str, Any]:
    """Write `models/<name>.skops` and its row in `_workbench.models` (replacing a model of that name)."""
    import skops.io as sio

    safe = table_name_from(name)
    folder = ws.home / MODELS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{safe}.skops"
    with tempfile.NamedTemporaryFile(dir=folder, suffix=".tmp", delete=False) as tmp:
        sio.dump(fitted.pipeline, tmp)
    tmp_path = Path(tmp.name)
    try:
        untrusted = [t for t in sio.get_untrusted_types(file=tmp_path) if t not in TRUSTED_TYPES]
        if untrusted:
            raise WorkbenchError(f"The model holds types the workbench does not trust: {', '.join(untrusted)}.")
        ref = {"name": safe, "file": f"{MODELS_DIR}/{path.name}", "sha256": sha256(tmp_path), "versions": versions()}
        with ws.connect() as con:
            _ensure(con)
            with ws.transaction(con):
                con.execute(f"DELETE FROM {SCHEMA}.models WHERE name = ?", [safe])
                now = datetime.now(UTC).replace(tzinfo=None)
                con.execute(f"INSERT INTO {SCHEMA}.models VALUES (?, ?, ?, ?, ?, ?)",
                            [safe, ref["file"], ref["sha256"], json.dumps(ref["versions"]),
                             json.dumps(fitted.info(), default=str), now])  # fmt: skip
                tmp_path.replace(path)  # the file lands only if the row is written; a failed commit leaves a stray file
    finally:
        tmp_path.unlink(missing_ok=True)
    fitted.saved = ref
    return ref


def saved_models(ws: Workspace) -> list[dict[str, Any]]:
    """Every saved model, newest first: name, file, sha256, versions and what it predicts."""
    with ws.connect() as con:
        _ensure(con)
        rows = con.execute(f"SELECT name, file, sha256, versions, info, created_at FROM {SCHEMA}.models "
                           "ORDER BY created_at DESC").fetchall()  # fmt: skip
    return [{"name": r[0], "file": r[1], "sha256": r[2], "versions": json.loads(r[3]), **json.loads(r[4]),
             "created_at": r[5].isoformat()} for r in rows]  # fmt: skip


def load(ws: Workspace, name: str) -> FittedModel:
    """The saved model `name`, after checking its SHA-256 and the types it holds."""
    from workbench.clean.portable import load_model

    found = [m for m in saved_models(ws) if m["name"] == table_name_from(name)]
    if not found:
        raise WorkbenchError(f"There is no saved model named {name!r} in {ws.home}.")
    ref = found[0]
    path = model_file(ws.home, ref["file"], f"the model {ref['name']!r}")
    try:  # the bytes hashed are the bytes loaded
        pipe = load_model(path, ref["sha256"], TRUSTED_TYPES)
    except ValueError as exc:  # changed since it was saved, or holding a type outside the trust list
        raise WorkbenchError(f"Refusing the model {ref['name']!r}: {exc}") from None
    except Exception as exc:  # a file skops cannot read is a user-facing failure
        raise WorkbenchError(f"Cannot read the model {ref['name']!r}: {exc}") from None
    return FittedModel(pipe, ref["model"], ref["task"], ref["target"], ref["features"], ref["classes"],
                       ref["trained_on"], ref["rows"], ref["scores"],
                       {k: ref[k] for k in ("name", "file", "sha256", "versions")})  # fmt: skip
