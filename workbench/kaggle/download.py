"""Fetching a dataset or competition into the workspace's cache, extracted and ready to import.

The cache lives under `downloads/kaggle/` in the workspace, one folder per
reference, version and selection (all files, or one file):
`datasets/<owner>/<slug>/v<N>/all/` or `competitions/<slug>/current/file-<name>/`.
A folder counts only once its `manifest.json` is written, after the download
and the extraction succeeded; a repeat then costs one small API call (to learn
the current version; none when the reference names one), or none at all with
`force=True`, which downloads again.
"""

from __future__ import annotations

import json
import shutil
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import requests

from workbench.errors import WorkbenchError
from workbench.ingest import archive
from workbench.ingest.formats import ZIP, detect
from workbench.kaggle import client, credentials, transfer
from workbench.kaggle.errors import CorruptDownload
from workbench.kaggle.refs import Ref
from workbench.kaggle.transfer import OnTransfer
from workbench.settings import Limits
from workbench.uploads import safe_filename
from workbench.workspace import Workspace

MANIFEST = "manifest.json"


@dataclass
class Fetched:
    """A download in the cache: where its files are and what to record about them."""

    ref: str
    version: int | None
    file: str | None
    licence: str | None
    url: str
    downloaded_at: str
    folder: Path
    size: int
    files: list[str] = field(default_factory=list)  # paths relative to `root`, data or not
    cached: bool = False

    @property
    def root(self) -> Path:
        return self.folder / "files"

    def source_detail(self, rel: str) -> dict[str, Any]:
        return {"ref": self.ref, "version": self.version, "file": rel, "licence": self.licence,
                "url": self.url, "downloaded_at": self.downloaded_at}

    def as_dict(self) -> dict[str, Any]:
        return {k: str(v) if isinstance(v, Path) else v for k, v in self.__dict__.items()}


def cache_folder(ws: Workspace, ref: Ref, version: int | None, file: str | None) -> Path:
    base = ws.downloads / "kaggle"
    place = (base / "competitions" / ref.slug / "current" if ref.competition
             else base / "datasets" / ref.owner / ref.slug / f"v{version}")
    return place / (f"file-{safe_filename(file)}" if file else "all")


def fetch(
    ws: Workspace,
    ref: Ref,
    *,
    file: str | None = None,
    force: bool = False,
    on_progress: OnTransfer | None = None,
    cancel: threading.Event | None = None,
) -> Fetched:
    """Download (or find in the cache) `ref`, or one `file` of it, and extract it."""
    if ref.version and not force:  # a pinned version never changes: the cache answers offline
        found = _read_manifest(cache_folder(ws, ref, ref.version, file))
        if found is not None:
            return found
    creds = credentials.require()
    with client.connect(creds, ws.limits) as kc:
        licence, version = _licence_and_version(ws, kc, creds, ref)
        folder = cache_folder(ws, ref, version, file)
        if force:
            shutil.rmtree(folder, ignore_errors=True)
        elif (found := _read_manifest(folder)) is not None:
            return found
        pinned = ref if ref.competition else ref.at_version(version)
        response = client.open_download(kc, creds, pinned, file, ws.limits)
        target = folder / "download" / _file_name(response, ref, file)
        with client.api_errors(creds, ws.limits, ref=ref):
            size = transfer.save(response, target, _range_opener(response.url, ws.limits),
                                 limits=ws.limits, on_progress=on_progress, cancel=cancel)
    fetched = Fetched(
        ref=ref.name, version=version, file=file, licence=licence, url=ref.at_version(version).url,
        downloaded_at=datetime.now(UTC).isoformat(timespec="seconds"), folder=folder, size=size,
    )  # fmt: skip
    fetched.files = _unpack(ws, target, fetched.root)
    (folder / MANIFEST).write_text(json.dumps(fetched.as_dict(), indent=1))
    return fetched


def _licence_and_version(ws: Workspace, kc, creds: credentials.Credentials,
                         ref: Ref) -> tuple[str | None, int | None]:
    if ref.competition:
        return f"competition rules: {ref.rules_url}", None
    info = client.dataset(ref, creds, kc, ws.limits)
    return info.licence, ref.version or info.version


def _file_name(response: requests.Response, ref: Ref, file: str | None) -> str:
    """The name the blob is served under, as the `kaggle` command names it."""
    if not file:
        return f"{ref.slug}.zip"
    served = unquote(urlsplit(response.url).path.rsplit("/", 1)[-1])
    return safe_filename(served or file)


def _range_opener(url: str, limits: Limits) -> transfer.OpenRange:
    """Resume requests go straight to the blob address, as the `kaggle` command does (signed, no auth)."""

    def open_range(offset: int, validator: str | None) -> requests.Response:
        headers = {"Range": f"bytes={offset}-"}
        if validator:
            headers["If-Range"] = validator
        return requests.get(url, headers=headers, stream=True, timeout=client.timeouts(limits))

    return open_range


def _unpack(ws: Workspace, download: Path, root: Path) -> list[str]:
    """Extract an archive into `root` (the foundation's safe rules), or put the single file there."""
    shutil.rmtree(root, ignore_errors=True)
    if detect(download) != ZIP:
        root.mkdir(parents=True)
        download.replace(root / download.name)
        return [download.name]
    try:
        members = archive.extract(download, root, ws.limits)
    except WorkbenchError as exc:
        shutil.rmtree(download.parent.parent, ignore_errors=True)  # nothing of it stays in the cache
        if isinstance(exc, archive.UnsafeArchive):
            raise
        raise CorruptDownload(
            f"The download of {download.name} is not a valid zip archive ({exc}). "
            "It was removed from the cache: run the download again; if it fails the same way, "
            "the file on Kaggle is damaged."
        ) from exc
    download.unlink()  # the extracted files are what the cache keeps
    return sorted(m.relative_to(root).as_posix() for m in members)


def _read_manifest(folder: Path) -> Fetched | None:
    """The cached download in `folder`, if it is complete."""
    try:
        data = json.loads((folder / MANIFEST).read_text())
        data["folder"] = folder  # the workspace may have moved since
        data["cached"] = True
        found = Fetched(**data)
    except (OSError, ValueError, TypeError, KeyError):
        return None
    return found if all((found.root / f).is_file() for f in found.files) else None
