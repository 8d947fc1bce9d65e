"""Errors map to HTTP in one place, as JSON with a clear message."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from casework.errors import CaseworkError, NothingToReport
from extractor.errors import ExtractionError
from legal_basis.errors import Conflict, LegalBasisError, NotFound, NotPermitted, PolicyError
from matching.errors import GazetteerError, InvalidClaimError, MatchingError, PlaceNotFoundError
from routing.errors import ParameterError, RoutingError
from store.errors import EvidenceIntegrityError, EvidenceKeyDestroyed, StoreError


def _json(status_code: int, message: str, **extra: object) -> JSONResponse:
    return JSONResponse(status_code=status_code, content={"detail": message, **extra})


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotFound)
    async def _not_found(_request: Request, exc: NotFound) -> JSONResponse:
        return _json(404, str(exc))

    @app.exception_handler(NotPermitted)
    async def _not_permitted(_request: Request, exc: NotPermitted) -> JSONResponse:
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
        return _json(422, str(exc), error=type(exc).__name__)

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
