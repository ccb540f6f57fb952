"""A small Kaggle API server for the tests, speaking the wire protocol the real client uses.

Every call is `POST /api/v1/<service>/<method>` with a JSON body and HTTP Basic
or Bearer auth; errors are a status >= 400 with `{"code", "message"}`;
downloads answer `302 Location: <blob url>`, and the blob is served with
Content-Length, ETag, Accept-Ranges and Range support. It also answers
absolute-URI requests, so the client can reach it as an HTTP proxy
(`KAGGLE_API_ENVIRONMENT=LOCALHOST` + `HTTP_PROXY`), the way a user behind a
proxy works. Tests switch on failures: drop a download after N bytes, stall
one (connection open, no more bytes), hang without answering, refuse a
competition (rules not accepted), rate limit.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import json
import socket
import threading
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

USERNAME, KEY, TOKEN = "ada", "0123456789abcdef", "KGAT_fake_token"


def zip_bytes(files: dict[str, bytes]) -> bytes:
    return _zip(tuple(files.items()))


@functools.lru_cache(maxsize=16)
def _zip(files: tuple[tuple[str, bytes], ...]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in files:
            zf.writestr(zipfile.ZipInfo(name, (2026, 1, 2, 3, 4, 6)), content, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


@dataclass
class Dataset:
    files: dict[str, bytes]
    title: str = ""
    version: int = 1
    licence: str = "CC0-1.0"
    votes: int = 10
    downloads: int = 100
    archive: bytes | None = None  # served instead of the zip of `files` (a corrupt archive, say)


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: dict = field(default_factory=dict)


class FakeKaggle:
    def __init__(self) -> None:
        self.datasets: dict[str, Dataset] = {}
        self.competitions: dict[str, dict[str, bytes]] = {}
        self.rules_not_accepted: set[str] = set()
        self.keys = {USERNAME: KEY}
        self.tokens = {TOKEN}
        self.drops = 0  # how many blob downloads to cut ...
        self.drop_after = 0  # ... after this many bytes
        self.stalls = 0  # how many blob downloads stop sending after drop_after bytes, connection open
        self.hang = False  # API calls accept the connection and never answer
        self.rate_limited = False
        self.seen: list[Seen] = []
        self.blob_bytes_sent = 0
        self._blobs: dict[str, tuple[bytes, str]] = {}
        self._release = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    # -- life --------------------------------------------------------------------------

    def start(self) -> FakeKaggle:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def proxy(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """Environment variables that point the real client here, as at a proxy."""
        return {"KAGGLE_API_ENVIRONMENT": "LOCALHOST", "HTTP_PROXY": self.proxy, "http_proxy": self.proxy,
                "NO_PROXY": "", "no_proxy": ""}

    def calls(self, method: str) -> list[Seen]:
        return [s for s in self.seen if s.path.endswith("/" + method)]

    def blob_gets(self) -> list[Seen]:
        return [s for s in self.seen if s.method == "GET" and s.path.startswith("/blobs/")]

    # -- the API -----------------------------------------------------------------------

    def answer(self, method: str, body: dict, host: str) -> tuple[int, dict | str]:
        """(status, JSON document) or (302, blob URL)."""
        if self.rate_limited:
            return 429, {"code": 429, "message": "Too many requests"}
        if method == "ListDatasets":
            term = (body.get("search") or "").lower()
            found = [self._dataset_json(ref, d) for ref, d in sorted(self.datasets.items())
                     if term in ref.lower() or term in d.title.lower()]
            return 200, {"datasets": found, "nextPageToken": ""}
        if method in ("GetDataset", "ListDatasetFiles", "DownloadDataset"):
            ref = f"{body.get('ownerSlug')}/{body.get('datasetSlug')}"
            dataset = self.datasets.get(ref)
            version = body.get("datasetVersionNumber")
            if dataset is None or (version is not None and not 1 <= int(version) <= dataset.version):
                return 404, {"code": 404, "message": "Not found"}
            if method == "GetDataset":
                return 200, self._dataset_json(ref, dataset)
            if method == "ListDatasetFiles":
                return 200, {"datasetFiles": [{"name": n, "totalBytes": len(c)} for n, c in dataset.files.items()],
                             "nextPageToken": ""}
            name = body.get("fileName")
            if name:
                if name not in dataset.files:
                    return 404, {"code": 404, "message": "Not found"}
                return 302, self._blob(dataset.files[name], host, name.rsplit("/", 1)[-1])
            return 302, self._blob(dataset.archive or zip_bytes(dataset.files), host, f"{ref.split('/')[1]}.zip")
        if method in ("DownloadDataFiles", "ListDataFiles", "DownloadDataFile"):
            slug = body.get("competitionName")
            if slug not in self.competitions:
                return 404, {"code": 404, "message": "Not found"}
            files = self.competitions[slug]
            if method == "ListDataFiles":
                return 200, {"files": [{"name": n, "totalBytes": len(c)} for n, c in files.items()]}
            if slug in self.rules_not_accepted:
                return 403, {"code": 403, "message": "You must accept this competition's rules before you'll be "
                                                     "able to download files."}
            if method == "DownloadDataFile":
                return 302, self._blob(files[body["fileName"]], host, body["fileName"])
            return 302, self._blob(zip_bytes(files), host, f"{slug}.zip")
        return 404, {"code": 404, "message": f"Unknown method {method}"}

    def authorised(self, header: str | None) -> bool:
        if not header:
            return False
        kind, _, value = header.partition(" ")
        if kind == "Bearer":
            return value in self.tokens
        if kind == "Basic":
            user, _, key = base64.b64decode(value).decode().partition(":")
            return self.keys.get(user) == key
        return False

    def _dataset_json(self, ref: str, d: Dataset) -> dict:
        return {"ref": ref, "title": d.title or ref, "totalBytes": sum(len(c) for c in d.files.values()),
                "lastUpdated": "2026-01-02T03:04:05.000Z", "currentVersionNumber": d.version,
                "licenseName": d.licence, "voteCount": d.votes, "downloadCount": d.downloads,
                "url": f"https://www.kaggle.com/datasets/{ref}"}

    def _blob(self, content: bytes, host: str, name: str) -> str:
        digest = hashlib.sha1(content).hexdigest()
        self._blobs[digest] = (content, f'"{digest}"')
        return f"http://{host}/blobs/{digest}/{name}?signature=fake"


def _handler(fake: FakeKaggle):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def do_POST(self) -> None:
            path = urlsplit(self.path).path
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            fake.seen.append(Seen("POST", path, dict(self.headers), body))
            if fake.hang:
                fake._release.wait(30)
                self.close_connection = True
                return
            if not path.startswith("/api/v1/"):
                return self._json(404, {"code": 404, "message": "Not found"})
            if not fake.authorised(self.headers.get("Authorization")):
                return self._json(401, {"code": 401, "message": "Unauthenticated"})
            status, answer = fake.answer(path.rsplit("/", 1)[-1], body, self.headers.get("Host", ""))
            if status == 302:
                self.send_response(302)
                self.send_header("Location", answer)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self._json(status, answer)

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            fake.seen.append(Seen("GET", path, dict(self.headers)))
            parts = path.split("/")
            blob = fake._blobs.get(parts[2]) if len(parts) > 2 and parts[1] == "blobs" else None
            if blob is None:
                return self._json(404, {"code": 404, "message": "No such blob"})
            content, etag = blob
            start = 0
            wanted = self.headers.get("Range", "")
            if wanted.startswith("bytes=") and self.headers.get("If-Range", etag) == etag:
                start = int(wanted[6:].split("-")[0])
            if start >= len(content) and start:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(content)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206 if start else 200)
            if start:
                self.send_header("Content-Range", f"bytes {start}-{len(content) - 1}/{len(content)}")
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(content) - start))
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("ETag", etag)
            self.end_headers()
            body = content[start:]
            if fake.stalls > 0:
                fake.stalls -= 1
                self.wfile.write(body[: fake.drop_after])
                self.wfile.flush()
                fake._release.wait(30)
                self.close_connection = True
                return
            if fake.drops > 0:
                fake.drops -= 1
                self.wfile.write(body[: fake.drop_after])
                self.wfile.flush()
                fake.blob_bytes_sent += len(body[: fake.drop_after])
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            self.wfile.write(body)
            fake.blob_bytes_sent += len(body)

        def _json(self, status: int, document: dict) -> None:
            data = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler
