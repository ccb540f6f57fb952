"""Safe extraction of zip archives.

Refuses members whose names escape the destination (absolute paths, `..`,
drive letters) and symbolic links, and stops zip bombs: a cap on the number
of members, on the total uncompressed size and on each member's compression
ratio, checked against the bytes actually written, not the sizes the archive
claims.
"""

from __future__ import annotations

import shutil
import stat
import zipfile
from pathlib import Path, PurePosixPath

from workbench.errors import WorkbenchError
from workbench.settings import Limits

_IGNORED_PARTS = {"__MACOSX", ".DS_Store"}
_RATIO_FLOOR = 1 << 20  # small members may compress well; judge ratio above 1 MiB
_READABLE_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_METHOD_NAMES = {6: "Implode", 9: "Deflate64", 10: "PKWARE DCL Implode", 93: "Zstandard", 95: "XZ", 98: "PPMd"}


class UnsafeArchive(WorkbenchError):
    pass


def safe_member_path(name: str) -> PurePosixPath | None:
    """The relative path to extract `name` to, None to skip it; raises when it is hostile."""
    normalised = name.replace("\\", "/")
    path = PurePosixPath(normalised)
    if normalised.startswith("/") or (len(normalised) > 1 and normalised[1] == ":"):
        raise UnsafeArchive(f"The archive member {name!r} has an absolute path; refusing to extract.")
    if ".." in path.parts:
        raise UnsafeArchive(f"The archive member {name!r} points outside the archive; refusing to extract.")
    if normalised.endswith("/") or any(p in _IGNORED_PARTS or p.startswith("._") for p in path.parts):
        return None
    return path


def _unused(target: Path, written: list[Path]) -> Path:
    """`target`, or `name (2).csv`, ... when an earlier member of the same name was written there."""
    n = 1
    candidate = target
    while candidate in written:
        n += 1
        candidate = target.with_name(f"{target.name.split('.')[0]} ({n}){''.join(target.suffixes)}")
    return candidate


def _check_readable(archive: Path, members: list[zipfile.ZipInfo]) -> None:
    """Refuse, before writing anything, members that are encrypted or use a method Python cannot unpack."""
    for info in members:
        if info.flag_bits & 0x1:
            raise WorkbenchError(
                f"{info.filename!r} in {archive.name} is encrypted: unzip it with its password "
                "and load the extracted files."
            )
        if info.compress_type not in _READABLE_METHODS:
            method = _METHOD_NAMES.get(info.compress_type, f"method {info.compress_type}")
            raise WorkbenchError(
                f"{info.filename!r} in {archive.name} is compressed with {method}, which the workbench cannot "
                "unpack: extract the archive with another tool (7-Zip, unzip) and load the files."
            )


def extract(archive: Path, dest: Path, limits: Limits) -> list[Path]:
    """Extract `archive` into a fresh `dest`; return the extracted files.

    A zip may hold two members of the same name: each is kept, the later ones as `name (2).csv`, ...
    """
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise WorkbenchError(f"{archive.name} is not a readable zip archive ({exc}).") from exc
    with zf:
        members = zf.infolist()
        if len(members) > limits.zip_max_members:
            raise UnsafeArchive(
                f"{archive.name} holds {len(members):,} files, more than the limit of {limits.zip_max_members:,}."
            )
        _check_readable(archive, members)
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        written_total = 0
        out: list[Path] = []
        try:
            for info in members:
                rel = safe_member_path(info.filename)
                if rel is None:
                    continue
                if stat.S_ISLNK(info.external_attr >> 16):
                    raise UnsafeArchive(
                        f"The archive member {info.filename!r} is a symbolic link; refusing to extract."
                    )
                target = _unused(dest.joinpath(*rel.parts), out)
                target.parent.mkdir(parents=True, exist_ok=True)
                written = 0
                with zf.open(info) as src, open(target, "wb") as dst:
                    while block := src.read(1 << 20):
                        written += len(block)
                        written_total += len(block)
                        if written_total > limits.zip_max_total_bytes:
                            raise UnsafeArchive(
                                f"{archive.name} expands to more than {limits.zip_max_total_bytes:,} bytes; "
                                "refusing to extract (raise Limits.zip_max_total_bytes to allow it)."
                            )
                        if written > _RATIO_FLOOR and written > limits.zip_max_ratio * max(info.compress_size, 1):
                            raise UnsafeArchive(
                                f"{info.filename!r} in {archive.name} expands more than "
                                f"{limits.zip_max_ratio:.0f} times its compressed size: a zip bomb? Refusing."
                            )
                        dst.write(block)
                out.append(target)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
            shutil.rmtree(dest, ignore_errors=True)
            raise WorkbenchError(f"{archive.name} is damaged and could not be extracted ({exc}).") from exc
        except BaseException:
            shutil.rmtree(dest, ignore_errors=True)
            raise
    return out
