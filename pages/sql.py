"""SQL: an editor over the workspace (sandboxed, read-only unless writes are on), results, chart,
export, saved queries and history. The work is done by `workbench.sql`; this page only renders it."""

from __future__ import annotations

import re

import streamlit as st
from code_editor import _component_func as code_editor_component

from pages import _ui
from workbench.errors import WorkbenchError
from workbench.names import RESERVED, quote
from workbench.sql import catalog, chart, engine, history, params
from workbench.sql.engine import SQL_LIMITS, QueryFailed, Result
from workbench.sql.saved import SavedQueries
from workbench.words import TERMS, plural

_ui.require_navigation()

# Exports bigger than this are left in the workspace's exports/ folder, not sent to the browser.
DOWNLOAD_MAX_BYTES = 50 * 1024**2
HINT = "-- Ctrl+Enter or Run runs the query; Tab takes a suggestion; $name parameters become input fields."

ws = _ui.workspace()
saved = SavedQueries()
state = st.session_state
state.setdefault("sql_editor_version", 0)


def editor_key() -> str:
    return f"sql_editor_{state.sql_editor_version}"


def set_text(text: str, run: bool = False) -> None:
    """Replace the editor's text (a callback); the editor is re-created to show it."""
    state.sql_text = text
    state.sql_editor_version += 1
    state.sql_run_pending = run


def insert(text: str) -> None:
    draft = state.sql_text.rstrip()
    set_text(f"{draft} {text}" if draft else text)


def ident(name: str) -> str:
    """A name as the user would type it: bare unless it needs quotes (DuckDB ignores case)."""
    plain = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) and name.lower() not in RESERVED
    return name if plain else quote(name)


def starter(table: str | None) -> str:
    """The query a fresh editor shows: the current table's first rows."""
    return f"{HINT}\nSELECT * FROM {ident(table)} LIMIT 100" if table else f"{HINT}\nSELECT 42 AS answer"


def show_starter() -> None:
    """Start from the current table; follow it while the starter is left untouched."""
    text = starter(_ui.current_table())
    untouched = state.get("sql_text") in (None, state.get("sql_starter"))
    if untouched and text != state.get("sql_text"):
        set_text(text)
        state.sql_starter = text


def take_event(key: str) -> None:
    """Keep what the editor sent (its text on blur or on Ctrl+Enter/Run), once per event.

    The editor's change callback: it runs even when the next run is another page's (a click on
    the navigation blurs the editor), so a draft survives a page switch. Called again once the
    editor is drawn, for a value set through the session state, which has no callback.
    """
    event = state.get(key)
    if event and event.get("id") and event["id"] != state.get("sql_event"):
        state.sql_event = event["id"]
        state.sql_text = event["text"]
        state.sql_run_pending = state.get("sql_run_pending") or event.get("type") == "submit"


def saved_action(action: str) -> None:
    """Save, rename or delete a saved query (a callback, so it may reset the picker)."""
    try:
        if action == "save":
            name = saved.save(state.sql_save_name, state.sql_text)
            _ui.flash("success", f"Saved as {_ui.code(f'{name}.sql')}.")
        elif action == "rename":
            name = saved.rename(state.sql_saved_choice, state.sql_saved_new_name)
            state.sql_saved_choice = name
            _ui.flash("success", f"Renamed to {_ui.code(f'{name}.sql')}.")
        else:
            saved.delete(state.sql_saved_choice)
            _ui.flash("success", f"Deleted {_ui.code(f'{state.sql_saved_choice}.sql')}.")
            state.sql_saved_choice = None
    except WorkbenchError as exc:
        _ui.flash("error", _ui.md(exc))


show_starter()
st.title("SQL")
_ui.show_flashes()
st.caption(
    "Queries run in a sandbox over this workspace only: no other files, no ATTACH, no extensions, "
    "read-only unless writes are switched on.", help=TERMS["sandbox"]
)
browser, main = st.columns([1, 3], gap="medium")

# -- schema browser, saved queries, history -----------------------------------------------

tables = catalog.describe(ws)
with browser:
    schema_tab, saved_tab, history_tab = st.tabs(["Tables", "Saved", "History"], key="sql_browser_tabs")
    with schema_tab:
        if not tables:
            st.info("No tables yet: import some on the Data page.")
        for t in tables:
            rows = f"{t.rows:,} rows" if t.rows is not None else t.kind
            with st.expander(f"{t.name} · {rows}", icon=":material/table:"):
                st.button(
                    "SELECT * … LIMIT 100", key=f"sql_select_{t.name}", on_click=set_text,
                    args=(f"SELECT * FROM {ident(t.name)} LIMIT 100",), kwargs={"run": True},
                )  # fmt: skip
                st.button("Insert the name", key=f"sql_name_{t.name}", on_click=insert, args=(ident(t.name),))
                st.pills(
                    "Columns (a click inserts the name)",
                    [c for c, _ in t.columns],
                    format_func=lambda c, types=dict(t.columns): f"{c} · {types[c]}",
                    key=f"sql_cols_{t.name}",
                    on_change=lambda key=f"sql_cols_{t.name}": state[key] and insert(ident(state[key])),
                )

    with saved_tab:
        st.caption(f"`.sql` files in {_ui.code(saved.folder)}")
        names = saved.names()
        chosen = st.selectbox("Saved query", names, index=None, key="sql_saved_choice", placeholder="Choose")
        if chosen:
            st.code(saved.read(chosen), language="sql")
            st.button("Open", key="sql_saved_open", on_click=lambda: set_text(saved.read(state.sql_saved_choice)))
            st.text_input("New name", key="sql_saved_new_name")
            st.button("Rename", key="sql_saved_rename", on_click=saved_action, args=("rename",),
                      disabled=not state.get("sql_saved_new_name"))  # fmt: skip
            st.button("Delete", key="sql_saved_delete", on_click=saved_action, args=("delete",))
        st.divider()
        st.text_input("Save the editor's query as", key="sql_save_name")
        st.button("Save query", key="sql_save", on_click=saved_action, args=("save",),
                  disabled=not state.get("sql_save_name"))  # fmt: skip

    with history_tab:
        needle = st.text_input("Search", key="sql_history_search", placeholder="text in the query")
        entries = history.search(ws, needle, limit=100)
        if not entries:
            st.caption("No runs yet." if not needle else "No run matches.")
        for e in entries[:30]:
            rows = f"{e.rows:,} rows" if e.rows is not None else e.status
            with st.container(border=True):
                st.caption(f"{e.ran_at:%Y-%m-%d %H:%M:%S} UTC · {_ui.md(rows)} · {e.duration_s or 0:.2f} s")
                st.code(e.query, language="sql", wrap_lines=True)
                left, right = st.columns(2)
                left.button("Open", key=f"sql_hist_open_{e.id}", on_click=set_text, args=(e.query,))
                right.button("Re-run", key=f"sql_hist_run_{e.id}", on_click=set_text, args=(e.query,),
                             kwargs={"run": True})  # fmt: skip

# -- editor and settings --------------------------------------------------------------------

completions = [
    {"caption": t.name, "value": ident(t.name), "meta": t.kind, "name": t.name, "score": 300} for t in tables
]
completions += [
    {"caption": c, "value": ident(c), "meta": f"{t.name} · {kind}", "name": c, "score": 200}
    for t in tables
    for c, kind in t.columns
]


def editor_theme() -> str:
    """An Ace theme bundled with the editor that loads no web font, in the app's light or dark mode.

    The editor's own themes (streamlit_light/dark) import Source Code Pro from fonts.googleapis.com;
    its `props` override the theme it would choose, and the app then requests nothing outside.
    """
    return "github_dark" if st.context.theme.type == "dark" else "github"


# Enter always starts a new line (Ace would take the highlighted suggestion, even for a name
# already typed in full); Tab takes it.
KEYBINDINGS = {"completer": [{"name": "Return", "bindkey": ""}]}
# Run sits in a bar above the text, always shown: inside a tall editor it would be out of view,
# and the editor's own buttons only appear on hover. The bar comes first by flex order.
BAR = {"info": [{"name": "SQL"}], "style": {"order": -1, "height": "2.5rem", "lineHeight": "2.5rem",
                                            "paddingLeft": "0.75rem", "fontSize": "0.85rem", "opacity": 0.7}}
# The component's default top scroll margin (15 px) shifts the line numbers but not the text.
ACE_PROPS = {"scrollMargin": [0, 0, 0, 0]}
RUN_BUTTON = {"name": "Run", "feather": "Play", "primary": True, "hasText": True, "showWithIcon": True,
              "alwaysOn": True, "commands": ["submit"], "style": {"top": "0", "right": "0.4rem"}}


# A click on a page link while the editor has the focus: the editor sends its text when it loses the
# focus, and the browser delivers that message after the click, so the page's own rerun (with the
# text) overrode the page switch and the first click was lost. The click is held back until the
# editor's text has gone, then made again. Installed once in the app's window (trusted, static code).
NAV_AFTER_EDITOR = """<script>
(() => {
  if (window.__workbenchNavAfterEditor) return;
  window.__workbenchNavAfterEditor = true;
  const LINKS = "[data-testid='stSidebarNav'] a, [data-testid='stPageLink'] a";
  let held = false;
  document.addEventListener("pointerdown", (e) => {
    const active = document.activeElement;
    held = !!(active && active.tagName === "IFRAME" && e.target.closest && e.target.closest(LINKS));
  }, true);
  document.addEventListener("click", (e) => {
    const link = e.target.closest && e.target.closest(LINKS);
    if (!link || !held) return;
    held = false;
    e.preventDefault();
    e.stopImmediatePropagation();
    setTimeout(() => link.click(), 150);
  }, true);
})();
</script>"""


def editor(text: str, key: str) -> None:
    """The Ace editor (streamlit-code-editor), with a change callback its wrapper does not pass on."""
    code_editor_component(
        code=text, lang="sql", key=key, height=[8, 24], focus=False, theme="default", shortcuts="vscode",
        response_mode=["blur"], completions=completions, replace_completer=False, keybindings=KEYBINDINGS,
        snippets=["", ""], ghost_text="", allow_reset=False, buttons=[RUN_BUTTON], menu={}, info=BAR,
        options={"wrap": True, "showLineNumbers": True}, props={**ACE_PROPS, "theme": editor_theme()}, editor_props={},
        component_props={}, on_change=lambda: take_event(key),
        default={"id": "", "type": "", "lang": "", "text": "", "selected": "", "cursor": ""},
    )  # fmt: skip


with main:
    st.html(NAV_AFTER_EDITOR, unsafe_allow_javascript=True, width="content")
    editor(state.sql_text, editor_key())
    take_event(editor_key())
    run_now = state.pop("sql_run_pending", False)

    left, middle, right = st.columns(3)
    # these settings keep their values when the user goes to another page and back
    max_rows = left.number_input(
        "Rows shown", min_value=1, max_value=SQL_LIMITS.max_rows_ceiling, step=1000,
        key=_ui.keep("sql_max_rows", SQL_LIMITS.max_rows), help="The total is always counted; export gives every row.",
    )  # fmt: skip
    timeout = middle.number_input(
        "Time limit (s)", min_value=1.0, max_value=3600.0, step=5.0, key=_ui.keep("sql_timeout", SQL_LIMITS.timeout)
    )
    write = right.toggle(
        "Allow writes", key=_ui.keep("sql_write", False),
        help="Lets `CREATE TABLE name AS SELECT …` and Save as table make new tables (lineage recorded). "
        "Existing tables are never changed.\n\nLineage: " + TERMS["lineage"],
    )  # fmt: skip

    names = params.names(state.sql_text)
    values = {}
    if names:
        st.caption("Parameters (bound as values, never pasted into the SQL)")
        inputs = st.columns(min(len(names), 4))
        for i, name in enumerate(names):
            if value := inputs[i % len(inputs)].text_input(f"${name}", key=f"sql_param_{name}"):
                values[name] = value  # an empty field is a missing value, not ''

    # -- running ----------------------------------------------------------------------------

    if state.pop("sql_running", False):
        st.warning("The last query was stopped before it finished.")
    if run_now:
        state.sql_running = True
        state.pop("sql_result", None)
        state.pop("sql_error", None)
        status = st.empty()
        early = st.empty()

        def tick(waited: float) -> None:
            status.caption(f"Running… {waited:.0f} s (time limit {timeout:g} s)")

        def first_page(result: Result) -> None:
            early.dataframe(result.frame.head(1000), hide_index=True)
            status.caption(f"First {len(result.frame):,} rows in {result.first_page_s:.3f} s; counting the rest…")

        try:
            text = state.sql_text
            bound = params.bind(text, values)
            with _ui.cancel_button(key="sql_cancel", said=None, icon=":material/stop:",
                                   help="Stops the query; nothing is changed."):
                state.sql_result = engine.run(
                    ws, text, bound, write=write, max_rows=int(max_rows), timeout=float(timeout),
                    on_tick=tick, on_page=first_page,
                )  # fmt: skip
            state.sql_ran = (text, bound)
            if state.sql_result.created:
                _ui.select_table(state.sql_result.created)
        except QueryFailed as exc:
            state.sql_error = (exc.status, str(exc))
        except WorkbenchError as exc:
            state.sql_error = ("error", str(exc))
        state.sql_running = False
        status.empty()
        early.empty()
        if state.get("sql_result") is not None and state.sql_result.created:
            st.rerun()  # so the sidebar lists the new table

    # -- results ------------------------------------------------------------------------------

    if error := state.get("sql_error"):
        kind, message = error
        head, _, rest = message.partition("\n")
        (st.warning if kind in ("timeout", "cancelled") else st.error)(_ui.md(head))
        if rest.strip():
            st.code(rest.strip("\n"), language=None)

    result: Result | None = state.get("sql_result")
    if result is not None:
        if result.created:
            st.success(f"Created table {_ui.code(result.created)} ({result.total:,} rows), lineage recorded.")
        shown = len(result.frame)
        more = f" · showing the first {shown:,}" if result.truncated else ""
        copied = (f" · answered from a copy of the tables it reads, taken when it ran past "
                  f"{SQL_LIMITS.live_seconds:g} s, so other tabs could change the workspace meanwhile"
                  if result.snapshot else "")  # fmt: skip
        st.caption(
            f"**{plural(result.total, 'row')}**{more} · {result.elapsed:.3f} s "
            f"(first rows after {result.first_page_s:.3f} s){copied}"
        )
        if result.statement == "plan":
            st.code(result.plan, language=None)
        else:
            table_tab, chart_tab, export_tab = st.tabs(["Table", "Chart", "Export / save"], key="sql_result_tabs")
            with table_tab:
                st.dataframe(result.frame, hide_index=True, key="sql_result_table")
            with chart_tab:
                spec = chart.suggest(result.columns, result.types)
                if spec is None or result.frame.empty:
                    st.info("Nothing to chart in this result.")
                else:
                    cols = result.columns
                    a, b, c, d = st.columns(4)
                    kind = a.selectbox("Chart", chart.KINDS, index=chart.KINDS.index(spec.kind), key="sql_chart_kind")
                    x = b.selectbox("x", cols, index=cols.index(spec.x), key="sql_chart_x")
                    y = c.selectbox("y", cols, index=cols.index(spec.y) if spec.y else None, key="sql_chart_y")
                    color = d.selectbox("colour", cols, index=cols.index(spec.color) if spec.color else None,
                                        key="sql_chart_color")  # fmt: skip
                    if kind != "histogram" and y is None:
                        st.info("Choose a column for y.")
                    else:
                        st.plotly_chart(chart.figure(result.frame, chart.ChartSpec(kind, x, y, color)), key="sql_chart")
                    if result.truncated:
                        st.caption(f"Charted: the first {shown:,} rows of {result.total:,}.")
            with export_tab:
                text, bound = state.sql_ran
                fmt = st.radio("Format", ["csv", "parquet"], horizontal=True, key="sql_export_format")
                if st.button(f"Export all {result.total:,} rows", key="sql_export", icon=":material/download:"):
                    try:
                        path, rows = engine.export(ws, text, fmt, bound, stem="query", timeout=float(timeout))
                    except WorkbenchError as exc:
                        st.error(_ui.md(exc))
                        st.stop()
                    st.success(f"{rows:,} rows written to {_ui.code(path)}.")
                    if path.stat().st_size <= DOWNLOAD_MAX_BYTES:
                        st.download_button(
                            f"Download {path.name}", path.read_bytes(), file_name=path.name, key="sql_download",
                            mime="text/csv" if fmt == "csv" else "application/vnd.apache.parquet",
                        )  # fmt: skip
                    else:
                        st.info("Too big to send to the browser: open the file from the workspace folder.")
                st.divider()
                new_table = st.text_input("Save the full result as a new table", key="sql_table_name",
                                          placeholder="table name")  # fmt: skip
                if st.button("Save as table", key="sql_save_table", disabled=not (write and new_table),
                             help=None if write else "Switch writes on first."):  # fmt: skip
                    try:
                        name, rows = engine.save_as_table(ws, new_table, text, bound, timeout=float(timeout))
                    except WorkbenchError as exc:
                        st.error(_ui.md(exc))
                        st.stop()
                    _ui.flash("success", f"Saved {rows:,} rows as table {_ui.code(name)} (lineage recorded).")
                    _ui.select_table(name)
                    st.rerun()
