"""Entry point: the pages, and the sidebar every page shares (workspace, current table)."""

import streamlit as st

from pages import _ui
from workbench import WorkbenchError

st.set_page_config(page_title="Workbench", page_icon=":material/table_chart:", layout="wide")

PAGES = [
    st.Page("pages/data.py", title="Data", icon=":material/database:", url_path="data", default=True),
    st.Page("pages/explore.py", title="Explore", icon=":material/query_stats:", url_path="explore"),
    st.Page("pages/clean.py", title="Clean", icon=":material/cleaning_services:", url_path="clean"),
    st.Page("pages/sql.py", title="SQL", icon=":material/terminal:", url_path="sql"),
    st.Page("pages/dedupe.py", title="Dedupe", icon=":material/join_inner:", url_path="dedupe"),
]

navigation = st.navigation(PAGES)
_ui.sidebar()
try:
    navigation.run()
except WorkbenchError as exc:  # an expected failure anywhere in a page: say it, no traceback
    st.error(_ui.md(exc))
