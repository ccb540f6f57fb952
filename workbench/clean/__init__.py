"""Clean: reversible steps that write new tables, recorded as recipes that replay on new data.

    step = clean.make("cluster_spellings", column="colour")
    clean.preview(ws, "paint", step)      # what it would change; writes nothing
    clean.apply(ws, "paint", step)        # a new table with lineage; `paint` is untouched
    clean.replay(ws, "paint_v2", on="paint_test")   # the fitted recipe on new data + a gap report

Each operation is a `Step` (step.py): parameters when made, `fit` learns its
state from one table, `select` applies it. The registry below maps the
operation names used in lineage, on the command line and on the page to them.
"""

from __future__ import annotations

from typing import Any

from workbench.clean import categories, missing, outliers, structure, text
from workbench.clean.run import Preview, apply, fit, preview
from workbench.clean.step import Step
from workbench.errors import WorkbenchError
from workbench.workspace import Workspace

OPERATIONS: dict[str, type[Step]] = {
    cls.operation: cls
    for module in (categories, text, missing, outliers, structure)
    for cls in module.OPERATIONS
}

__all__ = ["OPERATIONS", "Preview", "Step", "apply", "describe_operations", "fit", "fit_on", "make", "preview",
           "rebuild"]


def make(operation: str, **params: Any) -> Step:
    """A new, unfitted step; unknown operations and bad parameters fail with a message for the user."""
    if operation not in OPERATIONS:
        raise WorkbenchError(f"Unknown cleaning operation {operation!r}; the operations are: {', '.join(OPERATIONS)}.")
    return OPERATIONS[operation](**params)


def fit_on(ws: Workspace, table: str, step: Step) -> Step:
    """Fit `step` on a table of the workspace (to look at its state before applying it)."""
    with ws.connect() as con:
        return fit(con, ws.table(table, con).name, step)


def rebuild(saved: dict[str, Any]) -> Step:
    """A fitted step from what lineage kept of it (`run.lineage`), ready to apply to another table."""
    from workbench.clean.merge_step import DedupeMerge  # made by the Dedupe page, replayed here

    kind = DedupeMerge if saved["operation"] == DedupeMerge.operation else OPERATIONS.get(saved["operation"])
    if kind is None:
        raise WorkbenchError(f"Unknown cleaning operation {saved['operation']!r} in this table's lineage.")
    step = kind(**saved["params"])
    step.state = saved["state"]
    return step


def describe_operations() -> list[dict[str, Any]]:
    """Every operation with its parameters: what `workbench clean operations` prints."""
    return [
        {"operation": name, "title": cls.title, "explain": cls.explain, "python": cls.python,
         "params": [p.as_dict() for p in cls.PARAMS]}
        for name, cls in OPERATIONS.items()
    ]  # fmt: skip
