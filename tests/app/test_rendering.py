"""Names and values as the pages write them in markdown: names in code spans without backslashes,
data values escaped so markup in them stays literal."""

from __future__ import annotations

import os

from pages._ui import code, md, prose
from tests.app.conftest import rerun
from workbench import Workspace

MARKUP = "**bold**<b>x</b>"


def test_a_code_span_holds_the_name_as_it_is():
    assert code("alcalinity_of_ash") == "`alcalinity_of_ash`"
    assert code("a`b") == "``a`b``"  # a longer fence: the backtick cannot end the span
    assert code("`x") == "`` `x ``"
    assert code("two\nlines") == "`two lines`"


def test_markup_in_a_value_is_escaped():
    assert md(MARKUP) == r"\*\*bold\*\*\<b\>x\</b\>"


def test_a_message_shows_its_commands_as_code_and_its_markup_escaped():
    assert prose(f"run `chmod 600 ~/.kaggle/kaggle.json` on {MARKUP}") == (
        r"run `chmod 600 ~/.kaggle/kaggle.json` on \*\*bold\*\*\<b\>x\</b\>"
    )
    assert prose("a lone ` stays literal") == r"a lone \` stays literal"


def _wine(app):
    at = app.run()
    with Workspace(os.environ["WORKBENCH_HOME"]).connect() as con:
        con.execute("CREATE TABLE wine_clean AS SELECT range::DOUBLE AS alcalinity_of_ash, "
                    f"'{MARKUP}' AS label FROM range(50)")  # fmt: skip
    at = rerun(at)
    at.session_state["table"] = "wine_clean"
    return at


def test_names_with_underscores_show_without_backslashes(app):
    at = _wine(app).switch_page("pages/data.py").run()
    assert at.subheader[1].value == "`wine_clean`"
    at = at.switch_page("pages/explore.py").run()
    assert not at.exception
    shown = [m.value for m in at.markdown] + [e.label for e in at.expander]
    assert not any("\\_" in text for text in shown), shown
    assert any("**A single value throughout** in `label`" in label for label in (e.label for e in at.expander))


def test_markup_in_data_values_stays_literal(app):
    at = _wine(app).switch_page("pages/explore.py").run()
    constant = next(i for i, e in enumerate(at.expander) if "in `label`" in e.label)
    at.session_state[f"finding_{constant}"] = True
    at.run()
    message = next(m.value for m in at.markdown if "a single value" in m.value)
    assert md(MARKUP) in message and MARKUP not in message
