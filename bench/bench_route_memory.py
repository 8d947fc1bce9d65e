"""Peak memory and time of building a route version from a big case's location records, as after a job.

A case with ``--points`` synthetic records (``tests/store/route_builders.journey_points``) is inserted once
per backend into a fresh database. Each run then deletes the case's route versions (so the build reads the
records, as the first build after an extraction does) and runs ``casework.route_versions.rebuild_route`` in a
fresh child process that has imported the service and opened the store, sampling the child's RSS every
5 ms. Printed per run: the child's RSS before the build, its peak during the build, the growth, the build's
wall time and, with ``--phases``, the peak and time of each phase (load the records, build_route, GeoJSON,
seal the points, write the version).

The gazetteer (``--gazetteer-dir``, the big-case bench's by default) is opened before the build, as the
service has it open after its first route; ``--no-gazetteer`` builds without place names.

Usage: ``python bench/bench_route_memory.py --backends sqlite postgresql --points 1000000 --runs 3 --phases``
(PostgreSQL at ``--pg-url``, trust auth; a database is created and dropped per bench run).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(ROOT))


class RssSampler:
    """This process's RSS every 5 ms; ``mark(name)`` closes a phase and starts the next."""

    def __init__(self) -> None:
        import psutil

        self.process = psutil.Process()
        self.phases: list[dict[str, Any]] = []
        self._phase_peak = 0
        self._phase_start = 0.0
        self.peak = 0
        self._running = False

    def start(self) -> int:
        rss = int(self.process.memory_info().rss)
        self.peak = self._phase_peak = rss
        self._phase_start = time.perf_counter()
        self._running = True
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return rss

    def _sample(self) -> None:
        while self._running:
            rss = int(self.process.memory_info().rss)
            self._phase_peak = max(self._phase_peak, rss)
            self.peak = max(self.peak, rss)
            time.sleep(0.005)

    def mark(self, name: str) -> None:
        rss = int(self.process.memory_info().rss)
        self._phase_peak = max(self._phase_peak, rss)
        self.peak = max(self.peak, rss)
        now = time.perf_counter()
        self.phases.append(
            {
                "phase": name,
                "s": now - self._phase_start,
                "peak_mb": self._phase_peak / 1e6,
                "end_mb": rss / 1e6,
            }
        )
        self._phase_start = now
        self._phase_peak = rss

    def stop(self) -> None:
        self._running = False
        self._thread.join()
        self.peak = max(self.peak, int(self.process.memory_info().rss))


def _settings(url: str, data_dir: Path, gazetteer_dir: Path | None):  # type: ignore[no-untyped-def]
    from casework.settings import Settings

    return Settings(
        data_dir=data_dir / "data",
        database_url=url,
        run_worker=False,
        gazetteer_dir=gazetteer_dir or data_dir / "no-gazetteer",
        audit_key="5e" * 32,  # type: ignore[arg-type]
        audit_checkpoint_dir=data_dir / "checkpoints",
        organisation_key="0b" * 32,  # type: ignore[arg-type]
    )


def child(args: argparse.Namespace) -> None:
    """One measured build (runs in a fresh process)."""
    import casework.route_versions as route_versions
    import routing.route
    import store.route_store
    from casework.state import build_state

    state = build_state(_settings(args.url, args.work, args.gazetteer_dir), migrate=False)
    if args.gazetteer_dir is not None:
        route_versions._nearest_place_function(state)  # open as the service has it after its first route
    else:
        state.extras["nearest_place"] = None
        state.extras["gazetteer"] = None

    sampler = RssSampler()
    if args.phases:  # close a phase after each step of rebuild_route (wrappers only time and sample)

        def marked(module: Any, name: str) -> None:
            original = getattr(module, name)

            def wrapper(*a: Any, **k: Any) -> Any:
                result = original(*a, **k)
                sampler.mark(name)
                return result

            setattr(module, name, wrapper)

        for module, name in (
            (route_versions, "_nearest_place_function"),  # closes the phase of loading the records
            (routing.route, "build_route"),
            (routing.route, "route_to_geojson"),
            (store.route_store, "seal_route_points"),
            (store.route_store, "add_route_version"),
        ):
            marked(module, name)
    before = sampler.start()
    start = time.perf_counter()
    row = route_versions.rebuild_route(state, args.case_id)
    wall = time.perf_counter() - start
    sampler.mark("commit")
    sampler.stop()
    assert row is not None
    print(
        json.dumps(
            {
                "before_mb": before / 1e6,
                "peak_mb": sampler.peak / 1e6,
                "wall_s": wall,
                "records": row.records_count,
                "phases": sampler.phases,
            }
        ),
        flush=True,
    )
    state.engine.dispose()


def _prepare(url: str, work: Path, points: int) -> int:
    from casework.state import build_state
    from store.location_rows import insert_location_rows
    from tests.store.route_builders import journey_points, make_case_with_job, record_rows

    state = build_state(_settings(url, work, None), migrate=True)
    start = time.perf_counter()
    generated = journey_points(points, seed=5)
    with state.session_factory.begin() as session:
        case_id, job_id, custody_id = make_case_with_job(session, "V-BENCH-ROUTE-MEMORY")
        insert_location_rows(session, record_rows(case_id, job_id, custody_id, generated))
    print(f"  {points:,} records inserted in {time.perf_counter() - start:.0f} s", flush=True)
    state.engine.dispose()
    return case_id


def _drop_versions(url: str, work: Path, case_id: int) -> None:
    from sqlalchemy import delete

    from casework.state import build_state
    from store.models import RouteVersion
    from store.route_store import forget_case

    state = build_state(_settings(url, work, None), migrate=False)
    with state.session_factory.begin() as session:
        session.execute(delete(RouteVersion).where(RouteVersion.case_id == case_id))
    forget_case(case_id)
    state.engine.dispose()


def _span(values: list[float], digits: int) -> str:
    low, high = min(values), max(values)
    return (
        f"{low:.{digits}f}"
        if f"{low:.{digits}f}" == f"{high:.{digits}f}"
        else f"{low:.{digits}f}–{high:.{digits}f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--phases", action="store_true", help="peak and time per phase of the build")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--gazetteer-dir", type=Path, default=Path("/tmp/reisroute-bench/gazetteer"))
    parser.add_argument("--no-gazetteer", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--case-id", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.no_gazetteer:
        args.gazetteer_dir = None
    if args.child:
        child(args)
        return

    from sqlalchemy import create_engine, text

    print(f"load average at start: {os.getloadavg()}", flush=True)
    table = []
    for backend in args.backends:
        work = Path(tempfile.mkdtemp(prefix=f"bench-route-memory-{backend}-"))
        admin = None
        if backend == "sqlite":
            url = f"sqlite:///{work / 'bench.sqlite3'}"
        else:
            name = f"rr_route_memory_{uuid.uuid4().hex[:8]}"
            admin = create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            url = args.pg_url.rsplit("/", 1)[0] + f"/{name}"
        print(f"{backend}: preparing {work}", flush=True)
        try:
            case_id = _prepare(url, work, args.points)
            runs = []
            for run in range(args.runs):
                _drop_versions(url, work, case_id)
                load = os.getloadavg()[0]
                command = [sys.executable, __file__, "--child", "--url", url, "--work", str(work)]
                command += ["--case-id", str(case_id)]
                command += ["--no-gazetteer"] if args.gazetteer_dir is None else []
                command += ["--gazetteer-dir", str(args.gazetteer_dir)] if args.gazetteer_dir else []
                command += ["--phases"] if args.phases else []
                output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
                result = json.loads(output.strip().splitlines()[-1])
                result["load"] = load
                runs.append(result)
                print(
                    f"  run {run + 1}: before {result['before_mb']:.0f} MB, peak {result['peak_mb']:.0f} MB "
                    f"(+{result['peak_mb'] - result['before_mb']:.0f}), {result['wall_s']:.2f} s, "
                    f"{result['records']:,} records, load {load:.1f}",
                    flush=True,
                )
                for phase in result["phases"]:
                    print(
                        f"      {phase['phase']:24s} {phase['s']:6.2f} s  peak {phase['peak_mb']:6.0f} MB  "
                        f"end {phase['end_mb']:6.0f} MB",
                        flush=True,
                    )
            table.append((backend, runs))
        finally:
            if admin is not None:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
    print(f"\nload average at end: {os.getloadavg()}")
    print("| backend | points | runs | RSS before MB | peak RSS MB | growth MB | build s | load 1-min |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for backend, runs in table:
        print(
            f"| {backend} | {args.points:,} | {len(runs)} | {_span([r['before_mb'] for r in runs], 0)} | "
            f"{_span([r['peak_mb'] for r in runs], 0)} | "
            f"{_span([r['peak_mb'] - r['before_mb'] for r in runs], 0)} | {_span([r['wall_s'] for r in runs], 2)} | "
            f"{_span([r['load'] for r in runs], 1)} |"
        )


if __name__ == "__main__":
    main()
