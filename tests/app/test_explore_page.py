"""The Explore page: overview, ranked findings with evidence, a chart per column, relationships, errors."""

from __future__ import annotations

import json
import os

from tests.app.conftest import rerun
from workbench import Workspace, settings

PAGE = "pages/explore.py"


def open_explore(app, table: str | None):
    at = app.run()
    at.session_state["table"] = table
    return at.switch_page(PAGE).run()


def open_tab(at, label: str):
    """Tabs compute their content only when open; this opens one as a click would."""
    at.session_state["explore_tab"] = label
    return at.run()


def chart_titles(at) -> list[str]:
    return [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]


def test_profile_of_a_sample_table_with_findings_and_charts(app):
    at = open_explore(app, "penguins_raw")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Rows"] == "344" and metrics["Columns"] == "17" and metrics["Duplicate rows"] == "0"
    assert metrics["Findings"] == "17"
    assert "cancel_profile" not in {b.key for b in at.button}  # profiling finished: no Cancel left on screen
    labels = [e.label for e in at.expander]
    # titled in plain words, severities coloured (the expected labels changed with plain-language titles)
    assert "**Missing values written as text** in `Sex`: 11 rows · :orange[medium]" in labels
    assert "**A single value throughout** in `Region`: 344 rows · :orange[medium]" in labels
    assert "**Numbers stored as text** in `Culmen Length (mm)`: 342 rows · :orange[medium]" in labels
    assert not any("_" in label for label in labels)  # no identifier shown as a title
    legend = at.caption[1].value
    assert legend.startswith("Severity: :red[high]: ") and ":orange[medium]" in legend and ":blue[low]" in legend
    # the first finding is the most severe; its evidence lists the rows concerned
    assert labels[0] == "**Missing values written as text** in `Comments`: 290 rows · :red[high]"
    assert at.get("plotly_chart") == [] and len(at.dataframe) == 0  # nothing is queried for closed findings
    at.session_state["finding_0"] = True  # open the first finding
    at.run()
    assert "Kind `disguised_missing`" in at.caption[2].value  # the stable identifier, in small print
    evidence = at.dataframe[0].value
    assert len(evidence) == 50 and set(evidence["Comments"]) == {"NA"}
    assert chart_titles(at) == ["Comments: most frequent values (red: missing-value tokens)"]
    at = open_tab(at, "Columns (17)")
    titles = chart_titles(at)
    assert len(titles) == 17  # a card and a chart per column
    assert "Sex: most frequent values (red: missing-value tokens)" in titles
    assert "Date Egg: rows over time" in titles
    assert "Sample Number: histogram" in titles
    stats = [d.value for d in at.dataframe if list(d.value.columns) == ["statistic", "value"]][1]  # Sample Number
    assert dict(zip(stats["statistic"], stats["value"]))["max"] == "152"


def test_relationships_correlations_scatter_missing_and_correspondence(app):
    at = open_tab(open_explore(app, "cars"), "Relationships")
    assert chart_titles(at) == ["Pearson correlation of numeric columns"]
    explained = at.radio(key="relation_view").proto.help  # every view's term explained where it is chosen
    assert all(term in explained for term in ("Pearson's r", "Cramér's V", "inertia"))
    at.radio(key="relation_view").set_value("Scatter").run()
    assert chart_titles(at)[-1] == "Cylinders against Miles_per_Gallon (all 406 rows)"
    at.radio(key="relation_view").set_value("Missing values").run()
    assert "Which columns are missing together (red = missing)" in chart_titles(at)
    at.radio(key="relation_view").set_value("Correspondence analysis").run()
    assert at.info[0].value == "Correspondence analysis needs two categorical columns."  # cars has one (Origin)


def test_correspondence_analysis_and_cramers_v_of_categories(app):
    at = open_tab(open_explore(app, "penguins_raw"), "Relationships")
    at.radio(key="relation_view").set_value("Correspondence analysis").run()
    at.selectbox(key="ca_rows").set_value("Species").run()
    at.selectbox(key="ca_columns").set_value("Island").run()
    assert not at.exception
    assert chart_titles(at)[-1] == "Correspondence analysis of Species × Island"
    counts = at.dataframe[-1].value
    assert list(counts.columns) == ["Biscoe", "Dream", "Torgersen"] and int(counts.to_numpy().sum()) == 344
    at.radio(key="relation_view").set_value("Cramér's V").run()
    assert chart_titles(at)[-1] == "Cramér's V of categorical columns (0 = independent)"


def test_no_table_selected(app):
    at = app.run()
    ws = Workspace(os.environ["WORKBENCH_HOME"])
    for info in ws.tables():
        ws.drop(info.name)
    at = rerun(at)  # the sidebar finds no table and clears the current one
    at = at.switch_page(PAGE).run()
    assert not at.exception
    assert "Choose a table in the sidebar" in at.info[0].value


def test_table_deleted_meanwhile_is_an_error_not_a_traceback(app):
    at = open_explore(app, "cars")
    assert at.metric[0].value == "406"
    Workspace(os.environ["WORKBENCH_HOME"]).drop("cars")
    at.run()
    assert not at.exception
    assert "There is no table named 'cars'" in at.error[0].value.replace("\\", "")


def test_profile_again_recomputes_after_the_table_changed(app):
    at = open_explore(app, "cars")
    ws = Workspace(os.environ["WORKBENCH_HOME"])
    with ws.connect() as con:
        con.execute("INSERT INTO cars SELECT * FROM cars LIMIT 3")
    at.button(key="reprofile").click().run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Rows"] == "409" and metrics["Duplicate rows"] == "3"


def test_a_table_wider_than_the_limits_says_what_was_left_out(app, monkeypatch):
    """Past profile_max_columns the page says which columns were not profiled in full and why; the
    column cards come a page at a time; a matrix cut to relations_max_columns says so."""
    monkeypatch.setattr(settings, "LIMITS", settings.Limits(profile_max_columns=30, relations_max_columns=4))
    at = app.run()
    with Workspace(os.environ["WORKBENCH_HOME"]).connect() as con:
        exprs = ", ".join(f"(hash(i, {j}) % 100)::DOUBLE AS n{j:02d}" for j in range(40))
        con.execute(f"CREATE TABLE wide AS SELECT {exprs} FROM range(200) t(i)")
    at = rerun(at)  # the sidebar lists the new table
    at.session_state["table"] = "wide"
    at = at.switch_page(PAGE).run()
    assert not at.exception
    (note,) = [i.value for i in at.info if "Not profiled in full" in i.value]
    assert "10 columns (`n30` … `n39`)" in note and "40 columns" in note
    assert "profile\\_max\\_columns" in note  # markdown-escaped
    at = open_tab(at, "Columns (40)")
    assert len(chart_titles(at)) == 25 and chart_titles(at)[0].startswith("n00: histogram")
    at.selectbox(key="columns_page").set_value(25).run()
    titles = chart_titles(at)
    assert len(titles) == 5 and titles[0].startswith("n25: histogram")  # n30 .. n39 have no chart: not profiled in full
    at = open_tab(at, "Relationships")
    assert chart_titles(at) == ["Pearson correlation of numeric columns"]
    assert any("The first 4 of 30 numeric columns" in c.value for c in at.caption)
