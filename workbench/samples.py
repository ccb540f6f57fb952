"""The bundled sample datasets (data/samples/), loaded into a fresh workspace once."""

from __future__ import annotations

import threading
from pathlib import Path

from workbench import metadata
from workbench.ingest import ImportResult, formats, load
from workbench.settings import SAMPLES_DIR
from workbench.workspace import Workspace

_SEEDED = "samples_seeded"
_lock = threading.Lock()  # two browser tabs opening a fresh workspace at once seed it once


def sample_files(directory: Path = SAMPLES_DIR) -> list[Path]:
    return sorted(p for p in directory.glob("*") if p.is_file() and p.suffix != ".md" and formats.detect(p))


def seed(ws: Workspace, directory: Path = SAMPLES_DIR) -> list[ImportResult]:
    """Load the samples the first time a workspace is used; never again once they all loaded, even if
    deleted. A seed that failed (a sample could not be read) is taken up again next time, for the
    samples not loaded yet."""
    with _lock:
        with ws.connect() as con:
            if metadata.get_setting(con, _SEEDED):
                return []
            loaded = {Path(t.source_detail.get("path", "")).name for t in metadata.list_tables(con)
                      if t.source_kind == "sample"}  # fmt: skip
        results = load(ws, [p for p in sample_files(directory) if p.name not in loaded], source_kind="sample")
        if not any(r.error for r in results):
            with ws.connect() as con:
                metadata.set_setting(con, _SEEDED, "1")
        return results
