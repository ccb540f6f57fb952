"""How the SQL engine and its worker process talk, both ways, in one place.

Engine -> worker, on the worker's stdin: one JSON request per line, or `cancel <id>`.
Worker -> engine, on a private copy of its stdout: one JSON header per line, followed by
`payload` bytes when the header says so (an Arrow IPC batch of rows).
"""

from __future__ import annotations

import json
from typing import Any, BinaryIO


def request_line(request: dict) -> bytes:
    return json.dumps(request).encode() + b"\n"


def cancel_line(request_id: int) -> bytes:
    return f"cancel {request_id}\n".encode()


def read_request(line: bytes) -> tuple[str, Any]:
    """("cancel", id) or ("run", the request)."""
    words = line.split()
    if words[:1] == [b"cancel"]:
        return "cancel", int(words[1])
    return "run", json.loads(line)


def send(out: BinaryIO, header: dict, payload: bytes = b"") -> None:
    if payload:
        header = {**header, "payload": len(payload)}
    out.write(json.dumps(header, default=str).encode() + b"\n" + payload)
    out.flush()


def receive(stream: BinaryIO) -> dict | None:
    """The next reply (its payload under "data"), or None at the end of the stream."""
    line = stream.readline()
    if not line:
        return None
    header = json.loads(line)
    if header.get("payload"):
        header["data"] = stream.read(header["payload"])
    return header
