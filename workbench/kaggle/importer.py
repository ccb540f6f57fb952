"""Importing a fetched Kaggle download: every data file becomes a table with its Kaggle provenance.

A competition's tables are named after it (`house_prices_train`, `house_prices_test`,
`house_prices_sample_submission`): every competition ships train/test/sample_submission,
and the second one's would otherwise be `train_2`, `test_2`... A dataset's tables keep the
names of its files, which its owner chose to say what they hold. Which table is a
competition's training table and which its sample submission is read from provenance
(the Kaggle reference and the file each table came from), not from table names.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from workbench import ingest
from workbench.ingest import ImportResult
from workbench.jobs import Progress
from workbench.kaggle.download import Fetched, fetch
from workbench.kaggle.refs import Ref
from workbench.kaggle.transfer import OnTransfer
from workbench.metadata import TableInfo
from workbench.names import table_name_from
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
    train: str | None = None  # the table of the download's training file (train.csv), the one to work on first
    sample_submission: str | None = None  # a competition's sample submission table

    @classmethod
    def of(cls, ws: Workspace, fetched: Fetched, results: list[ImportResult]) -> KaggleImport:
        """The outcome, with the download's training table and sample submission (also when cached)."""
        tables = _newest_tables(ws.tables(), fetched.ref, fetched.version)
        train = _by_stem(tables, lambda stem: stem == "train") or _by_stem(tables, lambda stem: "train" in stem)
        return cls(fetched, results, train, _by_stem(tables, _is_submission))

    @property
    def tables(self) -> list[str]:
        return [r.table for r in self.results if r.ok]

    @property
    def current(self) -> str | None:
        """The table to open after the download: the training table, else the first one made."""
        return self.train or next(iter(self.tables), None)

    def as_dict(self) -> dict[str, Any]:
        return {"download": self.fetched.as_dict(), "results": [r.as_dict() for r in self.results],
                "train": self.train, "sample_submission": self.sample_submission}  # fmt: skip


def competition(ref: str) -> bool:
    """Whether a recorded Kaggle reference names a competition (`titanic`) rather than a dataset (`owner/slug`)."""
    return "/" not in ref


def _stem(rel: str) -> str:
    return PurePosixPath(rel).name.split(".")[0].lower()


def _is_submission(stem: str) -> bool:
    return "submission" in stem  # sample_submission, sampleSubmission, gender_submission


def _by_stem(tables: dict[str, str], wanted) -> str | None:
    """The table of the only file whose name `wanted` accepts (by its stem), or None."""
    found = [table for rel, table in tables.items() if wanted(_stem(rel))]
    return found[0] if len(found) == 1 else None


def _newest_tables(infos: list[TableInfo], ref: str, version: int | None) -> dict[str, str]:
    """file -> the table last imported from it, for one Kaggle reference and version."""
    newest: dict[str, TableInfo] = {}
    for t in infos:
        d = t.source_detail
        if t.source_kind == "kaggle" and d.get("ref") == ref and d.get("version") == version and d.get("file"):
            kept = newest.get(d["file"])
            if kept is None or (t.created_at or datetime.min) > (kept.created_at or datetime.min):
                newest[d["file"]] = t
    return {rel: t.name for rel, t in newest.items()}


def competition_source(ws: Workspace, table: str) -> TableInfo | None:
    """The competition import `table` comes from, following its lineage back (`house_prices_test_clean` ->
    `house_prices_test`), or None when it comes from no Kaggle competition."""
    infos = {t.name: t for t in ws.tables()}
    todo, seen = [table], set()
    while todo:
        info = infos.get(name := todo.pop())
        if info is None or name in seen:
            continue
        seen.add(name)
        if info.source_kind == "kaggle" and competition(info.source_detail.get("ref") or "/"):
            return info
        todo += info.parents
    return None


def sample_submission_of(ws: Workspace, table: str) -> str | None:
    """The sample submission of the competition `table` comes from, or None (no competition, or it ships none)."""
    if (source := competition_source(ws, table)) is None:
        return None
    d = source.source_detail
    return _by_stem(_newest_tables(ws.tables(), d["ref"], d.get("version")), _is_submission)


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
    prefix = table_name_from(fetched.ref) if competition(fetched.ref) else None
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
        for result in ingest.load(ws, [fetched.root / rel], prefix=prefix, source_kind="kaggle",
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
    return KaggleImport.of(ws, fetched, import_fetched(ws, fetched, on_progress=on_progress, cancel=cancel))
