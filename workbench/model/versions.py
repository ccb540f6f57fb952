"""Did cleaning help? The same cross-validation on each version of a table, from the raw table to the current one.

    rows = versions.compare(ws, board, on_progress=print, cancel=event)   # one row per version

The cost is bounded: each version is scored with the board's best model beside the dummy only (not every
model of the board), so N versions cost 2 x N x folds fits, and the notes say so. Each version runs as the
leaderboard runs (worker processes, progress, Cancel within a poll).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import pandas as pd

from workbench.errors import Cancelled, WorkbenchError
from workbench.jobs import Progress
from workbench.model import leaderboard
from workbench.model.leaderboard import Leaderboard
from workbench.model.pipeline import MODELS
from workbench.workspace import Workspace


@dataclass
class Comparison:
    frame: pd.DataFrame  # version, step, model, mean, std, error: one row per version, raw first
    metric: str
    notes: list[str] = field(default_factory=list)


def compare(ws: Workspace, board: Leaderboard, *, on_progress: Progress | None = None,
            cancel: threading.Event | None = None) -> Comparison:  # fmt: skip
    """The board's best model (and the dummy) cross-validated on each version of the board's table."""
    from workbench.clean import recipe

    made = recipe.recipe(ws, board.table_name)
    if not made.steps:
        raise WorkbenchError(f"{board.table_name!r} was not made by cleaning steps: it has no earlier version.")
    best = board.best().name
    models = list(dict.fromkeys(["dummy", best]))
    versions = [made.root, *dict.fromkeys(made.tables)]
    steps = ["raw", *(s.describe() for s in made.steps)]
    report = on_progress or (lambda fraction, message: None)
    rows = []
    for i, version in enumerate(versions):
        def part(fraction: float, message: str, i: int = i, version: str = version) -> None:
            report((i + fraction) / len(versions), f"{version} ({i + 1} of {len(versions)}): {message}")

        row = {"version": version, "step": steps[i] if i < len(steps) else "", "model": MODELS[best].title,
               "mean": float("nan"), "std": float("nan"), "error": ""}  # fmt: skip
        try:
            val = board.validation  # the same validation on every version, so the scores compare
            other = leaderboard.run(ws, version, board.task.target, task=board.task.kind, folds=board.folds,
                                    models=models, text_columns=board.features.columns.text,
                                    validation=val.kind, time_column=val.column if val.kind == "time" else None,
                                    group=board.group, gap=val.gap, test_size=val.test_size, on_progress=part,
                                    cancel=cancel)  # fmt: skip
            result = other.result(best)
            if result.status == "done":
                row["mean"], row["std"] = result.mean(board.leading), result.std(board.leading)
            else:
                row["error"] = result.error or result.status
        except Cancelled:
            raise
        except WorkbenchError as exc:  # this version cannot be scored (a column gone...): said in its row
            row["error"] = str(exc)
        rows.append(row)
    report(1.0, "done")
    notes = [f"each version is scored with {MODELS[best].spoken} only, the best model on this board (beside the "
             f"dummy): {len(versions)} versions x {len(models)} models x {board.folds} folds = "
             f"{len(versions) * len(models) * board.folds} fits"]  # fmt: skip
    return Comparison(pd.DataFrame(rows), board.leading, notes)
