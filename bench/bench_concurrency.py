"""Concurrent readers against a real server: N caseworkers × R rounds of case record, route summary, findings and
route overview on the seeded demo case, on SQLite or PostgreSQL, for one or more code trees (before/after).

For each code tree the script starts ``python -m api.cli serve --demo`` from that tree (its own code, its
own fresh data directory or PostgreSQL database; the demo seeding runs a real extraction from the
simulated phone), waits for it, signs in as the demo caseworker once, then runs the load: N clients in one
asyncio loop (httpx, a connection each), each doing R rounds of the four GETs one after another
(``--think-ms``: a pause after each answer; ``--repeats``: load runs against the same server). It reports
p50/p95/max latency, status counts and errors per endpoint, the server's CPU time per request (steadier than
the latencies on a shared machine), and whether the audit chain still verifies afterwards (as the demo
auditor, through the API).

    python bench/bench_concurrency.py --clients 50 --rounds 5 --backend sqlite \
        --code before=/path/to/old/checkout --code after=.
    python bench/bench_concurrency.py --backend postgresql ...   # needs PostgreSQL on 127.0.0.1:5432

Nothing here is tuned on the numbers it prints; there is nothing to hold out.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

PG_ADMIN_URL = os.environ.get(
    "REISROUTE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
DEMO_PASSWORD = "demo-password"
DEMO_REFERENCE = "V-DEMO-0001"


@dataclass
class EndpointStats:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)

    def add(self, status: str, latency_ms: float) -> None:
        self.latencies_ms.append(latency_ms)
        self.statuses[status] = self.statuses.get(status, 0) + 1

    def row(self) -> dict[str, object]:
        ordered = sorted(self.latencies_ms)
        p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))] if ordered else 0.0
        ok = self.statuses.get("200", 0)
        return {
            "requests": len(ordered),
            "ok": ok,
            "errors": len(ordered) - ok,
            "statuses": dict(sorted(self.statuses.items())),
            "p50_ms": round(statistics.median(ordered), 1) if ordered else None,
            "p95_ms": round(p95, 1),
            "max_ms": round(ordered[-1], 1) if ordered else None,
        }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def create_pg_database() -> str:
    from sqlalchemy import create_engine, text

    name = f"reisroute_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_pg_database(url: str) -> None:
    from sqlalchemy import create_engine, text

    name = url.rsplit("/", 1)[1]
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def start_server(
    code_root: Path,
    work: Path,
    database_url: str | None,
    gazetteer_dir: Path,
    workers: int | None = None,
    settings: dict[str, str] | None = None,
) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REISROUTE_")}
    env.update(
        {
            "PYTHONPATH": str(code_root),
            "REISROUTE_DATA_DIR": str(work / "data"),
            "REISROUTE_GAZETTEER_DIR": str(gazetteer_dir),
            **(settings or {}),
        }
    )
    if database_url:
        env["REISROUTE_DATABASE_URL"] = database_url
    log = open(work / "server.log", "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--demo", "--port", str(port)]
        + (["--workers", str(workers)] if workers else []),
        env=env,
        cwd=code_root,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {(work / 'server.log').read_text()[-3000:]}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return process, base
        except httpx.TransportError:
            pass
        time.sleep(1)
    process.kill()
    raise RuntimeError("server did not answer in time")


def sign_in(base: str, username: str) -> str:
    response = httpx.post(
        f"{base}/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD}, timeout=30
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def demo_case_id(base: str, token: str) -> int:
    response = httpx.get(f"{base}/api/v1/cases", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    response.raise_for_status()
    for case in response.json():
        if case.get("reference") == DEMO_REFERENCE:
            return int(case["id"])
    raise RuntimeError("demo case not found")


ENDPOINTS = (
    ("case record", "/api/v1/cases/{case}"),  # cheap, audited: the cost of sign-in check + audit alone
    ("route summary", "/api/v1/cases/{case}/route/summary"),
    ("findings", "/api/v1/cases/{case}/findings"),
    ("route overview", "/api/v1/cases/{case}/route"),
)


async def load(
    base: str,
    token: str,
    case_id: int,
    clients: int,
    rounds: int,
    timeout_s: float,
    think_s: float = 0.0,
    client_library: str = "aiohttp",
    think_random: bool = False,
) -> dict[str, EndpointStats]:
    if client_library == "aiohttp":
        return await load_aiohttp(
            base, token, ENDPOINTS, case_id, clients, rounds, timeout_s, think_s, think_random
        )
    stats = {name: EndpointStats() for name, _ in ENDPOINTS}
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=timeout_s) as client:

        async def caseworker() -> None:
            for _round in range(rounds):
                for name, template in ENDPOINTS:
                    started = time.perf_counter()
                    try:
                        response = await client.get(template.format(case=case_id))
                        status = str(response.status_code)
                        await response.aread()
                    except httpx.HTTPError as exc:
                        status = type(exc).__name__
                    stats[name].add(status, (time.perf_counter() - started) * 1000)
                    if think_s:
                        await asyncio.sleep(think_s)

        await asyncio.gather(*(caseworker() for _ in range(clients)))
    return stats


async def load_aiohttp(
    base: str,
    token: str,
    endpoints: tuple[tuple[str, str], ...],
    case_id: int,
    clients: int,
    rounds: int,
    timeout_s: float,
    think_s: float,
    think_random: bool = False,
) -> dict[str, EndpointStats]:
    """``clients`` readers (aiohttp, which costs the shared cores several times less CPU per request than
    httpx: both figures are printed as ``client CPU``), each doing ``rounds`` rounds of ``endpoints`` (name,
    path with ``{case}``) one after another. ``think_random``: pauses drawn from an exponential distribution
    of mean ``think_s`` and starts spread over one mean pause, as from people working independently."""
    import aiohttp

    stats = {name: EndpointStats() for name, _ in endpoints}
    headers = {"Authorization": f"Bearer {token}"}
    connector = aiohttp.TCPConnector(limit=clients, force_close=False)
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    async with aiohttp.ClientSession(base, headers=headers, connector=connector, timeout=timeout) as client:

        async def caseworker(number: int) -> None:
            pause = random.Random(number)  # seeded per client: the same pauses in every run
            if think_s and think_random:
                await asyncio.sleep(pause.uniform(0, think_s))  # caseworkers do not start in step
            for _round in range(rounds):
                for name, template in endpoints:
                    started = time.perf_counter()
                    try:
                        async with client.get(template.format(case=case_id)) as response:
                            await response.read()
                            status = str(response.status)
                    except (aiohttp.ClientError, TimeoutError) as exc:
                        status = type(exc).__name__
                    stats[name].add(status, (time.perf_counter() - started) * 1000)
                    if think_s:
                        await asyncio.sleep(pause.expovariate(1 / think_s) if think_random else think_s)

        await asyncio.gather(*(caseworker(number) for number in range(clients)))
    return stats


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of the server process and its live children (``serve --workers N``) so far
    (Linux /proc): the steadier measure on a shared machine, where wall times mostly measure the others."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        total += sum(process_cpu_s(int(child)) for child in children)
    return total


def postgres_cpu_s() -> float:
    """User + system CPU seconds of every ``postgres`` process on this machine so far (the local server's
    backends; other databases' work on it counts too): what each read costs the database server."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name, rest = text.split("(", 1)[1].rsplit(")", 1)
        if name == "postgres":
            fields = rest.split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def connections_per_process(port: int) -> dict[int, int]:
    """How the server's established client connections are shared among its processes right now (``ss``):
    with ``serve --workers N`` a keep-alive connection stays with the process that accepted it."""
    try:
        out = subprocess.run(
            ["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    counts: dict[int, int] = {}
    for pid in re.findall(r"pid=(\d+)", out):
        counts[int(pid)] = counts.get(int(pid), 0) + 1
    return counts


class ConnectionSampler(threading.Thread):
    """Samples :func:`connections_per_process` once most clients are connected (at most ``wait_s`` seconds)."""

    def __init__(self, port: int, clients: int, wait_s: float = 20.0) -> None:
        super().__init__(daemon=True)
        self.port, self.clients, self.wait_s = port, clients, wait_s
        self.counts: dict[int, int] = {}

    def run(self) -> None:
        deadline = time.monotonic() + self.wait_s
        while time.monotonic() < deadline:
            counts = connections_per_process(self.port)
            if sum(counts.values()) >= self.clients * 0.9:
                self.counts = counts
                return
            self.counts = counts
            time.sleep(0.2)


def audit_verifies(base: str) -> dict[str, object] | None:
    try:
        token = sign_in(base, "auditor")
        response = httpx.get(
            f"{base}/api/v1/audit/verify", headers={"Authorization": f"Bearer {token}"}, timeout=120
        )
        return {"status": response.status_code, **(response.json() if response.status_code == 200 else {})}
    except httpx.HTTPError as exc:
        return {"error": str(exc)}


def py_spy_record(binary: Path, pid: int, output: Path, *, subprocesses: bool) -> subprocess.Popen[bytes]:
    """py-spy sampling ``pid`` (GIL holders only, 250 Hz) into ``output`` in its raw format, one stack per line;
    returns once it has attached. Stop it with :func:`stop_py_spy`."""
    spy = subprocess.Popen(
        [str(binary), "record", "--pid", str(pid), *(["--subprocesses"] if subprocesses else []), "--gil",
         "--rate", "250", "--format", "raw", "--output", str(output), "--nonblocking"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(2)  # py-spy attaches
    return spy


def start_py_spy(args: argparse.Namespace, pid: int, tag: str) -> subprocess.Popen[bytes] | None:
    """``--py-spy BIN``: sample the serving process (and its children: ``--workers``) during the load runs,
    to ``--spy-out``/<tag>.collapsed."""
    if not args.py_spy:
        return None
    args.spy_out.mkdir(parents=True, exist_ok=True)
    return py_spy_record(args.py_spy, pid, args.spy_out / f"{tag}.collapsed", subprocesses=True)


def stop_py_spy(spy: subprocess.Popen[bytes] | None) -> None:
    if spy is not None:
        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=60)


def run_one(
    label: str,
    code_root: Path,
    backend: str,
    args: argparse.Namespace,
    workers: int | None = None,
    settings: dict[str, str] | None = None,
) -> dict[str, object]:
    work = Path(tempfile.mkdtemp(prefix=f"bench-conc-{label}-"))
    database_url = create_pg_database() if backend == "postgresql" else None
    process = None
    try:
        seed_started = time.monotonic()
        process, base = start_server(code_root, work, database_url, args.gazetteer_dir, workers, settings)
        seed_s = time.monotonic() - seed_started
        token = sign_in(base, "caseworker")
        case_id = demo_case_id(base, token)
        runs = []
        spy = start_py_spy(args, process.pid, f"{label}-{backend}")
        for _repeat in range(args.repeats):
            cpu_before = process_cpu_s(process.pid)
            pg_before = postgres_cpu_s() if backend == "postgresql" else 0.0
            load_before = os.getloadavg()[0]
            sampler = ConnectionSampler(int(base.rsplit(":", 1)[1]), args.clients)
            sampler.start()
            client_before = resource.getrusage(resource.RUSAGE_SELF)
            started = time.monotonic()
            stats = asyncio.run(
                load(
                    base,
                    token,
                    case_id,
                    args.clients,
                    args.rounds,
                    args.timeout_s,
                    args.think_ms / 1000,
                    args.client,
                    args.think_random,
                )
            )
            wall_s = time.monotonic() - started
            client_after = resource.getrusage(resource.RUSAGE_SELF)
            sampler.join(timeout=1)
            client_cpu_s = (client_after.ru_utime + client_after.ru_stime) - (
                client_before.ru_utime + client_before.ru_stime
            )
            requests = sum(len(s.latencies_ms) for s in stats.values())
            runs.append(
                {
                    "wall_s": round(wall_s, 1),
                    "load_average_before_after": [round(load_before, 2), round(os.getloadavg()[0], 2)],
                    "server_cpu_ms_per_request": round(
                        (process_cpu_s(process.pid) - cpu_before) * 1000 / max(requests, 1), 2
                    ),
                    "postgres_cpu_ms_per_request": round(
                        (postgres_cpu_s() - pg_before) * 1000 / max(requests, 1), 2
                    )
                    if backend == "postgresql"
                    else None,
                    # the load generator's own CPU (it shares this machine's cores with the server)
                    "client_cpu_ms_per_request": round(client_cpu_s * 1000 / max(requests, 1), 2),
                    # established connections per serving process, sampled once the clients had connected
                    "connections_per_process": sorted(sampler.counts.values(), reverse=True),
                    "endpoints": {name: s.row() for name, s in stats.items()},
                }
            )
        stop_py_spy(spy)
        verify = audit_verifies(base)
        return {
            "code": label,
            "backend": backend,
            "clients": args.clients,
            "rounds": args.rounds,
            "think_ms": args.think_ms,
            "client": args.client,
            "think_random": args.think_random,
            "workers": workers or 1,
            "seed_s": round(seed_s, 1),
            "runs": runs,
            "audit_verify": {
                k: verify.get(k) for k in ("status", "ok", "entries_checked", "problems", "error")
            }
            if verify
            else None,
        }
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        if database_url:
            drop_pg_database(database_url)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument(
        "--code",
        action="append",
        default=[],
        help="label=path of a code tree (repeatable); label=path@N serves it with `serve --workers N`; "
        "label=path@N,SETTING=VALUE,… also sets REISROUTE_SETTING for that server "
        "(e.g. after=.@2,MAX_CONCURRENT_REQUESTS=0)",
    )
    parser.add_argument("--timeout-s", type=float, default=60.0, help="client timeout per request")
    parser.add_argument(
        "--gazetteer-dir", type=Path, default=Path(tempfile.gettempdir()) / "reisroute-bench-gazetteer"
    )
    parser.add_argument("--keep", action="store_true", help="keep the data directories")
    parser.add_argument("--repeats", type=int, default=3, help="load runs against the same server")
    parser.add_argument(
        "--think-ms", type=float, default=0.0, help="pause of each client after each answer (0: closed loop)"
    )
    parser.add_argument(
        "--endpoints", nargs="+", choices=[name for name, _ in ENDPOINTS], help="only these (default: all)"
    )
    parser.add_argument(
        "--think-random",
        action="store_true",
        help="pauses drawn from an exponential distribution of mean --think-ms and starts spread over one "
        "mean pause (aiohttp client): requests arrive as from people working independently, not in step",
    )
    parser.add_argument(
        "--client",
        choices=["aiohttp", "httpx"],
        default="aiohttp",
        help="the load generator's HTTP client (it runs on the server's cores: aiohttp costs them less)",
    )
    parser.add_argument("--json-out", type=Path)
    parser.add_argument("--py-spy", type=Path, help="py-spy binary: sample the server during the load runs")
    parser.add_argument("--spy-out", type=Path, default=Path("concurrency-spy"), help="where the samples go")
    args = parser.parse_args()
    if args.endpoints:
        globals()["ENDPOINTS"] = tuple(e for e in ENDPOINTS if e[0] in args.endpoints)
    codes = [tuple(c.split("=", 1)) for c in args.code] or [
        ("after", str(Path(__file__).resolve().parents[1]))
    ]
    results = []
    for backend in args.backend or ["sqlite"]:
        for label, root in codes:
            tree, *pairs = root.split(",")
            path, _, workers = tree.partition("@")
            settings = {f"REISROUTE_{k.upper()}": v for k, _, v in (p.partition("=") for p in pairs)}
            result = run_one(
                label, Path(path).resolve(), backend, args, int(workers) if workers else None, settings
            )
            results.append(result)
            print(json.dumps(result), flush=True)
    print()
    print(
        "| backend | code | endpoint | runs | requests | errors | p50 ms | p95 ms | max ms | CPU ms/request | load |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|")

    def span(values: list[float], digits: int = 0) -> str:
        low, high = min(values), max(values)
        if round(low, digits) == round(high, digits):
            return f"{low:,.{digits}f}"
        return f"{low:,.{digits}f}–{high:,.{digits}f}"

    for result in results:
        runs = result["runs"]  # type: ignore[assignment]
        cpu = span([r["server_cpu_ms_per_request"] for r in runs], 1)  # type: ignore[index]
        loads = [x for r in runs for x in r["load_average_before_after"]]  # type: ignore[index]
        for name in runs[0]["endpoints"]:  # type: ignore[index]
            rows = [r["endpoints"][name] for r in runs]  # type: ignore[index]
            print(
                f"| {result['backend']} | {result['code']} | {name} | {len(rows)} | "
                f"{sum(r['requests'] for r in rows)} | {sum(r['errors'] for r in rows)} | "
                f"{span([r['p50_ms'] for r in rows])} | {span([r['p95_ms'] for r in rows])} | "
                f"{span([r['max_ms'] for r in rows])} | {cpu} | {min(loads):.1f}–{max(loads):.1f} |"
            )
    print()
    for result in results:
        runs = result["runs"]  # type: ignore[assignment]
        client = span([r["client_cpu_ms_per_request"] for r in runs], 1)  # type: ignore[index]
        shares = "; ".join("/".join(str(n) for n in r["connections_per_process"]) or "?" for r in runs)  # type: ignore[index]
        database = ""
        if result["backend"] == "postgresql":
            pg = span([r["postgres_cpu_ms_per_request"] for r in runs], 1)  # type: ignore[index]
            database = f"PostgreSQL server CPU {pg} ms/request; "
        print(
            f"{result['backend']} {result['code']}: client ({result['client']}) CPU {client} ms/request; "
            f"{database}connections per serving process, per run: {shares}"
        )
    if args.json_out:
        args.json_out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
