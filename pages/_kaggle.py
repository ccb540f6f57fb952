"""The Kaggle part of the Data page: credentials, search, a dataset's files, download and import."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages import _ui
from workbench import WorkbenchError, Workspace
from workbench import kaggle as kg
from workbench.kaggle import credentials
from workbench.kaggle.transfer import human_bytes

RUNNING = "_kaggle_running"


def render(ws: Workspace) -> None:
    creds = credentials.find()
    if creds is None:
        st.info("No Kaggle credentials found. To download from Kaggle:\n\n"
                   + "\n\n".join(map(_ui.prose, credentials.setup_steps())))
        return
    st.caption(f"Using the {_ui.prose(creds.describe())}.")
    if creds.warning:
        st.warning(_ui.prose(creds.warning))
    if st.session_state.pop(RUNNING, False):
        st.warning("The last Kaggle download was stopped before it finished: nothing half-imported was kept, "
                   "and what arrived resumes next time.")
    _search(ws)
    ref = _choose()
    if ref is not None:
        _files(ws, ref)
        _download(ws, ref)
    _outcome()


def _search(ws: Workspace) -> None:
    left, right = st.columns([4, 1], vertical_alignment="bottom")
    term = left.text_input("Search Kaggle datasets", key="kaggle_term", placeholder="e.g. wine reviews")
    if right.button("Search", key="kaggle_search") and term.strip():
        try:
            st.session_state.kaggle_found = [d.as_dict() for d in kg.search(term.strip(), ws.limits)]
        except WorkbenchError as exc:
            st.error(_ui.prose(exc))
            st.session_state.kaggle_found = []
    found = st.session_state.get("kaggle_found")
    if found:
        table = pd.DataFrame(found)[["ref", "title", "size", "last_updated", "votes", "downloads", "licence"]]
        st.dataframe(table, hide_index=True, key="kaggle_found_table",
                     column_config={"size": st.column_config.NumberColumn("size (bytes)", format="compact")})
    elif found == []:
        st.info("No dataset matches.")


def _choose() -> kg.Ref | None:
    found = [d["ref"] for d in st.session_state.get("kaggle_found") or []]
    left, right = st.columns(2)
    picked = left.selectbox("Dataset from the search", found, index=None, key="kaggle_pick",
                            placeholder="Search first" if not found else "Choose a dataset")
    typed = right.text_input("…or a reference or address", key="kaggle_ref",
                             placeholder="owner/dataset, owner/dataset/versions/N, https://www.kaggle.com/…")
    competition = st.checkbox("It is a competition (e.g. titanic)", key="kaggle_competition")
    text = typed.strip() or picked
    if not text:
        return None
    try:
        return kg.parse(text, competition=competition)
    except WorkbenchError as exc:
        st.error(_ui.prose(exc))
        return None


def _files(ws: Workspace, ref: kg.Ref) -> None:
    if st.button("Show files", key="kaggle_files"):
        try:
            listed = kg.files(ref, ws.limits)
            st.session_state.kaggle_listing = {"ref": str(ref), "files": [f.as_dict() for f in listed]}
        except WorkbenchError as exc:
            st.error(_ui.prose(exc))
    listing = st.session_state.get("kaggle_listing")
    if listing and listing["ref"] == str(ref):
        st.dataframe(pd.DataFrame(listing["files"])[["name", "size"]], hide_index=True, key="kaggle_files_table")


def _download(ws: Workspace, ref: kg.Ref) -> None:
    listing = st.session_state.get("kaggle_listing")
    names = [f["name"] for f in listing["files"]] if listing and listing["ref"] == str(ref) else []
    left, right = st.columns(2)
    file = left.selectbox("What to download", ["All files", *names], key="kaggle_file")
    force = right.checkbox("Download again even if it is cached", key="kaggle_force")
    if not st.button(f"Download and import {ref}", type="primary", key="kaggle_download"):
        return
    st.session_state[RUNNING] = True
    bar = st.progress(0.0, text=f"Asking Kaggle for {ref}…")
    try:
        with _ui.cancel_button("Cancel download", key="kaggle_cancel",
                               help="Stops the download; nothing half-imported is kept."):
            fetched = kg.fetch(
                ws, ref, file=None if file == "All files" else file, force=force,
                on_progress=lambda t: bar.progress(t.fraction, text=f"Downloading {ref}: {t.describe()}"))  # fmt: skip
            results = kg.import_fetched(ws, fetched,
                                        on_progress=lambda done, label: bar.progress(done, text=f"Importing {label}…"))
    except WorkbenchError as exc:
        st.session_state[RUNNING] = False
        bar.empty()
        st.error(_ui.prose(exc))
        return
    st.session_state[RUNNING] = False
    outcome = kg.KaggleImport.of(ws, fetched, results)
    st.session_state.kaggle_outcome = outcome.as_dict()
    if outcome.current:
        _ui.select_table(outcome.current)
    st.rerun()  # so the sidebar and the overview list the new tables


def _outcome() -> None:
    outcome = st.session_state.get("kaggle_outcome")
    if not outcome:
        return
    d = outcome["download"]
    where = d["ref"] + (f" version {d['version']}" if d["version"] else "")
    if d["cached"]:
        st.caption(f"{_ui.md(where)}: the copy downloaded on {d['downloaded_at'][:10]} was used "
                   "(tick “Download again” to refresh it).")
    else:
        st.caption(f"Downloaded {_ui.md(where)}, {human_bytes(d['size'])}; "
                   f"licence: {_ui.md(d['licence'] or 'not stated')}.")
    for r in outcome["results"]:
        if r["table"]:
            st.success(_ui.imported(r))
        elif r["skipped"]:
            st.info(f"**{_ui.md(r['label'])}** skipped: {_ui.md(r['skipped'])}")
        else:
            st.error(_ui.md(r["error"]))
    if outcome["train"]:
        st.caption(f"{_ui.code(outcome['train'])}, the training data, is the current table.")
    if outcome["sample_submission"]:
        st.caption(f"{_ui.code(outcome['sample_submission'])} is the competition's sample submission: the Model "
                   "page's *Predict and submit* proposes it, and a submission must match its header.")
