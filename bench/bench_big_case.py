"""A big case through the HTTP API, as a new user would run it: a simulated Android phone with 20,000
photos and a Google Timeline of 1,000,000 points, extracted by ``reisroute serve`` (its own worker), on
SQLite and on PostgreSQL.

Per run (a fresh data directory and database each time): job wall (created → completed, server clock),
job end → first route version (server clock), ``POST /route/rebuild``, 50 claims then ``POST /match``,
the reads a caseworker's page makes (versions, GeoJSON, summary, the points overview and its size, one
day of points at full detail, one page of the records table; each read 3 times), and the service's peak
RSS (sampled every 50 ms over the whole run). The phone is built once per bench process (a few minutes
at this size) and kept under ``--data-dir``; the gazetteer index is built once before the first run (not
measured) and shared between runs.

With ``--readers N`` (and ``--workers 2`` for ``serve --workers 2``), after those reads a legal reviewer releases
the finding set, a second extraction of the same phone starts on another case, and while it runs N
caseworkers (one asyncio process, aiohttp, one connection each) read the big case's route summary,
findings and points overview, ``--reader-rounds`` times each, ``--reader-repeats`` load runs: p50/p95/max and
errors per endpoint, and whether the other extraction was still running when each load run ended. The
second job is cancelled afterwards.

Usage: ``python bench/bench_big_case.py --backends sqlite postgresql --runs 2``
(``--photos``/``--points`` for a smaller phone; PostgreSQL at ``--pg-url``, trust auth, a database is
created and dropped per run).
"""

from __future__ import annotations

import argparse
import os
import pickle
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-password-1"
USERS = {
    "intake": "intake_officer",
    "authoriser": "authorising_official",
    "caseworker": "caseworker",
    "reviewer": "legal_reviewer",
}
WINDOW = {"window_start": "2024-01-01T00:00:00Z", "window_end": "2024-12-31T00:00:00Z"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _phone(data_dir: Path, photos: int, points: int, seed: int):  # type: ignore[no-untyped-def]
    from extractor.simulator.phone_builder import build_phone

    root = data_dir / f"phone_p{photos}_t{points}_s{seed}"
    manifest_file = root / "bench-manifest.pickle"
    if manifest_file.exists():
        return pickle.loads(manifest_file.read_bytes())  # noqa: S301 - our own file
    start = time.perf_counter()
    manifest = build_phone(root, photos=photos, timeline_points=points, seed=seed)
    manifest_file.write_bytes(pickle.dumps(manifest))
    print(f"phone built in {time.perf_counter() - start:.0f} s: {root}", flush=True)
    return manifest


class PeakRss:
    """Peak RSS of one process (MB), sampled every 50 ms in a thread."""

    def __init__(self, pid: int) -> None:
        import psutil

        self.process = psutil.Process(pid)
        self.peak = 0
        self.phase_peak = 0
        self.phases: dict[str, float] = {}  # peak RSS MB of each phase, closed by mark()
        self._running = True
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while self._running:
            try:
                rss = self.process.memory_info().rss
                self.peak = max(self.peak, rss)
                self.phase_peak = max(self.phase_peak, rss)
            except Exception:  # noqa: BLE001 - the process ended
                return
            time.sleep(0.05)

    def mark(self, phase: str) -> None:
        """Close a phase: its peak RSS (MB) is kept under ``phase``."""
        self.phases[phase] = self.phase_peak / 1e6
        self.phase_peak = 0

    def stop(self) -> float:
        self._running = False
        self._thread.join()
        return self.peak / 1e6


def _claims(phone: Any, count: int) -> list[dict[str, str]]:
    """Claims in the applicant's words: stays, passings and arrivals at the phone's true places, some at
    places it never was, in the forms people use (a range, a month, a day)."""
    claims: list[dict[str, str]] = []
    stays = list(phone.stays)
    k = 0
    while len(claims) < count:
        stay = stays[k % len(stays)]
        form = (k // len(stays)) % 4
        start, end = stay.start_utc, stay.end_utc
        if form == 0:
            text = f"from {start:%d} to {max(start, end - timedelta(days=1)):%d %B %Y}"
            claims.append({"kind": "stayed", "place_text": stay.place, "time_text": text})
        elif form == 1:
            claims.append({"kind": "passed_through", "place_text": stay.place, "time_text": f"{start:%B %Y}"})
        elif form == 2:
            claims.append({"kind": "arrived", "place_text": stay.place, "time_text": f"{start:%d %B %Y}"})
        else:
            claims.append({"kind": "stayed", "place_text": "Ter Apel", "time_text": f"{start:%B %Y}"})
        k += 1
    return claims


def _timed(call: Any, repeats: int = 3) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - start)
    return times, result


def _iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


READER_ENDPOINTS = (
    ("route summary", "/api/v1/cases/{case}/route/summary"),
    ("findings", "/api/v1/cases/{case}/findings"),
    ("route overview", "/api/v1/cases/{case}/route/points"),
)


def _start_job(intake: Any, authoriser: Any, phone: Any, simulator_port: int, prefix: str) -> tuple[int, int]:
    """A new approved case for the phone and an extraction job on it (case id, job id)."""
    from tests.legal_basis.helpers import approved_case

    case_id, device_id, authorisation_id = approved_case(
        intake, authoriser, f"{prefix}-{uuid.uuid4().hex[:6]}", serial=phone.serial, **WINDOW
    )
    response = intake.post(
        f"/api/v1/cases/{case_id}/jobs",
        json={
            "authorisation_id": authorisation_id,
            "device_id": device_id,
            "source": {"kind": "adb", "host": "127.0.0.1", "port": simulator_port},
        },
    )
    response.raise_for_status()
    return case_id, int(response.json()["id"])


def _readers_phase(  # type: ignore[no-untyped-def]
    args: argparse.Namespace, base: str, intake, authoriser, caseworker, reviewer, case_id: int,
    finding_set_id: int, phone: Any, simulator_port: int,
) -> dict[str, Any]:  # fmt: skip
    import asyncio

    from bench_concurrency import load_aiohttp

    reviewer.post(
        f"/api/v1/cases/{case_id}/finding-sets/{finding_set_id}/release", json={"note": "bench: released"}
    ).raise_for_status()
    _other_case, other_job = _start_job(intake, authoriser, phone, simulator_port, "V-BIG-OTHER")
    while intake.get(f"/api/v1/jobs/{other_job}").json()["items_done"] < 1:  # the extraction is under way
        time.sleep(0.2)
    token = caseworker.headers["Authorization"].split(" ", 1)[1]
    runs = []
    for _repeat in range(args.reader_repeats):
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        stats = asyncio.run(
            load_aiohttp(
                base,
                token,
                READER_ENDPOINTS,
                case_id,
                args.readers,
                args.reader_rounds,
                60.0,
                args.reader_think_ms / 1000,
                args.reader_think_random,
            )
        )
        wall = time.perf_counter() - started
        state = intake.get(f"/api/v1/jobs/{other_job}").json()
        endpoints = {}
        for name, endpoint in stats.items():
            row = endpoint.row()
            endpoints[name] = {
                "requests": row["requests"],
                "errors": {status: n for status, n in row["statuses"].items() if status != "200"},  # type: ignore[attr-defined]
                **{key: row[key] for key in ("p50_ms", "p95_ms", "max_ms")},
            }
        runs.append(
            {
                "wall_s": round(wall, 1),
                "load": (round(load_before, 2), round(os.getloadavg()[0], 2)),
                "other_extraction": f"{state['state']}, {state['items_done']}/{state['items_total']} items",
                "endpoints": endpoints,
            }
        )
        print(f"readers run: {runs[-1]}", flush=True)
    intake.post(f"/api/v1/jobs/{other_job}/cancel")
    return {
        "clients": args.readers,
        "rounds": args.reader_rounds,
        "think_ms": args.reader_think_ms,
        "runs": runs,
    }


def one_run(backend: str, phone: Any, args: argparse.Namespace) -> dict[str, Any]:
    import httpx
    from sqlalchemy import create_engine, text

    from extractor.simulator.adb_server import start_adb_simulator

    code_dir = Path(args.code_dir).resolve() if args.code_dir else ROOT
    run_dir = args.data_dir / f"run-{backend}-{uuid.uuid4().hex[:8]}"
    run_dir.mkdir(parents=True)
    env = {
        **os.environ,
        "PYTHONPATH": str(code_dir),
        "REISROUTE_DATA_DIR": str(run_dir / "data"),
        "REISROUTE_GAZETTEER_DIR": str(args.data_dir / "gazetteer"),
        "BENCH_PASSWORD": PASSWORD,
        # outside the data directory, as the service requires outside demo mode
        "REISROUTE_AUDIT_KEY_FILE": str(run_dir / "audit.key"),
        "REISROUTE_AUDIT_CHECKPOINT_DIR": str(run_dir / "audit-checkpoints"),
    }
    database = None
    if backend == "postgresql":
        database = f"reisroute_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{database}"'))
        env["REISROUTE_DATABASE_URL"] = args.pg_url.rsplit("/", 1)[0] + f"/{database}"
    cli = [sys.executable, "-m", "api.cli"]
    team = ["--team", "bench"] if (Path(code_dir) / "casework" / "teams.py").exists() else []
    commands = subprocess.run([*cli, "--help"], env=env, cwd=code_dir, capture_output=True, text=True).stdout
    if "audit" in commands:
        subprocess.run(
            [*cli, "audit", "keygen", str(run_dir / "audit.key")],
            env=env,
            cwd=code_dir,
            check=True,
            capture_output=True,
        )
    if "keys" in commands:  # the organisation key wrapping case keys (issue 15), outside the data directory
        env["REISROUTE_ORGANISATION_KEY_FILE"] = str(run_dir / "organisation.key")
        subprocess.run(
            [*cli, "keys", "keygen", str(run_dir / "organisation.key")],
            env=env,
            cwd=code_dir,
            check=True,
            capture_output=True,
        )
    for username, role in USERS.items():
        subprocess.run(
            # need-to-know (issue 13): one team, so the authoriser, caseworker and reviewer see intake's case
            [*cli, "user", "add", username, "--role", role, "--password-env", "BENCH_PASSWORD", *team],
            env=env,
            cwd=code_dir,
            check=True,
            capture_output=True,
        )
    port = _free_port()
    service = subprocess.Popen(
        [*cli, "serve", "--port", str(port), *(["--workers", str(args.workers)] if args.workers > 1 else [])],
        env=env,
        cwd=code_dir,
        stdout=subprocess.DEVNULL,
        stderr=open(run_dir / "service.log", "wb"),  # noqa: SIM115
    )
    simulator = start_adb_simulator(phone.root, port=0)
    result: dict[str, Any] = {"backend": backend, "code": args.label, "load_before": os.getloadavg()}
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code < 500:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        rss = PeakRss(service.pid)

        def client(username: str) -> httpx.Client:
            c = httpx.Client(base_url=base, timeout=300)
            token = c.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
            token.raise_for_status()
            c.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
            return c

        intake, authoriser = client("intake"), client("authoriser")
        caseworker, reviewer = client("caseworker"), client("reviewer")
        case_id, job_id = _start_job(intake, authoriser, phone, simulator.port, "V-BIG")
        poll_errors: list[str] = []
        while True:
            try:
                polled = intake.get(f"/api/v1/jobs/{job_id}")
            except httpx.HTTPError as exc:  # a read timeout while the service is busy
                poll_errors.append(type(exc).__name__)
                continue
            if polled.status_code != 200:  # e.g. the database locked by the job's big insert
                poll_errors.append(f"{polled.status_code} {polled.text[:80]}")
                time.sleep(0.5)
                continue
            job = polled.json()
            if job["state"] in ("completed", "failed", "cancelled"):
                break
            time.sleep(0.5)
        rss.mark("job")
        result["poll_errors"] = poll_errors
        if job["state"] != "completed":
            raise RuntimeError(f"job ended {job['state']}: {job.get('error')}")
        result["items"] = job["items_done"]
        result["bytes_mb"] = job["bytes_done"] / 1e6
        result["job_wall_s"] = (_iso(job["finished_at"]) - _iso(job["created_at"])).total_seconds()
        base_route = f"/api/v1/cases/{case_id}/route"
        while True:
            versions = reviewer.get(f"{base_route}/versions")
            if versions.status_code == 200 and versions.json():
                break
            if versions.status_code not in (200, 404):
                poll_errors.append(f"{versions.status_code} {versions.text[:80]}")
            time.sleep(0.2)
        rss.mark("job end → route")
        first = versions.json()[0]
        result["records"] = first["records"]
        result["job_end_to_route_s"] = (_iso(first["created_at"]) - _iso(job["finished_at"])).total_seconds()

        start = time.perf_counter()
        reviewer.post(f"{base_route}/rebuild").raise_for_status()
        result["rebuild_s"] = time.perf_counter() - start
        rss.mark("rebuild")

        claims = _claims(phone, args.claims)
        refused: list[str] = []
        for claim in claims:
            posted = caseworker.post(f"/api/v1/cases/{case_id}/claims", json=claim)
            if posted.status_code == 422:  # a wording the claim parser does not take: counted, not fatal
                refused.append(f"{claim['time_text']!r}: {posted.text[:120]}")
                continue
            posted.raise_for_status()
        result["claims_refused"] = refused
        claims = [c for c in claims if all(not r.startswith(repr(c["time_text"])) for r in refused)]
        match_times, matched = _timed(lambda: caseworker.post(f"/api/v1/cases/{case_id}/match"), args.repeats)
        matched.raise_for_status()
        result["match_s"] = match_times
        rss.mark("claims + match")
        result["claims"] = len(claims)

        def get(path: str, **params: Any) -> httpx.Response | None:
            response = reviewer.get(path, params=params)
            if response.status_code == 404:  # an endpoint this code does not have
                return None
            response.raise_for_status()
            return response

        result["versions_s"], _ = _timed(lambda: get(f"{base_route}/versions"), args.repeats)
        result["geojson_s"], geo = _timed(lambda: get(base_route), args.repeats)
        result["geojson_mb"] = len(geo.content) / 1e6
        result["summary_s"], _ = _timed(lambda: get(f"{base_route}/summary"), args.repeats)
        result["overview_s"], overview = _timed(lambda: get(f"{base_route}/points"), args.repeats)
        result["overview_mb"] = len(overview.content) / 1e6 if overview is not None else None
        result["overview_points"] = overview.json()["count"] if overview is not None else None
        day_start = phone.stays[len(phone.stays) // 2].start_utc.timestamp()
        result["day_s"], day = _timed(
            lambda: get(f"{base_route}/points", start_s=day_start, end_s=day_start + 86400, zoom=14),
            args.repeats,
        )
        result["day_points"] = day.json()["count"] if day is not None else None
        result["page_s"], page = _timed(
            lambda: get(f"{base_route}/points/page", offset=500_000, limit=500), args.repeats
        )
        if page is None:
            result["page_s"] = []
        rss.mark("reads")
        if args.readers:
            result["readers"] = _readers_phase(
                args, base, intake, authoriser, caseworker, reviewer, case_id,
                matched.json()["finding_set_id"], phone, simulator.port,
            )  # fmt: skip
            rss.mark("readers")
        result["peak_rss_mb"] = rss.stop()
        result["rss_phases_mb"] = rss.phases
        result["load_after"] = os.getloadavg()
    finally:
        simulator.stop()
        service.terminate()
        try:
            service.wait(timeout=30)
        except subprocess.TimeoutExpired:
            service.kill()
        if database is not None:
            admin = create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        if not args.keep:
            import shutil

            shutil.rmtree(run_dir, ignore_errors=True)
    return result


def _span(values: list[float], digits: int = 2) -> str:
    if not values:
        return "–"
    low, high = min(values), max(values)
    return (
        f"{low:.{digits}f}"
        if round(low, digits) == round(high, digits)
        else f"{low:.{digits}f}–{high:.{digits}f}"
    )


def _build_gazetteer(args: argparse.Namespace) -> None:
    """Build the shared gazetteer index with the measured code before the first run, as an installed
    station has it: otherwise the first run's job end → route includes the one-off ~30 s index build."""
    code_dir = Path(args.code_dir).resolve() if args.code_dir else ROOT
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from matching.gazetteer import Gazetteer; Gazetteer.open(sys.argv[1])",
            str(args.data_dir / "gazetteer"),
        ],
        env={**os.environ, "PYTHONPATH": str(code_dir)},
        cwd=code_dir,
        check=True,
    )
    print(
        f"Gazetteer index ready in {time.perf_counter() - started:.1f} s (built once, not measured)",
        flush=True,
    )


def main() -> None:
    from bench_stays import machine_description

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3, help="repeats of each read and of the match")
    parser.add_argument("--photos", type=int, default=20_000)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--claims", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/reisroute-bench"))
    parser.add_argument("--keep", action="store_true", help="keep each run's data directory")
    parser.add_argument(
        "--code-dir", help="run the service from this checkout (e.g. the code before a change)"
    )
    parser.add_argument("--label", default="this branch", help="name of the code in the table")
    parser.add_argument("--workers", type=int, default=1, help="serve --workers N")
    parser.add_argument("--readers", type=int, default=0, help="caseworkers reading while another job runs")
    parser.add_argument("--reader-rounds", type=int, default=5)
    parser.add_argument("--reader-repeats", type=int, default=2)
    parser.add_argument("--reader-think-ms", type=float, default=0.0, help="pause after each answer")
    parser.add_argument(
        "--reader-think-random",
        action="store_true",
        help="exponential pauses of mean --reader-think-ms and staggered starts (independent people)",
    )
    args = parser.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    print(f"Machine: {machine_description()}", flush=True)
    phone = _phone(args.data_dir, args.photos, args.points, args.seed)
    _build_gazetteer(args)
    results: list[dict[str, Any]] = []
    for run in range(args.runs):
        for backend in args.backends:
            result = one_run(backend, phone, args)
            results.append(result)
            print(f"run {run + 1} {backend}: {result}", flush=True)
    print(
        f"\nPhone: {args.photos:,} photos, {args.points:,} Timeline points (seed {args.seed}); runs: {args.runs}"
    )
    print(
        "| code | backend | items | records | job wall s | job end → route s | rebuild s | match s (50 claims) | "
        "versions s | GeoJSON s (MB) | summary s | overview s (MB, points) | one day s (points) | page s | "
        "peak RSS MB | failed polls | load 1-min |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for backend in args.backends:
        rows = [r for r in results if r["backend"] == backend]
        if not rows:
            continue

        def column(name: str, rows: list[dict[str, Any]] = rows) -> list[float]:
            values: list[float] = []
            for r in rows:
                value = r[name]
                values.extend(value if isinstance(value, list) else [value])
            return values

        loads = [r["load_before"][0] for r in rows] + [r["load_after"][0] for r in rows]
        print(
            f"| {args.label} | {backend} | {rows[0]['items']:,} | {rows[0]['records']:,} | {_span(column('job_wall_s'), 1)} | "
            f"{_span(column('job_end_to_route_s'))} | {_span(column('rebuild_s'))} | {_span(column('match_s'))} | "
            f"{_span(column('versions_s'), 3)} | {_span(column('geojson_s'), 3)} ({rows[0]['geojson_mb']:.1f}) | "
            f"{_span(column('summary_s'), 3)} | {_span(column('overview_s'), 3)} ({rows[0]['overview_mb'] or 0:.1f}, "
            f"{rows[0]['overview_points'] or 0:,}) | {_span(column('day_s'), 3)} ({rows[0]['day_points'] or 0:,}) | "
            f"{_span(column('page_s'), 3)} | {_span(column('peak_rss_mb'), 0)} | {sum(len(r['poll_errors']) for r in rows)} | {_span(loads, 1)} |"
        )
    reader_rows = [r for r in results if r.get("readers")]
    if reader_rows:
        first = reader_rows[0]["readers"]
        print(
            f"\nReaders: {first['clients']} caseworkers × {first['rounds']} rounds, think {first['think_ms']:.0f} ms{' (random)' if first.get('think_random') else ''}, "
            f"serve --workers {args.workers}, while another extraction runs"
        )
        print(
            "| code | backend | endpoint | load runs | requests | errors | p50 ms | p95 ms | max ms | other extraction at the end | load 1-min |"
        )
        print("|---|---|---|---:|---:|---|---:|---:|---:|---|---:|")
        for backend in args.backends:
            runs = [run for r in reader_rows if r["backend"] == backend for run in r["readers"]["runs"]]
            if not runs:
                continue
            loads = [x for run in runs for x in run["load"]]
            for name, _path in READER_ENDPOINTS:
                rows_ = [run["endpoints"][name] for run in runs]
                errors: dict[str, int] = {}
                for row in rows_:
                    for status, count in row["errors"].items():
                        errors[status] = errors.get(status, 0) + count
                print(
                    f"| {args.label} | {backend} | {name} | {len(rows_)} | {sum(r['requests'] for r in rows_)} | "
                    f"{', '.join(f'{n} × {s}' for s, n in errors.items()) or 0} | "
                    f"{_span([r['p50_ms'] for r in rows_ if r['p50_ms'] is not None], 0)} | "
                    f"{_span([r['p95_ms'] for r in rows_ if r['p95_ms'] is not None], 0)} | "
                    f"{_span([r['max_ms'] for r in rows_ if r['max_ms'] is not None], 0)} | "
                    f"{'; '.join(run['other_extraction'] for run in runs)} | {_span(loads, 1)} |"
                )


if __name__ == "__main__":
    main()
