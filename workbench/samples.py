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
    """Load the samples the first time a workspace is used; never again, even if deleted."""
    with _lock:
        with ws.connect() as con:
            if metadata.get_setting(con, _SEEDED):
                return []
            metadata.set_setting(con, _SEEDED, "1")
        return load(ws, sample_files(directory), source_kind="sample")
