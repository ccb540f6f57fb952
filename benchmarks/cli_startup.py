"""How fast the command answers: `workbench --help` and `workbench tables`, beside `python -c "import duckdb"`.

Each side is a fresh process (what a person typing the command waits for), measured in
interleaved rounds; medians and ratios to the bare DuckDB import are printed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.measure import interleaved, median, parser

SIDES = {
    "import duckdb": [sys.executable, "-c", "import duckdb"],
    "workbench --help": [sys.executable, "-m", "workbench.cli", "--help"],
    "workbench tables": [sys.executable, "-m", "workbench.cli", "--home", "{home}", "tables"],
}


def main() -> None:
    args = parser(__doc__).parse_args()
    home = tempfile.mkdtemp(prefix="cli_startup_")
    sample = Path(__file__).resolve().parent.parent / "data" / "samples" / "cars.json"
    subprocess.run([sys.executable, "-m", "workbench.cli", "--home", home, "load", str(sample)], check=True,
                   capture_output=True)  # fmt: skip

    def measure(side: str) -> dict:
        argv = [a.format(home=home) for a in SIDES[side]]
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        return {"seconds": time.perf_counter() - start}

    samples = interleaved(SIDES, max(args.runs, 1), measure)
    figures = {side: median(s["seconds"] for s in runs) for side, runs in samples.items()}
    base = figures["import duckdb"]
    if args.json:
        print(json.dumps({"seconds": figures, "ratio_to_import_duckdb": {k: v / base for k, v in figures.items()}}))
        return
    for side, seconds in figures.items():
        print(f"{side:<18} {seconds:6.3f} s   {seconds / base:5.2f}x import duckdb")


if __name__ == "__main__":
    main()
