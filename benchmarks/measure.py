"""What the benchmarks share: each side runs in a fresh process of its own (so its
peak memory is its own), prints one JSON line, and the parent reports medians
over runs in which the sides take turns (so drift in the machine's load hits
every side alike).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any


def status_kib(status: Path, field: str = "VmHWM") -> int:
    """A memory line of a /proc/<pid>/status file, in KiB: VmHWM (the peak resident memory) or VmRSS (now)."""
    with open(status) as lines:
        return next(int(line.split()[1]) for line in lines if line.startswith(f"{field}:"))


def peak_mib() -> float:
    """This process's peak resident memory (VmHWM), in MiB. Not ru_maxrss: Linux carries that
    over from the parent across fork and exec, so a child would report at least its parent's
    peak, and the parent may just have generated the data."""
    return status_kib(Path("/proc/self/status")) / 1024


def children_peak_mib() -> float:
    """The largest peak resident memory among this process's live children (e.g. a pool of
    workers kept after a query), in MiB; 0 without children."""
    me, peak_kib = os.getpid(), 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == me:  # the parent's pid
                peak_kib = max(peak_kib, status_kib(stat.parent / "status"))
        except (OSError, IndexError, ValueError, StopIteration):
            continue  # a process that ended meanwhile
    return peak_kib / 1024


def _descendants(root: int) -> list[int]:
    """The pids of every live process below `root` (children, their children, ...)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # a process that ended meanwhile
    found, frontier = [], [root]
    while frontier:
        below = [pid for pid, parent in parents.items() if parent in frontier]
        found += below
        frontier = below
    return found


class Sampler:
    """Calls `_sample()` every `interval` seconds on a thread while the `with` block runs, and once more at its
    end: the shape of the memory watchers below."""

    def __init__(self, interval: float = 0.2):
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _sample(self) -> None:
        raise NotImplementedError

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


class PeakWatcher(Sampler):
    """The largest peak resident memory (VmHWM) of any process below this one while the block runs, in MiB:
    for workers that end before the block does (e.g. a pool killed when its work is done), which
    `children_peak_mib` cannot see. It samples every `interval` seconds; each sample is a high-water mark,
    so only growth in a worker's last interval can be missed. `total_mib` adds up every such process's
    peak: an upper bound on what several workers running side by side held together."""

    def __init__(self, interval: float = 0.2):
        super().__init__(interval)
        self.peaks: dict[int, float] = {}  # pid -> its peak, MiB

    @property
    def peak_mib(self) -> float:
        return max(self.peaks.values(), default=0.0)

    @property
    def total_mib(self) -> float:
        return sum(self.peaks.values())

    def _sample(self) -> None:
        for pid in _descendants(os.getpid()):
            try:
                self.peaks[pid] = max(self.peaks.get(pid, 0.0), status_kib(Path(f"/proc/{pid}/status")) / 1024)
            except (OSError, StopIteration, ValueError):
                continue


def run_child(argv: Sequence[str], what: str, **popen: Any) -> Any:
    """Run one measured side as `argv` and return the JSON document on its last line of output.
    A failing side ends the benchmark with the end of its stderr (figures without it mean nothing)."""
    out = subprocess.run(list(argv), capture_output=True, text=True, **popen)
    if out.returncode != 0:
        raise SystemExit(f"the {what} side failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_script_child(script: str | Path, *args: str, **popen: Any) -> Any:
    """`run_child` on `script --child ARGS...` (the hidden option `parser` adds), in this interpreter."""
    return run_child([sys.executable, str(script), "--child", *args], what=args[0], **popen)


def interleaved(sides: Iterable[str], runs: int, measure: Callable[[str], dict]) -> dict[str, list[dict]]:
    """`runs` rounds in which every side is measured once, in turn; the results by side."""
    sides = list(sides)
    samples: dict[str, list[dict]] = {side: [] for side in sides}
    for _ in range(runs):
        for side in sides:
            samples[side].append(measure(side))
    return samples


def median(values: Iterable[float | None]) -> float | None:
    """The median of the values present (None where a side has no such figure)."""
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def medians(samples: Iterable[dict], keys: Iterable[str]) -> dict[str, float | None]:
    """The median of each of `keys` over one side's results."""
    samples = list(samples)
    return {key: median(s[key] for s in samples) for key in keys}


def row_counts(text: str) -> list[int]:
    """`--rows` as comma-separated sizes; underscores allowed (10_000_000)."""
    return [int(n.replace("_", "")) for n in text.split(",") if n.strip()]


def parser(
    doc: str,
    *,
    child: Sequence[str] = (),
    runs_flag: str = "--runs",
    runs_help: str = "runs per side (medians are reported)",
) -> argparse.ArgumentParser:
    """A benchmark's command line: its docstring's first paragraph, the runs option (default 3),
    --json (one JSON document on stdout instead of a table) and the hidden --child that
    `run_script_child` uses, taking the arguments named in `child` (if any). Each script adds --rows."""
    cli = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    cli.add_argument(runs_flag, type=int, default=3, help=runs_help)
    cli.add_argument("--json", action="store_true", help="print one JSON document instead of a table")
    if child:
        cli.add_argument("--child", nargs=len(child), metavar=tuple(child), help=argparse.SUPPRESS)
    return cli


def generated_workspace(home: Path, select_sql: str, params: list | None = None, seed: float | None = None) -> Path:
    """The workspace folder `home` whose table `big` is `select_sql`'s rows, made the first time (a `ready` file
    marks it done, so an interrupted run makes it again); `seed` fixes DuckDB's random() for the data."""
    from workbench.workspace import Workspace

    if not (home / "ready").exists():
        ws = Workspace(home)
        with ws.connect() as con, ws.transaction(con):
            if seed is not None:
                con.execute("SELECT setseed(?)", [seed])
            con.execute("DROP TABLE IF EXISTS big")
            ws.create_table_as(con, "big", select_sql, params, source_kind="sql", operation="benchmark data")
        (home / "ready").touch()
    return home

