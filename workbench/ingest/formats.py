"""What kind of file is this? By extension first, then by its first bytes."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

CSV, PARQUET, JSON, EXCEL, ZIP = "csv", "parquet", "json", "excel", "zip"
SUPPORTED = (CSV, PARQUET, JSON, EXCEL, ZIP)

_BY_SUFFIX = {
    ".csv": CSV, ".tsv": CSV, ".tab": CSV, ".txt": CSV, ".psv": CSV, ".dat": CSV,
    ".parquet": PARQUET, ".pq": PARQUET,
    ".json": JSON, ".ndjson": JSON, ".jsonl": JSON,
    ".xlsx": EXCEL, ".xlsm": EXCEL,
    ".zip": ZIP,
}  # fmt: skip

# Documentation that ships beside data (Kaggle and UCI archives are full of it):
# never a table, also as README.txt or LICENSE with no extension.
_DOC_STEMS = {"readme", "license", "licence", "copying", "notice", "changelog", "authors", "citation"}
_DOC_SUFFIXES = {".md", ".markdown", ".rst", ".html", ".htm", ".pdf", ".doc", ".docx", ".rtf", ".xml",
                 ".yml", ".yaml", ".toml", ".ini", ".cfg", ".py", ".ipynb", ".r", ".sql", ".sh", ".names"}


def detect(path: Path) -> str | None:
    """The format of `path`, or None when it is not a data file we can read."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in _DOC_SUFFIXES:
        return None
    if path.name.split(".")[0].lower() in _DOC_STEMS and suffixes in ([], [".txt"]):
        return None
    if suffixes and suffixes[-1] == ".gz" and len(suffixes) >= 2:
        fmt = _BY_SUFFIX.get(suffixes[-2])
        return fmt if fmt in (CSV, JSON) else None
    if suffixes and suffixes[-1] in _BY_SUFFIX:
        return _BY_SUFFIX[suffixes[-1]]
    return _sniff(path)


# The first bytes of binary files that are never delimited text or JSON, whatever their name says.
_BINARY_KINDS = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"), (b"%PDF-", "a PDF document"), (b"PK\x03\x04", "a zip archive (an Excel .xlsx is one)"),
    (b"SQLite format 3\x00", "an SQLite database"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office file (.xls)"),
    (b"\x1f\x8b", "gzip-compressed"), (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"), (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x7fELF", "a program"),
)  # fmt: skip


def disguised(path: Path, fmt: str) -> str | None:
    """What a file named as text (CSV, JSON) really is when its bytes say it is binary, else None.

    Read as text, a PNG or an .xlsx named .csv becomes a table of garbage rather than an error.
    """
    if fmt not in (CSV, JSON) or path.suffix.lower() == ".gz":
        return None
    with open(path, "rb") as f:
        head = f.read(16)
        f.seek(max(0, f.seek(0, 2) - 4))
        tail = f.read(4)
    if head.startswith(b"PAR1") and tail == b"PAR1":  # a header line may start with PAR1; a file ending so won't
        return "a Parquet file"
    return next((kind for magic, kind in _BINARY_KINDS if head.startswith(magic)), None)


def open_text_sample(path: Path, size: int) -> bytes:
    """The first `size` bytes of the file's content (decompressed for .gz)."""
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    with opener(path, "rb") as f:
        return f.read(size)


def _sniff(path: Path) -> str | None:
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return None
    if head.startswith(b"PAR1"):
        return PARQUET
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as z:
                return EXCEL if "xl/workbook.xml" in z.namelist() else ZIP
        except zipfile.BadZipFile:
            return None
    if not head.startswith((b"\xff\xfe", b"\xfe\xff")) and _looks_binary(head):
        return None
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"[", b"{"):
        return JSON
    return CSV if head else None


# Bytes that text holds in any 8-bit code page or UTF-8: all but NUL, DEL and the controls other than
# tab, line feed, form feed and carriage return.
_TEXT_BYTES = bytes(b for b in range(256) if b >= 0x20 and b != 0x7F or b in (0x09, 0x0A, 0x0C, 0x0D))


def control_share(sample: bytes) -> float:
    """The share of `sample` made of bytes no text holds (NUL, DEL, other control bytes)."""
    return len(sample.translate(None, _TEXT_BYTES)) / len(sample) if sample else 0.0


def utf16_without_bom(sample: bytes) -> bool:
    """Nearly every other byte is NUL, all on the same side: ASCII text written as UTF-16 with no BOM."""
    half = len(sample) // 2
    return half > 0 and max(sample[0::2].count(0), sample[1::2].count(0)) > 0.9 * half


def _looks_binary(head: bytes) -> bool:
    """A NUL byte, or control bytes more than text ever has (any code page; UTF-16 is checked first)."""
    return b"\x00" in head or control_share(head) > 0.01
