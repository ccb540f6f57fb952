"""Uploads are streamed to disk in chunks, stored once per content, under a safe name."""

from __future__ import annotations

import io
import random

import pytest

from workbench import uploads
from workbench.uploads import save_upload


class Upload(io.BytesIO):
    """An uploaded file as Streamlit hands it over (a BytesIO), recording how much each read asked for."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.reads: list[int] = []

    def read(self, size: int | None = -1) -> bytes:
        self.reads.append(size if size is not None else -1)
        return super().read(size)

    def getvalue(self) -> bytes:
        raise AssertionError("getvalue() copies the whole upload into memory")


def test_an_upload_is_copied_in_chunks_never_whole(ws, monkeypatch):
    monkeypatch.setattr(uploads, "CHUNK_BYTES", 1000)
    data = random.Random(4).randbytes(4_500)
    upload = Upload(data)
    upload.read(10)  # a page may have peeked at it: the whole file is stored all the same
    path = save_upload(ws, "../Scores (v2).csv", upload)
    assert path.read_bytes() == data
    assert path.name == "Scores _v2_.csv" and path.parent.parent == ws.downloads / "uploads"
    assert upload.reads[1:] == [1000] * 6  # five chunks of 1000 and 500 bytes, then the empty read
    assert not list((ws.downloads / "uploads").rglob("*.part"))


def test_the_same_content_is_stored_once_and_other_content_apart(ws):
    first = save_upload(ws, "a.csv", Upload(b"x,y\n1,2\n"))
    again = save_upload(ws, "a.csv", b"x,y\n1,2\n")
    other = save_upload(ws, "a.csv", Upload(b"x,y\n3,4\n"))
    assert first == again and other != first and other.read_bytes() == b"x,y\n3,4\n"
    assert sorted(p.name for p in (ws.downloads / "uploads").iterdir()) == sorted([first.parent.name,
                                                                                 other.parent.name])  # fmt: skip


def test_a_failed_read_leaves_no_part_file(ws):
    class Broken(Upload):
        def read(self, size=-1):
            if self.tell() >= 3:
                raise OSError("the connection dropped")
            return super().read(3)

    with pytest.raises(OSError, match="dropped"):
        save_upload(ws, "b.csv", Broken(b"abcdefgh"))
    assert list((ws.downloads / "uploads").rglob("*")) == []
