"""Cleaning refitted inside the folds: the board on a cleaned table fits the recipe's steps on each fold's rows.

A table made by Clean steps that learn from the data (a fill value, an imputer, fences, a category mapping)
carries what they learned from every row, the validation rows of each fold included. The board then reads
the rows the recipe started from and puts the steps, as one scikit-learn transformer
(`workbench.clean.transformer.RecipeTransformer`), at the head of every pipeline: refitted on the fold's
training rows, applied to its validation rows.

Two kinds of step cannot go inside the folds:

* steps that change the rows (filters, dropping duplicates or missing values, dedupe merges, removing
  outliers): a transformer must keep every row in place. The folds read the table right after the last such
  step, with the steps up to it applied as they were fitted (on the whole table), and the board says so;
* a step that learned from the target column together with others (a KNN or iterative imputation, an
  outlier model over the target): even refitted in the fold, it would read the validation rows' answers when
  applied to them. It is target leakage: the board leaves it out, names it and says why.

    plan = refit.plan(con, "train_v3", "Survived")   # None when no step learns anything
    plan.transformer()                               # the steps the folds refit, unfitted
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb

from workbench.errors import WorkbenchError
from workbench.metadata import column_types
from workbench.model.task import Warning
from workbench.names import quote

if TYPE_CHECKING:  # workbench.clean imports workbench.model: its modules are imported where used
    from workbench.clean.step import Step

ROW_STEPS = frozenset({"drop_missing", "filter_rows", "drop_duplicates", "dedupe"})


def changes_rows(step: Step) -> bool:
    return step.operation in ROW_STEPS or step.params.get("action") == "remove"


def uses_target(step: Step, target: str) -> bool:
    """A step that learns from the target together with other columns: what it writes depends on the answer."""
    from workbench.clean.learned import LearnedStep

    inputs = step.inputs()
    return isinstance(step, LearnedStep) and target in inputs and len(inputs) > 1


@dataclass
class Refit:
    base: str  # the table the folds read
    steps: list[dict[str, Any]]  # the steps refitted in each fold, as RecipeTransformer takes them
    described: list[str]  # what each refitted step does
    before: list[str] = field(default_factory=list)  # steps applied as fitted on the whole table
    left_out: list[str] = field(default_factory=list)  # target-leaking steps, described
    outputs: list[str] = field(default_factory=list)  # the columns the refitted steps give
    warnings: list[Warning] = field(default_factory=list)

    def transformer(self):
        from workbench.clean.transformer import RecipeTransformer

        return RecipeTransformer([dict(s, params=dict(s["params"])) for s in self.steps])

    def notes(self) -> list[str]:
        n = len(self.steps)
        out = [f"the cleaning is refitted inside each fold ({n} step{'s' if n != 1 else ''} from {self.base!r}, "
               "fitted on the fold's training rows and applied to its validation rows)"] if n else [
            f"the folds read {self.base!r}, the table before the cleaning steps left out"]  # fmt: skip
        if self.before:
            out.append(f"applied as fitted on the whole table, since a step removes rows: {'; '.join(self.before)}")
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"base": self.base, "refitted": self.described, "before": self.before, "left_out": self.left_out}


def plan(con: duckdb.DuckDBPyConnection, table: str, target: str) -> Refit | None:
    """How to refit the recipe that made `table` in the folds; None when there is nothing to refit (no recipe,
    or no step that learns or leaks), or when it cannot be (a step rewrites the target, or a column the
    folds need is made by a step that cannot be refitted)."""
    from workbench.clean import recipe

    made = recipe.read(con, table)
    if not made.steps:
        return None
    last = max((i for i, s in enumerate(made.steps) if changes_rows(s)), default=-1)
    if last >= 0:  # every step that made the same table as the last row step is part of it
        last = max(i for i, t in enumerate(made.tables) if t == made.tables[last])
    base = made.tables[last] if last >= 0 else made.root
    tail = list(enumerate(made.steps))[last + 1:]
    kept, left_out, warnings = [], [], []
    for i, step in tail:
        if uses_target(step, target):
            said = f"step {i + 1} ({step.describe()})"
            left_out.append(said)
            warnings.append(Warning(
                "target_leak", target,
                f"Step {i + 1} of the recipe ({step.describe()}) learned from the target {target!r} together with "
                "other columns: the values it wrote depend on the answer, which new data will not have (target "
                "leakage). The board leaves that step out and validates on the values before it.",
            ))  # fmt: skip
        elif target in step.inputs():
            return None  # a step rewrites the target itself: the board scores the table as it is
        else:
            kept.append((i, step))
    before_leaks = [f"step {i + 1}" for i, s in enumerate(made.steps[: last + 1]) if uses_target(s, target)]
    for said in before_leaks:
        warnings.append(Warning("target_leak", target, f"{said.capitalize()} of the recipe learned from the target "
                                f"{target!r} and a later step removes rows, so it cannot be left out: the scores "
                                "are flattered. Clean again without the target among its columns."))  # fmt: skip
    learns = any(s.state for _, s in kept)
    if not learns and not left_out:
        return None
    found = Refit(base, [{"operation": s.operation, "params": dict(s.params)} for _, s in kept],
                  [f"step {i + 1}: {s.describe()}" for i, s in kept],
                  [f"step {i + 1}: {s.describe()}" for i, s in enumerate(made.steps[: last + 1])], left_out,
                  warnings=warnings)  # fmt: skip
    try:
        found.outputs = _outputs(con, found, target)
    except (WorkbenchError, ValueError):  # the steps do not fit on a few rows: the board scores the table as is
        return None
    return found


def _outputs(con: duckdb.DuckDBPyConnection, found: Refit, target: str) -> list[str]:
    """The columns the refitted steps give, from fitting them on a few rows of the base table."""
    types = column_types(con, found.base)
    if not found.steps:
        return list(types)
    frame = con.execute(f"SELECT * FROM {quote(found.base)} LIMIT 500").df()
    return list(found.transformer().fit(frame.drop(columns=[target], errors="ignore")).get_feature_names_out())
