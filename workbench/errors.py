"""Errors a user can act on.

Every expected failure (bad file, locked database, unknown table...) raises a
`WorkbenchError` whose message says what happened and what to do. The command
line prints it as one line and exits 1; the pages show it with st.error.
"""


class WorkbenchError(Exception):
    """An expected failure, with a message meant for the user."""


class WorkspaceLocked(WorkbenchError):
    """Another process holds the workspace database for writing."""


class TableNotFound(WorkbenchError):
    pass


class Cancelled(WorkbenchError):
    """The user stopped a running job; nothing it started was kept."""

    def __init__(self, message: str = "Cancelled: nothing was changed."):
        super().__init__(message)
