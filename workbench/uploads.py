"""Keeping uploaded files in the workspace, under names that are safe on disk."""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import BinaryIO

from workbench.workspace import Workspace

CHUNK_BYTES = 1 << 20  # an upload is copied to disk this much at a time


def safe_filename(name: str) -> str:
    """A file name with no directories, control characters or shell-hostile characters."""
    base = re.split(r"[\\/]", name)[-1]
    base = unicodedata.normalize("NFKC", base)
    base = re.sub(r"[^\w.\- ]+", "_", base).strip(" .") or "upload"
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    return (stem[:100] or "upload") + (f".{ext[:16]}" if ext else "")


def save_upload(ws: Workspace, name: str, content: BinaryIO | bytes) -> Path:
    """Store an upload under downloads/uploads/; identical content is stored once.

    `content` is read in chunks of CHUNK_BYTES into a `.part` file while it is hashed, then moved
    into its folder: a 4 GB upload is never copied whole into memory (`getvalue()` would copy it).
    """
    source = io.BytesIO(content) if isinstance(content, bytes | bytearray) else content
    if source.seekable():
        source.seek(0)
    uploads = ws.downloads / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, part = tempfile.mkstemp(dir=uploads, prefix=f"{os.getpid()}-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := source.read(CHUNK_BYTES):
                digest.update(chunk)
                out.write(chunk)
        folder = uploads / digest.hexdigest()[:12]
        folder.mkdir(exist_ok=True)
        path = folder / safe_filename(name)
        if not path.exists():
            os.replace(part, path)
    finally:
        Path(part).unlink(missing_ok=True)
    return path
