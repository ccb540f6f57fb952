"""Which app serves a workspace, and where: so that `workbench.show()` opens a table in the running app.

`workbench ui` writes `app.json` (address and process id) in the workspace before it starts the
server; `explore_url` reads it, checks that the server still answers, and otherwise starts one on a
free loopback port and waits (bounded) until it answers.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from workbench.errors import WorkbenchError
from workbench.settings import LIMITS

ADDRESS_FILE = "app.json"


def record(home: Path, host: str, port: int) -> None:
    """Say that this process (the server, once exec'd) serves `home` at host:port."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    path = Path(home) / ADDRESS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"url": f"http://{shown}:{port}", "pid": os.getpid()}))


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
            return reply.read().strip() == b"ok"
    except OSError:
        return False


def running_url(home: Path) -> str | None:
    """The address of the app serving `home`, if one answers."""
    try:
        url = json.loads((Path(home) / ADDRESS_FILE).read_text())["url"]
    except (OSError, ValueError, KeyError):
        return None
    return url if _answers(url) else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(home: Path) -> str:
    """Start the app on `home` on a free loopback port, in the background; its address once it answers."""
    port = _free_port()
    log = (Path(home) / "app.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "workbench.cli", "--home", str(home), "ui", "--port", str(port)],
        stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + LIMITS.app_start_timeout
    while time.monotonic() < deadline:
        if _answers(url):
            return url
        if process.poll() is not None:
            break
        time.sleep(0.2)
    process.kill()
    raise WorkbenchError(f"The app did not start on {url} (see {Path(home) / 'app.log'}).")


def explore_url(home: Path, table: str) -> str:
    """The address of `table` on the Explore page of the app serving `home` (started if none answers)."""
    base = running_url(home) or start(home)
    return f"{base}/explore?{urllib.parse.urlencode({'table': table})}"
