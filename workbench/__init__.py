"""Workbench: a local-first data workbench over DuckDB.

The library is the product; the Streamlit pages and the command line are views
over it. Nothing in this package imports Streamlit.

Entry points take a `Workspace` and open their own short-lived connection (read-only
when they only read; see workspace.py). Functions that take a DuckDB connection are
building blocks for one unit of work inside the library (`metadata`, `*_on`, the
steps' `fit`); the one place a page holds a connection is Explore's relationships
view, which draws several charts from one read-only connection.
"""

from typing import TYPE_CHECKING

from workbench.errors import WorkbenchError

if TYPE_CHECKING:
    from workbench.workspace import Workspace

__all__ = ["Workspace", "WorkbenchError", "open", "show"]
__version__ = "0.1.0"


def open(home=None):  # noqa: A001 - `workbench.open()` is the notebook's way in
    """The workspace in `home` (default: WORKBENCH_HOME, else the project's data/) from Python: see `workbench.api`."""
    from workbench import api

    return api.open(home)


def show(frame, name: str = "scratch", home=None) -> str:
    """Store a DataFrame as table `name` and print the address of its Explore page in the app (see `workbench.api`)."""
    return open(home).show(frame, name)


def __getattr__(name: str):
    """`workbench.Workspace` is imported on first use: `import workbench.cli` stays light (no DuckDB)."""
    if name == "Workspace":
        from workbench.workspace import Workspace

        return Workspace
    raise AttributeError(name)
