"""``ReadRoute``: a read endpoint that has its answer's bytes ends its unit of work in its own thread-pool call
(issue 18); any other answer is ended by ``get_session`` afterwards. Either way the read's audit entry is
committed before the answer is sent.

A small app on the real dependencies and a real database; the thread-pool hand-offs of each request are
counted at anyio's ``to_thread.run_sync`` (which starlette and FastAPI call for every plain ``def``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anyio.to_thread
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import Response, StreamingResponse
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from api.deps import PUBLIC, ReadRoute, SessionDep, StateDep
from casework.state import AppState
from legal_basis.roles import Role
from legal_basis.services import Actor, record
from store.models import AuditEntry

READER = Actor(user_id=1, username="reader", role=Role.COMPLIANCE_AUDITOR)


@pytest.fixture
def app_and_log(
    state: AppState, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[TestClient, list[dict[str, Any]]]]:
    log: list[dict[str, Any]] = []
    hand_offs = [0]
    real_run_sync = anyio.to_thread.run_sync

    async def counting_run_sync(*args: Any, **kwargs: Any) -> Any:
        hand_offs[0] += 1
        return await real_run_sync(*args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting_run_sync)
    app = FastAPI()
    app.router.route_class = ReadRoute
    app.state.reisroute = state

    def note(session: Session, request: Request, name: str) -> None:
        log.append({"endpoint": name, "hand_offs_before": hand_offs[0]})
        record(session, READER, f"test.{name}")

        @event.listens_for(session, "after_commit")
        def _committed(_session: Session) -> None:
            log[-1]["committed"] = True

    def entries() -> int:
        with state.session_factory() as fresh:
            return int(fresh.scalar(select(func.count()).select_from(AuditEntry)) or 0)

    @app.get("/bytes", openapi_extra={PUBLIC: True})
    def answer_bytes(request: Request, session: SessionDep, _state: StateDep) -> Response:
        note(session, request, "bytes")
        return Response(b'{"ok":true}', media_type="application/json")

    @app.get("/model", openapi_extra={PUBLIC: True})
    def answer_model(request: Request, session: SessionDep, _state: StateDep) -> dict[str, bool]:
        note(session, request, "model")
        return {"ok": True}

    @app.get("/stream", openapi_extra={PUBLIC: True})
    def answer_stream(request: Request, session: SessionDep, _state: StateDep) -> StreamingResponse:
        note(session, request, "stream")

        def body() -> Iterator[bytes]:
            yield b"part"

        return StreamingResponse(body())

    with TestClient(app) as client:
        client.entries = entries  # type: ignore[attr-defined]
        client.hand_offs = hand_offs  # type: ignore[attr-defined]
        yield client, log


def test_an_answer_in_bytes_ends_its_unit_of_work_in_the_endpoints_call(
    app_and_log: tuple[TestClient, list[dict[str, Any]]],
) -> None:
    client, log = app_and_log
    before = client.entries()  # type: ignore[attr-defined]
    started = client.hand_offs[0]  # type: ignore[attr-defined]
    response = client.get("/bytes")
    assert response.status_code == 200, response.text
    assert log[-1].get("committed")
    assert client.hand_offs[0] - started == 1  # type: ignore[attr-defined]  # the endpoint's own call only
    assert client.entries() == before + 1  # type: ignore[attr-defined]  # durable when the answer came


@pytest.mark.parametrize("path", ["/model", "/stream"])
def test_other_answers_are_ended_by_the_session_dependency(
    app_and_log: tuple[TestClient, list[dict[str, Any]]], path: str
) -> None:
    client, log = app_and_log
    before = client.entries()  # type: ignore[attr-defined]
    started = client.hand_offs[0]  # type: ignore[attr-defined]
    response = client.get(path)
    assert response.status_code == 200, response.text
    assert log[-1].get("committed")
    # the endpoint's call, then get_session's (a stream's body also runs in the pool: at least two)
    assert client.hand_offs[0] - started >= 2  # type: ignore[attr-defined]
    assert client.entries() == before + 1  # type: ignore[attr-defined]
