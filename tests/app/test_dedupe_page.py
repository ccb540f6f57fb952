"""The Dedupe page in AppTest: run, threshold, label a pair, merge, link, errors."""

from __future__ import annotations

import json
import re

import pytest

from workbench import Workspace
from workbench.dedupe import cluster
from workbench.words import TERMS

PAGE = "pages/dedupe.py"
COLUMNS = ["given_name", "surname", "address_1", "date_of_birth"]


@pytest.fixture
def page(app):
    at = app.run()
    at.session_state["table"] = "febrl_people"
    return at.switch_page(PAGE).run()


def start(at, columns=COLUMNS):
    at.multiselect(key="dd_columns").set_value(columns)
    at.button(key="dd_start").click()
    return at.run()


def metric(at, label) -> float:
    return float(next(m.value for m in at.metric if m.label == label).replace(",", ""))


def in_order(at) -> list[tuple[str, str]]:
    """The main area's buttons and success messages as (type, key or text), in the order they show."""
    return [(node.type, getattr(node, "key", None) or str(node.value)) for node in at.main
            if getattr(node, "type", None) in ("button", "success")]  # fmt: skip


def test_run_threshold_label_and_merge(page):
    at = page
    assert not at.exception and not at.error
    assert "Table `febrl_people`: the sidebar's current table." in [m.value for m in at.markdown]
    suggested = at.multiselect(key="dd_columns").value
    assert suggested[:2] == ["given_name", "surname"] and "rec_id" not in suggested
    at = start(at)
    assert not at.exception and not at.error
    assert "dd_cancel" not in {b.key for b in at.button}  # the run finished: no Cancel left on screen
    assert metric(at, "Records") == 1000
    strict, strict_recall = metric(at, "Pairs matched"), metric(at, "Estimated recall")
    assert 470 <= strict <= 520 and metric(at, "Estimated precision") > 0.95
    assert any("clusters" in m.value for m in at.markdown)
    # each cluster is named by its first record's values (given name, surname, address), not a number
    headers = [e.label for e in at.expander if "records" in e.label]
    assert headers and all(re.fullmatch(r"[^,]+, [^,]+, .+ · \d+ records", h) for h in headers), headers

    at.slider(key="dd_threshold").set_value(0.5).run()
    assert metric(at, "Pairs matched") > strict
    assert metric(at, "Estimated recall") > strict_recall

    review = at.dataframe[1].value  # the pair under review, column by column
    assert list(review["column"]) == COLUMNS
    assert {"left", "right", "level", "similarity", "measure", "contribution"} <= set(review.columns)
    assert set(review["measure"]) <= {"Jaro-Winkler similarity", "relative difference", "days apart"}
    explained = json.loads(at.dataframe[1].proto.columns)  # each term with its one-line explanation
    assert {term: explained[term]["help"] for term in ("level", "similarity", "contribution")} == {
        term: TERMS[term] for term in ("level", "similarity", "contribution")}
    run = at.session_state["dd_run"]
    before = cluster.groups(Workspace(), run, 0.5)
    at.button(key="dd_match").click().run()
    assert not at.exception
    change = cluster.compare(before, cluster.groups(Workspace(), run, 0.5), run.n_records)
    said = next(s.value for s in at.success if s.value.startswith("Thanks: 1 pair labelled, scores updated. "
                                                                    "Your answer **a match** for “"))
    assert f"clusters: {change.before:,} → {change.after:,}." in said and "lean towards *the same entity*" in said
    assert ("Joined: " in said) == bool(change.joined) and ("Split: " in said) == bool(change.split)
    assert list(run.labels.values()) == [1]
    (pair,) = run.labels
    assert run.scores.loc[run.scores["p"] >= 0.99, "pattern"].size > 0
    at.button(key="dd_unsure").click().run()
    assert len(at.session_state["dd_unsure_patterns"]) == 1 and len(at.session_state["dd_run"].labels) == 1

    at.selectbox(key="dd_rule_surname").set_value("longest")
    at.text_input(key="dd_output").input("people_clean")
    at.button(key="dd_merge").click().run()
    assert not at.exception and not at.error
    shown = in_order(at)
    merge_button = shown.index(("button", "dd_merge"))
    assert shown[merge_button + 1][0] == "success" and "people_clean_mapping" in shown[merge_button + 1][1]
    assert at.session_state["table"] == "febrl_people"  # the run stays on screen
    at.button(key="dd_open_made").click().run()
    assert at.session_state["_select_next"] == "people_clean"
    tables = {t.name: t for t in Workspace().tables()}
    assert tables["people_clean"].parents == ["febrl_people", "people_clean_mapping"]
    assert tables["people_clean"].parameters["survivorship"]["surname"] == "longest"
    assert tables["people_clean_mapping"].rows == 1000


def test_bad_blocking_rule_shows_an_error(page):
    at = page
    at.text_area(key="dd_rules").input("nope & surname")
    at = start(at)
    assert "not one of the compared columns" in at.error[0].value
    assert "dd_run" not in at.session_state


def test_link_mode_offers_other_tables_and_links(page):
    at = page
    at.toggle(key="dd_link").set_value(True).run()
    assert "Left table `febrl_people`: the sidebar's current table." in [m.value for m in at.markdown]
    assert "febrl_people" not in at.selectbox(key="dd_right").options
    at.session_state["table"] = "penguins_raw"
    at.run()
    at.selectbox(key="dd_right").set_value("cars").run()
    assert not at.exception
    assert at.multiselect(key="dd_columns").options == []  # no column in common
    assert at.button(key="dd_start").disabled
