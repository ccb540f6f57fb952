"""The Explore page: overview, ranked findings with evidence, a chart per column, relationships, errors."""

from __future__ import annotations

import base64
import json
import os

import numpy as np

from tests.app.conftest import rerun
from workbench import Workspace, settings
from workbench.profile.figures import LINE

PAGE = "pages/explore.py"


def open_explore(app, table: str | None):
    at = app.run()
    at.session_state["table"] = table
    return at.switch_page(PAGE).run()


def open_tab(at, label: str):
    """Tabs compute their content only when open; this opens one as a click would."""
    at.session_state["explore_tab"] = label
    return at.run()


def charts(at) -> list[dict]:
    """Every plotly figure on the page, as its JSON."""
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def chart_titles(at) -> list[str]:
    """The charts' titles as read (wrapped lines joined by spaces)."""
    return [c["layout"]["title"]["text"].replace("<br>", " ") for c in charts(at)]


def caption(at, start: str) -> str:
    """The one caption that starts with `start`."""
    (found,) = [c.value for c in at.caption if c.value.startswith(start)]
    return found


def test_profile_of_a_sample_table_with_findings_and_charts(app):
    at = open_explore(app, "penguins_raw")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Rows"] == "344" and metrics["Columns"] == "17" and metrics["Duplicate rows"] == "0"
    assert metrics["Findings"] == "18"
    assert "cancel_profile" not in {b.key for b in at.button}  # profiling finished: no Cancel left on screen
    labels = [e.label for e in at.expander]
    # titled in plain words, severities coloured (the expected labels changed with plain-language titles)
    assert "**Missing values written as text** in `Sex`: 11 rows · :orange[medium]" in labels
    assert "**A single value throughout** in `Region`: 344 rows · :orange[medium]" in labels
    assert "**Numbers stored as text** in `Culmen Length (mm)`: 342 rows · :orange[medium]" in labels
    # Yes/No stays text at import (as the file wrote it): turning it into true/false is a Fix the user sees
    assert any(label.startswith("**Yes/no values stored as text** in `Clutch Completion`") for label in labels)
    assert not any("_" in label for label in labels)  # no identifier shown as a title
    legend = caption(at, "Severity: ")
    assert legend.startswith("Severity: :red[high]: ") and ":orange[medium]" in legend and ":blue[low]" in legend
    # the first finding is the most severe; its evidence lists the rows concerned
    assert labels[0] == "**Missing values written as text** in `Comments`: 290 rows · :red[high]"
    assert at.get("plotly_chart") == [] and len(at.dataframe) == 0  # nothing is queried for closed findings
    at.session_state["finding_0"] = True  # open the first finding
    at.run()
    # the finding speaks in words: no internal identifier in its text (the JSON's `kind` is documented in the README)
    assert not any("disguised_missing" in str(c.value) for c in at.caption)
    evidence = at.dataframe[0].value
    assert len(evidence) == 50 and set(evidence["Comments"]) == {"NA"}
    assert list(evidence.columns)[:3] == ["Comments", "studyName", "Sample Number"]  # the offending column first
    assert caption(at, "Evidence: ") == "Evidence: the first 50 of the rows concerned, `Comments` first"
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
    # it opens on the most correlated pair (|r| 0.95), not on the first two columns
    assert chart_titles(at)[-1] == "Displacement against Cylinders (all 406 rows)"
    at.radio(key="relation_view").set_value("Missing values").run()
    assert "Which columns are missing together (red = missing)" in chart_titles(at)
    assert caption(at, "Not in this chart: ") == ("Not in this chart: the other 7 columns, with no empty (NULL) cell "
                                                  "(text meaning missing, such as NA, is a value: see Findings).")
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


def decoded(values) -> list:
    """A plotly array as a list: plain, or packed as base64 ("bdata") with its dtype and shape."""
    if not isinstance(values, dict):
        return list(values)
    array = np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
    return array.reshape([int(n) for n in values["shape"].split(",")]).tolist() if "shape" in values else array.tolist()


def test_text_columns_holding_numbers_show_the_statistics_of_their_numbers(app):
    at = open_tab(open_explore(app, "penguins_raw"), "Columns (17)")
    tables = [d.value for d in at.dataframe if list(d.value.columns) == ["statistic", "value"]]
    culmen = dict(zip(tables[9]["statistic"], tables[9]["value"]))  # Culmen Length (mm), text with 'NA' in it
    assert (culmen["values"], culmen["missing"], culmen["numbers"]) == ("344", "0", "342")
    assert (culmen["min"], culmen["max"], culmen["mean"], culmen["p50"]) == ("32.1", "59.6", "43.92", "44.45")
    said = [c.value for c in at.caption if c.value.startswith("Stored as text; these statistics read")]
    assert said[0] == ("Stored as text; these statistics read the 342 values that are numbers, 2 that are not: "
                       "`NA` (2×).")
    assert len(said) == 6  # the four measurements and the two isotope ratios
    assert "Culmen Length (mm): histogram of its 342 numbers (stored as text)" in chart_titles(at)
    assert "**numbers**: Of a text column: the values that read as numbers." in caption(at, "**values**: ")
    # the finding stays true: the values are still stored as text, with its Fix to Clean
    at = open_tab(at, "Findings (17)")
    labels = [e.label for e in at.expander]
    found = labels.index("**Numbers stored as text** in `Culmen Length (mm)`: 342 rows · :orange[medium]")
    at.session_state[f"finding_{found}"] = True
    at.run()
    assert at.button(key=f"fix_{found}").label == "Fix on the Clean page"


def test_missing_cells_next_to_text_meaning_missing_are_explained_on_the_page(app):
    at = open_explore(app, "penguins_raw")
    metrics = {m.label: m for m in at.metric}
    assert metrics["Missing cells"].value == "0" and "such as 'NA', is a value" in metrics["Missing cells"].proto.help
    said = caption(at, "**Missing cells** counts")
    assert said.startswith("**Missing cells** counts the empty (NULL) cells only. Another 336 cells hold text that "
                           "means missing, such as `NA`, in `Comments`, `Delta 15 N (o/oo)`, `Delta 13 C (o/oo)`, "
                           "`Sex`, ")  # fmt: skip
    assert "and 2 more: to DuckDB these are values" in said and "**Missing values written as text**" in said
    at = open_explore(app, "cars")  # NULLs only: nothing to explain
    assert not [c for c in at.caption if c.value.startswith("**Missing cells**")]


def test_chart_titles_and_axis_labels_are_never_cut_off(app):
    at = open_tab(open_explore(app, "penguins_raw"), "Columns (17)")
    figures = charts(at)
    at = open_tab(at, "Relationships")
    figures += charts(at)
    for figure in figures:
        layout = figure["layout"]
        lines = layout["title"]["text"].split("<br>")
        assert all(len(line) <= LINE for line in lines)  # wrapped to the narrowest chart's width
        assert layout["margin"]["t"] >= 24 * len(lines) + 26  # room above the plot for every line
        assert layout["xaxis"]["automargin"] is True and layout["yaxis"]["automargin"] is True  # tick labels fit
    raw = [f["layout"]["title"]["text"] for f in figures]
    assert "Culmen Length (mm): histogram of its<br>342 numbers (stored as text)" in raw
    comments = next(f for f in figures if f["layout"]["title"]["text"].startswith("Comments: most frequent"))
    assert comments["layout"]["yaxis"]["ticktext"][:4] == [  # long category labels wrapped, not cut
        "NA", "Nest never observed with full<br>clutch.", "Not enough blood for isotopes.",
        "Sexing primers did not<br>amplify."]  # fmt: skip


def test_relationships_read_numbers_in_text_and_say_which_columns_they_leave_out(app):
    at = open_tab(open_explore(app, "penguins_raw"), "Relationships")
    (heatmap,) = charts(at)
    names = heatmap["data"][0]["x"]
    assert names == ["Sample Number", "Culmen Length (mm)", "Culmen Depth (mm)", "Flipper Length (mm)", "Body Mass (g)",
                     "Delta 15 N (o/oo)", "Delta 13 C (o/oo)"]  # fmt: skip
    z = decoded(heatmap["data"][0]["z"])
    flipper, mass = names.index("Flipper Length (mm)"), names.index("Body Mass (g)")
    assert round(z[flipper][mass], 3) == 0.871  # the penguins' well-known flipper/mass correlation
    assert caption(at, "Not in this chart: ") == (
        "Not in this chart: `studyName`, `Species`, `Island`, `Sex`, `Comments` (categories, not numbers: see "
        "Cramér's V); `Region`, `Stage` (a single value throughout); `Individual ID` (more than 60 categories); "
        "`Clutch Completion` (yes/no values: see Cramér's V); `Date Egg` (dates)")
    assert caption(at, "Stored as text, read as the numbers they hold: ").startswith(
        "Stored as text, read as the numbers they hold: `Culmen Length (mm)` (342 of 344 values), ")

    at.radio(key="relation_view").set_value("Scatter").run()
    assert at.selectbox(key="scatter_x").options == names + ["Date Egg"]  # numbers and dates only
    # the default pair: the most correlated (flipper and mass, r 0.87), numbers read from the text they are in
    assert (at.selectbox(key="scatter_x").value, at.selectbox(key="scatter_y").value) == ("Flipper Length (mm)",
                                                                                           "Body Mass (g)")
    assert at.selectbox(key="scatter_colour").options == ["nothing", "studyName", "Species", "Island",
                                                           "Clutch Completion", "Sex"]  # fmt: skip
    at.selectbox(key="scatter_x").set_value("Flipper Length (mm)")
    at.selectbox(key="scatter_y").set_value("Body Mass (g)")
    at.selectbox(key="scatter_colour").set_value("Species").run()
    (scatter,) = charts(at)
    assert chart_titles(at) == ["Body Mass (g) against Flipper Length (mm) (all 344 rows)"]
    traces = {t["name"]: t for t in scatter["data"]}
    assert set(traces) == {"Adelie Penguin (Pygoscelis adeliae)", "Gentoo penguin (Pygoscelis papua)",
                           "Chinstrap penguin (Pygoscelis antarctica)"}  # fmt: skip
    assert scatter["layout"]["showlegend"] is True
    gentoo = decoded(traces["Gentoo penguin (Pygoscelis papua)"]["x"])
    assert len(gentoo) == 124 and max(v for v in gentoo if v == v) == 231.0  # numbers, read from the text
    assert caption(at, "Stored as text, read as the numbers they hold: ") == (
        "Stored as text, read as the numbers they hold: `Flipper Length (mm)` (342 of 344 values), `Body Mass (g)` "
        "(342 of 344 values); the values that are not numbers are left out.")


def test_correspondence_analysis_opens_on_the_most_associated_pair(app):
    at = open_tab(open_explore(app, "penguins_raw"), "Relationships")
    at.radio(key="relation_view").set_value("Correspondence analysis").run()
    # Cramér's V 0.99: the comment 'Nest never observed with full clutch.' goes with Clutch Completion = false
    pair = at.selectbox(key="ca_rows").value, at.selectbox(key="ca_columns").value
    assert pair == ("Clutch Completion", "Comments")
    assert caption(at, "The most associated pair") == (
        "The most associated pair of categorical columns (Cramér's V 0.99) is shown first.")
    assert chart_titles(at)[-1] == "Correspondence analysis of Clutch Completion × Comments"


def test_terms_are_explained_where_they_appear(app):
    at = open_explore(app, "cars")
    labels = [e.label for e in at.expander]
    skew = next(i for i, label in enumerate(labels) if label.startswith("**A lopsided distribution** in `Horsepower`"))
    at.session_state[f"finding_{skew}"] = True
    at.run()
    assert caption(at, "**skewness**: ").startswith("**skewness**: How lopsided the values are (Kelly's skewness")
    assert caption(at, "**percentiles**: ").startswith("**percentiles**: p25 is the value a quarter")
    at = open_tab(at, "Columns (9)")
    glossary = caption(at, "**values**: ")
    terms = ("missing", "distinct", "min", "max", "mean", "std", "MAD", "percentiles", "IQR fences", "outlier rule")
    assert all(f"**{term}**: " in glossary for term in terms)
    assert "**MAD**: Median absolute deviation" in glossary and "**numbers**" not in glossary  # cars: no text numbers


def test_a_possible_finding_says_how_sure_and_its_fix_fills_nothing_in(app):
    """Identical rows of coarse columns, no identifier: possibly distinct records, so Drop duplicates opens with
    nothing filled in."""
    ws = Workspace(os.environ["WORKBENCH_HOME"])
    with ws.connect() as con:
        con.execute("CREATE TABLE people AS SELECT ['f', 'm'][1 + i % 2] AS sex, 20 + i % 3 AS age FROM range(60) t(i)")
    at = open_explore(app, "people")
    labels = [e.label for e in at.expander]
    duplicates = labels.index("**Duplicate rows** in the whole table: 54 rows · :blue[low]")
    at.session_state[f"finding_{duplicates}"] = True
    at.run()
    assert caption(at, "**How sure**").startswith("**How sure**: possible (worth a look; judge it against the rows). "
                                                  "**Evidence**: no identifier")
    assert at.button(key=f"fix_{duplicates}").help == ("Opens Clean on drop_duplicates with nothing filled in: the "
                                                       "finding is only possible, so check the evidence first.")
