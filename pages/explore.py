"""Explore: what is wrong with the current table, and the charts that show it."""

import pandas as pd
import streamlit as st

from pages import _ui
from workbench import settings
from workbench.clean.fixes import fix_for
from workbench.profile import TITLES, evidence, explain, figures, profile_table, relations
from workbench.profile.explain import TERMS
from workbench.profile.result import ColumnProfile, Profile
from workbench.words import plural

_ui.require_navigation()

SEVERITY_ICON = {"high": ":material/error:", "medium": ":material/warning:", "low": ":material/info:"}
SEVERITY_COLOUR = {"high": "red", "medium": "orange", "low": "blue"}
CONFIDENCE_MEANING = {"strong": "the values show it", "possible": "worth a look; judge it against the rows"}
SEVERITY_MEANING = {"high": "fix it before any analysis or model", "medium": "worth fixing",
                    "low": "worth knowing"}  # fmt: skip
CANCELLED_KEY = "_explore_cancelled"
EVIDENCE_ROWS = 50
COLUMNS_PER_PAGE = 25  # column cards (a chart each) drawn at once
CRAMERS_V_COLUMNS = 10  # a contingency query per pair
NAMES_SHOWN = 6  # column names listed in a sentence before "and n more"

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
cols[2].metric("Missing cells", f"{o['missing_cells']:,}",
               help=f"{o['missing_share']:.2%} of all cells. {TERMS['missing']}")  # fmt: skip
cols[3].metric("Duplicate rows", f"{o['duplicate_rows']:,}", help=TERMS["duplicate rows"])
cols[4].metric("Findings", len(profile.findings))
cols[5].metric("Storage", f"{o['storage_bytes'] / 1e6:,.1f} MB" if o.get("storage_bytes") else "–")
note = "" if o["exact"] else (
    " Big table: distinct counts and quantiles are estimates (marked ≈); finding counts are exact."
)  # fmt: skip
st.caption(f"Profiled in {profile.seconds:.2f} s, all in DuckDB.{note}")


def _text(value: str) -> str:
    """A text value shown as it is (`NA`), the empty text said in words."""
    return _ui.code(value) if value.strip() else "empty text"


def _names(names: list[str]) -> str:
    """Column names in a sentence: the first few, then how many more."""
    shown = ", ".join(_ui.code(n) for n in names[:NAMES_SHOWN])
    return shown + (f" and {len(names) - NAMES_SHOWN:,} more" if len(names) > NAMES_SHOWN else "")


cells, where, texts = explain.missing_as_text(profile)
if cells:
    st.caption(f"**Missing cells** counts the empty (NULL) cells only. Another {plural(cells, 'cell')} hold text "
               f"that means missing, such as {', '.join(_text(t) for t in texts[:3])}, in {_names(where)}: "
               f"to DuckDB these are values until they are turned into NULL. See the finding "
               f"**{TITLES['disguised_missing']}** under Findings, whose Fix does it.")  # fmt: skip
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


def _fix(f) -> tuple[str, dict] | None:
    """The step that fixes a finding: filled in when the finding is strong; for a possible one only the step and
    its column (spelling clusters tick their strong variants themselves)."""
    fix = fix_for(f, profile.column(f.column).family if f.column is not None else None)
    if fix is None or f.confidence == "strong" or f.kind == "inconsistent_category":
        return fix
    operation, params = fix
    return operation, {k: v for k, v in params.items() if k in ("column", "columns")}


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
            st.markdown(_ui.md(f.message))
            st.caption(f"**How sure**: {f.confidence} ({CONFIDENCE_MEANING[f.confidence]}). "
                       f"**Evidence**: {_ui.md(f.detail.get('evidence', f.message))}")
            if f.detail.get("rule"):
                st.caption(f"**Rule**: {_ui.md(f.detail['rule'])}")
            for term in explain.FINDING_TERMS.get(f.kind, []):
                st.caption(f"**{term}**: {TERMS[term]}")
            st.markdown(f"**Fix:** {_ui.md(f.suggestion)}")
            fix = _fix(f)
            hint = (f"Opens Clean with {fix[0]} filled in; you see a preview before anything is written." if fix
                    and f.confidence == "strong" else f"Opens Clean on {fix[0]} with nothing filled in: the finding "
                    "is only possible, so check the evidence first." if fix else "")  # fmt: skip
            if fix and st.button("Fix on the Clean page", key=f"fix_{i}", icon=":material/cleaning_services:",
                                 help=hint):
                st.session_state[_ui.CLEAN_FIX_KEY] = {"operation": fix[0], "params": fix[1]}
                _ui.switch_page("pages/clean.py")
            left, right = st.columns([3, 2])
            with left:
                if f.selects_rows:
                    rows = evidence(ws, info.name, f, limit=EVIDENCE_ROWS)
                    st.caption(f"Evidence: the first {len(rows):,} of the rows concerned, "
                               + (f"{_ui.code(f.column)} first" if f.column is not None else "with their copies"))
                    st.dataframe(rows, hide_index=True, key=f"evidence_{i}")
                else:
                    st.caption("Evidence: the column's distribution")
                st.code(f.shown_sql(info.name), language="sql")
            with right:
                figure = figures.column_figure(profile.column(f.column)) if f.column is not None else None
                if figure is not None:
                    st.plotly_chart(figure, key=f"finding_chart_{i}")


# -- columns ----------------------------------------------------------------------------

def _stat_table(col: ColumnProfile) -> pd.DataFrame:
    rows = []
    for key, label in explain.statistics_of(col).items():
        approx = "≈ " if key in col.approximate else ""
        rows.append({"statistic": label, "value": f"{approx}{_show(col.stats[key])}"})
    for name, value in (col.stats.get("quantiles") or {}).items():
        if name in explain.PERCENTILES and value is not None:
            approx = "≈ " if "quantiles" in col.approximate else ""
            rows.append({"statistic": name, "value": f"{approx}{_show(value)}"})
    return pd.DataFrame(rows)


def _show(value) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _held(col: ColumnProfile) -> str:
    """'342 values that are numbers, 2 that are not: `NA` (2×)' of a text column holding numbers."""
    numbers, others, examples = explain.numbers_held(col)
    shown = ", ".join(f"{_text(v)} ({n:,}×)" for v, n in examples[:3])
    return (f"{plural(numbers, 'value')} that {'is a number' if numbers == 1 else 'are numbers'}, {others:,} that "
            f"{'is' if others == 1 else 'are'} not" + (f": {shown}" if shown else ""))


def show_columns() -> None:
    columns, shown = profile.columns, list(enumerate(profile.columns))
    if len(columns) > COLUMNS_PER_PAGE:  # a chart per card: a few dozen at a time
        def label(k: int) -> str:
            last = min(k + COLUMNS_PER_PAGE, len(columns))
            return f"{k + 1:,}-{last:,} of {len(columns):,}: {columns[k].name} … {columns[last - 1].name}"

        start = st.selectbox("Columns", range(0, len(columns), COLUMNS_PER_PAGE), key="columns_page",
                             format_func=label)  # fmt: skip
        shown = shown[start : start + COLUMNS_PER_PAGE]
    terms = explain.statistics_shown([col for _, col in shown]) + (["IQR fences", "outlier rule"] if any(
        "fences" in col.stats for _, col in shown) else [])  # fmt: skip
    st.caption("  \n".join(f"**{term}**: {TERMS[term]}" for term in terms))
    for i, col in shown:
        with st.container(border=True):
            found = profile.findings_for(col.name)
            kinds = ", ".join(sorted({TITLES[f.kind] for f in found}))
            st.markdown(f"#### {_ui.code(col.name)} · {col.type} · {col.semantic}")
            st.caption(f"Findings: {_ui.md(kinds)}" if found else "No findings.")
            if col.numbers_in_text:
                st.caption(f"Stored as text; these statistics read the {_held(col)}.")
            left, right = st.columns([1, 3])
            left.dataframe(_stat_table(col), hide_index=True, key=f"stats_{i}")
            figure = figures.column_figure(col)
            if figure is not None:
                right.plotly_chart(figure, key=f"column_chart_{i}")

# -- relationships -----------------------------------------------------------------------

numeric = relations.numbers(profile.columns)
as_text = [c.name for c in profile.columns if c.numbers_in_text]
categorical = relations.categories(profile.columns)
with_nulls = [c.name for c in profile.columns if c.stats.get("nulls")]
VIEWS = ["Correlations", "Cramér's V", "Scatter", "Missing values", "Correspondence analysis"]
# (identity of the table, its matrix): each computed once per version, read by several views
CORRELATIONS_KEY, CRAMERS_KEY = "_explore_correlations", "_explore_cramers_v"


def _cut(shown: list[str], total: list[str], what: str) -> None:
    """Say so when a matrix shows only some of the columns."""
    if len(shown) < len(total):
        st.caption(f"The first {len(shown)} of {len(total):,} {what} (one matrix stays readable and quick).")


def _left_out(shown: list[str]) -> None:
    """Say which columns a chart leaves out, and why."""
    why = relations.left_out(profile.columns, shown)
    if why:
        st.caption("Not in this chart: " + "; ".join(f"{_names(names)} ({reason})" for reason, names in why.items()))


def _read_as_numbers(names: list[str]) -> None:
    """Say which columns of a chart are text read as the numbers they hold."""
    held = [profile.column(n) for n in names if n in as_text]
    if held:
        each = ", ".join(f"{_ui.code(c.name)} ({c.stats['numbers']:,} of {plural(c.stats['count'], 'value')})"
                         for c in held)
        st.caption(f"Stored as text, read as the numbers they hold: {each}; the values that are not numbers "
                   "are left out.")  # fmt: skip


def _per_version(key: str, compute) -> pd.DataFrame:
    """`compute()` once per version of the table, kept in the session under `key`."""
    kept = st.session_state.get(key)
    if kept is None or kept[0] != identity:
        kept = identity, compute()
        st.session_state[key] = kept
    return kept[1]


def _correlations(con) -> pd.DataFrame:
    """Pearson's r of the first numeric columns (text holding numbers read as its numbers)."""
    return _per_version(CORRELATIONS_KEY, lambda: relations.correlations(con, info.name, numeric, as_text))


def _cramers(con) -> pd.DataFrame:
    """Cramér's V of the first categorical columns."""
    return _per_version(CRAMERS_KEY, lambda: relations.cramers_v(con, info.name, categorical[:CRAMERS_V_COLUMNS]))


def show_relationships() -> None:
    meanings = "  \n".join(f"**{view}**: {TERMS[view]}" for view in VIEWS)
    view = st.radio("Show", VIEWS, horizontal=True, key="relation_view", help=meanings)
    with ws.connect(read_only=True) as con:
        if view == "Correlations":
            if len(numeric) < 2:
                st.info("Correlations need at least two numeric columns.")
            else:
                matrix = _correlations(con)
                _cut(list(matrix.columns), numeric, "numeric columns")
                st.plotly_chart(figures.heatmap(matrix, "Pearson correlation of numeric columns"), key="correlations")
                _read_as_numbers(list(matrix.columns))
                _left_out(numeric)
        elif view == "Cramér's V":
            if len(categorical) < 2:
                st.info("Cramér's V needs at least two categorical columns.")
            else:
                matrix = _cramers(con)
                _cut(list(matrix.columns), categorical, "categorical columns")
                st.plotly_chart(figures.heatmap(matrix, "Cramér's V of categorical columns (0 = independent)", 0, 1),
                                key="cramers_v")  # fmt: skip
                _left_out(categorical)
        elif view == "Scatter":
            show_scatter(con)
        elif view == "Missing values":
            if not with_nulls:
                st.info("No NULLs in this table (text tokens such as 'NA' are listed under Findings).")
            else:
                st.plotly_chart(figures.missing_pattern(relations.missing_pattern(con, info.name, with_nulls)),
                                key="missing_pattern")  # fmt: skip
                others = len(profile.columns) - len(with_nulls)
                if others:
                    st.caption(f"Not in this chart: the other {plural(others, 'column')}, with no empty (NULL) cell "
                               "(text meaning missing, such as NA, is a value: see Findings).")  # fmt: skip
                if len(with_nulls) > 1:
                    together = relations.missing_together(con, info.name, with_nulls)
                    _cut(list(together.columns), with_nulls, "columns with missing values")
                    title = "Correlation of missingness (1 = always missing together)"
                    st.plotly_chart(figures.heatmap(together, title), key="missing_together")
        else:
            show_correspondence(con)


def show_scatter(con) -> None:
    """Two columns of numbers or dates against each other, optionally coloured by a category."""
    names = numeric + [c.name for c in profile.columns if c.semantic == "datetime"]
    if len(names) < 2:
        st.info("A scatter needs two columns of numbers or dates.")
        _left_out(names)
        return
    # opens on the most correlated pair of numeric columns (by |r|), else the first two columns
    pair = relations.most_associated(_correlations(con).abs()) if len(numeric) > 1 else None
    first, second = (names.index(pair[0]), names.index(pair[1])) if pair else (0, 1)
    left, middle, right = st.columns(3)
    x = left.selectbox("x", names, index=first, key="scatter_x")
    y = middle.selectbox("y", names, index=second, key="scatter_y")
    colour = right.selectbox("Colour by", [None, *relations.colours(profile.columns)], key="scatter_colour",
                             format_func=lambda c: "nothing" if c is None else c,
                             help="A category with at most "
                                  f"{plural(settings.LIMITS.scatter_colours, 'value')}: one colour each.")
    frame = relations.sample(con, info.name, list(dict.fromkeys([x, y, colour] if colour else [x, y])),
                             as_text=as_text)  # fmt: skip
    size = (f"a random sample of {len(frame):,} of {plural(profile.rows, 'row')}" if len(frame) < profile.rows
            else f"all {plural(len(frame), 'row')}")  # fmt: skip
    st.plotly_chart(figures.scatter(frame, x, y, f"{y} against {x} ({size})", colour), key="scatter")
    _read_as_numbers([x, y])
    _left_out(names)


def show_correspondence(con) -> None:
    """The map of two categorical columns, the most associated pair first."""
    if len(categorical) < 2:
        st.info("Correspondence analysis needs two categorical columns.")
        _left_out(categorical)
        return
    pair = relations.most_associated(_cramers(con)) or tuple(categorical[:2])
    left, right = st.columns(2)
    a = left.selectbox("Rows", categorical, index=categorical.index(pair[0]), key="ca_rows")
    others = [c for c in categorical if c != a]
    b = right.selectbox("Columns", others, index=others.index(pair[1]) if pair[1] in others else 0, key="ca_columns")
    if (a, b) == pair:
        v = _cramers(con).loc[a, b]
        st.caption(f"The most associated pair of categorical columns (Cramér's V {v:.2f}) is shown first.")
    counts = relations.contingency(con, info.name, a, b)
    ca = relations.correspondence(counts)
    st.plotly_chart(figures.biplot(ca, a, b), key="biplot")
    st.caption("Categories close together go together; distance from the centre is how much a category "
               "departs from independence. Rare categories beyond the top 30 are grouped as (other).")
    st.dataframe(counts, key="contingency")
    _left_out(categorical)


for tab, show in ((findings_tab, show_findings), (columns_tab, show_columns), (relations_tab, show_relationships)):
    if tab.open:
        with tab:
            show()

_ui.next_step("pages/clean.py", "Clean: fix what Explore found, step by step")
