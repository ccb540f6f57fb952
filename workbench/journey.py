"""The way through the workbench for the current table: load, explore, clean, dedupe, model, query.

The start page shows these steps in order, each with where the current table stands in it,
and, on a fresh workspace, the first thing to do. Computed here so a test or a notebook can ask
the same questions; the page only renders them. Everything is cheap: the number of findings
is given by the caller (a profile costs a scan, so only one already computed is counted).
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.clean import recipe
from workbench.errors import WorkbenchError
from workbench.words import plural
from workbench.workspace import Workspace

FIRST_TABLE = "penguins_raw"  # the sample with the most to find: numbers as text, 'NA' codes, stray spaces


@dataclass(frozen=True)
class Step:
    page: str  # the page's url path: data, explore, clean, dedupe, model, sql
    title: str
    what: str  # what the step is for, in a few words
    state: str  # where the current table stands in it
    needs_visit: bool = False  # the state is unknown until the page is opened (Explore before any profile)


def steps(ws: Workspace, table: str | None, findings: int | None = None) -> list[Step]:
    """The journey's steps with the state of `table`; `findings` is the count of a profile already computed."""
    tables = ws.tables()
    load = plural(len(tables), "table") + " in the workspace"
    if table is None:
        explore = clean = "choose a table first"
    else:
        explore = plural(findings, "finding") if findings is not None else "not profiled yet: open Explore"
        try:
            clean = plural(len(recipe.recipe(ws, table).steps), "cleaning step")
        except WorkbenchError:  # deleted meanwhile, or a parent of its recipe was
            clean = "no recipe"
    return [
        Step("data", "Load", "import files, Kaggle datasets or samples", load),
        Step("explore", "Explore", "see what is wrong: missing values, codes, outliers",
             explore, needs_visit=table is not None and findings is None),
        Step("clean", "Clean", "fix it step by step; the raw table is never changed", clean),
        Step("dedupe", "Dedupe", "find rows that describe the same thing", "on demand"),
        Step("model", "Model", "fit baseline models and compare them honestly", "on demand"),
        Step("sql", "SQL", "ask anything of any table", "any time"),
    ]  # fmt: skip


def first_move(ws: Workspace) -> str | None:
    """On a fresh workspace (nothing but the samples, nothing made from them), the table to explore first."""
    tables = ws.tables()
    if not tables or any(t.source_kind != "sample" for t in tables):
        return None
    names = [t.name for t in tables]
    return FIRST_TABLE if FIRST_TABLE in names else names[0]
