"""Many readers at once against a real uvicorn server (issue 18, the CI version of
bench/bench_concurrency.py): 20 caseworkers × 3 rounds of route summary, findings and route overview on a
small released case. No request may fail, and the audit chain must verify afterwards with every read in it.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from sqlalchemy import func, select

from casework.jobs.worker import JobWorker
from extractor.simulator.adb_server import start_adb_simulator
from extractor.simulator.phone_builder import build_phone
from matching.gazetteer import Gazetteer
from store.models import AuditEntry
from tests.legal_basis.helpers import approved_case

CLIENTS = 20
ROUNDS = 3
ENDPOINTS = ("/route/summary", "/findings", "/route")


@pytest.fixture
def released_case_id(state, users, client_for, tmp_path, gazetteer_dir) -> int:  # noqa: ANN001
    state.extras["gazetteer"] = Gazetteer.open(gazetteer_dir)
    intake, authoriser = client_for("intake"), client_for("authoriser")
    caseworker, reviewer = client_for("caseworker"), client_for("reviewer")
    phone = build_phone(tmp_path / "phone", photos=8, timeline_points=300, seed=3)
    simulator = start_adb_simulator(phone.root, port=0)
    try:
        case_id, device_id, authorisation_id = approved_case(
            intake,
            authoriser,
            "V-CONC-1",
            serial=phone.serial,
            window_start="2024-01-01T00:00:00Z",
            window_end="2024-12-31T00:00:00Z",
        )
        response = intake.post(
            f"/api/v1/cases/{case_id}/jobs",
            json={
                "authorisation_id": authorisation_id,
                "device_id": device_id,
                "source": {"kind": "adb", "host": "127.0.0.1", "port": simulator.port},
            },
        )
        assert response.status_code == 202, response.text
        assert JobWorker(state, retry_delay_s=0).run_once()
    finally:
        simulator.stop()
    response = caseworker.post(
        f"/api/v1/cases/{case_id}/claims",
        json={"kind": "stayed", "place_text": "Damascus", "time_text": "januari 2023", "position": 0},
    )
    assert response.status_code == 201, response.text
    response = caseworker.post(f"/api/v1/cases/{case_id}/match")
    assert response.status_code == 200, response.text
    set_id = response.json()["finding_set_id"]
    response = reviewer.post(
        f"/api/v1/cases/{case_id}/finding-sets/{set_id}/release", json={"note": "checked for the test"}
    )
    assert response.status_code == 200, response.text
    return int(case_id)


@pytest.fixture
def server(app) -> Iterator[str]:  # noqa: ANN001
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    port = running.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=10)


async def _readers(base: str, token: str, case_id: int) -> tuple[Counter[str], list[float]]:
    statuses: Counter[str] = Counter()
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=CLIENTS)
    async with httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {token}"}, limits=limits, timeout=60
    ) as client:

        async def caseworker() -> None:
            for _round in range(ROUNDS):
                for endpoint in ENDPOINTS:
                    started = time.perf_counter()
                    response = await client.get(f"/api/v1/cases/{case_id}{endpoint}")
                    latencies.append(time.perf_counter() - started)
                    statuses[f"{endpoint} {response.status_code}"] += 1

        await asyncio.gather(*(caseworker() for _ in range(CLIENTS)))
    return statuses, latencies


@pytest.mark.slow
@pytest.mark.device
def test_twenty_concurrent_readers_get_answers_and_every_read_is_audited(
    state, released_case_id: int, server: str, client_for
) -> None:  # noqa: ANN001
    token = client_for("caseworker").headers["Authorization"].removeprefix("Bearer ")
    with state.session_factory() as session:
        before = session.scalar(select(func.count()).select_from(AuditEntry))
    statuses, latencies = asyncio.run(_readers(server, token, released_case_id))
    assert statuses == Counter({f"{e} 200": CLIENTS * ROUNDS for e in ENDPOINTS}), statuses
    with state.session_factory() as session:
        after = session.scalar(select(func.count()).select_from(AuditEntry))
        result = state.extras["audit_log"].verify(session)
    assert after - before == CLIENTS * ROUNDS * len(ENDPOINTS)  # every read landed in the chain
    assert result.ok, result.problems
    sequencer = state.extras["audit_log"].sequencer
    assert sequencer.batches < sequencer.entries  # reads were grouped, not written one transaction each
