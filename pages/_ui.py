"""What every page shares: the workspace, the sidebar's current-table picker, error display.

Pages stay thin: they read inputs, call `workbench`, render. Each page run
opens its own short-lived connections through `Workspace` (see
workbench/workspace.py), so browser tabs never share one.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import streamlit as st

from workbench import WorkbenchError, Workspace, samples
from workbench.errors import Cancelled

TABLE_KEY = "table"
CLEAN_FIX_KEY = "_clean_fix"  # Explore's Fix hands Clean {"operation": ..., "params": {...}} under this key
PROFILE_KEY = "_explore_profile"  # Explore keeps (identity of the table, its Profile) here for the session


@st.cache_resource(show_spinner="Loading the sample datasets into a new workspace…", validate=bool)
def _seeded(home: str) -> bool:
    """Seed a fresh workspace with the samples, once per server process and workspace (again on the next
    run after a sample failed to load: `validate` recomputes a False)."""
    return not any(r.error for r in samples.seed(Workspace(home)))


# Set while streamlit_app.py runs the chosen page, so a page knows it is inside the app.
_IN_APP: contextvars.ContextVar[bool] = contextvars.ContextVar("workbench_in_app", default=False)


# the app's pages in navigation order: file (and address) name, title, icon; the first is the default
PAGES = [
    ("start", "Start", ":material/flag:"),
    ("data", "Data", ":material/database:"),
    ("explore", "Explore", ":material/query_stats:"),
    ("clean", "Clean", ":material/cleaning_services:"),
    ("sql", "SQL", ":material/terminal:"),
    ("dedupe", "Dedupe", ":material/join_inner:"),
    ("model", "Model", ":material/model_training:"),
    ("similar", "Similar", ":material/travel_explore:"),
    ("recommend", "Recommend", ":material/recommend:"),
]
ICONS = {name: icon for name, _, icon in PAGES}


def _pages() -> list:
    here = Path(__file__).resolve().parent
    return [st.Page(here / f"{name}.py", title=title, icon=icon, url_path=name, default=i == 0)
            for i, (name, title, icon) in enumerate(PAGES)]  # fmt: skip


def _frame():
    """What surrounds every page: the page settings, the app's navigation and the shared sidebar."""
    # a file, not a :material/ icon: Streamlit fetches those favicons from Google (the app requests nothing outside)
    st.set_page_config(page_title="Workbench", page_icon=Path(__file__).parent / "assets" / "workbench.svg",
                       layout="wide")  # fmt: skip
    navigation = st.navigation(_pages())
    sidebar()
    return navigation


def run_app() -> None:
    """The entry script's whole work: the frame, then the chosen page; expected failures shown, no traceback."""
    navigation = _frame()
    token = _IN_APP.set(True)
    try:
        navigation.run()
    except WorkbenchError as exc:
        st.error(md(exc))
    finally:
        _IN_APP.reset(token)


def require_navigation() -> None:
    """Make sure this page runs inside the app's frame. Call first in every page.

    Streamlit treats a `pages/` folder beside the entry script as an old-style multipage app
    until `st.navigation` has run once in the server process, so the first request for
    /explore on a fresh server runs explore.py alone, with every file of pages/ listed. Then
    this calls `st.navigation` (which ends that mode for good, and hides the list at once) and
    runs again, through the entry script: nothing is lost, it is the session's first run.
    (AppTest runs pages alone after a first full run; that first run marks the session.)
    """
    _keep_values()
    first_run = "_navigation_checked" not in st.session_state
    st.session_state._navigation_checked = True
    if first_run and not _IN_APP.get():
        st.navigation(_pages(), position="hidden")
        st.rerun()


def _say_waiting(holder: str) -> None:
    st.toast(f"Waiting for the workspace: another process is using it ({md(holder)}). Reading goes on; "
             "this change waits for it.", icon=":material/hourglass_top:")


def workspace() -> Workspace:
    ws = Workspace(on_wait=_say_waiting)
    _seeded(str(ws.home))
    return ws


def sidebar() -> None:
    ws = workspace()
    with st.sidebar:
        st.caption(f"Workspace {code(ws.home)}")
        try:
            names = sorted(t.name for t in ws.tables())
        except WorkbenchError as exc:
            st.error(md(exc))
            return
        chosen = st.session_state.pop("_select_next", st.session_state.get(TABLE_KEY))
        # a programmatic value wins over the address; the binding then updates ?table=
        if chosen in names:
            st.session_state[TABLE_KEY] = chosen
        else:
            st.session_state.pop(TABLE_KEY, None)
        st.selectbox(
            "Current table",
            names,
            index=0 if names else None,
            key=TABLE_KEY,
            placeholder="No tables yet",
            bind="query-params",
            help="Follows you across pages; it is also in the address (?table=…) so you can share it.",
        )


def current_info(ws: Workspace, hint: str):
    """The current table's provenance; with none chosen (or deleted meanwhile) the page says so and stops."""
    table = current_table()
    if table is None:
        st.info(hint)
        st.stop()
    try:
        return ws.table(table)
    except WorkbenchError as exc:  # e.g. deleted from another tab or by the command line
        st.error(md(exc))
        st.stop()


def table_page(title: str, caption: str, hint: str):
    """The top of a page that works on the current table: its title and caption, the flashes, then
    (workspace, the table's provenance, its column names, its identity: name and version). Without a current
    table the page says `hint` and stops."""
    ws = workspace()
    st.title(title)
    st.caption(caption)
    show_flashes()
    info = current_info(ws, hint)
    return ws, info, list(ws.schema(info.name)["column"]), (info.name, str(info.created_at))


def current_table() -> str | None:
    return st.session_state.get(TABLE_KEY)


def profile_identity(info) -> tuple:
    """What a kept profile must match to still describe the table: its name and version."""
    return info.name, str(info.created_at), info.rows, info.columns


def kept_profile(info):
    """The profile Explore computed for this version of the table in this session, or None."""
    kept = st.session_state.get(PROFILE_KEY)
    return kept[1] if kept and kept[0] == profile_identity(info) else None


def next_step(page: str, label: str) -> None:
    """The link that ends a page: where a person usually goes from here."""
    st.divider()
    st.page_link(page, label=f"Next: {label}", icon=":material/arrow_forward:")


CANCELLED = "Cancelled, nothing saved."


@contextmanager
def cancel_button(label: str = "Cancel", said: str | None = CANCELLED, **button: object) -> Iterator[None]:
    """A Cancel button on screen while the work in the block runs, and gone once it has finished.

    Clicking it reruns the page, which stops the work at its next Streamlit call (see
    notes/streamlit.md); a stopped run leaves the button to the next run, which draws the page anew
    and says `said` at its top (unless the page passes its own `on_click`, or `said` is None).
    """
    if said and "on_click" not in button:
        button["on_click"] = flash
        button["args"] = ("warning", said)
    slot = st.empty()
    slot.button(label, **button)
    try:
        yield
    except Exception:  # a failure is shown by the caller: the button goes (st.stop/st.rerun are not Exceptions)
        slot.empty()
        raise
    slot.empty()


def progress_run(label: str, work):
    """Run `work(on_progress)`, a long library call, under a progress bar and a Cancel button: its result, or None
    when it was cancelled or refused (said on the page, which goes on)."""
    bar = st.progress(0.0, text=label)
    try:
        with cancel_button(key=f"cancel_{label}", help="Stops within seconds; nothing is written."):
            return work(lambda done, message: bar.progress(min(done, 1.0), text=message))
    except Cancelled:
        st.warning(CANCELLED)
    except WorkbenchError as exc:
        st.error(md(exc))
    finally:
        bar.empty()
    return None


def switch_page(path: str) -> None:
    """Open another page, keeping the current table.

    A plain st.switch_page clears the address's parameters, which Streamlit refuses while ?table=
    is bound to the sidebar's picker; an empty mapping replaces them without that check, and the
    picker (its value is in the session) writes ?table= again on the next page's run.
    """
    st.switch_page(path, query_params={})


_KEPT: set[str] = set()  # widget keys whose values outlive a page switch (see `keep`)


def keep(key: str, default: object) -> str:
    """Let the widget `key` keep its value when the user goes to another page and back. Call it just
    before drawing the widget, which then takes no `value=`; returns the key.

    Streamlit forgets a widget's value once a run draws a page without it (a time limit raised to
    300 s came back as 30). Every page's run copies the values of these keys aside first
    (`require_navigation`), including the run that leaves the page, and this puts a forgotten value back."""
    _KEPT.add(key)
    if key not in st.session_state:
        st.session_state[key] = st.session_state.get(f"_kept_{key}", default)
    return key


def _keep_values() -> None:
    for key in _KEPT:
        if key in st.session_state:
            st.session_state[f"_kept_{key}"] = st.session_state[key]


def select_table(name: str | None) -> None:
    """Make `name` the current table from the next sidebar render on (a callback, or before st.rerun)."""
    st.session_state._select_next = name


# characters that start emphasis, code, links, HTML, LaTeX, tables or headings
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>$~|#])")


def md(text: object) -> str:
    """Escape a data value (a file name, a table name, a cell) for st.markdown and friends.

    Not inside backticks: markdown shows a code span as it is, backslashes included; use `code()`.
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def code(text: object) -> str:
    """A name or a value as inline code (`alcalinity_of_ash`), shown exactly as it is.

    Markdown interprets nothing inside a code span, so nothing is escaped there; the span is only
    fenced with more backticks than the text holds in a row, so a backtick in the text cannot end it.
    """
    text = " ".join(str(text).splitlines())  # a span cannot cross a blank line
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""  # so the fence is not taken as text
    return f"{fence}{pad}{text}{pad}{fence}"


def prose(text: object) -> str:
    """A message from the library, which marks commands and names as `code`: those spans shown as code,
    the rest escaped as by `md()`."""
    parts = re.split(r"`([^`\n]+)`", str(text))
    return "".join(code(part) if i % 2 else md(part) for i, part in enumerate(parts))


def imported(result: dict) -> str:
    """One imported file or sheet in a line (an ImportResult's as_dict())."""
    return (f"**{md(result['label'])}** → {code(result['table'])}: "
            f"{result['rows']:,} rows × {result['columns']} columns")  # fmt: skip


def flash(kind: str, message: str) -> None:
    """A message shown once at the top of the next run (callbacks cannot render)."""
    st.session_state.setdefault("_flash", []).append((kind, message))


def show_flashes() -> None:
    for kind, message in st.session_state.pop("_flash", []):
        getattr(st, kind)(message)
