"""Errors map to HTTP in one place, as JSON with a clear message.

A database that stays locked or unreachable is a 503 with ``Retry-After``, never a 500. Every 403 is
recorded in the audit log (who was refused what, on which case), durably before the answer goes out.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from casework.errors import CaseworkError, NothingToReport
from extractor.errors import ExtractionError
from legal_basis.errors import Conflict, LegalBasisError, NotFound, NotPermitted, PolicyError
from matching.errors import GazetteerError, InvalidClaimError, MatchingError, PlaceNotFoundError
from routing.errors import ParameterError, RoutingError
from store import audit
from store.errors import EvidenceIntegrityError, EvidenceKeyDestroyed, StoreError, StoreUnavailable

log = logging.getLogger(__name__)
RETRY_AFTER_S = 1


def _json(status_code: int, message: str, **extra: object) -> JSONResponse:
    return JSONResponse(status_code=status_code, content={"detail": message, **extra})


def _unavailable(message: str) -> JSONResponse:
    return JSONResponse(
        status_code=503, content={"detail": message}, headers={"Retry-After": str(RETRY_AFTER_S)}
    )


async def _record_refusal(request: Request, reason: str) -> Response | None:
    """Audit a 403: the actor (if signed in), the route, its parameters. Returns a 503 if it cannot."""
    state = getattr(request.app.state, "reisroute", None)
    audit_log = state.extras.get("audit_log") if state is not None else None
    if audit_log is None:
        return None
    actor = getattr(request.state, "actor", None)
    route = request.scope.get("route")
    params = dict(request.path_params)
    raw_case = str(params.get("case_id", ""))
    entry = audit.pending_entry(
        actor=actor.username if actor is not None else "-",
        role=str(actor.role) if actor is not None else "-",
        action="access.denied",
        case_id=int(raw_case) if raw_case.isdigit() and len(raw_case) < 10 else None,
        object_type="route",
        object_id=f"{request.method} {getattr(route, 'path', request.url.path)}",
        reason=reason[:500],
        details={"path_params": {k: str(v)[:80] for k, v in params.items()}},
    )
    try:
        await run_in_threadpool(audit_log.record_now, [entry])
    except StoreUnavailable as exc:
        return _unavailable(str(exc))
    return None


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 403:
            refused = await _record_refusal(request, str(exc.detail))
            if refused is not None:
                return refused
        return await http_exception_handler(request, exc)

    @app.exception_handler(StoreUnavailable)
    async def _store_unavailable(_request: Request, exc: StoreUnavailable) -> JSONResponse:
        return _unavailable(str(exc))

    @app.exception_handler(PoolTimeoutError)
    async def _pool_timeout(_request: Request, exc: PoolTimeoutError) -> JSONResponse:
        log.warning("database pool exhausted: %s", exc)
        return _unavailable("the service is busy: try again in a moment")

    @app.exception_handler(DBAPIError)
    async def _database(_request: Request, exc: DBAPIError) -> JSONResponse:  # noqa: RET503
        if audit.is_transient(exc):
            log.warning("database busy or unreachable: %s", exc.orig)
            return _unavailable("the database is busy or unreachable: try again in a moment")
        raise exc  # a bug, not a busy database: the server error handler answers 500 and logs it

    @app.exception_handler(OverflowError)
    async def _overflow(request: Request, exc: OverflowError) -> JSONResponse:
        # An id or count beyond what the database stores (SQLite: 64-bit) reaches the driver as OverflowError.
        # Bounded parameters refuse most of these at the edge; this keeps any other one a 422, not a 500.
        log.warning("number out of range in %s %s: %s", request.method, request.url.path, exc)
        return _json(422, "a number in the request is out of range", error="OverflowError")

    @app.exception_handler(NotFound)
    async def _not_found(_request: Request, exc: NotFound) -> JSONResponse:
        return _json(404, str(exc))

    @app.exception_handler(NotPermitted)
    async def _not_permitted(request: Request, exc: NotPermitted) -> Response:
        refused = await _record_refusal(request, str(exc))
        if refused is not None:
            return refused
        return _json(403, str(exc), conditions=exc.conditions)

    @app.exception_handler(Conflict)
    async def _conflict(_request: Request, exc: Conflict) -> JSONResponse:
        return _json(409, str(exc))

    @app.exception_handler(PolicyError)
    async def _policy(_request: Request, exc: PolicyError) -> JSONResponse:
        return _json(500, f"policy error: {exc}")

    @app.exception_handler(LegalBasisError)
    async def _legal(_request: Request, exc: LegalBasisError) -> JSONResponse:
        return _json(400, str(exc))

    @app.exception_handler(EvidenceKeyDestroyed)
    async def _destroyed(_request: Request, exc: EvidenceKeyDestroyed) -> JSONResponse:
        return _json(410, str(exc))

    @app.exception_handler(EvidenceIntegrityError)
    async def _integrity(_request: Request, exc: EvidenceIntegrityError) -> JSONResponse:
        return _json(500, f"evidence integrity check failed: {exc}")

    @app.exception_handler(StoreError)
    async def _store(_request: Request, exc: StoreError) -> JSONResponse:
        return _json(500, str(exc))

    @app.exception_handler(ExtractionError)
    async def _extraction(_request: Request, exc: ExtractionError) -> JSONResponse:
        return _json(422, str(exc), error=type(exc).__name__)

    @app.exception_handler(ParameterError)
    async def _route_parameter(_request: Request, exc: ParameterError) -> JSONResponse:
        return _json(422, f"route parameter out of range: {exc}", error=type(exc).__name__)

    @app.exception_handler(RoutingError)
    async def _routing(_request: Request, exc: RoutingError) -> JSONResponse:
        return _json(422, f"the route could not be built: {exc}", error=type(exc).__name__)

    @app.exception_handler(PlaceNotFoundError)
    async def _place_not_found(_request: Request, exc: PlaceNotFoundError) -> JSONResponse:
        return _json(404, str(exc), error=type(exc).__name__)

    @app.exception_handler(InvalidClaimError)
    async def _invalid_claim(_request: Request, exc: InvalidClaimError) -> JSONResponse:
        return _json(422, str(exc), error=type(exc).__name__, field=exc.field, detail_nl=exc.message_nl)

    @app.exception_handler(GazetteerError)
    async def _gazetteer(_request: Request, exc: GazetteerError) -> JSONResponse:
        return _json(503, f"the gazetteer is not available: {exc}", error=type(exc).__name__)

    @app.exception_handler(MatchingError)
    async def _matching(_request: Request, exc: MatchingError) -> JSONResponse:
        return _json(422, str(exc), error=type(exc).__name__)

    @app.exception_handler(NothingToReport)
    async def _nothing_to_report(_request: Request, exc: NothingToReport) -> JSONResponse:
        return _json(404, str(exc), error=type(exc).__name__)

    @app.exception_handler(CaseworkError)
    async def _casework(_request: Request, exc: CaseworkError) -> JSONResponse:
        return _json(422, str(exc), error=type(exc).__name__)
