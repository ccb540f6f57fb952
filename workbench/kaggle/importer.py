"""Importing a fetched Kaggle download: every data file becomes a table with its Kaggle provenance."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from workbench import ingest
from workbench.ingest import ImportResult
from workbench.jobs import Progress
from workbench.kaggle.download import Fetched, fetch
from workbench.kaggle.refs import Ref
from workbench.kaggle.transfer import OnTransfer
from workbench.workspace import Workspace

# Files that come with datasets to be read by people, not loaded: a text sniff
# would otherwise take README.md or data_description.txt for a CSV.
_DOCUMENT_SUFFIXES = {".md", ".markdown", ".rst", ".pdf", ".html", ".htm", ".doc", ".docx", ".ipynb", ".py",
                      ".r", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".xml", ".yaml", ".yml"}
_DOCUMENT_STEMS = {"readme", "license", "licence", "notice", "changelog", "citation", "data_description"}


@dataclass
class KaggleImport:
    fetched: Fetched
    results: list[ImportResult] = field(default_factory=list)

    @property
    def tables(self) -> list[str]:
        return [r.table for r in self.results if r.ok]

    def as_dict(self) -> dict[str, Any]:
        return {"download": self.fetched.as_dict(), "results": [r.as_dict() for r in self.results]}


def is_document(rel: str) -> bool:
    path = PurePosixPath(rel)
    return path.suffix.lower() in _DOCUMENT_SUFFIXES or path.name.split(".")[0].lower() in _DOCUMENT_STEMS


def import_fetched(ws: Workspace, fetched: Fetched, *, on_progress: Progress | None = None,
                   cancel: threading.Event | None = None) -> list[ImportResult]:
    """One table per data file (or sheet); a file that fails is reported and the others still import.

    From the cache, a file already imported from the same reference and version is
    not imported twice: its result names the existing table.
    """
    results: list[ImportResult] = []
    existing = _imported(ws, fetched) if fetched.cached else {}
    for i, rel in enumerate(fetched.files):
        if is_document(rel):
            results.append(ImportResult(rel, skipped="documentation, not data"))
            continue
        if rel in existing:
            results.append(ImportResult(rel, skipped=f"already imported as {', '.join(existing[rel])}"))
            continue
        step = None
        if on_progress is not None:
            def step(done: float, _label: str, i=i, rel=rel) -> None:
                on_progress((i + done) / len(fetched.files), rel)
        for result in ingest.load(ws, [fetched.root / rel], source_kind="kaggle",
                                  source_detail=fetched.source_detail(rel), on_progress=step, cancel=cancel):
            result.label = rel + result.label.removeprefix(PurePosixPath(rel).name)  # keep the folder, and [sheet]
            results.append(result)
    return results


def _imported(ws: Workspace, fetched: Fetched) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for t in ws.tables():
        d = t.source_detail
        if t.source_kind == "kaggle" and d.get("ref") == fetched.ref and d.get("version") == fetched.version:
            found.setdefault(d.get("file"), []).append(t.name)
    return found


def download_and_import(
    ws: Workspace,
    ref: Ref,
    *,
    file: str | None = None,
    force: bool = False,
    on_transfer: OnTransfer | None = None,
    on_progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> KaggleImport:
    fetched = fetch(ws, ref, file=file, force=force, on_progress=on_transfer, cancel=cancel)
    return KaggleImport(fetched, import_fetched(ws, fetched, on_progress=on_progress, cancel=cancel))
