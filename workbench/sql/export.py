"""Export of a query's full result into the workspace's `exports/` folder.

The worker streams the whole result to the file with DuckDB's COPY (never
through the capped page the panel shows), inside the sandbox, whose only
writable place is the workspace.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from workbench.errors import WorkbenchError

FORMATS = {"csv": "FORMAT csv, HEADER true", "parquet": "FORMAT parquet"}


def copy_options(fmt: str) -> str:
    try:
        return FORMATS[fmt]
    except KeyError:
        raise WorkbenchError(f"Unknown export format {fmt!r}: choose csv or parquet.") from None


def export_path(home: Path, stem: str, fmt: str) -> Path:
    """A new file `exports/<stem>-<time>.<fmt>` in the workspace."""
    copy_options(fmt)
    folder = home / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_-")[:60] or "query"
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    return folder / f"{safe}-{stamp}.{fmt}"
