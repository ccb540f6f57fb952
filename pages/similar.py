"""Similar: the rows most like one or a few chosen rows, each neighbour's distance split by column, a taste map."""

import re

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from pages import _ui
from workbench import WorkbenchError, similar
from workbench.words import plural

_ui.require_navigation()

RESULT_KEY = "_similar_result"  # (table identity, the settings, Neighbours)
MAP_KEY = "_similar_map"  # (table identity, the settings, method, colour, Projection)
ROW_NUMBER = "(row number)"
PICKED = 200  # rows shown to click a reference from
SCALINGS = {"zscore": "z-score (mean and standard deviation)",
            "robust": "robust (median and spread of the middle half)"}
CATEGORICAL = {"auto": "detect (Gower on mixed tables)", "gower": "Gower (a mismatch counts 1)",
               "onehot": "one-hot (a mismatch weighs like one standard deviation)"}  # fmt: skip
ROLE_COLOURS = {"reference": "#d62728", "neighbour": "#ff7f0e", "other": "#9ecae1"}

ws, info, columns, identity = _ui.table_page(
    "Similar",
    "The rows most like the ones you pick (\"the wines most like this one\"), with the part each column "
    "plays in every distance, and a map of all rows.",
    "Choose a table in the sidebar: its rows are compared here.",
)  # fmt: skip


def _id_default() -> int:
    """A column named like an identifier is the natural way to name a row; else the row number."""
    for i, c in enumerate(columns):
        if re.fullmatch(r"(?i)id|.*[_ ]id|.*[a-z]Id", c):
            return i + 1
    return 0


# -- which rows, compared on what -----------------------------------------------------------------

if st.session_state.get("similar_id_for") != identity:  # another table: name its rows afresh
    st.session_state.pop("similar_id", None)
    st.session_state["similar_id_for"] = identity
a, b, c = st.columns([1, 2, 1])
id_column = a.selectbox("Name rows by", [ROW_NUMBER, *columns], index=_id_default(), key="similar_id",
                        help="The column whose value names a row (an id). Row numbers count from 1 in the "
                             "table's order.")  # fmt: skip
id_column = None if id_column == ROW_NUMBER else id_column
typed = b.text_input("Reference rows", key="similar_to", placeholder="e.g. 12, 40",
                     help="One or several values of that column, separated by commas. With several, each row's "
                          "distance is to the nearest of them.")  # fmt: skip
k = int(c.number_input("How many neighbours (k)", min_value=1, max_value=1000, value=10, key="similar_k"))

with st.expander("Or click the rows to compare with (the first rows of the table)", key="similar_pick"):
    shown = ws.preview(info.name, limit=PICKED)
    picked = st.dataframe(shown, on_select="rerun", selection_mode="multi-row", hide_index=True, key="similar_rows")
    clicked = [str(shown[id_column].iloc[i]) if id_column else str(i + 1) for i in picked.selection.rows]
    if clicked:
        st.caption(f"Picked: {', '.join(clicked)}")
references = [t.strip() for t in typed.split(",") if t.strip()] + [x for x in clicked if x not in typed]



@st.cache_data(show_spinner=False, max_entries=32)
def _suggested(home: str, table: str, created: str, id_column: str | None) -> tuple[list[str], dict[str, str]]:
    """The columns compared by default and {column left out: why}, once per version of the table."""
    return similar.suggest(ws, table, id_column=id_column)


suggested, left_out = _suggested(str(ws.home), info.name, str(info.created_at), id_column)
with st.expander("Columns, weights, filter and scaling", key="similar_options"):
    if st.session_state.get("similar_columns_for") != (identity, id_column):  # a new table: start from the suggestion
        st.session_state["similar_columns"] = suggested
        st.session_state["similar_columns_for"] = (identity, id_column)
    chosen = st.multiselect("Columns to compare on", columns, key="similar_columns",
                            help="Suggested: every numeric and categorical column; identifiers and free text are "
                                 "left out, each for the reason given below.")  # fmt: skip
    if left_out:
        st.caption("Left out of the suggestion: " + "; ".join(f"{_ui.code(c)} ({_ui.md(why)})"
                                                              for c, why in left_out.items()))  # fmt: skip
    weight_text = st.text_input("Weights (optional)", key="similar_weights", placeholder="e.g. proline=0.5, hue=2",
                                help="A column of weight 2 counts twice as much in the distance; 0 ignores it.")
    where = st.text_input("Only rows where (optional)", key="similar_where", placeholder="e.g. price < 30",
                          help="A condition in SQL over the table's columns, applied before ranking.")
    s1, s2 = st.columns(2)
    scaling = s1.radio("Numbers scaled by", list(SCALINGS), format_func=SCALINGS.get, key="similar_scaling",
                       help="Scaling puts every column in comparable units; robust scaling is not pulled by "
                            "outliers.")  # fmt: skip
    categorical = s2.radio("Categories compared by", list(CATEGORICAL), format_func=CATEGORICAL.get,
                           key="similar_categorical")

settings = (id_column, tuple(references), k, tuple(chosen), weight_text, where, scaling, categorical)
if st.button("Find similar rows", type="primary", key="similar_run", disabled=not references):
    st.session_state.pop(RESULT_KEY, None)
    found = _ui.progress_run("Comparing", lambda p: similar.find(
        ws, info.name, references, id_column=id_column, columns=chosen or None,
        weights=similar.weights(weight_text) or None, k=k, where=where.strip() or None, scaling=scaling,
        categorical=categorical, on_progress=p))  # fmt: skip
    if found is not None:
        st.session_state[RESULT_KEY] = (identity, settings, found)

kept = st.session_state.get(RESULT_KEY)
if not kept or kept[:2] != (identity, settings):
    if not references:
        st.info("Type the id of a row (or click rows above), then **Find similar rows**.")
    st.stop()
found: similar.Neighbours = kept[2]

# -- the neighbours, explained ---------------------------------------------------------------------

st.subheader(f"The {plural(len(found.rows), 'row')} most like {', '.join(map(str, found.references))}")
metric = "Gower distance (0 = the same, 1 = as different as the table allows)" if found.metric == "gower" else \
    "distance in standard units (0 = the same)"  # fmt: skip
st.caption(f"Compared on {plural(len(found.columns), 'column')} by {metric}. Each neighbour's distance is the sum "
           "of its columns' parts below: the larger a part, the more that column sets the row apart.")
for note in found.notes:
    st.info(_ui.prose(note))
if found.left_out:
    with st.expander(f"{plural(len(found.left_out), 'column')} left out", key="similar_left_out"):
        st.dataframe(pd.DataFrame({"column": list(found.left_out), "why": list(found.left_out.values())}),
                     hide_index=True, key="similar_left_out_table")  # fmt: skip
st.dataframe(found.reference_rows, hide_index=True, key="similar_references")
st.dataframe(found.rows, hide_index=True, key="similar_neighbours")

parts = found.contributions
labels = [str(i) for i in found.rows["id"]]
fig = go.Figure([go.Bar(y=labels, x=parts[col], name=str(col), orientation="h") for col in parts.columns])
fig.update_layout(barmode="stack", title="Each neighbour's distance, split by column (the whole bar is the distance)",
                  xaxis_title="part of the distance", yaxis={"autorange": "reversed", "type": "category"},
                  height=120 + 28 * len(labels), legend_title="column")  # fmt: skip
st.plotly_chart(fig, key="similar_parts")

one = st.selectbox("Explain one neighbour", labels, key="similar_explain",
                   help="Why it is near: the columns with the smallest parts are where it is most alike.")
if one is not None:
    at = labels.index(one)
    row = parts.iloc[at].sort_values(ascending=False)
    alike = ", ".join(_ui.code(c) for c in row.index[::-1][:3])
    st.markdown(f"Row {_ui.code(one)} is at distance **{found.rows['distance'].iloc[at]:.3f}** from "
                f"{_ui.code(found.rows['reference'].iloc[at])}: the sum of the parts below. The largest come first "
                f"(where it differs most); it is most alike on {alike}.")  # fmt: skip
    bar_fig = go.Figure(go.Bar(x=row.values, y=[str(c) for c in row.index], orientation="h"))
    bar_fig.update_layout(title=f"Row {one}: the part of each column in its distance", xaxis_title="part",
                          yaxis={"autorange": "reversed"}, height=120 + 24 * len(row))  # fmt: skip
    st.plotly_chart(bar_fig, key="similar_one")

# -- the taste map ---------------------------------------------------------------------------------

st.subheader("Map of all rows")
m1, m2 = st.columns(2)
method = m1.radio("Projection", ["pca", "tsne"], horizontal=True, key="similar_method",
                  format_func={"pca": "PCA (the two directions of widest spread)",
                               "tsne": "t-SNE (keeps near rows near; slower)"}.get)  # fmt: skip
colour = m2.selectbox("Colour by", columns, index=None, key="similar_colour", placeholder="nothing",
                      help="A category or a cluster label; references and neighbours are always marked.")
if st.button("Draw the map", key="similar_map_run"):
    with st.spinner("Projecting the rows"):
        try:
            st.session_state[MAP_KEY] = (identity, settings, method, colour,
                                         similar.project(ws, found, method=method, colour=colour))
        except WorkbenchError as exc:
            st.error(_ui.md(exc))
drawn = st.session_state.get(MAP_KEY)
if drawn and drawn[:4] == (identity, settings, method, colour):
    projection: similar.Projection = drawn[4]
    for note in projection.notes:
        st.caption(_ui.prose(note))
    frame = projection.frame
    hover = [c for c in frame.columns if c not in ("x", "y", "role", "colour")]

    def points(rows: pd.DataFrame, name: str, **marker) -> go.Scatter:
        """One trace of the map; hovering a point shows its row."""
        return go.Scatter(x=rows["x"], y=rows["y"], mode="markers", name=name, marker=marker,
                          customdata=rows[hover], hovertemplate="<br>".join(
                              f"{h}: %{{customdata[{i}]}}" for i, h in enumerate(hover)) + "<extra></extra>")

    others = frame[frame["role"] == "other"]
    if colour and others["colour"].notna().any():
        traces = [points(rows, f"{colour} = {value}", size=6, opacity=0.6)
                  for value, rows in others.groupby("colour", sort=True)]
    else:
        traces = [points(others, "other rows", size=6, color=ROLE_COLOURS["other"])]
    traces += [points(frame[frame["role"] == role], f"{role}s", size=size, color=ROLE_COLOURS[role],
                      line={"width": 1}) for role, size in (("neighbour", 11), ("reference", 15))]
    title = "The rows on their two main directions (PCA)" if projection.method == "pca" else \
        "The rows placed so that near rows stay near (t-SNE)"  # fmt: skip
    st.plotly_chart(go.Figure(traces).update_layout(title=title, height=520, xaxis_title="first direction",
                                                    yaxis_title="second direction"), key="similar_map")  # fmt: skip

# -- keep it -----------------------------------------------------------------------------------------

st.subheader("Keep the result")
k1, k2 = st.columns(2)
if k1.button("Save the neighbours as a table", key="similar_save"):
    try:
        made = similar.save(ws, found)
    except WorkbenchError as exc:
        st.error(_ui.md(exc))
    else:
        _ui.flash("success", f"Saved {_ui.code(made.name)}: {plural(made.rows, 'row')}, with how they were found.")
        st.rerun()
k2.download_button("Download Python that reproduces it (scikit-learn)", similar.code(found, str(ws.db_path)),
                   file_name=f"similar_{info.name}.py", mime="text/x-python", key="similar_code")
_ui.next_step("pages/recommend.py", "Recommend: what a person will like, from ratings")
