"""The SQL editor calls streamlit-code-editor's private `_component_func`; this test is the tripwire.

pages/sql.py calls the component function directly (its public wrapper does not pass `on_change`,
which the page needs to take the editor's events before the rest of the page runs). A private
function can change in any release: these tests compare what the page passes with what the
installed package's own wrapper passes and what its JavaScript reads, so an upgrade that changes
the contract fails here, by name, instead of leaving a blank editor in the browser.
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import code_editor

ROOT = Path(__file__).resolve().parents[2]
CHANGED = "streamlit-code-editor changed its private `_component_func` contract: re-check pages/sql.py's editor()."


def _keywords_of_call(source: str, callee: str) -> set[str]:
    """The keyword names of the (single) call to `callee` in `source`."""
    calls = [
        node for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == callee
    ]  # fmt: skip
    assert len(calls) == 1, f"expected one call to {callee}, found {len(calls)}"
    return {kw.arg for kw in calls[0].keywords if kw.arg}


def test_the_private_component_function_exists_and_takes_a_change_callback():
    func = getattr(code_editor, "_component_func", None)
    assert callable(func), CHANGED
    parameters = inspect.signature(func).parameters
    assert {"key", "on_change", "default"} <= set(parameters), CHANGED


def test_the_page_passes_exactly_what_the_packages_own_wrapper_passes():
    page = _keywords_of_call((ROOT / "pages" / "sql.py").read_text(), "code_editor_component")
    wrapper = _keywords_of_call(inspect.getsource(code_editor.code_editor), "_component_func")
    # on_change is the reason the page calls the component itself; everything else must match one to one
    assert page - {"on_change"} == wrapper, f"{CHANGED} Only the page: {sorted(page - wrapper - {'on_change'})}; " \
        f"only the wrapper: {sorted(wrapper - page)}"


def test_the_frontend_reads_every_argument_the_page_sends():
    page = _keywords_of_call((ROOT / "pages" / "sql.py").read_text(), "code_editor_component")
    bundles = list((Path(code_editor.__file__).parent / "frontend" / "build" / "static" / "js").glob("main.*.js"))
    assert bundles, CHANGED + " (no frontend bundle found)"
    script = "".join(b.read_text(encoding="utf-8", errors="replace") for b in bundles)
    # Streamlit owns key, default and on_change; the component's JavaScript reads the rest from its args
    unread = [name for name in sorted(page - {"key", "default", "on_change"}) if not re.search(rf"\b{name}\b", script)]
    assert not unread, f"{CHANGED} The frontend no longer reads: {unread}"
