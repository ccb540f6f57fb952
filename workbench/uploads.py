"""Keeping uploaded files in the workspace, under names that are safe on disk."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

from workbench.workspace import Workspace


def safe_filename(name: str) -> str:
    """A file name with no directories, control characters or shell-hostile characters."""
    base = re.split(r"[\\/]", name)[-1]
    base = unicodedata.normalize("NFKC", base)
    base = re.sub(r"[^\w.\- ]+", "_", base).strip(" .") or "upload"
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    return (stem[:100] or "upload") + (f".{ext[:16]}" if ext else "")


def save_upload(ws: Workspace, name: str, content: bytes) -> Path:
    """Store an upload under downloads/uploads/; identical content is stored once."""
    folder = ws.downloads / "uploads" / hashlib.sha256(content).hexdigest()[:12]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / safe_filename(name)
    if not path.exists():
        tmp = path.with_suffix(path.suffix + ".part")
        tmp.write_bytes(content)
        tmp.replace(path)
    return path
