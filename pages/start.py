"""Start: what the workbench is for, and the way through it with where the current table stands."""

import streamlit as st

from pages import _ui
from workbench import WorkbenchError, journey

_ui.require_navigation()

ws = _ui.workspace()
st.title("Start")
st.markdown(
    "Workbench loads datasets (your files, Kaggle, the samples) into a local DuckDB file, shows what is wrong "
    "with them and fixes it step by step without ever changing the data you loaded. Then it finds duplicate "
    "rows, fits honest baseline models, and answers anything you ask in SQL; every step exports as code. For "
    "a project of your own, it finds the rows most like a given one and recommends from ratings."
)

table = _ui.current_table()
try:
    info = ws.table(table) if table else None
    first = journey.first_move(ws)
    kept = _ui.kept_profile(info) if info else None
    steps = journey.steps(ws, table, findings=len(kept.findings) if kept else None)
except WorkbenchError as exc:  # e.g. the current table was deleted from another tab
    st.error(_ui.md(exc))
    st.stop()

if first:
    st.info(f"New here? Open {_ui.code(first)} in Explore: a penguin survey with missing values written as text, "
            "numbers stored as text and stray spaces, the kind of mess real data has.", icon=":material/lightbulb:")
    if st.button(f"Open {first} in Explore", type="primary", key="start_first_move"):
        _ui.select_table(first)
        _ui.switch_page("pages/explore.py")

st.subheader(f"The way through, for {_ui.code(table)}" if table else "The way through")
for number, step in enumerate(steps, start=1):
    with st.container(border=True):
        link, what, state = st.columns([2, 4, 3], vertical_alignment="center")
        with link:
            st.page_link(f"pages/{step.page}.py", label=f"{number}. {step.title}", icon=_ui.ICONS[step.page])
        what.caption(step.what)
        state.markdown(f"**{step.state}**")

st.subheader("Then, for a project of your own")
for page, title, what in (
    ("similar", "Similar", "the rows most like the ones you pick, each distance explained (try the `wine` sample)"),
    ("recommend", "Recommend", "what a person will like, from ratings, judged honestly (try `movielens`)"),
):
    with st.container(border=True):
        link, text = st.columns([2, 7], vertical_alignment="center")
        link.page_link(f"pages/{page}.py", label=title, icon=_ui.ICONS[page])
        text.caption(what)
