"""Workbench: a local-first data workbench over DuckDB.

The library is the product; the Streamlit pages and the command line are views
over it. Nothing in this package imports Streamlit.
"""

from workbench.errors import WorkbenchError
from workbench.workspace import Workspace

__all__ = ["Workspace", "WorkbenchError"]
__version__ = "0.1.0"
