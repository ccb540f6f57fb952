"""The peers' own environment (benchmarks/.peers), made on first use.

ydata-profiling, Splink and recordlinkage pin older pandas and numpy, so they
never enter the project's environment: benchmarks run them here, as a
subprocess, on the same generated files, in the same run. skrub (its
`deduplicate`, beside the spelling clusters) lives here too, for the same reason.
The marker file lists what was installed: adding a package to PACKAGES installs
it into an existing environment on next use.
"""

from __future__ import annotations

import fcntl
import subprocess
import sys
import venv
from pathlib import Path

PEERS_DIR = Path(__file__).resolve().parent / ".peers"
PACKAGES = ["ydata-profiling", "splink", "recordlinkage", "psutil", "skrub", "lazypredict", "scikit-surprise"]


def python() -> Path:
    """The peers' interpreter, creating the environment the first time (safe across processes)."""
    exe = PEERS_DIR / "bin" / "python"
    marker = PEERS_DIR / ".installed"
    PEERS_DIR.parent.mkdir(parents=True, exist_ok=True)
    with open(PEERS_DIR.parent / ".peers.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        installed = set(marker.read_text().split()) if marker.exists() else None
        if installed is None:
            print(f"Creating the peers' environment in {PEERS_DIR} (once)...", file=sys.stderr)
            venv.EnvBuilder(with_pip=True, clear=True).create(PEERS_DIR)
        if installed is None or not installed.issuperset(PACKAGES):
            # all together, so pip resolves the new ones against the pins of the others
            subprocess.run([str(exe), "-m", "pip", "install", "--quiet", *PACKAGES], check=True)
            marker.write_text("\n".join(PACKAGES) + "\n")
    return exe


def run(code: str, *args: str, timeout: float | None = None) -> subprocess.CompletedProcess:
    """Run Python `code` in the peers' environment; stdout is captured for the caller to parse."""
    return subprocess.run(
        [str(python()), "-c", code, *args], check=True, capture_output=True, text=True, timeout=timeout
    )


if __name__ == "__main__":
    print(python())
