"""Admission control: at most N API requests of a serving process are worked on at once; the rest wait
their turn in arrival order.

Why: the handlers are synchronous and run in a thread pool of 40. Under fifty concurrent readers all forty
threads hold a request at once and share one interpreter lock (switching every 5 ms), so every request
takes forty times its own CPU, and the audit sequencer — which must commit each read's entry before its
answer leaves — waits for the lock among them; the slowest requests pay for all (p95 four to five times the
median). With a few requests in progress and the others queued in order (``asyncio.Semaphore`` is
first-in, first-out), a request's time is its wait in the queue plus its own work, the sequencer gets the
lock promptly, and the tail shrinks while the throughput stays what the CPU gives.

Only ``/api/`` paths are admitted this way (static files and ``/healthz`` pass freely). ``limit`` 0 turns
it off. The slot is held until the response is sent, so a long request (the PDF report, an upload) holds
one slot of N, not the service.
"""

from __future__ import annotations

import asyncio
from typing import Any

Scope = dict[str, Any]


class AdmissionLimit:
    def __init__(self, app: Any, *, limit: int) -> None:
        self.app = app
        self.limit = limit
        self._semaphore: asyncio.Semaphore | None = None
        self.waiting = 0  # requests queued for a slot (for tests and diagnostics)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if self.limit <= 0 or scope["type"] != "http" or not str(scope.get("path", "")).startswith("/api/"):
            await self.app(scope, receive, send)
            return
        if self._semaphore is None:  # created in the serving loop, on the first request
            self._semaphore = asyncio.Semaphore(self.limit)
        self.waiting += 1
        try:
            await self._semaphore.acquire()
        finally:
            self.waiting -= 1
        try:
            await self.app(scope, receive, send)
        finally:
            self._semaphore.release()
