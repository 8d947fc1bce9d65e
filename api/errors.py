"""Errors map to HTTP in one place, as JSON with a clear message.

A database that stays locked or unreachable is a 503 with ``Retry-After``, never a 500. Every 403 is
recorded in the audit log (who was refused what, on which case), durably before the answer goes out, and so
is a 404 for a case outside the reader's assignments (need-to-know).
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

from casework.access import NotAssigned
from casework.errors import CaseworkError, NothingToReport
from catalogue import message_pair
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


class BilingualHTTPException(StarletteHTTPException):
    """An HTTP refusal whose message comes from the catalogue: the body carries ``detail`` (English) and
    ``detail_nl`` (Dutch)."""

    def __init__(
        self, status_code: int, code: str, *, headers: dict[str, str] | None = None, **values: object
    ) -> None:
        words = message_pair(code, **values)
        super().__init__(status_code, words["detail"], headers=headers)
        self.detail_nl = words["detail_nl"]
        self.code = code


def _unavailable(code: str, cause: str | None = None) -> JSONResponse:
    """A 503 with ``Retry-After`` and the catalogue's words (``cause``: the technical reason, in English)."""
    content: dict[str, object] = dict(message_pair(code))
    if cause:
        content["cause"] = cause
    return JSONResponse(status_code=503, content=content, headers={"Retry-After": str(RETRY_AFTER_S)})


# NotPermitted condition codes with a sentence of their own in the catalogue (the rest: "not_permitted")
_REFUSAL_MESSAGES = {
    "not_released": "not_released",
    "route_version_not_released": "route_version_not_released",
    "same_approver": "same_approver",
    "ground_not_in_policy": "evaluation_refused",
    "evaluation_not_permitted": "evaluation_refused",
    "evaluator_role_required": "evaluation_refused",
}


def _refusal_nl(exc: NotPermitted) -> str:
    """The Dutch sentence of a refusal: the catalogue's for its first condition, else the gate's or a general one."""
    for condition in exc.conditions:
        if condition in _REFUSAL_MESSAGES:
            return message_pair(_REFUSAL_MESSAGES[condition])["detail_nl"]
    if exc.conditions and str(exc).startswith("the legal gate is closed"):
        return message_pair("gate_closed")["detail_nl"]
    return message_pair("not_permitted")["detail_nl"]


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
        return _unavailable("database_busy", str(exc))
    return None


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 403:
            refused = await _record_refusal(request, str(exc.detail))
            if refused is not None:
                return refused
        if isinstance(exc, BilingualHTTPException):
            return JSONResponse(
                status_code=exc.status_code,
                content={"detail": exc.detail, "detail_nl": exc.detail_nl},
                headers=exc.headers,
            )
        return await http_exception_handler(request, exc)

    @app.exception_handler(StoreUnavailable)
    async def _store_unavailable(_request: Request, exc: StoreUnavailable) -> JSONResponse:
        return _unavailable("database_busy", str(exc))

    @app.exception_handler(PoolTimeoutError)
    async def _pool_timeout(_request: Request, exc: PoolTimeoutError) -> JSONResponse:
        log.warning("database pool exhausted: %s", exc)
        return _unavailable("busy")

    @app.exception_handler(DBAPIError)
    async def _database(_request: Request, exc: DBAPIError) -> JSONResponse:  # noqa: RET503
        if audit.is_transient(exc):
            log.warning("database busy or unreachable: %s", exc.orig)
            return _unavailable("database_busy")
        raise exc  # a bug, not a busy database: the server error handler answers 500 and logs it

    @app.exception_handler(NotAssigned)
    async def _not_assigned(request: Request, exc: NotAssigned) -> Response:
        """Need-to-know: answered like a case that does not exist, audited like a refusal."""
        refused = await _record_refusal(request, f"need-to-know: {exc}")
        if refused is not None:
            return refused
        return _json(404, str(exc))

    @app.exception_handler(UnicodeEncodeError)
    async def _invalid_text(_request: Request, exc: UnicodeEncodeError) -> JSONResponse:
        # JSON may escape a lone surrogate ("\ud800"); no database or file can store it: the client's error
        return JSONResponse(status_code=422, content=message_pair("invalid_text"))

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
        return _json(403, str(exc), conditions=exc.conditions, detail_nl=_refusal_nl(exc))

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
