"""CPU per read request, one request at a time, in-process (issue 18): the demo case, seeded by a real
extraction, read N times each through the ASGI app (``fastapi.testclient``, no network, no concurrency), so
what is timed is the service's own work per request: sign-in check, need-to-know, loading, encoding and the
read's audit entry (committed before the answer).

    PYTHONPATH=. python bench/bench_read_cpu.py --n 200            # median / p95 ms per endpoint
    PYTHONPATH=. python bench/bench_read_cpu.py --n 200 --profile  # + cProfile of all reads, top functions

Run it from each code tree to compare (``PYTHONPATH=/tmp/before python /tmp/before/bench/...`` works only
if the tree has this script: copy it there).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

ENDPOINTS = (
    ("case record", "/api/v1/cases/{case}"),
    ("route summary", "/api/v1/cases/{case}/route/summary"),
    ("findings", "/api/v1/cases/{case}/findings"),
    ("route overview", "/api/v1/cases/{case}/route"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200, help="requests per endpoint")
    parser.add_argument("--profile", action="store_true", help="cProfile the timed reads")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument(
        "--py-spy",
        type=Path,
        help="py-spy binary: sample the timed reads (all threads, GIL holders) to --spy-out",
    )
    parser.add_argument("--spy-out", type=Path, default=Path("read-cpu.collapsed"))
    parser.add_argument(
        "--gazetteer-dir", type=Path, default=Path(tempfile.gettempdir()) / "reisroute-bench-gazetteer"
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-read-cpu-"))
    for key in [k for k in os.environ if k.startswith("REISROUTE_")]:
        del os.environ[key]
    os.environ.update(
        {
            "REISROUTE_DATA_DIR": str(work / "data"),
            "REISROUTE_GAZETTEER_DIR": str(args.gazetteer_dir),
            "REISROUTE_DEMO": "1",
            "REISROUTE_RUN_WORKER": "0",
        }
    )
    from fastapi.testclient import TestClient

    from api.app import build_state, create_app
    from casework.demo.seed import DEMO_PASSWORD, seed_demo
    from casework.settings import Settings

    settings = Settings()
    state = build_state(settings)
    for _line in seed_demo(state):
        pass
    app = create_app(settings, state=state)
    from sqlalchemy import event

    statements = [0]

    @event.listens_for(state.engine, "before_cursor_execute")
    def _count(*_args: object) -> None:  # SQL statements sent, audit sequencer's included
        statements[0] += 1

    with TestClient(app) as client:
        token = client.post(
            "/api/v1/auth/token", data={"username": "caseworker", "password": DEMO_PASSWORD}
        ).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        case_id = next(c["id"] for c in client.get("/api/v1/cases").json() if c["reference"] == "V-DEMO-0001")
        for _name, template in ENDPOINTS:  # warm-up: caches, lazy imports, the gazetteer
            for _ in range(3):
                assert client.get(template.format(case=case_id)).status_code == 200
        profiler = cProfile.Profile() if args.profile else None
        spy = None
        if args.py_spy:
            from bench_concurrency import py_spy_record

            spy = py_spy_record(args.py_spy, os.getpid(), args.spy_out, subprocesses=False)
        results = {}
        cpu_started = time.process_time()
        for name, template in ENDPOINTS:
            url = template.format(case=case_id)
            times = []
            statements[0] = 0
            for _ in range(args.n):
                started = time.perf_counter()
                if profiler:
                    profiler.enable()
                response = client.get(url)
                if profiler:
                    profiler.disable()
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.text
            times.sort()
            results[name] = {
                "median_ms": round(statistics.median(times), 2),
                "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
                "bytes": len(response.content),
                "sql_statements_per_request": round(statements[0] / args.n, 2),
            }
        cpu_ms = (time.process_time() - cpu_started) * 1000 / (args.n * len(ENDPOINTS))
        if spy is not None:
            from bench_concurrency import stop_py_spy

            stop_py_spy(spy)
    print(
        json.dumps(
            {
                "n": args.n,
                "load_average": os.getloadavg(),
                "cpu_ms_per_request": round(cpu_ms, 2),
                "endpoints": results,
            },
            indent=2,
        )
    )
    if profiler:
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("tottime").print_stats(args.top)
        stats.sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
