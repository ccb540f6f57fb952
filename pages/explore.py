"""Explore: what is wrong with the current table, and the charts that show it."""

import pandas as pd
import streamlit as st

from pages import _ui
from workbench.clean.fixes import fix_for
from workbench.profile import TITLES, evidence, figures, profile_table, relations
from workbench.profile.result import Profile
from workbench.words import plural

_ui.require_navigation()

SEVERITY_ICON = {"high": ":material/error:", "medium": ":material/warning:", "low": ":material/info:"}
SEVERITY_COLOUR = {"high": "red", "medium": "orange", "low": "blue"}
SEVERITY_MEANING = {"high": "fix it before any analysis or model", "medium": "worth fixing",
                    "low": "worth knowing"}  # fmt: skip
CANCELLED_KEY = "_explore_cancelled"
EVIDENCE_ROWS = 50
COLUMNS_PER_PAGE = 25  # column cards (a chart each) drawn at once
CRAMERS_V_COLUMNS = 10  # a contingency query per pair

ws = _ui.workspace()
st.title("Explore")

info = _ui.current_info(ws, "Choose a table in the sidebar to see its profile: statistics, dirty data and charts.")
identity = _ui.profile_identity(info)


def _cancelled() -> None:
    st.session_state[CANCELLED_KEY] = identity


def _profile() -> Profile:
    """The table's profile, computed once per version of the table and kept for the session."""
    kept = _ui.kept_profile(info)
    again = st.session_state.get("reprofile") or st.session_state.get("resume_profile")
    if kept is not None and not again:
        return kept
    if st.session_state.get(CANCELLED_KEY) == identity and not again:
        st.warning("Profiling was cancelled.")
        st.button("Profile this table", key="resume_profile")
        st.stop()
    bar = st.progress(0.0, text="Profiling…")
    with _ui.cancel_button(key="cancel_profile", on_click=_cancelled, help="Stops profiling."):
        result = profile_table(ws, info.name, on_progress=lambda done, label: bar.progress(done, text=f"{label}…"))
    bar.empty()
    st.session_state[_ui.PROFILE_KEY] = (identity, result)
    st.session_state.pop(CANCELLED_KEY, None)
    return result


profile = _profile()
o = profile.overview

# -- overview -------------------------------------------------------------------------

cols = st.columns(6)
cols[0].metric("Rows", f"{profile.rows:,}")
cols[1].metric("Columns", o["columns"])
cols[2].metric("Missing cells", f"{o['missing_cells']:,}", help=f"{o['missing_share']:.2%} of all cells (NULL only)")
cols[3].metric("Duplicate rows", f"{o['duplicate_rows']:,}")
cols[4].metric("Findings", len(profile.findings))
cols[5].metric("Storage", f"{o['storage_bytes'] / 1e6:,.1f} MB" if o.get("storage_bytes") else "–")
note = "" if o["exact"] else (
    " Big table: distinct counts and quantiles are estimates (marked ≈); finding counts are exact."
)  # fmt: skip
st.caption(f"Profiled in {profile.seconds:.2f} s, all in DuckDB.{note}")
for skipped in o.get("skipped", []):  # a table wider than the library's limits
    names = skipped["columns"]
    which = f"{_ui.code(names[0])} … {_ui.code(names[-1])}" if len(names) > 1 else _ui.code(names[0])
    st.info(f"**Not profiled in full:** {len(names):,} columns ({which}): no {_ui.md(skipped['part'])}. "
            f"Why: {_ui.md(skipped['reason'])}.", icon=":material/view_column:")  # fmt: skip
st.button("Profile again", key="reprofile", help="Recompute, e.g. after the table changed.")

# only the open tab is computed (a column chart per column, or relationships, can be costly)
findings_tab, columns_tab, relations_tab = st.tabs(
    [f"Findings ({len(profile.findings)})", f"Columns ({len(profile.columns)})", "Relationships"],
    key="explore_tab", on_change="rerun",
)

# -- findings ---------------------------------------------------------------------------

def severity(level: str) -> str:
    return f":{SEVERITY_COLOUR[level]}[{level}]"


def show_findings() -> None:
    if not profile.findings:
        st.success("No dirty data found: no missing values, codes, outliers, stray spaces or mixed types.")
        return
    legend = " · ".join(f"{severity(level)}: {meaning}" for level, meaning in SEVERITY_MEANING.items())
    st.caption(f"Severity: {legend}")
    for i, f in enumerate(profile.findings):
        where = _ui.code(f.column) if f.column is not None else "the whole table"
        label = f"**{TITLES[f.kind]}** in {where}: {plural(f.count, 'row')} · {severity(f.severity)}"
        box = st.expander(label, icon=SEVERITY_ICON[f.severity], key=f"finding_{i}", on_change="rerun")
        if not box.open:  # evidence is queried only for the findings the user opens
            continue
        with box:
            st.caption(f"Kind {_ui.code(f.kind)}: its identifier in `workbench profile --json`")
            st.markdown(_ui.md(f.message))
            st.markdown(f"**Fix:** {_ui.md(f.suggestion)}")
            fix = fix_for(f, profile.column(f.column).family if f.column is not None else None)
            hint = f"Opens Clean with {fix[0]} filled in; you see a preview before anything is written." if fix else ""
            if fix and st.button("Fix on the Clean page", key=f"fix_{i}", icon=":material/cleaning_services:",
                                 help=hint):
                st.session_state[_ui.CLEAN_FIX_KEY] = {"operation": fix[0], "params": fix[1]}
                _ui.switch_page("pages/clean.py")
            left, right = st.columns([3, 2])
            with left:
                if f.selects_rows:
                    rows = evidence(ws, info.name, f, limit=EVIDENCE_ROWS)
                    st.caption(f"Evidence: the first {len(rows):,} of the rows concerned")
                    st.dataframe(rows, hide_index=True, key=f"evidence_{i}")
                else:
                    st.caption("Evidence: the column's distribution")
                st.code(f.shown_sql(info.name), language="sql")
            with right:
                figure = figures.column_figure(profile.column(f.column)) if f.column is not None else None
                if figure is not None:
                    st.plotly_chart(figure, key=f"finding_chart_{i}")


# -- columns ----------------------------------------------------------------------------

STAT_LABELS = {"count": "values", "nulls": "missing", "distinct": "distinct", "min": "min", "max": "max",
               "mean": "mean", "std": "std", "mad": "MAD", "mean_length": "mean length"}  # fmt: skip


def _stat_table(col) -> pd.DataFrame:
    rows = []
    for key, label in STAT_LABELS.items():
        if col.stats.get(key) is not None:
            approx = "≈ " if key in col.approximate else ""
            rows.append({"statistic": label, "value": f"{approx}{_show(col.stats[key])}"})
    for name, value in (col.stats.get("quantiles") or {}).items():
        if name in ("p01", "p25", "p50", "p75", "p99") and value is not None:
            approx = "≈ " if "quantiles" in col.approximate else ""
            rows.append({"statistic": name, "value": f"{approx}{_show(value)}"})
    return pd.DataFrame(rows)


def _show(value) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def show_columns() -> None:
    columns, shown = profile.columns, list(enumerate(profile.columns))
    if len(columns) > COLUMNS_PER_PAGE:  # a chart per card: a few dozen at a time
        def label(k: int) -> str:
            last = min(k + COLUMNS_PER_PAGE, len(columns))
            return f"{k + 1:,}-{last:,} of {len(columns):,}: {columns[k].name} … {columns[last - 1].name}"

        start = st.selectbox("Columns", range(0, len(columns), COLUMNS_PER_PAGE), key="columns_page",
                             format_func=label)  # fmt: skip
        shown = shown[start : start + COLUMNS_PER_PAGE]
    for i, col in shown:
        with st.container(border=True):
            found = profile.findings_for(col.name)
            kinds = ", ".join(sorted({TITLES[f.kind] for f in found}))
            st.markdown(f"#### {_ui.code(col.name)} · {col.type} · {col.semantic}")
            st.caption(f"Findings: {_ui.md(kinds)}" if found else "No findings.")
            left, right = st.columns([1, 3])
            left.dataframe(_stat_table(col), hide_index=True, key=f"stats_{i}")
            figure = figures.column_figure(col)
            if figure is not None:
                right.plotly_chart(figure, key=f"column_chart_{i}")

# -- relationships -----------------------------------------------------------------------

numeric = [c.name for c in profile.columns if c.family == "numeric" and c.semantic == "numeric"]
categorical = [c.name for c in profile.columns if c.semantic in ("categorical", "boolean")
               and (c.stats.get("distinct") or 0) <= relations.MAX_CATEGORIES * 2]  # fmt: skip
with_nulls = [c.name for c in profile.columns if c.stats.get("nulls")]

def _cut(shown: list[str], total: list[str], what: str) -> None:
    """Say so when a matrix shows only some of the columns."""
    if len(shown) < len(total):
        st.caption(f"The first {len(shown)} of {len(total):,} {what} (one matrix stays readable and quick).")


RELATION_HELP = (
    "**Correlations**: Pearson's r between two numeric columns, from -1 (one falls as the other rises) through 0 "
    "(no straight-line relation) to 1; it misses curved relations and is pulled by outliers.  \n"
    "**Cramér's V**: how strongly two categorical columns go together, from 0 (independent) to 1 (one decides "
    "the other).  \n"
    "**Missing values**: which columns are missing in the same rows.  \n"
    "**Correspondence analysis**: a map of two categorical columns where categories that often occur together "
    "sit close; *inertia* is how much of their association each axis shows."
)


def show_relationships() -> None:
    view = st.radio("Show", ["Correlations", "Cramér's V", "Scatter", "Missing values", "Correspondence analysis"],
                    horizontal=True, key="relation_view", help=RELATION_HELP)  # fmt: skip
    with ws.connect(read_only=True) as con:
        if view == "Correlations":
            if len(numeric) < 2:
                st.info("Correlations need at least two numeric columns.")
            else:
                matrix = relations.correlations(con, info.name, numeric)
                _cut(list(matrix.columns), numeric, "numeric columns")
                st.plotly_chart(figures.heatmap(matrix, "Pearson correlation of numeric columns"), key="correlations")
        elif view == "Cramér's V":
            if len(categorical) < 2:
                st.info("Cramér's V needs at least two categorical columns.")
            else:
                matrix = relations.cramers_v(con, info.name, categorical[:CRAMERS_V_COLUMNS])
                _cut(list(matrix.columns), categorical, "categorical columns")
                st.plotly_chart(figures.heatmap(matrix, "Cramér's V of categorical columns (0 = independent)", 0, 1),
                                key="cramers_v")  # fmt: skip
        elif view == "Scatter":
            names = [c.name for c in profile.columns]
            left, right = st.columns(2)
            x = left.selectbox("x", names, index=names.index(numeric[0]) if numeric else 0, key="scatter_x")
            y = right.selectbox("y", names, index=names.index(numeric[1]) if len(numeric) > 1 else 0, key="scatter_y")
            frame = relations.sample(con, info.name, list(dict.fromkeys([x, y])))
            size = f"a random sample of {len(frame):,} of {profile.rows:,} rows" if len(frame) < profile.rows else (
                f"all {len(frame):,} rows")  # fmt: skip
            st.plotly_chart(figures.scatter(frame, x, y, f"{y} against {x} ({size})"), key="scatter")
        elif view == "Missing values":
            if not with_nulls:
                st.info("No NULLs in this table (text tokens such as 'NA' are listed under Findings).")
            else:
                st.plotly_chart(figures.missing_pattern(relations.missing_pattern(con, info.name, with_nulls)),
                                key="missing_pattern")  # fmt: skip
                if len(with_nulls) > 1:
                    together = relations.missing_together(con, info.name, with_nulls)
                    _cut(list(together.columns), with_nulls, "columns with missing values")
                    title = "Correlation of missingness (1 = always missing together)"
                    st.plotly_chart(figures.heatmap(together, title), key="missing_together")
        else:
            if len(categorical) < 2:
                st.info("Correspondence analysis needs two categorical columns.")
            else:
                left, right = st.columns(2)
                a = left.selectbox("Rows", categorical, key="ca_rows")
                b = right.selectbox("Columns", [c for c in categorical if c != a], key="ca_columns")
                counts = relations.contingency(con, info.name, a, b)
                ca = relations.correspondence(counts)
                st.plotly_chart(figures.biplot(ca, a, b), key="biplot")
                st.caption("Categories close together go together; distance from the centre is how much a category "
                           "departs from independence. Rare categories beyond the top 30 are grouped as (other).")
                st.dataframe(counts, key="contingency")


for tab, show in ((findings_tab, show_findings), (columns_tab, show_columns), (relations_tab, show_relationships)):
    if tab.open:
        with tab:
            show()

_ui.next_step("pages/clean.py", "Clean: fix what Explore found, step by step")
