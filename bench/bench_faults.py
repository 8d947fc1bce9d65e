"""Faults, measured (issue 13): run each fault scenario N times and print the fault table for bench/README.md.

    /work/main/.venv/bin/python bench/bench_faults.py --runs 3

Scenarios are the CI tests themselves, run with ``-s`` so they print what they measured:
- PostgreSQL stopped, then started, then restarted while requests keep coming (tests/api/test_faults.py,
  a private cluster on its own port; the shared server is never touched);
- PostgreSQL restarted (``pg_ctl restart -m fast``) while an offline import runs, then the job resumed
  (tests/api/test_fault_pg_mid_job.py, the same private cluster);
- worker killed (SIGKILL) mid-job with a pending batch, then resumed (tests/api/test_extraction_kill.py).
Each run's pass/fail and printed figures are listed, with the machine's load average beside them.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = {
    "PostgreSQL stopped / started / restarted under requests; evidence disk full": "tests/api/test_faults.py",
    "PostgreSQL restarted mid-job (offline import), then resumed": "tests/api/test_fault_pg_mid_job.py",
    "worker killed (SIGKILL) mid-job, then resumed": "tests/api/test_extraction_kill.py",
}


def run_once(target: str) -> tuple[bool, float, str]:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-s", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    figures = " ".join(re.findall(r"^faults: (.*)$", result.stdout, re.MULTILINE))
    return result.returncode == 0, time.monotonic() - started, figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    print("| fault | run | result | wall s | measured |")
    print("|---|---|---|---|---|")
    for fault, target in SCENARIOS.items():
        for run in range(1, args.runs + 1):
            passed, wall_s, figures = run_once(target)
            print(f"| {fault} | {run} | {'pass' if passed else 'FAIL'} | {wall_s:.1f} | {figures or '-'} |")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
