"""Saved queries: `.sql` files in a folder (the project's `queries/` by default).

Names are file stems made safe (letters, digits, `_` and `-`), so a name can
never point outside the folder.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from workbench.errors import WorkbenchError
from workbench.settings import PROJECT_ROOT


def default_folder() -> Path:
    """WORKBENCH_QUERIES, else the project's queries/ folder."""
    return Path(os.environ.get("WORKBENCH_QUERIES") or PROJECT_ROOT / "queries")


def safe_name(text: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_-]+", "_", text.strip().removesuffix(".sql")).strip("_-.")[:80]
    if not name:
        raise WorkbenchError("Give the query a name (letters, digits, _ or -).")
    return name


class SavedQueries:
    def __init__(self, folder: str | Path | None = None):
        self.folder = Path(folder) if folder else default_folder()

    def path(self, name: str) -> Path:
        return self.folder / f"{safe_name(name)}.sql"

    def names(self) -> list[str]:
        return sorted((p.stem for p in self.folder.glob("*.sql")), key=str.lower) if self.folder.is_dir() else []

    def read(self, name: str) -> str:
        path = self.path(name)
        if not path.is_file():
            raise WorkbenchError(f"There is no saved query named {name!r} in {self.folder}.")
        return path.read_text(encoding="utf-8")

    def save(self, name: str, text: str, overwrite: bool = True) -> str:
        """Write the query; returns the name it was saved under."""
        path = self.path(name)
        if path.exists() and not overwrite:
            raise WorkbenchError(f"A saved query named {path.stem!r} exists; choose another name.")
        if not text.strip():
            raise WorkbenchError("The query is empty: nothing to save.")
        self.folder.mkdir(parents=True, exist_ok=True)
        path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        return path.stem

    def rename(self, old: str, new: str) -> str:
        source, target = self.path(old), self.path(new)
        if not source.is_file():
            raise WorkbenchError(f"There is no saved query named {old!r}.")
        if target.exists() and target != source:
            raise WorkbenchError(f"A saved query named {target.stem!r} exists; choose another name.")
        source.rename(target)
        return target.stem

    def delete(self, name: str) -> None:
        path = self.path(name)
        if not path.is_file():
            raise WorkbenchError(f"There is no saved query named {name!r}.")
        path.unlink()
