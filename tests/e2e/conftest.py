"""Browser tests: the real `streamlit run` on a free loopback port, driven by Playwright in Debian's Chromium.

Fixtures
- `start_app(env=None, home=None)`: start a server over a fresh temporary workspace (or `home`),
  with extra environment variables; returns an `AppServer` (url, home, process). Stopped at teardown.
- `app_server`: one server per test module over its own workspace (samples seeded on first page load).
- `browser`: one Chromium per session; `page`: a fresh browser context and page per test.
- `wait_idle(page)`: wait until the app is connected and its script has finished running.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@dataclass
class AppServer:
    url: str
    home: Path
    process: subprocess.Popen

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(server: AppServer, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {server.process.returncode}")
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("streamlit did not become healthy in time")


def launch(home: Path, env: dict[str, str] | None = None) -> AppServer:
    """Start `streamlit run` over the workspace `home` and wait until it answers."""
    port = _free_port()
    log = open(home.parent / f"{home.name}-streamlit-{port}.log", "w")  # noqa: SIM115 (the server's, for its whole life)
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"),
         "--server.headless=true", "--server.address=127.0.0.1", f"--server.port={port}",
         "--browser.gatherUsageStats=false", "--server.fileWatcherType=none"],
        cwd=ROOT, env={**os.environ, "WORKBENCH_HOME": str(home), **(env or {})},
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    server = AppServer(f"http://127.0.0.1:{port}", home, process)
    try:
        _wait_healthy(server)
    except BaseException:
        server.stop()
        raise
    return server


@pytest.fixture
def start_app(tmp_path_factory):
    servers: list[AppServer] = []

    def start(env: dict[str, str] | None = None, home: Path | None = None) -> AppServer:
        servers.append(launch(home or tmp_path_factory.mktemp("e2e_ws"), env))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="module")
def app_server(tmp_path_factory):
    server = launch(tmp_path_factory.mktemp("e2e_module_ws"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = "Debian's chromium is not installed: run `bash .ci/install-chromium` (make test does)."
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def wait_idle(page, timeout: float = 60_000) -> None:
    """Wait until the app is connected and no script run is in progress."""
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']", timeout=timeout)
    page.wait_for_function(
        "() => { const a = document.querySelector(\"[data-testid='stApp']\");"
        " return a && a.getAttribute('data-test-script-state') === 'notRunning'; }",
        timeout=timeout,
    )


def wait_until(condition, what: str, timeout: float = 60) -> None:
    """Poll `condition` (a callable) until it holds; fail naming `what` when it never does."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def open_app(page, url: str) -> None:
    """Load the app at `url` and wait for its first run to finish."""
    page.goto(url)
    wait_idle(page)


def choose_table(page, name: str) -> None:
    """Make `name` the current table with the sidebar's table picker."""
    page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").click()
    page.get_by_role("option", name=name).click()
    wait_idle(page)


def open_page(page, title: str) -> None:
    """Go to another page of the app by its link in the sidebar's navigation."""
    page.locator("[data-testid='stSidebarNav']").get_by_role("link", name=title).click()
    wait_idle(page)
