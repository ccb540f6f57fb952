"""The journey: each step's state for the current table, and the first move on a fresh workspace."""

from __future__ import annotations

from workbench import clean, journey, samples
from workbench.words import plural


def states(steps) -> dict[str, str]:
    return {s.title: s.state for s in steps}


def test_a_fresh_workspace_suggests_exploring_penguins(ws):
    samples.seed(ws)
    assert journey.first_move(ws) == "penguins_raw"
    steps = journey.steps(ws, "penguins_raw")
    assert [s.page for s in steps] == ["data", "explore", "clean", "dedupe", "model", "sql"]
    assert states(steps)["Load"] == "5 tables in the workspace"
    assert states(steps)["Explore"] == "not profiled yet: open Explore"
    assert steps[1].needs_visit
    assert states(steps)["Clean"] == "0 cleaning steps"


def test_states_count_findings_given_and_the_recipe_steps(ws):
    samples.seed(ws)
    made = clean.apply(ws, "penguins_raw", clean.make("to_number", column="Culmen Length (mm)")).name
    made = clean.apply(ws, made, clean.make("null_values", column="Sex", values=["."])).name
    steps = journey.steps(ws, made, findings=1)
    assert states(steps)["Explore"] == "1 finding" and not steps[1].needs_visit
    assert states(steps)["Clean"] == "2 cleaning steps"
    assert states(steps)["Load"] == "7 tables in the workspace"
    assert journey.first_move(ws) is None  # no longer fresh: something was made


def test_without_a_table_the_steps_say_to_choose_one(ws):
    steps = journey.steps(ws, None)
    assert states(steps)["Load"] == "0 tables in the workspace"
    assert states(steps)["Explore"] == states(steps)["Clean"] == "choose a table first"
    assert journey.first_move(ws) is None


def test_plural_agrees_with_the_count():
    assert [plural(n, "table") for n in (0, 1, 2, 1500)] == ["0 tables", "1 table", "2 tables", "1,500 tables"]
    assert plural(1, "query", "queries") == "1 query" and plural(3, "query", "queries") == "3 queries"
