"""Kaggle references as users type them: `owner/slug`, `owner/slug/versions/N`, or the page's address."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from workbench.kaggle.errors import KaggleError

WEB = "https://www.kaggle.com"
_NAME = r"[A-Za-z0-9][A-Za-z0-9_.\-]*"
_DATASET = re.compile(rf"^({_NAME})/({_NAME})(?:/versions/(\d+))?$")
_COMPETITION = re.compile(rf"^({_NAME})$")
_NOT_DATASETS = {"code", "models", "discussions", "learn", "settings", "search", "organizations", "benchmarks"}


@dataclass(frozen=True)
class Ref:
    """A dataset (owner, slug, optional version) or a competition (slug only)."""

    slug: str
    owner: str | None = None
    version: int | None = None

    @property
    def competition(self) -> bool:
        return self.owner is None

    @property
    def name(self) -> str:
        """`owner/slug` for a dataset, the slug for a competition."""
        return self.slug if self.competition else f"{self.owner}/{self.slug}"

    @property
    def url(self) -> str:
        if self.competition:
            return f"{WEB}/competitions/{self.slug}"
        return f"{WEB}/datasets/{self.name}" + (f"/versions/{self.version}" if self.version else "")

    @property
    def rules_url(self) -> str:
        return f"{WEB}/competitions/{self.slug}/rules"

    def at_version(self, version: int | None) -> Ref:
        return Ref(self.slug, self.owner, version)

    def __str__(self) -> str:
        return self.name + (f"/versions/{self.version}" if self.version else "")


def parse(text: str, competition: bool = False) -> Ref:
    """Read a reference; `competition` says a bare name is a competition (`--competition titanic`)."""
    raw = text.strip()
    path = raw
    if "://" in raw or raw.startswith(("www.kaggle.com/", "kaggle.com/")):
        parts = urlsplit(raw if "://" in raw else "https://" + raw)
        if not (parts.hostname or "").endswith("kaggle.com"):
            raise KaggleError(f"{raw!r} is not a kaggle.com address.")
        segments = [s for s in parts.path.split("/") if s]
        if segments[:1] in (["competitions"], ["c"]) and len(segments) >= 2:
            return Ref(segments[1])
        if segments[:1] == ["datasets"]:
            segments = segments[1:]
        elif segments[:1] and segments[0] in _NOT_DATASETS:
            raise KaggleError(f"{raw!r} is a Kaggle {segments[0]} page, not a dataset or a competition.")
        if len(segments) >= 4 and segments[2] == "versions":
            segments = segments[:4]
        elif len(segments) >= 2:
            segments = segments[:2]  # drop /data, /code, ... after the slug
        path = "/".join(segments)
    if competition:
        found = _COMPETITION.match(path)
        if found:
            return Ref(found.group(1))
        raise KaggleError(f"{raw!r} is not a competition name: use the name in its address, "
                          f"e.g. titanic for {WEB}/competitions/titanic.")
    found = _DATASET.match(path)
    if not found:
        raise KaggleError(
            f"{raw!r} is not a Kaggle dataset reference: use owner/dataset (e.g. zynicide/wine-reviews), "
            f"owner/dataset/versions/N or its address {WEB}/datasets/owner/dataset "
            "(for a competition add --competition)."
        )
    owner, slug, version = found.groups()
    return Ref(slug, owner, int(version) if version else None)
