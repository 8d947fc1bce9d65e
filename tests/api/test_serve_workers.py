"""``reisroute serve --workers 2`` (issue 18): two serving processes on one port, started as the command
line starts them. Both answer (seen from the kernel: each holds accepted connections that got a 200), every
concurrent read lands in the one audit chain, and the chain verifies after the processes stopped.

Kept small on purpose (a case without an extraction; the case record is an audited read like the route's):
the cost is three interpreters starting, not the data.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from store.models import AuditEntry
from tests.legal_basis.helpers import new_case

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 12
ROUNDS = 4


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serving_processes(pid: int) -> list[int]:
    """The supervisor's spawned children (api.serving: one per serving process), not multiprocessing's helper processes."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            if b"spawn_main" in cmdline:
                found.append(int(child))
    return sorted(found)


def _established_inodes(port: int) -> set[str]:
    """Socket inodes of established TCP connections whose local port is the server's."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        lines = Path(table).read_text().splitlines()[1:] if Path(table).exists() else []
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                inodes.add(fields[9])
    return inodes


def _holders(pids: list[int], port: int) -> set[int]:
    """Which of the processes hold an accepted connection on the port."""
    inodes = _established_inodes(port)
    holders = set()
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                holders.add(pid)
                break
    return holders


async def _read_concurrently(base: str, token: str, case_id: int, port: int, pids: list[int]):  # noqa: ANN202
    """CLIENTS clients, one connection each, ROUNDS case-record reads each; while every connection is still
    open, which serving processes hold them."""
    statuses: Counter[int] = Counter()
    clients = [
        httpx.AsyncClient(
            base_url=base,
            headers={"Authorization": f"Bearer {token}"},
            limits=httpx.Limits(max_connections=1),
            timeout=60,
        )
        for _ in range(CLIENTS)
    ]
    try:

        async def reader(client: httpx.AsyncClient) -> None:
            for _round in range(ROUNDS):
                statuses[(await client.get(f"/api/v1/cases/{case_id}")).status_code] += 1

        await asyncio.gather(*(reader(c) for c in clients))
        holders = _holders(pids, port)
    finally:
        for client in clients:
            await client.aclose()
    return statuses, holders


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads the kernel's connection table")
def test_two_serving_processes_answer_and_the_chain_verifies(state, settings, client_for, tmp_path) -> None:  # noqa: ANN001
    intake = client_for("intake")
    case_id, _device = new_case(intake, "V-WORKERS-1")
    token = client_for("caseworker").headers["Authorization"].removeprefix("Bearer ")
    with state.session_factory() as session:
        before = session.scalar(select(func.count()).select_from(AuditEntry))

    port = _free_port()
    env = {
        **os.environ,  # the test audit key, organisation key and checkpoint directory (conftest)
        "PYTHONPATH": str(ROOT),
        "REISROUTE_DATA_DIR": str(settings.data_dir),
        "REISROUTE_DATABASE_URL": str(settings.database_url),
        "REISROUTE_GAZETTEER_DIR": str(settings.gazetteer_dir),
    }
    log = open(tmp_path / "serve.log", "w+")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--workers", "2", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    rounds: list[tuple[Counter[int], set[int]]] = []
    try:
        deadline = time.monotonic() + 120  # generous for a loaded machine; ~5 s when idle
        pids: list[int] = []
        while time.monotonic() < deadline:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            pids = _serving_processes(process.pid)
            try:
                ready = len(pids) == 2 and httpx.get(f"{base}/healthz", timeout=5).status_code == 200
            except httpx.TransportError:
                ready = False
            if ready:
                break
            time.sleep(0.2)
        else:
            pytest.fail(
                f"two serving processes did not start: {(tmp_path / 'serve.log').read_text()[-2000:]}"
            )
        # Which process accepts a connection is the kernel's choice: read again (new connections) until both
        # have answered; every round's reads must all succeed.
        while time.monotonic() < deadline:
            statuses, holders = asyncio.run(_read_concurrently(base, token, case_id, port, pids))
            rounds.append((statuses, holders))
            assert statuses == Counter({200: CLIENTS * ROUNDS}), statuses
            if set().union(*(h for _s, h in rounds)) == set(pids):
                break
        assert set().union(*(h for _s, h in rounds)) == set(pids), f"not every process answered: {rounds}"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
    assert process.returncode == 0, (tmp_path / "serve.log").read_text()[-2000:]

    with state.session_factory() as session:
        after = session.scalar(select(func.count()).select_from(AuditEntry))
        result = state.extras["audit_log"].verify(session)
    assert after - before == len(rounds) * CLIENTS * ROUNDS  # every read of both processes is in the chain
    assert result.ok, result.problems
    # one start checkpoint per process: the supervisor and each serving process ran their own audit log
    checkpoints = (Path(settings.audit_checkpoint_dir) / "audit-checkpoints.jsonl").read_text()
    assert checkpoints.count('"startup"') >= 3
