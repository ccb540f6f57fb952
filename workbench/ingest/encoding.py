"""Detect a text file's encoding, and transcode the ones DuckDB cannot read.

DuckDB reads UTF-8 (with or without BOM), UTF-16 little-endian and Latin-1
itself; anything else (UTF-16 big-endian, Windows-1252, other code pages) is
transcoded to a UTF-8 copy in a streaming pass. Detection order: a BOM, then
strict UTF-8 on a sample, then the Western code pages when the text reads as
Western, then charset-normalizer's best guess.
"""

from __future__ import annotations

import codecs
import gzip
import io
import re
import unicodedata
from pathlib import Path

from charset_normalizer import from_bytes

UTF8, UTF16, LATIN1 = "utf-8", "utf-16", "latin-1"
MIXED = "utf-8 and windows-1252"  # lines in both: each is decoded on its own
_WESTERN_FALLBACK = "cp1252"
UTF16_BE = "utf-16-be"  # DuckDB's utf-16 is little-endian only: big-endian files are transcoded
NATIVE = (UTF8, UTF16, LATIN1)

# bytes that are printable in Windows-1252 but control characters in Latin-1
_CP1252_ONLY = set(range(0x80, 0xA0)) - {0x81, 0x8D, 0x8F, 0x90, 0x9D}
# In Western European text accented letters are a minority among letters
# (French ~4%, German ~2%, Portuguese ~5%); Cyrillic or Greek read as Latin-1 is mostly "accents".
_MAX_ACCENTED_SHARE = 0.3
_INSIDE_WORDS = "’'–-"  # right single quote (it’s), en dash: fine between letters


def detect_encoding(sample: bytes) -> str:
    """A Python codec name for the sample's encoding."""
    if sample.startswith(codecs.BOM_UTF8):
        return UTF8
    if sample.startswith(codecs.BOM_UTF16_LE):
        return UTF16
    if sample.startswith(codecs.BOM_UTF16_BE):
        return UTF16_BE
    try:
        # final=False: a multi-byte character cut at the end of the sample is fine
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return UTF8
    except UnicodeDecodeError:
        pass
    if _has_mixed_lines(sample):
        return MIXED
    # Statistical detectors are poor on short samples: they guess cp1250 or cp775
    # for plain Spanish or French Latin-1. Most files outside UTF-8 use the
    # Western code pages, so take Western whenever the text reads as Western,
    # and ask charset-normalizer only when it clearly does not.
    western = "cp1252" if any(b in _CP1252_ONLY for b in sample) else LATIN1
    if _reads_as_western(sample.decode(western, errors="replace")):
        return western
    best = from_bytes(sample).best()
    return best.encoding if best is not None else western


def _reads_as_western(text: str) -> bool:
    """No control or replaced characters, few accented letters, no symbol wedged inside a word."""
    if any(unicodedata.category(c) == "Cc" and c not in "\t\r\n" for c in text) or "\ufffd" in text:
        return False
    letters = [c for c in text if c.isalpha()]
    accented = sum(not c.isascii() for c in letters)
    if accented > _MAX_ACCENTED_SHARE * max(len(letters), 1):
        return False
    wedged = re.finditer(r"(?<=[^\W\d_])[^\x00-\x7f](?=[^\W\d_])", text)
    return all(m.group().isalpha() or m.group() in _INSIDE_WORDS for m in wedged)


def duckdb_encoding(codec: str) -> str | None:
    """DuckDB's name for `codec`, or None when the file must be transcoded first."""
    if codec == MIXED:
        return None
    name = codecs.lookup(codec).name
    return {"utf-8": UTF8, "utf-16": UTF16, "latin-1": LATIN1, "iso8859-1": LATIN1}.get(name)


def mixed_line_endings(sample: bytes) -> bool:
    """True when the text ends lines in more than one way (CRLF, LF, CR): DuckDB refuses such files."""
    crlf = sample.count(b"\r\n")
    kinds = (crlf, sample.count(b"\r") - crlf, sample.count(b"\n") - crlf)
    return sum(k > 0 for k in kinds) > 1


def transcode_to_utf8(src: Path, dest: Path, codec: str, universal_newlines: bool = False,
                      chunk: int = 1 << 20) -> int:  # fmt: skip
    """Stream `src` in `codec` into `dest` as UTF-8, never holding the whole file.

    `universal_newlines` ends every line with LF. For MIXED, each line is decoded
    as UTF-8 when it is valid, else as Windows-1252; returns how many lines were.
    """
    opener = gzip.open if src.suffix.lower() == ".gz" else open
    with opener(src, "rb") as raw, open(dest, "w", encoding="utf-8", newline="") as fout:
        if codec == MIXED:
            return _transcode_lines(raw, fout, universal_newlines)
        text = io.TextIOWrapper(raw, encoding=codec, errors="replace", newline=None if universal_newlines else "")
        while block := text.read(chunk):
            fout.write(block)
    return 0


def _transcode_lines(raw, fout, universal_newlines: bool) -> int:
    fallback = 0
    for line in raw:
        try:
            text = line.decode(UTF8)
        except UnicodeDecodeError:
            text = line.decode(_WESTERN_FALLBACK, errors="replace")
            fallback += 1
        fout.write(text.replace("\r\n", "\n").replace("\r", "\n") if universal_newlines else text)
    return fallback


def _has_mixed_lines(sample: bytes) -> bool:
    """Some lines are valid UTF-8 with accents, others are not UTF-8: two encodings in one file."""
    valid_accented = invalid = False
    for line in sample.splitlines()[:-1] or sample.splitlines():  # the last line may be cut
        try:
            valid_accented |= not line.decode(UTF8).isascii()
        except UnicodeDecodeError:
            invalid = True
    return valid_accented and invalid
