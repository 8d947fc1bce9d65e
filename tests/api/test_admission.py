"""Admission control (api/admission.py): at most N API requests in progress per process, the rest served in
arrival order; other paths pass freely; 0 turns it off."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from api.admission import AdmissionLimit


class Recorder:
    """An ASGI app whose requests stay in progress until released; it records what it saw."""

    def __init__(self) -> None:
        self.in_progress = 0
        self.most = 0
        self.started: list[str] = []
        self.release = asyncio.Event()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.in_progress += 1
        self.most = max(self.most, self.in_progress)
        self.started.append(scope["path"])
        try:
            await self.release.wait()
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})
        finally:
            self.in_progress -= 1


async def _run(limit: int, paths: list[str]) -> tuple[Recorder, AdmissionLimit, list[int]]:
    inner = Recorder()
    app = AdmissionLimit(inner, limit=limit)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        tasks = []
        for path in paths:
            tasks.append(asyncio.create_task(client.get(path)))
            await asyncio.sleep(0.01)  # a definite arrival order
        await asyncio.sleep(0.05)
        queued = app.waiting
        in_progress = inner.in_progress
        inner.release.set()
        answers = await asyncio.gather(*tasks)
    assert all(a.status_code == 200 for a in answers)
    return inner, app, [queued, in_progress]


def test_at_most_limit_api_requests_in_progress_the_rest_in_arrival_order() -> None:
    paths = [f"/api/v1/cases/{n}" for n in range(8)]
    inner, app, (queued, in_progress) = asyncio.run(_run(2, paths))
    assert in_progress == 2 and queued == 6
    assert inner.most == 2
    assert inner.started == paths  # first in, first out
    assert app.waiting == 0


def test_static_files_and_health_pass_freely() -> None:
    inner, _, (queued, in_progress) = asyncio.run(_run(1, ["/healthz", "/static/app.js", "/", "/api/v1/x"]))
    assert queued == 0 and in_progress == 4


def test_zero_turns_it_off() -> None:
    inner, _, (queued, in_progress) = asyncio.run(_run(0, [f"/api/v1/{n}" for n in range(6)]))
    assert queued == 0 and in_progress == 6 and inner.most == 6
