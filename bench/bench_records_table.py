"""The records table's API on a big case: ``GET /cases/{id}/records`` pages (first, middle, last, the page that
holds one record) and filters (artifact, accuracy, received only, a one-day window), each read ``--repeats``
times through the real app (FastAPI TestClient, SQLite, encrypted columnar points, audit entry per read).

The case: ``--points`` synthetic records (``tests/store/route_builders.journey_points``) inserted as location
rows, a route built from them by ``rebuild_route`` as after a real job. The first read decodes the points
(cold cache); the figures are for warm reads, the first read's time is printed separately.

Usage: ``python bench/bench_records_table.py --points 1000000 --repeats 5``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--limit", type=int, default=100)
    args = parser.parse_args()

    from fastapi.testclient import TestClient

    from api.app import create_app
    from casework.route_versions import rebuild_route
    from casework.security import hash_password
    from casework.settings import Settings
    from casework.state import build_state
    from store.db import unit_of_work
    from store.location_rows import insert_location_rows
    from store.models import User
    from store.route_store import forget_case
    from tests.store.route_builders import journey_points, make_case_with_job, record_rows

    workdir = Path(tempfile.mkdtemp(prefix="bench-records-"))
    settings = Settings(
        data_dir=workdir / "data",
        database_url=f"sqlite:///{workdir / 'bench.sqlite3'}",
        run_worker=False,
        gazetteer_dir=workdir / "gazetteer",
        audit_key="5e" * 32,  # type: ignore[arg-type]
        audit_checkpoint_dir=workdir / "checkpoints",
    )
    state = build_state(settings, migrate=True)
    with unit_of_work(state.session_factory) as session:
        session.add(
            User(username="reviewer", password_hash=hash_password("bench-pass-1"), roles=["legal_reviewer"])
        )
    start = time.perf_counter()
    points = journey_points(args.points, seed=5)
    with state.session_factory.begin() as session:
        case_id, job_id, custody_id = make_case_with_job(session, "V-BENCH-RECORDS")
        insert_location_rows(session, record_rows(case_id, job_id, custody_id, points))
    print(f"{args.points:,} records inserted in {time.perf_counter() - start:.0f} s", flush=True)
    start = time.perf_counter()
    assert rebuild_route(state, case_id) is not None
    print(f"route built in {time.perf_counter() - start:.0f} s", flush=True)
    forget_case(case_id)

    app = create_app(settings, state=state)
    with TestClient(app) as client:
        token = client.post("/api/v1/auth/token", data={"username": "reviewer", "password": "bench-pass-1"})
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        url = f"/api/v1/cases/{case_id}/records"
        start = time.perf_counter()
        first = client.get(url, params={"limit": args.limit})
        first.raise_for_status()
        print(f"first read (cold: decrypt and decode the points): {time.perf_counter() - start:.2f} s")
        total = first.json()["total"]
        middle_id = client.get(url, params={"offset": total // 2, "limit": 1}).json()["rows"][0]["record_id"]
        day = float(points["time_s"][len(points["time_s"]) // 2])
        cases = {
            "first page": {"offset": 0},
            "middle page": {"offset": total // 2},
            "last page": {"offset": total - args.limit},
            "page holding a record": {"record_id": middle_id},
            "artifact filter": {"artifact": "android.google_timeline", "offset": total // 3},
            "accuracy <= 50 m": {"max_accuracy_m": 50, "offset": 1000},
            "received only": {"observation": "received"},
            "one day window": {"start_s": day, "end_s": day + 86_400},
        }
        print(f"\n{total:,} records, page of {args.limit}, {args.repeats} warm reads each (ms: median, max)")
        for name, params in cases.items():
            times = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                response = client.get(url, params={"limit": args.limit, **params})
                times.append((time.perf_counter() - start) * 1000)
                response.raise_for_status()
            body = response.json()
            print(
                f"  {name:24s} {statistics.median(times):7.1f} {max(times):7.1f}   "
                f"({body['total']:,} match, {len(response.content) / 1000:.0f} kB)"
            )
    state.engine.dispose()


if __name__ == "__main__":
    main()
