"""Streaming a download to disk: progress, cancel, and resume with `Range` when the connection drops.

The body goes to `<dest>.part`; a small `<dest>.part.json` beside it records
which remote object it belongs to (ETag or Last-Modified, and size), so a
later run resumes an interrupted download instead of starting over, but never
appends to bytes of a different version. The file takes its final name only
when every byte has arrived.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import requests
import urllib3

from workbench.errors import Cancelled
from workbench.kaggle.errors import DownloadInterrupted, TimedOut
from workbench.settings import LIMITS, Limits

CHUNK = 1 << 20
_REPORT_EVERY = 0.1  # seconds between progress reports
# what a dropped or stalled connection raises while the body streams
_DROPS = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError,
          urllib3.exceptions.HTTPError)


@dataclass
class Transfer:
    """How far a download is: bytes so far, total (None when unknown), bytes per second."""

    done: int
    total: int | None
    speed: float

    @property
    def fraction(self) -> float:
        return min(self.done / self.total, 1.0) if self.total else 0.0

    def describe(self) -> str:
        of = f" of {human_bytes(self.total)}" if self.total else ""
        return f"{human_bytes(self.done)}{of} at {human_bytes(self.speed)}/s"


OnTransfer = Callable[[Transfer], None]
# open_range(offset, validator) -> a streaming response for the bytes from `offset` on
OpenRange = Callable[[int, str | None], requests.Response]


def human_bytes(n: float | None) -> str:
    if n is None:
        return "?"
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"


def save(
    response: requests.Response,
    dest: Path,
    open_range: OpenRange,
    *,
    limits: Limits = LIMITS,
    on_progress: OnTransfer | None = None,
    cancel: threading.Event | None = None,
) -> int:
    """Write the body of `response` to `dest`, resuming through `open_range` after drops. Returns the size."""
    part = dest.with_name(dest.name + ".part")
    marker = dest.with_name(dest.name + ".part.json")
    total = _length(response)
    validator = response.headers.get("ETag") or response.headers.get("Last-Modified")
    identity = {"validator": validator, "total": total}
    resumable = response.headers.get("Accept-Ranges", "").lower() == "bytes"
    dest.parent.mkdir(parents=True, exist_ok=True)
    offset = 0
    if resumable and validator and part.exists() and _read_marker(marker) == identity:
        offset = part.stat().st_size  # an earlier run got this far: continue from there
        response.close()
        response = None
    else:
        part.write_bytes(b"")
        marker.write_text(json.dumps(identity))
    meter = _Meter(offset, total, on_progress)
    failures = 0
    while True:
        try:
            if response is None:
                response = open_range(offset, validator)
                if response.status_code == 200:  # the server sent the whole object again
                    offset = 0
                    part.write_bytes(b"")
                elif response.status_code == 416 and total is not None and offset >= total:
                    break
                else:
                    response.raise_for_status()
                    _check_range(response, offset)
            offset = _copy(response, part, offset, meter, cancel)
            if total is None or offset >= total:
                break
            raise requests.exceptions.ChunkedEncodingError(f"the body ended after {offset} of {total} bytes")
        except _DROPS as exc:
            offset = part.stat().st_size
            failures += 1
            if failures > limits.kaggle_retries:
                raise _gave_up(exc, dest.name, offset, total, failures, limits) from exc
            pause = limits.kaggle_backoff * 2 ** (failures - 1)
            if cancel is None:
                time.sleep(pause)
            elif cancel.wait(pause):
                raise Cancelled(_cancelled(dest.name)) from exc
        finally:
            if response is not None:
                response.close()
                response = None
    meter.report(force=True)
    part.replace(dest)
    marker.unlink(missing_ok=True)
    return offset


def _copy(response: requests.Response, part: Path, offset: int, meter: _Meter,
          cancel: threading.Event | None) -> int:
    with open(part, "r+b") as out:
        out.seek(offset)
        out.truncate()
        for block in _blocks(response):
            if cancel is not None and cancel.is_set():
                raise Cancelled(_cancelled(part.name.removesuffix(".part")))
            out.write(block)
            offset += len(block)
            meter.advance(offset)
    return offset


def _blocks(response: requests.Response) -> Iterator[bytes]:
    """The body as it arrives. `read1` hands over what came before a drop (iter_content would lose its chunk)."""
    if response._content_consumed:  # the client read a JSON body to look for an error in it
        yield response.content
        return
    while block := response.raw.read1(CHUNK, decode_content=True):
        yield block


class _Meter:
    def __init__(self, start: int, total: int | None, on_progress: OnTransfer | None):
        self.start, self.done, self.total, self.on_progress = start, start, total, on_progress
        self.began = time.monotonic()
        self.last = self.began - _REPORT_EVERY  # the first bytes are reported at once

    def advance(self, done: int) -> None:
        self.done = done
        self.report()

    def report(self, force: bool = False) -> None:
        now = time.monotonic()
        if self.on_progress is None or (not force and now - self.last < _REPORT_EVERY):
            return
        self.last = now
        speed = (self.done - self.start) / max(now - self.began, 1e-6)
        self.on_progress(Transfer(self.done, self.total, speed))


def _length(response: requests.Response) -> int | None:
    value = response.headers.get("Content-Length")
    return int(value) if value and value.isdigit() else None


def _check_range(response: requests.Response, offset: int) -> None:
    found = re.match(r"bytes (\d+)-", response.headers.get("Content-Range", ""))
    if response.status_code != 206 or not found or int(found.group(1)) != offset:
        raise requests.exceptions.ChunkedEncodingError(
            f"asked to resume at byte {offset}, the server answered {response.status_code} "
            f"{response.headers.get('Content-Range', '')}"
        )


def _read_marker(marker: Path) -> dict | None:
    try:
        return json.loads(marker.read_text())
    except (OSError, ValueError):
        return None


def _is_timeout(exc: BaseException) -> bool:
    seen = exc
    while seen is not None:
        if isinstance(seen, (requests.Timeout, urllib3.exceptions.TimeoutError)):
            return True
        seen = seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else seen.__context__
    return False


def _gave_up(exc: BaseException, name: str, offset: int, total: int | None, attempts: int,
             limits: Limits) -> Exception:
    got = f"{human_bytes(offset)} of {human_bytes(total)}" if total else human_bytes(offset)
    again = "Run the same download again to resume from there."
    if _is_timeout(exc):
        return TimedOut(
            f"The download of {name} stalled: no data for {limits.kaggle_read_timeout:g} s, {attempts} times "
            f"({got} received and kept). {again}"
        )
    return DownloadInterrupted(
        f"The connection kept dropping while downloading {name}: {attempts} attempts, "
        f"{got} received and kept. {again}"
    )


def _cancelled(name: str) -> str:
    return f"Download of {name} cancelled; what arrived is kept and the next download resumes from there."
