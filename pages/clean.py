"""Clean: fix what Explore found as reversible steps; preview, apply, undo, replay, export."""

import json

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from pages import _ui
from workbench import WorkbenchError, clean
from workbench.clean import export, recipe
from workbench.words import plural

_ui.require_navigation()

PREVIEW_KEY = "_clean_preview"  # (identity of table + step, Preview)
CANCELLED_KEY = "_clean_cancelled"
WIDGET = "clean_param_"

ws = _ui.workspace()
st.title("Clean")
_ui.show_flashes()

info = _ui.current_info(ws, "Choose a table in the sidebar. Each cleaning step writes a new table; the one you "
                            "loaded is never changed.")
try:
    schema = dict(ws.schema(info.name)[["column", "type"]].itertuples(index=False))
    made = recipe.recipe(ws, info.name)
except WorkbenchError as exc:
    st.error(_ui.md(exc))
    st.stop()

# -- the steps so far ------------------------------------------------------------------------

st.subheader("Steps")
if made.steps:
    rows = [{"#": i, "table": t, "step": s.describe()} for i, (t, s) in enumerate(zip(made.tables, made.steps), 1)]
    st.caption(f"From the raw table {made.root} to {info.name}, {plural(len(made.steps), 'step')}. Open any version "
               "from the sidebar.")  # fmt: skip
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="clean_steps")
else:
    st.caption(f"{info.name} is not the result of a cleaning step yet: apply one below.")

if info.source_kind == "step" and info.parents:
    left, right = st.columns([1, 3])
    drop_child = right.checkbox(f"Also delete {info.name}", key="undo_delete",
                                help="Otherwise it stays in the workspace and you can open it again.")  # fmt: skip
    if left.button("Undo", key="undo", help=f"Go back to {info.parents[0]}, the table this one was made from."):
        try:
            parent = recipe.undo(ws, info.name, delete=drop_child)
        except WorkbenchError as exc:
            st.error(_ui.md(exc))
        else:
            gone = f"; {_ui.md(info.name)} deleted." if drop_child else "."
            _ui.flash("success", f"Back to {_ui.md(parent)}{gone}")
            _ui.select_table(parent)
            st.rerun()

# -- one operation: parameters, preview, apply ---------------------------------------------------

st.subheader("Fix something")
fix = st.session_state.pop(_ui.CLEAN_FIX_KEY, None)
names = list(clean.OPERATIONS)
if fix:
    st.session_state["clean_operation"] = fix["operation"]
    for key in [k for k in st.session_state if str(k).startswith(WIDGET)]:
        del st.session_state[key]
operation = st.selectbox("Operation", names, key="clean_operation",
                         format_func=lambda n: f"{clean.OPERATIONS[n].title} ({n})")  # fmt: skip
cls = clean.OPERATIONS[operation]
st.caption(cls.explain)
prefill = fix["params"] if fix else {}
columns = list(schema)


def _widget(param):
    key = f"{WIDGET}{operation}_{param.name}"
    value = prefill.get(param.name, param.default)
    label = param.name.replace("_", " ")
    if param.kind == "column":
        return st.selectbox(label, columns, index=columns.index(value) if value in columns else 0, key=key,
                            help=param.help)  # fmt: skip
    if param.kind == "columns":
        return st.multiselect(label, columns, default=[c for c in value or [] if c in columns], key=key,
                              help=param.help)  # fmt: skip
    if param.kind == "choice":
        return st.selectbox(label, param.choices, index=list(param.choices).index(value), key=key, help=param.help)
    if param.kind == "bool":
        return st.checkbox(label, value=bool(value), key=key, help=param.help)
    if param.kind in ("number", "integer"):
        step = 1 if param.kind == "integer" else 0.5
        return st.number_input(label, value=value, step=step, key=key, help=param.help)
    if param.kind == "list":
        text = st.text_input(label, ", ".join(map(str, value)) if value else "", key=key, help=param.help)
        return [v.strip() for v in text.split(",") if v.strip()] or None
    if param.kind == "mapping":
        text = st.text_area(label, json.dumps(value) if value else "", key=key, help=param.help + " (JSON)")
        if not text.strip():
            return None
        try:
            return json.loads(text)
        except ValueError:
            st.error(f"{label}: not valid JSON.")
            st.stop()
    text = st.text_input(label, "" if value is None else str(value), key=key, help=param.help)
    return text if text.strip() else None


with st.container(border=True):
    params = {p.name: _widget(p) for p in cls.PARAMS if not (operation == "cluster_spellings" and p.name == "mapping")}
identity = json.dumps([info.name, str(info.created_at), operation, params], default=str)


def _cancelled() -> None:
    st.session_state[CANCELLED_KEY] = True


if st.button("Preview", key="clean_preview_button", type="primary", help="Shows what would change; writes nothing."):
    try:
        step = clean.make(operation, **params)
        with st.spinner("Fitting and previewing…"):
            st.session_state[PREVIEW_KEY] = (identity, clean.preview(ws, info.name, step))
    except WorkbenchError as exc:
        st.session_state.pop(PREVIEW_KEY, None)
        st.error(_ui.md(exc))

kept = st.session_state.get(PREVIEW_KEY)
shown = kept[1] if kept and kept[0] == identity else None


def _chart(before: pd.DataFrame, after: pd.DataFrame, column: str) -> go.Figure:
    fig = go.Figure()
    fig.add_bar(x=before["value"].astype(str), y=before["count"], name="before")
    fig.add_bar(x=after["value"].astype(str), y=after["count"], name="after")
    fig.update_layout(barmode="group", title=f"{column}: before and after", height=320,
                      margin={"t": 40, "b": 10}, xaxis_title=column, yaxis_title="rows")  # fmt: skip
    return fig


def _clusters(preview) -> dict | None:
    """Spelling variants, each accepted or not (strong evidence ticked) with an editable canonical value; the
    mapping to apply."""
    clusters = preview.step.state.get("clusters", [])
    if not clusters:
        return None
    rows = []
    for c in clusters:
        evidence = c.get("evidence", {})
        for v, n in c["members"][1:]:
            said = evidence.get(v, {"confidence": "strong", "why": "your mapping"})
            rows.append({"accept": said["confidence"] == "strong", "spelling": v, "rows": n,
                         "canonical": c["canonical"], "how sure": said["confidence"], "why": said["why"]})  # fmt: skip
    st.caption("Each row is one spelling, to be rewritten as its canonical value (the most frequent spelling is "
               "proposed). Ticked: strong evidence (case, spaces, accents, punctuation, or one typing edit of a far "
               "more frequent value). *possible* rows are left unticked: look at them before "
               "ticking. Edit a canonical value to choose another spelling.")  # fmt: skip
    edited = st.data_editor(pd.DataFrame(rows), hide_index=True, key="clean_clusters",
                            disabled=["spelling", "rows", "how sure", "why"])  # fmt: skip
    return {row["spelling"]: str(row["canonical"]) for _, row in edited.iterrows()
            if row["accept"] and str(row["canonical"]) != row["spelling"]}


if shown is not None:
    with st.container(border=True):
        st.markdown(f"**{_ui.md(shown.step.describe())}**")
        for box, (label, value, meaning) in zip(st.columns(4), shown.headline()):
            delta = shown.rows_after - shown.rows_before if label == "Rows after" else None
            box.metric(label, f"{value:,}", delta=f"{delta:,}" if delta else None, help=meaning)
        if shown.set_to_null:
            st.warning(f"{plural(shown.set_to_null, 'value')} would be set to missing (NULL): see the notes below.")
        for line in shown.in_words():
            st.markdown(_ui.md(line))
        for note in shown.notes:
            st.info(_ui.md(note))
        mapping = _clusters(shown) if shown.step.operation == "cluster_spellings" else None
        if shown.before is not None and shown.after is not None:
            st.plotly_chart(_chart(shown.before, shown.after, shown.step.inputs()[0]), key="clean_before_after")
        if not shown.changed_rows.empty:
            st.caption(f"A sample of changed rows (up to {len(shown.changed_rows)})")
            st.dataframe(shown.changed_rows, hide_index=True, key="clean_changed_rows")
        if not shown.removed_rows.empty:
            st.caption(f"A sample of the rows removed (up to {len(shown.removed_rows)})")
            st.dataframe(shown.removed_rows, hide_index=True, key="clean_removed_rows")
        output = st.text_input("New table name", placeholder="default: <raw table>_v<n>", key="clean_output")
        if st.button("Apply", key="clean_apply", type="primary", help="Writes a new table; this one is kept."):
            step = shown.step
            if mapping is not None:  # the clusters the user accepted and edited
                step = clean.make("cluster_spellings", **{**step.params, "mapping": mapping})
            bar = st.progress(0.0, text="Applying…")
            try:
                with _ui.cancel_button(key="clean_cancel", on_click=_cancelled, help="Stops; nothing is written."):
                    made_table = clean.apply(ws, info.name, step, output=output or None, fitted=mapping is None,
                                             on_progress=lambda done, label: bar.progress(done, text=f"{label}…"))
            except WorkbenchError as exc:
                bar.empty()
                st.error(_ui.md(exc))
            else:
                st.session_state.pop(PREVIEW_KEY, None)
                _ui.flash("success", f"Wrote {_ui.md(made_table.name)} ({plural(made_table.rows, 'row')}). "
                          f"{_ui.md(info.name)} is unchanged; Undo goes back to it.")  # fmt: skip
                _ui.select_table(made_table.name)
                st.rerun()
if st.session_state.pop(CANCELLED_KEY, None):
    st.warning("Cancelled: nothing was written.")

# -- the recipe: replay and export ------------------------------------------------------------------

if made.steps:
    st.subheader("Recipe")
    st.caption("The steps above, with what they learned from this data, run again on another table with the "
               "same columns (a competition's test set): nothing is refitted, and the gap report lists what the "
               "new data holds that the steps never saw.")  # fmt: skip
    others = [t.name for t in ws.tables() if t.name != info.name]
    left, right = st.columns([2, 1])
    target = left.selectbox("Replay on", others, index=None, key="replay_on", placeholder="Choose a table")
    if right.button("Replay", key="replay", disabled=target is None):
        try:
            with st.spinner("Replaying the recipe…"):
                done = recipe.replay(ws, info.name, target)
        except WorkbenchError as exc:
            st.error(_ui.md(exc))
        else:
            st.success(f"Wrote {_ui.md(done.table.name)} ({plural(done.table.rows, 'row')}).")
            if done.gaps:
                st.warning("Gap report: what the new data holds that the fit never saw\n\n"
                           + "\n".join(f"- {_ui.md(g)}" for g in done.gaps))  # fmt: skip
            else:
                st.info("Gap report: nothing the steps did not see when they were fitted.")
    cols = st.columns(3)
    formats = [("sql", "DuckDB SQL", "text/plain"), ("py", "Python script", "text/x-python"),
               ("ipynb", "Jupyter notebook", "application/json")]
    for col, (fmt, label, mime) in zip(cols, formats):
        col.download_button(f"Export as {label}", export.export(ws, info.name, fmt), file_name=f"{info.name}.{fmt}",
                            mime=mime, key=f"export_{fmt}")  # fmt: skip

_ui.next_step("pages/model.py", "Model: fit baseline models on the cleaned table")
