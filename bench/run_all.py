"""Run every benchmark with its documented default sizes and print each table (``make bench``).

Each benchmark is its own script (see bench/README.md for what it measures and the recorded results); this
runner only calls them in turn so one command reproduces the tables. Pass ``--quick`` for small sizes.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

FULL: list[list[str]] = [
    ["bench_stays.py", "--sizes", "100000", "1000000"],
    ["bench_pipeline.py", "--points", "1000000"],
    ["bench_matching.py", "--points", "100000", "1000000", "--claims", "1000"],
    ["evaluate_matching.py"],
    ["evaluate_places.py"],
    ["bench_acquisition.py", "--photos", "5000"],
    ["bench_acquisition_ios.py", "--photos", "200"],
]
QUICK: list[list[str]] = [
    ["bench_stays.py", "--sizes", "100000"],
    ["bench_pipeline.py", "--points", "100000"],
    ["bench_matching.py", "--points", "100000", "--claims", "1000"],
    ["evaluate_matching.py"],
    ["evaluate_places.py"],
    ["bench_acquisition.py", "--photos", "500"],
    ["bench_acquisition_ios.py", "--photos", "50"],
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (minutes, not an hour)")
    args = parser.parse_args()
    failures = 0
    for command in QUICK if args.quick else FULL:
        print(f"\n=== {' '.join(command)}", flush=True)
        started = time.perf_counter()
        result = subprocess.run([sys.executable, str(HERE / command[0]), *command[1:]], check=False)
        print(
            f"=== {command[0]}: exit {result.returncode} after {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        failures += result.returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
