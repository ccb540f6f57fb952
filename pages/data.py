"""Data: every table in the workspace with its provenance; preview, import, rename, delete."""

import json

import pandas as pd
import streamlit as st

from pages import _kaggle, _ui
from workbench import WorkbenchError, ingest
from workbench.uploads import save_upload
from workbench.words import TERMS, plural, were

_ui.require_navigation()

ws = _ui.workspace()
st.title("Data")
_ui.show_flashes()
infos = ws.tables()

# -- import ------------------------------------------------------------------------

with st.expander("Import files", expanded=not infos, icon=":material/upload:"):
    uploads = st.file_uploader(
        "CSV, TSV, TXT, Parquet, JSON, NDJSON, Excel (.xlsx, every sheet) or a .zip of these",
        accept_multiple_files=True,
        key="uploads",
    )
    table_name = st.text_input("Table name (optional)", key="import_name",
                               help="Derived from the file name when empty; a prefix when a file holds several tables.")
    if st.session_state.pop("_import_running", False):
        st.warning("The last import was stopped before it finished: nothing half-imported was kept.")
    if st.button("Import", type="primary", disabled=not uploads, key="import"):
        st.session_state._import_running = True
        bar = st.progress(0.0, text="Importing…")
        results = []
        stops = "Stops the import; nothing half-done is kept."
        with _ui.cancel_button("Cancel import", key="cancel_import", help=stops, said=None):  # says its own line
            for upload in uploads:
                path = save_upload(ws, upload.name, upload)  # streamed to disk in chunks, not copied whole
                # a Streamlit call between storing and importing: a run stopped by Cancel while it stored
                # the file (the next run starts at once) stops here, before it imports anything
                bar.progress(0.0, text=f"Importing {_ui.md(upload.name)}…")
                results += ingest.load(
                    ws, [path], table=table_name or None, source_kind="upload",
                    source_detail={"upload": upload.name},
                    on_progress=lambda done, label: bar.progress(done, text=f"Importing {label}…"),
                )  # fmt: skip
        bar.empty()
        st.session_state._import_running = False
        st.session_state.import_results = [r.as_dict() for r in results]
        made = [r.table for r in results if r.ok]
        if made:
            _ui.select_table(made[0])
        st.rerun()  # so the sidebar lists the new tables

    for r in st.session_state.get("import_results", []):
        if r["table"]:
            st.success(_ui.imported(r))
            if r["rejected"]:
                st.warning(f"{plural(r['rejected'], 'malformed line')} {were(r['rejected'])} set aside, not imported. "
                           "First examples:")
                st.dataframe(pd.DataFrame(r["reject_examples"]), hide_index=True)
        elif r["skipped"]:
            st.info(f"**{_ui.md(r['label'])}** skipped: {_ui.md(r['skipped'])}")
        else:
            st.error(_ui.md(r["error"]))

with st.expander("Download from Kaggle", icon=":material/cloud_download:"):
    _kaggle.render(ws)

# -- overview ----------------------------------------------------------------------

st.subheader(f"{plural(len(infos), 'table')} in the workspace")
if infos:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "table": t.name,
                    "rows": t.rows,
                    "columns": t.columns,
                    "rejected": t.rejected,
                    "source": t.source,
                    "created (UTC)": t.created_at,
                    "parents": ", ".join(t.parents),
                }
                for t in infos
            ]
        ),
        hide_index=True,
        key="overview",
        column_config={term: st.column_config.Column(term, help=TERMS[term]) for term in ("parents", "rejected")},
    )
else:
    st.info("No tables yet: import a file above, or `workbench load FILE` from a terminal.")

# -- the current table ---------------------------------------------------------------

name = _ui.current_table()
if name is None:
    st.caption("Choose a table in the sidebar to preview and manage it.")
    st.stop()

info = next((t for t in infos if t.name == name), None)
if info is None:
    st.stop()
st.subheader(_ui.code(info.name))
st.caption(f"{info.rows:,} rows × {info.columns} columns · {_ui.md(info.source)}")


def _shown(value: object) -> str:
    """A recorded detail as text: lists and mappings as compact JSON."""
    return json.dumps(value, default=str) if isinstance(value, dict | list) else str(value)


preview_tab, provenance_tab, rejects_tab, manage_tab = st.tabs(
    ["Preview", "Provenance", f"Rejected lines ({info.rejected:,})", "Rename or delete"]
)
with preview_tab:
    left, right = st.columns([1, 3])
    left.dataframe(ws.schema(info.name), hide_index=True, key="schema")
    right.dataframe(ws.preview(info.name, 100), hide_index=True, key="preview")
    right.caption("First 100 rows.")

with provenance_tab:
    st.markdown(" ".join(map(_ui.prose, info.story())), help=TERMS["lineage"])
    if facts := info.facts():
        st.dataframe(pd.DataFrame({"detail": list(facts), "value": [_shown(v) for v in facts.values()]}),
                     hide_index=True, key="provenance_facts")  # fmt: skip
    if info.sql:
        st.caption("The SQL it ran")
        st.code(info.sql, language="sql")

with rejects_tab:
    if info.rejected:
        st.write(f"{plural(info.rejected, 'line')} could not be parsed and {were(info.rejected)} kept aside. "
                 "The first ones:")
        st.dataframe(ws.rejects(info.name), hide_index=True, key="rejects")
    else:
        st.write("Every line of the source was imported.")


def _rename() -> None:
    try:
        new = ws.rename(name, st.session_state.new_name)
    except WorkbenchError as exc:
        _ui.flash("error", _ui.md(exc))
        return
    _ui.select_table(new)
    _ui.flash("success", f"Renamed {_ui.code(name)} to {_ui.code(new)}.")


def _delete() -> None:
    try:
        ws.drop(name)
    except WorkbenchError as exc:
        _ui.flash("error", _ui.md(exc))
        return
    _ui.select_table(None)
    _ui.flash("success", f"Deleted {_ui.code(name)}.")


with manage_tab:
    st.text_input("New name", value=info.name, key="new_name")
    st.button("Rename", on_click=_rename, key="rename")
    st.divider()
    if st.toggle("Delete this table…", key="confirm_delete"):
        children = ws.dependents(info.name)
        if children:
            st.warning(
                f"{plural(len(children), 'table')} {were(len(children))} made from {_ui.code(info.name)}: "
                f"{', '.join(map(_ui.code, children))}. "
                "They stay, but their lineage will point to a table that no longer exists."
            )
        st.button(f"Delete {_ui.code(info.name)} for good", type="primary", on_click=_delete, key="delete")

_ui.next_step("pages/explore.py", "Explore the current table: what is wrong with it")
