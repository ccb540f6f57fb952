"""Detect a text file's encoding, and transcode the ones DuckDB cannot read.

DuckDB reads UTF-8 (with or without BOM), UTF-16 and Latin-1 itself; anything
else (Windows-1252, other code pages) is transcoded to a UTF-8 copy in a
streaming pass. Detection order: a BOM, then strict UTF-8 on a sample, then
charset-normalizer's best guess.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from charset_normalizer import from_bytes

UTF8, UTF16, LATIN1 = "utf-8", "utf-16", "latin-1"
NATIVE = (UTF8, UTF16, LATIN1)

_CONFIDENT = 0.3  # charset-normalizer coherence: share of text matching a language
# bytes that are printable in Windows-1252 but control characters in Latin-1
_CP1252_ONLY = set(range(0x80, 0xA0)) - {0x81, 0x8D, 0x8F, 0x90, 0x9D}


def detect_encoding(sample: bytes) -> str:
    """A Python codec name for the sample's encoding."""
    if sample.startswith(codecs.BOM_UTF8):
        return UTF8
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return UTF16
    try:
        # final=False: a multi-byte character cut at the end of the sample is fine
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return UTF8
    except UnicodeDecodeError:
        pass
    # Short samples fool statistical detectors (Latin-1 text is often guessed as
    # cp1250 or cp775). Trust a guess only when it recognised a language;
    # otherwise assume the Western code pages most files outside UTF-8 use.
    best = from_bytes(sample).best()
    if best is not None and best.coherence >= _CONFIDENT and not _is_western(best.encoding):
        return best.encoding
    return "cp1252" if any(b in _CP1252_ONLY for b in sample) else LATIN1


def _is_western(codec: str) -> bool:
    return codecs.lookup(codec).name in {"cp1252", "iso8859-1", "iso8859-15", "latin-1", "ascii"}


def duckdb_encoding(codec: str) -> str | None:
    """DuckDB's name for `codec`, or None when the file must be transcoded first."""
    name = codecs.lookup(codec).name
    return {"utf-8": UTF8, "utf-16": UTF16, "latin-1": LATIN1, "iso8859-1": LATIN1}.get(name)


def transcode_to_utf8(src: Path, dest: Path, codec: str, chunk: int = 1 << 20) -> None:
    """Stream `src` in `codec` into `dest` as UTF-8, never holding the whole file."""
    decoder = codecs.getincrementaldecoder(codec)(errors="replace")
    with open(src, "rb") as fin, open(dest, "w", encoding="utf-8", newline="") as fout:
        while block := fin.read(chunk):
            fout.write(decoder.decode(block))
        fout.write(decoder.decode(b"", final=True))
